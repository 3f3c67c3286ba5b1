//! OxaPay's payment callbacks (gateways.md §3.3): header `HMAC` =
//! lowercase_hex(HMAC-SHA512(merchant_api_key, raw body)), for both API generations. v1 bodies are
//! snake_case (`order_id`, `track_id`), legacy ones camelCase (`orderId`, `trackId`); both carry
//! `status`, read with the polls' [`map_status`] (and v1's expired-with-transactions rule).

use super::{map_status, v1, INFO};
use crate::callback::check_hex;
use crate::gateway::*;
use crate::sign::hmac_sha512_hex;
use paydesk_money::InvoiceStatus;
use serde_json::Value;

/// A string, or a number as its text (track ids arrive both ways).
fn text(body: &Value, names: [&str; 2]) -> Option<String> {
    names.iter().find_map(|name| match body.get(name)? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

/// The callback's status in the polls' terms. The docs' callback sample writes `Paid` where a v1
/// poll answers `paid`, so a word the mapping does not know as sent is tried in lower case: a
/// v1 `Paying` callback then reads as the `paying` poll does.
fn report(status: String, has_txs: bool) -> StatusReport {
    let lower = status.to_ascii_lowercase();
    if map_status(&status) == InvoiceStatus::Unknown && map_status(&lower) != InvoiceStatus::Unknown {
        let mut report = v1::payment_report(lower, has_txs);
        if report.gateway_status != v1::EXPIRED_WITH_PAYMENT {
            report.gateway_status = status;
        }
        return report;
    }
    v1::payment_report(status, has_txs)
}

pub(super) fn verify(creds: &Credentials, callback: &Callback<'_>) -> Result<CallbackReport, GatewayError> {
    let key = creds.require(INFO.id, "merchant_api_key")?.expose();
    let signature = callback.signed_header(INFO.name, "HMAC")?;
    check_hex(&hmac_sha512_hex(key.as_bytes(), callback.body), signature, INFO.name, "HMAC header")?;
    let body: Value = callback.json(INFO.name)?;
    let status = body.get("status").and_then(Value::as_str).ok_or_else(|| {
        GatewayError::BadResponse(format!("the {} callback verified, but it has no status", INFO.name))
    })?;
    let has_txs = body.get("txs").and_then(Value::as_array).is_some_and(|txs| !txs.is_empty());
    Ok(CallbackReport {
        order_id: text(&body, ["order_id", "orderId"]),
        gateway_invoice_id: text(&body, ["track_id", "trackId"]),
        report: report(status.to_string(), has_txs),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;

    /// §3.3's worked example.
    const BODY: &str = r#"{"type":"invoice","status":"Paid"}"#;
    const HMAC: &str = "e553c68aeb521038e1727f0ac5dfd569b1163ef7c732af6f3091ceb112e45d05a76b9ac5b59bfe9624e06daca87c9a9ac589dd106ee182031c728717c3381b90";
    const KEY: &str = "TEST-MERCHANT-API-KEY";

    fn check(key: &str, header: Option<(&str, &str)>, body: &str) -> Result<CallbackReport, GatewayError> {
        let mut creds = Credentials::default();
        creds.insert("merchant_api_key", Secret::new(key));
        let headers: Vec<(String, String)> = header.into_iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        verify(&creds, &Callback { headers: &headers, body: body.as_bytes() })
    }

    fn signed(body: &str) -> Result<CallbackReport, GatewayError> {
        check(KEY, Some(("hmac", &hmac_sha512_hex(KEY.as_bytes(), body.as_bytes()))), body)
    }

    #[test]
    fn the_worked_example_verifies() {
        let report = check(KEY, Some(("HMAC", HMAC)), BODY).unwrap();
        assert_eq!((report.order_id, report.gateway_invoice_id), (None, None));
        assert_eq!((report.report.status, report.report.gateway_status.as_str()), (InvoiceStatus::Paid, "Paid"));
        assert!(check(KEY, Some(("Hmac", &HMAC.to_uppercase())), BODY).is_ok());
    }

    #[test]
    fn a_changed_byte_a_wrong_key_or_a_missing_header_is_refused() {
        let bad = |result: Result<CallbackReport, GatewayError>| {
            assert!(matches!(result, Err(GatewayError::BadSignature(_))), "{result:?}");
        };
        bad(check(KEY, Some(("HMAC", HMAC)), &BODY.replace("Paid", "Pai d")));
        bad(check(KEY, Some(("HMAC", HMAC)), &BODY.replace("Paid", "Paie")));
        bad(check("TEST-MERCHANT-API-KEX", Some(("HMAC", HMAC)), BODY));
        bad(check(KEY, Some(("HMAC", &HMAC[..64])), BODY));
        bad(check(KEY, Some(("X-HMAC", HMAC)), BODY));
        bad(check(KEY, None, BODY));
    }

    #[test]
    fn both_generations_read_as_their_polls_do() {
        let v1 = signed(r#"{"type":"invoice","track_id":"193139644","order_id":"A-17","status":"paying"}"#).unwrap();
        assert_eq!((v1.order_id.as_deref(), v1.gateway_invoice_id.as_deref()), (Some("A-17"), Some("193139644")));
        assert_eq!(v1.report.status, InvoiceStatus::Confirming);
        let capital = signed(r#"{"track_id":"1","status":"Paying"}"#).unwrap().report;
        assert_eq!((capital.status, capital.gateway_status.as_str()), (InvoiceStatus::Confirming, "Paying"));
        let legacy = signed(r#"{"type":"payment","trackId":25,"orderId":"A-18","status":"Confirming"}"#).unwrap();
        assert_eq!((legacy.order_id.as_deref(), legacy.gateway_invoice_id.as_deref()), (Some("A-18"), Some("25")));
        assert_eq!(legacy.report.status, InvoiceStatus::Confirming);
        let late = signed(r#"{"track_id":"9","status":"expired","txs":[{"tx_hash":"ab"}]}"#).unwrap().report;
        assert_eq!((late.status, late.gateway_status.as_str()), (InvoiceStatus::Unknown, v1::EXPIRED_WITH_PAYMENT));
        assert_eq!(signed(r#"{"status":"refunded"}"#).unwrap().report.status, InvoiceStatus::Unknown);
        assert!(matches!(signed(r#"{"track_id":"9"}"#), Err(GatewayError::BadResponse(_))));
        assert!(matches!(signed("[1,"), Err(GatewayError::BadResponse(_))));
    }
}
