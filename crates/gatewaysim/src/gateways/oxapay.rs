//! OxaPay (gateways.md §3), both generations. v1: the `merchant_api_key` header, snake_case JSON,
//! the `{data, message, error{type,key,message}, status, version}` envelope with HTTP 400/401/404,
//! `POST v1/payment/invoice`, `GET v1/payment/{track_id}` and the payment history `GET v1/payment`
//! (its filter fields are not documented: `order_id` is taken as one [I]). Legacy: the key in the
//! body's `merchant`, camelCase, `result == 100` for success and the result-code table otherwise,
//! always HTTP 200. Neither signs requests. Amounts are decimal JSON numbers; the lifetime is
//! 15 to 2880 minutes, 60 by default. OxaPay documents no de-duplication of our order id: a repeat
//! makes a second invoice.

use super::{header_is, SimGateway};
use crate::wire::{decimals, parse_wire_decimal, same};
use crate::{NewInvoice, PayState, Sim, SimInvoice};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use std::collections::HashMap;

const KEY: &str = "sim-oxapay-merchant-key";

pub const GATEWAY: SimGateway = SimGateway { id: "oxapay", credentials: &[("merchant_api_key", KEY)], routes };

fn routes() -> Router<Sim> {
    Router::new()
        .route("/v1/payment/invoice", post(v1_create))
        .route("/v1/payment", get(v1_history))
        .route("/v1/payment/{track_id}", get(v1_status))
        .route("/merchants/request", post(legacy_create))
        .route("/merchants/inquiry", post(legacy_inquiry))
}

/// Why a create was refused, before each generation words it its own way.
enum Invalid {
    Amount,
    Currency,
    LifetimeNotInteger,
    LifetimeShort,
    LifetimeLong,
    CallbackUrl,
}

/// Reads what both generations' creates share: the amount (a JSON number), the currency (USD
/// if absent) and the lifetime in minutes (60 if absent), then makes the invoice.
fn create_invoice(
    sim: &Sim,
    body: &Map<String, Value>,
    lifetime_field: &str,
    order_field: &str,
    callback_field: &str,
) -> Result<SimInvoice, Invalid> {
    let currency = body.get("currency").and_then(Value::as_str).unwrap_or("USD");
    let places = decimals(currency).ok_or(Invalid::Currency)?;
    let amount_sent = body.get("amount").filter(|a| a.is_number()).cloned().ok_or(Invalid::Amount)?;
    let amount_minor = parse_wire_decimal(&amount_sent.to_string(), places, places).ok_or(Invalid::Amount)?;
    let lifetime = match body.get(lifetime_field) {
        None => 60,
        Some(minutes) => minutes.as_i64().ok_or(Invalid::LifetimeNotInteger)?,
    };
    if lifetime < 15 {
        return Err(Invalid::LifetimeShort);
    }
    if lifetime > 2880 {
        return Err(Invalid::LifetimeLong);
    }
    let callback_url = crate::wire::callback_url(body, callback_field).map_err(|_| Invalid::CallbackUrl)?;
    let number = sim.next_number();
    let order_id = body.get(order_field).and_then(Value::as_str).map(str::to_string);
    Ok(sim.create(NewInvoice {
        gateway: GATEWAY.id,
        // Track ids are numeric: the legacy inquiry takes an integer.
        gateway_id: (190_000_000 + number).to_string(),
        order_id: &order_id.unwrap_or_else(|| format!("oxapay-no-order-{number}")),
        amount_minor,
        amount_sent,
        currency,
        decimals: places,
        description: body.get("description").and_then(Value::as_str),
        lifetime_secs: lifetime * 60,
        echo: None,
        callback_url,
    }))
}

// ---- v1 ----

fn v1_envelope(status: StatusCode, data: Value, error: Value, message: &str) -> Response {
    let body = json!({"data": data, "message": message, "error": error, "status": status.as_u16(), "version": "1.0.0"});
    (status, Json(body)).into_response()
}

fn v1_error(status: StatusCode, kind: &str, key: &str, message: &str) -> Response {
    v1_envelope(status, json!({}), json!({"type": kind, "key": key, "message": message}), message)
}

fn v1_ok(data: Value) -> Response {
    v1_envelope(StatusCode::OK, data, json!({}), "ok")
}

/// HTTP 401 for a bad key is documented; the `type`/`key` words are a guess.
fn v1_unauthorized() -> Response {
    v1_error(StatusCode::UNAUTHORIZED, "authentication_error", "merchant_api_key", "Invalid merchant API key.")
}

/// Field errors in the shape of the SDK's example `{"key":"lifetime","message":"…"}`.
fn v1_invalid(key: &str, message: &str) -> Response {
    v1_error(StatusCode::BAD_REQUEST, "validation_error", key, message)
}

async fn v1_create(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if !header_is(&headers, "merchant_api_key", KEY) {
        return v1_unauthorized();
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return v1_invalid("body", "The request body must be JSON.");
    };
    if body.get("sandbox").is_some_and(|v| !v.is_boolean()) {
        return v1_invalid("sandbox", "The sandbox field must be true or false.");
    }
    match create_invoice(&sim, &body, "lifetime", "order_id", "callback_url") {
        Ok(inv) => v1_ok(json!({
            "track_id": inv.gateway_id,
            "payment_url": sim.pay_link(&inv),
            "expired_at": inv.expires_at,
            "date": inv.created_at,
        })),
        Err(Invalid::Amount) => v1_invalid("amount", "The amount field must be a positive number."),
        Err(Invalid::Currency) => v1_invalid("currency", "The selected currency is invalid."),
        Err(Invalid::LifetimeNotInteger) => v1_invalid("lifetime", "The lifetime field must be an integer."),
        Err(Invalid::LifetimeShort | Invalid::LifetimeLong) => {
            v1_invalid("lifetime", "The lifetime field must be between 15 and 2880.")
        }
        Err(Invalid::CallbackUrl) => v1_invalid("callback_url", "The callback url field must be a valid URL."),
    }
}

/// v1 statuses [C]: `paying` once a transaction is seen, `underpaid` when it expired part-paid.
fn v1_status_word(inv: &SimInvoice) -> &'static str {
    match inv.current_state() {
        PayState::Open if inv.viewed => "waiting",
        PayState::Open => "new",
        PayState::Paid => "paid",
        PayState::Underpaid if crate::now() >= inv.expires_at => "underpaid",
        PayState::Underpaid => "paying",
        PayState::Expired => "expired",
    }
}

fn v1_payment(inv: &SimInvoice) -> Value {
    let txs = if inv.paid_minor() > 0 {
        let paid = crate::wire::format_minor(inv.paid_minor(), inv.decimals);
        vec![json!({"tx_hash": format!("0xsim{}", inv.gateway_id), "amount": paid, "status": "confirmed"})]
    } else {
        vec![]
    };
    json!({
        "track_id": inv.gateway_id,
        "type": "invoice",
        "amount": inv.amount_sent,
        "currency": inv.currency,
        "status": v1_status_word(inv),
        "lifetime": (inv.expires_at - inv.created_at) / 60,
        "order_id": inv.order_id,
        "description": inv.description,
        "callback_url": inv.callback_url,
        "expired_at": inv.expires_at,
        "date": inv.created_at,
        "txs": txs,
    })
}

async fn v1_status(State(sim): State<Sim>, headers: HeaderMap, Path(track): Path<String>) -> Response {
    if !header_is(&headers, "merchant_api_key", KEY) {
        return v1_unauthorized();
    }
    match sim.find(GATEWAY.id, &track) {
        Some(inv) => v1_ok(v1_payment(&inv)),
        // The not-found wording is a guess; 404 is documented.
        None => v1_error(StatusCode::NOT_FOUND, "not_found", "track_id", "Payment not found."),
    }
}

/// The payment history, newest first, one page; `order_id` filters it [I].
async fn v1_history(
    State(sim): State<Sim>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    if !header_is(&headers, "merchant_api_key", KEY) {
        return v1_unauthorized();
    }
    let mut list: Vec<Value> = sim
        .invoices_of(GATEWAY.id)
        .iter()
        .filter(|inv| query.get("order_id").is_none_or(|o| same(o.as_bytes(), inv.order_id.as_bytes())))
        .map(v1_payment)
        .collect();
    list.reverse();
    let total = list.len();
    v1_ok(json!({"list": list, "meta": {"page": 1, "last_page": 1, "total": total}}))
}

// ---- legacy ----

/// Legacy failures are HTTP 200 with a result code; the message is the result table's wording.
fn legacy_result(result: i64, message: &str) -> Response {
    Json(json!({"result": result, "message": message})).into_response()
}

fn legacy_body(body: &[u8]) -> Result<Map<String, Value>, Response> {
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(body) else {
        return Err(legacy_result(101, "Validation problem: the body must be JSON"));
    };
    let key = body.get("merchant").and_then(Value::as_str).unwrap_or_default();
    if !same(KEY.as_bytes(), key.as_bytes()) {
        return Err(legacy_result(102, "Invalid merchant API key"));
    }
    Ok(body)
}

async fn legacy_create(State(sim): State<Sim>, body: Bytes) -> Response {
    let body = match legacy_body(&body) {
        Ok(body) => body,
        Err(resp) => return resp,
    };
    match create_invoice(&sim, &body, "lifeTime", "orderId", "callbackUrl") {
        Ok(inv) => Json(json!({
            "result": 100,
            "message": "Successful operation",
            "trackId": inv.gateway_id,
            "payLink": sim.pay_link(&inv),
            "expiredAt": inv.expires_at,
        }))
        .into_response(),
        Err(Invalid::Amount) => legacy_result(101, "Validation problem: amount"),
        Err(Invalid::Currency) => legacy_result(105, "Invalid currency"),
        Err(Invalid::LifetimeNotInteger) => legacy_result(101, "Validation problem: lifeTime"),
        Err(Invalid::LifetimeShort) => legacy_result(111, "lifeTime must be more than 15"),
        Err(Invalid::LifetimeLong) => legacy_result(112, "lifeTime must be less than 2880"),
        Err(Invalid::CallbackUrl) => legacy_result(107, "Invalid callbackUrl"),
    }
}

/// Legacy statuses [C]; it has no underpaid status: a part payment leaves it `Waiting`.
fn legacy_status_word(inv: &SimInvoice) -> &'static str {
    match inv.current_state() {
        PayState::Open if inv.viewed => "Waiting",
        PayState::Open => "New",
        PayState::Paid => "Paid",
        PayState::Underpaid => "Waiting",
        PayState::Expired => "Expired",
    }
}

async fn legacy_inquiry(State(sim): State<Sim>, body: Bytes) -> Response {
    let body = match legacy_body(&body) {
        Ok(body) => body,
        Err(resp) => return resp,
    };
    // The docs type trackId as an integer.
    let inv = body.get("trackId").and_then(Value::as_u64).and_then(|t| sim.find(GATEWAY.id, &t.to_string()));
    let Some(inv) = inv else {
        return legacy_result(116, "Invalid trackId");
    };
    Json(json!({
        "result": 100,
        "message": "Successful operation",
        "trackId": inv.gateway_id,
        "status": legacy_status_word(&inv),
        "amount": inv.amount_sent,
        "currency": inv.currency,
        "orderId": inv.order_id,
        "date": inv.created_at,
    }))
    .into_response()
}
