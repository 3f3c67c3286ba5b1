//! NonStoPay (gateways.md §5): checks the `API-KEY` header (50001 missing, 50007 wrong), the
//! customer email (50002/50005), the amount (50003: a string in major units with '.'), the devise
//! (50004/50009: USD only) and the amount limits (50011/50012), and answers NonStoPay's
//! `{"errorCode", "errorMessage"}` shape. Success is the server-to-server answer, which carries the
//! invoice `ID` besides `redirectUrl`. The IP allow-list (50006/50010) is not simulated.
//!
//! NonStoPay does not dedupe, but the simulator keeps one invoice per order id (read from
//! `callbackJson`), so a repeat is answered with the invoice it already has.

use super::SimGateway;
use crate::{parse_wire_decimal, NewInvoice, PayState, Sim, SimInvoice};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use paydesk_core::gateways::nonstopay::{CallbackData, CreateRequest, CreateResponse, InvoiceInfo, StatusResponse, OK};
use paydesk_core::money::{Amount, Currency};
use paydesk_core::sign::bytes_eq;
use serde_json::Value;
use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};

const API_KEY: &str = "sim-nonstopay-api-key";

pub const GATEWAY: SimGateway =
    SimGateway { id: "nonstopay", credentials: &[("api_key", API_KEY), ("email", "till@paydesk.example")], routes };

/// The simulated account's limits in cents (real limits depend on the account).
const MIN_CENTS: u64 = 100;
const MAX_CENTS: u64 = 1_000_000;

/// NonStoPay invoices never expire before 14 days.
const LIFETIME_SECS: i64 = 14 * 86_400;

fn routes() -> Router<Sim> {
    Router::new().route("/api/btn-create-invoice/get/", post(create)).route("/api/invoice/status/", get(status))
}

/// The HTTP status of NonStoPay's errors is not documented; 400 is a guess, and the client reads
/// `errorCode` whatever the status.
fn error(code: i64, message: &str) -> Response {
    let body = CreateResponse {
        error_code: code,
        error_message: Some(message.into()),
        redirect_url: None,
        html: None,
        status: None,
        id: None,
    };
    (StatusCode::BAD_REQUEST, Json(body)).into_response()
}

/// The error answer for a missing or wrong `API-KEY`, if it is either.
fn key_error(headers: &HeaderMap) -> Option<Response> {
    match headers.get("API-KEY").and_then(|v| v.to_str().ok()) {
        None => Some(error(50001, "API-KEY required")),
        Some(k) if bytes_eq(k.as_bytes(), API_KEY.as_bytes()) => None,
        Some(_) => Some(error(50007, "Invalid API-KEY")),
    }
}

/// One '@' between a non-empty name and a dotted domain: enough to tell a real address from junk.
fn looks_like_email(email: &str) -> bool {
    match email.split_once('@') {
        Some((name, domain)) => {
            !name.is_empty()
                && !domain.contains('@')
                && domain.split('.').count() >= 2
                && !domain.split('.').any(str::is_empty)
        }
        None => false,
    }
}

/// NonStoPay's status for an invoice. It has no partial-payment status in the known table: an
/// underpaid invoice stays opened (`invoice:opened`) until the rest arrives or it expires.
fn status_word(inv: &SimInvoice) -> &'static str {
    match inv.current_state() {
        PayState::Open => "invoice:created",
        PayState::Underpaid => "invoice:opened",
        PayState::Paid => "invoice:paid",
        PayState::Expired => "invoice:expired",
    }
}

async fn create(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(resp) = key_error(&headers) {
        return resp;
    }
    let Ok(value) = serde_json::from_slice::<Value>(&body) else {
        // No documented code for a body that is not JSON; 50003 (the first required field) is a guess.
        return error(50003, "amount required");
    };
    let field = |name: &str| value.get(name).filter(|v| !v.is_null() && v.as_str() != Some(""));
    if field("email").is_none() {
        return error(50002, "email required");
    }
    if field("amount").is_none() {
        return error(50003, "amount required");
    }
    if field("devise").is_none() {
        return error(50004, "devise required");
    }
    let Ok(req) = serde_json::from_value::<CreateRequest>(value) else {
        // A number instead of the decimal string: no documented code, so the amount's is used.
        return error(50003, "amount must be a decimal string with '.'");
    };
    if !looks_like_email(&req.email) {
        return error(50005, "invalid email address");
    }
    if req.devise != "USD" {
        return error(50009, "invalid devise");
    }
    let Some(cents) = parse_wire_decimal(&req.amount, 2, 2) else {
        // Unreadable amounts have no code of their own either.
        return error(50003, "amount must be a decimal with '.', e.g. 15.04");
    };
    if cents > MAX_CENTS {
        return error(50011, "amount is above the maximum");
    }
    if cents < MIN_CENTS {
        return error(50012, "amount is below the minimum");
    }
    static ANONYMOUS: AtomicU64 = AtomicU64::new(1);
    let order_id = req
        .callback_json
        .as_deref()
        .and_then(|j| serde_json::from_str::<CallbackData>(j).ok())
        .map(|c| c.order_id)
        .unwrap_or_else(|| format!("nonstopay-no-order-{}", ANONYMOUS.fetch_add(1, Ordering::Relaxed)));
    let new = NewInvoice {
        gateway: GATEWAY.id,
        order_id: &order_id,
        amount_minor: cents,
        currency: "USD",
        description: None,
        lifetime_secs: LIFETIME_SECS,
    };
    let inv = sim.create(new).unwrap_or_else(|existing| *existing);
    let link = sim.pay_link(&inv);
    Json(CreateResponse {
        error_code: OK,
        error_message: None,
        html: Some(format!("<a href='{}'></a>", crate::html_escape(&link))),
        redirect_url: Some(link),
        status: Some(status_word(&inv).into()),
        id: Some(inv.gateway_id.clone()),
    })
    .into_response()
}

async fn status(State(sim): State<Sim>, headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    if let Some(resp) = key_error(&headers) {
        return resp;
    }
    let Some(id) = query.get("id").filter(|id| !id.is_empty()) else {
        return error(50002, "id required");
    };
    // An unknown id is answered like someone else's invoice (the documented 50011); a guess.
    let Some(inv) = sim.find(GATEWAY.id, id) else {
        return error(50011, "This invoice belongs to another merchant");
    };
    Json(StatusResponse {
        error_code: OK,
        error_message: None,
        invoice: Some(InvoiceInfo {
            id: inv.gateway_id.clone(),
            devise: Some(inv.currency.clone()),
            amount: Amount::from_minor(inv.amount_minor, Currency::USD).ok().map(|a| a.to_decimal_string()),
            status: status_word(&inv).into(),
        }),
    })
    .into_response()
}
