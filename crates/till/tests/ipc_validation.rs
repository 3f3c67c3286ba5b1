//! What the webview sends is checked before anything happens: every `Till` method refuses
//! oversized, garbled or unknown arguments with `bad_input`, says why without echoing a credential,
//! and leaves the ledger, the saved settings and the stored credentials exactly as they were.

use paydesk_till::api::{
    ChargeRequest, SettingsInput, Till, MAX_BASE_URL_CHARS, MAX_FIELD_CHARS, MAX_GATEWAY_ID_CHARS, MAX_KEY_CHARS,
    MAX_SEARCH_CHARS,
};
use paydesk_till::credentials::{CredentialStore, MAX_VALUE_BYTES};
use paydesk_till::error::Error;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

const DISTINCTIVE: &str = "sk_live_IPC_DISTINCTIVE_5521";
/// Demo is pointed at a closed port: a call that slipped past validation would fail loudly.
const CLOSED: &str = "http://127.0.0.1:9/demo/";
const CONTROLS: &[&str] = &["a\nb", "a\rb", "tab\there", "\u{0}", "\u{1b}[31mred", "del\u{7f}", "c1\u{85}"];

struct Fixture {
    dir: tempfile::TempDir,
    till: Till,
}

/// What must not change: ledger rows, the settings file's bytes, and where each credential comes from.
#[derive(Debug, PartialEq)]
struct State {
    rows: usize,
    settings: Vec<u8>,
    credentials: Vec<(String, String, Option<String>)>,
}

impl Fixture {
    /// A till with one sale in the ledger, saved settings and one stored credential.
    async fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let sim = paydesk_gatewaysim::start(0).await.unwrap();
        let till = Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo"))).unwrap();
        till.charge(sale("demo", "1.00")).await.unwrap();
        till.set_credential("oxapay", "merchant_api_key", DISTINCTIVE.into()).unwrap();
        let urls = BTreeMap::from([("demo".to_string(), CLOSED.to_string())]);
        till.save_settings(SettingsInput {
            default_gateway: "demo".into(),
            default_currency: "USD".into(),
            base_urls: urls,
            ..SettingsInput::defaults()
        })
        .unwrap();
        Fixture { dir, till }
    }

    fn settings_path(&self) -> PathBuf {
        self.dir.path().join("settings.json")
    }

    fn state(&self) -> State {
        let gateways: Vec<String> = self.till.bootstrap().gateways.into_iter().map(|g| g.id).collect();
        let credentials = gateways
            .iter()
            .flat_map(|g| self.till.credentials(g).unwrap().into_iter().map(move |f| (g.clone(), f.name, f.source)))
            .collect();
        State {
            rows: self.till.history("", 500, 0).unwrap().len(),
            settings: std::fs::read(self.settings_path()).unwrap(),
            credentials,
        }
    }
}

fn sale(gateway: &str, amount: &str) -> ChargeRequest {
    ChargeRequest::typed(gateway, amount, "USD")
}

fn settings(default_gateway: &str, currency: &str, base_urls: &[(&str, &str)]) -> SettingsInput {
    SettingsInput {
        default_gateway: default_gateway.into(),
        default_currency: currency.into(),
        base_urls: base_urls.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
        ..SettingsInput::defaults()
    }
}

/// The refusal is `bad_input` (or `code`), its message contains `says`, and carries no credential.
#[track_caller]
fn assert_refused<T: std::fmt::Debug>(result: Result<T, Error>, code: &str, says: &str) {
    let err = result.expect_err("the input should be refused");
    let reply = err.reply();
    assert_eq!(reply.code, code, "{reply:?}");
    assert!(reply.message.contains(says), "{reply:?} should say {says:?}");
    assert!(!reply.message.contains(DISTINCTIVE) && !format!("{err:?}").contains(DISTINCTIVE), "{reply:?}");
    assert!(!reply.message.chars().any(char::is_control), "{reply:?}");
    assert!(reply.message.chars().count() < 300, "{reply:?}");
}

fn long(n: usize) -> String {
    "x".repeat(n)
}

#[tokio::test]
async fn invoice_keys_and_searches_are_bounded_and_plain() {
    let f = Fixture::new().await;
    let before = f.state();
    let too_long = long(MAX_KEY_CHARS + 1);
    assert_refused(f.till.invoice(&too_long), "bad_input", "longer than 64");
    assert_refused(f.till.refresh(&too_long).await, "bad_input", "longer than 64");
    assert_refused(f.till.retry(&too_long).await, "bad_input", "longer than 64");
    assert_refused(f.till.qr_svg(&too_long), "bad_input", "longer than 64");
    assert_refused(f.till.follow(&too_long, Duration::from_millis(1), |_| {}).await, "bad_input", "longer than 64");
    for bad in CONTROLS {
        assert_refused(f.till.invoice(bad), "bad_input", "control characters");
        assert_refused(f.till.refresh(bad).await, "bad_input", "control characters");
        assert_refused(f.till.retry(bad).await, "bad_input", "control characters");
        assert_refused(f.till.qr_svg(bad), "bad_input", "control characters");
        assert_refused(f.till.history(bad, 10, 0), "bad_input", "control characters");
    }
    assert_refused(f.till.history(&long(MAX_SEARCH_CHARS + 1), 10, 0), "bad_input", "longer than 100");
    // At the limits they are ordinary lookups.
    assert_eq!(f.till.invoice(&long(MAX_KEY_CHARS)).unwrap_err().reply().code, "not_found");
    assert!(f.till.history(&long(MAX_SEARCH_CHARS), 10, 0).unwrap().is_empty());
    assert_eq!(f.state(), before);
}

#[tokio::test]
async fn gateway_ids_are_bounded_plain_and_known() {
    let f = Fixture::new().await;
    let before = f.state();
    let cases: Vec<(String, &str)> = vec![
        (long(MAX_GATEWAY_ID_CHARS + 1), "longer than 32"),
        ("nope".into(), "unknown gateway 'nope'"),
        ("DEMO".into(), "unknown gateway"),
        (" demo".into(), "unknown gateway"),
        (String::new(), "unknown gateway"),
    ]
    .into_iter()
    .chain(CONTROLS.iter().map(|c| (format!("demo{c}"), "control characters")))
    .collect();
    for (id, says) in &cases {
        assert_refused(f.till.credentials(id), "bad_input", says);
        assert_refused(f.till.set_credential(id, "merchant_api_key", DISTINCTIVE.into()), "bad_input", says);
        assert_refused(f.till.delete_credentials(id), "bad_input", says);
        assert_refused(f.till.test_connection(id).await, "bad_input", says);
        assert_refused(f.till.charge(sale(id, "1.00")).await, "bad_input", says);
        assert_refused(f.till.save_settings(settings(id, "USD", &[])), "bad_input", says);
        assert_refused(f.till.save_settings(settings("demo", "USD", &[(id, CLOSED)])), "bad_input", says);
    }
    assert_eq!(f.state(), before);
}

#[tokio::test]
async fn credential_fields_and_values_are_checked_and_never_echoed() {
    let f = Fixture::new().await;
    let before = f.state();
    let field_cases: Vec<(String, &str)> = vec![
        (long(MAX_FIELD_CHARS + 1), "longer than 64"),
        ("nope".into(), "oxapay has no credential 'nope' (its fields are: merchant_api_key)"),
        ("MERCHANT_API_KEY".into(), "has no credential"),
        (String::new(), "has no credential"),
    ]
    .into_iter()
    .chain(CONTROLS.iter().map(|c| (format!("merchant_api_key{c}"), "control characters")))
    .collect();
    for (field, says) in &field_cases {
        assert_refused(f.till.set_credential("oxapay", field, format!("{DISTINCTIVE}-new")), "bad_input", says);
    }
    assert_refused(
        f.till.set_credential("demo", "api_key", DISTINCTIVE.into()),
        "bad_input",
        "it needs no credentials",
    );
    // Bad values are the credential store's to refuse; the message names the field, never the value.
    let value_cases = [
        (format!("{DISTINCTIVE}{}", long(MAX_VALUE_BYTES)), "at most 4096"),
        (format!("{DISTINCTIVE}\u{1b}[0m"), "control characters"),
        (format!("{DISTINCTIVE}\n\n"), "control characters"),
        (String::new(), "is empty"),
    ];
    for (value, says) in value_cases {
        assert_refused(f.till.set_credential("oxapay", "merchant_api_key", value), "bad_credential", says);
    }
    assert_eq!(f.state(), before);
    let stored = f.till.paydesk().credentials().load(f.till.paydesk().gateway("oxapay").unwrap().info()).unwrap();
    assert_eq!(stored.get("merchant_api_key").unwrap().expose(), DISTINCTIVE, "the stored value is untouched");
}

#[tokio::test]
async fn charges_and_amount_checks_refuse_garbled_text_before_the_ledger() {
    let f = Fixture::new().await;
    let before = f.state();
    for bad in CONTROLS {
        assert_refused(f.till.check_amount(&format!("1{bad}"), "USD"), "bad_input", "control characters");
        assert_refused(f.till.check_amount("1", &format!("USD{bad}")), "bad_input", "control characters");
        assert_refused(f.till.charge(sale("demo", &format!("1{bad}"))).await, "bad_input", "control characters");
        let mut described = sale("demo", "1.00");
        described.sale.description = Some(format!("Table {bad}4"));
        assert_refused(f.till.charge(described).await, "bad_input", "control characters");
    }
    assert_refused(f.till.check_amount(&format!("1{}", "0".repeat(40)), "USD"), "bad_input", "longer than 32");
    assert_refused(f.till.check_amount("1", "USDOLLARS"), "bad_input", "longer than 8");
    let mut described = sale("demo", "1.00");
    described.sale.description = Some(long(201));
    assert_refused(f.till.charge(described).await, "bad_input", "longer than 200");
    let mut other = sale("demo", "1.00");
    other.sale.currency = "XYZ".into();
    assert_refused(f.till.charge(other).await, "bad_amount", "not a currency");
    assert_eq!(f.state(), before);
}

#[tokio::test]
async fn settings_refuse_long_or_garbled_base_urls_and_keep_the_file() {
    let f = Fixture::new().await;
    let before = f.state();
    let huge = format!("https://pay.example/{}", long(MAX_BASE_URL_CHARS));
    assert_refused(f.till.save_settings(settings("demo", "USD", &[("dex3", &huge)])), "bad_input", "longer than 2048");
    for bad in CONTROLS {
        let url = format!("https://pay.example/{bad}");
        assert_refused(f.till.save_settings(settings("demo", "USD", &[("dex3", &url)])), "bad_input", "control");
        let currency = format!("US{bad}");
        assert_refused(f.till.save_settings(settings("demo", &currency, &[])), "bad_input", "control characters");
    }
    assert_refused(f.till.save_settings(settings("demo", "USDOLLARS", &[])), "bad_input", "longer than 8");
    assert_refused(
        f.till.save_settings(settings("demo", "USD", &[("dex3", "http://api.dex3.io/")])),
        "bad_input",
        "plain http",
    );
    assert_eq!(f.state(), before);
    // A base URL of exactly the limit is judged on its merits, not its length.
    let at_limit = format!("https://pay.example/{}/", long(MAX_BASE_URL_CHARS - "https://pay.example//".len()));
    assert_eq!(at_limit.chars().count(), MAX_BASE_URL_CHARS);
    let saved = f.till.save_settings(settings("demo", "USD", &[("demo", CLOSED), ("dex3", &at_limit)])).unwrap();
    assert_eq!(saved.saved.base_urls.get("dex3"), Some(&at_limit));
    assert_ne!(std::fs::read(f.settings_path()).unwrap(), before.settings);
    assert!(Path::new(&f.settings_path()).exists());
}
