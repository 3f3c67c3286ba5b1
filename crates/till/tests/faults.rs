//! What a cashier and the ledger see when a gateway misbehaves, for Demo and all five gateways,
//! over real loopback HTTP against the simulator: every fault it can play on the create, among
//! them the connection dropped after the gateway made the invoice, a 503, an answer slower than
//! the till's timeout and a 200 that is not JSON. Each case checks the error's code and wording,
//! the ledger row (never `failed` while the gateway may hold a live invoice), how many attempts
//! reached the gateway, how long it took, and that the gateway holds at most one live invoice for
//! the sale, also after Retry. One test sweeps every text and ledger file for the secrets.
//!
//! `cargo test -p paydesk-till --test faults -- --nocapture` prints the outcome table.

use paydesk_gateways::gateway::GatewayInfo;
use paydesk_gateways::http::RetryPolicy;
use paydesk_gateways::secret::Secret;
use paydesk_gatewaysim::faults::{ErrorBody, Fault, Match};
use paydesk_gatewaysim::RunningSim;
use paydesk_ledger::Ledger;
use paydesk_money::{Amount, Currency, InvoiceStatus};
use paydesk_till::credentials::CredentialStore;
use paydesk_till::error::Error;
use paydesk_till::service::{ChargeInput, Paydesk, Settings, MAY_STILL_PAY};
use std::sync::Arc;
use std::time::{Duration, Instant};

const ATTEMPTS: u32 = 3;
const BACKOFF: Duration = Duration::from_millis(40);
// Long enough that a normal answer on a busy CI machine is never late.
const TIMEOUT: Duration = Duration::from_millis(800);

/// A gateway under test: where its create goes and whether a resend within a charge is safe.
#[derive(Clone, Copy)]
struct Gw {
    id: &'static str,
    create_path: &'static str,
    /// A repeat of our order id answers the same invoice, so a lost answer is resent.
    resent: bool,
}

const DEMO: Gw = Gw { id: "demo", create_path: "invoices", resent: true };
const DEX3: Gw = Gw { id: "dex3", create_path: "createpayment", resent: false };
const THEDEX: Gw = Gw { id: "thedex", create_path: "invoices/create", resent: false };
const OXAPAY: Gw = Gw { id: "oxapay", create_path: "payment/invoice", resent: false };
const PAY3: Gw = Gw { id: "pay3", create_path: "checkout/create-order", resent: false };
const NONSTOPAY: Gw = Gw { id: "nonstopay", create_path: "btn-create-invoice", resent: false };
const ALL: [Gw; 6] = [DEMO, DEX3, THEDEX, OXAPAY, PAY3, NONSTOPAY];

struct Till {
    dir: tempfile::TempDir,
    sim: RunningSim,
    desk: Paydesk,
}

/// A till on a fresh simulator with every gateway's simulated credentials, and `creds` on top
/// (field, value) for `gw`.
async fn till(gw: Gw, creds: &[(&str, &str)]) -> Till {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let mut settings = Settings {
        retry: RetryPolicy { attempts: ATTEMPTS, first_backoff: BACKOFF },
        timeout: TIMEOUT,
        env: Arc::new(|_| None),
        ..Settings::default()
    };
    for g in ALL {
        settings.base_urls.insert(g.id.into(), sim.base_url(g.id));
    }
    let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    let desk = Paydesk::new(ledger, CredentialStore::in_memory(), settings);
    for g in ALL {
        let info = info(&desk, g.id);
        for (field, value) in paydesk_gatewaysim::gateways::credentials(g.id) {
            if info.fields.iter().any(|f| f.name == *field) {
                desk.credentials().set(info, field, Secret::new(*value)).unwrap();
            }
        }
    }
    for (field, value) in creds {
        desk.credentials().set(info(&desk, gw.id), field, Secret::new(*value)).unwrap();
    }
    Till { dir, sim, desk }
}

fn info(desk: &Paydesk, id: &str) -> &'static GatewayInfo {
    desk.gateway(id).unwrap().info()
}

fn sale(gw: Gw) -> ChargeInput {
    ChargeInput::new(gw.id, Amount::from_minor(1234, Currency::USD).unwrap())
}

/// The most time `attempts` tries can take: each bounded by the timeout, with doubling backoff.
fn bound(attempts: u32) -> Duration {
    let backoff: Duration = (0..attempts.saturating_sub(1)).map(|i| BACKOFF * 2u32.pow(i)).sum();
    TIMEOUT * attempts + backoff
}

/// What one fault should lead to on one gateway.
struct Expect {
    code: &'static str,
    status: InvoiceStatus,
    attempts: u32,
    /// Words the message must contain, so the cashier learns what happened.
    says: &'static str,
}

fn expect(gw: Gw, fault: &Fault) -> Expect {
    // A lost answer is resent only where a repeat cannot make a second invoice.
    let resent = if gw.resent { ATTEMPTS } else { 1 };
    let unknown = |attempts, says| Expect { code: "sale_unknown", status: InvoiceStatus::Unknown, attempts, says };
    match fault {
        Fault::Hang | Fault::Latency { .. } => unknown(resent, "did not answer in time"),
        Fault::Reset | Fault::DropAfterHandling => unknown(resent, "connection"),
        // A 5xx or 429, from the gateway or a proxy before it, says nothing of what was made.
        Fault::Status { status, .. } | Fault::StatusAfterHandling { status, .. }
            if *status == 429 || *status >= 500 =>
        {
            unknown(resent, "having trouble")
        }
        // TheDex's errors are read from the HTTP status: a 4xx is its "no".
        Fault::Status { status: 401 | 403, .. } if gw.id == "thedex" => {
            Expect { code: "gateway_unauthorized", status: InvoiceStatus::Failed, attempts: 1, says: "check api_key" }
        }
        Fault::Status { .. } if gw.id == "thedex" => {
            Expect { code: "gateway_refused", status: InvoiceStatus::Failed, attempts: 1, says: "HTTP" }
        }
        // Elsewhere a 4xx without the gateway's own error body cannot be read as a refusal.
        Fault::Status { .. } | Fault::StatusAfterHandling { .. } => unknown(1, "cannot read"),
        Fault::MalformedJson | Fault::NonUtf8 | Fault::TruncatedJson => unknown(1, "JSON"),
        Fault::NoPayLink | Fault::InsecurePayLink => unknown(1, "cannot read"),
    }
}

/// Every fault that makes a create fail, the four first.
fn failing_faults() -> Vec<Fault> {
    let mut faults = vec![
        Fault::DropAfterHandling,
        Fault::StatusAfterHandling { status: 503, body: ErrorBody::Html },
        Fault::Latency { ms: (TIMEOUT * 2).as_millis() as u64 },
        Fault::MalformedJson,
        Fault::Hang,
        Fault::Reset,
    ];
    for status in [429, 500, 502, 503, 504, 400, 403] {
        for body in [ErrorBody::Html, ErrorBody::Empty] {
            faults.push(Fault::Status { status, body });
        }
    }
    faults.extend([Fault::TruncatedJson, Fault::NonUtf8, Fault::NoPayLink, Fault::InsecurePayLink]);
    faults
}

/// Text a cashier can read: one line, short, none of the body a proxy or gateway sent back.
fn assert_human(text: &str, context: &str) {
    assert!(!text.is_empty() && text.len() < 320, "{context}: {text}");
    assert!(!text.chars().any(char::is_control), "{context}: {text:?}");
    for raw in ["<html", "nginx", "Bad Gateway", "{", "\u{fffd}", "pay.example.com", "reqwest", "127.0.0.1"] {
        assert!(!text.contains(raw), "{context}: '{raw}' in {text}");
    }
}

/// Charges once under `fault` and checks everything the cashier, the ledger and the gateway hold;
/// then Retry, which must not leave a second live invoice either. Returns a line of the table.
async fn check_fault(gw: Gw, fault: Fault) -> (Till, Error, String) {
    let t = till(gw, &[]).await;
    let want = expect(gw, &fault);
    // Armed for exactly the attempts expected, so the Retry below meets a gateway that is well.
    t.sim.sim.inject(fault.clone(), Match::new(gw.id, gw.create_path, want.attempts));
    let context = format!("{} under {fault:?}", gw.id);

    let started = Instant::now();
    let err = t.desk.charge(&sale(gw)).await.expect_err(&context);
    let took = started.elapsed();

    assert_eq!(err.code(), want.code, "{context}: {err}");
    let message = err.to_string();
    assert!(message.contains(want.says), "{context}: '{}' not in {message}", want.says);
    assert_human(&message, &context);
    assert_eq!(err.reply().message, message);

    let rows = t.desk.list(10, 0).unwrap();
    assert_eq!(rows.len(), 1, "{context}: one sale, one row");
    let row = &rows[0];
    assert_eq!(row.status, want.status, "{context}");
    assert_eq!(row.last_error.as_deref(), Some(message.as_str()), "{context}");
    assert_eq!(row.pay_link, None, "{context}: no link to show the customer");
    let live = t.sim.sim.live_invoices(gw.id, &row.order_id);
    if row.status == InvoiceStatus::Failed {
        assert_eq!(live, 0, "{context}: failed while the gateway holds a live invoice");
    } else {
        assert!(message.contains(MAY_STILL_PAY), "{context}: {message}");
    }
    assert!(live <= 1, "{context}: {live} live invoices for one sale");

    let arrived = t.sim.sim.requests(gw.id, gw.create_path);
    assert_eq!(arrived, want.attempts as usize, "{context}: attempts that reached the gateway");
    // Each attempt is bounded, and retries wait their backoff first.
    assert!(took < bound(want.attempts) + Duration::from_secs(2), "{context}: took {took:?}");
    if want.attempts == ATTEMPTS {
        assert!(took >= BACKOFF * 3, "{context}: retried without backing off ({took:?})");
    }
    if matches!(fault, Fault::Hang | Fault::Latency { .. }) {
        assert!(took >= TIMEOUT * want.attempts, "{context}: gave up before the timeout ({took:?})");
    }

    // Retry, with the gateway well again: it finds the first invoice, resends where that is
    // safe, or refuses; never a second live invoice.
    let retried = t.desk.retry(&row.order_id).await;
    let after = t.desk.find(&row.order_id).unwrap();
    let live_after = t.sim.sim.live_invoices(gw.id, &row.order_id);
    assert!(live_after <= 1, "{context}: {live_after} live invoices after Retry");
    if live > 0 && after.gateway_invoice_id.is_some() {
        let first = t.sim.sim.find_by_order(gw.id, &row.order_id).unwrap();
        assert_eq!(after.gateway_invoice_id.as_deref(), Some(first.gateway_id.as_str()), "{context}: the first kept");
    }
    let retry_said = match &retried {
        Ok(inv) => format!("{}", inv.status),
        Err(e) => e.code().to_string(),
    };
    let line = format!(
        "| {} | {} | {} | {} | {} | {} | {} → {} |",
        gw.id,
        fault_name(&fault),
        want.code,
        row.status,
        arrived,
        live,
        retry_said,
        after.status
    );
    (t, err, line)
}

fn fault_name(fault: &Fault) -> String {
    let text = format!("{fault:?}");
    text.replace(" { ", " ").replace(" }", "").replace("body: ", "").replace("status: ", "")
}

async fn check_every_fault(gw: Gw) {
    let mut table = vec![];
    for fault in failing_faults() {
        table.push(check_fault(gw, fault).await.2);
    }
    println!("| gateway | fault on the create | code | sale | attempts | live invoices | Retry → sale |");
    println!("|---|---|---|---|---|---|---|");
    for line in table {
        println!("{line}");
    }
}

#[tokio::test]
async fn every_fault_on_demo_is_clear_recorded_and_bounded() {
    check_every_fault(DEMO).await;
}

#[tokio::test]
async fn every_fault_on_dex3_leaves_the_sale_unknown_or_failed_never_doubled() {
    check_every_fault(DEX3).await;
}

#[tokio::test]
async fn every_fault_on_thedex_leaves_the_sale_unknown_or_failed_never_doubled() {
    check_every_fault(THEDEX).await;
}

#[tokio::test]
async fn every_fault_on_oxapay_leaves_the_sale_unknown_or_failed_never_doubled() {
    check_every_fault(OXAPAY).await;
}

#[tokio::test]
async fn every_fault_on_pay3_leaves_the_sale_unknown_or_failed_never_doubled() {
    check_every_fault(PAY3).await;
}

#[tokio::test]
async fn every_fault_on_nonstopay_leaves_the_sale_unknown_or_failed_never_doubled() {
    check_every_fault(NONSTOPAY).await;
}

#[tokio::test]
async fn latency_within_the_timeout_is_only_slower() {
    for gw in ALL {
        let t = till(gw, &[]).await;
        let delay = TIMEOUT / 4;
        t.sim.sim.inject(Fault::Latency { ms: delay.as_millis() as u64 }, Match::new(gw.id, gw.create_path, 1));
        let started = Instant::now();
        let inv = t.desk.charge(&sale(gw)).await.unwrap_or_else(|e| panic!("{}: {e}", gw.id));
        assert!(started.elapsed() >= delay, "{}: the delay was played", gw.id);
        assert_eq!(inv.status, InvoiceStatus::Pending);
        assert!(inv.pay_link.is_some());
        assert_eq!(t.sim.sim.requests(gw.id, gw.create_path), 1, "{}", gw.id);
    }
}

#[tokio::test]
async fn a_lost_answer_is_resent_only_where_a_repeat_returns_the_same_invoice() {
    for gw in ALL {
        for fault in [Fault::DropAfterHandling, Fault::StatusAfterHandling { status: 502, body: ErrorBody::Html }] {
            let t = till(gw, &[]).await;
            t.sim.sim.inject(fault.clone(), Match::new(gw.id, gw.create_path, 1));
            let outcome = t.desk.charge(&sale(gw)).await;
            let context = format!("{} under {fault:?}", gw.id);
            if gw.resent {
                let inv = outcome.unwrap_or_else(|e| panic!("{context}: {e}"));
                assert_eq!(inv.status, InvoiceStatus::Pending, "{context}");
                assert_eq!(t.sim.sim.requests(gw.id, gw.create_path), 2, "{context}");
                let on_sim = t.sim.sim.find_by_order(gw.id, &inv.order_id).expect("the gateway has it");
                assert_eq!(Some(on_sim.gateway_id), inv.gateway_invoice_id, "{context}: one invoice, the same");
            } else {
                assert_eq!(outcome.unwrap_err().code(), "sale_unknown", "{context}");
                assert_eq!(t.sim.sim.requests(gw.id, gw.create_path), 1, "{context}: not resent");
            }
            let order_id = t.desk.list(1, 0).unwrap()[0].order_id.clone();
            assert_eq!(t.sim.sim.live_invoices(gw.id, &order_id), 1, "{context}: the gateway made exactly one");
        }
    }
}

#[tokio::test]
async fn a_status_check_rides_out_a_5xx_and_a_refusal_is_asked_once() {
    for (gw, status_path) in [(DEMO, "invoices/"), (DEX3, "getpaymentstatus")] {
        let t = till(gw, &[]).await;
        let inv = t.desk.charge(&sale(gw)).await.unwrap();
        let bad_gateway = Fault::Status { status: 502, body: ErrorBody::Empty };
        t.sim.sim.inject(bad_gateway, Match::new(gw.id, status_path, ATTEMPTS - 1));
        let now = t.desk.refresh(&inv.order_id).await.unwrap_or_else(|e| panic!("{}: {e}", gw.id));
        assert_eq!(now.status, InvoiceStatus::Pending);
        assert_eq!(t.sim.sim.requests(gw.id, status_path), ATTEMPTS as usize, "{}", gw.id);

        let forbidden = Fault::Status { status: 403, body: ErrorBody::Html };
        t.sim.sim.inject(forbidden, Match::new(gw.id, status_path, ATTEMPTS));
        let err = t.desk.refresh(&inv.order_id).await.unwrap_err();
        assert_human(&err.to_string(), gw.id);
        assert_eq!(t.sim.sim.requests(gw.id, status_path), ATTEMPTS as usize + 1, "{}: a 4xx is sent once", gw.id);
        assert_eq!(
            t.desk.find(&inv.order_id).unwrap().status,
            InvoiceStatus::Pending,
            "a failed check changes nothing"
        );
    }
}

#[tokio::test]
async fn faults_can_be_armed_over_http() {
    let t = till(DEMO, &[]).await;
    let client = reqwest::Client::new();
    let control = format!("{}/_sim/faults", t.sim.sim.public_base());
    let arm = serde_json::json!({
        "fault": {"kind": "status", "status": 504, "body": "empty"},
        "gateway": "demo", "path_contains": "invoices", "times": 1
    });
    let resp =
        client.post(&control).body(arm.to_string()).header("content-type", "application/json").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 204);
    let bad = serde_json::json!({"fault": {"kind": "hang"}, "gateway": "demo", "times": 0});
    let refused =
        client.post(&control).body(bad.to_string()).header("content-type", "application/json").send().await.unwrap();
    assert_eq!(refused.status().as_u16(), 400);

    let inv = t.desk.charge(&sale(DEMO)).await.unwrap();
    assert_eq!(inv.status, InvoiceStatus::Pending, "the one 504 was ridden out");
    let url = format!("{}/_sim/requests?gateway=demo&path_contains=invoices", t.sim.sim.public_base());
    let count: serde_json::Value =
        serde_json::from_slice(&client.get(url).send().await.unwrap().bytes().await.unwrap()).unwrap();
    assert_eq!(count["count"], 2);
}

/// Every secret value of the till's gateways, as configured.
fn secrets(t: &Till) -> Vec<String> {
    let mut out = vec![];
    for gw in ALL {
        let info = info(&t.desk, gw.id);
        let creds = t.desk.credentials().load(info).unwrap();
        for field in info.fields.iter().filter(|f| f.secret) {
            out.extend(creds.get(field.name).map(|v| v.expose().to_string()));
        }
    }
    out
}

/// What one till holds after its sales: its secrets, its ledger files (database, write-ahead log
/// and shared memory) by name, and the order id of a sale, which the files must contain.
struct Written {
    secrets: Vec<String>,
    files: Vec<(String, Vec<u8>)>,
    order_id: String,
}

fn written(t: &Till) -> Written {
    let files = ["ledger.sqlite3", "ledger.sqlite3-wal", "ledger.sqlite3-shm"]
        .iter()
        .filter_map(|name| std::fs::read(t.dir.path().join(name)).ok().map(|bytes| (name.to_string(), bytes)))
        .collect();
    Written { secrets: secrets(t), files, order_id: t.desk.list(1, 0).unwrap()[0].order_id.clone() }
}

fn contains(haystack: &[u8], needle: &str) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle.as_bytes())
}

#[tokio::test]
async fn no_secret_leaks_into_errors_replies_or_the_ledger() {
    // Dex3 with a private key of our own: the simulator refuses its signature.
    const WRONG_PRIVATE: &str = "dex3-private-Kq7vZ3nW9xT2";
    let mut texts: Vec<String> = vec![];
    let mut record = |err: &Error| {
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
        texts.push(serde_json::to_string(&err.reply()).unwrap());
    };
    let mut checked: Vec<Written> = vec![];

    for gw in [DEX3, THEDEX, OXAPAY, PAY3, NONSTOPAY] {
        // A success, then a status check that fails, on one ledger.
        let t = till(gw, &[]).await;
        t.desk.charge(&sale(gw)).await.unwrap();
        // The four: dropped after the gateway acted, a 503, an answer past the timeout, not JSON.
        for fault in [
            Fault::DropAfterHandling,
            Fault::StatusAfterHandling { status: 503, body: ErrorBody::Html },
            Fault::Latency { ms: (TIMEOUT * 2).as_millis() as u64 },
            Fault::MalformedJson,
        ] {
            let (t, err, _) = check_fault(gw, fault).await;
            record(&err);
            checked.push(written(&t));
        }
        checked.push(written(&t));
    }
    let t = till(DEX3, &[("merchant_private", WRONG_PRIVATE)]).await;
    let err = t.desk.charge(&sale(DEX3)).await.unwrap_err();
    assert_eq!(err.code(), "gateway_unauthorized", "{err}");
    assert_eq!(t.sim.sim.requests("dex3", "createpayment"), 1, "a refusal is not resent");
    assert_eq!(t.desk.list(1, 0).unwrap()[0].status, InvoiceStatus::Failed);
    record(&err);
    assert!(secrets(&t).contains(&WRONG_PRIVATE.to_string()));
    checked.push(written(&t));

    for Written { secrets, files, order_id } in &checked {
        assert!(files.iter().any(|(_, bytes)| contains(bytes, order_id)), "the search reads what the ledger wrote");
        assert!(!secrets.is_empty());
        for secret in secrets {
            for text in &texts {
                assert!(!text.contains(secret.as_str()), "a secret in: {text}");
            }
            for (name, bytes) in files {
                assert!(!contains(bytes, secret), "a secret in {name}");
            }
        }
        assert!(files.iter().any(|(name, _)| name.ends_with("-wal")), "the write-ahead log is searched too");
    }
}
