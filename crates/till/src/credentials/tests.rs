//! The credential store's tests; those on the real OS keyring run under `scripts/with-keyring`.

use super::*;
use paydesk_gateways::gateway::FieldSpec;

static GW: GatewayInfo = GatewayInfo {
    id: "testgw",
    name: "Test gateway",
    default_base_url: "http://127.0.0.1:9/",
    fields: &[
        FieldSpec { name: "api_key", label: "API key", secret: true, required: true },
        FieldSpec { name: "merchant_id", label: "Merchant ID", secret: false, required: true },
        FieldSpec { name: "webhook_secret", label: "Webhook secret", secret: true, required: false },
    ],
    knobs: &[],
    currencies: None,
    can_poll: true,
    repeat: paydesk_gateways::gateway::Repeat::Duplicates,
    lookup: paydesk_gateways::gateway::Lookup::Dashboard,
    lifetime: paydesk_gateways::gateway::Lifetime::Fixed,
};

static NO_FIELDS: GatewayInfo = GatewayInfo {
    id: "nofields",
    name: "No fields",
    default_base_url: "http://127.0.0.1:9/",
    fields: &[],
    knobs: &[],
    currencies: None,
    can_poll: false,
    repeat: paydesk_gateways::gateway::Repeat::Duplicates,
    lookup: paydesk_gateways::gateway::Lookup::Dashboard,
    lifetime: paydesk_gateways::gateway::Lifetime::Fixed,
};

const DISTINCTIVE: &str = "sk_live_DISTINCTIVE_9f8e7d";

fn sources(store: &CredentialStore, info: &GatewayInfo) -> Vec<(&'static str, Source)> {
    store.status(info).unwrap().into_iter().map(|s| (s.field, s.source)).collect()
}

fn env_of(vars: &[(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> + Send + Sync + 'static {
    let vars: HashMap<String, String> = vars.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
    move |name| vars.get(name).cloned()
}

fn assert_hides(err: &CredentialError, value: &str) {
    assert!(!err.to_string().contains(value), "Display shows the value: {err}");
    assert!(!format!("{err:?}").contains(value), "Debug shows the value: {err:?}");
}

#[test]
fn store_is_send_and_sync() {
    fn check<T: Send + Sync>() {}
    check::<CredentialStore>();
}

#[test]
fn in_memory_round_trip() {
    let store = CredentialStore::in_memory();
    assert_eq!(store.load(&GW).unwrap().get("api_key"), None);
    store.set(&GW, "api_key", Secret::new(format!("{DISTINCTIVE}\n"))).unwrap();
    store.set(&GW, "merchant_id", Secret::new("m-42\r\n")).unwrap();
    let creds = store.load(&GW).unwrap();
    assert_eq!(creds.get("api_key").unwrap().expose(), DISTINCTIVE, "trailing newline trimmed");
    assert_eq!(creds.get("merchant_id").unwrap().expose(), "m-42");
    assert_eq!(creds.get("webhook_secret"), None);

    store.set(&GW, "api_key", Secret::new("replaced")).unwrap();
    assert_eq!(store.load(&GW).unwrap().get("api_key").unwrap().expose(), "replaced");

    assert_eq!(store.delete(&GW).unwrap(), 2);
    assert_eq!(store.delete(&GW).unwrap(), 0);
    assert_eq!(store.load(&GW).unwrap().get("api_key"), None);
    assert_eq!(store.load(&NO_FIELDS).unwrap().get("api_key"), None);
}

#[test]
fn gateways_do_not_share_entries() {
    let other = GatewayInfo { id: "othergw", ..GW };
    let store = CredentialStore::in_memory();
    store.set(&GW, "api_key", Secret::new("mine")).unwrap();
    assert_eq!(store.load(&other).unwrap().get("api_key"), None);
    assert_eq!(store.delete(&other).unwrap(), 0);
    assert_eq!(store.load(&GW).unwrap().get("api_key").unwrap().expose(), "mine");
}

#[test]
fn unknown_field_is_refused_and_lists_the_valid_ones() {
    let store = CredentialStore::in_memory();
    let err = store.set(&GW, "apikey", Secret::new(DISTINCTIVE)).unwrap_err();
    assert_eq!(
        err,
        CredentialError::UnknownField {
            gateway: "testgw",
            field: "apikey".into(),
            valid: vec!["api_key", "merchant_id", "webhook_secret"]
        }
    );
    assert_eq!(
        err.to_string(),
        "testgw has no credential 'apikey' (its fields are: api_key, merchant_id, webhook_secret)"
    );
    assert_hides(&err, DISTINCTIVE);
    let err = store.set(&NO_FIELDS, "api_key", Secret::new("x")).unwrap_err();
    assert_eq!(err.to_string(), "nofields has no credential 'api_key' (it needs no credentials)");
}

#[test]
fn bad_values_are_refused_without_echoing_them() {
    let store = CredentialStore::in_memory();
    let too_long = format!("{DISTINCTIVE}{}", "x".repeat(MAX_VALUE_BYTES));
    let cases = [
        (String::new(), "is empty"),
        ("\n".to_string(), "is empty"),
        (format!("{DISTINCTIVE}\n\n"), "control characters"),
        (format!("{DISTINCTIVE}\tmore"), "control characters"),
        (format!("{DISTINCTIVE}\u{7}"), "control characters"),
        (format!("{DISTINCTIVE}\u{85}"), "control characters"),
        (too_long, "at most 4096"),
    ];
    for (value, expected) in cases {
        let err = store.set(&GW, "api_key", Secret::new(value.clone())).unwrap_err();
        assert!(matches!(err, CredentialError::Invalid(_)), "{err:?}");
        assert!(err.to_string().contains(expected), "{value:?}: {err}");
        assert!(err.to_string().contains("testgw.api_key"), "{err}");
        assert_hides(&err, DISTINCTIVE);
    }
    assert_eq!(store.load(&GW).unwrap().get("api_key"), None, "nothing was stored");

    let longest = "k".repeat(MAX_VALUE_BYTES);
    store.set(&GW, "api_key", Secret::new(format!("{longest}\n"))).unwrap();
    assert_eq!(store.load(&GW).unwrap().get("api_key").unwrap().expose(), longest);
    store.set(&GW, "api_key", Secret::new("key with spaces and ünïcode")).unwrap();
}

#[test]
fn environment_wins_over_the_store() {
    let store = CredentialStore::in_memory().with_env(env_of(&[
        ("PAYDESK_TESTGW_API_KEY", "from-env\n"),
        ("PAYDESK_TESTGW_WEBHOOK_SECRET", ""),
        ("PAYDESK_OTHER_MERCHANT_ID", "not ours"),
    ]));
    store.set(&GW, "api_key", Secret::new("from-store")).unwrap();
    store.set(&GW, "merchant_id", Secret::new("m-1")).unwrap();
    let creds = store.load(&GW).unwrap();
    assert_eq!(creds.get("api_key").unwrap().expose(), "from-env");
    assert_eq!(creds.get("merchant_id").unwrap().expose(), "m-1");
    assert_eq!(creds.get("webhook_secret"), None, "an empty variable is unset");
    assert_eq!(
        sources(&store, &GW),
        [("api_key", Source::Env), ("merchant_id", Source::Keyring), ("webhook_secret", Source::NotSet)]
    );
    // Deleting clears the store, not the environment.
    assert_eq!(store.delete(&GW).unwrap(), 2);
    assert_eq!(store.load(&GW).unwrap().get("api_key").unwrap().expose(), "from-env");
}

#[test]
fn a_bad_environment_value_names_the_variable_not_the_value() {
    let store = CredentialStore::in_memory()
        .with_env(env_of(&[("PAYDESK_TESTGW_API_KEY", "sk_live_DISTINCTIVE_9f8e7d\u{1b}[0m")]));
    for err in [store.load(&GW).unwrap_err(), store.status(&GW).unwrap_err()] {
        assert!(err.to_string().starts_with("PAYDESK_TESTGW_API_KEY contains control characters"), "{err}");
        assert_hides(&err, DISTINCTIVE);
    }
}

#[test]
fn status_describes_fields_and_never_carries_values() {
    let store = CredentialStore::in_memory().with_env(env_of(&[("PAYDESK_TESTGW_MERCHANT_ID", DISTINCTIVE)]));
    store.set(&GW, "api_key", Secret::new(DISTINCTIVE)).unwrap();
    let status = store.status(&GW).unwrap();
    assert_eq!(
        status[0],
        FieldState { field: "api_key", label: "API key", secret: true, required: true, source: Source::Keyring }
    );
    assert_eq!(
        status[2],
        FieldState {
            field: "webhook_secret",
            label: "Webhook secret",
            secret: true,
            required: false,
            source: Source::NotSet
        }
    );
    assert_eq!(status[1].source, Source::Env);
    let json = serde_json::to_string(&status).unwrap();
    assert!(json.contains(r#""source":"keyring""#) && json.contains(r#""source":"env""#), "{json}");
    assert!(json.contains(r#""source":"not_set""#), "{json}");
    assert!(!json.contains(DISTINCTIVE) && !format!("{status:?}").contains(DISTINCTIVE));
    assert!(!format!("{store:?}").contains(DISTINCTIVE));
    assert!(store.status(&NO_FIELDS).unwrap().is_empty());
}

#[test]
fn keyring_errors_become_actionable_messages() {
    let io = |msg: &str| Box::new(std::io::Error::other(msg.to_string()));
    let locked = keyring_error(keyring::Error::NoStorageAccess(io("collection is locked")), &GW, "api_key");
    assert_eq!(
        locked,
        CredentialError::Unavailable(
            "the OS keyring cannot be used (collection is locked): start or unlock your keyring, or set \
             PAYDESK_TESTGW_API_KEY instead"
                .into()
        )
    );
    let no_service = keyring_error(keyring::Error::PlatformFailure(io("no secret service")), &GW, "merchant_id");
    assert!(matches!(&no_service, CredentialError::Unavailable(m) if m.contains("PAYDESK_TESTGW_MERCHANT_ID")));

    let garbled = keyring_error(keyring::Error::BadEncoding(DISTINCTIVE.as_bytes().to_vec()), &GW, "api_key");
    assert_eq!(
        garbled,
        CredentialError::Platform("the keyring entry for testgw.api_key is not text; set it again".into())
    );
    assert_hides(&garbled, DISTINCTIVE);
    assert!(format!("{garbled:?}").contains("Platform"));

    let ambiguous = keyring_error(keyring::Error::Ambiguous(Vec::new()), &GW, "api_key");
    assert!(ambiguous.to_string().contains("keyring entries match testgw.api_key"), "{ambiguous}");
    let too_long = keyring_error(keyring::Error::TooLong("service".into(), 255), &GW, "api_key");
    assert!(too_long.to_string().starts_with("the OS keyring failed: "), "{too_long}");
}

// Against the real OS keyring. Run them with `scripts/with-keyring cargo test -p paydesk-till
// credentials`, which sets PAYDESK_TEST_KEYRING=1 inside a throwaway unlocked keyring.

/// A store on the real keyring under a service name no other test or run uses, or `None` (with a
/// note) when the real-keyring tests are not asked for.
fn real_keyring(test: &str) -> Option<CredentialStore> {
    if std::env::var("PAYDESK_TEST_KEYRING").as_deref() != Ok("1") {
        eprintln!("note: real-keyring test {test} skipped; scripts/with-keyring sets PAYDESK_TEST_KEYRING=1 to run it");
        return None;
    }
    Some(real_store(test))
}

fn real_store(test: &str) -> CredentialStore {
    CredentialStore::os_keyring(format!("{DEFAULT_SERVICE}.test.{}.{test}", std::process::id())).with_env(|_| None)
}

/// Removes the test's entries even when an assertion fails halfway.
struct Cleanup<'a>(&'a CredentialStore);

impl Drop for Cleanup<'_> {
    fn drop(&mut self) {
        let _ = self.0.delete(&GW);
    }
}

#[test]
fn real_keyring_round_trip_across_store_instances() {
    let Some(store) = real_keyring("round_trip") else { return };
    let _cleanup = Cleanup(&store);
    let usable = "the keyring should be usable under scripts/with-keyring";
    assert_eq!(sources(&store, &GW).iter().filter(|(_, s)| *s != Source::NotSet).count(), 0);

    store.set(&GW, "api_key", Secret::new(format!("{DISTINCTIVE}\n"))).expect(usable);
    store.set(&GW, "merchant_id", Secret::new("m-42")).expect(usable);

    let fresh = real_store("round_trip");
    let creds = fresh.load(&GW).expect(usable);
    assert_eq!(creds.get("api_key").unwrap().expose(), DISTINCTIVE);
    assert_eq!(creds.get("merchant_id").unwrap().expose(), "m-42");
    assert_eq!(creds.get("webhook_secret"), None);
    assert_eq!(
        sources(&fresh, &GW),
        [("api_key", Source::Keyring), ("merchant_id", Source::Keyring), ("webhook_secret", Source::NotSet)]
    );

    store.set(&GW, "api_key", Secret::new("rotated")).expect(usable);
    assert_eq!(fresh.load(&GW).unwrap().get("api_key").unwrap().expose(), "rotated", "set replaces");

    let overridden = real_store("round_trip").with_env(env_of(&[("PAYDESK_TESTGW_API_KEY", "from-env")]));
    assert_eq!(overridden.load(&GW).unwrap().get("api_key").unwrap().expose(), "from-env");
    assert_eq!(sources(&overridden, &GW)[0], ("api_key", Source::Env));

    assert_eq!(fresh.delete(&GW).expect(usable), 2);
    assert!(store.load(&GW).unwrap().get("api_key").is_none());
    assert!(store.load(&GW).unwrap().get("merchant_id").is_none());
    assert!(sources(&store, &GW).iter().all(|(_, s)| *s == Source::NotSet));
    assert_eq!(store.delete(&GW).unwrap(), 0, "deleting nothing is fine");
}

#[test]
fn real_keyring_services_are_separate() {
    let Some(store) = real_keyring("services_a") else { return };
    let other = real_store("services_b");
    let (_a, _b) = (Cleanup(&store), Cleanup(&other));
    store.set(&GW, "webhook_secret", Secret::new("whsec_a")).expect("the keyring should be usable");
    assert_eq!(other.load(&GW).unwrap().get("webhook_secret"), None);
    assert_eq!(other.delete(&GW).unwrap(), 0);
    assert_eq!(store.load(&GW).unwrap().get("webhook_secret").unwrap().expose(), "whsec_a");
    assert_eq!(store.delete(&GW).unwrap(), 1);
}
