//! Pay3 (gateways.md §4): the `access-token` header from the Access Token API (not found in the
//! docs: `POST v1/client/access-token` with `{"clientId", "apiKey"}` answering `{"accessToken"}`
//! is the simulator's guess, as it is Paydesk's), and the `signature` header =
//! base64(HMAC-SHA256(api_secret, "currencyId=…&fiatAmount=…&requestId=…")) over the exact body
//! values (the three-field form [I]; a subscription adds `&interval=…[&trialPeriodDays=…]` [C]).
//! A repeated `requestId` is refused with error 7001 [C], labelled 401 as the docs label it.
//! `GET v1/client/orders?requestId&clientId` [C] lists the order; an under-payment within
//! Pay3's tolerance ends COMPLETED too (sub-status UNDER_PAID [C]): the simulator reports half
//! the amount as `exchangeAmount` then.

use super::{header, SimGateway};
use crate::wire::{
    base64, base64url, base64url_decode, datetime, decimals, format_minor, hmac_sha256, parse_wire_decimal, same, text,
};
use crate::{now, NewInvoice, PayState, Sim, SimInvoice};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde_json::{json, Map, Value};
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

const CLIENT_ID: &str = "sim-pay3-client";
const API_SECRET: &str = "sim-pay3-api-secret";
const CURRENCY_ID: &str = "USD-USA";
const TOKEN_KEY: &str = "sim-pay3-token-key";
/// Signs this account's webhooks (see `crate::callbacks::pay3`).
const WEBHOOK_SECRET: &str = "sim-pay3-webhook-secret";
/// Signs the simulator's own access tokens; Pay3's real ones are RS256, which a client never checks.
const TOKEN_SIGNING_KEY: &[u8] = b"sim-pay3-token-signing-key";
/// The sample token in the docs lasts 30 minutes [I].
const TOKEN_LIFETIME_SECS: i64 = 30 * 60;
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
        ("webhook_secret", WEBHOOK_SECRET),
    ],
    routes,
};

fn routes() -> Router<Sim> {
    Router::new()
        .route("/v1/client/access-token", post(token))
        .route("/v1/client/checkout/create-order", post(checkout))
        .route("/v1/client/subscription/create-order", post(subscription))
        .route("/v1/client/orders", get(orders))
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

/// Pay3's documented 401 for a bad or expired access token: a plain-text `error`.
fn client_verification_failed() -> Response {
    (StatusCode::UNAUTHORIZED, Json(json!({"error": "Client verification failed"}))).into_response()
}

/// Pay3's business-error shape `{"error": {"code", "message"}}`; codes for bad fields are guesses.
fn business_error(status: StatusCode, code: &str, message: &str) -> Response {
    (status, Json(json!({"error": {"code": code, "message": message}}))).into_response()
}

fn bad_request(message: &str) -> Response {
    business_error(StatusCode::BAD_REQUEST, "400", message)
}

fn issue_token(sim: &Sim) -> String {
    let generation = with_log(sim, |log| log.generation);
    let header = base64url(br#"{"alg":"HS256","typ":"JWT"}"#);
    let claims = json!({"sub": CLIENT_ID, "exp": now() + TOKEN_LIFETIME_SECS, "gen": generation});
    let payload = base64url(claims.to_string().as_bytes());
    let signature = base64url(&hmac_sha256(TOKEN_SIGNING_KEY, format!("{header}.{payload}").as_bytes()));
    format!("{header}.{payload}.{signature}")
}

/// Whether the request's `access-token` is one this simulator issued, unexpired and not revoked.
fn token_is_live(sim: &Sim, headers: &HeaderMap) -> bool {
    let Some(token) = header(headers, "access-token") else {
        return false;
    };
    let [head, payload, signature] = token.split('.').collect::<Vec<_>>()[..] else {
        return false;
    };
    let expected = hmac_sha256(TOKEN_SIGNING_KEY, format!("{head}.{payload}").as_bytes());
    if !base64url_decode(signature).is_some_and(|s| same(&expected, &s)) {
        return false;
    }
    let Some(claims) = base64url_decode(payload).and_then(|b| serde_json::from_slice::<Value>(&b).ok()) else {
        return false;
    };
    let generation = with_log(sim, |log| log.generation);
    claims["sub"] == CLIENT_ID
        && claims["exp"].as_i64().is_some_and(|exp| now() < exp)
        && claims["gen"].as_u64() == Some(u64::from(generation))
}

async fn token(State(sim): State<Sim>, body: Bytes) -> Response {
    with_log(&sim, |log| log.requests += 1);
    let Ok(req) = serde_json::from_slice::<Value>(&body) else {
        return bad_request("invalid request body");
    };
    if req["clientId"] != CLIENT_ID || req["apiKey"] != TOKEN_KEY {
        return client_verification_failed();
    }
    Json(json!({"accessToken": issue_token(&sim)})).into_response()
}

/// An order's body after the checks checkout and subscription orders share: its fields and the
/// amount in minor units of the account's currency.
struct Order {
    fields: Map<String, Value>,
    amount_minor: u64,
}

impl Order {
    fn field(&self, name: &str) -> String {
        self.fields.get(name).and_then(text).unwrap_or_default()
    }
}

/// Checks the token, the body's required fields, the client, the signature over
/// `currencyId=…&fiatAmount=…&requestId=…` plus `extra`, the currency and the amount.
fn check_order(sim: &Sim, headers: &HeaderMap, body: &[u8], extra: &[&str]) -> Result<Order, Response> {
    if !token_is_live(sim, headers) {
        return Err(client_verification_failed());
    }
    let Ok(Value::Object(fields)) = serde_json::from_slice::<Value>(body) else {
        return Err(bad_request("invalid request body"));
    };
    for required in ["currencyId", "fiatAmount", "paymentMethodId", "email", "requestId", "clientId"] {
        if fields.get(required).and_then(text).is_none_or(|v| v.is_empty()) {
            return Err(bad_request(&format!("{required} is required")));
        }
    }
    let order = Order { fields, amount_minor: 0 };
    if order.field("clientId") != CLIENT_ID {
        return Err(client_verification_failed());
    }
    let expected = signature(API_SECRET, &string_to_sign(|f| order.field(f), extra));
    if !same(expected.as_bytes(), header(headers, "signature").unwrap_or_default().as_bytes()) {
        // Pay3 does not document its answer to a bad signature; this shape is a guess.
        return Err((StatusCode::UNAUTHORIZED, Json(json!({"error": "Signature verification failed"}))).into_response());
    }
    if order.field("currencyId") != CURRENCY_ID {
        return Err(bad_request("invalid currencyId"));
    }
    let places = decimals(&CURRENCY_ID[..3]).expect("the simulated currency id leads with an ISO code");
    // At most 2 decimals whatever the currency [C], then in the currency's own places.
    let cents = parse_wire_decimal(&order.field("fiatAmount"), 2, 2)
        .ok_or_else(|| bad_request("fiatAmount must be a positive amount with at most 2 decimals"))?;
    let scale = 10u64.pow(2 - u32::from(places));
    if cents % scale != 0 {
        return Err(bad_request("fiatAmount has more decimals than the currency"));
    }
    Ok(Order { amount_minor: cents / scale, ..order })
}

/// §4.3: `currencyId=…&fiatAmount=…&requestId=…` with the body's exact values, then
/// `&name=value` for each of `extra` that is set.
fn string_to_sign(field: impl Fn(&str) -> String, extra: &[&str]) -> String {
    let mut signed = ["currencyId", "fiatAmount", "requestId"].map(|f| format!("{f}={}", field(f))).join("&");
    for name in extra {
        let value = field(name);
        if !value.is_empty() {
            signed.push_str(&format!("&{name}={value}"));
        }
    }
    signed
}

/// §4.3: standard base64 of HMAC-SHA256 keyed with the API secret.
fn signature(secret: &str, signed: &str) -> String {
    base64(&hmac_sha256(secret.as_bytes(), signed.as_bytes()))
}

fn create_invoice(sim: &Sim, order: &Order) -> Result<SimInvoice, Response> {
    let request_id = order.field("requestId");
    if sim.find_by_order(GATEWAY.id, &request_id).is_some() {
        return Err(business_error(StatusCode::UNAUTHORIZED, "7001", "Order already exists for given requestId"));
    }
    // `callbackUrl` is in the docs' prod checkout example, not in its field table [I].
    let callback_url =
        crate::wire::callback_url(&order.fields, "callbackUrl").map_err(|_| bad_request("invalid callbackUrl"))?;
    let places = decimals(&CURRENCY_ID[..3]).unwrap_or(2);
    Ok(sim.create(NewInvoice {
        gateway: GATEWAY.id,
        gateway_id: format!("a35dc551-9fb4-491c-9f9b-{:012}", sim.next_number()),
        order_id: &request_id,
        amount_minor: order.amount_minor,
        amount_sent: order.fields["fiatAmount"].clone(),
        currency: &CURRENCY_ID[..3],
        decimals: places,
        description: None,
        lifetime_secs: ORDER_LIFETIME_SECS,
        echo: order.fields.get("email").cloned(),
        callback_url,
    }))
}

async fn checkout(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let order = match check_order(&sim, &headers, &body, &[]) {
        Ok(order) => order,
        Err(refused) => return refused,
    };
    let inv = match create_invoice(&sim, &order) {
        Ok(inv) => inv,
        Err(refused) => return refused,
    };
    // Only `mode: returnUrl` gets a URL to open [I]; otherwise Pay3 expects its SDK to take the token.
    let url = (order.field("mode") == "returnUrl").then(|| sim.pay_link(&inv));
    Json(json!({
        "requestId": order.field("requestId"),
        "token": inv.gateway_id,
        "status": "CREATED",
        "url": url,
        "offerInfoData": {
            "userAddress": order.field("email"),
            "clientId": CLIENT_ID,
            "selectedPaymentMethod": order.field("paymentMethodId"),
            "totalFiatAmount": order.field("fiatAmount"),
            "expiryTs": format!("{}.000000+00:00", datetime(inv.expires_at).replace(' ', "T")),
            "currencyId": CURRENCY_ID,
            "type": "BUY",
        },
    }))
    .into_response()
}

async fn subscription(State(sim): State<Sim>, headers: HeaderMap, body: Bytes) -> Response {
    let order = match check_order(&sim, &headers, &body, &["interval", "trialPeriodDays"]) {
        Ok(order) => order,
        Err(refused) => return refused,
    };
    let interval = order.field("interval");
    if !["daily", "weekly", "monthly", "yearly"].contains(&interval.as_str()) {
        // The documented shape (§4.4); the HTTP status is a guess.
        let message = format!("invalid value for interval {interval}");
        return (StatusCode::BAD_REQUEST, Json(json!({"code": "7001", "error": {"code": "500", "message": message}})))
            .into_response();
    }
    if order.field("requestDescription").is_empty() {
        return bad_request("requestDescription must name the plan");
    }
    match create_invoice(&sim, &order) {
        Ok(inv) => Json(json!({
            "requestId": order.field("requestId"),
            "url": sim.pay_link(&inv),
            "token": inv.gateway_id,
            "status": null,
        }))
        .into_response(),
        Err(refused) => refused,
    }
}

async fn orders(State(sim): State<Sim>, headers: HeaderMap, Query(query): Query<HashMap<String, String>>) -> Response {
    if !token_is_live(&sim, &headers) || query.get("clientId").map(String::as_str) != Some(CLIENT_ID) {
        return client_verification_failed();
    }
    let Some(request_id) = query.get("requestId") else {
        return bad_request("requestId is required");
    };
    let data: Vec<Value> = sim.find_by_order(GATEWAY.id, request_id).iter().map(order_json).collect();
    Json(json!({"data": data})).into_response()
}

fn order_json(inv: &SimInvoice) -> Value {
    let status = match inv.current_state() {
        PayState::Open if inv.viewed => "ORDER_PAYMENT_AWAITING",
        PayState::Open => "CREATED",
        PayState::Paid | PayState::Underpaid => "COMPLETED",
        PayState::Expired => "ABANDONED",
    };
    json!({
        "orderId": inv.gateway_id,
        "orderStatus": status,
        "userAddress": inv.echo,
        "updatedTs": inv.current_updated_at() * 1000,
        "partner": "simulated",
        "orderType": "CHECKOUT",
        "requestId": inv.order_id,
        "clientId": CLIENT_ID,
        "exchangeCurId": CURRENCY_ID,
        "exchangeAmount": format_minor(inv.paid_minor(), inv.decimals),
        "paymentMethod": "all",
        "errorReason": null,
    })
}

#[cfg(test)]
mod tests {
    use super::{signature, string_to_sign};

    /// The body values of §4.3's worked examples.
    fn field(name: &str) -> String {
        match name {
            "currencyId" => "USD-USA",
            "fiatAmount" => "1.00",
            "requestId" => "5a3566b0-b0a9-4329-b48f-2921c715ce44",
            "interval" => "monthly",
            "trialPeriodDays" => "7",
            _ => "",
        }
        .to_string()
    }

    #[test]
    fn signatures_are_the_documents_worked_examples() {
        let sign = |extra: &[&str]| signature("TEST_PAY3_SECRET", &string_to_sign(field, extra));
        assert_eq!(sign(&[]), "j5qyZa0NBrMfxKYoFg92fgaWEZB/yqbz5w9Ty6wcEE0=", "checkout");
        assert_eq!(sign(&["interval"]), "dlARBlojbctIZQT74fw9vAKoa0USyBtiLPOsPdVX+sM=", "subscription");
        assert_eq!(
            sign(&["interval", "trialPeriodDays"]),
            "HGiclQakGUX/KxLo1Q54aBnPtCntp00Cx560e5R0y0M=",
            "with a trial"
        );
        // An unset trial adds nothing to the string.
        let no_trial = |name: &str| if name == "trialPeriodDays" { String::new() } else { field(name) };
        assert_eq!(
            signature("TEST_PAY3_SECRET", &string_to_sign(no_trial, &["interval", "trialPeriodDays"])),
            "dlARBlojbctIZQT74fw9vAKoa0USyBtiLPOsPdVX+sM="
        );
        // The old two-field checkout form is another signature, which this server refuses.
        let two_fields = "fiatAmount=1.00&requestId=5a3566b0-b0a9-4329-b48f-2921c715ce44";
        assert_eq!(signature("TEST_PAY3_SECRET", two_fields), "7Z2N9vqFscKTqfgUSV3F7fI0VqLuzVhDCoxTbQMJ7Dc=");
        assert_ne!(signature("TEST_PAY3_SECRET", two_fields), sign(&[]));
    }
}
