//! A gateway fault as a cashier at the terminal meets it: `paydesk simulate` in its own process,
//! a 502 armed over its control endpoint, then `paydesk charge` and `paydesk invoices --json`.

use paydesk_gateways::http::RetryPolicy;
use std::process::{Command, Output};

mod common;

use common::{Simulator, BIN};

fn paydesk(ledger: &std::path::Path, args: &[&str]) -> Output {
    let mut cmd = Command::new(BIN);
    cmd.arg("--ledger").arg(ledger).args(args);
    for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("PAYDESK_")) {
        cmd.env_remove(key);
    }
    cmd.env("PAYDESK_DATA_DIR", ledger.parent().expect("the ledger is in a folder"));
    cmd.output().expect("paydesk runs")
}

#[test]
fn a_502_from_the_gateway_is_one_clear_line_and_an_unknown_sale() {
    let sim = Simulator::start();
    let arm = r#"{"fault":{"kind":"status","status":502,"body":"html"},"gateway":"demo","path_contains":"invoices","times":10}"#;
    assert_eq!(sim.request("POST", "/_sim/faults", arm).0, 204);

    let dir = tempfile::tempdir().unwrap();
    let ledger = dir.path().join("ledger.sqlite3");
    let base = format!("http://{}/demo/", sim.host);
    let out = paydesk(&ledger, &["charge", "--gateway", "demo", "--amount", "12.34", "--base-url", &base]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(4), "the gateway could not say what it did: {stderr}");
    assert!(out.stdout.is_empty(), "no invoice to show");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "{stderr}");
    let line = lines[0];
    assert!(line.starts_with("paydesk: ") && line.ends_with(" [sale_unknown]"), "{line}");
    assert!(line.contains("the customer may still pay"), "{line}");
    assert!(line.contains("HTTP 502"), "{line}");
    assert!(!line.contains('<') && !line.contains("nginx"), "no raw body: {line}");

    // The create is safe to resend on Demo, so it went as often as the policy allows.
    let (status, count) = sim.request("GET", "/_sim/requests?gateway=demo&path_contains=invoices", "");
    assert_eq!(status, 200);
    let count: serde_json::Value = serde_json::from_str(&count).unwrap();
    assert_eq!(count["count"], RetryPolicy::default().attempts);

    let out = paydesk(&ledger, &["invoices", "--json"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let rows: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let rows = rows.as_array().expect("a list");
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0]["status"], "unknown", "the invoice may exist: {}", rows[0]);
    assert_eq!(rows[0]["amount"], serde_json::json!({"currency": "USD", "minor": 1234}));
    assert_eq!(rows[0]["pay_link"], serde_json::Value::Null);
    let message = line.trim_start_matches("paydesk: ").trim_end_matches(" [sale_unknown]");
    assert_eq!(rows[0]["last_error"], message);
}
