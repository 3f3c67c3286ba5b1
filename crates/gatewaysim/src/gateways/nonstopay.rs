//! NonStoPay (gateways.md §5): the `API-KEY` header (50001 missing, 50007 wrong), the customer
//! email (50002/50005), the amount in major units (50003), the devise (50004/50009: USD only) and
//! the amount limits (50011/50012), answered as `{"errorCode", "errorMessage"}`. A create answers
//! the redirect-mode shape `{"errorCode":0,"redirectUrl","html"}` with no invoice id [C]: the id
//! reaches a merchant only through its callback, the invoice history, or the invoice-info call,
//! which echoes the `callbackJson` the merchant sent. NonStoPay documents no de-duplication: a
//! repeat makes a second invoice. Unpaid invoices expire after 14 days. The IP allow-list
//! (50006/50010) is not simulated.
//!
//! Guesses: the status URL `api/invoice/status/` [I], the history URL `api/invoice/history/`, its
//! list field `invoices` and error 50013 for a bad history query [G]; the HTTP status of errors
//! (400) [G].

use super::{header, SimGateway};
use crate::wire::{datetime, number, parse_wire_decimal, same, text};
use crate::{NewInvoice, PayState, Sim, SimInvoice};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};
use std::collections::HashMap;

const API_KEY: &str = "sim-nonstopay-api-key";

pub const GATEWAY: SimGateway =
    SimGateway { id: "nonstopay", credentials: &[("api_key", API_KEY), ("email", "till@paydesk.example")], routes };

/// The simulated account's limits in cents (real limits depend on the account).
const MIN_CENTS: u64 = 100;
const MAX_CENTS: u64 = 1_000_000;
const LIFETIME_SECS: i64 = 14 * 86_400;

fn routes() -> Router<Sim> {
    Router::new()
        .route("/api/btn-create-invoice/get/", post(create))
        .route("/api/invoice/status/", get(status))
        .route("/api/client-invoice-info/get/", get(info))
        .route("/api/invoice/history/", get(history))
}

fn error(code: i64, message: &str) -> Response {
    (StatusCode::BAD_REQUEST, Json(json!({"errorCode": code, "errorMessage": message}))).into_response()
}

/// The error answer for a missing or wrong `API-KEY`, if it is either.
fn key_error(headers: &HeaderMap) -> Option<Response> {
    match header(headers, "API-KEY") {
        None => Some(error(50001, "API-KEY required")),
        Some(k) if same(API_KEY.as_bytes(), k.as_bytes()) => None,
        Some(_) => Some(error(50007, "Invalid API-KEY")),
    }
}

async fn create(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(refused) = key_error(&headers) {
        return refused;
    }
    let Ok(Value::Object(body)) = serde_json::from_slice::<Value>(&body) else {
        return error(50003, "amount required");
    };
    let email = body.get("email").and_then(Value::as_str).unwrap_or_default();
    if email.is_empty() {
        return error(50002, "email required");
    }
    let valid_email = email.split_once('@').is_some_and(|(user, host)| !user.is_empty() && host.contains('.'));
    if !valid_email {
        return error(50005, "invalid email address");
    }
    let amount_sent = body.get("amount").cloned().unwrap_or_default();
    let Some(amount) = text(&amount_sent) else {
        return error(50003, "amount required");
    };
    let devise = body.get("devise").and_then(Value::as_str).unwrap_or_default();
    if devise.is_empty() {
        return error(50004, "devise required");
    }
    if devise != "USD" {
        return error(50009, "invalid devise");
    }
    let Some(cents) = parse_wire_decimal(&amount, 2, 2) else {
        return error(50003, "amount required");
    };
    if cents > MAX_CENTS {
        return error(50011, "amount above the maximum");
    }
    if cents < MIN_CENTS {
        return error(50012, "amount below the minimum");
    }
    // Merchant data, echoed as sent. The simulator files the invoice under the `order_id` it
    // carries, whether sent as JSON text or as an object, so tests can count invoices per sale.
    let echo = body.get("callbackJson").cloned();
    let carried = match &echo {
        Some(Value::String(json_text)) => serde_json::from_str::<Value>(json_text).ok(),
        other => other.clone(),
    };
    let order_id = carried.as_ref().and_then(|c| c.get("order_id")).and_then(text).unwrap_or_default();
    let inv = sim.create(NewInvoice {
        gateway: GATEWAY.id,
        gateway_id: (1000 + sim.next_number()).to_string(),
        order_id: &order_id,
        amount_minor: cents,
        amount_sent,
        currency: "USD",
        decimals: 2,
        description: body.get("name").and_then(Value::as_str),
        lifetime_secs: LIFETIME_SECS,
        echo,
        callback_url: None,
    });
    let link = sim.pay_link(&inv);
    Json(json!({"errorCode": 0, "redirectUrl": link, "html": format!("<a href='{link}'></a>")})).into_response()
}

fn status_word(inv: &SimInvoice) -> &'static str {
    match inv.current_state() {
        PayState::Open if inv.viewed => "invoice:opened",
        PayState::Open => "invoice:created",
        // No partial-payment status is documented: the invoice stays opened.
        PayState::Underpaid => "invoice:opened",
        PayState::Paid => "invoice:paid",
        PayState::Expired => "invoice:expired",
    }
}

/// The invoice a request's `id` names, or the documented error.
fn by_id(sim: &Sim, headers: &HeaderMap, query: &HashMap<String, String>) -> Result<SimInvoice, Response> {
    if let Some(refused) = key_error(headers) {
        return Err(refused);
    }
    let Some(id) = query.get("id").filter(|id| !id.is_empty()) else {
        return Err(error(50002, "id required"));
    };
    sim.find(GATEWAY.id, id).ok_or_else(|| error(50011, "This invoice belongs to another merchant"))
}

/// The invoice as the status call shows it [C]; the history adds its `datetime` [G].
fn listed(inv: &SimInvoice) -> Value {
    json!({"id": inv.gateway_id, "devise": "USD", "amount": inv.amount_sent_text(), "status": status_word(inv)})
}

async fn status(State(sim): State<Sim>, headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    match by_id(&sim, &headers, &query) {
        Ok(inv) => Json(json!({"errorCode": 0, "invoice": listed(&inv)})).into_response(),
        Err(refused) => refused,
    }
}

async fn info(State(sim): State<Sim>, headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    let inv = match by_id(&sim, &headers, &query) {
        Ok(inv) => inv,
        Err(refused) => return refused,
    };
    // The document's example has numbers here, where the status call has text.
    let id: u64 = inv.gateway_id.parse().expect("NonStoPay ids are numbers");
    let amount = number(&inv.amount_sent_text());
    Json(json!({"errorCode": 0, "merchant_id": "1", "invoice_id": inv.gateway_id, "data": {
        "status": status_word(&inv),
        "id": id,
        "devise": "USD",
        "amount": amount,
        "description": "Invoice of the simulated merchant",
        "callbackJson": inv.echo,
        "fiat_amount": amount,
        "fiat_currency": "USD",
        "totalAmount": amount,
        "totalCurrency": "USDC",
        "datetime": datetime(inv.created_at),
    }}))
    .into_response()
}

/// `YYYY-MM-DD`, digits where digits go.
fn is_day(text: &str) -> bool {
    text.len() == 10
        && text.bytes().enumerate().all(|(i, b)| if i == 4 || i == 7 { b == b'-' } else { b.is_ascii_digit() })
}

/// The invoice history: `status` (PAID, UNPAID, WAITING, EXPIRED or ALL) and `from`/`to` (UTC
/// days, inclusive) are required, `order` (ASC or DESC) is not.
async fn history(State(sim): State<Sim>, headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    if let Some(refused) = key_error(&headers) {
        return refused;
    }
    let (Some(wanted), Some(from), Some(to)) = (query.get("status"), query.get("from"), query.get("to")) else {
        return error(50013, "status, from and to required");
    };
    if ![from, to].iter().all(|d| is_day(d)) {
        return error(50013, "from and to must be YYYY-MM-DD");
    }
    let keep = |inv: &SimInvoice| match wanted.as_str() {
        "ALL" => true,
        "PAID" => inv.current_state() == PayState::Paid,
        "EXPIRED" => inv.current_state() == PayState::Expired,
        "UNPAID" | "WAITING" => inv.is_live(),
        _ => false,
    };
    if !["ALL", "PAID", "EXPIRED", "UNPAID", "WAITING"].contains(&wanted.as_str()) {
        return error(50013, "invalid status");
    }
    let day = |inv: &SimInvoice| datetime(inv.created_at)[..10].to_string();
    let mut invoices: Vec<Value> = sim
        .invoices_of(GATEWAY.id)
        .iter()
        .filter(|inv| keep(inv) && day(inv).as_str() >= from.as_str() && day(inv).as_str() <= to.as_str())
        .map(|inv| {
            let mut item = listed(inv);
            item["datetime"] = json!(datetime(inv.created_at));
            item
        })
        .collect();
    if query.get("order").map(String::as_str) != Some("ASC") {
        invoices.reverse();
    }
    Json(json!({"errorCode": 0, "invoices": invoices})).into_response()
}
