//! The relay over real HTTP on 127.0.0.1, writing to a real PostgreSQL cluster (one for the whole
//! file: the cases run in one test, in a row), with callbacks signed by the gateway simulator.

mod common;

use common::{done_status, heard, signed, store_with, Says, Shop, GATEWAYS};
use paydesk_pgcluster::Cluster;
use paydesk_relay::{Relay, BODY_LIMIT};
use paydesk_shop::{ShopDb, SCHEMA_VERSION};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[tokio::test]
async fn each_gateways_callbacks_are_checked_applied_once_forward_only_and_heard_by_the_tills() {
    let cluster = Cluster::start().unwrap();
    let t = Shop::start(&cluster).await;
    let mut listener = t.shop.listen().await.unwrap();

    let health = t.http.get(format!("{}/health", t.base)).send().await.unwrap();
    assert_eq!(health.status().as_u16(), 200);
    let health: serde_json::Value = serde_json::from_str(&health.text().await.unwrap()).unwrap();
    assert_eq!(health["schema_version"], SCHEMA_VERSION);
    assert_eq!(health["gateways"], serde_json::json!(GATEWAYS));

    for gateway in GATEWAYS {
        let (a, b) = (format!("PD-{gateway}-A"), format!("PD-{gateway}-B"));
        t.sale(gateway, &a).await;
        t.sale(gateway, &b).await;
        let done = done_status(gateway);

        // Valid: the sale moves, and its till hears it.
        let valid = signed(gateway, &a, Says::Done, true).unwrap();
        assert_eq!(t.post(gateway, &valid).await, (200, "ok".into()), "{gateway} valid");
        assert_eq!(t.status(&a).await, (done, true), "{gateway}");
        let notice = heard(&mut listener).await;
        assert_eq!(
            (notice.till_id.as_str(), notice.order_id.as_str(), notice.status),
            (t.till_id.as_str(), a.as_str(), done)
        );
        let rows = t.callbacks(None).await;

        // A bad signature: 401 and nothing written.
        let forged = signed(gateway, &b, Says::Done, false).unwrap();
        let (code, text) = t.post(gateway, &forged).await;
        assert_eq!(code, 401, "{gateway} forged: {text}");
        assert!(!text.contains("not-the-account-secret"), "{text}");
        assert_eq!(t.status(&b).await.0, paydesk_money::InvoiceStatus::Creating, "{gateway}");
        assert_eq!(t.callbacks(Some(&b)).await, 0, "{gateway}");
        assert_eq!(t.callbacks(None).await, rows, "{gateway}");

        // The same body again: ok, nothing changes.
        assert_eq!(t.post(gateway, &valid).await, (200, "ok".into()), "{gateway} replay");
        assert_eq!(t.status(&a).await, (done, true));
        assert_eq!(t.callbacks(None).await, rows, "{gateway}: a replay is not recorded twice");

        // Out of order: an earlier stage after the sale got further is taken (ok) but moves
        // nothing. Dex3 only ever sends success: a second, different one stands in.
        let late = signed(gateway, &a, Says::Early, true)
            .unwrap_or_else(|| signed(gateway, &a, Says::DoneAgain, true).unwrap());
        assert_eq!(t.post(gateway, &late).await, (200, "ok".into()), "{gateway} out of order");
        assert_eq!(t.status(&a).await, (done, true), "{gateway}: still {}", done.as_str());
        // No notice came from the replay or the late one: the next one heard is the next
        // gateway's (or the last case's below).
    }

    // A sale its till has not pushed yet: 404, nothing kept, so the gateway's retry applies.
    let order = "PD-late-push";
    let early = signed("oxapay", order, Says::Done, true).unwrap();
    assert_eq!(t.post("oxapay", &early).await.0, 404);
    assert_eq!(t.callbacks(Some(order)).await, 0);
    t.sale("oxapay", order).await;
    assert_eq!(t.post("oxapay", &early).await, (200, "ok".into()));
    let notice = heard(&mut listener).await;
    assert_eq!(notice.order_id, order, "the replays and late callbacks above announced nothing");
    assert_eq!(t.status(order).await, (paydesk_money::InvoiceStatus::Paid, true));

    // Gateways this relay does not serve.
    for path in ["nosuch", "demo"] {
        assert_eq!(t.post(path, &early).await.0, 404, "{path}");
    }

    // Bodies over the limit: 413, by Content-Length before reading, and by counting a chunked
    // body that declares no length. One at the limit is read (and fails its check).
    let mut big = signed("oxapay", "PD-big", Says::Done, true).unwrap();
    big.body = vec![b' '; BODY_LIMIT + 1];
    assert_eq!(t.post("oxapay", &big).await.0, 413);
    big.body = vec![b' '; BODY_LIMIT];
    assert_eq!(t.post("oxapay", &big).await.0, 401);
    assert_eq!(chunked_post(&t.base, "/callback/oxapay", BODY_LIMIT + 1).await, 413);
    assert_eq!(chunked_post(&t.base, "/callback/oxapay", 100).await, 401);

    // A body that passes its check but cannot be read: 400.
    let unreadable =
        paydesk_gatewaysim::callbacks::oxapay_signed(b"[1,2]".to_vec(), common::cred("oxapay", "merchant_api_key"));
    assert_eq!(t.post("oxapay", &unreadable).await.0, 400);
}

/// POSTs `size` bytes with `Transfer-Encoding: chunked` (no length up front) over a raw
/// connection and returns the answer's status code.
async fn chunked_post(base: &str, path: &str, size: usize) -> u16 {
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
    );
    let send = async {
        stream.write_all(head.as_bytes()).await?;
        for chunk in vec![b' '; size].chunks(8192) {
            stream.write_all(format!("{:x}\r\n", chunk.len()).as_bytes()).await?;
            stream.write_all(chunk).await?;
            stream.write_all(b"\r\n").await?;
        }
        stream.write_all(b"0\r\n\r\n").await
    };
    // The relay may answer and close before all is sent: that is the point.
    let _ = tokio::time::timeout(common::WAIT, send).await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(common::WAIT, stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    answer.split(' ').nth(1).and_then(|c| c.parse().ok()).unwrap_or_else(|| panic!("no HTTP answer: {answer:?}"))
}

#[tokio::test]
async fn only_gateways_whose_credentials_can_check_a_callback_are_served_and_demo_never() {
    // Opening the shop database does no I/O: no cluster is needed to see what is served.
    let shop = || ShopDb::open("postgres://paydesk:secret@127.0.0.1:9/paydesk").unwrap();
    let store = store_with(&["oxapay", "pay3", "thedex"], &["webhook_secret"]);
    let relay = Relay::load(shop(), paydesk_gateways::registry(), |i| store.load(i), |_| None);
    assert_eq!(relay.served(), ["oxapay", "thedex"]);
    let skipped: Vec<&str> = relay.skipped().iter().map(|(id, _)| *id).collect();
    assert_eq!(skipped, ["demo", "dex3", "pay3", "nonstopay"]);
    let why = |id| relay.skipped().iter().find(|(g, _)| *g == id).unwrap().1.clone();
    assert!(why("pay3").contains("webhook_secret"), "{}", why("pay3"));
    assert!(why("dex3").contains("merchant_public"), "{}", why("dex3"));

    let everything = store_with(&["demo", "dex3", "nonstopay", "oxapay", "pay3", "thedex"], &[]);
    let relay = Relay::load(shop(), paydesk_gateways::registry(), |i| everything.load(i), |_| None);
    assert_eq!(relay.served(), GATEWAYS);
    assert_eq!(relay.skipped().len(), 1);
    assert_eq!(relay.skipped()[0].0, "demo");

    // NonStoPay's guessed signature scheme is a knob; an unknown value serves nothing rather
    // than checking callbacks some other way.
    let relay = Relay::load(
        shop(),
        paydesk_gateways::registry(),
        |i| everything.load(i),
        |var| (var == "PAYDESK_NONSTOPAY_CALLBACK_SIGNATURE").then(|| "rot13".to_string()),
    );
    assert!(!relay.served().contains(&"nonstopay"), "{:?}", relay.skipped());
}
