//! What each gateway does with a second create for the same order id (gateways.md §0): Dex3 and
//! Pay3 refuse it and keep the first invoice; TheDex, OxaPay and NonStoPay document no
//! de-duplication, so the simulator makes a second invoice, the worst case Paydesk must survive;
//! Demo (Paydesk's own) answers with the invoice it has.

mod common;

use common::*;
use paydesk_gatewaysim::start;
use serde_json::json;

#[tokio::test]
async fn dex3_refuses_a_repeated_order_id_and_keeps_the_first_invoice_live() {
    let sim = start(0).await.unwrap();
    assert_eq!(dex3_create(&sim, "PD-1", "1234", "900").await.json()["state"], true);
    let again = dex3_create(&sim, "PD-1", "1234", "900").await.json();
    assert_eq!(
        again,
        json!({"state": false, "error": {"message": "Duplicate order id", "code": 400, "errData": false}})
    );
    assert_eq!(sim.sim.invoices_for_order("dex3", "PD-1").len(), 1);
    assert_eq!(sim.sim.live_invoices("dex3", "PD-1"), 1);
}

#[tokio::test]
async fn pay3_refuses_a_repeated_request_id_with_7001() {
    let sim = start(0).await.unwrap();
    let token = pay3_token(&sim).await;
    assert_eq!(pay3_checkout(&sim, &token, "PD-1", "12.34").await.json()["status"], "CREATED");
    let again = pay3_checkout(&sim, &token, "PD-1", "12.34").await.json();
    assert_eq!(again, json!({"error": {"code": "7001", "message": "Order already exists for given requestId"}}));
    assert_eq!(sim.sim.live_invoices("pay3", "PD-1"), 1);
    assert_eq!(pay3_orders(&sim, &token, "PD-1").await["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn thedex_makes_a_second_invoice_and_answers_the_newest_by_order_id() {
    let sim = start(0).await.unwrap();
    let first = thedex_create(&sim, "PD-1", "12.34").await.json();
    let second = thedex_create(&sim, "PD-1", "12.34").await.json();
    assert_ne!(first["invoiceId"], second["invoiceId"]);
    assert_eq!(sim.sim.live_invoices("thedex", "PD-1"), 2);
    let found = thedex_call(&sim, "invoices/one", json!({"orderId": "PD-1"})).await.json();
    assert_eq!(found["invoiceId"], second["invoiceId"], "the newest answers");
    assert_eq!(sim.sim.find_by_order("thedex", "PD-1").unwrap().gateway_id, first["invoiceId"], "find_by_order: first");
}

#[tokio::test]
async fn oxapay_makes_a_second_invoice_on_both_contracts() {
    let sim = start(0).await.unwrap();
    for _ in 0..2 {
        let v1 = oxapay_v1(&sim, "POST", "payment/invoice", &json!({"amount": 12.34, "order_id": "PD-1"})).await;
        assert_eq!(v1.json()["status"], 200);
        let legacy = oxapay_legacy(&sim, "request", json!({"amount": 12.34, "orderId": "PD-2"})).await;
        assert_eq!(legacy.json()["result"], 100);
    }
    assert_eq!(sim.sim.live_invoices("oxapay", "PD-1"), 2);
    assert_eq!(sim.sim.live_invoices("oxapay", "PD-2"), 2);
}

#[tokio::test]
async fn nonstopay_makes_a_second_invoice() {
    let sim = start(0).await.unwrap();
    let carried = json!({"order_id": "PD-1"}).to_string();
    for _ in 0..2 {
        assert_eq!(nonstopay_create(&sim, json!("12.34"), json!(carried)).await.json()["errorCode"], 0);
    }
    assert_eq!(sim.sim.live_invoices("nonstopay", "PD-1"), 2);
}

#[tokio::test]
async fn demo_answers_a_repeat_with_its_invoice_and_refuses_another_amount() {
    let sim = start(0).await.unwrap();
    let sale = |amount: &str| json!({"order_id": "PD-1", "amount": amount, "currency": "USD", "lifetime_secs": 900});
    let create = |amount: &str| {
        let body = sale(amount).to_string();
        let sim = &sim;
        async move { call(sim, "POST", "/demo/invoices", &[("content-type", "application/json")], body.as_bytes()).await }
    };
    let first = create("5.00").await.json();
    assert_eq!(create("5.00").await.json(), first, "the same invoice, the same answer");
    let other = create("6.00").await;
    assert_eq!((other.status, other.json()["error"]["code"].clone()), (409, json!("duplicate_order")));
    assert_eq!(sim.sim.invoices_for_order("demo", "PD-1").len(), 1);
}
