use crate::common::Harness;
use paydesk_money::InvoiceStatus;

#[tokio::test]
async fn demo_create_pay_and_poll() {
    let h = Harness::new("demo").await;
    let req = h.request("12.34", "USD");
    let created = h.create(&req).await.expect("demo creates");
    assert!(created.pay_link.starts_with(&h.sim.sim.public_base().to_string()));
    assert_eq!(h.status(&req, &created).await.unwrap().status, InvoiceStatus::Pending);
    h.press(&created.pay_link, "pay").await;
    let report = h.status(&req, &created).await.unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Paid, "paid"));
}

#[tokio::test]
async fn demo_repeat_of_an_order_id_returns_the_same_invoice() {
    let h = Harness::new("demo").await;
    let req = h.request("5", "EUR");
    let first = h.create(&req).await.unwrap();
    let again = h.create(&req).await.unwrap();
    assert_eq!(first.gateway_invoice_id, again.gateway_invoice_id);
}

#[tokio::test]
async fn demo_underpay_is_reported() {
    let h = Harness::new("demo").await;
    let req = h.request("7.00", "USD");
    let created = h.create(&req).await.unwrap();
    h.press(&created.pay_link, "underpay").await;
    assert_eq!(h.status(&req, &created).await.unwrap().status, InvoiceStatus::Underpaid);
}

#[tokio::test]
async fn demo_finds_an_invoice_by_order_id_and_says_when_there_is_none() {
    let h = Harness::new("demo").await;
    let req = h.request("4.20", "USD");
    assert_eq!(h.gateway.find_by_order(&h.call(), &crate::common::sale_ref(&req, None)).await.unwrap(), None);
    let created = h.create(&req).await.unwrap();
    h.press(&created.pay_link, "pay").await;
    let found = h
        .gateway
        .find_by_order(&h.call(), &crate::common::sale_ref(&req, None))
        .await
        .unwrap()
        .expect("the invoice is found");
    assert_eq!(found.gateway_invoice_id, created.gateway_invoice_id);
    assert_eq!(found.pay_link.as_deref(), Some(created.pay_link.as_str()));
    assert_eq!(found.expires_at, created.expires_at);
    assert_eq!((found.status.status, found.status.gateway_status.as_str()), (InvoiceStatus::Paid, "paid"));
}
