//! The desktop app's backend API (`Till`), called as the Tauri commands call it, against the
//! simulator over loopback and a real ledger file.

use paydesk_money::InvoiceStatus;
use paydesk_till::api::{ChargeRequest, SettingsInput, Till};
use paydesk_till::credentials::CredentialStore;
use std::collections::BTreeMap;
use std::time::Duration;

async fn till() -> (tempfile::TempDir, paydesk_gatewaysim::RunningSim, Till) {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let till = Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo"))).unwrap();
    (dir, sim, till)
}

/// `request` with its sale changed by `change`.
fn with_sale(mut request: ChargeRequest, change: impl FnOnce(&mut paydesk_till::api::SaleRequest)) -> ChargeRequest {
    change(&mut request.sale);
    request
}

fn sale(gateway: &str, amount: &str) -> ChargeRequest {
    ChargeRequest::typed(gateway, amount, "USD")
}

fn settings(default_gateway: &str, base_urls: &[(&str, &str)]) -> SettingsInput {
    SettingsInput {
        default_gateway: default_gateway.into(),
        default_currency: "usd".into(),
        base_urls: base_urls.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..SettingsInput::defaults()
    }
}

#[tokio::test]
async fn a_fresh_till_charges_on_demo_and_follows_the_sale_to_paid() {
    let (_dir, sim, till) = till().await;
    let boot = till.bootstrap();
    assert_eq!(boot.gateways[0].id, "demo");
    assert_eq!(boot.settings.saved.default_gateway, "demo");
    assert!(boot.currencies.iter().any(|c| c.code == "JPY" && c.decimals == 0));

    let sold = till.charge(sale("demo", "12.34")).await.unwrap();
    assert_eq!((sold.amount.as_str(), sold.status, sold.is_final), ("12.34", InvoiceStatus::Pending, false));
    let link = sold.pay_link.clone().unwrap();
    assert!(link.starts_with(sim.sim.public_base()));
    assert!(till.qr_svg(&sold.order_id).unwrap().contains("<svg"));
    assert_eq!(till.bootstrap().settings.last_gateway.as_deref(), Some("demo"), "the last gateway is remembered");

    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(client.post(format!("{link}/pay")).send().await.unwrap().status().as_u16(), 303);
    let seen = std::sync::Mutex::new(vec![]);
    let done =
        till.follow(&sold.order_id, Duration::from_millis(20), |v| seen.lock().unwrap().push(v.status)).await.unwrap();
    assert!(done.is_final);
    assert_eq!(done.status, InvoiceStatus::Paid);
    assert_eq!(seen.into_inner().unwrap().last(), Some(&InvoiceStatus::Paid));
}

#[tokio::test]
async fn amounts_are_checked_before_a_charge() {
    let (_dir, _sim, till) = till().await;
    assert_eq!(till.check_amount("12.5", "USD").unwrap().amount, "12.50");
    let err = till.check_amount("12.345", "USD").unwrap_err();
    assert_eq!(
        (err.reply().code.as_str(), err.reply().message.as_str()),
        ("bad_amount", "USD takes at most 2 decimal places")
    );
    assert_eq!(till.check_amount("0", "USD").unwrap_err().reply().code, "bad_amount");
}

#[tokio::test]
async fn history_searches_and_exports() {
    let (dir, _sim, till) = till().await;
    let a = till.charge(sale("demo", "1.00")).await.unwrap();
    till.charge(sale("demo", "2.50")).await.unwrap();
    assert_eq!(till.history("", 10, 0).unwrap().len(), 2);
    let found: Vec<_> = till.history("2.5", 10, 0).unwrap().into_iter().map(|v| v.amount).collect();
    assert_eq!(found, ["2.50"]);
    assert_eq!(till.history(&a.order_id, 10, 0).unwrap()[0].order_id, a.order_id);
    let path = till.export_csv(&dir.path().join("exports")).unwrap();
    let csv = std::fs::read_to_string(path).unwrap();
    assert_eq!(csv.lines().count(), 3);
}

#[tokio::test]
async fn settings_are_validated_saved_and_applied() {
    let (dir, sim, till) = till().await;
    let err = till.save_settings(settings("demo", &[("dex3", "http://api.dex3.io/")])).unwrap_err();
    assert!(err.to_string().contains("plain http"), "{err}");
    assert!(till.save_settings(settings("nope", &[])).is_err());

    let saved =
        till.save_settings(settings("dex3", &[("dex3", &sim.base_url("dex3")), ("oxapay", "  ")])).unwrap().saved;
    assert_eq!(saved.default_gateway, "dex3");
    assert_eq!(saved.default_currency, "USD");
    assert_eq!(saved.base_urls, BTreeMap::from([("dex3".to_string(), sim.base_url("dex3"))]), "blank URLs are dropped");
    let reopened = Till::open(dir.path(), CredentialStore::in_memory(), None).unwrap();
    assert_eq!(reopened.bootstrap().settings.saved.default_gateway, "dex3");

    // A terminal label prefixes the order ids of the sales that follow; a bad one changes nothing.
    let keep = settings("dex3", &[("dex3", &sim.base_url("dex3"))]);
    let labelled = SettingsInput { terminal_label: Some(" till2 ".into()), ..keep.clone() };
    assert_eq!(till.save_settings(labelled).unwrap().saved.terminal_label.as_deref(), Some("TILL2"));
    let sold = till.charge(sale("demo", "1")).await.unwrap();
    assert!(sold.order_id.starts_with("TILL2-"), "{}", sold.order_id);
    let bad = SettingsInput { terminal_label: Some("TILL 2".into()), ..keep };
    assert!(till.save_settings(bad).is_err());
    assert_eq!(till.bootstrap().settings.saved.terminal_label.as_deref(), Some("TILL2"));

    // Applied at once: dex3 now goes to the simulator, which accepts its credentials.
    for (field, value) in paydesk_gatewaysim::gateways::credentials("dex3") {
        till.set_credential("dex3", field, value.to_string()).unwrap();
    }
    let states = till.credentials("dex3").unwrap();
    assert!(states.iter().all(|f| f.source.as_deref() == Some("keyring")));
    let check = till.test_connection("dex3").await.unwrap();
    assert!(check.ok && check.http_status.is_some(), "{check:?}");
    let sold = till.charge(sale("dex3", "12.34")).await.unwrap();
    assert!(sold.pay_link.unwrap().starts_with(sim.sim.public_base()));

    let states = till.delete_credentials("dex3").unwrap();
    assert!(states.iter().all(|f| f.source.as_deref() == Some("not_set")));
    let check = till.test_connection("dex3").await.unwrap();
    assert!(!check.ok);
    assert_eq!(check.missing_fields, ["merchant_public", "merchant_private"]);
}

#[tokio::test]
async fn credential_replies_never_carry_values() {
    let (_dir, _sim, till) = till().await;
    till.set_credential("oxapay", "merchant_api_key", "DISTINCTIVE-OXA-KEY-42".into()).unwrap();
    let shown = serde_json::to_string(&till.credentials("oxapay").unwrap()).unwrap();
    assert!(!shown.contains("DISTINCTIVE-OXA-KEY-42"), "{shown}");
    assert!(shown.contains("keyring"));
    let err = till.set_credential("oxapay", "nope", "DISTINCTIVE-OXA-KEY-42".into()).unwrap_err();
    assert!(!serde_json::to_string(&err.reply()).unwrap().contains("DISTINCTIVE"));
}

async fn press(link: &str, button: &str) {
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    assert_eq!(client.post(format!("{link}/{button}")).send().await.unwrap().status().as_u16(), 303, "{button}");
}

#[tokio::test]
async fn an_abandoned_sale_is_still_followed_and_a_late_payment_is_paid_late() {
    let (dir, _sim, till) = till().await;
    let sold = till.charge(sale("demo", "12.34")).await.unwrap();
    let left = till.abandon(&sold.order_id).await.unwrap();
    assert!(left.abandoned_at.is_some() && !left.is_final, "abandoned, yet still open: {left:?}");
    assert_eq!(
        till.abandon(&sold.order_id).await.unwrap().abandoned_at,
        left.abandoned_at,
        "abandoning twice is a no-op"
    );
    assert_eq!(
        till.open_sales().unwrap(),
        std::slice::from_ref(&sold.order_id),
        "an abandoned sale is followed after a restart"
    );

    press(sold.pay_link.as_deref().unwrap(), "pay").await;
    let done = till.follow(&sold.order_id, Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!((done.status, done.is_final), (InvoiceStatus::PaidLate, true));
    let listed = till.history(&sold.order_id, 10, 0).unwrap();
    assert_eq!(listed[0].status, InvoiceStatus::PaidLate, "History shows the late payment");
    assert!(till.open_sales().unwrap().is_empty());

    // A final sale has nothing to wait for: abandoning it hands it back as it is.
    assert_eq!(till.abandon(&sold.order_id).await.unwrap(), done);

    // The notice is not lost to a restart, and gone for good once the cashier dismissed it.
    let late = |t: &Till| t.bootstrap().late_sales.into_iter().map(|v| v.order_id).collect::<Vec<_>>();
    assert_eq!(late(&till), std::slice::from_ref(&sold.order_id));
    let restarted = Till::open(dir.path(), CredentialStore::in_memory(), None).unwrap();
    assert_eq!(late(&restarted), std::slice::from_ref(&sold.order_id));
    restarted.dismiss_late(&sold.order_id).unwrap();
    restarted.dismiss_late(&sold.order_id).unwrap();
    assert!(late(&restarted).is_empty());
    assert!(late(&Till::open(dir.path(), CredentialStore::in_memory(), None).unwrap()).is_empty());
    let waited = till.charge(sale("demo", "1.00")).await.unwrap();
    press(waited.pay_link.as_deref().unwrap(), "pay").await;
    till.follow(&waited.order_id, Duration::from_millis(20), |_| {}).await.unwrap();
    assert!(late(&till).is_empty(), "a sale paid while waited for raises no late notice");
}

#[tokio::test]
async fn a_sale_that_expires_part_paid_is_expired_partial_and_a_waited_for_payment_is_just_paid() {
    let (_dir, _sim, till) = till().await;
    let part = till.charge(sale("demo", "5.00")).await.unwrap();
    let link = part.pay_link.clone().unwrap();
    press(&link, "underpay").await;
    assert_eq!(till.refresh(&part.order_id).await.unwrap().status, InvoiceStatus::Underpaid);
    press(&link, "expire").await;
    let done = till.follow(&part.order_id, Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(done.status, InvoiceStatus::ExpiredPartial);

    let waited = till.charge(sale("demo", "6.00")).await.unwrap();
    press(waited.pay_link.as_deref().unwrap(), "pay").await;
    let done = till.follow(&waited.order_id, Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!((done.status, done.abandoned_at), (InvoiceStatus::Paid, None));
}

#[tokio::test]
async fn a_sale_open_when_the_network_drops_is_followed_again_once_it_is_back() {
    use paydesk_gatewaysim::faults::{Fault, Match};
    let (_dir, sim, till) = till().await;
    let sold = till.charge(sale("demo", "3.00")).await.unwrap();
    press(sold.pay_link.as_deref().unwrap(), "pay").await;
    // Every status request in the outage has its connection dropped, more than one poll's retries.
    const OUTAGE: u32 = 8;
    sim.sim.inject(Fault::Reset, Match::new("demo", "invoices/", OUTAGE));
    let done = till.follow(&sold.order_id, Duration::from_millis(20), |_| {}).await.unwrap();
    assert_eq!(done.status, InvoiceStatus::Paid);
    assert!(sim.sim.requests("demo", "invoices/") > OUTAGE as usize, "the outage was not outlasted");
}

#[tokio::test]
async fn a_payment_just_before_next_customer_is_paid_not_paid_late() {
    let (_dir, _sim, till) = till().await;
    let sold = till.charge(sale("demo", "4.00")).await.unwrap();
    press(sold.pay_link.as_deref().unwrap(), "pay").await;
    let left = till.abandon(&sold.order_id).await.unwrap();
    assert_eq!((left.status, left.abandoned_at), (InvoiceStatus::Paid, None), "{left:?}");
}

#[tokio::test]
async fn a_gateway_failing_with_5xx_is_outlasted_too() {
    use paydesk_gatewaysim::faults::{ErrorBody, Fault, Match};
    let (_dir, sim, till) = till().await;
    let sold = till.charge(sale("demo", "3.00")).await.unwrap();
    press(sold.pay_link.as_deref().unwrap(), "pay").await;
    const OUTAGE: u32 = 8;
    sim.sim.inject(Fault::Status { status: 503, body: ErrorBody::Html }, Match::new("demo", "invoices/", OUTAGE));
    let done = till.follow(&sold.order_id, Duration::from_millis(5), |_| {}).await.unwrap();
    assert_eq!(done.status, InvoiceStatus::Paid);
    assert!(sim.sim.requests("demo", "invoices/") > OUTAGE as usize);
}

#[tokio::test]
async fn a_payment_on_its_way_is_followed_past_the_invoices_expiry() {
    let (dir, sim, till) = till().await;
    let sold = till.charge(sale("demo", "9.00")).await.unwrap();
    let link = sold.pay_link.clone().unwrap();
    press(&link, "underpay").await;
    assert_eq!(till.refresh(&sold.order_id).await.unwrap().status, InvoiceStatus::Underpaid);
    // The invoice expired well over the grace period ago, as far as the ledger knows.
    let db = rusqlite::Connection::open(dir.path().join("ledger.sqlite3")).unwrap();
    let long_ago = paydesk_money::clock::unix_now() - 3600;
    db.execute("UPDATE invoices SET expires_at = ?2 WHERE id = ?1", rusqlite::params![sold.id, long_ago]).unwrap();
    drop(db);
    let asked_before = sim.sim.requests("demo", "invoices/");
    let paying = async {
        // The rest arrives once the follower has asked twice past the expiry.
        while sim.sim.requests("demo", "invoices/") < asked_before + 2 {
            tokio::task::yield_now().await;
        }
        press(&link, "pay").await;
    };
    let follow = till.follow(&sold.order_id, Duration::from_millis(10), |_| {});
    let both = tokio::time::timeout(Duration::from_secs(20), async { tokio::join!(follow, paying) });
    let (done, ()) = both.await.expect("the follower gave up before the rest was paid");
    assert_eq!(done.unwrap().status, InvoiceStatus::Paid);
}

#[tokio::test]
async fn a_tip_travels_as_its_own_field_and_is_charged_inside_the_total() {
    let (_dir, _sim, till) = till().await;
    let tipped =
        with_sale(sale("demo", "10.00"), |s| (s.tip, s.description) = (Some("1.00".into()), Some("Table 4".into())));
    let sold = till.charge(tipped).await.unwrap();
    assert_eq!((sold.amount.as_str(), sold.tip.as_deref()), ("11.00", Some("1.00")));
    assert_eq!(sold.description.as_deref(), Some("Table 4"), "the tip is no longer written into the description");
    let row = till.paydesk().find(&sold.order_id).unwrap();
    assert_eq!((row.amount.minor(), row.tip_minor), (1100, 100));

    // No tip, or a tip that rounds to nothing, is no tip.
    for none in [None, Some(""), Some("0.00")] {
        let sold = till.charge(with_sale(sale("demo", "2.00"), |s| s.tip = none.map(Into::into))).await.unwrap();
        assert_eq!((sold.amount.as_str(), sold.tip.as_deref()), ("2.00", None), "{none:?}");
    }
    let before = till.history("", 50, 0).unwrap().len();
    let bad_tip = till.charge(with_sale(sale("demo", "2.00"), |s| s.tip = Some("1.001".into()))).await.unwrap_err();
    assert_eq!(bad_tip.code(), "bad_input");
    assert!(bad_tip.to_string().starts_with("the tip: "), "{bad_tip}");
    // Each part may be fine while the sum passes the per-sale maximum.
    let over = with_sale(sale("demo", "1000000.00"), |s| s.tip = Some("1.00".into()));
    assert_eq!(till.charge(over).await.unwrap_err().code(), "bad_amount");
    assert_eq!(till.history("", 50, 0).unwrap().len(), before, "a refused sale was recorded");
}

#[tokio::test]
async fn the_window_learns_the_limits_from_the_till() {
    let (_dir, _sim, till) = till().await;
    let limits = till.bootstrap().limits;
    assert_eq!(limits.text_chars as usize, paydesk_money::order::MAX_DESCRIPTION_CHARS);
    assert_eq!(u64::from(limits.max_per_sale), paydesk_money::MAX_MAJOR_UNITS);
}

/// One gateway session per follow: the keyring is read when the follow starts, so removing a
/// credential mid-follow does not end it; and a follow whose earlier credentials stop working
/// asks once more with the keyring's current ones before giving up.
#[tokio::test]
async fn a_follow_reads_credentials_once_and_rereads_them_before_giving_up() {
    let (_dir, sim, till) = till().await;
    till.save_settings(settings("dex3", &[("dex3", &sim.base_url("dex3"))])).unwrap();
    let good = paydesk_gatewaysim::gateways::credentials("dex3");
    let set = |wrong: bool| {
        for (field, value) in good {
            let value = if wrong { format!("{value}-rotated") } else { value.to_string() };
            till.set_credential("dex3", field, value).unwrap();
        }
    };
    set(false);
    let sold = till.charge(sale("dex3", "12.34")).await.unwrap();
    let link = sold.pay_link.clone().unwrap();

    // Removed once the follow has asked Dex3: the session it holds still asks, and sees the payment.
    let asked_before = sim.sim.recorded("dex3").len();
    let follow = till.follow(&sold.order_id, Duration::from_millis(20), |_| {});
    let pay = async {
        while sim.sim.recorded("dex3").len() == asked_before {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        till.delete_credentials("dex3").unwrap();
        press(&link, "pay").await;
    };
    let (done, ()) = tokio::time::timeout(Duration::from_secs(20), async { tokio::join!(follow, pay) }).await.unwrap();
    assert_eq!(done.unwrap().status, InvoiceStatus::Paid);

    // Wrong keys from the start: refused at once (a fresh read cannot help), the reason noted.
    set(false);
    let second = till.charge(sale("dex3", "5.00")).await.unwrap();
    set(true);
    let ended =
        tokio::time::timeout(Duration::from_secs(20), till.follow(&second.order_id, Duration::from_millis(20), |_| {}))
            .await
            .unwrap();
    assert_eq!(ended.unwrap_err().code(), "gateway_unauthorized");
    assert!(till.invoice(&second.order_id).unwrap().last_error.unwrap().starts_with("stopped following"));
}
