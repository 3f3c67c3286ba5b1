//! Faults armed from Rust: which of them let the gateway act (the invoice exists) and which
//! stop the request before it, and what reaches the client. Also: every request is recorded whole.

mod common;

use common::*;
use paydesk_gatewaysim::faults::{ErrorBody, Fault, Match};
use paydesk_gatewaysim::start;
use serde_json::json;
use std::time::Duration;

#[tokio::test]
async fn drop_after_handling_makes_the_invoice_and_never_answers() {
    let sim = start(0).await.unwrap();
    sim.sim.inject(Fault::DropAfterHandling, Match::new("nonstopay", "create", 1));
    let body = json!({"email": "buyer@example.com", "amount": "5", "devise": "USD",
        "callbackJson": json!({"order_id": "PD-1"}).to_string()});
    let headers = [("API-KEY", cred("nonstopay", "api_key"))];
    let path = "/nonstopay/api/btn-create-invoice/get/";
    let lost = send(sim.addr, "POST", path, &headers, body.to_string().as_bytes(), Duration::from_secs(10)).await;
    assert!(lost.is_err(), "no answer arrives");
    assert_eq!(sim.sim.live_invoices("nonstopay", "PD-1"), 1, "yet the invoice exists");
}

#[tokio::test]
async fn reset_and_a_proxy_status_stop_the_request_before_the_gateway() {
    let sim = start(0).await.unwrap();
    sim.sim.inject(Fault::Reset, Match::new("dex3", "createpayment", 1));
    let reset = send(sim.addr, "POST", "/dex3/createpayment", &[], b"{}", Duration::from_secs(10)).await;
    assert!(reset.is_err());
    sim.sim.inject(Fault::Status { status: 503, body: ErrorBody::Html }, Match::new("dex3", "createpayment", 1));
    let proxy = dex3_create(&sim, "PD-1", "500", "900").await;
    assert_eq!(proxy.status, 503);
    assert!(String::from_utf8_lossy(&proxy.body).contains("503 Service Unavailable"));
    assert_eq!(sim.sim.invoices_for_order("dex3", "PD-1").len(), 0);
    assert_eq!(sim.sim.requests("dex3", "createpayment"), 2, "both arrived");
    // Once used up, the faults are gone.
    assert_eq!(dex3_create(&sim, "PD-1", "500", "900").await.json()["state"], true);
}

#[tokio::test]
async fn status_after_handling_and_malformed_json_come_after_the_invoice_is_made() {
    let sim = start(0).await.unwrap();
    let after = Fault::StatusAfterHandling { status: 502, body: ErrorBody::Empty };
    sim.sim.inject(after, Match::new("oxapay", "payment/invoice", 1));
    let bad_gateway = oxapay_v1(&sim, "POST", "payment/invoice", &json!({"amount": 5, "order_id": "PD-1"})).await;
    assert_eq!((bad_gateway.status, bad_gateway.body.len()), (502, 0));
    assert_eq!(sim.sim.live_invoices("oxapay", "PD-1"), 1);

    sim.sim.inject(Fault::MalformedJson, Match::new("oxapay", "payment/invoice", 1));
    let malformed = oxapay_v1(&sim, "POST", "payment/invoice", &json!({"amount": 5, "order_id": "PD-2"})).await;
    assert_eq!(malformed.status, 200);
    assert!(serde_json::from_slice::<serde_json::Value>(&malformed.body).is_err());
    assert_eq!(sim.sim.live_invoices("oxapay", "PD-2"), 1);
}

#[tokio::test]
async fn latency_makes_the_invoice_before_the_late_answer() {
    let sim = start(0).await.unwrap();
    sim.sim.inject(Fault::Latency { ms: 60_000 }, Match::new("thedex", "invoices/create", 1));
    let fields =
        json!({"amount": "5", "currency": "USD", "merchantId": cred("thedex", "merchant_id"), "orderId": "PD-1"});
    let create = thedex_signed("invoices/create", fields);
    // A client that gives up long before the answer comes.
    let patience = Duration::from_millis(500);
    let late = send(sim.addr, "POST", &create.path, &create.headers(), &create.body, patience).await;
    assert!(late.is_err(), "no answer within the client's patience");
    assert_eq!(sim.sim.live_invoices("thedex", "PD-1"), 1, "the invoice was made before the delay");
}

#[tokio::test]
async fn every_request_is_recorded_whole() {
    let sim = start(0).await.unwrap();
    dex3_create(&sim, "PD-1", "1234", "900").await;
    call(&sim, "GET", "/nonstopay/api/invoice/status/?id=7", &[("API-KEY", "k")], b"").await;

    let create = sim.sim.last_request("dex3").expect("recorded");
    assert_eq!(
        (create.method.as_str(), create.path.as_str(), create.query.as_deref()),
        ("POST", "/createpayment", None)
    );
    assert!(create.headers.iter().any(|(n, v)| n == "merchant_public" && v == cred("dex3", "merchant_public")));
    let body: serde_json::Value = serde_json::from_slice(&create.body).unwrap();
    assert_eq!((body["order_id"].as_str(), body["amount"].as_str()), (Some("PD-1"), Some("1234")));
    let status = sim.sim.last_request("nonstopay").unwrap();
    assert_eq!((status.path.as_str(), status.query.as_deref()), ("/api/invoice/status/", Some("id=7")));
    assert_eq!(sim.sim.recorded("dex3").len(), 1);
    assert!(sim.sim.last_request("pay3").is_none());
}
