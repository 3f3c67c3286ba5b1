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
        let info = paydesk_core::gateways::registry().into_iter().find(|g| g.info().id == self.gateway).unwrap().info();
        let mut cmd = Command::new(BIN);
        cmd.arg("--ledger").arg(self.dir.path().join("ledger.sqlite3")).args(args);
        cmd.args(["--base-url", &self.base_url, "--json"]);
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
