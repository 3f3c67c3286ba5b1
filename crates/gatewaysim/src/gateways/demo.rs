//! The Demo contract, Paydesk's own (see the crate README): plain JSON, no credentials, a repeat
//! of an order id answered with the invoice it already has.

use super::SimGateway;
use crate::wire::{decimals, parse_wire_decimal, text};
use crate::{NewInvoice, PayState, Sim, SimInvoice};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Value};

/// Holds each create's answer this many milliseconds after the invoice is made, so a crash test
/// can kill the till while the invoice exists but its answer is still on the way.
pub const ANSWER_DELAY_ENV: &str = "PAYDESK_SIM_DEMO_ANSWER_DELAY_MS";

pub const GATEWAY: SimGateway = SimGateway { id: "demo", credentials: &[], routes };

fn routes() -> Router<Sim> {
    Router::new().route("/invoices", post(create).get(find_by_order)).route("/invoices/{id}", get(status))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"error": {"code": code, "message": message}}))).into_response()
}

fn answer(sim: &Sim, inv: &SimInvoice) -> Response {
    let status = match inv.current_state() {
        PayState::Open => "pending",
        PayState::Paid => "paid",
        PayState::Underpaid => "underpaid",
        PayState::Expired => "expired",
    };
    Json(json!({
        "id": inv.gateway_id,
        "order_id": inv.order_id,
        "status": status,
        "pay_url": sim.pay_link(inv),
        "expires_at": inv.expires_at,
    }))
    .into_response()
}

async fn create(State(sim): State<Sim>, body: axum::body::Bytes) -> Response {
    let Ok(Value::Object(req)) = serde_json::from_slice::<Value>(&body) else {
        return error(StatusCode::BAD_REQUEST, "bad_json", "the body is not a demo invoice request");
    };
    let field = |name: &str| req.get(name).and_then(Value::as_str).unwrap_or_default();
    let (order_id, currency) = (field("order_id"), field("currency"));
    let Some(places) = decimals(currency) else {
        return error(StatusCode::BAD_REQUEST, "bad_currency", "unknown currency");
    };
    let Some(amount_minor) = parse_wire_decimal(field("amount"), places, places) else {
        return error(StatusCode::BAD_REQUEST, "bad_amount", "amount must be a positive decimal in major units");
    };
    if order_id.is_empty() || order_id.len() > 64 {
        return error(StatusCode::BAD_REQUEST, "bad_order_id", "order_id must be 1 to 64 characters");
    }
    let Some(lifetime) = req.get("lifetime_secs").and_then(Value::as_i64) else {
        return error(StatusCode::BAD_REQUEST, "bad_lifetime", "lifetime_secs must be a whole number of seconds");
    };
    if let Some(existing) = sim.find_by_order(GATEWAY.id, order_id) {
        if existing.amount_minor == amount_minor && existing.currency == currency {
            return answer(&sim, &existing);
        }
        return error(
            StatusCode::CONFLICT,
            "duplicate_order",
            "this order id already has an invoice for another amount",
        );
    }
    let description = req.get("description").and_then(text);
    let inv = sim.create(NewInvoice {
        gateway: GATEWAY.id,
        gateway_id: format!("DEMO{:06}", sim.next_number()),
        order_id,
        amount_minor,
        amount_sent: Value::String(field("amount").to_string()),
        currency,
        decimals: places,
        description: description.as_deref(),
        lifetime_secs: lifetime.clamp(60, 86_400),
        echo: None,
        callback_url: None,
    });
    if let Some(ms) = std::env::var(ANSWER_DELAY_ENV).ok().and_then(|v| v.parse().ok()) {
        tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    }
    answer(&sim, &inv)
}

async fn status(State(sim): State<Sim>, Path(id): Path<String>) -> Response {
    match sim.find(GATEWAY.id, &id) {
        Some(inv) => answer(&sim, &inv),
        None => error(StatusCode::NOT_FOUND, "not_found", "no such invoice"),
    }
}

#[derive(serde::Deserialize)]
struct OrderQuery {
    order_id: String,
}

/// `GET invoices?order_id=…`: the invoice this merchant has for our order id.
async fn find_by_order(State(sim): State<Sim>, Query(query): Query<OrderQuery>) -> Response {
    match sim.find_by_order(GATEWAY.id, &query.order_id) {
        Some(inv) => answer(&sim, &inv),
        None => error(StatusCode::NOT_FOUND, "not_found", "no invoice for this order id"),
    }
}
