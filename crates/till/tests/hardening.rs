//! Items of the hardening issue held at the till's own API (the unit tests in money.rs, pin.rs,
//! http.rs and config.rs hold the rest): against real files and the simulator on 127.0.0.1.

use paydesk_till::api::{ChargeRequest, SettingsInput, Till};
use paydesk_till::credentials::CredentialStore;
use paydesk_till::error::Error;
use paydesk_till::pin::MAX_WRONG_PINS;

fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    result.expect_err("an error").code().to_string()
}

#[tokio::test]
async fn hardening_05_an_ambiguous_amount_is_refused_naming_both_readings_and_changes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let till = Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo"))).unwrap();
    let settings = || std::fs::read(dir.path().join("settings.json")).ok();
    let before = settings();

    // Typed into the cash dialog: the message the UI shows as it is.
    let err = till.record_cash_sale("1,500", "KWD", None).unwrap_err();
    assert_eq!(err.code(), "bad_amount");
    assert_eq!(err.to_string(), "'1,500' could be 1500 KWD or 1.500 KWD: type 1500 or 1.500");
    // The keypad sends digits and "." only: grouping never reaches the charge.
    assert_eq!(till.check_amount("1,500", "KWD").unwrap_err().code(), "bad_amount");
    let charged = till.charge(ChargeRequest::typed("demo", "1, 500", "KWD")).await;
    assert_eq!(code(charged), "bad_amount");
    assert_eq!(code(till.record_cash_sale("1,500", "BHD", None)), "bad_amount");
    assert_eq!(code(till.record_refund("2,250", "KWD", "returned", None)), "bad_amount");

    assert!(till.history("", 500, 0).unwrap().is_empty(), "a sale was recorded");
    assert_eq!(settings(), before, "the settings changed (the last gateway is noted only for a sale)");
    assert_eq!(till.check_amount("1500", "KWD").unwrap().amount, "1500.000");
    assert_eq!(till.check_amount("1.500", "KWD").unwrap().amount, "1.500");

    // In the comma style the other way round: '.' could group or be the point a visitor types.
    let mut comma = SettingsInput::defaults();
    comma.decimal_comma = true;
    till.save_settings(comma).unwrap();
    let err = till.record_cash_sale("1.500", "KWD", None).unwrap_err();
    assert_eq!(err.to_string(), "'1.500' could be 1500 KWD or 1,500 KWD: type 1500 or 1,500");
    assert_eq!(till.record_cash_sale("1,500", "KWD", None).unwrap().amount, "1.500");
    assert_eq!(till.record_cash_sale("12 345", "KWD", None).unwrap().amount, "12345.000");
    // The keypad's wire form does not depend on the shop's style.
    assert_eq!(till.check_amount("1.500", "KWD").unwrap().amount, "1.500");
}

#[test]
fn hardening_06_a_new_pin_starts_with_no_wrong_tries_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let open = || Till::open(dir.path(), CredentialStore::in_memory(), None).unwrap();
    let till = open();
    till.set_manager_pin(None, Some("1357".into())).unwrap();
    till.lock();
    for _ in 1..MAX_WRONG_PINS {
        assert_eq!(code(till.unlock("0000".into())), "wrong_pin");
    }
    drop(till);
    // The owner forgot the PIN and removed its hash from settings.json (the documented way back),
    // then set a new one.
    let path = dir.path().join("settings.json");
    let mut saved: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    saved.as_object_mut().unwrap().remove("manager_pin_hash");
    std::fs::write(&path, serde_json::to_vec(&saved).unwrap()).unwrap();
    let till = open();
    assert!(!till.manager_status().pin_set);
    till.set_manager_pin(None, Some("2468".into())).unwrap();
    drop(till);

    let restarted = open();
    restarted.lock();
    assert_eq!(code(restarted.unlock("0000".into())), "wrong_pin", "the old PIN's wrong tries counted against the new");
    assert_eq!(restarted.manager_status().locked_out_seconds, 0);
    assert!(restarted.unlock("2468".into()).unwrap().unlocked);
}

#[test]
fn hardening_06_each_wrong_pin_after_five_doubles_the_lockout_up_to_an_hour() {
    use std::sync::atomic::{AtomicI64, Ordering};
    let dir = tempfile::tempdir().unwrap();
    let offset = std::sync::Arc::new(AtomicI64::new(0));
    let moved = offset.clone();
    // Time stands still but for the moves below (a PIN check takes long enough to cross a second).
    let start = paydesk_money::clock::unix_now();
    let clock: paydesk_till::api::Clock = std::sync::Arc::new(move || start + moved.load(Ordering::SeqCst));
    let till = Till::open(dir.path(), CredentialStore::in_memory(), None).unwrap().with_clock(clock);
    till.set_manager_pin(None, Some("1357".into())).unwrap();
    till.lock();
    for _ in 1..MAX_WRONG_PINS {
        assert_eq!(code(till.unlock("0000".into())), "wrong_pin");
    }
    assert_eq!(code(till.unlock("0000".into())), "pin_locked_out");
    assert_eq!(till.manager_status().locked_out_seconds, 30);
    assert_eq!(code(till.unlock("1357".into())), "pin_locked_out", "not even the right PIN while locked out");
    for expected in [60, 120, 240, 480, 960, 1920, 3600, 3600] {
        // Wait the lock-out out, then one more wrong PIN.
        offset.fetch_add(i64::from(till.manager_status().locked_out_seconds), Ordering::SeqCst);
        assert_eq!(till.manager_status().locked_out_seconds, 0);
        assert_eq!(code(till.unlock("0000".into())), "pin_locked_out");
        assert_eq!(till.manager_status().locked_out_seconds, expected);
    }
    offset.fetch_add(3600, Ordering::SeqCst);
    assert!(till.unlock("1357".into()).unwrap().unlocked);
    till.lock();
    assert_eq!(code(till.unlock("0000".into())), "wrong_pin", "a right PIN starts the count afresh");
}

#[tokio::test]
async fn hardening_10_the_link_opened_is_the_stored_one_as_checked() {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let till = Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo"))).unwrap();
    let request = ChargeRequest::typed("demo", "3.00", "USD");
    let sale = till.charge(request).await.unwrap();
    assert_eq!(till.pay_link_to_open(&sale.order_id).unwrap(), sale.pay_link.clone().unwrap());

    let ledger = rusqlite::Connection::open(dir.path().join("ledger.sqlite3")).unwrap();
    let store = |link: &str| {
        ledger.execute("UPDATE invoices SET pay_link = ?1 WHERE order_id = ?2", [link, &sale.order_id]).unwrap();
    };
    // Whatever text the ledger holds, what is opened is the URL that passed the check.
    store(" https://pay.example/p/\t1\n");
    assert_eq!(till.pay_link_to_open(&sale.order_id).unwrap(), "https://pay.example/p/1");
    for bad in ["http://pay.example/p/1", "javascript:alert(1)", "file:///etc/passwd", "not a link"] {
        store(bad);
        assert_eq!(code(till.pay_link_to_open(&sale.order_id)), "gateway_bad_response", "{bad}");
    }
    // A sale with no link (cash) has nothing to open; an unknown id is not found.
    let cash = till.record_cash_sale("2.00", "USD", None).unwrap();
    assert_eq!(code(till.pay_link_to_open(&cash.order_id)), "bad_input");
    assert_eq!(code(till.pay_link_to_open("PD-NO-SUCH-SALE")), "not_found");
}
