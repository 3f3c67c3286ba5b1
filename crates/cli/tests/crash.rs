//! A till killed (`kill -9`) while its create request is on the wire leaves the sale in the
//! ledger as `creating`. The next `paydesk` run must find it, mark it as needing a check and ask
//! the gateway by order id: an invoice the gateway made is recovered (never created twice); one
//! it never made is said so, and `paydesk retry` makes exactly one. The ledger file stays intact.

use rusqlite::{Connection, OpenFlags, OptionalExtension};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

mod common;

use common::{Simulator, BIN};
/// How long the simulator holds a create: far longer than the test takes to kill the till, so
/// the till never gets the answer.
const HOLD_MS: u64 = 60_000;
const DEADLINE: Duration = Duration::from_secs(20);

/// `paydesk` on `ledger`, with nothing from the developer's environment and `gateway`'s
/// simulator credentials in the environment (which wins over the keyring).
fn paydesk(ledger: &Path, gateway: &str, args: &[&str]) -> Command {
    let mut cmd = Command::new(BIN);
    cmd.arg("--ledger").arg(ledger).args(args);
    for (key, _) in std::env::vars() {
        if key.starts_with("PAYDESK_") {
            cmd.env_remove(key);
        }
    }
    cmd.env("PAYDESK_KEYRING_SERVICE", format!("dev.paydesk.test.crash.{}", std::process::id()));
    cmd.env("PAYDESK_DATA_DIR", ledger.parent().expect("the ledger is in a folder"));
    for (field, value) in paydesk_gatewaysim::gateways::credentials(gateway) {
        cmd.env(format!("PAYDESK_{gateway}_{field}").to_ascii_uppercase(), value);
    }
    cmd
}

/// Polls until `check` gives a value, failing after [`DEADLINE`].
fn wait_for<T>(what: &str, mut check: impl FnMut() -> Option<T>) -> T {
    let start = Instant::now();
    loop {
        if let Some(value) = check() {
            return value;
        }
        assert!(start.elapsed() < DEADLINE, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// The ledger opened read-only, as another program would look at it while the till writes.
fn read_ledger(path: &Path) -> Option<Connection> {
    Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()
}

fn row_status(path: &Path, order_id: &str) -> Option<String> {
    let conn = read_ledger(path)?;
    conn.query_row("SELECT status FROM invoices WHERE order_id = ?1", [order_id], |r| r.get(0)).optional().ok()?
}

/// One sale's audit trail: (status, detail) in order.
fn trail(path: &Path, order_id: &str) -> Vec<(String, Option<String>)> {
    let conn = read_ledger(path).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT e.status, e.detail FROM invoice_events e JOIN invoices i ON i.id = e.invoice_id
             WHERE i.order_id = ?1 ORDER BY e.id",
        )
        .unwrap();
    let rows = stmt.query_map([order_id], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn assert_intact(path: &Path) {
    let conn = read_ledger(path).unwrap();
    let integrity: String = conn.query_row("PRAGMA integrity_check", [], |r| r.get(0)).unwrap();
    assert_eq!(integrity, "ok");
}

fn json_of(out: &Output) -> serde_json::Value {
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}{}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_str(&stdout).unwrap()
}

/// A till with its own ledger, charging `gateway` on the simulator.
struct Till {
    dir: tempfile::TempDir,
    ledger: PathBuf,
    gateway: &'static str,
    base_url: String,
    order_id: String,
}

impl Till {
    fn new(sim: &Simulator, gateway: &'static str) -> Till {
        let dir = tempfile::tempdir().unwrap();
        let ledger = dir.path().join("ledger.sqlite3");
        let order_id = format!("CRASH-{gateway}-{}", std::process::id());
        Till { ledger, gateway, base_url: sim.base_url(gateway), order_id, dir }
    }

    /// `paydesk <args> --base-url … --json` on this till's ledger.
    fn run(&self, args: &[&str]) -> Output {
        paydesk(&self.ledger, self.gateway, args).args(["--base-url", &self.base_url, "--json"]).output().unwrap()
    }

    /// Where the killed till's own output goes, to be searched afterwards.
    fn crash_output(&self) -> PathBuf {
        self.dir.path().join("killed-till-output.txt")
    }

    /// Starts the charge, waits until its row is `creating` and `sent` says the request is with
    /// the gateway, then kills the till (SIGKILL: nothing gets to clean up).
    fn charge_and_kill(&self, sent: impl FnMut() -> Option<()>) {
        let output = std::fs::File::create(self.crash_output()).unwrap();
        let mut till = paydesk(&self.ledger, self.gateway, &[])
            .args(["charge", "--gateway", self.gateway, "--amount", "12.34", "--order-id", &self.order_id])
            .args(["--base-url", &self.base_url])
            .stdout(Stdio::from(output.try_clone().unwrap()))
            .stderr(Stdio::from(output))
            .spawn()
            .expect("paydesk charge starts");
        wait_for("the sale to be in the ledger as creating", || {
            (row_status(&self.ledger, &self.order_id).as_deref() == Some("creating")).then_some(())
        });
        wait_for("the create to reach the simulator", sent);
        till.kill().expect("kill -9 the till");
        till.wait().unwrap();
        assert_eq!(row_status(&self.ledger, &self.order_id).as_deref(), Some("creating"), "died before the answer");
    }
}

const CHECKING: &str = "interrupted before the gateway's answer was stored: checking";

#[test]
fn a_sale_killed_after_the_gateway_made_it_is_recovered_by_order_id() {
    // The Demo simulator makes the invoice, then holds the answer.
    let sim = Simulator::start_with(&[(paydesk_gatewaysim::gateways::demo::ANSWER_DELAY_ENV, HOLD_MS.to_string())]);
    let till = Till::new(&sim, "demo");
    let lookup = format!("/demo/invoices?order_id={}", till.order_id);
    till.charge_and_kill(|| (sim.request("GET", &lookup, "").0 == 200).then_some(()));

    let invoice = json_of(&till.run(&["status", &till.order_id]));
    assert_eq!((&invoice["status"], &invoice["last_error"]), (&"pending".into(), &serde_json::Value::Null));
    let (status, body) = sim.request("GET", &lookup, "");
    let on_sim: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(status, 200);
    assert_eq!(invoice["gateway_invoice_id"], on_sim["id"], "the very invoice the gateway made");
    assert_eq!(invoice["pay_link"], on_sim["pay_url"]);
    assert_eq!(sim.request("GET", "/pay/demo-2", "").0, 404, "and no second one");

    let trail = trail(&till.ledger, &till.order_id);
    assert_eq!(trail[..2], [("creating".into(), None), ("unknown".into(), Some(CHECKING.into()))], "{trail:?}");
    assert_eq!(trail[2].0, "pending", "recovered by the lookup: {trail:?}");
    assert_eq!(trail.len(), 3, "{trail:?}");
    assert_intact(&till.ledger);
}

#[test]
fn a_sale_killed_before_the_gateway_made_it_is_said_so_and_retried_once() {
    let sim = Simulator::start();
    let till = Till::new(&sim, "thedex");
    // The simulator's fault injection holds the create before TheDex acts on it, for good.
    let fault = serde_json::json!({
        "fault": {"kind": "hang"},
        "gateway": "thedex", "path_contains": "invoices/create", "times": 1,
    });
    let (status, body) = sim.request("POST", "/_sim/faults", &fault.to_string());
    assert_eq!(status, 204, "the simulator arms the hang: {body}");
    till.charge_and_kill(|| (sim.requests("thedex", "invoices/create") == 1).then_some(()));

    let out = till.run(&["status", &till.order_id]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(3), "{stderr}");
    assert!(stderr.contains("the gateway has no invoice for this order id"), "{stderr}");
    let trail_after_check = trail(&till.ledger, &till.order_id);
    assert_eq!(trail_after_check[1], ("unknown".into(), Some(CHECKING.into())));
    assert_eq!(row_status(&till.ledger, &till.order_id).as_deref(), Some("unknown"));

    let json_out = till.run(&["retry", &till.order_id]);
    let invoice = json_of(&json_out);
    assert_eq!(invoice["status"], "pending", "{invoice}");
    let link = invoice["pay_link"].as_str().unwrap();
    let page = sim.request("GET", link.trim_start_matches(&format!("http://{}", sim.host)), "");
    assert!(page.0 == 200 && page.1.contains(&till.order_id), "the retry's invoice is payable: {}", page.0);
    assert_eq!(sim.requests("thedex", "invoices/create"), 2, "the killed create (never acted on) and the retry");
    assert_intact(&till.ledger);

    // TheDex's keys appear in none of: the killed till's output, what the later runs printed, and
    // every file the till left (ledger, WAL, shared memory).
    let mut haystacks = vec![std::fs::read(till.crash_output()).unwrap()];
    haystacks.extend([&out, &json_out].iter().flat_map(|o| [o.stdout.clone(), o.stderr.clone()]));
    for entry in std::fs::read_dir(till.dir.path()).unwrap() {
        haystacks.push(std::fs::read(entry.unwrap().path()).unwrap());
    }
    for (field, value) in paydesk_gatewaysim::gateways::credentials("thedex") {
        if field.ends_with("key") {
            let found = haystacks.iter().any(|h| h.windows(value.len()).any(|w| w == value.as_bytes()));
            assert!(!found, "the {field} value leaked into crash output or the ledger");
        }
    }
}
