//! One charge through `Paydesk` (validation, ledger, gateway over loopback, status), against the
//! simulator, with a real SQLite file.

use paydesk_gateways::http::RetryPolicy;
use paydesk_gatewaysim::RunningSim;
use paydesk_ledger::Ledger;
use paydesk_money::InvoiceStatus;
use paydesk_till::credentials::CredentialStore;
use paydesk_till::error::Error;
use paydesk_till::service::{ChargeInput, Pace, Paydesk, Settings};
use std::sync::Arc;
use std::time::Duration;

struct Till {
    _dir: tempfile::TempDir,
    sim: RunningSim,
    desk: Paydesk,
}

async fn till() -> Till {
    till_with(|_| {}).await
}

async fn till_with(adjust: impl FnOnce(&mut Settings)) -> Till {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let mut settings = Settings {
        retry: RetryPolicy { attempts: 2, first_backoff: Duration::from_millis(10) },
        env: Arc::new(|_| None),
        ..Settings::default()
    };
    settings.base_urls.insert("demo".into(), sim.base_url("demo"));
    adjust(&mut settings);
    let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    let desk = Paydesk::new(ledger, CredentialStore::in_memory(), settings);
    Till { _dir: dir, sim, desk }
}

fn sale(amount: &str) -> ChargeInput {
    ChargeInput::new(
        "demo",
        paydesk_money::parse_amount(amount, paydesk_money::Currency::USD, paydesk_money::DecimalStyle::Point).unwrap(),
    )
}

async fn press(pay_link: &str, button: &str) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let resp = client.post(format!("{pay_link}/{button}")).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 303);
}

#[tokio::test]
async fn a_sale_goes_from_typed_amount_to_paid() {
    let t = till().await;
    let inv = t.desk.charge(&ChargeInput { description: Some("Table 4".into()), ..sale("12.34") }).await.unwrap();
    assert_eq!(inv.status, InvoiceStatus::Pending);
    assert_eq!(inv.amount.minor(), 1234);
    let link = inv.pay_link.clone().unwrap();
    assert!(link.starts_with(t.sim.sim.public_base()));
    assert!(inv.expires_at.unwrap() > paydesk_money::clock::unix_now());

    assert_eq!(t.desk.refresh(&inv.order_id).await.unwrap().status, InvoiceStatus::Pending);
    press(&link, "pay").await;
    let mut seen = vec![];
    let done = t
        .desk
        .follow(&inv.order_id, Pace { every: Duration::from_millis(20), grace: Duration::ZERO }, |i| {
            seen.push(i.status)
        })
        .await
        .unwrap();
    assert_eq!(done.status, InvoiceStatus::Paid);
    assert_eq!(seen.last(), Some(&InvoiceStatus::Paid));
    // The audit trail: each step, and each new word from the gateway.
    let trail: Vec<_> =
        t.desk.ledger().events(inv.id).unwrap().into_iter().map(|e| (e.status, e.gateway_status)).collect();
    let pending = Some("pending".to_string());
    let paid = Some("paid".to_string());
    assert_eq!(
        trail,
        [
            (InvoiceStatus::Creating, None),
            (InvoiceStatus::Pending, None),
            (InvoiceStatus::Pending, pending),
            (InvoiceStatus::Paid, paid)
        ]
    );
}

#[tokio::test]
async fn bad_input_is_refused_before_anything_is_written() {
    let t = till().await;
    // Amounts are read before a sale is made (by the window or the CLI): refused as bad amounts.
    for (typed, currency) in [("0", "USD"), ("-3", "USD"), ("12.345", "USD"), ("abc", "USD"), ("1", "XYZ")] {
        let read =
            currency.parse().and_then(|c| paydesk_money::parse_amount(typed, c, paydesk_money::DecimalStyle::Point));
        let err = paydesk_till::error::Error::from(read.unwrap_err());
        assert_eq!((err.code().as_str(), err.exit_code()), ("bad_amount", 2), "{typed} {currency}");
    }
    let cases = [
        (ChargeInput { gateway: "nope".into(), ..sale("1") }, "bad_input"),
        (ChargeInput { order_id: Some("has space".into()), ..sale("1") }, "bad_input"),
        (ChargeInput { description: Some("bell\u{7}".into()), ..sale("1") }, "bad_input"),
    ];
    for (input, code) in cases {
        let err = t.desk.charge(&input).await.unwrap_err();
        assert_eq!(err.code(), code, "{input:?}: {err}");
        assert_eq!(err.exit_code(), 2);
    }
    assert!(t.desk.list(10, 0).unwrap().is_empty(), "nothing reached the ledger");
}

#[tokio::test]
async fn a_repeated_order_id_is_refused_and_the_first_sale_stays() {
    let t = till().await;
    let first = t.desk.charge(&ChargeInput { order_id: Some("TILL1-0001".into()), ..sale("3") }).await.unwrap();
    let err = t.desk.charge(&ChargeInput { order_id: Some("TILL1-0001".into()), ..sale("4") }).await.unwrap_err();
    assert_eq!(err.code(), "duplicate_order");
    let all = t.desk.list(10, 0).unwrap();
    assert_eq!(all.len(), 1);
    assert_eq!(all[0], t.desk.find(&first.order_id).unwrap());
    assert_eq!(all[0].amount.minor(), 300);
}

#[tokio::test]
async fn an_unreachable_gateway_leaves_the_sale_failed_with_the_reason() {
    // Bind then drop a listener: nothing listens on that port afterwards.
    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let t = till_with(|s| {
        s.base_urls.insert("demo".into(), format!("http://127.0.0.1:{port}/demo/"));
    })
    .await;
    let err = t.desk.charge(&sale("9.99")).await.unwrap_err();
    assert_eq!((err.code(), err.exit_code()), (paydesk_till::error::ErrorCode::Network, 4));
    let row = &t.desk.list(10, 0).unwrap()[0];
    assert_eq!(row.status, InvoiceStatus::Failed, "no connection: nothing was sent, no invoice can exist");
    assert_eq!(row.last_error.as_deref(), Some(err.to_string().as_str()));
    assert!(err.to_string().contains("nothing was sent"), "{err}");
    assert_eq!(row.amount.minor(), 999);
}

#[tokio::test]
async fn a_base_url_that_is_not_https_is_refused() {
    let t = till_with(|s| {
        s.base_urls.insert("demo".into(), "http://example.com/demo/".into());
    })
    .await;
    let err = t.desk.charge(&sale("1")).await.unwrap_err();
    assert!(matches!(err, Error::BadInput(_)), "{err}");
    assert!(err.to_string().contains("plain http"));
    assert!(t.desk.list(10, 0).unwrap().is_empty());
}

#[tokio::test]
async fn the_environment_can_point_a_gateway_elsewhere() {
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let base = sim.base_url("demo");
    let t = till_with(move |s| {
        s.base_urls.clear();
        s.env = Arc::new(move |name| (name == "PAYDESK_DEMO_BASE_URL").then(|| base.clone()));
    })
    .await;
    let inv = t.desk.charge(&sale("2")).await.unwrap();
    assert!(inv.pay_link.unwrap().starts_with(sim.sim.public_base()));
}
