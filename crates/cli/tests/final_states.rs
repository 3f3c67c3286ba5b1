//! Every sale can reach a final state: a NonStoPay sale (whose create answer carries no invoice id)
//! and a Pay3 sale go from created to paid, and a Pay3 sale whose order ends COMPLETED with less
//! than asked to underpaid, through the `paydesk` binary against `paydesk simulate`.

use std::process::{Command, Output};

mod common;

use common::{press, Simulator, BIN};

/// One till: a ledger of its own, credentials from the environment (the simulator's accounts).
struct Till {
    dir: tempfile::TempDir,
    gateway: &'static str,
    base_url: String,
}

impl Till {
    fn new(sim: &Simulator, gateway: &'static str) -> Till {
        Till { dir: tempfile::tempdir().unwrap(), gateway, base_url: sim.base_url(gateway) }
    }

    fn run(&self, args: &[&str]) -> Output {
        let info = paydesk_gateways::registry().into_iter().find(|g| g.info().id == self.gateway).unwrap().info();
        let mut cmd = Command::new(BIN);
        cmd.arg("--ledger").arg(self.dir.path().join("ledger.sqlite3")).args(args);
        if ["charge", "status", "retry"].contains(&args[0]) {
            cmd.args(["--base-url", &self.base_url]);
        }
        cmd.arg("--json");
        for (key, _) in std::env::vars().filter(|(k, _)| k.starts_with("PAYDESK_")) {
            cmd.env_remove(key);
        }
        cmd.env("PAYDESK_DATA_DIR", self.dir.path());
        for (field, value) in paydesk_gatewaysim::gateways::credentials(self.gateway) {
            if info.fields.iter().any(|f| f.name == *field) {
                cmd.env(info.env_var(field), value);
            }
        }
        cmd.output().expect("paydesk runs")
    }

    fn json(&self, args: &[&str]) -> serde_json::Value {
        let out = self.run(args);
        assert!(out.status.success(), "{} {args:?}: {}", self.gateway, String::from_utf8_lossy(&out.stderr));
        serde_json::from_slice(&out.stdout).unwrap()
    }

    /// Charges `amount`, the customer presses `button` on the pay page, then one status check.
    fn sell(&self, amount: &str, button: &str) -> (serde_json::Value, serde_json::Value) {
        let created = self.json(&["charge", "--gateway", self.gateway, "--amount", amount]);
        assert_eq!(created["status"], "pending", "{created}");
        press(created["pay_link"].as_str().unwrap(), button);
        let order = created["order_id"].as_str().unwrap();
        let after = self.json(&["status", order]);
        (created, after)
    }
}

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
    let again = till.run(&["settle", order, "--not-paid", "--reason", "changed my mind"]);
    assert_eq!(again.status.code(), Some(2), "{}", String::from_utf8_lossy(&again.stderr));
    let other = till.json(&["charge", "--gateway", "nonstopay", "--amount", "6.00"]);
    let blank = till.run(&["settle", other["order_id"].as_str().unwrap(), "--not-paid", "--reason", " "]);
    assert_eq!(blank.status.code(), Some(2));
}
