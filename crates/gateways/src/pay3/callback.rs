//! Pay3's webhook (gateways.md §4.5): a POST of `{"payload": "<JWT>"}`, the JWT signed HS384
//! (HMAC-SHA384) with the webhook secret Pay3 hands out at onboarding (the `webhook_secret`
//! credential). The algorithm is pinned: a token whose header names anything but HS384 (`none`,
//! HS256, RS256, …) is refused before any MAC is computed.
//!
//! Two claim shapes are documented and both are read. The docs' text shows a nested
//! `{requestId, data: {orderType, orderId, orderStatus}, type, error?}`, whose `requestId` is our
//! order id; their sample token carries a flat `{orderType, orderId, orderStatus, offerId}`, which
//! names only Pay3's `orderId`. The status goes through the same reading as a poll's order. A
//! webhook carries no amount paid, so a COMPLETED one is not taken as paid (a poll compares the
//! amount, since Pay3 completes an under-payment within its tolerance too).

use super::answers::order_report;
use super::wire::{ErrorReason, Order};
use super::INFO;
use crate::gateway::*;
use crate::sign::{base64_url_decode, hmac_sha384, same};
use serde::Deserialize;
use serde_json::Value;

/// The one algorithm Pay3's webhook tokens are accepted in.
pub const WEBHOOK_ALG: &str = "HS384";

fn bad(what: &str) -> GatewayError {
    GatewayError::BadSignature(format!("the {} callback's {what}", INFO.name))
}

/// The claims of `token` if it is a JWT signed HS384 with `secret`, else the BadSignature that
/// names the failed check. Claims that verify but cannot be decoded are a BadResponse.
pub fn verify_hs384(token: &str, secret: &[u8]) -> Result<Value, GatewayError> {
    let mut parts = token.trim().split('.');
    let (Some(head), Some(claims), Some(signature), None) = (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(bad("payload is not a JWT of three parts"));
    };
    let header: Value = base64_url_decode(head)
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| bad("JWT header cannot be read"))?;
    if header.get("alg").and_then(Value::as_str) != Some(WEBHOOK_ALG) {
        return Err(bad("JWT is not signed with HS384, the only algorithm accepted"));
    }
    if header.get("crit").is_some() {
        return Err(bad("JWT header demands extensions Paydesk does not know"));
    }
    let signature = base64_url_decode(signature).ok_or_else(|| bad("JWT signature cannot be read"))?;
    let expected = hmac_sha384(secret, format!("{head}.{claims}").as_bytes());
    if !same(&expected, &signature) {
        return Err(bad("JWT signature does not match"));
    }
    base64_url_decode(claims).and_then(|bytes| serde_json::from_slice(&bytes).ok()).ok_or_else(|| {
        GatewayError::BadResponse(format!("the {} callback's JWT verified, but its claims are not JSON", INFO.name))
    })
}

#[derive(Deserialize)]
struct Envelope {
    payload: String,
}

/// The nested shape's `error`, `{code, message}`.
#[derive(Deserialize)]
struct WebhookError {
    #[serde(default)]
    code: Value,
    #[serde(default)]
    message: Option<String>,
}

/// Our order id and the order, from either shape.
fn read_claims(claims: Value) -> Result<(Option<String>, Order), GatewayError> {
    let unreadable = || {
        GatewayError::BadResponse(format!(
            "the {} callback verified, but its claims are neither documented shape (no orderStatus)",
            INFO.name
        ))
    };
    let Some(data) = claims.get("data").filter(|d| d.is_object()) else {
        // Flat: the claims are the order itself.
        let order: Order = serde_json::from_value(claims).map_err(|_| unreadable())?;
        return Ok((order.request_id.clone(), order));
    };
    let mut order: Order = serde_json::from_value(data.clone()).map_err(|_| unreadable())?;
    let request_id = claims.get("requestId").and_then(Value::as_str).map(str::to_string);
    order.request_id = order.request_id.or(request_id);
    if order.error_reason.is_none() {
        if let Some(error) = claims.get("error").and_then(|e| serde_json::from_value::<WebhookError>(e.clone()).ok()) {
            let error_code = match error.code {
                Value::String(s) => Some(s),
                Value::Number(n) => Some(n.to_string()),
                _ => None,
            };
            order.error_reason = Some(ErrorReason { error_code, error_desc: error.message });
        }
    }
    Ok((order.request_id.clone(), order))
}

pub(super) fn verify(
    creds: &Credentials,
    knobs: &Knobs,
    callback: &Callback<'_>,
) -> Result<CallbackReport, GatewayError> {
    let secret = creds.require(INFO.id, "webhook_secret")?.expose();
    if secret.is_empty() {
        return Err(GatewayError::MissingCredential { gateway: INFO.id.into(), field: "webhook_secret".into() });
    }
    // The signature is inside the body: a body without a token cannot even be checked.
    let envelope: Envelope =
        serde_json::from_slice(callback.body).map_err(|_| bad("body is not {\"payload\": \"<JWT>\"}"))?;
    let claims = verify_hs384(&envelope.payload, secret.as_bytes())?;
    let (order_id, order) = read_claims(claims)?;
    Ok(CallbackReport {
        order_id,
        gateway_invoice_id: order.order_id.clone(),
        report: order_report(&order, creds, knobs.get("paid_amount_field"), None),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use crate::sign::base64_url_encode;
    use paydesk_money::InvoiceStatus;

    /// §4.5's test vector (flat shape).
    const JWT: &str = "eyJhbGciOiJIUzM4NCJ9.eyJvcmRlclR5cGUiOiJGSUFUIiwib3JkZXJJZCI6IjdhZWQwNjRiLWNiMmQtNDJmOC05NTYwLTc3NDEzZGNjNWZjNCIsIm9yZGVyU3RhdHVzIjoiQ09NUExFVEVEIiwib2ZmZXJJZCI6IjMzMGNkNGJiLTE4YTUtNGVkZC1hMWY0LWNkMzczMzU2ZGEwOCJ9.zS3yLrR6PSWniJLajpj2Uwm-8iYK5x4Xr8pITpAF2iVqovMwibdwiycGcx8fiFQD";
    const SECRET: &str = "TEST_WEBHOOK_SECRET";

    fn creds(secret: Option<&str>) -> Credentials {
        let mut c = Credentials::default();
        c.insert("client_id", Secret::new("client"));
        if let Some(secret) = secret {
            c.insert("webhook_secret", Secret::new(secret));
        }
        c
    }

    fn check(secret: Option<&str>, body: &str) -> Result<CallbackReport, GatewayError> {
        let knobs = Knobs::resolve(&INFO, |_| None);
        verify(&creds(secret), &knobs, &Callback { headers: &[], body: body.as_bytes() })
    }

    fn body(jwt: &str) -> String {
        format!(r#"{{"payload":"{jwt}"}}"#)
    }

    fn token(header: &str, claims: &str, secret: &str) -> String {
        let signed = format!("{}.{}", base64_url_encode(header.as_bytes()), base64_url_encode(claims.as_bytes()));
        format!("{signed}.{}", base64_url_encode(&hmac_sha384(secret.as_bytes(), signed.as_bytes())))
    }

    fn bad_signature(result: Result<CallbackReport, GatewayError>) {
        assert!(matches!(result, Err(GatewayError::BadSignature(_))), "{result:?}");
    }

    #[test]
    fn the_test_vector_verifies_and_names_only_pay3s_order_id() {
        let report = check(Some(SECRET), &body(JWT)).unwrap();
        assert_eq!(report.order_id, None);
        assert_eq!(report.gateway_invoice_id.as_deref(), Some("7aed064b-cb2d-42f8-9560-77413dcc5fc4"));
        // No amount in a webhook: COMPLETED waits for a poll to compare what was paid.
        assert_eq!(report.report.status, InvoiceStatus::Confirming);
        assert!(report.report.gateway_status.starts_with("COMPLETED"), "{}", report.report.gateway_status);
        let rebuilt = token(
            r#"{"alg":"HS384"}"#,
            r#"{"orderType":"FIAT","orderId":"7aed064b-cb2d-42f8-9560-77413dcc5fc4","orderStatus":"COMPLETED","offerId":"330cd4bb-18a5-4edd-a1f4-cd373356da08"}"#,
            SECRET,
        );
        assert_eq!(rebuilt, JWT);
    }

    #[test]
    fn the_nested_shape_names_our_order_id_and_folds_in_its_error() {
        let claims = r#"{"requestId":"PD-7","data":{"orderType":"CHECKOUT","orderId":"P3-1","orderStatus":"FAILED"},"type":"pay3-sdk-transaction-status","error":{"code":9004,"message":"declined"}}"#;
        let report = check(Some(SECRET), &body(&token(r#"{"alg":"HS384"}"#, claims, SECRET))).unwrap();
        assert_eq!((report.order_id.as_deref(), report.gateway_invoice_id.as_deref()), (Some("PD-7"), Some("P3-1")));
        assert_eq!(report.report.status, InvoiceStatus::Failed);
        assert_eq!(report.report.gateway_status, "FAILED (9004: declined)");
        let awaiting = claims.replace("FAILED", "ORDER_PAYMENT_AWAITING");
        let report = check(Some(SECRET), &body(&token(r#"{"alg":"HS384"}"#, &awaiting, SECRET))).unwrap();
        assert_eq!(report.report.status, InvoiceStatus::Pending);
    }

    #[test]
    fn a_changed_byte_a_wrong_secret_or_another_algorithm_is_refused() {
        let (head, rest) = JWT.split_once('.').unwrap();
        let (claims, signature) = rest.split_once('.').unwrap();
        let mut changed = claims.to_string().into_bytes();
        changed[10] = if changed[10] == b'A' { b'B' } else { b'A' };
        let changed = String::from_utf8(changed).unwrap();
        bad_signature(check(Some(SECRET), &body(&format!("{head}.{changed}.{signature}"))));
        bad_signature(check(Some("TEST_WEBHOOK_SECREX"), &body(JWT)));
        bad_signature(check(Some(SECRET), &body(&format!("{head}.{claims}"))));
        bad_signature(check(Some(SECRET), &body(&format!("{head}.{claims}."))));
        bad_signature(check(Some(SECRET), r#"{"token":"x"}"#));
        bad_signature(check(Some(SECRET), "not json"));
        let claims_json = r#"{"orderId":"1","orderStatus":"COMPLETED"}"#;
        // HS256 with the same secret, "none" without a signature: both refused.
        let hs256 = {
            let signed =
                format!("{}.{}", base64_url_encode(br#"{"alg":"HS256"}"#), base64_url_encode(claims_json.as_bytes()));
            format!("{signed}.{}", base64_url_encode(&crate::sign::hmac_sha256(SECRET.as_bytes(), signed.as_bytes())))
        };
        bad_signature(check(Some(SECRET), &body(&hs256)));
        let none =
            format!("{}.{}.", base64_url_encode(br#"{"alg":"none"}"#), base64_url_encode(claims_json.as_bytes()));
        bad_signature(check(Some(SECRET), &body(&none)));
        bad_signature(check(Some(SECRET), &body(&token(r#"{"alg":"hs384"}"#, claims_json, SECRET))));
        bad_signature(check(Some(SECRET), &body(&token(r#"{"alg":"HS384","crit":["b64"]}"#, claims_json, SECRET))));
    }

    #[test]
    fn a_missing_secret_or_unreadable_claims_are_told_apart() {
        assert!(matches!(
            check(None, &body(JWT)),
            Err(GatewayError::MissingCredential { ref field, .. }) if field == "webhook_secret"
        ));
        assert!(matches!(check(Some(""), &body(JWT)), Err(GatewayError::MissingCredential { .. })));
        let unreadable = token(r#"{"alg":"HS384"}"#, r#"{"orderId":"1"}"#, SECRET);
        assert!(matches!(check(Some(SECRET), &body(&unreadable)), Err(GatewayError::BadResponse(_))));
        let not_json = token(r#"{"alg":"HS384"}"#, "not json", SECRET);
        assert!(matches!(check(Some(SECRET), &body(&not_json)), Err(GatewayError::BadResponse(_))));
    }
}
