//! A sale's callback URL (the shop's relay) reaches each gateway that takes one per request, in
//! the field its docs name, and nothing is sent when the sale has none. The simulator reads the
//! URL from the documented field only (Dex3 `webhook`, TheDex `callbackUrl`, OxaPay v1
//! `callback_url` and legacy `callbackUrl`, Pay3 `callbackUrl`), so a misnamed field shows as none.

use crate::common::Harness;
use paydesk_gateways::gateway::ChargeRequest;

const RELAY: &str = "https://relay.example.com/callback/";

/// Creates one sale with `gateway`'s relay URL and one without; answers what the simulator kept.
async fn sent(h: &Harness, gateway: &str, amount: &str, currency: &str) -> (Option<String>, Option<String>) {
    let with = ChargeRequest { callback_url: Some(format!("{RELAY}{gateway}")), ..h.request(amount, currency) };
    let created = h.create(&with).await.unwrap_or_else(|e| panic!("{gateway} creates with a callback URL: {e}"));
    assert!(!created.pay_link.is_empty());
    let without = h.request(amount, currency);
    assert_eq!(without.callback_url, None);
    h.create(&without).await.unwrap_or_else(|e| panic!("{gateway} creates without a callback URL: {e}"));
    let sim = &h.sim.sim;
    let kept = |order_id: &str| sim.find_by_order(gateway, order_id).expect("the simulator holds the invoice");
    (kept(&with.order_id).callback_url, kept(&without.order_id).callback_url)
}

fn relay(gateway: &str) -> Option<String> {
    Some(format!("{RELAY}{gateway}"))
}

#[tokio::test]
async fn dex3_gets_the_callback_url_as_webhook() {
    let h = Harness::new("dex3").await;
    assert_eq!(sent(&h, "dex3", "12.34", "USD").await, (relay("dex3"), None));
}

#[tokio::test]
async fn thedex_gets_the_callback_url_as_callback_url() {
    let h = Harness::new("thedex").await;
    assert_eq!(sent(&h, "thedex", "10", "USD").await, (relay("thedex"), None));
}

#[tokio::test]
async fn oxapay_gets_the_callback_url_under_each_contracts_name() {
    for contract in ["v1", "legacy"] {
        let h = Harness::with_knobs("oxapay", &[("contract", contract)]).await;
        assert_eq!(sent(&h, "oxapay", "5.00", "USD").await, (relay("oxapay"), None), "{contract}");
    }
}

#[tokio::test]
async fn pay3_gets_the_callback_url_in_its_checkout_order() {
    let h = Harness::new("pay3").await;
    assert_eq!(sent(&h, "pay3", "1.00", "USD").await, (relay("pay3"), None));
}

#[tokio::test]
async fn pay3_sends_none_when_its_callback_field_knob_says_none() {
    let h = Harness::with_knobs("pay3", &[("callback_field", "none")]).await;
    assert_eq!(sent(&h, "pay3", "1.00", "USD").await, (None, None));
}

#[tokio::test]
async fn nonstopay_takes_no_callback_url_and_still_creates() {
    // Its callback URL is set in NonStoPay's dashboard (§5.4): nothing goes with the sale.
    let h = Harness::new("nonstopay").await;
    assert_eq!(sent(&h, "nonstopay", "15.00", "USD").await, (None, None));
}

#[tokio::test]
async fn a_bad_callback_url_is_refused_by_the_simulated_gateways() {
    for gateway in ["dex3", "thedex", "oxapay", "pay3"] {
        let h = Harness::new(gateway).await;
        let req = ChargeRequest { callback_url: Some("ftp://relay".into()), ..h.request("5.00", "USD") };
        assert!(h.create(&req).await.is_err(), "{gateway} refuses a callback URL that is not http(s)");
    }
}
