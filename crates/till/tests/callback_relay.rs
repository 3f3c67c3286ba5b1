//! A shop with a callback relay: every sale (and its retry) tells the gateways that take a
//! callback URL per request to call `<relay>/callback/<gateway id>`; the Demo gateway and
//! NonStoPay (set in its dashboard) never get one, and without a relay nothing is sent.

use paydesk_gateways::http::RetryPolicy;
use paydesk_gateways::registry;
use paydesk_gateways::secret::Secret;
use paydesk_gatewaysim::RunningSim;
use paydesk_money::{Currency, DecimalStyle, InvoiceStatus};
use paydesk_till::api::{ChargeRequest, SettingsInput, Till};
use paydesk_till::credentials::CredentialStore;
use paydesk_till::service::{ChargeInput, Paydesk, Settings};
use std::time::Duration;

const RELAY: &str = "https://relay.example.com/paydesk";

/// A till with every gateway pointed at one simulator, holding its credentials.
async fn desk(relay_url: Option<&str>) -> (tempfile::TempDir, RunningSim, Paydesk) {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let mut settings = Settings {
        retry: RetryPolicy { attempts: 1, first_backoff: Duration::from_millis(10) },
        env: std::sync::Arc::new(|_| None),
        relay_url: relay_url.map(str::to_string),
        ..Settings::default()
    };
    let credentials = CredentialStore::in_memory();
    for gateway in registry() {
        let info = gateway.info();
        settings.base_urls.insert(info.id.into(), sim.base_url(info.id));
        for (field, value) in paydesk_gatewaysim::gateways::credentials(info.id) {
            if info.fields.iter().any(|f| f.name == *field) {
                credentials.set(info, field, Secret::new(*value)).unwrap();
            }
        }
    }
    let ledger = paydesk_ledger::Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    (dir, sim, Paydesk::new(ledger, credentials, settings))
}

fn sale(gateway: &str, amount: &str) -> ChargeInput {
    ChargeInput::new(gateway, paydesk_money::parse_amount(amount, Currency::USD, DecimalStyle::Point).unwrap())
}

const GATEWAYS: [(&str, &str); 6] = [
    ("dex3", "12.34"),
    ("thedex", "10.00"),
    ("oxapay", "5.00"),
    ("pay3", "1.00"),
    ("nonstopay", "15.00"),
    ("demo", "2.00"),
];

#[tokio::test]
async fn with_a_relay_each_gateway_that_takes_a_callback_url_gets_its_own() {
    let (_dir, sim, desk) = desk(Some(&format!("{RELAY}/"))).await;
    for (gateway, amount) in GATEWAYS {
        let sold = desk.charge(&sale(gateway, amount)).await.unwrap_or_else(|e| panic!("{gateway}: {e}"));
        let expected = match gateway {
            "nonstopay" | "demo" => None,
            _ => Some(format!("{RELAY}/callback/{gateway}")),
        };
        assert_eq!(sim.sim.callback_url(gateway, &sold.order_id), expected, "{gateway}");
    }
}

#[tokio::test]
async fn without_a_relay_no_callback_url_is_sent() {
    let (_dir, sim, desk) = desk(None).await;
    for (gateway, amount) in GATEWAYS {
        let sold = desk.charge(&sale(gateway, amount)).await.unwrap_or_else(|e| panic!("{gateway}: {e}"));
        assert!(sim.sim.find_by_order(gateway, &sold.order_id).is_some(), "{gateway}");
        assert_eq!(sim.sim.callback_url(gateway, &sold.order_id), None, "{gateway}");
    }
}

#[tokio::test]
async fn a_retried_sale_carries_the_callback_url_too() {
    let (_dir, sim, desk) = desk(Some(RELAY)).await;
    let amount = paydesk_money::Amount::from_minor(500, Currency::USD).unwrap();
    let new = paydesk_ledger::NewInvoice {
        order_id: "FAILED-1",
        gateway: "thedex",
        amount,
        tip_minor: 0,
        description: None,
        details: Default::default(),
    };
    let row = desk.ledger().insert_creating(&new).unwrap();
    desk.ledger().record_failure(row.id, InvoiceStatus::Failed, "the gateway refused").unwrap();
    assert_eq!(desk.retry("FAILED-1").await.unwrap().status, InvoiceStatus::Pending);
    assert_eq!(sim.sim.callback_url("thedex", "FAILED-1"), Some(format!("{RELAY}/callback/thedex")));
}

#[tokio::test]
async fn the_relay_url_is_a_saved_setting_checked_like_a_base_url() {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let till = Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo"))).unwrap();
    assert_eq!(till.bootstrap().settings.saved.relay_url, None);
    let base_urls = [("dex3".to_string(), sim.base_url("dex3"))].into();
    let keep = SettingsInput { base_urls, ..SettingsInput::defaults() };
    for bad in ["http://relay.example.com", "relay.example.com", "https://relay.example.com/?to=x", "ftp://relay"] {
        let input = SettingsInput { relay_url: Some(bad.into()), ..keep.clone() };
        let err = till.save_settings(input).unwrap_err();
        assert!(err.to_string().contains("callback relay URL"), "{bad}: {err}");
    }
    let input = SettingsInput { relay_url: Some(format!("  {RELAY}/ ")), ..keep.clone() };
    assert_eq!(till.save_settings(input).unwrap().saved.relay_url.as_deref(), Some(&*format!("{RELAY}/")));
    let reopened = Till::open(dir.path(), CredentialStore::in_memory(), None).unwrap();
    assert_eq!(reopened.bootstrap().settings.saved.relay_url.as_deref(), Some(&*format!("{RELAY}/")));

    // Applied at once to the sales that follow; the Demo gateway gets none.
    for (field, value) in paydesk_gatewaysim::gateways::credentials("dex3") {
        till.set_credential("dex3", field, value.to_string()).unwrap();
    }
    let sold = till.charge(ChargeRequest::typed("dex3", "12.34", "USD")).await.unwrap();
    assert_eq!(sim.sim.callback_url("dex3", &sold.order_id), Some(format!("{RELAY}/callback/dex3")));
    let demo = till.charge(ChargeRequest::typed("demo", "1.00", "USD")).await.unwrap();
    assert_eq!(sim.sim.callback_url("demo", &demo.order_id), None);

    // Blank turns it off again.
    let input = SettingsInput { relay_url: Some("  ".into()), ..keep };
    assert_eq!(till.save_settings(input).unwrap().saved.relay_url, None);
    let sold = till.charge(ChargeRequest::typed("dex3", "3.00", "USD")).await.unwrap();
    assert_eq!(sim.sim.callback_url("dex3", &sold.order_id), None);
}
