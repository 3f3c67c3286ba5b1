use crate::common::Harness;
use paydesk_core::status::InvoiceStatus;

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
