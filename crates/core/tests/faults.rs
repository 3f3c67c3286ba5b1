//! What a cashier and the ledger see when a gateway misbehaves: every fault the simulator can play,
//! on the Demo gateway, Dex3 (signed, dedupes order ids) and TheDex (signed, does not dedupe).
//! Each case checks the error's code and wording, the ledger row, how many attempts reached the
//! simulator and how long it took; one test sweeps every text and ledger file for the secrets.

use paydesk_core::credentials::CredentialStore;
use paydesk_core::error::Error;
use paydesk_core::gateway::GatewayInfo;
use paydesk_core::http::RetryPolicy;
use paydesk_core::ledger::{Invoice, Ledger};
use paydesk_core::secret::Secret;
use paydesk_core::service::{ChargeInput, Paydesk, Settings};
use paydesk_core::status::InvoiceStatus;
use paydesk_gatewaysim::faults::{ErrorBody, Fault, Match};
use paydesk_gatewaysim::RunningSim;
use std::sync::Arc;
use std::time::{Duration, Instant};

const ATTEMPTS: u32 = 3;
const BACKOFF: Duration = Duration::from_millis(40);
// Long enough that a normal answer on a busy CI machine is never late.
const TIMEOUT: Duration = Duration::from_millis(800);

/// A gateway under test: where its create goes and whether a resend is safe.
#[derive(Clone, Copy)]
struct Gw {
    id: &'static str,
    create_path: &'static str,
    /// The create is marked idempotent (the gateway dedupes our order id), so it may be resent.
    idempotent: bool,
}

const DEMO: Gw = Gw { id: "demo", create_path: "invoices", idempotent: true };
const DEX3: Gw = Gw { id: "dex3", create_path: "createpayment", idempotent: true };
const THEDEX: Gw = Gw { id: "thedex", create_path: "invoices/create", idempotent: false };

struct Till {
    dir: tempfile::TempDir,
    sim: RunningSim,
    desk: Paydesk,
}

/// A till on a fresh simulator, with the simulator's credentials for every signed gateway and
/// `creds` on top (field, value) for `gw`.
async fn till(gw: Gw, creds: &[(&str, &str)]) -> Till {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let mut settings = Settings {
        retry: RetryPolicy { attempts: ATTEMPTS, first_backoff: BACKOFF },
        timeout: TIMEOUT,
        env: Arc::new(|_| None),
        ..Settings::default()
    };
    for g in [DEMO, DEX3, THEDEX] {
        settings.base_urls.insert(g.id.into(), sim.base_url(g.id));
    }
    let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    let desk = Paydesk::new(ledger, CredentialStore::in_memory(), settings);
    for g in [DEX3, THEDEX] {
        let info = info(&desk, g.id);
        for (field, value) in paydesk_gatewaysim::gateways::credentials(g.id) {
            desk.credentials().set(info, field, Secret::new(*value)).unwrap();
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
    ChargeInput { gateway: gw.id.into(), amount: "12.34".into(), ..ChargeInput::default() }
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
    // Resent only when a second send cannot make a second invoice.
    let resent = if gw.idempotent { ATTEMPTS } else { 1 };
    let unreadable =
        |attempts, says| Expect { code: "gateway_bad_response", status: InvoiceStatus::Unknown, attempts, says };
    match fault {
        Fault::Hang => {
            Expect { code: "timeout", status: InvoiceStatus::Unknown, attempts: resent, says: "did not answer in time" }
        }
        Fault::Reset => {
            Expect { code: "network", status: InvoiceStatus::Unknown, attempts: resent, says: "connection" }
        }
        Fault::Status { status, .. } if gw.id == "thedex" => match status {
            401 | 403 => Expect {
                code: "gateway_unauthorized",
                status: InvoiceStatus::Failed,
                attempts: 1,
                says: "check api_key",
            },
            // A 5xx leaves the outcome open; a 4xx (429 included) is TheDex saying no.
            500.. => unreadable(1, "may or may not"),
            _ => Expect { code: "gateway_refused", status: InvoiceStatus::Failed, attempts: 1, says: "HTTP" },
        },
        Fault::Status { status, body } => {
            let attempts = if *status == 429 || *status >= 500 { resent } else { 1 };
            unreadable(attempts, if *body == ErrorBody::Empty { "with an empty body" } else { "HTTP" })
        }
        Fault::MalformedJson | Fault::NonUtf8 => unreadable(1, "malformed JSON"),
        Fault::TruncatedJson => unreadable(1, "truncated JSON"),
        Fault::NoPayLink if gw.id == "thedex" => unreadable(1, "no payUrl"),
        Fault::NoPayLink => unreadable(1, "fields missing"),
        Fault::InsecurePayLink => unreadable(1, "not an https link"),
        Fault::Latency { .. } => unreachable!("latency is not a failure"),
    }
}

/// Every fault that makes a create fail.
fn failing_faults() -> Vec<Fault> {
    let mut faults = vec![Fault::Hang, Fault::Reset];
    for status in [429, 500, 502, 504, 400, 403] {
        for body in [ErrorBody::Html, ErrorBody::Empty] {
            faults.push(Fault::Status { status, body });
        }
    }
    faults.extend([
        Fault::MalformedJson,
        Fault::TruncatedJson,
        Fault::NonUtf8,
        Fault::NoPayLink,
        Fault::InsecurePayLink,
    ]);
    faults
}

/// Text a cashier can read: one line, short, none of the body a proxy or gateway sent back.
fn assert_human(text: &str, context: &str) {
    assert!(!text.is_empty() && text.len() < 240, "{context}: {text}");
    assert!(!text.chars().any(char::is_control), "{context}: {text:?}");
    for raw in ["<html", "nginx", "Bad Gateway", "{", "\u{fffd}", "pay.example.com", "reqwest", "127.0.0.1"] {
        assert!(!text.contains(raw), "{context}: '{raw}' in {text}");
    }
}

/// Charges once under `fault` and checks everything the cashier and the ledger see.
async fn check_fault(gw: Gw, fault: Fault) -> (Till, Error) {
    let t = till(gw, &[]).await;
    t.sim.sim.inject(fault.clone(), Match::new(gw.id, gw.create_path, ATTEMPTS));
    let want = expect(gw, &fault);
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
    assert_eq!(rows[0].status, want.status, "{context}");
    assert_eq!(rows[0].last_error.as_deref(), Some(message.as_str()), "{context}");
    assert_eq!(rows[0].pay_link, None, "{context}: no link to show the customer");

    let arrived = t.sim.sim.requests(gw.id, gw.create_path);
    assert_eq!(arrived, want.attempts as usize, "{context}: attempts that reached the gateway");
    // Each attempt is bounded, and retries wait their backoff first.
    assert!(took < bound(want.attempts) + Duration::from_secs(2), "{context}: took {took:?}");
    if want.attempts == ATTEMPTS {
        assert!(took >= BACKOFF * 3, "{context}: retried without backing off ({took:?})");
    }
    if fault == Fault::Hang {
        assert!(took >= TIMEOUT * want.attempts, "{context}: gave up before the timeout ({took:?})");
    }
    (t, err)
}

async fn check_every_fault(gw: Gw) {
    for fault in failing_faults() {
        check_fault(gw, fault).await;
    }
}

#[tokio::test]
async fn every_fault_on_demo_is_clear_recorded_and_bounded() {
    check_every_fault(DEMO).await;
}

#[tokio::test]
async fn every_fault_on_dex3_is_clear_recorded_and_bounded() {
    check_every_fault(DEX3).await;
}

#[tokio::test]
async fn every_fault_on_thedex_is_clear_recorded_and_never_resent() {
    check_every_fault(THEDEX).await;
}

#[tokio::test]
async fn latency_within_the_timeout_is_only_slower() {
    for gw in [DEMO, DEX3, THEDEX] {
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
async fn a_lost_answer_is_resent_only_where_the_gateway_dedupes() {
    for gw in [DEMO, DEX3, THEDEX] {
        for fault in [Fault::Reset, Fault::Status { status: 502, body: ErrorBody::Html }] {
            let t = till(gw, &[]).await;
            t.sim.sim.inject(fault.clone(), Match::new(gw.id, gw.create_path, 1));
            let outcome = t.desk.charge(&sale(gw)).await;
            let context = format!("{} under {fault:?}", gw.id);
            if gw.idempotent {
                let inv = outcome.unwrap_or_else(|e| panic!("{context}: {e}"));
                assert_eq!(inv.status, InvoiceStatus::Pending, "{context}");
                assert_eq!(t.sim.sim.requests(gw.id, gw.create_path), 2, "{context}");
                let on_sim = t.sim.sim.find_by_order(gw.id, &inv.order_id).expect("the gateway has it");
                assert_eq!(Some(on_sim.gateway_id), inv.gateway_invoice_id, "{context}: one invoice, the same");
            } else {
                assert!(outcome.is_err(), "{context}");
                assert_eq!(t.sim.sim.requests(gw.id, gw.create_path), 1, "{context}: not resent");
            }
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
    assert_eq!(
        client
            .post(&control)
            .body(bad.to_string())
            .header("content-type", "application/json")
            .send()
            .await
            .unwrap()
            .status()
            .as_u16(),
        400
    );

    let inv = t.desk.charge(&sale(DEMO)).await.unwrap();
    assert_eq!(inv.status, InvoiceStatus::Pending, "the one 504 was ridden out");
    let url = format!("{}/_sim/requests?gateway=demo&path_contains=invoices", t.sim.sim.public_base());
    let count: serde_json::Value =
        serde_json::from_slice(&client.get(url).send().await.unwrap().bytes().await.unwrap()).unwrap();
    assert_eq!(count["count"], 2);
}

/// Every secret value of the till's signed gateways, as configured.
fn secrets(t: &Till) -> Vec<String> {
    let mut out = vec![];
    for gw in [DEX3, THEDEX] {
        let info = info(&t.desk, gw.id);
        let creds = t.desk.credentials().load(info).unwrap();
        for field in info.fields.iter().filter(|f| f.secret) {
            out.push(creds.get(field.name).expect("set").expose().to_string());
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

    for gw in [DEX3, THEDEX] {
        // A success, then a status check that fails, on one ledger.
        let t = till(gw, &[]).await;
        let inv: Invoice = t.desk.charge(&sale(gw)).await.unwrap();
        t.sim.sim.inject(Fault::Status { status: 500, body: ErrorBody::Html }, Match::new(gw.id, "", ATTEMPTS));
        record(&t.desk.refresh(&inv.order_id).await.unwrap_err());
        for fault in failing_faults() {
            let (t, err) = check_fault(gw, fault).await;
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
