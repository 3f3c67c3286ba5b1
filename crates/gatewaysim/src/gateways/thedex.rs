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
    let (payload, expected) = sign(SECRET_KEY, body);
    if header(headers, "x-ex-payload") != Some(payload.as_str()) {
        return Err(error(StatusCode::UNAUTHORIZED, "payload does not match the body"));
    }
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

/// §2.2: the payload is base64 of the exact body, the signature hex HMAC-SHA512 of the payload.
fn sign(secret: &str, body: &[u8]) -> (String, String) {
    let payload = base64(body);
    let signature = hmac_sha512_hex(secret.as_bytes(), payload.as_bytes());
    (payload, signature)
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
        "amount": inv.amount_sent,
        "currency": inv.currency,
        "paidAmountFiat": crate::wire::format_minor(inv.paid_minor(), inv.decimals),
        "payUrl": sim.pay_link(inv),
        "createTimestamp": inv.created_at * 1000,
        "expirationTimestamp": inv.expires_at * 1000,
        "callbackUrl": inv.callback_url,
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
    let amount_sent = fields.get("amount").cloned().unwrap_or_default();
    let Some(amount_minor) = text(&amount_sent).and_then(|a| parse_wire_decimal(&a, places, places)) else {
        return error(StatusCode::BAD_REQUEST, "invalid amount");
    };
    if field("title").is_some_and(|t| t.chars().count() > 50) {
        return error(StatusCode::BAD_REQUEST, "title is longer than 50 characters");
    }
    if field("description").is_some_and(|t| t.chars().count() > 300) {
        return error(StatusCode::BAD_REQUEST, "description is longer than 300 characters");
    }
    // Overrides the merchant-level callback URL for this invoice (§2.3).
    let Ok(callback_url) = crate::wire::callback_url(&fields, "callbackUrl") else {
        return error(StatusCode::BAD_REQUEST, "invalid callbackUrl");
    };
    let number = sim.next_number();
    let order_id = field("orderId").map(str::to_string).unwrap_or_else(|| format!("no-order-{number}"));
    let inv = sim.create(NewInvoice {
        gateway: GATEWAY.id,
        gateway_id: format!("5e1a7c00-0000-4000-8000-{number:012}"),
        order_id: &order_id,
        amount_minor,
        amount_sent,
        currency,
        decimals: places,
        description: field("title"),
        lifetime_secs: LIFETIME_SECS,
        echo: None,
        callback_url,
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
        // Several invoices may carry the order id: the newest answers.
        (None, Some(order)) => sim.invoices_for_order(GATEWAY.id, order).pop(),
        (None, None) => return error(StatusCode::BAD_REQUEST, "invoiceId or orderId is required"),
    };
    match found {
        Some(inv) => answer(&sim, &inv),
        None => error(StatusCode::NOT_FOUND, "invoice not found"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn signatures_are_the_documents_test_vectors() {
        // §2.2, the create example.
        let body = r#"{"amount":"10.00","currency":"USD","merchantId":"ABCDEFGH","orderId":"POS-0001","title":"Table 4","request":"/api/v1/invoices/create","nonce":1700000000000}"#;
        let (payload, signature) = super::sign("TEST_SECRET", body.as_bytes());
        assert_eq!(payload, "eyJhbW91bnQiOiIxMC4wMCIsImN1cnJlbmN5IjoiVVNEIiwibWVyY2hhbnRJZCI6IkFCQ0RFRkdIIiwib3JkZXJJZCI6IlBPUy0wMDAxIiwidGl0bGUiOiJUYWJsZSA0IiwicmVxdWVzdCI6Ii9hcGkvdjEvaW52b2ljZXMvY3JlYXRlIiwibm9uY2UiOjE3MDAwMDAwMDAwMDB9");
        assert_eq!(signature, "1be494ad8ddd4a07bf657c403439fc058aee4416ac47adff114a93b9027a675d81cbc864f132e374dfc5f72e2e3df9b1ca95f86bf558f4c8d89f741849424d6d");
        // §2.6, the callback example: the same scheme.
        let body = r#"{"invoiceId":"e70f075f-e858-4cb2-9062-a20ca1fa4c92","merchantId":"ABCDEFGH","status":3,"statusName":"Successful"}"#;
        assert_eq!(super::sign("TEST_SECRET", body.as_bytes()).1, "a85f5e254afb60cc0d233bef19e48816233ac5b74174b568cfd3e9b63e10a6cc50d8b0d44f34ed2729c75556dde2b5b5d761140cbb0c837ab83a13ce0f5bcfc6");
    }
}
