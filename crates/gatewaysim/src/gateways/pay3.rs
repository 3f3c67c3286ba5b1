//! The Pay3 contract (gateways.md §4): a guessed Access Token API at the default `token_path`
//! knob, then checkout and subscription orders that need a live `access-token` and a `signature`
//! header, and the order-status query by requestId.
//!
//! The simulator follows the default knobs: the token request is `{"clientId", "apiKey"}`, the
//! answer `{"accessToken"}`, and checkout signatures cover the three-field string
//! (`currencyId=…&fiatAmount=…&requestId=…`). A client set to `two_field` is refused here.
//!
//! Pay3 has no underpaid order status (UNDER_PAID is a payment sub-status under FAILED): an
//! underpaid invoice is shown as FAILED with `errorReason.errorCode` "UNDER_PAID", which is a guess
//! at where Pay3 reports it.

use super::SimGateway;
use crate::{now, parse_wire_decimal, NewInvoice, PayState, Sim, SimInvoice};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use paydesk_core::gateways::pay3::{
    checkout_string_to_sign, format_rfc3339, knob_default, sign, subscription_string_to_sign, CheckoutOrder,
    CheckoutResponse, CheckoutSignature, ErrorBody, ErrorDetail, ErrorReason, ErrorValue, OfferInfoData, Order,
    OrdersResponse, SubscriptionOrder, SubscriptionResponse, STATUS_PATH, SUBSCRIPTION_PATH, TOKEN_LIFETIME_SECS,
};
use paydesk_core::money::Currency;
use paydesk_core::sign::{base64_url, base64_url_decode, bytes_eq, hmac_sha256};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

const CLIENT_ID: &str = "sim-pay3-client";
const API_SECRET: &str = "sim-pay3-api-secret";
const CURRENCY_ID: &str = "USD-USA";
const TOKEN_KEY: &str = "sim-pay3-token-key";
/// Signs the simulator's own access tokens; Pay3's real ones are RS256, but a client never checks them.
const TOKEN_SIGNING_KEY: &[u8] = b"sim-pay3-token-signing-key";
/// Pay3 does not document when an unpaid order is ABANDONED; the simulator gives it 30 minutes.
const ORDER_LIFETIME_SECS: i64 = 30 * 60;

pub const GATEWAY: SimGateway = SimGateway {
    id: "pay3",
    credentials: &[
        ("client_id", CLIENT_ID),
        ("api_secret", API_SECRET),
        ("currency_id", CURRENCY_ID),
        ("payment_method_id", "all"),
        ("email", "till@example.com"),
        ("token_key", TOKEN_KEY),
        ("webhook_secret", "sim-pay3-webhook-secret"),
    ],
    routes,
};

fn routes() -> Router<Sim> {
    Router::new()
        .route(&format!("/{}", knob_default("token_path")), post(token))
        .route(&format!("/{}", knob_default("checkout_path")), post(checkout))
        .route(&format!("/{SUBSCRIPTION_PATH}"), post(subscription))
        .route(&format!("/{STATUS_PATH}"), get(status))
}

/// What the token endpoint of one running simulator has done, keyed by its address, so tests
/// running several simulators at once each see their own.
#[derive(Default)]
struct TokenLog {
    requests: u32,
    /// Tokens carry the generation they were issued in; bumping it kills them all.
    generation: u32,
}

static TOKEN_LOGS: Mutex<BTreeMap<String, TokenLog>> = Mutex::new(BTreeMap::new());

fn with_log<T>(sim: &Sim, f: impl FnOnce(&mut TokenLog) -> T) -> T {
    let mut logs = TOKEN_LOGS.lock().expect("pay3 token log lock");
    f(logs.entry(sim.public_base().to_string()).or_default())
}

/// How many access-token requests this simulator has answered.
pub fn token_requests(sim: &Sim) -> u32 {
    with_log(sim, |log| log.requests)
}

/// Makes every token issued so far invalid, as if they had expired.
pub fn revoke_tokens(sim: &Sim) {
    with_log(sim, |log| log.generation += 1);
}

fn auth_refusal(message: &str) -> Response {
    let body = ErrorBody { code: None, error: ErrorValue::Text(message.into()) };
    (StatusCode::UNAUTHORIZED, Json(body)).into_response()
}

/// Pay3's documented 401 for a bad or expired access token.
fn client_verification_failed() -> Response {
    auth_refusal("Client verification failed")
}

/// Pay3's business-error shape; the codes and messages for bad fields are guesses.
fn business_error(status: StatusCode, code: &str, message: &str) -> Response {
    let body = ErrorBody {
        code: None,
        error: ErrorValue::Detail(ErrorDetail { code: Some(code.into()), message: message.into() }),
    };
    (status, Json(body)).into_response()
}

fn bad_request(message: &str) -> Response {
    business_error(StatusCode::BAD_REQUEST, "400", message)
}

fn issue_token(sim: &Sim) -> String {
    let generation = with_log(sim, |log| log.generation);
    let header = base64_url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = json!({"sub": CLIENT_ID, "exp": now() + TOKEN_LIFETIME_SECS, "gen": generation});
    let payload = base64_url(claims.to_string().as_bytes());
    let signature = base64_url(&hmac_sha256(TOKEN_SIGNING_KEY, format!("{header}.{payload}").as_bytes()));
    format!("{header}.{payload}.{signature}")
}

/// Whether the request's `access-token` is one this simulator issued, unexpired and not revoked.
fn token_is_live(sim: &Sim, headers: &HeaderMap) -> bool {
    let Some(token) = headers.get("access-token").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    let parts: Vec<&str> = token.split('.').collect();
    let [header, payload, signature] = parts[..] else {
        return false;
    };
    let expected = hmac_sha256(TOKEN_SIGNING_KEY, format!("{header}.{payload}").as_bytes());
    if !base64_url_decode(signature).is_some_and(|s| bytes_eq(&expected, &s)) {
        return false;
    }
    let Some(claims) = base64_url_decode(payload).and_then(|b| serde_json::from_slice::<Value>(&b).ok()) else {
        return false;
    };
    let generation = with_log(sim, |log| log.generation);
    claims["sub"] == CLIENT_ID
        && claims["exp"].as_i64().is_some_and(|exp| now() < exp)
        && claims["gen"].as_u64() == Some(u64::from(generation))
}

/// The guessed Access Token API: `{"clientId", "<token_key_field>"}` -> `{"<token_field>"}`.
async fn token(State(sim): State<Sim>, body: Bytes) -> Response {
    with_log(&sim, |log| log.requests += 1);
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("invalid request body");
    };
    if req["clientId"] != CLIENT_ID || req[knob_default("token_key_field")] != TOKEN_KEY {
        return client_verification_failed();
    }
    let mut answer = serde_json::Map::new();
    answer.insert(knob_default("token_field").into(), issue_token(&sim).into());
    Json(Value::Object(answer)).into_response()
}

/// Checks what checkout and subscription orders share; on success, the amount in minor units
/// of the account's currency.
fn check_order(
    headers: &HeaderMap,
    string_to_sign: &str,
    client_id: &str,
    currency_id: &str,
    fiat_amount: &str,
    request_id: &str,
    email: &str,
) -> Result<(Currency, u64), Box<Response>> {
    if client_id != CLIENT_ID {
        return Err(Box::new(client_verification_failed()));
    }
    let received = headers.get("signature").and_then(|v| v.to_str().ok()).unwrap_or_default();
    if !bytes_eq(sign(API_SECRET, string_to_sign).as_bytes(), received.as_bytes()) {
        // Pay3 does not document its answer to a bad signature; this shape is a guess.
        return Err(Box::new(auth_refusal("Signature verification failed")));
    }
    if currency_id != CURRENCY_ID {
        return Err(Box::new(bad_request("invalid currencyId")));
    }
    let currency: Currency = CURRENCY_ID[..3].parse().expect("the simulated currency id leads with an ISO code");
    // Pay3 takes at most 2 decimals whatever the currency; convert to the currency's minor units.
    let cents = parse_wire_decimal(fiat_amount, 2, 2)
        .ok_or_else(|| Box::new(bad_request("fiatAmount must be a positive amount with at most 2 decimals")))?;
    let scale = 10u64.pow(2 - u32::from(currency.decimals()));
    if cents % scale != 0 {
        return Err(Box::new(bad_request("fiatAmount has more decimals than the currency")));
    }
    if request_id.is_empty() || email.is_empty() {
        return Err(Box::new(bad_request("requestId and email are required")));
    }
    Ok((currency, cents / scale))
}

fn create_invoice(
    sim: &Sim,
    request_id: &str,
    currency: Currency,
    amount_minor: u64,
) -> Result<SimInvoice, Box<Response>> {
    let new = NewInvoice {
        gateway: GATEWAY.id,
        order_id: request_id,
        amount_minor,
        currency: currency.code(),
        description: None,
        lifetime_secs: ORDER_LIFETIME_SECS,
    };
    // The docs label this business error 401.
    sim.create(new).map_err(|_| {
        Box::new(business_error(StatusCode::UNAUTHORIZED, "7001", "Order already exists for given requestId"))
    })
}

async fn checkout(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if !token_is_live(&sim, &headers) {
        return client_verification_failed();
    }
    let Ok(order) = serde_json::from_slice::<CheckoutOrder>(&body) else {
        return bad_request("invalid request body");
    };
    let signed = checkout_string_to_sign(CheckoutSignature::ThreeField, &order);
    let checked = check_order(
        &headers,
        &signed,
        &order.client_id,
        &order.currency_id,
        &order.fiat_amount,
        &order.request_id,
        &order.email,
    );
    let (currency, amount_minor) = match checked {
        Ok(ok) => ok,
        Err(resp) => return *resp,
    };
    let inv = match create_invoice(&sim, &order.request_id, currency, amount_minor) {
        Ok(inv) => inv,
        Err(resp) => return *resp,
    };
    // Only `mode: returnUrl` gets a URL to open; otherwise Pay3 expects its SDK to take the token.
    let url = (order.mode == "returnUrl").then(|| sim.pay_link(&inv));
    Json(CheckoutResponse {
        request_id: Some(order.request_id.clone()),
        token: Some(inv.gateway_id.clone()),
        status: Some("CREATED".into()),
        url,
        offer_info_data: Some(OfferInfoData {
            user_address: Some(order.email),
            client_id: Some(order.client_id),
            selected_payment_method: Some(order.payment_method_id),
            total_fiat_amount: Some(order.fiat_amount),
            expiry_ts: Some(format_rfc3339(inv.expires_at)),
            currency_id: Some(order.currency_id),
            kind: Some("BUY".into()),
        }),
    })
    .into_response()
}

async fn subscription(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    if !token_is_live(&sim, &headers) {
        return client_verification_failed();
    }
    let Ok(order) = serde_json::from_slice::<SubscriptionOrder>(&body) else {
        return bad_request("invalid request body");
    };
    let checked = check_order(
        &headers,
        &subscription_string_to_sign(&order),
        &order.client_id,
        &order.currency_id,
        &order.fiat_amount,
        &order.request_id,
        &order.email,
    );
    let (currency, amount_minor) = match checked {
        Ok(ok) => ok,
        Err(resp) => return *resp,
    };
    if !["daily", "weekly", "monthly", "yearly"].contains(&order.interval.as_str()) {
        // The documented shape (§4.4); the HTTP status is a guess.
        let message = format!("invalid value for interval {}", order.interval);
        let body = ErrorBody {
            code: Some("7001".into()),
            error: ErrorValue::Detail(ErrorDetail { code: Some("500".into()), message }),
        };
        return (StatusCode::BAD_REQUEST, Json(body)).into_response();
    }
    if order.request_description.is_empty() {
        return bad_request("requestDescription must name the plan");
    }
    match create_invoice(&sim, &order.request_id, currency, amount_minor) {
        Ok(inv) => Json(SubscriptionResponse {
            request_id: Some(order.request_id),
            url: Some(sim.pay_link(&inv)),
            token: Some(inv.gateway_id),
            status: None,
        })
        .into_response(),
        Err(resp) => *resp,
    }
}

async fn status(State(sim): State<Sim>, headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    if !token_is_live(&sim, &headers) || query.get("clientId").map(String::as_str) != Some(CLIENT_ID) {
        return client_verification_failed();
    }
    let Some(request_id) = query.get("requestId") else {
        return bad_request("requestId is required");
    };
    let data = sim.find_by_order(GATEWAY.id, request_id).map(|inv| order(&inv)).into_iter().collect();
    Json(OrdersResponse { data }).into_response()
}

fn order(inv: &SimInvoice) -> Order {
    let (order_status, error_reason) = match inv.current_state() {
        PayState::Open => ("CREATED", None),
        PayState::Paid => ("COMPLETED", None),
        PayState::Underpaid => (
            "FAILED",
            Some(ErrorReason {
                error_code: Some("UNDER_PAID".into()),
                error_desc: Some("the payment was less than the order amount".into()),
            }),
        ),
        PayState::Expired => ("ABANDONED", None),
    };
    Order {
        order_id: Some(inv.gateway_id.clone()),
        order_status: order_status.into(),
        updated_ts: Some(inv.created_at * 1000),
        order_type: Some("CHECKOUT".into()),
        request_id: Some(inv.order_id.clone()),
        client_id: Some(CLIENT_ID.into()),
        exchange_cur_id: Some(inv.currency.clone()),
        payment_method: Some("all".into()),
        error_reason,
        ..Order::default()
    }
}
