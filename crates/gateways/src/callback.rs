//! A gateway's callback (webhook) as a relay received it, and what checking it tells: the one
//! place that reads headers and bodies for [`Gateway::verify_callback`](crate::gateway::Gateway::verify_callback).
//!
//! Errors from a check never carry a secret, an expected signature or the body's text: a failed
//! check is [`GatewayError::BadSignature`] naming the check, a body that verifies but cannot be
//! read is [`GatewayError::BadResponse`] naming what is wrong with it.

use crate::error::GatewayError;
use crate::sign::same;
use paydesk_money::StatusReport;
use serde::de::DeserializeOwned;

/// One callback as it arrived: every header (names in any case) and the raw body, byte for byte.
#[derive(Debug, Clone, Copy)]
pub struct Callback<'a> {
    pub headers: &'a [(String, String)],
    pub body: &'a [u8],
}

impl<'a> Callback<'a> {
    /// The first header named `name`, compared case-insensitively (HTTP header names are).
    pub fn header(&self, name: &str) -> Option<&'a str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    /// The header a check needs, or the BadSignature that says it is missing.
    pub(crate) fn signed_header(&self, gateway: &str, name: &str) -> Result<&'a str, GatewayError> {
        self.header(name)
            .ok_or_else(|| GatewayError::BadSignature(format!("the {gateway} callback has no {name} header")))
    }

    /// The body as JSON `T`. Only serde's category of failure is told, never the body's text.
    pub(crate) fn json<T: DeserializeOwned>(&self, gateway: &str) -> Result<T, GatewayError> {
        serde_json::from_slice(self.body).map_err(|e| {
            let what = match e.classify() {
                serde_json::error::Category::Io => "unreadable",
                serde_json::error::Category::Syntax => "malformed JSON",
                serde_json::error::Category::Data => "fields missing or of the wrong type",
                serde_json::error::Category::Eof => "truncated JSON",
            };
            GatewayError::BadResponse(format!(
                "the {gateway} callback verified, but its {}-byte body is not the expected JSON ({what})",
                self.body.len()
            ))
        })
    }
}

/// What a verified callback says.
#[derive(Debug, Clone, PartialEq)]
pub struct CallbackReport {
    /// Our order id, where the callback carries it.
    pub order_id: Option<String>,
    /// The gateway's invoice id, where it carries it (Pay3's flat shape names only its orderId).
    pub gateway_invoice_id: Option<String>,
    pub report: StatusReport,
}

/// Checks a hex signature a gateway sent against the one computed here, in constant time.
/// Hex case and surrounding spaces are forgiven; `what` names the check for the error.
pub(crate) fn check_hex(expected_hex: &str, received: &str, gateway: &str, what: &str) -> Result<(), GatewayError> {
    let received = received.trim().to_ascii_lowercase();
    if same(expected_hex.as_bytes(), received.as_bytes()) {
        Ok(())
    } else {
        Err(GatewayError::BadSignature(format!("the {gateway} callback's {what} does not match")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_found_whatever_their_case() {
        let headers = vec![("hmac".to_string(), "ab".to_string()), ("X-Other".to_string(), "1".to_string())];
        let cb = Callback { headers: &headers, body: b"{}" };
        assert_eq!(cb.header("HMAC"), Some("ab"));
        assert_eq!(cb.header("x-other"), Some("1"));
        assert_eq!(cb.header("X-Signature"), None);
        let err = cb.signed_header("OxaPay", "X-Signature").unwrap_err();
        assert!(matches!(err, GatewayError::BadSignature(ref m) if m.contains("X-Signature")), "{err}");
    }

    #[test]
    fn hex_signatures_compare_in_any_case_and_fail_on_any_difference() {
        assert!(check_hex("ab01", "AB01", "G", "sig").is_ok());
        assert!(check_hex("ab01", " ab01 ", "G", "sig").is_ok());
        assert!(matches!(check_hex("ab01", "ab02", "G", "sig"), Err(GatewayError::BadSignature(_))));
        assert!(matches!(check_hex("ab01", "ab0", "G", "sig"), Err(GatewayError::BadSignature(_))));
        assert!(matches!(check_hex("ab01", "", "G", "sig"), Err(GatewayError::BadSignature(_))));
    }

    #[test]
    fn an_unreadable_body_says_why_without_quoting_it() {
        let cb = Callback { headers: &[], body: br#"{"status": "SECRET-LOOKING-TEXT""# };
        let err = cb.json::<serde_json::Value>("Dex3").unwrap_err();
        assert!(matches!(err, GatewayError::BadResponse(ref m) if m.contains("truncated")), "{err}");
        assert!(!err.to_string().contains("SECRET-LOOKING-TEXT"));
    }
}
