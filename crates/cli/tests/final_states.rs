//! Every sale can reach a final state: a NonStoPay sale (whose create answer carries no invoice id)
//! and a Pay3 sale go from created to paid, and a Pay3 sale whose order ends COMPLETED with less
//! than asked to underpaid, through the `paydesk` binary against `paydesk simulate`.

mod common;

use common::{Simulator, Till};

#[test]
fn a_nonstopay_sale_without_an_invoice_id_goes_from_created_to_paid() {
    let sim = Simulator::start();
    let till = Till::new(&sim, "nonstopay");
    let (created, after) = till.sell("4.00", "pay");
    assert!(created["gateway_invoice_id"].is_null(), "the redirect-mode answer carries no id: {created}");
    assert_eq!(after["status"], "paid", "{after}");
    assert!(after["gateway_invoice_id"].is_string(), "the id was found by the order id in callbackJson: {after}");
}

#[test]
fn a_pay3_sale_goes_from_created_to_paid_and_a_short_payment_to_underpaid() {
    let sim = Simulator::start();
    let till = Till::new(&sim, "pay3");
    let (_, paid) = till.sell("10.00", "pay");
    assert_eq!(paid["status"], "paid", "{paid}");
    let (_, short) = till.sell("10.00", "underpay");
    assert_eq!(short["status"], "underpaid", "COMPLETED with less than asked is not paid: {short}");
    assert!(short["gateway_status"].as_str().unwrap().starts_with("COMPLETED"), "{short}");
}

#[test]
fn a_sale_nobody_can_ask_about_is_settled_by_hand_with_who_and_why() {
    let sim = Simulator::start();
    let till = Till::new(&sim, "nonstopay");
    let created = till.json(&["charge", "--gateway", "nonstopay", "--amount", "6.00"]);
    let order = created["order_id"].as_str().unwrap();
    let reason = "seen paid on the NonStoPay dashboard";
    let settled = till.json(&["settle", order, "--paid", "--reason", reason]);
    assert_eq!(settled["status"], "paid", "{settled}");
    // The ledger keeps who and why in the sale's trail.
    let conn = rusqlite::Connection::open(till.dir.path().join("ledger.sqlite3")).unwrap();
    let detail: String = conn
        .query_row(
            "SELECT detail FROM invoice_events WHERE invoice_id = (SELECT id FROM invoices WHERE order_id = ?1) ORDER BY id DESC LIMIT 1",
            [order],
            |r| r.get(0),
        )
        .unwrap();
    assert!(detail.starts_with("marked paid by the command line") && detail.ends_with(reason), "{detail}");
    // A final sale stays as it is; a reason is required.
    let again = till.run(&["settle", order, "--not-paid", "--reason", "changed my mind", "--json"]);
    assert_eq!(again.status.code(), Some(2), "{}", String::from_utf8_lossy(&again.stderr));
    let other = till.json(&["charge", "--gateway", "nonstopay", "--amount", "6.00"]);
    let blank = till.run(&["settle", other["order_id"].as_str().unwrap(), "--not-paid", "--reason", " ", "--json"]);
    assert_eq!(blank.status.code(), Some(2));
}
