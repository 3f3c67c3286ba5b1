//! A till linked to a shop database (a real PostgreSQL cluster): its sales reach the shop by
//! themselves, and a status a verified callback wrote there (as the relay writes it) reaches the
//! till's open sale at once, long before the follow's next question to the gateway.

use paydesk_money::InvoiceStatus;
use paydesk_pgcluster::Cluster;
use paydesk_shop::{Applied, CallbackStatus, ShopDb};
use paydesk_till::api::{ChargeRequest, Till};
use paydesk_till::credentials::CredentialStore;
use std::time::{Duration, Instant};

/// Waits (at most ten seconds) for `done`.
async fn eventually<T>(mut done: impl AsyncFnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = done().await {
            return value;
        }
        assert!(start.elapsed() < Duration::from_secs(10), "gave up waiting");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_written_to_the_shop_database_settles_the_tills_open_sale_at_once() {
    let cluster = Cluster::start().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let till = Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo"))).unwrap();

    // A bad address is refused and sets nothing.
    assert_eq!(till.set_shop_database(Some("mysql://x@y/z".into())).unwrap_err().code(), "bad_input");
    assert!(!till.shop_link().unwrap().set);

    // Set twice (an address corrected): the second link is the one that runs, and it pushes.
    till.set_shop_database(Some(cluster.url())).unwrap();
    let link = till.set_shop_database(Some(cluster.url())).unwrap();
    assert!(link.set);
    let address = link.address.unwrap();
    assert!(!address.contains(cluster.password()), "{address}");

    let sale = till.charge(ChargeRequest::typed("demo", "4.50", "USD")).await.unwrap();
    assert_eq!(sale.status, InvoiceStatus::Pending);
    let shop = ShopDb::open(&cluster.url()).unwrap();
    eventually(async || shop.sales(Some(&sale.order_id), 1, 0).await.ok().filter(|r| !r.is_empty())).await;
    eventually(async || till.shop_link().unwrap().listening.then_some(())).await;

    // The follow asks the gateway only once a minute here: only the callback can settle it soon.
    let (tell, mut heard) = tokio::sync::mpsc::unbounded_channel();
    let started = Instant::now();
    let follow = tokio::time::timeout(
        Duration::from_secs(20),
        till.follow(&sale.order_id, Duration::from_secs(60), move |view| {
            let _ = tell.send(view.status);
        }),
    );
    let relay = async {
        assert_eq!(heard.recv().await, Some(InvoiceStatus::Pending), "the follow starts with the sale as it is");
        let paid = CallbackStatus {
            gateway: "demo",
            digest: "body-1",
            order_id: Some(&sale.order_id),
            gateway_invoice_id: None,
            status: InvoiceStatus::Paid,
            gateway_status: "paid",
        };
        assert!(matches!(shop.apply_callback(&paid).await.unwrap(), Applied::Moved(_)));
    };
    let (followed, ()) = tokio::join!(follow, relay);
    let followed = followed.expect("settled by the news, not by the next poll a minute later").unwrap();
    assert_eq!(followed.status, InvoiceStatus::Paid);
    assert!(started.elapsed() < Duration::from_secs(20));
    let mut last = None;
    while let Ok(status) = heard.try_recv() {
        last = Some(status);
    }
    assert_eq!(last, Some(InvoiceStatus::Paid), "the window was told");

    // The till's own record (and so its next push) says paid too.
    assert_eq!(till.invoice(&sale.order_id).unwrap().status, InvoiceStatus::Paid);
    eventually(async || (till.shop_link().unwrap().pending == 0).then_some(())).await;
    let history = till.shop_history("", 10, 0).await.unwrap();
    assert_eq!(history.len(), 1);
    assert!(history[0].by_callback);
    let now = paydesk_money::clock::unix_now();
    let report = till.shop_report(now - 3600, now + 3600).await.unwrap();
    assert_eq!(report.tills.len(), 1);
    // A Demo sale moved no money: listed as practice, in no total.
    let line = &report.total.by_gateway[0];
    assert_eq!((line.gateway.as_str(), line.count, line.practice), ("demo", 1, true));
    assert!(report.total.currencies.iter().all(|c| c.received_count == 0));
}
