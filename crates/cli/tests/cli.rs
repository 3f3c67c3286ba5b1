//! The `paydesk` binary as a user runs it: a simulator process, a ledger file, the OS keyring
//! (when `PAYDESK_TEST_KEYRING=1`, i.e. under scripts/with-keyring), exit codes and output.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

mod common;

use common::{press, Simulator, BIN};

/// A till: its own ledger file and keyring service name, so tests never share state.
struct Till {
    dir: tempfile::TempDir,
    service: String,
}

impl Till {
    fn new(name: &str) -> Till {
        Till { dir: tempfile::tempdir().unwrap(), service: format!("dev.paydesk.test.{}.{name}", std::process::id()) }
    }

    fn ledger(&self) -> PathBuf {
        self.dir.path().join("ledger.sqlite3")
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(BIN);
        cmd.arg("--ledger").arg(self.ledger()).args(args);
        cmd.env("PAYDESK_KEYRING_SERVICE", &self.service);
        // Nothing from the developer's own environment may point a gateway elsewhere.
        for (key, _) in std::env::vars() {
            if key.starts_with("PAYDESK_") && key != "PAYDESK_TEST_KEYRING" {
                cmd.env_remove(key);
            }
        }
        // The till's settings file lives beside its ledger, never in the developer's data dir.
        cmd.env("PAYDESK_DATA_DIR", self.dir.path());
        cmd
    }

    fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("paydesk runs")
    }

    fn run_with_stdin(&self, args: &[&str], input: &str) -> Output {
        let mut child =
            self.command(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn json(out: &Output) -> serde_json::Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e}): {}", text(&out.stdout)))
}

#[test]
fn demo_charge_shows_link_and_qr_then_follows_it_to_paid() {
    let sim = Simulator::start();
    let till = Till::new("demo");
    let qr_png = till.dir.path().join("qr.png");
    let out = till.run(&[
        "charge",
        "--gateway",
        "demo",
        "--amount",
        "12.34",
        "--base-url",
        &sim.base_url("demo"),
        "--qr",
        qr_png.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    assert!(stdout.contains("12.34 USD"), "{stdout}");
    assert!(stdout.contains('▀') || stdout.contains('▄'), "a terminal QR code is printed");
    let link = stdout.lines().find_map(|l| l.strip_prefix("Pay link:")).unwrap().trim().to_string();
    assert!(link.starts_with(&sim.base()));
    let png = std::fs::read(&qr_png).unwrap();
    assert_eq!(&png[1..4], b"PNG");

    press(&link, "pay");
    let out = till.run(&["status", "1", "--watch", "--every", "1", "--base-url", &sim.base_url("demo"), "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert_eq!(json(&out)["status"], "paid");

    let out = till.run(&["invoices", "--csv"]);
    let csv = text(&out.stdout);
    assert_eq!(csv.lines().count(), 2, "{csv}");
    assert!(csv.lines().nth(1).unwrap().contains(",12.34,0.00,USD,paid,"), "{csv}");
}

#[test]
fn exit_codes_say_what_went_wrong_in_one_line() {
    let till = Till::new("codes");
    let out = till.run(&["charge", "--gateway", "demo", "--amount", "0"]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("more than zero"), "{err}");

    let out = till.run(&["charge", "--gateway", "nope", "--amount", "1"]);
    assert_eq!(out.status.code(), Some(2));

    let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let closed = format!("http://127.0.0.1:{port}/demo/");
    let out = till.run(&["charge", "--gateway", "demo", "--amount", "1", "--base-url", &closed]);
    assert_eq!(out.status.code(), Some(4), "{}", text(&out.stderr));

    let out = till.run(&["charge", "--gateway", "demo", "--amount", "1", "--base-url", "http://example.com/"]);
    assert_eq!(out.status.code(), Some(2));

    let out = till.run(&["status", "PD-NOT-THERE"]);
    assert_eq!(out.status.code(), Some(2));

    // Only the network failure reached the ledger: failed, since no connection means nothing was
    // sent and no invoice can exist.
    let out = till.run(&["invoices", "--json"]);
    let rows = json(&out);
    assert_eq!(rows.as_array().unwrap().len(), 1);
    assert_eq!(rows[0]["status"], "failed");
}

#[test]
fn gateways_lists_every_gateway_with_its_fields() {
    let out = Till::new("gw").run(&["gateways", "--json"]);
    assert!(out.status.success());
    let list = json(&out);
    let ids: Vec<_> = list.as_array().unwrap().iter().map(|g| g["id"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids[0], "demo");
    for g in list.as_array().unwrap() {
        assert!(g["fields"].is_array() && g["knobs"].is_array(), "{g}");
    }
}

fn keyring_available() -> bool {
    if std::env::var("PAYDESK_TEST_KEYRING").as_deref() == Ok("1") {
        return true;
    }
    eprintln!("note: OS keyring tests skipped; run under scripts/with-keyring to include them");
    false
}

/// Sets every credential the simulator wants for `gateway` through `credentials set` (stdin).
fn store_sim_credentials(till: &Till, gateway: &str) {
    for (field, value) in paydesk_gatewaysim::gateways::credentials(gateway) {
        let out = till.run_with_stdin(&["credentials", "set", gateway, field], &format!("{value}\n"));
        assert!(out.status.success(), "{}", text(&out.stderr));
    }
}

fn assert_nowhere(secret: &str, outputs: &[&Output], ledger: &Path) {
    for out in outputs {
        assert!(!text(&out.stdout).contains(secret), "secret in stdout");
        assert!(!text(&out.stderr).contains(secret), "secret in stderr");
    }
    for entry in std::fs::read_dir(ledger.parent().unwrap()).unwrap() {
        let bytes = std::fs::read(entry.unwrap().path()).unwrap();
        assert!(!bytes.windows(secret.len()).any(|w| w == secret.as_bytes()), "secret in a ledger file");
    }
}

#[test]
fn credentials_live_in_the_keyring_and_never_show() {
    if !keyring_available() {
        return;
    }
    let till = Till::new("creds");
    let out = till.run_with_stdin(&["credentials", "set", "demo", "x"], "v\n");
    assert_eq!(out.status.code(), Some(2), "demo needs no credentials: {}", text(&out.stderr));

    let gateway = paydesk_gateways::registry()
        .into_iter()
        .map(|g| g.info())
        .find(|i| i.fields.iter().any(|f| f.secret))
        .expect("a gateway with a secret field");
    let secret_field = gateway.fields.iter().find(|f| f.secret).unwrap().name;
    let secret = "SUPER-DISTINCTIVE-SECRET-0451";
    let out = till.run_with_stdin(&["credentials", "set", gateway.id, secret_field], &format!("{secret}\n"));
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = till.run(&["credentials", "list", gateway.id, "--json"]);
    let states = json(&listed);
    let state = states[0]["fields"].as_array().unwrap().iter().find(|f| f["field"] == secret_field).unwrap().clone();
    assert_eq!(state["source"], "keyring");
    let human = till.run(&["credentials", "list"]);
    assert_nowhere(secret, &[&out, &listed, &human], &till.ledger());

    let out = till.run(&["credentials", "delete", gateway.id]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let states = json(&till.run(&["credentials", "list", gateway.id, "--json"]));
    assert!(states[0]["fields"].as_array().unwrap().iter().all(|f| f["source"] == "not_set"), "{states}");
}

#[test]
fn every_gateway_charges_through_the_cli_with_keyring_credentials() {
    if !keyring_available() {
        return;
    }
    let sim = Simulator::start();
    for gateway in paydesk_gateways::registry().iter().map(|g| g.info()).filter(|i| !i.fields.is_empty()) {
        let till = Till::new(gateway.id);
        store_sim_credentials(&till, gateway.id);
        let base = sim.base_url(gateway.id);
        let charge = till.run(&["charge", "--gateway", gateway.id, "--amount", "12.34", "--base-url", &base, "--json"]);
        assert!(charge.status.success(), "{}: {}", gateway.id, text(&charge.stderr));
        let invoice = json(&charge);
        assert_eq!(invoice["status"], "pending", "{}", gateway.id);
        if gateway.can_poll && !invoice["gateway_invoice_id"].is_null() {
            press(invoice["pay_link"].as_str().unwrap(), "pay");
            let order = invoice["order_id"].as_str().unwrap();
            let status = till.run(&["status", order, "--base-url", &base, "--json"]);
            assert!(status.status.success(), "{}: {}", gateway.id, text(&status.stderr));
            assert_eq!(json(&status)["status"], "paid", "{}", gateway.id);
        }
        // No stored value appears in anything the CLI printed or wrote.
        for (field, value) in paydesk_gatewaysim::gateways::credentials(gateway.id) {
            let secret = gateway.fields.iter().any(|f| f.name == *field && f.secret);
            if secret {
                assert_nowhere(value, &[&charge], &till.ledger());
            }
        }
        assert!(till.run(&["credentials", "delete", gateway.id]).status.success());
    }
}

#[test]
fn a_wrong_key_is_a_gateway_refusal_and_is_not_echoed() {
    if !keyring_available() {
        return;
    }
    let sim = Simulator::start();
    let Some(gateway) = paydesk_gateways::registry()
        .into_iter()
        .map(|g| g.info())
        .find(|i| i.fields.iter().any(|f| f.secret && f.required))
    else {
        panic!("a gateway with a required secret");
    };
    let till = Till::new("wrongkey");
    store_sim_credentials(&till, gateway.id);
    let field = gateway.fields.iter().find(|f| f.secret && f.required).unwrap().name;
    let wrong = "WRONG-KEY-DISTINCTIVE-7731";
    assert!(till.run_with_stdin(&["credentials", "set", gateway.id, field], wrong).status.success());
    let out = till.run(&["charge", "--gateway", gateway.id, "--amount", "5", "--base-url", &sim.base_url(gateway.id)]);
    assert_eq!(out.status.code(), Some(3), "{}", text(&out.stderr));
    assert_nowhere(wrong, &[&out], &till.ledger());
    assert!(till.run(&["credentials", "delete", gateway.id]).status.success());
}

#[test]
fn the_tills_terminal_label_prefixes_cli_sales() {
    let sim = Simulator::start();
    let till = Till::new("label");
    std::fs::write(till.dir.path().join("settings.json"), r#"{"terminal_label": "TILL7"}"#).unwrap();
    let out =
        till.run(&["charge", "--gateway", "demo", "--amount", "1", "--base-url", &sim.base_url("demo"), "--json"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let order = json(&out)["order_id"].as_str().unwrap().to_string();
    assert!(order.starts_with("TILL7-"), "{order}");

    std::fs::write(till.dir.path().join("settings.json"), "{not json").unwrap();
    let out = till.run(&["charge", "--gateway", "demo", "--amount", "1", "--base-url", &sim.base_url("demo")]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "a broken settings file is said, not ignored (local trouble, as the README says)"
    );
    assert!(text(&out.stderr).contains("settings"), "{}", text(&out.stderr));
}

#[test]
fn the_cli_lists_the_apps_cash_sales_and_refunds_with_refunds_as_money_out() {
    let till = Till::new("kinds");
    let app =
        paydesk_till::api::Till::open(till.dir.path(), paydesk_till::credentials::CredentialStore::in_memory(), None)
            .unwrap();
    let cash = app.record_cash_sale("5.00", "USD", None).unwrap();
    app.record_refund("2.00", "USD", "wrong size", Some(cash.order_id.clone())).unwrap();
    drop(app);
    let out = till.run(&["invoices"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let listed = text(&out.stdout);
    let line = |order: &str| listed.lines().find(|l| l.contains(order)).unwrap_or_default().to_string();
    assert!(line(&cash.order_id).contains(" 5.00 USD paid"), "{listed}");
    assert!(listed.lines().any(|l| l.contains("-REF-") && l.contains(" -2.00 USD paid")), "{listed}");
    let csv = text(&till.run(&["invoices", "--csv"]).stdout);
    // The refund row names its sale right after its kind (then cashier and conversion, empty here).
    let refund_of = format!(",refund,{},", cash.order_id);
    assert!(csv.lines().any(|l| l.contains(&refund_of)), "{csv}");
}

#[test]
fn an_unreadable_settings_file_is_local_trouble_not_bad_input() {
    let sim = Simulator::start();
    let till = Till::new("garbled");
    std::fs::write(till.dir.path().join("settings.json"), "{ torn").unwrap();
    let out = till.run(&["charge", "--gateway", "demo", "--amount", "1", "--base-url", &sim.base_url("demo")]);
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.trim_end().ends_with("[settings_unreadable]"), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(till.dir.path().join("settings.json")).unwrap(),
        "{ torn",
        "the file was touched"
    );
}
