//! Dex3's v1 payment-success webhook (gateways.md §1.6): the signature travels in the body,
//! `lowercase_hex(SHA-256(order_id + merchant_public + amount + hash + merchant_private))`, over
//! the body's own `order_id`, `amount` (integer cents) and `hash` (the transaction hash) and the
//! account's keys. Dex3 sends it only on success, so a verified webhook is a completed payment;
//! fields the signature does not cover (`payment_id`, a `status`) are never read.

use super::{map_status, INFO};
use crate::callback::check_hex;
use crate::gateway::*;
use crate::sign::sha256_hex;
use serde_json::Value;

/// The status a v1 webhook stands for: Dex3 sends it only when the payment completed.
const SENT_ON: &str = "completed";

/// `lowercase_hex(SHA-256(order_id + merchant_public + amount + hash + merchant_private))` (§1.6).
pub fn webhook_signature(
    order_id: &str,
    merchant_public: &str,
    amount: &str,
    hash: &str,
    merchant_private: &str,
) -> String {
    sha256_hex(format!("{order_id}{merchant_public}{amount}{hash}{merchant_private}").as_bytes())
}

/// A string, or a number as its text (Dex3 sends `amount` either way, and signs the text).
fn text(value: Option<&Value>) -> Option<String> {
    match value? {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

pub(super) fn verify(creds: &Credentials, callback: &Callback<'_>) -> Result<CallbackReport, GatewayError> {
    let public = creds.require(INFO.id, "merchant_public")?.expose();
    let private = creds.require(INFO.id, "merchant_private")?.expose();
    // The signature is inside the body: a body that is not JSON cannot even be checked.
    let body: Value = serde_json::from_slice(callback.body).map_err(|_| {
        GatewayError::BadSignature("the Dex3 callback's body is not JSON, so it carries no signature to check".into())
    })?;
    let signed = |name: &str| {
        text(body.get(name)).ok_or_else(|| {
            GatewayError::BadSignature(format!("the Dex3 callback has no {name} field, which its signature covers"))
        })
    };
    let (order_id, amount, hash) = (signed("order_id")?, signed("amount")?, signed("hash")?);
    let signature = body
        .get("signature")
        .and_then(Value::as_str)
        .ok_or_else(|| GatewayError::BadSignature("the Dex3 callback has no signature field".into()))?;
    let expected = webhook_signature(&order_id, public, &amount, &hash, private);
    check_hex(&expected, signature, INFO.name, "signature field")?;
    Ok(CallbackReport {
        order_id: Some(order_id),
        // `payment_id` is outside the signature: a replayed webhook could carry any. The sale is
        // known by its signed order id, and its payment id from the create's answer.
        gateway_invoice_id: None,
        report: StatusReport { status: map_status(SENT_ON), gateway_status: SENT_ON.to_string() },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use paydesk_money::InvoiceStatus;

    /// §1.6's worked example (the full transaction hash is the docs' sample webhook's).
    const HASH: &str = "0x9edb60bdeebd9cbc159ff60470784431fbe2814bb616b0f7f9c0c8cb19ecb331";
    const SIGNATURE: &str = "6e6bc8b6bc5eb953bf0edcc1b765f60a298425eb9dfc12047622f51ef4127967";

    fn example_body() -> String {
        format!(
            r#"{{"order_id":"1001","payment_id":"EKKlnN7QXB5ynmqZTeriefGLgr4jq8","productName":"Acme","amount":10000,"notes":"{{\"user_id\":\"3\"}}","expiration":1710147039,"hash":"{HASH}","merchantPublic":"PUBLIC_TEST_KEY","signature":"{SIGNATURE}"}}"#
        )
    }

    fn creds(private: &str) -> Credentials {
        let mut c = Credentials::default();
        c.insert("merchant_public", Secret::new("PUBLIC_TEST_KEY"));
        c.insert("merchant_private", Secret::new(private));
        c
    }

    fn check(creds: &Credentials, body: &str) -> Result<CallbackReport, GatewayError> {
        verify(
            creds,
            &Callback { headers: &[("Content-Type".into(), "application/json".into())], body: body.as_bytes() },
        )
    }

    #[test]
    fn the_worked_example_verifies_as_a_completed_payment() {
        assert_eq!(webhook_signature("1001", "PUBLIC_TEST_KEY", "10000", HASH, "PRIVATE_TEST_KEY"), SIGNATURE);
        let report = check(&creds("PRIVATE_TEST_KEY"), &example_body()).unwrap();
        assert_eq!(report.order_id.as_deref(), Some("1001"));
        assert_eq!(report.gateway_invoice_id, None, "payment_id is not signed");
        assert_eq!((report.report.status, report.report.gateway_status.as_str()), (InvoiceStatus::Paid, "completed"));
        // The amount as a JSON string is the same signed text.
        let as_text = example_body().replace(r#""amount":10000"#, r#""amount":"10000""#);
        assert!(check(&creds("PRIVATE_TEST_KEY"), &as_text).is_ok());
    }

    #[test]
    fn a_changed_signed_byte_a_wrong_key_or_no_signature_is_refused() {
        let bad = |creds: &Credentials, body: &str| {
            let err = check(creds, body).unwrap_err();
            assert!(matches!(err, GatewayError::BadSignature(_)), "{err:?}");
        };
        let right = creds("PRIVATE_TEST_KEY");
        bad(&right, &example_body().replace(r#""amount":10000"#, r#""amount":10001"#));
        bad(&right, &example_body().replace(r#""order_id":"1001""#, r#""order_id":"1002""#));
        bad(&right, &example_body().replace(HASH, &HASH.replace("b331", "b332")));
        bad(&creds("PRIVATE_TEST_KEX"), &example_body());
        bad(&right, &example_body().replace(&format!(r#","signature":"{SIGNATURE}""#), ""));
        bad(&right, &example_body().replace(r#""hash":"#, r#""tx":"#));
        bad(&right, "not json");
        // An unsigned status cannot turn the webhook into anything but what Dex3 sends it for.
        let with_status = example_body().replace(r#""order_id""#, r#""status":"failed","order_id""#);
        assert_eq!(check(&right, &with_status).unwrap().report.status, InvoiceStatus::Paid);
    }
}
