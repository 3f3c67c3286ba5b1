//! What a sale's record may and may not become: statuses only move forward, a 5xx never decides a
//! sale, and every follow ends and says why. Against a real SQLite file, the simulator, and a
//! canned loopback server where a gateway's exact bytes matter.

use paydesk_gateways::gateway::{CreatedInvoice, StatusReport};
use paydesk_gateways::http::RetryPolicy;
use paydesk_gateways::registry;
use paydesk_gateways::secret::Secret;
use paydesk_ledger::{Ledger, NewInvoice};
use paydesk_money::InvoiceStatus;
use paydesk_money::{Amount, Currency};
use paydesk_till::api::Till;
use paydesk_till::credentials::CredentialStore;
use paydesk_till::service::{ChargeInput, Paydesk, Settings};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn usd(minor: u64) -> Amount {
    Amount::from_minor(minor, Currency::USD).unwrap()
}

/// A ledger with one pending sale on the Demo gateway.
fn pending_sale(dir: &std::path::Path, order_id: &str) -> (Ledger, i64) {
    let ledger = Ledger::open(&dir.join("ledger.sqlite3")).unwrap();
    let row = ledger
        .insert_creating(&NewInvoice {
            order_id,
            gateway: "demo",
            amount: usd(500),
            tip_minor: 0,
            description: None,
            details: Default::default(),
        })
        .unwrap();
    let created = CreatedInvoice {
        gateway_invoice_id: Some("D1".into()),
        pay_link: "http://127.0.0.1:1/pay/d1".into(),
        expires_at: None,
    };
    ledger.mark_created(row.id, &created).unwrap();
    (ledger, row.id)
}

fn report(status: InvoiceStatus, word: &str) -> StatusReport {
    StatusReport { status, gateway_status: word.into() }
}

#[test]
fn hardening_02_a_late_answer_never_takes_a_paid_sale_back_to_pending() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, id) = pending_sale(dir.path(), "FWD-1");
    // The follower's check started before the payment and answers after Next customer's did.
    assert_eq!(ledger.record_status(id, &report(InvoiceStatus::Paid, "paid")).unwrap().status, InvoiceStatus::Paid);
    let after = ledger.record_status(id, &report(InvoiceStatus::Pending, "pending")).unwrap();
    assert_eq!((after.status, after.gateway_status.as_deref()), (InvoiceStatus::Paid, Some("paid")));
    // Nor can confirming go back to pending, or an unplaceable answer undo what is known.
    let (ledger, id) = pending_sale(dir.path(), "FWD-2");
    ledger.record_status(id, &report(InvoiceStatus::Confirming, "paying")).unwrap();
    assert_eq!(
        ledger.record_status(id, &report(InvoiceStatus::Pending, "waiting")).unwrap().status,
        InvoiceStatus::Confirming
    );
    assert_eq!(
        ledger.record_status(id, &report(InvoiceStatus::Unknown, "??")).unwrap().status,
        InvoiceStatus::Confirming
    );
    let trail: Vec<_> = ledger.events(id).unwrap().into_iter().map(|e| e.status).collect();
    assert_eq!(trail, [InvoiceStatus::Creating, InvoiceStatus::Pending, InvoiceStatus::Confirming]);
}

#[test]
fn hardening_02_the_ledger_itself_refuses_a_status_moving_back() {
    let dir = tempfile::tempdir().unwrap();
    let (ledger, id) = pending_sale(dir.path(), "FWD-3");
    ledger.record_status(id, &report(InvoiceStatus::Paid, "paid")).unwrap();
    drop(ledger);
    // Whoever writes: another program, an older Paydesk, a hand-made UPDATE.
    let conn = rusqlite::Connection::open(dir.path().join("ledger.sqlite3")).unwrap();
    for back in ["pending", "creating", "unknown", "expired"] {
        let err =
            conn.execute("UPDATE invoices SET status = ?1 WHERE id = ?2", rusqlite::params![back, id]).unwrap_err();
        assert!(err.to_string().contains("status_only_forward"), "{back}: {err}");
    }
    let status: String = conn.query_row("SELECT status FROM invoices WHERE id = ?1", [id], |r| r.get(0)).unwrap();
    assert_eq!(status, "paid");
    // Forward moves and a retry's resend of a failed sale still go through.
    conn.execute(
        "INSERT INTO invoices (order_id, gateway, amount_minor, currency, status, created_at, updated_at) VALUES ('FWD-4', 'demo', 1, 'USD', 'failed', 0, 0)",
        [],
    )
    .unwrap();
    conn.execute("UPDATE invoices SET status = 'creating' WHERE order_id = 'FWD-4'", []).unwrap();
    conn.execute("UPDATE invoices SET status = 'pending' WHERE order_id = 'FWD-4'", []).unwrap();
}

/// A loopback "gateway" that answers every request with `status` and `body`, and counts them.
async fn canned(status: u16, body: &'static str) -> (String, Arc<std::sync::atomic::AtomicUsize>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    let count = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = count.clone();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let mut buf = vec![0u8; 16 * 1024];
            // One read holds these small requests whole (headers and JSON body).
            let _ = stream.read(&mut buf).await;
            let head = format!(
                "HTTP/1.1 {status} Error\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                body.len()
            );
            let _ = stream.write_all(head.as_bytes()).await;
            let _ = stream.write_all(body.as_bytes()).await;
        }
    });
    (base, count)
}

#[tokio::test]
async fn hardening_03_an_oxapay_5xx_with_a_json_body_is_never_a_refusal() {
    let body = r#"{"data":{},"message":"Internal error","error":{"type":"server","key":"server","message":"Something went wrong"},"status":500,"version":"1.0.0"}"#;
    for status in [500, 503] {
        let (base, count) = canned(status, body).await;
        let dir = tempfile::tempdir().unwrap();
        let credentials = CredentialStore::in_memory();
        let info = registry().into_iter().find(|g| g.info().id == "oxapay").unwrap().info();
        credentials.set(info, "merchant_api_key", Secret::new("OXA-KEY-123")).unwrap();
        let mut settings = Settings {
            retry: RetryPolicy { attempts: 1, first_backoff: Duration::ZERO },
            env: Arc::new(|_| None),
            ..Settings::default()
        };
        settings.base_urls.insert("oxapay".into(), base);
        let desk = Paydesk::new(Ledger::open(&dir.path().join("l.sqlite3")).unwrap(), credentials, settings);
        let input = ChargeInput::new("oxapay", Amount::from_minor(500, Currency::USD).unwrap());
        let err = desk.charge(&input).await.unwrap_err();
        assert_eq!(err.code(), "sale_unknown", "HTTP {status}: {err}");
        let row = desk.list(1, 0).unwrap().remove(0);
        assert_eq!(row.status, InvoiceStatus::Unknown, "HTTP {status}: the invoice may exist");
        // And Retry sends no second create: OxaPay's history answers 5xx too, so nothing is known.
        let before = count.load(std::sync::atomic::Ordering::SeqCst);
        let retry = desk.retry(&row.order_id).await.unwrap_err();
        assert_ne!(retry.code(), "gateway_refused", "{retry}");
        assert_eq!(count.load(std::sync::atomic::Ordering::SeqCst), before + 1, "only the lookup was sent");
        assert_eq!(desk.find(&row.order_id).unwrap().status, InvoiceStatus::Unknown);
    }
}

/// A till on the simulator's Demo gateway, with the ledger file at hand for setting the scene.
async fn demo_till() -> (tempfile::TempDir, paydesk_gatewaysim::RunningSim, Till) {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let till = Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo"))).unwrap();
    (dir, sim, till)
}

/// Moves a sale's times back, as if it had been made `secs` ago with the expiry it had.
fn age(dir: &std::path::Path, order_id: &str, secs: i64) {
    let conn = rusqlite::Connection::open(dir.join("ledger.sqlite3")).unwrap();
    conn.execute(
        "UPDATE invoices SET created_at = created_at - ?1, expires_at = expires_at - ?1 WHERE order_id = ?2",
        rusqlite::params![secs, order_id],
    )
    .unwrap();
}

const EVERY: Duration = Duration::from_millis(20);
/// A follow that does not end by itself fails the test instead of hanging it.
const BOUND: Duration = Duration::from_secs(20);

#[tokio::test]
async fn hardening_13_network_errors_after_expiry_end_the_follow() {
    let (dir, sim, till) = demo_till().await;
    let sale = till.charge(paydesk_till::api::ChargeRequest::typed("demo", "2.00", "USD")).await.unwrap();
    age(dir.path(), &sale.order_id, 3 * 3600);
    drop(sim); // the gateway is gone for good
    let ended = tokio::time::timeout(BOUND, till.follow(&sale.order_id, EVERY, |_| {})).await;
    let err = ended.expect("the follow ends by itself").unwrap_err();
    let after = till.invoice(&sale.order_id).unwrap();
    assert_eq!(after.status, InvoiceStatus::Pending, "nothing is decided for the sale");
    assert_eq!(after.last_error, Some(format!("stopped following: {err}")));
}

#[tokio::test]
async fn hardening_13_an_unknown_sale_the_gateway_does_not_have_ends_the_follow() {
    let (dir, _sim, till) = demo_till().await;
    let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    ledger
        .insert_creating(&NewInvoice {
            order_id: "NEVER-ARRIVED",
            gateway: "demo",
            amount: usd(300),
            tip_minor: 0,
            description: None,
            details: Default::default(),
        })
        .unwrap();
    till.paydesk().mark_interrupted().unwrap();
    let ended = tokio::time::timeout(BOUND, till.follow("NEVER-ARRIVED", EVERY, |_| {})).await;
    let err = ended.expect("the follow ends by itself").unwrap_err();
    assert!(err.to_string().contains("no invoice for this order id"), "{err}");
    let after = till.invoice("NEVER-ARRIVED").unwrap();
    assert_eq!(after.status, InvoiceStatus::Unknown);
    assert!(after.last_error.as_deref().is_some_and(|e| e.starts_with("stopped following")), "{after:?}");
}

#[tokio::test]
async fn hardening_13_a_sale_without_an_expiry_is_followed_a_day_then_handed_to_a_person() {
    let (dir, sim, till) = demo_till().await;
    let credentials = till.paydesk().credentials();
    let info = registry().into_iter().find(|g| g.info().id == "nonstopay").unwrap().info();
    for (field, value) in paydesk_gatewaysim::gateways::credentials("nonstopay") {
        if info.fields.iter().any(|f| f.name == *field) {
            credentials.set(info, field, Secret::new(*value)).unwrap();
        }
    }
    let mut settings = paydesk_till::api::SettingsInput::defaults();
    settings.base_urls.insert("nonstopay".into(), sim.base_url("nonstopay"));
    till.save_settings(settings).unwrap();
    let sale = till.charge(paydesk_till::api::ChargeRequest::typed("nonstopay", "4.00", "USD")).await.unwrap();
    assert_eq!(sale.status, InvoiceStatus::Pending);
    age(dir.path(), &sale.order_id, 25 * 3600);
    let seen = std::sync::Mutex::new(Vec::new());
    let ended = tokio::time::timeout(
        BOUND,
        till.follow(&sale.order_id, EVERY, |v| seen.lock().unwrap().push(v.last_error.clone())),
    )
    .await;
    let last = ended.expect("the follow ends by itself").unwrap();
    assert_eq!(last.status, InvoiceStatus::Pending);
    let note = last.last_error.clone().unwrap_or_default();
    assert!(note.contains("a day after it was made") && note.contains("NonStoPay dashboard"), "{note}");
    assert_eq!(seen.into_inner().unwrap().last().cloned().flatten(), Some(note), "the window is told why");
    // A manager settles it from the dashboard, with who and why in the trail.
    let settled = till.settle_by_hand(&sale.order_id, true, "seen paid on the NonStoPay dashboard").unwrap();
    assert_eq!(settled.status, InvoiceStatus::Paid);
    let trail = till.paydesk().ledger().events(settled.id).unwrap();
    let last = trail.last().unwrap().detail.clone().unwrap();
    assert!(
        last.starts_with("marked paid by the manager") && last.ends_with("seen paid on the NonStoPay dashboard"),
        "{last}"
    );
    assert!(till.settle_by_hand(&sale.order_id, false, "again").is_err(), "a final sale stays as it is");
}

#[tokio::test]
async fn hardening_16_a_locked_till_cannot_retry_or_abandon_an_earlier_days_sale() {
    let (dir, _sim, till) = demo_till().await;
    let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    let old = ledger
        .insert_creating(&NewInvoice {
            order_id: "OLD-1",
            gateway: "demo",
            amount: usd(700),
            tip_minor: 0,
            description: None,
            details: Default::default(),
        })
        .unwrap();
    ledger.record_failure(old.id, InvoiceStatus::Unknown, "lost").unwrap();
    age(dir.path(), "OLD-1", 3 * 86_400);
    till.set_manager_pin(None, Some("2468".into())).unwrap();
    till.lock();
    for err in [till.retry("OLD-1").await.unwrap_err(), till.abandon("OLD-1").await.unwrap_err()] {
        assert_eq!(err.code(), "manager_pin_required", "{err}");
    }
    assert_eq!(till.paydesk().find("OLD-1").unwrap().status, InvoiceStatus::Unknown, "nothing changed");
}

#[test]
fn hardening_12_a_ledger_kept_busy_elsewhere_does_not_stall_the_other_tasks() {
    // One async worker, as a busy window might have left: a charge waiting on SQLite must not take it.
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
    runtime.block_on(async {
        let (dir, _sim, till) = demo_till().await;
        let till = Arc::new(till);
        // Another process holds the ledger's write lock (the till waits up to 5 s for it).
        let other = rusqlite::Connection::open(dir.path().join("ledger.sqlite3")).unwrap();
        other.execute_batch("BEGIN IMMEDIATE").unwrap();
        let charging = {
            let till = till.clone();
            tokio::spawn(async move {
                let sale = paydesk_till::api::ChargeRequest::typed("demo", "1.00", "USD");
                till.charge(sale).await
            })
        };
        // While the charge waits, the worker still runs other tasks: ten short sleeps in a row.
        let started = std::time::Instant::now();
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        let ticked = started.elapsed();
        other.execute_batch("COMMIT").unwrap();
        assert!(ticked < Duration::from_secs(2), "the async worker was held for {ticked:?}");
        let sold = charging.await.unwrap().expect("the charge goes through once the ledger is free");
        assert_eq!(sold.status, InvoiceStatus::Pending);
    });
}

#[tokio::test]
async fn hardening_10_only_the_sales_own_checked_pay_link_is_opened() {
    let (dir, sim, till) = demo_till().await;
    let sale = till.charge(paydesk_till::api::ChargeRequest::typed("demo", "3.00", "USD")).await.unwrap();
    assert!(till.pay_link_to_open(&sale.order_id).unwrap().starts_with(sim.sim.public_base()));
    // A link that is not https (nor loopback) in the ledger, however it got there, is not opened.
    let conn = rusqlite::Connection::open(dir.path().join("ledger.sqlite3")).unwrap();
    conn.execute("UPDATE invoices SET pay_link = 'http://pay.example.com/x' WHERE order_id = ?1", [&sale.order_id])
        .unwrap();
    let err = till.pay_link_to_open(&sale.order_id).unwrap_err();
    assert_eq!(err.code(), "gateway_bad_response", "{err}");
    assert!(till.pay_link_to_open("PD-NO-SUCH").is_err());
}

#[test]
fn hardening_15_a_torn_settings_file_is_said_clearly_and_kept_and_saves_are_whole() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("settings.json");
    let torn = br#"{"default_gateway": "demo", "manager_pin_hash": "$argon2id$v=19$m=19456,t=2,p=1$c2FsdH"#;
    std::fs::write(&path, torn).unwrap();
    let err = match Till::open(dir.path(), CredentialStore::in_memory(), None) {
        Ok(_) => panic!("a torn settings file was taken"),
        Err(err) => err,
    };
    assert_eq!(err.code(), "settings_unreadable", "{err}");
    let said = err.to_string();
    assert!(said.contains(&path.display().to_string()) && said.contains("move it aside"), "{said}");
    assert_eq!(std::fs::read(&path).unwrap(), torn, "the file is left for the owner, untouched");

    // A good file is written whole, with no temporary file left beside it.
    std::fs::remove_file(&path).unwrap();
    let till = Till::open(dir.path(), CredentialStore::in_memory(), None).unwrap();
    let mut input = paydesk_till::api::SettingsInput::defaults();
    input.shop_name = Some("Corner Shop".into());
    till.save_settings(input).unwrap();
    let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert!(!names.iter().any(|n| n.to_string_lossy().ends_with(".tmp")), "{names:?}");
    let saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(saved["shop_name"], "Corner Shop");
}
