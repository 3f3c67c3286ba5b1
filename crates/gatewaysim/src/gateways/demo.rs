//! The Demo contract: plain JSON, no credentials, duplicates answered with the existing invoice.

use super::SimGateway;
use crate::{parse_wire_decimal, NewInvoice, PayState, Sim, SimInvoice};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use paydesk_core::gateways::demo::{CreateBody, ErrorBody, ErrorDetail, InvoiceBody};
use paydesk_core::money::Currency;

/// Holds each create's answer this many milliseconds after the invoice is made, so a crash test
/// can kill the till while the invoice exists but its answer is still on the way. (The fault
/// injection's latency waits before the gateway acts, so a till killed then leaves no invoice.)
pub const ANSWER_DELAY_ENV: &str = "PAYDESK_SIM_DEMO_ANSWER_DELAY_MS";

pub const GATEWAY: SimGateway = SimGateway { id: "demo", credentials: &[], routes };

fn routes() -> Router<Sim> {
    Router::new().route("/invoices", post(create).get(find_by_order)).route("/invoices/{id}", get(status))
}

fn error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorBody { error: ErrorDetail { code: code.into(), message: message.into() } };
    (status, Json(body)).into_response()
}

fn answer(sim: &Sim, inv: &SimInvoice) -> Response {
    let status = match inv.current_state() {
        PayState::Open => "pending",
        PayState::Paid => "paid",
        PayState::Underpaid => "underpaid",
        PayState::Expired => "expired",
    };
    Json(InvoiceBody {
        id: inv.gateway_id.clone(),
        order_id: inv.order_id.clone(),
        status: status.into(),
        pay_url: sim.pay_link(inv),
        expires_at: inv.expires_at,
    })
    .into_response()
}

async fn create(State(sim): State<Sim>, body: axum::body::Bytes) -> Response {
    let Ok(req) = serde_json::from_slice::<CreateBody>(&body) else {
        return error(StatusCode::BAD_REQUEST, "bad_json", "the body is not a demo invoice request");
    };
    let Ok(currency) = req.currency.parse::<Currency>() else {
        return error(StatusCode::BAD_REQUEST, "bad_currency", "unknown currency");
    };
    let Some(amount_minor) = parse_wire_decimal(&req.amount, currency.decimals(), currency.decimals()) else {
        return error(StatusCode::BAD_REQUEST, "bad_amount", "amount must be a positive decimal in major units");
    };
    if req.order_id.is_empty() || req.order_id.len() > 64 {
        return error(StatusCode::BAD_REQUEST, "bad_order_id", "order_id must be 1 to 64 characters");
    }
    let new = NewInvoice {
        gateway: GATEWAY.id,
        order_id: &req.order_id,
        amount_minor,
        currency: currency.code(),
        description: req.description.as_deref(),
        lifetime_secs: i64::from(req.lifetime_secs.clamp(60, 86_400)),
    };
    match sim.create(new) {
        Ok(inv) => {
            if let Some(ms) = std::env::var(ANSWER_DELAY_ENV).ok().and_then(|v| v.parse().ok()) {
                tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
            }
            answer(&sim, &inv)
        }
        Err(existing) if existing.amount_minor == amount_minor && existing.currency == currency.code() => {
            answer(&sim, &existing)
        }
        Err(_) => {
            error(StatusCode::CONFLICT, "duplicate_order", "this order id already has an invoice for another amount")
        }
    }
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
