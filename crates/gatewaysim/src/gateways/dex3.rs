//! Dex3 v1 (gateways.md §1): the `merchant_public` header, the required fields, integer-cent
//! amounts, `expiration` in seconds, and `signature` = sha256_hex(order_id + merchant_public +
//! amount + merchant_private) over the exact text sent; Dex3's envelope
//! `{"state":false,"error":{"message","code","errData"}}`. A repeated order id is refused with
//! "Duplicate order id" and the first payment stays live [C]. There is no lookup by order id.
//!
//! Dex3 has no underpaid status: an underpaid payment shows as `received` (funds arrived, Dex3
//! has not completed it).

use super::{header_is, SimGateway};
use crate::wire::{same, sha256_hex, text};
use crate::{NewInvoice, PayState, Sim, SimInvoice};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};

const PUBLIC: &str = "sim-dex3-public";
const PRIVATE: &str = "sim-dex3-private";

pub const GATEWAY: SimGateway =
    SimGateway { id: "dex3", credentials: &[("merchant_public", PUBLIC), ("merchant_private", PRIVATE)], routes };

/// `expiration: 0` means the payment never expires; the simulator stands in ten years.
const NEVER_SECS: i64 = 10 * 365 * 86_400;

fn routes() -> Router<Sim> {
    Router::new().route("/createpayment", post(create)).route("/getpaymentstatus/{id}", get(status))
}

fn error(status: StatusCode, message: &str, code: u16, err_data: Value) -> Response {
    (status, Json(json!({"state": false, "error": {"message": message, "code": code, "errData": err_data}})))
        .into_response()
}

/// Dex3 does not document its answer to a wrong key or signature; code 401 is a guess.
fn unauthorized(message: &str) -> Response {
    error(StatusCode::UNAUTHORIZED, message, 401, Value::Bool(false))
}

/// Per-field errors in the express-validator shape of Dex3's form errors [C].
fn form_error(fields: &[(&str, &str)]) -> Response {
    let errs: Map<String, Value> = fields
        .iter()
        .map(|(f, msg)| (f.to_string(), json!({"type": "field", "msg": msg, "path": f, "location": "body"})))
        .collect();
    error(StatusCode::FORBIDDEN, "Please check form error", 403, Value::Object(errs))
}

/// Whole digits only (integer cents, seconds), as a JSON string or number.
fn digits(value: Option<&Value>) -> Option<String> {
    value.and_then(text).filter(|t| !t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
}

async fn create(State(sim): State<Sim>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if !header_is(&headers, "merchant_public", PUBLIC) {
        return unauthorized("Invalid merchant");
    }
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "Invalid JSON body", 400, Value::Bool(false));
    };
    let required = [
        ("order_id", "Order id is required"),
        ("productName", "Product name is required"),
        ("amount", "Amount is required"),
        ("expiration", "Expiration is required"),
        ("signature", "Signature is required"),
    ];
    let missing: Vec<(&str, &str)> = required.into_iter().filter(|(f, _)| !fields.contains_key(*f)).collect();
    if !missing.is_empty() {
        return form_error(&missing);
    }
    let field = |name: &str| fields.get(name).and_then(text).unwrap_or_default();
    let (order_id, product_name) = (field("order_id"), field("productName"));
    let mut bad = Vec::new();
    let amount = digits(fields.get("amount")).filter(|a| !a.starts_with('0') && a.parse::<u64>().is_ok());
    if amount.is_none() {
        bad.push(("amount", "Amount must be a positive integer (USD cents)"));
    }
    let expiration = digits(fields.get("expiration")).and_then(|e| e.parse::<i64>().ok());
    if expiration.is_none() {
        bad.push(("expiration", "Expiration must be an integer number of seconds"));
    }
    if order_id.is_empty() || order_id.chars().count() > 200 {
        bad.push(("order_id", "Order id must be 1 to 200 characters"));
    }
    if product_name.is_empty() || product_name.chars().count() > 50 {
        bad.push(("productName", "Product name must be 1 to 50 characters"));
    }
    let webhook = crate::wire::callback_url(&fields, "webhook");
    if webhook.is_err() {
        bad.push(("webhook", "Webhook must be a valid URL"));
    }
    if fields.get("notes").is_some_and(|n| n.as_str().is_none_or(|s| serde_json::from_str::<Value>(s).is_err())) {
        bad.push(("notes", "Invalid JSON provided"));
    }
    let (Some(amount), Some(expiration), true) = (amount, expiration, bad.is_empty()) else {
        return form_error(&bad);
    };
    let expected = signature(&order_id, PUBLIC, &amount, PRIVATE);
    if !same(expected.as_bytes(), field("signature").to_ascii_lowercase().as_bytes()) {
        return unauthorized("Invalid signature");
    }
    if sim.find_by_order(GATEWAY.id, &order_id).is_some() {
        return error(StatusCode::BAD_REQUEST, "Duplicate order id", 400, Value::Bool(false));
    }
    let inv = sim.create(NewInvoice {
        gateway: GATEWAY.id,
        gateway_id: format!("SimDx3{:010}", sim.next_number()),
        order_id: &order_id,
        amount_minor: amount.parse().expect("checked above"),
        amount_sent: Value::String(amount),
        currency: "USD",
        decimals: 2,
        description: Some(&product_name),
        lifetime_secs: if expiration == 0 { NEVER_SECS } else { expiration },
        echo: None,
        callback_url: webhook.unwrap_or_default(),
    });
    created(&sim, &inv)
}

/// §1.3: the four values joined with no separator, SHA-256, lowercase hex; `amount` is the
/// exact text in the body.
fn signature(order_id: &str, public: &str, amount: &str, private: &str) -> String {
    sha256_hex(format!("{order_id}{public}{amount}{private}").as_bytes())
}

fn created(sim: &Sim, inv: &SimInvoice) -> Response {
    Json(json!({"state": true, "data": {
        "payLink": sim.pay_link(inv),
        "paymentData": {
            "payment_id": inv.gateway_id,
            "order_id": inv.order_id,
            "productName": inv.description,
            "amount": inv.amount_sent_text(),
            "expiration": inv.expires_at,
            "created": inv.created_at,
        }
    }}))
    .into_response()
}

async fn status(State(sim): State<Sim>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !header_is(&headers, "merchant_public", PUBLIC) {
        return unauthorized("Invalid merchant");
    }
    let Some(inv) = sim.find(GATEWAY.id, &id) else {
        // Not documented; a plausible not-found in Dex3's envelope.
        return error(StatusCode::NOT_FOUND, "Payment not found", 404, Value::Bool(false));
    };
    let status = match inv.current_state() {
        PayState::Open => "created",
        PayState::Paid => "completed",
        PayState::Underpaid => "received",
        PayState::Expired => "expired",
    };
    Json(json!({"state": true, "data": status})).into_response()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_signature_is_the_documents_worked_example() {
        let signed = super::signature("1001", "PUBLIC_TEST_KEY", "10000", "PRIVATE_TEST_KEY");
        assert_eq!(signed, "a9ce41fdd59057fce95320192538ec67da8028d9d49c79a97ab576533189a33c");
        // The order matters: the same values in another order are another signature.
        assert_ne!(super::signature("PUBLIC_TEST_KEY", "1001", "10000", "PRIVATE_TEST_KEY"), signed);
    }
}
