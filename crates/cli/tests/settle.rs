//! What a person at the terminal does with a sale no gateway answer will settle: `paydesk settle`
//! marks it paid or not paid with the reason (kept in the ledger's trail), a final sale stays as it
//! is; `paydesk retry` of a lost create that cannot safely be sent again says how to check instead;
//! `paydesk charge --lifetime` asks for an invoice lifetime within the gateway's bounds.

use std::process::Output;

mod common;

use common::{text, Simulator, Till};

/// A failed command's one stderr line, with its exit code and stable error code.
fn refused(out: &Output, exit: i32, code: &str) -> String {
    let err = text(&out.stderr);
    assert_eq!(out.status.code(), Some(exit), "{err}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", text(&out.stdout));
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.starts_with("paydesk: ") && err.trim_end().ends_with(&format!("[{code}]")), "{err}");
    err
}

#[test]
fn a_demo_sale_marked_paid_by_hand_keeps_who_and_why_and_a_final_sale_is_refused() {
    let sim = Simulator::start();
    let till = Till::new(&sim, "demo");
    let sale = till.json(&["charge", "--gateway", "demo", "--amount", "4.20"]);
    let order = sale["order_id"].as_str().unwrap();
    assert_eq!(sale["status"], "pending", "{sale}");

    let reason = "seen paid on the Demo dashboard";
    let settled = till.json(&["settle", order, "--paid", "--reason", reason]);
    assert_eq!(settled["order_id"], order);
    assert_eq!(settled["status"], "paid", "{settled}");
    assert_eq!(settled["gateway_status"], "settled by hand", "{settled}");

    // `paydesk status` shows the verdict (a final sale is not asked about again).
    let status = till.json(&["status", order]);
    assert_eq!(status["status"], "paid", "{status}");
    assert_eq!(status["gateway_status"], "settled by hand", "{status}");

    // Who and why are in the ledger's trail, as the last event.
    let trail = till.trail(order);
    let (status, gateway_status, detail) = trail.last().unwrap().clone();
    assert_eq!(status, "paid", "{trail:?}");
    assert_eq!(gateway_status.as_deref(), Some("settled by hand"));
    let detail = detail.unwrap();
    assert!(detail.starts_with("marked paid by the command line ("), "{detail}");
    assert!(detail.ends_with(&format!(": {reason}")), "{detail}");

    // A final sale stays as it is, and says so on one line.
    let again = till.run(&["settle", order, "--not-paid", "--reason", "changed my mind"]);
    let err = refused(&again, 2, "already_final");
    assert!(err.contains(order), "{err}");
    assert_eq!(till.json(&["status", order])["status"], "paid");
    assert_eq!(till.trail(order).len(), trail.len(), "nothing written");
}

#[test]
fn settle_needs_a_verdict_and_a_reason_and_prints_the_sale_like_status() {
    let sim = Simulator::start();
    let till = Till::new(&sim, "demo");
    let order =
        till.json(&["charge", "--gateway", "demo", "--amount", "1.50"])["order_id"].as_str().unwrap().to_string();
    let events = till.trail(&order).len();

    // Neither or both of --paid / --not-paid, or no --reason: a usage error, nothing written.
    for args in [
        vec!["settle", &order, "--reason", "why"],
        vec!["settle", &order, "--paid", "--not-paid", "--reason", "why"],
        vec!["settle", &order, "--paid"],
    ] {
        let out = till.run(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", text(&out.stderr));
    }
    // A blank reason is refused by the core, as in the app.
    let blank = till.run(&["settle", &order, "--not-paid", "--reason", "  "]);
    refused(&blank, 2, "bad_input");
    let unknown = till.run(&["settle", "PD-NOT-THERE", "--paid", "--reason", "why"]);
    refused(&unknown, 2, "not_found");
    assert_eq!(till.trail(&order).len(), events, "nothing written");

    // Not paid: the sale is cancelled, and the text output reads like `paydesk status`.
    let out = till.run(&["settle", &order, "--not-paid", "--reason", "not on the Demo dashboard"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let shown = text(&out.stdout);
    assert!(shown.contains(&format!("Order:      {order}")), "{shown}");
    assert!(shown.contains("Status:     cancelled (settled by hand)"), "{shown}");
    let detail = till.trail(&order).last().unwrap().2.clone().unwrap();
    assert!(
        detail.starts_with("marked not paid by the command line (") && detail.ends_with(": not on the Demo dashboard")
    );
}

#[test]
fn retry_of_a_lost_create_that_cannot_be_resent_says_how_to_check_and_sends_nothing() {
    let sim = Simulator::start();
    let till = Till::new(&sim, "oxapay");
    // A proxy in front of OxaPay answers 502: whether an invoice was made cannot be told.
    let arm = r#"{"fault":{"kind":"status","status":502,"body":"html"},"gateway":"oxapay","path_contains":"payment/invoice","times":1}"#;
    assert_eq!(sim.request("POST", "/_sim/faults", arm).0, 204);
    let out = till.run(&["charge", "--gateway", "oxapay", "--amount", "9.00", "--json"]);
    let err = refused(&out, 4, "sale_unknown");
    assert!(err.contains("the customer may still pay"), "{err}");
    let rows = till.json(&["invoices"]);
    let order = rows[0]["order_id"].as_str().unwrap().to_string();
    assert_eq!(rows[0]["status"], "unknown");
    assert!(err.contains(&order), "the message names the sale: {err}");
    assert_eq!(sim.requests("oxapay", "payment/invoice"), 1);

    // OxaPay makes a second invoice for a repeat, and its history cannot prove there is none.
    let out = till.run(&["retry", &order]);
    let err = refused(&out, 2, "retry_unsafe");
    assert!(err.contains(&format!("look for {order} on the OxaPay dashboard")), "{err}");
    assert!(err.contains("second one the customer might also pay"), "{err}");
    assert_eq!(sim.requests("oxapay", "payment/invoice"), 1, "no second create was sent");
    // The same with --json: the refusal is on stderr, with the same exit code.
    let out = till.run(&["retry", &order, "--json"]);
    refused(&out, 2, "retry_unsafe");
    assert_eq!(sim.requests("oxapay", "payment/invoice"), 1);

    // The sale keeps how to check as its note, and a manager can then settle it by hand.
    let status = till.json(&["invoices"]);
    assert_eq!(status[0]["status"], "unknown");
    assert!(status[0]["last_error"].as_str().unwrap().contains("OxaPay dashboard"), "{status}");
    let settled = till.json(&["settle", &order, "--not-paid", "--reason", "not on the OxaPay dashboard"]);
    assert_eq!(settled["status"], "cancelled", "{settled}");
}

#[test]
fn charge_asks_for_a_lifetime_within_the_gateways_bounds() {
    let sim = Simulator::start();
    let demo = Till::new(&sim, "demo");
    // `paydesk gateways` says which gateways take one, and within what bounds.
    let gateways = demo.json(&["gateways"]);
    let lifetime = |id: &str| gateways.as_array().unwrap().iter().find(|g| g["id"] == id).unwrap()["lifetime"].clone();
    assert_eq!(lifetime("demo"), serde_json::json!({"kind": "settable", "min_secs": 60, "max_secs": 86_400}));
    assert_eq!(lifetime("nonstopay"), serde_json::json!({"kind": "fixed"}));
    let listed = text(&demo.run(&["gateways"]).stdout);
    assert!(listed.contains("lifetime:   1 to 1440 minutes (charge --lifetime; default 30)"), "{listed}");
    assert!(listed.contains("lifetime:   set by NonStoPay"), "{listed}");

    let life = |sale: &serde_json::Value| sale["expires_at"].as_i64().unwrap() - sale["created_at"].as_i64().unwrap();

    let sale = demo.json(&["charge", "--gateway", "demo", "--amount", "2.00", "--lifetime", "5"]);
    assert!((295..=305).contains(&life(&sale)), "5 minutes: {sale}");

    // The shop's lifetime from the app's settings applies too; --lifetime wins over it.
    std::fs::write(demo.dir.path().join("settings.json"), r#"{"lifetime_minutes":{"demo":7}}"#).unwrap();
    let sale = demo.json(&["charge", "--gateway", "demo", "--amount", "2.00"]);
    assert!((415..=425).contains(&life(&sale)), "7 minutes: {sale}");
    let sale = demo.json(&["charge", "--gateway", "demo", "--amount", "2.00", "--lifetime", "3"]);
    assert!((175..=185).contains(&life(&sale)), "3 minutes: {sale}");
    let before = demo.json(&["invoices"]).as_array().unwrap().len();

    // Out of bounds, or a gateway that sets it itself: refused before anything is written or sent.
    let err =
        refused(&demo.run(&["charge", "--gateway", "demo", "--amount", "2.00", "--lifetime", "0"]), 2, "bad_input");
    assert!(err.contains("1 to 1440 minutes"), "{err}");
    assert_eq!(demo.json(&["invoices"]).as_array().unwrap().len(), before);
    let nonstopay = Till::new(&sim, "nonstopay");
    let out = nonstopay.run(&["charge", "--gateway", "nonstopay", "--amount", "2.00", "--lifetime", "60"]);
    let err = refused(&out, 2, "bad_input");
    assert!(err.contains("NonStoPay sets its invoices' lifetime itself"), "{err}");
    assert_eq!(sim.requests("nonstopay", ""), 0, "nothing was sent");
}
