//! The manager PIN: only its salted hash is kept, wrong PINs are limited, and while the till is
//! locked every manager-only method refuses with `manager_pin_required` and changes nothing.
//! Time is moved through the till's clock, never slept.

use paydesk_till::api::{ChargeRequest, Clock, SettingsInput, Till};
use paydesk_till::credentials::CredentialStore;
use paydesk_till::error::Error;
use paydesk_till::pin::{hash_pin, verify_pin, LOCKOUT_SECS, MAX_WRONG_PINS};
use std::path::PathBuf;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

const PIN: &str = "90817263";
const OTHER_PIN: &str = "55443322";
const DISTINCTIVE: &str = "sk_live_MANAGER_DISTINCTIVE_3141";

struct Fixture {
    dir: tempfile::TempDir,
    till: Till,
    /// The till's clock, in Unix seconds.
    now: Arc<AtomicI64>,
    _sim: paydesk_gatewaysim::RunningSim,
}

impl Fixture {
    /// A till with one sale and one stored credential, and a clock the test can move.
    async fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let sim = paydesk_gatewaysim::start(0).await.unwrap();
        // A frozen clock that moves only when a test advances it, so no second ticks mid-assertion.
        let now = Arc::new(AtomicI64::new(paydesk_money::clock::unix_now()));
        let clock_now = now.clone();
        let clock: Clock = Arc::new(move || clock_now.load(Ordering::SeqCst));
        let till =
            Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo"))).unwrap().with_clock(clock);
        till.charge(sale()).await.unwrap();
        till.set_credential("oxapay", "merchant_api_key", DISTINCTIVE.into()).unwrap();
        Fixture { dir, till, now, _sim: sim }
    }

    fn advance(&self, secs: i64) {
        self.now.fetch_add(secs, Ordering::SeqCst);
    }

    fn settings_path(&self) -> PathBuf {
        self.dir.path().join("settings.json")
    }

    fn settings_text(&self) -> String {
        std::fs::read_to_string(self.settings_path()).unwrap()
    }

    /// Where each credential of each gateway comes from (read while unlocked).
    fn credential_sources(&self) -> Vec<(String, String, Option<String>)> {
        let gateways: Vec<String> = self.till.bootstrap().gateways.into_iter().map(|g| g.id).collect();
        gateways
            .iter()
            .flat_map(|g| self.till.credentials(g).unwrap().into_iter().map(move |f| (g.clone(), f.name, f.source)))
            .collect()
    }

    fn set_pin(&self) {
        let status = self.till.set_manager_pin(None, Some(PIN.into())).unwrap();
        assert!(status.pin_set && status.unlocked, "{status:?}");
    }
}

fn sale() -> ChargeRequest {
    ChargeRequest::typed("demo", "1.00", "USD")
}

fn settings(idle_lock_minutes: u32) -> SettingsInput {
    SettingsInput { idle_lock_minutes, ..SettingsInput::defaults() }
}

/// The error's code, after checking that neither its message nor its Debug text holds a PIN.
#[track_caller]
fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    let err = result.expect_err("should be refused");
    let shown = format!("{} {err:?}", err.reply().message);
    for pin in [PIN, OTHER_PIN, "1234", "12a4"] {
        assert!(!shown.contains(pin), "{shown}");
    }
    err.code().to_string()
}

#[test]
fn each_hash_is_salted_and_only_its_pin_verifies() {
    let (a, b) = (hash_pin(PIN).unwrap(), hash_pin(PIN).unwrap());
    assert_ne!(a, b, "two hashes of one PIN differ by their salt");
    assert!(a.starts_with("$argon2id$"), "{a}");
    assert!(!a.contains(PIN));
    assert!(verify_pin(PIN, &a).unwrap() && verify_pin(PIN, &b).unwrap());
    assert!(!verify_pin(OTHER_PIN, &a).unwrap());
    assert!(verify_pin(PIN, "not a hash").is_err());
}

#[tokio::test]
async fn bad_pin_formats_are_refused_and_nothing_is_saved() {
    let f = Fixture::new().await;
    let before = f.settings_text();
    let arabic_digits = "\u{661}\u{662}\u{663}\u{664}";
    for bad in ["", "123", "1234567890123", "12a4", " 1234", "1234 ", "12345\n", "-1234", "１２３４", arabic_digits]
    {
        assert_eq!(code(f.till.set_manager_pin(None, Some(bad.into()))), "bad_pin", "{bad:?}");
    }
    assert_eq!(f.settings_text(), before);
    assert!(!f.till.manager_status().pin_set);
    // 4 and 12 digits are the limits.
    f.till.set_manager_pin(None, Some("1234".into())).unwrap();
    f.till.set_manager_pin(None, Some("123456789012".into())).unwrap();
}

#[tokio::test]
async fn five_wrong_pins_in_a_row_lock_unlocking_out_for_30_seconds() {
    let f = Fixture::new().await;
    f.set_pin();
    f.till.lock();
    for _ in 1..MAX_WRONG_PINS {
        assert_eq!(code(f.till.unlock(OTHER_PIN.into())), "wrong_pin");
    }
    // A right PIN in between resets the count.
    f.till.unlock(PIN.into()).unwrap();
    f.till.lock();
    for _ in 1..MAX_WRONG_PINS {
        assert_eq!(code(f.till.unlock("12a4".into())), "wrong_pin", "a malformed PIN counts as wrong");
    }
    assert_eq!(code(f.till.unlock(OTHER_PIN.into())), "pin_locked_out");
    assert_eq!(f.till.manager_status().locked_out_seconds, LOCKOUT_SECS as u32);
    f.advance(LOCKOUT_SECS - 1);
    assert_eq!(code(f.till.unlock(PIN.into())), "pin_locked_out", "not even the right PIN is checked");
    assert_eq!(f.till.manager_status().locked_out_seconds, 1);
    assert!(!f.till.manager_status().unlocked);
    f.advance(1);
    assert_eq!(f.till.manager_status().locked_out_seconds, 0);
    // Still five wrong in a row: the next wrong one locks out again at once, twice as long.
    assert_eq!(code(f.till.unlock(OTHER_PIN.into())), "pin_locked_out");
    assert_eq!(f.till.manager_status().locked_out_seconds, 2 * LOCKOUT_SECS as u32);
    f.advance(2 * LOCKOUT_SECS);
    let status = f.till.unlock(PIN.into()).unwrap();
    assert!(status.unlocked && status.locked_out_seconds == 0, "{status:?}");
    f.till.lock();
    assert_eq!(code(f.till.unlock(OTHER_PIN.into())), "wrong_pin", "a right PIN started the count afresh");
}

#[tokio::test]
async fn hardening_06_restarting_the_app_resets_no_lockout_and_the_files_are_private() {
    let f = Fixture::new().await;
    f.set_pin();
    f.till.lock();
    for _ in 0..MAX_WRONG_PINS {
        f.till.unlock(OTHER_PIN.into()).unwrap_err();
    }
    assert_eq!(f.till.manager_status().locked_out_seconds, LOCKOUT_SECS as u32);
    // A restart: a new till on the same files, at the same moment.
    let now = f.now.clone();
    let clock: Clock = Arc::new(move || now.load(Ordering::SeqCst));
    let reopened = Till::open(f.dir.path(), CredentialStore::in_memory(), None).unwrap().with_clock(clock);
    assert!(reopened.manager_status().locked_out_seconds > 0, "the restart reset the lock-out");
    assert_eq!(code(reopened.unlock(PIN.into())), "pin_locked_out");
    f.advance(LOCKOUT_SECS);
    assert_eq!(code(reopened.unlock(OTHER_PIN.into())), "pin_locked_out", "the sixth wrong PIN, after a restart");
    assert_eq!(reopened.manager_status().locked_out_seconds, 2 * LOCKOUT_SECS as u32);
    #[cfg(unix)]
    for name in ["settings.json", "manager-pin-attempts.json"] {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(f.dir.path().join(name)).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{name} is readable by others");
    }
    // Garbling the count does not reset it either.
    std::fs::write(f.dir.path().join("manager-pin-attempts.json"), "{").unwrap();
    let garbled = Till::open(f.dir.path(), CredentialStore::in_memory(), None).unwrap();
    assert!(garbled.manager_status().locked_out_seconds > 0);
}

#[tokio::test]
async fn while_locked_every_manager_function_refuses_and_changes_nothing() {
    let f = Fixture::new().await;
    f.set_pin();
    let credentials_before = f.credential_sources();
    f.till.lock();
    let settings_before = std::fs::read(f.settings_path()).unwrap();
    let export_dir = f.dir.path().join("exports");
    let kiosk = SettingsInput { kiosk: true, ..settings(5) };

    let refused = |code_of: String, what: &str| assert_eq!(code_of, "manager_pin_required", "{what}");
    refused(code(f.till.require_manager()), "require_manager");
    refused(code(f.till.save_settings(kiosk.clone())), "save_settings");
    refused(code(f.till.credentials("oxapay")), "credentials");
    refused(code(f.till.set_credential("dex3", "merchant_public", DISTINCTIVE.into())), "set_credential");
    refused(code(f.till.delete_credentials("oxapay")), "delete_credentials");
    refused(code(f.till.export_csv(&export_dir)), "export_csv");
    refused(code(f.till.test_connection("demo").await), "test_connection");
    refused(code(f.till.leave_kiosk()), "leave_kiosk");
    refused(code(f.till.set_manager_pin(None, Some(OTHER_PIN.into()))), "change the PIN");
    refused(code(f.till.set_manager_pin(None, None)), "remove the PIN");
    assert_eq!(code(f.till.set_manager_pin(Some(OTHER_PIN.into()), None)), "wrong_pin");

    assert_eq!(std::fs::read(f.settings_path()).unwrap(), settings_before, "settings.json is byte for byte the same");
    assert!(!export_dir.exists(), "no export was written");
    assert!(!f.till.bootstrap().settings.saved.kiosk);
    // A cashier can still charge.
    f.till.charge(sale()).await.unwrap();

    // Unlocked, the same calls go through, and the keyring was untouched meanwhile.
    f.till.unlock(PIN.into()).unwrap();
    assert_eq!(f.credential_sources(), credentials_before);
    assert!(f.till.save_settings(kiosk).unwrap().saved.kiosk);
    f.till.set_credential("oxapay", "merchant_api_key", format!("{DISTINCTIVE}2")).unwrap();
    assert!(f.till.test_connection("demo").await.unwrap().ok);
    assert!(PathBuf::from(f.till.export_csv(&export_dir).unwrap()).exists());
    assert!(f.till.delete_credentials("oxapay").unwrap().iter().all(|c| c.source.as_deref() == Some("not_set")));
    let left = f.till.leave_kiosk().unwrap();
    assert!(!left.saved.kiosk && left.manager_pin_set);
    assert!(f.settings_text().contains("\"kiosk\": false"));
}

#[tokio::test]
async fn an_unlocked_till_locks_again_after_the_idle_minutes() {
    let f = Fixture::new().await;
    f.till.save_settings(settings(2)).unwrap();
    f.set_pin();
    f.advance(119);
    f.till.require_manager().unwrap();
    f.advance(119);
    f.till.credentials("demo").unwrap();
    assert!(f.till.manager_status().unlocked, "each guarded call restarts the idle timer");
    f.advance(120);
    assert!(!f.till.manager_status().unlocked);
    assert_eq!(code(f.till.credentials("demo")), "manager_pin_required");
    f.advance(-1_000);
    assert_eq!(code(f.till.credentials("demo")), "manager_pin_required", "once locked it stays locked");

    // 0 minutes: unlocked until locked by hand.
    f.till.unlock(PIN.into()).unwrap();
    f.till.save_settings(settings(0)).unwrap();
    f.advance(7 * 24 * 3600);
    f.till.require_manager().unwrap();
    assert!(!f.till.lock().unlocked);
    assert_eq!(code(f.till.require_manager()), "manager_pin_required");
}

#[tokio::test]
async fn browsing_history_is_not_manager_activity() {
    let f = Fixture::new().await;
    f.till.save_settings(settings(1)).unwrap();
    f.set_pin();
    for _ in 0..5 {
        f.advance(50);
        f.till.history("", 50, 0).unwrap();
    }
    assert!(!f.till.manager_status().unlocked, "a cashier's searches kept an idle unlock alive");
    assert_eq!(code(f.till.export_report_csv(0, 1, f.dir.path())), "manager_pin_required");
}

#[tokio::test]
async fn a_locked_till_opens_no_sale_from_before_today_by_its_id() {
    let f = Fixture::new().await;
    let today = f.till.charge(sale()).await.unwrap();
    let old = f.till.charge(sale()).await.unwrap();
    let db = rusqlite::Connection::open(f.dir.path().join("ledger.sqlite3")).unwrap();
    let two_days_ago = paydesk_money::clock::unix_now() - 2 * 86_400;
    db.execute("UPDATE invoices SET created_at = ?2 WHERE id = ?1", rusqlite::params![old.id, two_days_ago]).unwrap();
    drop(db);
    f.set_pin();
    f.till.lock();
    let exports = f.dir.path().join("exports");
    for key in [old.order_id.clone(), old.id.to_string()] {
        assert_eq!(code(f.till.invoice(&key)), "manager_pin_required", "{key}");
        assert_eq!(code(f.till.receipt(&key)), "manager_pin_required", "{key}");
        assert_eq!(code(f.till.qr_svg(&key)), "manager_pin_required", "{key}");
        assert_eq!(code(f.till.save_receipt_pdf(&key, &exports)), "manager_pin_required", "{key}");
        assert_eq!(code(f.till.customer_view(Some(&key))), "manager_pin_required", "{key}");
    }
    assert!(!exports.exists(), "nothing was written");
    assert_eq!(f.till.invoice(&today.order_id).unwrap().order_id, today.order_id);
    f.till.receipt(&today.order_id).unwrap();
    f.till.unlock(PIN.into()).unwrap();
    assert_eq!(f.till.receipt(&old.order_id).unwrap().receipt.order_id, old.order_id);
}

#[tokio::test]
async fn a_locked_till_reports_today_only() {
    let f = Fixture::new().await;
    let now = paydesk_money::clock::unix_now();
    let today = paydesk_money::clock::local_day_start(now);
    f.set_pin();
    f.till.lock();
    let report = f.till.shift_report(today, today + 86_400).unwrap();
    assert_eq!(report.currencies.len(), 1, "today's sale is in the cashier's report: {report:?}");
    assert_eq!(code(f.till.shift_report(today - 1, today + 86_400)), "manager_pin_required");
    assert_eq!(code(f.till.shift_report(today - 7 * 86_400, today)), "manager_pin_required");
    f.till.unlock(PIN.into()).unwrap();
    assert!(f.till.shift_report(today - 7 * 86_400, today + 86_400).is_ok());
}

#[tokio::test]
async fn a_locked_till_shows_only_todays_sales() {
    let f = Fixture::new().await;
    let old = f.till.charge(sale()).await.unwrap();
    // Back-date one sale to the day before yesterday, in the ledger file itself.
    let db = rusqlite::Connection::open(f.dir.path().join("ledger.sqlite3")).unwrap();
    let two_days_ago = paydesk_money::clock::unix_now() - 2 * 86_400;
    db.execute("UPDATE invoices SET created_at = ?2 WHERE id = ?1", rusqlite::params![old.id, two_days_ago]).unwrap();
    drop(db);
    let orders = |search: &str| -> Vec<String> {
        f.till.history(search, 50, 0).unwrap().into_iter().map(|i| i.order_id).collect()
    };
    assert_eq!(orders("").len(), 2, "no PIN: every sale");

    f.set_pin();
    f.till.lock();
    let today = orders("");
    assert_eq!(today.len(), 1);
    assert!(!today.contains(&old.order_id));
    assert!(orders(&old.order_id).is_empty(), "a search cannot reach past today either");
    assert_eq!(orders("1.00"), today);
    f.advance(86_400);
    assert!(orders("").is_empty(), "tomorrow, today's sales are gone from a locked till");

    f.till.unlock(PIN.into()).unwrap();
    assert_eq!(orders("").len(), 2, "unlocked: every sale");
    assert_eq!(orders(&old.order_id), std::slice::from_ref(&old.order_id));
}

#[tokio::test]
async fn the_pin_is_changed_or_removed_with_the_current_one_and_never_stored_in_clear() {
    let f = Fixture::new().await;
    f.set_pin();
    let saved = f.settings_text();
    assert!(!saved.contains(PIN), "{saved}");
    let hash = saved.split("\"manager_pin_hash\": \"").nth(1).expect("the hash is saved");
    assert!(hash.starts_with("$argon2id$"), "{saved}");
    let status = serde_json::to_string(&f.till.manager_status()).unwrap();
    assert!(!status.contains(PIN) && !status.contains("argon2"), "{status}");
    assert!(f.till.bootstrap().settings.manager_pin_set);

    // A restart locks.
    let reopened = Till::open(f.dir.path(), CredentialStore::in_memory(), None).unwrap();
    let status = reopened.manager_status();
    assert!(status.pin_set && !status.unlocked, "{status:?}");
    drop(reopened);

    // Change it with the current PIN while locked: the old one stops working.
    f.till.lock();
    f.till.set_manager_pin(Some(PIN.into()), Some(OTHER_PIN.into())).unwrap();
    f.till.lock();
    assert_eq!(code(f.till.unlock(PIN.into())), "wrong_pin");
    f.till.unlock(OTHER_PIN.into()).unwrap();
    let text = f.settings_text();
    assert!(!text.contains(PIN) && !text.contains(OTHER_PIN), "{text}");

    // Remove it from an unlocked session: everything opens, even after locking.
    let status = f.till.set_manager_pin(None, None).unwrap();
    assert!(!status.pin_set && status.unlocked, "{status:?}");
    assert!(!f.settings_text().contains("argon2"));
    assert!(f.till.lock().unlocked);
    f.till.require_manager().unwrap();
    assert!(!f.till.bootstrap().settings.manager_pin_set);
}
