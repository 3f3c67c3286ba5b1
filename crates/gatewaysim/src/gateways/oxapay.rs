//! OxaPay (gateways.md §3), both contracts:
//! * v1: checks the `merchant_api_key` header, the amount (a JSON number with at most the
//!   currency's decimals), the currency and the lifetime (15–2880 minutes), and answers the v1
//!   envelope `{data, message, error:{type,key,message}, status, version}`.
//! * legacy: checks the `merchant` body field and the same values, and answers HTTP 200 with
//!   `result` codes from the documented table (102 bad key, 105 currency, 111/112 lifetime…).
//!
//! OxaPay does not dedupe order ids, but the simulator keeps one invoice per order id, so a repeat
//! is answered with the invoice it already has.

use super::SimGateway;
use crate::{parse_wire_decimal, NewInvoice, PayState, Sim, SimInvoice};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use paydesk_core::gateways::oxapay::{
    LegacyCreateRequest, LegacyCreateResponse, LegacyInquiryResponse, V1Envelope, V1ErrorDetail, V1InvoiceData,
    V1InvoiceRequest, V1PaymentData, LEGACY_OK, LIFETIME_MINUTES,
};
use paydesk_core::money::Currency;
use paydesk_core::sign::bytes_eq;
use serde_json::{json, Value};
use std::sync::atomic::{AtomicU64, Ordering};

const KEY: &str = "sim-oxapay-merchant-key";

pub const GATEWAY: SimGateway = SimGateway { id: "oxapay", credentials: &[("merchant_api_key", KEY)], routes };

fn routes() -> Router<Sim> {
    Router::new()
        .route("/v1/payment/invoice", post(v1_create))
        .route("/v1/payment/{track_id}", get(v1_status))
        .route("/merchants/request", post(legacy_create))
        .route("/merchants/inquiry", post(legacy_inquiry))
}

fn key_ok(key: Option<&str>) -> bool {
    key.is_some_and(|k| bytes_eq(k.as_bytes(), KEY.as_bytes()))
}

/// OxaPay track ids are numeric (the legacy inquiry takes an integer), so the simulator's id
/// `SIMOXAPAY000042` is shown as `9000042`.
fn track_id(inv: &SimInvoice) -> String {
    format!("9{}", inv.gateway_id.trim_start_matches(|c: char| !c.is_ascii_digit()))
}

fn find_track(sim: &Sim, track_id: &str) -> Option<SimInvoice> {
    let digits = track_id.strip_prefix('9').filter(|d| !d.is_empty() && d.bytes().all(|b| b.is_ascii_digit()))?;
    sim.find(GATEWAY.id, &format!("SIM{}{digits}", GATEWAY.id.to_ascii_uppercase()))
}

/// The values both contracts check the same way, already read from the body.
struct Checked {
    amount_minor: u64,
    currency: Currency,
    lifetime_minutes: i64,
}

/// Why a create was refused, before each contract words it its own way.
enum Invalid {
    Amount,
    Currency,
    LifetimeShort,
    LifetimeLong,
}

fn check(amount: &str, currency: Option<&str>, lifetime: Option<i64>) -> Result<Checked, Invalid> {
    // Both contracts default to USD and 60 minutes.
    let currency: Currency = currency.unwrap_or("USD").parse().map_err(|_| Invalid::Currency)?;
    let amount_minor = parse_wire_decimal(amount, currency.decimals(), currency.decimals()).ok_or(Invalid::Amount)?;
    let lifetime_minutes = lifetime.unwrap_or(60);
    if lifetime_minutes < i64::from(*LIFETIME_MINUTES.start()) {
        return Err(Invalid::LifetimeShort);
    }
    if lifetime_minutes > i64::from(*LIFETIME_MINUTES.end()) {
        return Err(Invalid::LifetimeLong);
    }
    Ok(Checked { amount_minor, currency, lifetime_minutes })
}

/// Creates the invoice, or finds the one this order id already has. Without an order id each
/// create gets a fresh one, as on OxaPay.
fn create_invoice(sim: &Sim, c: &Checked, order_id: Option<&str>, description: Option<&str>) -> SimInvoice {
    static ANONYMOUS: AtomicU64 = AtomicU64::new(1);
    let fresh;
    let order_id = match order_id {
        Some(id) => id,
        None => {
            fresh = format!("oxapay-no-order-{}", ANONYMOUS.fetch_add(1, Ordering::Relaxed));
            &fresh
        }
    };
    let new = NewInvoice {
        gateway: GATEWAY.id,
        order_id,
        amount_minor: c.amount_minor,
        currency: c.currency.code(),
        description,
        lifetime_secs: c.lifetime_minutes * 60,
    };
    sim.create(new).unwrap_or_else(|existing| *existing)
}

// ---- v1 ----

fn v1_error(status: StatusCode, kind: &str, key: &str, message: &str) -> Response {
    let body = V1Envelope {
        data: json!({}),
        message: message.into(),
        error: V1ErrorDetail { kind: Some(kind.into()), key: Some(key.into()), message: Some(message.into()) },
        status: status.as_u16(),
        version: "1.0.0".into(),
    };
    (status, Json(body)).into_response()
}

/// HTTP 401 for a bad key is documented; the `type`/`key` words are a guess.
fn v1_unauthorized() -> Response {
    v1_error(StatusCode::UNAUTHORIZED, "authentication_error", "merchant_api_key", "Invalid merchant API key.")
}

/// Field errors in the shape of the SDK's example `{"key":"lifetime","message":"…"}`.
fn v1_invalid(key: &str, message: &str) -> Response {
    v1_error(StatusCode::BAD_REQUEST, "validation_error", key, message)
}

fn v1_ok<T: serde::Serialize>(data: T) -> Response {
    let body = V1Envelope {
        data,
        message: "Operation completed successfully!".into(),
        error: V1ErrorDetail::default(),
        status: 200,
        version: "1.0.0".into(),
    };
    Json(body).into_response()
}

fn v1_key_ok(headers: &HeaderMap) -> bool {
    key_ok(headers.get("merchant_api_key").and_then(|v| v.to_str().ok()))
}

async fn v1_create(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if !v1_key_ok(&headers) {
        return v1_unauthorized();
    }
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return v1_invalid("body", "The request body must be JSON.");
    };
    if !value.get("amount").is_some_and(Value::is_number) {
        return v1_invalid("amount", "The amount field must be a number.");
    }
    if value.get("lifetime").is_some_and(|v| !v.is_i64()) {
        return v1_invalid("lifetime", "The lifetime field must be an integer.");
    }
    let Ok(req) = serde_json::from_value::<V1InvoiceRequest>(value) else {
        return v1_invalid("body", "The request fields have the wrong types.");
    };
    let checked = match check(req.amount.as_str(), req.currency.as_deref(), req.lifetime) {
        Ok(c) => c,
        Err(Invalid::Amount) => return v1_invalid("amount", "The amount must be a positive decimal for the currency."),
        Err(Invalid::Currency) => return v1_invalid("currency", "The selected currency is invalid."),
        Err(Invalid::LifetimeShort | Invalid::LifetimeLong) => {
            return v1_invalid("lifetime", "The lifetime field must be between 15 and 2880.")
        }
    };
    let inv = create_invoice(&sim, &checked, req.order_id.as_deref(), req.description.as_deref());
    v1_ok(V1InvoiceData {
        track_id: track_id(&inv),
        payment_url: sim.pay_link(&inv),
        expired_at: Some(inv.expires_at),
        date: Some(inv.created_at),
    })
}

/// v1 statuses; `underpaid` is v1's own word (a partial payment at expiry).
fn v1_status_word(inv: &SimInvoice) -> &'static str {
    match inv.current_state() {
        PayState::Open => "new",
        PayState::Paid => "paid",
        PayState::Underpaid => "underpaid",
        PayState::Expired => "expired",
    }
}

async fn v1_status(State(sim): State<Sim>, headers: HeaderMap, Path(track): Path<String>) -> Response {
    if !v1_key_ok(&headers) {
        return v1_unauthorized();
    }
    let Some(inv) = find_track(&sim, &track) else {
        // The not-found wording is a guess; 404 is documented.
        return v1_error(StatusCode::NOT_FOUND, "not_found", "track_id", "Payment not found.");
    };
    v1_ok(V1PaymentData {
        track_id: track_id(&inv),
        status: v1_status_word(&inv).into(),
        currency: Some(inv.currency.clone()),
        order_id: Some(inv.order_id.clone()),
        expired_at: Some(inv.expires_at),
        date: Some(inv.created_at),
        // One made-up transaction once money has moved; only its presence matters to Paydesk.
        txs: match inv.current_state() {
            PayState::Paid | PayState::Underpaid => {
                vec![json!({"tx_hash": format!("0xsim{}", inv.key), "status": "confirmed"})]
            }
            PayState::Open | PayState::Expired => vec![],
        },
    })
}

// ---- legacy ----

/// Legacy failures are HTTP 200 with a result code; the message is the result table's wording.
fn legacy_result(result: i64, message: &str) -> Response {
    Json(json!({"result": result, "message": message})).into_response()
}

fn legacy_key_ok(body: &Value) -> bool {
    key_ok(body.get("merchant").and_then(Value::as_str))
}

async fn legacy_create(State(sim): State<Sim>, body: Bytes) -> Response {
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return legacy_result(101, "Validation problem: the body must be JSON");
    };
    if !legacy_key_ok(&value) {
        return legacy_result(102, "Invalid merchant API key");
    }
    if !value.get("amount").is_some_and(Value::is_number) {
        return legacy_result(101, "Validation problem: amount must be a number");
    }
    if value.get("lifeTime").is_some_and(|v| !v.is_i64()) {
        return legacy_result(101, "Validation problem: lifeTime must be an integer");
    }
    let Ok(req) = serde_json::from_value::<LegacyCreateRequest>(value) else {
        return legacy_result(101, "Validation problem");
    };
    let checked = match check(req.amount.as_str(), req.currency.as_deref(), req.life_time) {
        Ok(c) => c,
        Err(Invalid::Amount) => return legacy_result(101, "Validation problem: amount"),
        Err(Invalid::Currency) => return legacy_result(105, "Invalid currency"),
        Err(Invalid::LifetimeShort) => return legacy_result(111, "lifeTime must be more than 15"),
        Err(Invalid::LifetimeLong) => return legacy_result(112, "lifeTime must be less than 2880"),
    };
    let inv = create_invoice(&sim, &checked, req.order_id.as_deref(), req.description.as_deref());
    Json(LegacyCreateResponse {
        result: LEGACY_OK,
        message: "Successful operation".into(),
        track_id: Some(track_id(&inv)),
        pay_link: Some(sim.pay_link(&inv)),
        expired_at: Some(inv.expires_at),
    })
    .into_response()
}

/// Legacy statuses. The legacy API has no underpaid status: a partial payment leaves the invoice
/// `Waiting` for the rest until it expires.
fn legacy_status_word(inv: &SimInvoice) -> &'static str {
    match inv.current_state() {
        PayState::Open => "New",
        PayState::Paid => "Paid",
        PayState::Underpaid => "Waiting",
        PayState::Expired => "Expired",
    }
}

async fn legacy_inquiry(State(sim): State<Sim>, body: Bytes) -> Response {
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        return legacy_result(101, "Validation problem: the body must be JSON");
    };
    if !legacy_key_ok(&value) {
        return legacy_result(102, "Invalid merchant API key");
    }
    let inv = value.get("trackId").and_then(Value::as_u64).and_then(|t| find_track(&sim, &t.to_string()));
    let Some(inv) = inv else {
        return legacy_result(116, "Invalid trackId");
    };
    Json(LegacyInquiryResponse {
        result: LEGACY_OK,
        message: "Successful operation".into(),
        track_id: Some(track_id(&inv)),
        status: Some(legacy_status_word(&inv).into()),
        order_id: Some(inv.order_id.clone()),
    })
    .into_response()
}
