//! TheDex's invoice callback (gateways.md §2.6): signed like its requests. `X-EX-APIKEY` must be
//! the account's api_key, and `X-EX-SIGNATURE` = hex(HMAC-SHA512(secret_key, base64(raw body))),
//! both compared in constant time. The body is the invoice object, read as `invoices/one` is.

use super::{map_status, sign, Invoice, INFO};
use crate::callback::check_hex;
use crate::gateway::*;
use crate::sign::same;

pub(super) fn verify(creds: &Credentials, callback: &Callback<'_>) -> Result<CallbackReport, GatewayError> {
    let api_key = creds.require(INFO.id, "api_key")?.expose();
    let secret = creds.require(INFO.id, "secret_key")?.expose();
    let sent_key = callback.signed_header(INFO.name, "X-EX-APIKEY")?;
    if !same(api_key.as_bytes(), sent_key.trim().as_bytes()) {
        return Err(GatewayError::BadSignature(format!(
            "the {} callback's X-EX-APIKEY is not this account's api_key",
            INFO.name
        )));
    }
    let signature = callback.signed_header(INFO.name, "X-EX-SIGNATURE")?;
    // X-EX-PAYLOAD is not read: the signature is checked over the body that arrived.
    let (_payload, expected) = sign(secret, callback.body);
    check_hex(&expected, signature, INFO.name, "X-EX-SIGNATURE")?;
    let invoice: Invoice = callback.json(INFO.name)?;
    Ok(CallbackReport {
        report: StatusReport { status: map_status(invoice.status), gateway_status: invoice.gateway_status() },
        order_id: invoice.order_id,
        gateway_invoice_id: Some(invoice.invoice_id),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use paydesk_money::InvoiceStatus;

    /// §2.6's test vector.
    const BODY: &str = r#"{"invoiceId":"e70f075f-e858-4cb2-9062-a20ca1fa4c92","merchantId":"ABCDEFGH","status":3,"statusName":"Successful"}"#;
    const SIGNATURE: &str = "a85f5e254afb60cc0d233bef19e48816233ac5b74174b568cfd3e9b63e10a6cc50d8b0d44f34ed2729c75556dde2b5b5d761140cbb0c837ab83a13ce0f5bcfc6";

    fn creds() -> Credentials {
        let mut c = Credentials::default();
        c.insert("api_key", Secret::new("TEST_API_KEY"));
        c.insert("secret_key", Secret::new("TEST_SECRET"));
        c.insert("merchant_id", Secret::new("ABCDEFGH"));
        c
    }

    fn headers(api_key: &str, signature: &str) -> Vec<(String, String)> {
        vec![
            ("x-ex-apikey".into(), api_key.into()),
            ("X-EX-PAYLOAD".into(), crate::sign::base64_std(BODY.as_bytes())),
            ("X-Ex-Signature".into(), signature.into()),
        ]
    }

    fn check(headers: &[(String, String)], body: &str) -> Result<CallbackReport, GatewayError> {
        verify(&creds(), &Callback { headers, body: body.as_bytes() })
    }

    fn bad(headers: &[(String, String)], body: &str, names: &str) {
        let err = check(headers, body).unwrap_err();
        assert!(matches!(err, GatewayError::BadSignature(ref m) if m.contains(names)), "{err:?}");
    }

    #[test]
    fn the_test_vector_verifies_and_reads_as_the_poll_does() {
        let report = check(&headers("TEST_API_KEY", SIGNATURE), BODY).unwrap();
        assert_eq!(report.gateway_invoice_id.as_deref(), Some("e70f075f-e858-4cb2-9062-a20ca1fa4c92"));
        assert_eq!(report.order_id, None, "the vector's invoice has no orderId");
        assert_eq!(
            (report.report.status, report.report.gateway_status.as_str()),
            (InvoiceStatus::Paid, "3 Successful")
        );
    }

    #[test]
    fn a_changed_byte_a_wrong_key_or_a_missing_header_is_refused() {
        let ok = headers("TEST_API_KEY", SIGNATURE);
        bad(&ok, &BODY.replace(r#""status":3"#, r#""status":2"#), "X-EX-SIGNATURE");
        bad(&ok, &format!("{BODY} "), "X-EX-SIGNATURE");
        bad(&headers("TEST_API_KEX", SIGNATURE), BODY, "X-EX-APIKEY");
        bad(&headers("TEST_API_KEY", &SIGNATURE.replace("a85f", "a85e")), BODY, "X-EX-SIGNATURE");
        bad(&ok[1..], BODY, "X-EX-APIKEY");
        bad(&ok[..2], BODY, "X-EX-SIGNATURE");
    }

    #[test]
    fn a_signed_body_that_is_not_an_invoice_is_a_bad_response() {
        let body = r#"{"merchantId":"ABCDEFGH"}"#;
        let (_, signature) = sign("TEST_SECRET", body.as_bytes());
        let err = check(&headers("TEST_API_KEY", &signature), body).unwrap_err();
        assert!(matches!(err, GatewayError::BadResponse(_)), "{err:?}");
    }
}
