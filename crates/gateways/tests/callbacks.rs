//! Every gateway's `verify_callback` against callbacks the simulator signs from gateways.md:
//! the two sides are written apart, so a callback that verifies proves they read the document
//! alike. And no failed check ever prints a secret or a signature.

use paydesk_gateways::gateway::{Credentials, Gateway, GatewayError, Knobs};
use paydesk_gateways::secret::Secret;
use paydesk_gateways::{registry, Callback, CallbackReport};
use paydesk_gatewaysim::callbacks::{self, SignedCallback};
use paydesk_money::InvoiceStatus;
use std::sync::Arc;

fn gateway(id: &str) -> Arc<dyn Gateway> {
    registry().into_iter().find(|g| g.info().id == id).unwrap()
}

/// The simulated account's value of a credential.
fn cred(id: &str, field: &str) -> &'static str {
    paydesk_gatewaysim::gateways::credentials(id).iter().find(|(f, _)| *f == field).unwrap().1
}

fn sim_creds(id: &str) -> Credentials {
    let mut creds = Credentials::default();
    for (field, value) in paydesk_gatewaysim::gateways::credentials(id) {
        creds.insert(field, Secret::new(*value));
    }
    creds
}

fn verify_with(id: &str, creds: &Credentials, cb: &SignedCallback) -> Result<CallbackReport, GatewayError> {
    let gw = gateway(id);
    let knobs = Knobs::resolve(gw.info(), |_| None);
    gw.verify_callback(creds, &knobs, &Callback { headers: &cb.headers, body: &cb.body })
}

fn verify(id: &str, cb: &SignedCallback) -> CallbackReport {
    verify_with(id, &sim_creds(id), cb).unwrap_or_else(|e| panic!("{id}: {e}"))
}

fn ids(report: &CallbackReport) -> (Option<&str>, Option<&str>) {
    (report.order_id.as_deref(), report.gateway_invoice_id.as_deref())
}

#[test]
fn dex3_verifies_the_simulators_webhook() {
    let (public, private) = (cred("dex3", "merchant_public"), cred("dex3", "merchant_private"));
    let report = verify("dex3", &callbacks::dex3("PD-1", "EKKsim1", 1234, "0xabc123", public, private));
    // payment_id is outside Dex3's signature, so it is not reported.
    assert_eq!(ids(&report), (Some("PD-1"), None));
    assert_eq!(report.report.status, InvoiceStatus::Paid);
}

#[test]
fn thedex_verifies_the_simulators_callback() {
    let (key, secret) = (cred("thedex", "api_key"), cred("thedex", "secret_key"));
    let report = verify("thedex", &callbacks::thedex("PD-2", "INV-2", 3, "Successful", key, secret));
    assert_eq!(ids(&report), (Some("PD-2"), Some("INV-2")));
    assert_eq!((report.report.status, report.report.gateway_status.as_str()), (InvoiceStatus::Paid, "3 Successful"));
    let under = verify("thedex", &callbacks::thedex("PD-2", "INV-2", 5, "Underpaid", key, secret));
    assert_eq!(under.report.status, InvoiceStatus::Underpaid);
}

#[test]
fn oxapay_verifies_the_simulators_callback() {
    let key = cred("oxapay", "merchant_api_key");
    let report = verify("oxapay", &callbacks::oxapay("PD-3", "193139644", "Paid", key));
    assert_eq!(ids(&report), (Some("PD-3"), Some("193139644")));
    assert_eq!(report.report.status, InvoiceStatus::Paid);
    let paying = verify("oxapay", &callbacks::oxapay("PD-3", "193139644", "Paying", key));
    assert_eq!(paying.report.status, InvoiceStatus::Confirming);
}

#[test]
fn pay3_verifies_the_simulators_webhook() {
    let secret = cred("pay3", "webhook_secret");
    let failed = verify("pay3", &callbacks::pay3("PD-4", "P3-4", "FAILED", secret));
    assert_eq!(ids(&failed), (Some("PD-4"), Some("P3-4")));
    assert_eq!(failed.report.status, InvoiceStatus::Failed);
    // A webhook names no amount: COMPLETED stays to be confirmed by a poll, which compares it.
    let completed = verify("pay3", &callbacks::pay3("PD-4", "P3-4", "COMPLETED", secret));
    assert_eq!(completed.report.status, InvoiceStatus::Confirming);
    assert!(completed.report.gateway_status.starts_with("COMPLETED"));
    let waiting = verify("pay3", &callbacks::pay3("PD-4", "P3-4", "ORDER_PAYMENT_AWAITING", secret));
    assert_eq!(waiting.report.status, InvoiceStatus::Pending);
}

#[test]
fn nonstopay_verifies_the_simulators_callback() {
    let key = cred("nonstopay", "api_key");
    let report = verify("nonstopay", &callbacks::nonstopay("PD-5", 1689, "invoice:paid", key));
    assert_eq!(ids(&report), (Some("PD-5"), Some("1689")));
    assert_eq!(report.report.status, InvoiceStatus::Paid);
}

#[test]
fn demo_sends_no_callbacks() {
    let cb = callbacks::oxapay_signed(b"{}".to_vec(), "k");
    assert!(matches!(verify_with("demo", &Credentials::default(), &cb), Err(GatewayError::Unsupported(_))));
}

/// A run of 32 or more hex digits: a key or signature, which no error text may hold.
fn has_hex_run(text: &str) -> bool {
    text.split(|c: char| !c.is_ascii_hexdigit()).any(|run| run.len() >= 32)
}

#[test]
fn no_failed_check_prints_a_secret_or_a_signature() {
    let signed: Vec<(&str, SignedCallback)> = vec![
        (
            "dex3",
            callbacks::dex3(
                "PD-1",
                "EKK",
                100,
                "0xab",
                cred("dex3", "merchant_public"),
                cred("dex3", "merchant_private"),
            ),
        ),
        (
            "thedex",
            callbacks::thedex("PD-2", "INV", 3, "Successful", cred("thedex", "api_key"), cred("thedex", "secret_key")),
        ),
        ("oxapay", callbacks::oxapay("PD-3", "1", "Paid", cred("oxapay", "merchant_api_key"))),
        ("pay3", callbacks::pay3("PD-4", "P3", "COMPLETED", cred("pay3", "webhook_secret"))),
        ("nonstopay", callbacks::nonstopay("PD-5", 7, "invoice:paid", cred("nonstopay", "api_key"))),
    ];
    let mut checked = 0;
    for (id, cb) in signed {
        // The account's own secrets, and wrong ones of the same fields.
        let wrong: Vec<(&str, String)> = paydesk_gatewaysim::gateways::credentials(id)
            .iter()
            .map(|(field, _)| (*field, format!("WRONG-SECRET-{id}-{field}")))
            .collect();
        let mut wrong_creds = Credentials::default();
        for (field, value) in &wrong {
            wrong_creds.insert(field, Secret::new(value.as_str()));
        }
        let mut tampered = cb.clone();
        // Inside what every scheme signs (Dex3's and Pay3's bodies end in their signature).
        let at = tampered.body.len() - 3;
        tampered.body[at] ^= 0x01;
        let mut no_headers = cb.clone();
        no_headers.headers.retain(|(k, _)| k.eq_ignore_ascii_case("content-type"));
        let mut bad_header = cb.clone();
        for (k, v) in bad_header.headers.iter_mut().filter(|(k, _)| !k.eq_ignore_ascii_case("content-type")) {
            *v = format!("{v}0");
            assert!(!k.is_empty());
        }
        let cases = [
            verify_with(id, &wrong_creds, &cb),
            verify_with(id, &sim_creds(id), &tampered),
            verify_with(id, &sim_creds(id), &no_headers),
            verify_with(id, &sim_creds(id), &bad_header),
            verify_with(
                id,
                &sim_creds(id),
                &SignedCallback { headers: cb.headers.clone(), body: b"not json".to_vec() },
            ),
        ];
        for (n, result) in cases.into_iter().enumerate() {
            let err = match result {
                Err(err) => err,
                // Dex3 and Pay3 carry the signature in the body: headers change nothing.
                Ok(_) if matches!(n, 2 | 3) && matches!(id, "dex3" | "pay3") => continue,
                Ok(report) => panic!("{id} case {n} verified: {report:?}"),
            };
            assert!(matches!(err, GatewayError::BadSignature(_)), "{id} case {n}: {err:?}");
            for text in [err.to_string(), format!("{err:?}")] {
                for (_, value) in paydesk_gatewaysim::gateways::credentials(id) {
                    // Not-secret identifiers (an email, a currency id) may be short or public.
                    if value.len() >= 8 {
                        assert!(!text.contains(value), "{id} case {n} prints a credential: {text}");
                    }
                }
                for (_, value) in &wrong {
                    assert!(!text.contains(value.as_str()), "{id} case {n} prints a credential: {text}");
                }
                assert!(!has_hex_run(&text), "{id} case {n} prints a signature: {text}");
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 5 * 5 - 2 * 2);
}
