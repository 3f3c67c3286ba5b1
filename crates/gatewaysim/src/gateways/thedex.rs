//! The TheDex contract (gateways.md §2): checks X-EX-APIKEY, that X-EX-PAYLOAD is base64 of the
//! body, the HMAC-SHA512 signature, the body's `request` path, a nonce that increases per key
//! (a reused or older one is refused) and the decimal amount format.
//!
//! TheDex's error shape is undocumented: `{"code": <HTTP status>, "message": "…"}` with 401 for
//! authentication failures and 400 for everything else is a plausible guess, nothing more.

use super::SimGateway;
use crate::{parse_wire_decimal, NewInvoice, PayState, Sim, SimInvoice};
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};
use paydesk_core::gateways::thedex::{sign, CreateBody, Invoice, Nonce, OneBody, TITLE_MAX_CHARS};
use paydesk_core::money::Currency;
use paydesk_core::sign::hex_eq;
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

const API_KEY: &str = "sim-thedex-api-key";
const SECRET_KEY: &str = "sim-thedex-secret-key";
const MERCHANT_ID: &str = "SIMMERCHANT";
/// The path prefix TheDex's `request` field carries.
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

/// The checks every TheDex endpoint makes before reading its own fields; the error is the
/// HTTP status and message to answer.
fn authenticate(
    headers: &HeaderMap,
    body: &[u8],
    endpoint: &str,
    nonces: &Nonces,
) -> Result<(), (StatusCode, &'static str)> {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or_default();
    if header("x-ex-apikey") != API_KEY {
        return Err((StatusCode::UNAUTHORIZED, "invalid api key"));
    }
    let (payload, signature) = sign(SECRET_KEY, body);
    if header("x-ex-payload") != payload {
        return Err((StatusCode::UNAUTHORIZED, "payload does not match the body"));
    }
    if !hex_eq(&signature, header("x-ex-signature")) {
        return Err((StatusCode::UNAUTHORIZED, "invalid signature"));
    }
    #[derive(Deserialize)]
    struct Envelope {
        request: String,
        nonce: Nonce,
    }
    let Ok(envelope) = serde_json::from_slice::<Envelope>(body) else {
        return Err((StatusCode::BAD_REQUEST, "request and nonce are required"));
    };
    if envelope.request != format!("{REQUEST_PREFIX}{endpoint}") {
        return Err((StatusCode::BAD_REQUEST, "request does not match the endpoint"));
    }
    let Some(nonce) = envelope.nonce.value() else {
        return Err((StatusCode::BAD_REQUEST, "nonce must be an integer"));
    };
    let mut seen = nonces.lock().expect("nonce lock");
    let last = seen.entry(API_KEY.to_string()).or_default();
    if nonce <= *last {
        return Err((StatusCode::BAD_REQUEST, "nonce must be greater than the previous one"));
    }
    *last = nonce;
    Ok(())
}

fn answer(sim: &Sim, inv: &SimInvoice) -> Response {
    let (status, name) = match inv.current_state() {
        PayState::Open => (0, "Waiting"),
        PayState::Paid => (3, "Successful"),
        PayState::Underpaid => (5, "Underpaid"),
        PayState::Expired => (2, "Unpaid"),
    };
    Json(Invoice {
        invoice_id: inv.gateway_id.clone(),
        merchant_id: Some(MERCHANT_ID.into()),
        order_id: Some(inv.order_id.clone()),
        status,
        status_name: Some(name.into()),
        pay_url: Some(sim.pay_link(inv)),
        create_timestamp: Some(inv.created_at * 1000),
        expiration_timestamp: Some(inv.expires_at * 1000),
    })
    .into_response()
}

async fn create(State(sim): State<Sim>, headers: HeaderMap, body: axum::body::Bytes, nonces: Nonces) -> Response {
    if let Err((status, message)) = authenticate(&headers, &body, "invoices/create", &nonces) {
        return error(status, message);
    }
    let Ok(req) = serde_json::from_slice::<CreateBody>(&body) else {
        return error(StatusCode::BAD_REQUEST, "amount, currency and merchantId are required");
    };
    if req.merchant_id != MERCHANT_ID {
        return error(StatusCode::BAD_REQUEST, "unknown merchant");
    }
    let Ok(currency) = req.currency.parse::<Currency>() else {
        return error(StatusCode::BAD_REQUEST, "unknown currency");
    };
    let Some(amount_minor) = parse_wire_decimal(&req.amount, currency.decimals(), currency.decimals()) else {
        return error(StatusCode::BAD_REQUEST, "invalid amount");
    };
    if req.title.as_deref().is_some_and(|t| t.chars().count() > TITLE_MAX_CHARS) {
        return error(StatusCode::BAD_REQUEST, "title is longer than 50 characters");
    }
    // orderId is optional; without one, the nonce (unique per key) stands in for the sim's dedupe.
    let order_id =
        req.order_id.clone().unwrap_or_else(|| format!("no-order-{}", req.nonce.value().unwrap_or_default()));
    let new = NewInvoice {
        gateway: GATEWAY.id,
        order_id: &order_id,
        amount_minor,
        currency: currency.code(),
        description: req.title.as_deref(),
        lifetime_secs: LIFETIME_SECS,
    };
    match sim.create(new) {
        Ok(inv) => answer(&sim, &inv),
        // How TheDex treats a repeated orderId is not documented; refusing it is a guess.
        Err(_) => error(StatusCode::BAD_REQUEST, "an invoice with this orderId already exists"),
    }
}

async fn one(State(sim): State<Sim>, headers: HeaderMap, body: axum::body::Bytes, nonces: Nonces) -> Response {
    if let Err((status, message)) = authenticate(&headers, &body, "invoices/one", &nonces) {
        return error(status, message);
    }
    let Ok(req) = serde_json::from_slice::<OneBody>(&body) else {
        return error(StatusCode::BAD_REQUEST, "invoiceId or orderId is required");
    };
    let found = match (&req.invoice_id, &req.order_id) {
        (Some(id), _) => sim.find(GATEWAY.id, id),
        (None, Some(order)) => sim.find_by_order(GATEWAY.id, order),
        (None, None) => return error(StatusCode::BAD_REQUEST, "invoiceId or orderId is required"),
    };
    match found {
        Some(inv) => answer(&sim, &inv),
        None => error(StatusCode::NOT_FOUND, "invoice not found"),
    }
}
