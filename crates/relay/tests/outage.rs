//! The shop database goes down under the relay (its own cluster: stopping it would disturb the
//! other file's cases): 503 so the gateway retries, and the retry applies once it is back.

mod common;

use common::{heard, signed, Says, Shop, WAIT};
use paydesk_money::InvoiceStatus;
use paydesk_pgcluster::Cluster;
use std::time::{Duration, Instant};

#[tokio::test]
async fn with_the_shop_database_down_a_callback_gets_503_and_the_gateways_retry_applies_when_it_is_back() {
    let cluster = Cluster::start().unwrap();
    let t = Shop::start(&cluster).await;
    let order = "PD-outage";
    t.sale("oxapay", order).await;
    let paid = signed("oxapay", order, Says::Done, true).unwrap();

    cluster.stop().unwrap();
    // Each waits out the pool's connect timeout: both at once.
    let health = async {
        let health = t.http.get(format!("{}/health", t.base)).send().await.unwrap();
        (health.status().as_u16(), health.text().await.unwrap())
    };
    let ((code, text), health) = tokio::join!(t.post("oxapay", &paid), health);
    assert_eq!(code, 503, "{text}");
    assert!(!text.contains(cluster.password()), "{text}");
    assert_eq!(health.0, 503, "{}", health.1);
    assert!(!health.1.contains(cluster.password()), "{}", health.1);

    cluster.start_again().unwrap();
    // pg_ctl waited for the server to accept connections; the pools re-connect by themselves.
    // Like a gateway, retry a few times, with a bound.
    let deadline = Instant::now() + WAIT;
    let mut listener = loop {
        match t.shop.listen().await {
            Ok(listener) => break listener,
            Err(e) if Instant::now() < deadline => {
                eprintln!("listen again: {e}");
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(e) => panic!("the shop database did not come back: {e}\n{}", cluster.log()),
        }
    };
    let answer = loop {
        let answer = t.post("oxapay", &paid).await;
        if answer.0 != 503 || Instant::now() > deadline {
            break answer;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert_eq!(answer, (200, "ok".into()));
    assert_eq!(heard(&mut listener).await.order_id, order);
    assert_eq!(t.status(order).await, (InvoiceStatus::Paid, true));
}
