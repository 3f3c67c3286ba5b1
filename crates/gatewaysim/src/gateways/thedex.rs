//! TheDex (gateways.md §2): every endpoint is a POST carrying `X-EX-APIKEY`, `X-EX-PAYLOAD` =
//! base64 of the body and `X-EX-SIGNATURE` = hex(HMAC-SHA512(secret, payload)) [C]; the body's
//! `request` (the path with `/api/v1`) and a `nonce` (number or numeric string) that increases
//! per key [I]; decimal amounts in major units. TheDex documents no de-duplication of `orderId`:
//! a repeat makes a second invoice, and `invoices/one` by `orderId` answers the newest.
//!
//! The error shape is undocumented: `{"code": <HTTP status>, "message": "…"}` with 401 for
//! authentication failures, 404 for an unknown invoice and 400 otherwise is a guess.

use super::{header, header_is, SimGateway};
use crate::wire::{base64, decimals, hmac_sha512_hex, parse_wire_decimal, same, text};
use crate::{NewInvoice, PayState, Sim, SimInvoice};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const API_KEY: &str = "sim-thedex-api-key";
const SECRET_KEY: &str = "sim-thedex-secret-key";
const MERCHANT_ID: &str = "SIMMERCHANT";
const REQUEST_PREFIX: &str = "/api/v1/";
/// TheDex takes no per-invoice lifetime (the merchant's settings decide); the simulator uses an hour.
const LIFETIME_SECS: i64 = 3600;

pub const GATEWAY: SimGateway = SimGateway {
    id: "thedex",
    credentials: &[("api_key", API_KEY), ("secret_key", SECRET_KEY), ("merchant_id", MERCHANT_ID)],
    routes,
};

/// The guessed error body (see the module comment).
#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    pub code: u16,
    pub message: String,
}

/// The last nonce accepted per API key, for this simulator instance.
type Nonces = Arc<Mutex<HashMap<String, u64>>>;

fn routes() -> Router<Sim> {
    let nonces = Nonces::default();
    let for_one = nonces.clone();
    Router::new()
        .route("/invoices/create", post(move |sim, headers, body| create(sim, headers, body, nonces.clone())))
        .route("/invoices/one", post(move |sim, headers, body| one(sim, headers, body, for_one.clone())))
}

fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(ErrorBody { code: status.as_u16(), message: message.into() })).into_response()
}

/// The checks every TheDex endpoint makes before reading its own fields; the body's fields on
/// success, else the answer to give.
fn authenticate(
    headers: &HeaderMap,
    body: &[u8],
    endpoint: &str,
    nonces: &Nonces,
) -> Result<Map<String, Value>, Response> {
    if !header_is(headers, "x-ex-apikey", API_KEY) {
        return Err(error(StatusCode::UNAUTHORIZED, "invalid api key"));
    }
    let payload = base64(body);
    if header(headers, "x-ex-payload") != Some(payload.as_str()) {
        return Err(error(StatusCode::UNAUTHORIZED, "payload does not match the body"));
    }
    let expected = hmac_sha512_hex(SECRET_KEY.as_bytes(), payload.as_bytes());
    let received = header(headers, "x-ex-signature").unwrap_or_default().to_ascii_lowercase();
    if !same(expected.as_bytes(), received.as_bytes()) {
        return Err(error(StatusCode::UNAUTHORIZED, "invalid signature"));
    }
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(error(StatusCode::BAD_REQUEST, "the body must be a JSON object"));
    };
    if fields.get("request").and_then(Value::as_str) != Some(&format!("{REQUEST_PREFIX}{endpoint}")) {
        return Err(error(StatusCode::BAD_REQUEST, "request does not match the endpoint"));
    }
    let Some(nonce) = fields.get("nonce").and_then(text).and_then(|n| n.parse::<u64>().ok()) else {
        return Err(error(StatusCode::BAD_REQUEST, "nonce must be an integer"));
    };
    let mut seen = nonces.lock().expect("nonce lock");
    let last = seen.entry(API_KEY.to_string()).or_default();
    if nonce <= *last {
        return Err(error(StatusCode::BAD_REQUEST, "nonce must be greater than the previous one"));
    }
    *last = nonce;
    Ok(fields)
}

/// The invoice object TheDex answers (§2.3, §2.4).
fn answer(sim: &Sim, inv: &SimInvoice) -> Response {
    let (status, name) = match inv.current_state() {
        PayState::Open => (0, "Waiting"),
        PayState::Paid => (3, "Successful"),
        PayState::Underpaid => (5, "Underpaid"),
        PayState::Expired => (2, "Unpaid"),
    };
    Json(json!({
        "invoiceId": inv.gateway_id,
        "merchantId": MERCHANT_ID,
        "orderId": inv.order_id,
        "status": status,
        "statusName": name,
        "amount": inv.amount_text(),
        "currency": inv.currency,
        "paidAmountFiat": crate::wire::format_minor(inv.paid_minor(), inv.decimals),
        "payUrl": sim.pay_link(inv),
        "createTimestamp": inv.created_at * 1000,
        "expirationTimestamp": inv.expires_at * 1000,
    }))
    .into_response()
}

async fn create(State(sim): State<Sim>, headers: HeaderMap, body: axum::body::Bytes, nonces: Nonces) -> Response {
    let fields = match authenticate(&headers, &body, "invoices/create", &nonces) {
        Ok(fields) => fields,
        Err(resp) => return resp,
    };
    let field = |name: &str| fields.get(name).and_then(Value::as_str);
    if field("merchantId") != Some(MERCHANT_ID) {
        return error(StatusCode::BAD_REQUEST, "unknown merchantId");
    }
    let currency = field("currency").unwrap_or_default();
    let Some(places) = decimals(currency) else {
        return error(StatusCode::BAD_REQUEST, "unknown currency");
    };
    let amount = fields.get("amount").and_then(text).unwrap_or_default();
    let Some(amount_minor) = parse_wire_decimal(&amount, places, places) else {
        return error(StatusCode::BAD_REQUEST, "invalid amount");
    };
    if field("title").is_some_and(|t| t.chars().count() > 50) {
        return error(StatusCode::BAD_REQUEST, "title is longer than 50 characters");
    }
    if field("description").is_some_and(|t| t.chars().count() > 300) {
        return error(StatusCode::BAD_REQUEST, "description is longer than 300 characters");
    }
    let number = sim.next_number();
    let order_id = field("orderId").map(str::to_string).unwrap_or_else(|| format!("no-order-{number}"));
    let inv = sim.create(NewInvoice {
        gateway: GATEWAY.id,
        gateway_id: format!("5e1a7c00-0000-4000-8000-{number:012}"),
        order_id: &order_id,
        amount_minor,
        currency,
        decimals: places,
        description: field("title"),
        lifetime_secs: LIFETIME_SECS,
        echo: None,
    });
    answer(&sim, &inv)
}

async fn one(State(sim): State<Sim>, headers: HeaderMap, body: axum::body::Bytes, nonces: Nonces) -> Response {
    let fields = match authenticate(&headers, &body, "invoices/one", &nonces) {
        Ok(fields) => fields,
        Err(resp) => return resp,
    };
    let found = match (fields.get("invoiceId").and_then(Value::as_str), fields.get("orderId").and_then(Value::as_str)) {
        (Some(id), _) => sim.find(GATEWAY.id, id),
        (None, Some(order)) => sim.find_by_order(GATEWAY.id, order),
        (None, None) => return error(StatusCode::BAD_REQUEST, "invoiceId or orderId is required"),
    };
    match found {
        Some(inv) => answer(&sim, &inv),
        None => error(StatusCode::NOT_FOUND, "invoice not found"),
    }
}
