//! Pay3's request and answer bodies as they go on the wire, and its RFC 3339 timestamps.

use jiff::Timestamp;
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeMap;

/// `POST v1/client/checkout/create-order`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutOrder {
    pub currency_id: String,
    pub fiat_amount: String,
    pub payment_method_id: String,
    pub email: String,
    pub request_id: String,
    pub client_id: String,
    pub mode: String,
    /// The callback URL (the shop's relay) under the field name of the `callback_field` knob,
    /// when the sale has one; empty otherwise. `callbackUrl` is only in the docs' prod example
    /// [I], so its name is a knob. Not signed: the signature covers only the fields above it.
    #[serde(flatten, default)]
    pub callback: BTreeMap<String, String>,
}

/// `POST v1/client/subscription/create-order`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionOrder {
    pub currency_id: String,
    pub fiat_amount: String,
    pub payment_method_id: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub client_id: String,
    pub request_id: String,
    /// daily | weekly | monthly | yearly, matching the plan configured at Pay3.
    pub interval: String,
    /// Must match the plan's name at Pay3 exactly.
    pub request_description: String,
    pub mode: String,
    /// [I] Sent as the same text that is signed, since the docs append it only when "non-empty".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_period_days: Option<String>,
}

/// The answer to a checkout create. `url` is what `mode: returnUrl` should add [I].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The handle Pay3's SDK opens the checkout with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_info_data: Option<OfferInfoData>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferInfoData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_payment_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_fiat_amount: Option<String>,
    /// RFC 3339 with an offset and fractional seconds: "2025-04-21T16:12:09.287975+00:00".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_ts: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_id: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The answer to a subscription create.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionResponse {
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// `GET v1/client/orders?requestId=…&clientId=…`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrdersResponse {
    pub data: Vec<Order>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    pub order_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_address: Option<String>,
    /// Unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_ts: Option<i64>,
    /// CHECKOUT | PAYOUT
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_cur_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_reason: Option<ErrorReason>,
    /// The rest, among it the amount paid (see the `paid_amount_field` knob).
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorReason {
    #[serde(default, deserialize_with = "code_text", skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_desc: Option<String>,
}

/// Pay3's error answers come in several shapes: `{"error": "Client verification failed"}` (auth),
/// `{"error": {"code": "7001", "message": …}}` (business) and, on subscriptions,
/// `{"code": "7001", "error": {"code": "500", "message": …}}` (the inner code is the telling one).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default, deserialize_with = "code_text", skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub error: ErrorValue,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorValue {
    Text(String),
    Detail(ErrorDetail),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorDetail {
    #[serde(default, deserialize_with = "code_text")]
    pub code: Option<String>,
    #[serde(default)]
    pub message: String,
}

/// Error codes arrive as text ("7001") or numbers (400); both are kept as text.
fn code_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

/// Unix seconds from an RFC 3339 timestamp ("2025-04-21T16:12:09.287975+00:00", "…Z").
/// Fractional seconds are dropped. jiff also reads ISO 8601 forms that RFC 3339 does not allow
/// ("+0000", "+05", no seconds, a "[zone]" suffix), so the shape is checked here and jiff does the
/// calendar and the offset.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    // '9' is a digit, 'T' the date-time separator, '+' a sign; anything else stands for itself.
    let shaped = |pattern: &[u8], at: usize| {
        b.len() >= at + pattern.len()
            && pattern.iter().zip(&b[at..]).all(|(p, c)| match p {
                b'9' => c.is_ascii_digit(),
                b'T' => matches!(c, b'T' | b't' | b' '),
                b'+' => matches!(c, b'+' | b'-'),
                _ => c == p,
            })
    };
    if !shaped(b"9999-99-99T99:99:99", 0) {
        return None;
    }
    let mut end = 19;
    if b.get(end) == Some(&b'.') {
        let digits = b[end + 1..].iter().take_while(|c| c.is_ascii_digit()).count();
        if digits == 0 {
            return None;
        }
        end += 1 + digits;
    }
    let offset = &text[end..];
    let numeric = offset.len() == 6 && shaped(b"+99:99", end);
    if !(numeric || matches!(offset, "Z" | "z")) {
        return None;
    }
    // The fraction is left out: jiff takes at most nine digits, RFC 3339 any number.
    format!("{}{offset}", &text[..19]).parse::<Timestamp>().ok().map(Timestamp::as_second)
}

/// Unix seconds as Pay3 writes them: "2025-04-21T16:12:09.000000+00:00". A time beyond jiff's
/// years (-9999 to 9999) prints as the nearer end.
pub fn format_rfc3339(unix: i64) -> String {
    let at = Timestamp::from_second(unix).unwrap_or(if unix < 0 { Timestamp::MIN } else { Timestamp::MAX });
    at.strftime("%Y-%m-%dT%H:%M:%S.000000+00:00").to_string()
}
