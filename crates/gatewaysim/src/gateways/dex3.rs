//! The Dex3 v1 contract (gateways.md §1): checks the `merchant_public` header, the required
//! fields, integer-cent amounts and the SHA-256 signature, and answers Dex3's own envelope
//! `{"state":false,"error":{"message","code","errData"}}`.
//!
//! Dex3 has no underpaid status: an underpaid invoice is shown as `received` (funds arrived, Dex3
//! has not completed the payment), so Paydesk shows it as confirming and never as paid.

use super::SimGateway;
use crate::{NewInvoice, PayState, Sim, SimInvoice};
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use paydesk_core::gateways::dex3::{
    sign, ApiError, CreateBody, CreateData, Envelope, PaymentData, ORDER_ID_MAX_CHARS, PRODUCT_NAME_MAX_CHARS,
};
use paydesk_core::sign::hex_eq;
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
    let body: Envelope<()> = Envelope {
        state: false,
        data: None,
        error: Some(ApiError { message: message.into(), code: json!(code), err_data }),
    };
    (status, Json(body)).into_response()
}

/// Dex3 does not document its answer to a wrong key or signature; code 401 is a guess.
fn unauthorized(message: &str) -> Response {
    error(StatusCode::UNAUTHORIZED, message, 401, Value::Bool(false))
}

/// Per-field errors in the express-validator shape Dex3's form errors use.
fn form_error(fields: &[(&str, &str)]) -> Response {
    let errs: Map<String, Value> = fields
        .iter()
        .map(|(f, msg)| (f.to_string(), json!({"type": "field", "msg": msg, "path": f, "location": "body"})))
        .collect();
    error(StatusCode::FORBIDDEN, "Please check form error", 403, Value::Object(errs))
}

fn has_public_key(headers: &HeaderMap) -> bool {
    headers.get("merchant_public").and_then(|v| v.to_str().ok()) == Some(PUBLIC)
}

/// Integer cents: digits only, no leading zero, more than zero.
fn cents(text: &str) -> Option<u64> {
    if text.is_empty() || text.starts_with('0') || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

fn seconds(text: &str) -> Option<i64> {
    (!text.is_empty() && text.bytes().all(|b| b.is_ascii_digit())).then(|| text.parse().ok()).flatten()
}

async fn create(State(sim): State<Sim>, headers: HeaderMap, body: axum::body::Bytes) -> Response {
    if !has_public_key(&headers) {
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
    let Ok(req) = serde_json::from_value::<CreateBody>(Value::Object(fields)) else {
        return form_error(&[("amount", "Fields must be strings or integers")]);
    };
    let mut bad = Vec::new();
    let amount_minor = cents(&req.amount);
    if amount_minor.is_none() {
        bad.push(("amount", "Amount must be a positive integer (USD cents)"));
    }
    let expiration = seconds(&req.expiration);
    if expiration.is_none() {
        bad.push(("expiration", "Expiration must be an integer number of seconds"));
    }
    if req.order_id.is_empty() || req.order_id.chars().count() > ORDER_ID_MAX_CHARS {
        bad.push(("order_id", "Order id must be 1 to 200 characters"));
    }
    if req.product_name.is_empty() || req.product_name.chars().count() > PRODUCT_NAME_MAX_CHARS {
        bad.push(("productName", "Product name must be 1 to 50 characters"));
    }
    let (Some(amount_minor), Some(expiration), true) = (amount_minor, expiration, bad.is_empty()) else {
        return form_error(&bad);
    };
    if !hex_eq(&sign(&req.order_id, PUBLIC, &req.amount, PRIVATE), &req.signature) {
        return unauthorized("Invalid signature");
    }
    let new = NewInvoice {
        gateway: GATEWAY.id,
        order_id: &req.order_id,
        amount_minor,
        currency: "USD",
        description: Some(&req.product_name),
        lifetime_secs: if expiration == 0 { NEVER_SECS } else { expiration },
    };
    match sim.create(new) {
        Ok(inv) => created(&sim, &inv),
        Err(_) => error(StatusCode::BAD_REQUEST, "Duplicate order id", 400, Value::Bool(false)),
    }
}

fn created(sim: &Sim, inv: &SimInvoice) -> Response {
    let data = CreateData {
        pay_link: sim.pay_link(inv),
        payment_data: PaymentData {
            payment_id: inv.gateway_id.clone(),
            order_id: inv.order_id.clone(),
            product_name: inv.description.clone().unwrap_or_default(),
            amount: inv.amount_minor.to_string(),
            expiration: Some(inv.expires_at),
            created: Some(inv.created_at),
        },
    };
    Json(Envelope { state: true, data: Some(data), error: None }).into_response()
}

async fn status(State(sim): State<Sim>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    if !has_public_key(&headers) {
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
    Json(Envelope { state: true, data: Some(status.to_string()), error: None }).into_response()
}
