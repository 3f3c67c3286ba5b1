//! What the hostile-input tests share: the simulator's accounts and what every answer must satisfy.

pub mod answers;

use paydesk_gateways::gateway::{CreatedInvoice, Credentials, GatewayError, GatewayInfo, Knobs, StatusReport};
use paydesk_gateways::http::check_pay_link;
use paydesk_gateways::registry;
use paydesk_gateways::secret::Secret;
use proptest::prelude::*;

pub fn config() -> ProptestConfig {
    let cases = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(256);
    ProptestConfig { cases, ..ProptestConfig::default() }
}

// ---------------------------------------------------------------------------------------------
// Credentials and knobs: the simulator's accounts, so one list serves parsers and live calls.

pub fn info(id: &str) -> &'static GatewayInfo {
    registry().into_iter().map(|g| g.info()).find(|i| i.id == id).expect("a registered gateway")
}

/// The simulator's credentials for `id`, plus any extra fields (a pasted token).
pub fn creds(id: &str, extra: &[(&str, &str)]) -> Credentials {
    let mut creds = Credentials::default();
    for (field, value) in paydesk_gatewaysim::gateways::credentials(id).iter().chain(extra) {
        creds.insert(field, Secret::new(*value));
    }
    creds
}

/// The values of `id`'s secret fields, which no error may carry.
pub fn secrets(id: &str, creds: &Credentials) -> Vec<String> {
    info(id).fields.iter().filter(|f| f.secret).filter_map(|f| creds.get(f.name)).map(|s| s.expose().into()).collect()
}

pub fn knobs(id: &str, overrides: &[(&str, &str)]) -> Knobs {
    Knobs::resolve(info(id), |n| overrides.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()))
}

/// Every secret value any gateway's test account has, for strategies to splice into answers.
pub fn all_secrets() -> Vec<String> {
    registry().iter().map(|g| g.info().id).flat_map(|id| secrets(id, &creds(id, &[]))).collect()
}

// ---------------------------------------------------------------------------------------------
// What every answer must satisfy

pub fn assert_clean_error(gateway: &str, e: &GatewayError, secrets: &[String]) {
    for shown in [e.to_string(), format!("{e:?}")] {
        for secret in secrets {
            assert!(!shown.contains(secret.as_str()), "{gateway}: an error carries a credential: {shown}");
        }
    }
}

pub fn check_created(gateway: &str, result: Result<CreatedInvoice, GatewayError>, secrets: &[String]) {
    match result {
        Ok(created) => {
            assert!(check_pay_link(&created.pay_link).is_ok(), "{gateway} accepted the pay link {:?}", created.pay_link)
        }
        Err(e) => assert_clean_error(gateway, &e, secrets),
    }
}

pub fn check_status(gateway: &str, result: Result<StatusReport, GatewayError>, secrets: &[String]) {
    if let Err(e) = result {
        assert_clean_error(gateway, &e, secrets);
    }
}
