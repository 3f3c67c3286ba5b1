//! NonStoPay's callback (gateways.md §5.4): a JSON POST to the URL set in its dashboard, with an
//! `X-Signature` header whose algorithm the docs' lost PHP snippet held [G]. The guess lives in
//! one place, the `callback_signature` knob: `hmac-sha256-hex` (the default: lowercase hex
//! HMAC-SHA256 of the raw body keyed with the API key) or `hmac-sha512-hex`.
//!
//! The body's `status` (`invoice:paid`, …) is read with the polls' [`map_status`]; our order id
//! comes back in `callbackJson`, read as the invoice-info answer's is; NonStoPay's invoice id is
//! `invoice_id` or `id` (the id its status call takes).

use super::codes::map_status;
use super::wire::InfoData;
use super::INFO;
use crate::callback::check_hex;
use crate::gateway::*;
use crate::sign::{hmac_sha256_hex, hmac_sha512_hex};
use serde_json::Value;

/// The knob that names the `X-Signature` algorithm, and the values it takes.
pub const SIGNATURE_KNOB: &str = "callback_signature";
pub const HMAC_SHA256_HEX: &str = "hmac-sha256-hex";
pub const HMAC_SHA512_HEX: &str = "hmac-sha512-hex";

/// `X-Signature` for these body bytes under the scheme the knob names.
pub fn callback_signature(scheme: &str, api_key: &str, body: &[u8]) -> Result<String, GatewayError> {
    match scheme {
        HMAC_SHA256_HEX => Ok(hmac_sha256_hex(api_key.as_bytes(), body)),
        HMAC_SHA512_HEX => Ok(hmac_sha512_hex(api_key.as_bytes(), body)),
        other => Err(GatewayError::Unsupported(format!(
            "the NonStoPay '{SIGNATURE_KNOB}' knob must be '{HMAC_SHA256_HEX}' or '{HMAC_SHA512_HEX}', not '{other}'"
        ))),
    }
}

/// A string, or a number as its text (ids arrive both ways).
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn verify(
    creds: &Credentials,
    knobs: &Knobs,
    callback: &Callback<'_>,
) -> Result<CallbackReport, GatewayError> {
    let api_key = creds.require(INFO.id, "api_key")?.expose();
    let expected = callback_signature(knobs.get(SIGNATURE_KNOB), api_key, callback.body)?;
    let signature = callback.signed_header(INFO.name, "X-Signature")?;
    check_hex(&expected, signature, INFO.name, "X-Signature")?;
    let body: Value = callback.json(INFO.name)?;
    // The fields at the top, or (shaped like the invoice-info answer) under `data`.
    let fields = body.get("data").filter(|d| d.get("status").is_some()).unwrap_or(&body);
    let status = fields.get("status").and_then(Value::as_str).ok_or_else(|| {
        GatewayError::BadResponse(format!("the {} callback verified, but it has no status", INFO.name))
    })?;
    let gateway_invoice_id =
        text(body.get("invoice_id")).or_else(|| text(fields.get("invoice_id"))).or_else(|| text(fields.get("id")));
    let info = InfoData {
        id: gateway_invoice_id.clone().unwrap_or_default(),
        status: status.to_string(),
        callback_json: fields.get("callbackJson").cloned(),
    };
    Ok(CallbackReport {
        order_id: info.order_id(),
        gateway_invoice_id,
        report: StatusReport { status: map_status(&info.status), gateway_status: info.status },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use paydesk_money::InvoiceStatus;

    const KEY: &str = "TEST_NONSTOPAY_KEY";
    const BODY: &str =
        r#"{"invoice_id":"1689","status":"invoice:paid","callbackJson":"{\"order_id\":\"PD-42\"}","amount":"4"}"#;
    /// python3: hmac.new(b"TEST_NONSTOPAY_KEY", BODY, hashlib.sha256).hexdigest(), for the guessed scheme.
    const SIGNATURE: &str = "c7b37c751da08d3035e56fd44807c984f551956877acf162da084e2eb82444e4";

    fn check(
        scheme: Option<&str>,
        key: &str,
        header: Option<&str>,
        body: &str,
    ) -> Result<CallbackReport, GatewayError> {
        let mut creds = Credentials::default();
        creds.insert("api_key", Secret::new(key));
        let knobs = Knobs::resolve(&INFO, |n| scheme.filter(|_| n == SIGNATURE_KNOB).map(str::to_string));
        let headers: Vec<(String, String)> =
            header.into_iter().map(|h| ("x-signature".to_string(), h.to_string())).collect();
        verify(&creds, &knobs, &Callback { headers: &headers, body: body.as_bytes() })
    }

    fn signed(body: &str) -> Result<CallbackReport, GatewayError> {
        check(None, KEY, Some(&hmac_sha256_hex(KEY.as_bytes(), body.as_bytes())), body)
    }

    #[test]
    fn the_guessed_scheme_verifies_and_reads_our_order_id() {
        assert_eq!(hmac_sha256_hex(KEY.as_bytes(), BODY.as_bytes()), SIGNATURE);
        let report = check(None, KEY, Some(SIGNATURE), BODY).unwrap();
        assert_eq!((report.order_id.as_deref(), report.gateway_invoice_id.as_deref()), (Some("PD-42"), Some("1689")));
        assert_eq!(
            (report.report.status, report.report.gateway_status.as_str()),
            (InvoiceStatus::Paid, "invoice:paid")
        );
    }

    #[test]
    fn the_knob_switches_the_algorithm_and_refuses_unknown_ones() {
        let sha512 = hmac_sha512_hex(KEY.as_bytes(), BODY.as_bytes());
        assert!(check(Some(HMAC_SHA512_HEX), KEY, Some(&sha512), BODY).is_ok());
        assert!(matches!(check(None, KEY, Some(&sha512), BODY), Err(GatewayError::BadSignature(_))));
        assert!(matches!(check(Some(HMAC_SHA512_HEX), KEY, Some(SIGNATURE), BODY), Err(GatewayError::BadSignature(_))));
        assert!(matches!(check(Some("md5"), KEY, Some(SIGNATURE), BODY), Err(GatewayError::Unsupported(_))));
        let doubt = INFO.knobs.iter().find(|k| k.name == SIGNATURE_KNOB).unwrap();
        assert_eq!(doubt.default, HMAC_SHA256_HEX);
        assert!(doubt.doubt.contains("guess"));
    }

    #[test]
    fn a_changed_byte_a_wrong_key_or_a_missing_header_is_refused() {
        let bad = |result: Result<CallbackReport, GatewayError>| {
            assert!(matches!(result, Err(GatewayError::BadSignature(_))), "{result:?}");
        };
        bad(check(None, KEY, Some(SIGNATURE), &BODY.replace("paid", "pain")));
        bad(check(None, "TEST_NONSTOPAY_KEX", Some(SIGNATURE), BODY));
        bad(check(None, KEY, None, BODY));
        bad(check(None, KEY, Some(""), BODY));
    }

    #[test]
    fn shapes_ids_and_statuses_read_as_the_polls_do() {
        let numeric = signed(r#"{"id":1736,"status":"invoice:expired"}"#).unwrap();
        assert_eq!((numeric.order_id, numeric.gateway_invoice_id.as_deref()), (None, Some("1736")));
        assert_eq!(numeric.report.status, InvoiceStatus::Expired);
        let nested = signed(
            r#"{"errorCode":0,"invoice_id":"1689","data":{"status":"invoice:created","id":1736,"callbackJson":{"order_id":"PD-9"}}}"#,
        )
        .unwrap();
        assert_eq!((nested.order_id.as_deref(), nested.gateway_invoice_id.as_deref()), (Some("PD-9"), Some("1689")));
        assert_eq!(nested.report.status, InvoiceStatus::Pending);
        assert_eq!(signed(r#"{"id":"1","status":"PAID"}"#).unwrap().report.status, InvoiceStatus::Unknown);
        assert!(matches!(signed(r#"{"id":"1"}"#), Err(GatewayError::BadResponse(_))));
    }
}
