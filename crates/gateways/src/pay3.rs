//! Pay3 (`docs.pay3.money`): a one-time checkout order per sale, polled by our order id.
//!
//! Every order call carries an `access-token` header (a JWT from Pay3's "Access Token API", valid
//! 30 minutes) and a `signature` header: `base64(HMAC-SHA256(api_secret, "currencyId=…&fiatAmount=…&
//! requestId=…"))` over the exact values in the JSON body. The Access Token API itself is not
//! documented anywhere we found, so its path, request and answer are knobs; a merchant can instead
//! paste a token (`access_token`), and then none is fetched.
//!
//! Fetched tokens are cached per (base URL, client_id) until shortly before their `exp`, and
//! refetched once if Pay3 answers 401 to a cached one.
//!
//! Hosts: production `https://api.prod.pay3.app/` (the default); Pay3's dev host is
//! `https://api.dev.pay3.app/` (set it as this gateway's base URL to test against it).
//!
//! Our order id is Pay3's `requestId`: Pay3 refuses a second order with the same one (error 7001),
//! so a create is never retried blindly, and a refusal says the order already exists.
//! Subscription orders ([`Pay3::create_subscription`]) are not part of a till sale but share
//! the same auth and signing.

use crate::gateway::*;
use crate::http::{check_pay_link, HttpRequest, HttpResponse};
use crate::secret::Secret;
use crate::sign::{base64_std, base64_url_decode, hmac_sha256};
use async_trait::async_trait;
use paydesk_money::InvoiceStatus;
use paydesk_money::{Amount, Currency};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{SystemTime, UNIX_EPOCH};

pub static INFO: GatewayInfo = GatewayInfo {
    id: "pay3",
    name: "Pay3",
    default_base_url: "https://api.prod.pay3.app/",
    fields: &[
        FieldSpec { name: "client_id", label: "Client ID", secret: false, required: true },
        FieldSpec { name: "api_secret", label: "API secret (signs orders)", secret: true, required: true },
        FieldSpec { name: "currency_id", label: "Currency ID from onboarding (e.g. USD-USA)", secret: false, required: true },
        FieldSpec {
            name: "payment_method_id",
            label: "Payment method ID from onboarding (\"all\" if unset)",
            secret: false,
            required: false,
        },
        FieldSpec { name: "email", label: "E-mail Pay3 files the orders under (the shop's receipt address)", secret: false, required: true },
        FieldSpec {
            name: "access_token",
            label: "Access token pasted from Pay3 (optional: when set, none is fetched; it lasts 30 minutes)",
            secret: true,
            required: false,
        },
        FieldSpec {
            name: "token_key",
            label: "Key for Pay3's Access Token API (needed unless an access token is pasted)",
            secret: true,
            required: false,
        },
    ],
    knobs: &[
        KnobSpec {
            name: "token_path",
            default: "v1/client/access-token",
            doubt: "Pay3's Access Token API page was not found, so its path is a guess (a 404 here means it is wrong; ask Pay3, or paste an access_token instead).",
        },
        KnobSpec {
            name: "token_key_field",
            default: "apiKey",
            doubt: "The token request body is a guess: {\"clientId\": client_id, \"<this field>\": token_key}.",
        },
        KnobSpec {
            name: "token_field",
            default: "accessToken",
            doubt: "The token answer is a guess: the JSON field holding the token (a dotted path such as data.accessToken reaches into objects).",
        },
        KnobSpec {
            name: "checkout_path",
            default: "v1/client/checkout/create-order",
            doubt: "Rebuilt from the docs' lowercased copy ('v1 client checkout create order'), so the separators may differ.",
        },
        KnobSpec {
            name: "checkout_signature",
            default: "three_field",
            doubt: "The docs' samples disagree: three_field signs currencyId=…&fiatAmount=…&requestId=… (newer Kotlin sample), two_field signs fiatAmount=…&requestId=… (older JS sample); the camelCase keys are inferred too.",
        },
        KnobSpec {
            name: "checkout_mode",
            default: "returnUrl",
            doubt: "Inferred from the prod example: 'returnUrl' should make Pay3 answer a `url` to open, as its subscription answer does; without a url Paydesk cannot show a QR.",
        },
        KnobSpec {
            name: "paid_amount_field",
            default: "exchangeAmount",
            doubt: "A COMPLETED order may be under-paid within Pay3's tolerance (sub-status UNDER_PAID), so the amount paid is compared with the sale's; the docs say to check exchangeAmount, not that it is in the sale's currency and units. Without a readable amount a COMPLETED order is not taken as paid.",
        },
    ],
    currencies: Some(CURRENCIES),
    can_poll: true,
    repeat: Repeat::Refused,
    lookup: Lookup::ByOrderId,
    lifetime: Lifetime::Fixed,
};

/// Pay3 takes `fiatAmount` with at most 2 decimals, so every currency Paydesk knows except the
/// 3-decimal ones (KWD, BHD), which could not be charged exactly. Which currencies an account
/// really takes is set by its `currency_id` from onboarding (see [`check_currency`]).
const CURRENCIES: &[&str] = &[
    "USD", "EUR", "GBP", "CHF", "CAD", "AUD", "INR", "ZAR", "BRL", "TRY", "RUB", "UAH", "PLN", "MXN", "AED", "JPY",
    "KRW", "VND",
];

/// The documented lifetime of an access token, used when a token's `exp` cannot be read.
pub const TOKEN_LIFETIME_SECS: i64 = 30 * 60;
/// A cached token is dropped this long before its `exp`, so a request never leaves with a token
/// that dies on the way.
const TOKEN_MARGIN_SECS: i64 = 60;
/// Pay3's error code for a second order with the same requestId.
const DUPLICATE_CODE: &str = "7001";
/// [C] from the seed; unlike the checkout path it was not rebuilt from lowercased text.
pub const SUBSCRIPTION_PATH: &str = "v1/client/subscription/create-order";
pub const STATUS_PATH: &str = "v1/client/orders";

/// The default value of one of this gateway's knobs (the simulator follows the defaults).
pub fn knob_default(name: &str) -> &'static str {
    INFO.knobs.iter().find(|k| k.name == name).map(|k| k.default).unwrap_or_else(|| panic!("pay3 has no knob '{name}'"))
}

// ---------------------------------------------------------------------------------------------
// Wire types

/// `POST v1/client/checkout/create-order`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutOrder {
    pub currency_id: String,
    pub fiat_amount: String,
    pub payment_method_id: String,
    pub email: String,
    pub request_id: String,
    pub client_id: String,
    pub mode: String,
}

/// `POST v1/client/subscription/create-order`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionOrder {
    pub currency_id: String,
    pub fiat_amount: String,
    pub payment_method_id: String,
    pub email: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub client_id: String,
    pub request_id: String,
    /// daily | weekly | monthly | yearly, matching the plan configured at Pay3.
    pub interval: String,
    /// Must match the plan's name at Pay3 exactly.
    pub request_description: String,
    pub mode: String,
    /// [I] Sent as the same text that is signed, since the docs append it only when "non-empty".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trial_period_days: Option<String>,
}

/// The answer to a checkout create. `url` is what `mode: returnUrl` should add [I].
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    /// The handle Pay3's SDK opens the checkout with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offer_info_data: Option<OfferInfoData>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OfferInfoData {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_address: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub selected_payment_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total_fiat_amount: Option<String>,
    /// RFC 3339 with an offset and fractional seconds: "2025-04-21T16:12:09.287975+00:00".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expiry_ts: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency_id: Option<String>,
    #[serde(default, rename = "type", skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
}

/// The answer to a subscription create.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SubscriptionResponse {
    #[serde(default)]
    pub request_id: Option<String>,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub status: Option<String>,
}

/// `GET v1/client/orders?requestId=…&clientId=…`.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct OrdersResponse {
    pub data: Vec<Order>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Order {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    pub order_status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_address: Option<String>,
    /// Unix milliseconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_ts: Option<i64>,
    /// CHECKOUT | PAYOUT
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exchange_cur_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_method: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_reason: Option<ErrorReason>,
    /// The rest, among it the amount paid (see the `paid_amount_field` knob).
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ErrorReason {
    #[serde(default, deserialize_with = "code_text", skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_desc: Option<String>,
}

/// Pay3's error answers come in several shapes: `{"error": "Client verification failed"}` (auth),
/// `{"error": {"code": "7001", "message": …}}` (business) and, on subscriptions,
/// `{"code": "7001", "error": {"code": "500", "message": …}}` (the inner code is the telling one).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorBody {
    #[serde(default, deserialize_with = "code_text", skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    pub error: ErrorValue,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(untagged)]
pub enum ErrorValue {
    Text(String),
    Detail(ErrorDetail),
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ErrorDetail {
    #[serde(default, deserialize_with = "code_text")]
    pub code: Option<String>,
    #[serde(default)]
    pub message: String,
}

/// Error codes arrive as text ("7001") or numbers (400); both are kept as text.
fn code_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    Ok(match Option::<serde_json::Value>::deserialize(d)? {
        Some(serde_json::Value::String(s)) => Some(s),
        Some(serde_json::Value::Number(n)) => Some(n.to_string()),
        _ => None,
    })
}

// ---------------------------------------------------------------------------------------------
// Amount, signature, statuses, time

/// `fiatAmount`: major units with exactly two decimals ("1.00", "12.50"). 0-decimal currencies
/// are written with ".00" ("1500.00" JPY), which is exact; 3-decimal ones are refused, since
/// Pay3 takes at most 2 decimals.
pub fn fiat_amount(amount: &Amount) -> Result<String, GatewayError> {
    let decimals = u32::from(amount.currency().decimals());
    if decimals > 2 {
        return Err(GatewayError::Unsupported(format!(
            "Pay3 takes amounts with at most 2 decimals, so it cannot charge {} (which has {decimals})",
            amount.currency()
        )));
    }
    let cents = amount.minor() * 10u64.pow(2 - decimals);
    Ok(format!("{}.{:02}", cents / 100, cents % 100))
}

/// Refuses a sale whose currency differs from the account's `currency_id`, when that id starts
/// with an ISO code ("USD-USA", "INR_IN"); ids of another form are left to Pay3 to judge.
pub fn check_currency(currency_id: &str, currency: Currency) -> Result<(), GatewayError> {
    let b = currency_id.as_bytes();
    let leads_with_code =
        b.len() >= 3 && b[..3].iter().all(u8::is_ascii_alphabetic) && b.get(3).is_none_or(|c| !c.is_ascii_alphabetic());
    if leads_with_code && !currency_id[..3].eq_ignore_ascii_case(currency.code()) {
        return Err(GatewayError::Unsupported(format!(
            "this Pay3 account's currency_id '{currency_id}' is for {}, but the sale is in {currency}",
            currency_id[..3].to_ascii_uppercase()
        )));
    }
    Ok(())
}

/// Which string a checkout order's signature covers (knob `checkout_signature`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckoutSignature {
    /// `currencyId=…&fiatAmount=…&requestId=…` (the newer sample).
    ThreeField,
    /// `fiatAmount=…&requestId=…` (the older sample).
    TwoField,
}

impl CheckoutSignature {
    pub fn from_knob(value: &str) -> Result<CheckoutSignature, GatewayError> {
        match value {
            "three_field" => Ok(CheckoutSignature::ThreeField),
            "two_field" => Ok(CheckoutSignature::TwoField),
            other => Err(GatewayError::Unsupported(format!(
                "the pay3 knob checkout_signature must be 'three_field' or 'two_field', not '{other}'"
            ))),
        }
    }
}

pub fn checkout_string_to_sign(variant: CheckoutSignature, order: &CheckoutOrder) -> String {
    match variant {
        CheckoutSignature::ThreeField => {
            format!("currencyId={}&fiatAmount={}&requestId={}", order.currency_id, order.fiat_amount, order.request_id)
        }
        CheckoutSignature::TwoField => format!("fiatAmount={}&requestId={}", order.fiat_amount, order.request_id),
    }
}

/// The subscription string: the trial is appended only when set and non-empty.
pub fn subscription_string_to_sign(order: &SubscriptionOrder) -> String {
    let mut s = format!(
        "currencyId={}&fiatAmount={}&requestId={}&interval={}",
        order.currency_id, order.fiat_amount, order.request_id, order.interval
    );
    if let Some(days) = order.trial_period_days.as_deref().filter(|d| !d.is_empty()) {
        s.push_str("&trialPeriodDays=");
        s.push_str(days);
    }
    s
}

/// The `signature` header: standard base64 of HMAC-SHA256(api_secret, string).
pub fn sign(api_secret: &str, string_to_sign: &str) -> String {
    base64_std(&hmac_sha256(api_secret.as_bytes(), string_to_sign.as_bytes()))
}

/// Pay3's `orderStatus` in Paydesk's terms. The docs' copy lost its underscores, so spaces,
/// hyphens and case are forgiven. Pay3 has no underpaid order status: an under-payment ends as
/// FAILED (or COMPLETED within Pay3's tolerance), with the reason in `errorReason`.
pub fn map_status(order_status: &str) -> InvoiceStatus {
    let normal: String =
        order_status.trim().chars().map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_uppercase() }).collect();
    match normal.as_str() {
        "CREATED" | "ORDER_STARTED" | "ORDER_PAYMENT_AWAITING" => InvoiceStatus::Pending,
        "ORDER_PAYMENT_PROCESSING" | "ORDER_PAYMENT_INITIATED" => InvoiceStatus::Confirming,
        "COMPLETED" => InvoiceStatus::Paid,
        "FAILED" => InvoiceStatus::Failed,
        "ABANDONED" => InvoiceStatus::Expired,
        _ => InvoiceStatus::Unknown,
    }
}

/// Unix seconds from an RFC 3339 timestamp ("2025-04-21T16:12:09.287975+00:00", "…Z").
/// Fractional seconds are dropped.
pub fn parse_rfc3339(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let num = |from: usize, to: usize| -> Option<i64> {
        let part = &b[from..to];
        part.iter().all(u8::is_ascii_digit).then(|| part.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
    };
    let (year, month, day) = (num(0, 4)?, num(5, 7)?, num(8, 10)?);
    let (hour, minute, second) = (num(11, 13)?, num(14, 16)?, num(17, 19)?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) || hour > 23 || minute > 59 || second > 60 {
        return None;
    }
    let mut rest = &text[19..];
    if let Some(fraction) = rest.strip_prefix('.') {
        let digits = fraction.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &fraction[digits..];
    }
    let offset = match rest.as_bytes() {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let digits = [h1, h2, m1, m2];
            if !digits.iter().all(|d| d.is_ascii_digit()) {
                return None;
            }
            let value = |d: &u8| i64::from(d - b'0');
            let secs = (value(h1) * 10 + value(h2)) * 3600 + (value(m1) * 10 + value(m2)) * 60;
            if *sign == b'-' {
                -secs
            } else {
                secs
            }
        }
        _ => return None,
    };
    Some(days_from_civil(year, month, day) * 86_400 + hour * 3600 + minute * 60 + second - offset)
}

/// Unix seconds as Pay3 writes them: "2025-04-21T16:12:09.000000+00:00".
pub fn format_rfc3339(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.000000+00:00", secs / 3600, secs % 3600 / 60, secs % 60)
}

// Howard Hinnant's days-from-civil algorithms (proleptic Gregorian calendar).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { yoe + era * 400 + 1 } else { yoe + era * 400 }, m, d)
}

/// A JWT's `exp` claim, read without checking the signature: we only use it to know when to
/// fetch a fresh token of our own.
pub fn jwt_exp(token: &str) -> Option<i64> {
    let payload = token.split('.').nth(1)?;
    let bytes = base64_url_decode(payload.trim_end_matches('='))?;
    serde_json::from_slice::<serde_json::Value>(&bytes).ok()?.get("exp")?.as_i64()
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

// ---------------------------------------------------------------------------------------------
// Requests

/// The credential values every order needs.
#[derive(Debug, Clone)]
pub struct Account {
    pub client_id: String,
    pub api_secret: Secret,
    pub currency_id: String,
    pub payment_method_id: String,
    pub email: String,
}

impl Account {
    pub fn from_creds(creds: &Credentials) -> Result<Account, GatewayError> {
        let field = |name: &str| creds.require(INFO.id, name).map(|s| s.expose().trim().to_string());
        Ok(Account {
            client_id: field("client_id")?,
            api_secret: creds.require(INFO.id, "api_secret")?.clone(),
            currency_id: field("currency_id")?,
            payment_method_id: creds
                .get("payment_method_id")
                .map(|s| s.expose().trim())
                .filter(|s| !s.is_empty())
                .unwrap_or("all")
                .to_string(),
            email: field("email")?,
        })
    }
}

/// The guessed Access Token API request: `{"clientId": …, "<token_key_field>": token_key}`.
pub fn build_token(account: &Account, token_key: &Secret, knobs: &Knobs) -> HttpRequest {
    let mut body = serde_json::Map::new();
    body.insert("clientId".into(), account.client_id.clone().into());
    body.insert(knobs.get("token_key_field").into(), token_key.expose().into());
    let bytes = serde_json::to_vec(&body).expect("a JSON map serializes");
    // Fetching a token creates nothing, so a retry is harmless.
    HttpRequest::post_json(knobs.get("token_path"), bytes).idempotent()
}

/// The checkout order for `req`, signed over the exact values in its body. Not idempotent: Pay3
/// refuses a repeated requestId instead of returning the first order.
pub fn build_create(
    account: &Account,
    knobs: &Knobs,
    access_token: &str,
    req: &ChargeRequest,
) -> Result<HttpRequest, GatewayError> {
    check_currency(&account.currency_id, req.amount.currency())?;
    let variant = CheckoutSignature::from_knob(knobs.get("checkout_signature"))?;
    let order = CheckoutOrder {
        currency_id: account.currency_id.clone(),
        fiat_amount: fiat_amount(&req.amount)?,
        payment_method_id: account.payment_method_id.clone(),
        email: account.email.clone(),
        request_id: req.order_id.clone(),
        client_id: account.client_id.clone(),
        mode: knobs.get("checkout_mode").to_string(),
    };
    let signature = sign(account.api_secret.expose(), &checkout_string_to_sign(variant, &order));
    let bytes = serde_json::to_vec(&order).expect("plain struct serializes");
    Ok(HttpRequest::post_json(knobs.get("checkout_path"), bytes)
        .header("access-token", access_token)
        .header("signature", signature))
}

/// How often a subscription renews; must match the plan configured at Pay3.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Interval {
    Daily,
    Weekly,
    Monthly,
    Yearly,
}

impl Interval {
    pub fn as_str(&self) -> &'static str {
        match self {
            Interval::Daily => "daily",
            Interval::Weekly => "weekly",
            Interval::Monthly => "monthly",
            Interval::Yearly => "yearly",
        }
    }
}

/// A subscription order: the sale's id and amount plus the plan it subscribes to.
#[derive(Debug, Clone)]
pub struct SubscriptionRequest {
    pub order_id: String,
    pub amount: Amount,
    pub interval: Interval,
    /// The plan's name at Pay3, exactly.
    pub plan_name: String,
    pub trial_period_days: Option<u32>,
    pub user_id: Option<String>,
}

pub fn build_subscription(
    account: &Account,
    knobs: &Knobs,
    access_token: &str,
    sub: &SubscriptionRequest,
) -> Result<HttpRequest, GatewayError> {
    check_currency(&account.currency_id, sub.amount.currency())?;
    let order = SubscriptionOrder {
        currency_id: account.currency_id.clone(),
        fiat_amount: fiat_amount(&sub.amount)?,
        payment_method_id: account.payment_method_id.clone(),
        email: account.email.clone(),
        user_id: sub.user_id.clone(),
        client_id: account.client_id.clone(),
        request_id: sub.order_id.clone(),
        interval: sub.interval.as_str().to_string(),
        request_description: sub.plan_name.clone(),
        mode: knobs.get("checkout_mode").to_string(),
        trial_period_days: sub.trial_period_days.map(|d| d.to_string()),
    };
    let signature = sign(account.api_secret.expose(), &subscription_string_to_sign(&order));
    let bytes = serde_json::to_vec(&order).expect("plain struct serializes");
    Ok(HttpRequest::post_json(SUBSCRIPTION_PATH, bytes)
        .header("access-token", access_token)
        .header("signature", signature))
}

pub fn build_status(account: &Account, access_token: &str, order_id: &str) -> HttpRequest {
    HttpRequest::get(STATUS_PATH)
        .query("requestId", order_id)
        .query("clientId", account.client_id.clone())
        .header("access-token", access_token)
}

// ---------------------------------------------------------------------------------------------
// Answers

/// A value from the gateway, scrubbed of anything we sent and kept short.
fn outside_text(creds: &Credentials, text: &str) -> String {
    creds.scrub(text).chars().take(200).collect()
}

/// Whether a response is Pay3's "who are you" refusal (a 401 with a plain-text `error`), as
/// opposed to a business error, which the docs also label 401.
fn is_auth_refusal(resp: &HttpResponse) -> bool {
    matches!(resp.status, 401 | 403)
        && matches!(resp.json::<ErrorBody>(), Ok(ErrorBody { error: ErrorValue::Text(_), .. }))
}

/// Where the access token of a request came from: it decides whether a 401 is worth a refetch
/// and what the cashier is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenSource {
    Pasted,
    Cached,
    Fetched,
}

/// A non-success answer as a clear error.
fn answer_error(resp: &HttpResponse, creds: &Credentials, source: TokenSource) -> GatewayError {
    let body = match resp.json::<ErrorBody>() {
        Ok(body) => body,
        Err(e) => return e,
    };
    match body.error {
        ErrorValue::Text(text) if matches!(resp.status, 401 | 403) => {
            let said = outside_text(creds, &text);
            GatewayError::Unauthorized(match source {
                TokenSource::Pasted => format!(
                    "Pay3 refused the pasted access_token ({said}); tokens last 30 minutes: paste a fresh one, or clear it and set token_key"
                ),
                _ => format!("Pay3 refused the request ({said}): check client_id and api_secret"),
            })
        }
        ErrorValue::Text(text) => GatewayError::Refused { code: None, message: outside_text(creds, &text) },
        ErrorValue::Detail(detail) if detail.code.as_deref() == Some(DUPLICATE_CODE) => GatewayError::refused(
            DUPLICATE_ORDER_CODE,
            "Pay3 already has an order with this order id (requestId), so it created none: start the sale again for a new one",
        ),
        ErrorValue::Detail(detail) => {
            GatewayError::Refused { code: detail.code, message: outside_text(creds, &detail.message) }
        }
    }
}

fn success(resp: &HttpResponse) -> bool {
    (200..300).contains(&resp.status)
}

/// The order an answer to the requestId query is about: the one with our requestId, else the
/// first (the query already filtered by it); `None` when the list is empty.
fn pick_order(orders: OrdersResponse, order_id: &str) -> Option<Order> {
    let position = orders.data.iter().position(|o| o.request_id.as_deref() == Some(order_id)).unwrap_or(0);
    orders.data.into_iter().nth(position)
}

/// The order's status, with its error reason folded into the raw status. A COMPLETED order is
/// paid only if what it says was paid (the `paid_amount_field` knob) covers `asked`: Pay3 ends an
/// under-payment within its tolerance as COMPLETED too. Without `asked` (a lookup by order id)
/// or a readable amount it is not called paid.
fn order_report(order: &Order, creds: &Credentials, paid_field: &str, asked: Option<&Amount>) -> StatusReport {
    let mut gateway_status = order.order_status.clone();
    if let Some(reason) = &order.error_reason {
        let text = [&reason.error_code, &reason.error_desc].into_iter().flatten().cloned().collect::<Vec<_>>();
        if !text.is_empty() {
            gateway_status = format!("{gateway_status} ({})", outside_text(creds, &text.join(": ")));
        }
    }
    let mut status = map_status(&order.order_status);
    if status == InvoiceStatus::Paid {
        let paid_text = order.rest.get(paid_field).and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        let paid = asked.zip(paid_text.as_deref()).and_then(|(a, t)| decimal_minor(t, a.currency()).map(|m| (a, m)));
        (status, gateway_status) = match paid {
            Some((asked, minor)) if minor < asked.minor() => {
                let paid =
                    Amount::from_minor(minor, asked.currency()).map(|p| p.to_decimal_string()).unwrap_or_default();
                (InvoiceStatus::Underpaid, format!("{gateway_status} (paid {paid} of {})", asked.to_decimal_string()))
            }
            Some((asked, minor)) if minor > asked.minor() => (InvoiceStatus::Overpaid, gateway_status),
            Some(_) => (InvoiceStatus::Paid, gateway_status),
            None => {
                (InvoiceStatus::Confirming, format!("{gateway_status} (no amount paid reported: check it on Pay3)"))
            }
        };
    }
    StatusReport { status, gateway_status }
}

fn read_status(
    orders: OrdersResponse,
    invoice: &InvoiceRef,
    creds: &Credentials,
    knobs: &Knobs,
) -> Result<StatusReport, GatewayError> {
    let order = pick_order(orders, &invoice.order_id).ok_or_else(|| {
        GatewayError::NotFound("Pay3 has no order with this order id (requestId) for this client_id".into())
    })?;
    Ok(order_report(&order, creds, knobs.get("paid_amount_field"), Some(&invoice.amount)))
}

/// The requestId query read as a lookup: an empty list means Pay3 has no such order. The order
/// list carries no pay link and no expiry, so a found order comes back without them; the id kept
/// is Pay3's `orderId` (the create answer's `token` may be a different handle).
fn read_found(orders: OrdersResponse, order_id: &str, creds: &Credentials, knobs: &Knobs) -> Option<FoundInvoice> {
    let order = pick_order(orders, order_id)?;
    Some(FoundInvoice {
        status: order_report(&order, creds, knobs.get("paid_amount_field"), None),
        gateway_invoice_id: order.order_id,
        pay_link: None,
        expires_at: None,
    })
}

// ---------------------------------------------------------------------------------------------
// The gateway

struct CachedToken {
    token: Secret,
    /// Unix seconds after which it is not used any more.
    use_until: i64,
}

/// Pay3, with its cache of fetched access tokens (per base URL and client_id).
#[derive(Default)]
pub struct Pay3 {
    tokens: Mutex<HashMap<(String, String), CachedToken>>,
}

impl Pay3 {
    fn cache_key(call: &Call<'_>, account: &Account) -> (String, String) {
        (call.http.base().to_string(), account.client_id.clone())
    }

    /// The token to send: a pasted one, a cached one, or a fresh one.
    async fn token(&self, call: &Call<'_>, account: &Account) -> Result<(Secret, TokenSource), GatewayError> {
        if let Some(pasted) = call.creds.get("access_token").filter(|t| !t.expose().trim().is_empty()) {
            return Ok((Secret::new(pasted.expose().trim()), TokenSource::Pasted));
        }
        {
            let tokens = self.tokens.lock().expect("token cache lock");
            if let Some(cached) = tokens.get(&Self::cache_key(call, account)).filter(|c| now() < c.use_until) {
                return Ok((cached.token.clone(), TokenSource::Cached));
            }
        }
        Ok((self.fetch_token(call, account).await?, TokenSource::Fetched))
    }

    async fn fetch_token(&self, call: &Call<'_>, account: &Account) -> Result<Secret, GatewayError> {
        let key = call.creds.require(INFO.id, "token_key")?;
        let resp = call.http.send(&build_token(account, key, call.knobs)).await?;
        if resp.status == 404 {
            return Err(GatewayError::Unsupported(format!(
                "Pay3 has no access-token endpoint at '{}' (that path is a guess): set the pay3 knob token_path, or paste an access_token",
                call.knobs.get("token_path")
            )));
        }
        if matches!(resp.status, 401 | 403) {
            return Err(GatewayError::Unauthorized(
                "Pay3 would not issue an access token: check client_id and token_key".into(),
            ));
        }
        if !success(&resp) {
            return Err(answer_error(&resp, call.creds, TokenSource::Fetched));
        }
        let answer: serde_json::Value = resp.json()?;
        let field = call.knobs.get("token_field");
        let token = field
            .split('.')
            .try_fold(&answer, |value, name| value.get(name))
            .and_then(|v| v.as_str())
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or_else(|| {
                GatewayError::BadResponse(format!(
                    "Pay3's access-token answer has no '{field}' (that field name is a guess: set the pay3 knob token_field)"
                ))
            })?;
        let expires = jwt_exp(token).unwrap_or_else(|| now() + TOKEN_LIFETIME_SECS);
        let token = Secret::new(token);
        let cached = CachedToken { token: token.clone(), use_until: expires - TOKEN_MARGIN_SECS };
        self.tokens.lock().expect("token cache lock").insert(Self::cache_key(call, account), cached);
        Ok(token)
    }

    /// Sends what `build` makes with a token; if Pay3 refuses a cached token, fetches a new one
    /// and sends once more (a refused request created nothing, so that is safe).
    async fn send_with_token(
        &self,
        call: &Call<'_>,
        account: &Account,
        build: impl Fn(&str) -> Result<HttpRequest, GatewayError>,
    ) -> Result<(HttpResponse, TokenSource), GatewayError> {
        let (token, source) = self.token(call, account).await?;
        let resp = call.http.send(&build(token.expose())?).await?;
        if source != TokenSource::Cached || !is_auth_refusal(&resp) {
            return Ok((resp, source));
        }
        self.tokens.lock().expect("token cache lock").remove(&Self::cache_key(call, account));
        let token = self.fetch_token(call, account).await?;
        Ok((call.http.send(&build(token.expose())?).await?, TokenSource::Fetched))
    }

    /// `GET v1/client/orders?requestId=…`: Pay3's orders for our order id.
    async fn orders(&self, call: &Call<'_>, order_id: &str) -> Result<OrdersResponse, GatewayError> {
        let account = Account::from_creds(call.creds)?;
        let (resp, source) =
            self.send_with_token(call, &account, |token| Ok(build_status(&account, token, order_id))).await?;
        if !success(&resp) {
            return Err(answer_error(&resp, call.creds, source));
        }
        resp.json()
    }

    /// Creates a subscription order (not part of a till sale): its pay link opens Pay3's hosted
    /// page, and Pay3 renews it at `interval`.
    pub async fn create_subscription(
        &self,
        call: &Call<'_>,
        sub: &SubscriptionRequest,
    ) -> Result<CreatedInvoice, GatewayError> {
        let account = Account::from_creds(call.creds)?;
        check_currency(&account.currency_id, sub.amount.currency())?;
        fiat_amount(&sub.amount)?;
        let (resp, source) =
            self.send_with_token(call, &account, |token| build_subscription(&account, call.knobs, token, sub)).await?;
        if !success(&resp) {
            return Err(answer_error(&resp, call.creds, source));
        }
        let answer: SubscriptionResponse = resp.json()?;
        let pay_link = answer
            .url
            .filter(|u| !u.is_empty())
            .ok_or_else(|| GatewayError::BadResponse("Pay3 answered without a pay link".into()))?;
        check_pay_link(&pay_link)?;
        Ok(CreatedInvoice { gateway_invoice_id: answer.token, pay_link, expires_at: None })
    }
}

#[async_trait]
impl Gateway for Pay3 {
    fn info(&self) -> &'static GatewayInfo {
        &INFO
    }

    async fn create(&self, call: &Call<'_>, req: &ChargeRequest) -> Result<CreatedInvoice, GatewayError> {
        let account = Account::from_creds(call.creds)?;
        // Refused here, before a token is fetched for nothing.
        check_currency(&account.currency_id, req.amount.currency())?;
        fiat_amount(&req.amount)?;
        let (resp, source) =
            self.send_with_token(call, &account, |token| build_create(&account, call.knobs, token, req)).await?;
        if !success(&resp) {
            return Err(answer_error(&resp, call.creds, source));
        }
        let answer: CheckoutResponse = resp.json()?;
        let pay_link = answer.url.filter(|u| !u.is_empty()).ok_or_else(|| {
            GatewayError::BadResponse(
                "Pay3 answered without a pay link (no `url`; see the pay3 knob checkout_mode)".into(),
            )
        })?;
        let offer = answer.offer_info_data.unwrap_or_default();
        if let Some(echoed) = &offer.total_fiat_amount {
            check_echoed_amount(&req.amount, echoed, decimal_minor(echoed, req.amount.currency()))?;
        }
        check_pay_link(&pay_link)?;
        let expires_at = offer.expiry_ts.and_then(|ts| parse_rfc3339(&ts));
        Ok(CreatedInvoice { gateway_invoice_id: answer.token, pay_link, expires_at })
    }

    async fn status(&self, call: &Call<'_>, invoice: &InvoiceRef) -> Result<StatusReport, GatewayError> {
        read_status(self.orders(call, &invoice.order_id).await?, invoice, call.creds, call.knobs)
    }

    async fn find_by_order(&self, call: &Call<'_>, sale: &InvoiceRef) -> Result<Option<FoundInvoice>, GatewayError> {
        let order_id = sale.order_id.as_str();
        Ok(read_found(self.orders(call, order_id).await?, order_id, call.creds, call.knobs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paydesk_money::{parse_amount, DecimalStyle};

    const SECRET: &str = "TEST_PAY3_SECRET";
    const REQUEST_ID: &str = "5a3566b0-b0a9-4329-b48f-2921c715ce44";

    fn amount(text: &str, currency: &str) -> Amount {
        parse_amount(text, currency.parse().unwrap(), DecimalStyle::Point).unwrap()
    }

    fn vector_checkout() -> CheckoutOrder {
        CheckoutOrder {
            currency_id: "USD-USA".into(),
            fiat_amount: "1.00".into(),
            payment_method_id: "all".into(),
            email: "till@example.com".into(),
            request_id: REQUEST_ID.into(),
            client_id: "client".into(),
            mode: "returnUrl".into(),
        }
    }

    fn vector_subscription(trial: Option<&str>) -> SubscriptionOrder {
        SubscriptionOrder {
            currency_id: "USD-USA".into(),
            fiat_amount: "1.00".into(),
            payment_method_id: "all".into(),
            email: "till@example.com".into(),
            user_id: None,
            client_id: "client".into(),
            request_id: REQUEST_ID.into(),
            interval: "monthly".into(),
            request_description: "Plan".into(),
            mode: "returnUrl".into(),
            trial_period_days: trial.map(str::to_string),
        }
    }

    /// The same string with its keys lower-cased, as the docs' lowercased copy shows them.
    fn lowercase_keys(s: &str) -> String {
        s.split('&')
            .map(|pair| match pair.split_once('=') {
                Some((k, v)) => format!("{}={v}", k.to_ascii_lowercase()),
                None => pair.to_string(),
            })
            .collect::<Vec<_>>()
            .join("&")
    }

    fn knobs() -> Knobs {
        Knobs::resolve(&INFO, |_| None)
    }

    fn account() -> Account {
        Account {
            client_id: "client".into(),
            api_secret: Secret::new(SECRET),
            currency_id: "USD-USA".into(),
            payment_method_id: "all".into(),
            email: "till@example.com".into(),
        }
    }

    fn charge(order_id: &str, text: &str, currency: &str) -> ChargeRequest {
        ChargeRequest {
            order_id: order_id.into(),
            amount: amount(text, currency),
            description: None,
            lifetime_secs: 900,
        }
    }

    #[test]
    fn signature_vectors_from_the_docs() {
        let monthly = vector_subscription(None);
        let row1 = subscription_string_to_sign(&monthly);
        assert_eq!(row1, format!("currencyId=USD-USA&fiatAmount=1.00&requestId={REQUEST_ID}&interval=monthly"));
        assert_eq!(sign(SECRET, &row1), "dlARBlojbctIZQT74fw9vAKoa0USyBtiLPOsPdVX+sM=");

        let trial = subscription_string_to_sign(&vector_subscription(Some("7")));
        assert_eq!(trial, format!("{row1}&trialPeriodDays=7"));
        assert_eq!(sign(SECRET, &trial), "HGiclQakGUX/KxLo1Q54aBnPtCntp00Cx560e5R0y0M=");

        let three = checkout_string_to_sign(CheckoutSignature::ThreeField, &vector_checkout());
        assert_eq!(sign(SECRET, &three), "j5qyZa0NBrMfxKYoFg92fgaWEZB/yqbz5w9Ty6wcEE0=");

        let two = checkout_string_to_sign(CheckoutSignature::TwoField, &vector_checkout());
        assert_eq!(two, format!("fiatAmount=1.00&requestId={REQUEST_ID}"));
        assert_eq!(sign(SECRET, &two), "7Z2N9vqFscKTqfgUSV3F7fI0VqLuzVhDCoxTbQMJ7Dc=");

        // Key case changes the result: the camelCase keys are inferred, not confirmed.
        let lower = lowercase_keys(&row1);
        assert!(lower.starts_with("currencyid=USD-USA&fiatamount=1.00&requestid="));
        assert_eq!(sign(SECRET, &lower), "ENW1FU8Ldo0LhBrpdXZMeF+ZyAzvsoBxI9leIdDZXL8=");
    }

    #[test]
    fn an_empty_trial_is_not_signed() {
        assert_eq!(
            subscription_string_to_sign(&vector_subscription(Some(""))),
            subscription_string_to_sign(&vector_subscription(None))
        );
    }

    #[test]
    fn fiat_amounts_have_exactly_two_decimals() {
        assert_eq!(fiat_amount(&amount("1", "USD")).unwrap(), "1.00");
        assert_eq!(fiat_amount(&amount("12.5", "EUR")).unwrap(), "12.50");
        assert_eq!(fiat_amount(&amount("0.07", "USD")).unwrap(), "0.07");
        assert_eq!(fiat_amount(&amount("1500", "JPY")).unwrap(), "1500.00");
        assert!(matches!(fiat_amount(&amount("1.234", "KWD")), Err(GatewayError::Unsupported(_))));
        assert!(INFO.supports("JPY".parse().unwrap()));
        assert!(!INFO.supports("KWD".parse().unwrap()));
        assert!(!INFO.supports("BHD".parse().unwrap()));
    }

    #[test]
    fn the_sale_currency_must_match_the_currency_id() {
        let usd = Currency::USD;
        assert!(check_currency("USD-USA", usd).is_ok());
        assert!(check_currency("usd usa", usd).is_ok());
        assert!(check_currency("USD", usd).is_ok());
        assert!(matches!(check_currency("INR-IN", usd), Err(GatewayError::Unsupported(_))));
        // Ids that do not lead with an ISO code are Pay3's to judge.
        assert!(check_currency("DOLLARS", usd).is_ok());
        assert!(check_currency("42", usd).is_ok());
    }

    #[test]
    fn create_signs_exactly_what_it_sends() {
        let req = build_create(&account(), &knobs(), "tok", &charge(REQUEST_ID, "1.00", "USD")).unwrap();
        assert_eq!(req.path, "v1/client/checkout/create-order");
        assert!(!req.idempotent, "a repeated requestId is refused, not deduplicated");
        let sent: CheckoutOrder = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
        assert_eq!(sent.fiat_amount, "1.00");
        assert_eq!(sent.mode, "returnUrl");
        let header = |name: &str| req.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.clone());
        assert_eq!(header("access-token").as_deref(), Some("tok"));
        assert_eq!(header("signature").as_deref(), Some("j5qyZa0NBrMfxKYoFg92fgaWEZB/yqbz5w9Ty6wcEE0="));

        let two = Knobs::resolve(&INFO, |k| (k == "checkout_signature").then(|| "two_field".to_string()));
        let req = build_create(&account(), &two, "tok", &charge(REQUEST_ID, "1.00", "USD")).unwrap();
        assert!(req.headers.contains(&("signature", "7Z2N9vqFscKTqfgUSV3F7fI0VqLuzVhDCoxTbQMJ7Dc=".into())));

        let bad = Knobs::resolve(&INFO, |k| (k == "checkout_signature").then(|| "both".to_string()));
        assert!(matches!(
            build_create(&account(), &bad, "t", &charge("1", "1", "USD")),
            Err(GatewayError::Unsupported(_))
        ));
        assert!(build_create(&account(), &knobs(), "t", &charge("1", "1", "EUR")).is_err());
    }

    #[test]
    fn subscription_request_matches_its_vector() {
        let sub = SubscriptionRequest {
            order_id: REQUEST_ID.into(),
            amount: amount("1", "USD"),
            interval: Interval::Monthly,
            plan_name: "Gold".into(),
            trial_period_days: Some(7),
            user_id: None,
        };
        let req = build_subscription(&account(), &knobs(), "tok", &sub).unwrap();
        assert_eq!(req.path, SUBSCRIPTION_PATH);
        assert!(req.headers.contains(&("signature", "HGiclQakGUX/KxLo1Q54aBnPtCntp00Cx560e5R0y0M=".into())));
        let sent: serde_json::Value = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
        assert_eq!(sent["interval"], "monthly");
        assert_eq!(sent["trialPeriodDays"], "7");
        assert_eq!(sent["requestDescription"], "Gold");
        assert!(sent.get("userId").is_none());
    }

    #[test]
    fn token_request_follows_the_knobs() {
        let req = build_token(&account(), &Secret::new("key"), &knobs());
        assert_eq!(req.path, "v1/client/access-token");
        assert!(req.idempotent);
        let sent: serde_json::Value = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
        assert_eq!(sent, serde_json::json!({"clientId": "client", "apiKey": "key"}));
        let other = Knobs::resolve(&INFO, |k| (k == "token_key_field").then(|| "secretKey".to_string()));
        let sent: serde_json::Value =
            serde_json::from_slice(build_token(&account(), &Secret::new("key"), &other).body.as_deref().unwrap())
                .unwrap();
        assert_eq!(sent["secretKey"], "key");
    }

    #[test]
    fn status_request_uses_our_order_id() {
        let req = build_status(&account(), "tok", "A/1");
        assert_eq!(req.path, "v1/client/orders");
        assert_eq!(req.query, vec![("requestId", "A/1".to_string()), ("clientId", "client".to_string())]);
        assert!(req.headers.contains(&("access-token", "tok".into())));
    }

    #[test]
    fn statuses_map_into_the_shared_enum() {
        assert_eq!(map_status("CREATED"), InvoiceStatus::Pending);
        assert_eq!(map_status("ORDER_STARTED"), InvoiceStatus::Pending);
        assert_eq!(map_status("ORDER_PAYMENT_AWAITING"), InvoiceStatus::Pending);
        assert_eq!(map_status("ORDER_PAYMENT_PROCESSING"), InvoiceStatus::Confirming);
        assert_eq!(map_status("ORDER_PAYMENT_INITIATED"), InvoiceStatus::Confirming);
        assert_eq!(map_status("COMPLETED"), InvoiceStatus::Paid);
        assert_eq!(map_status("FAILED"), InvoiceStatus::Failed);
        assert_eq!(map_status("ABANDONED"), InvoiceStatus::Expired);
        assert_eq!(map_status("order payment awaiting"), InvoiceStatus::Pending);
        assert_eq!(map_status("REFUNDED"), InvoiceStatus::Unknown);
    }

    fn sale_of(order_id: &str, usd: &str) -> InvoiceRef {
        InvoiceRef { order_id: order_id.into(), gateway_invoice_id: None, amount: amount(usd, "USD"), created_at: 0 }
    }

    #[test]
    fn a_completed_order_is_paid_only_if_the_amount_paid_covers_the_sale() {
        let creds = Credentials::default();
        let orders = |paid: &str| {
            let body = format!(r#"{{"data":[{{"orderId":"o1","orderStatus":"COMPLETED","requestId":"r1",{paid}}}]}}"#);
            HttpResponse { status: 200, body: body.into_bytes() }.json::<OrdersResponse>().unwrap()
        };
        let sale = sale_of("r1", "10.00");
        let status = |paid: &str| read_status(orders(paid), &sale, &creds, &knobs()).unwrap();
        assert_eq!(status(r#""exchangeAmount":"10.00""#).status, InvoiceStatus::Paid);
        assert_eq!(status(r#""exchangeAmount":10"#).status, InvoiceStatus::Paid);
        let under = status(r#""exchangeAmount":"5.00""#);
        assert_eq!(
            (under.status, under.gateway_status.as_str()),
            (InvoiceStatus::Underpaid, "COMPLETED (paid 5.00 of 10.00)")
        );
        assert_eq!(status(r#""exchangeAmount":"12.00""#).status, InvoiceStatus::Overpaid);
        assert_eq!(status(r#""exchangeCurId":"USD-USA""#).status, InvoiceStatus::Confirming, "no amount: not paid");
        let found = read_found(orders(r#""exchangeAmount":"10.00""#), "r1", &creds, &knobs()).unwrap();
        assert_eq!(found.status.status, InvoiceStatus::Confirming, "a lookup has no sale amount to compare with");
    }

    #[test]
    fn status_answers_surface_the_error_reason() {
        let creds = Credentials::default();
        let body = br#"{"data":[{"orderId":"o1","orderStatus":"FAILED","requestId":"r1","updatedTs":1745251929287,
            "errorReason":{"errorCode":9004,"errorDesc":"error occurred while the payment was processed by the payment partner"}}]}"#;
        let orders = HttpResponse { status: 200, body: body.to_vec() }.json().unwrap();
        let sale = sale_of("r1", "1.00");
        let report = read_status(orders, &sale, &creds, &knobs()).unwrap();
        assert_eq!(report.status, InvoiceStatus::Failed);
        assert_eq!(
            report.gateway_status,
            "FAILED (9004: error occurred while the payment was processed by the payment partner)"
        );
        let empty = OrdersResponse::default();
        assert!(matches!(read_status(empty, &sale, &creds, &knobs()), Err(GatewayError::NotFound(_))));
    }

    #[test]
    fn errors_are_told_apart_by_shape() {
        let creds = Credentials::default();
        let resp = |status, body: &str| HttpResponse { status, body: body.as_bytes().to_vec() };
        let auth = resp(401, r#"{"error": "Client verification failed"}"#);
        assert!(is_auth_refusal(&auth));
        assert!(matches!(answer_error(&auth, &creds, TokenSource::Fetched), GatewayError::Unauthorized(_)));
        let pasted = answer_error(&auth, &creds, TokenSource::Pasted).to_string();
        assert!(pasted.contains("access_token"), "{pasted}");

        let duplicate = resp(401, r#"{"error":{"code":"7001","message":"Order already exists for given requestId"}}"#);
        assert!(!is_auth_refusal(&duplicate));
        assert!(matches!(
            answer_error(&duplicate, &creds, TokenSource::Fetched),
            GatewayError::Refused { code: Some(c), .. } if c == "duplicate_order"
        ));

        let interval =
            resp(400, r#"{"code":"7001","error":{"code":"500","message":"invalid value for interval daily1"}}"#);
        assert_eq!(
            answer_error(&interval, &creds, TokenSource::Fetched),
            GatewayError::refused("500", "invalid value for interval daily1")
        );
        let numeric = resp(400, r#"{"error":{"code":400,"message":"Could not verify the client"}}"#);
        assert_eq!(
            answer_error(&numeric, &creds, TokenSource::Fetched),
            GatewayError::refused("400", "Could not verify the client")
        );
        assert!(matches!(
            answer_error(&resp(502, "<html>"), &creds, TokenSource::Fetched),
            GatewayError::BadResponse(_)
        ));
    }

    #[test]
    fn gateway_text_is_scrubbed_of_our_secrets() {
        let mut creds = Credentials::default();
        creds.insert("api_secret", Secret::new("sk_DISTINCTIVE"));
        let echo = HttpResponse {
            status: 400,
            body: br#"{"error":{"code":"1","message":"bad key sk_DISTINCTIVE"}}"#.to_vec(),
        };
        assert!(!answer_error(&echo, &creds, TokenSource::Fetched).to_string().contains("DISTINCTIVE"));
    }

    #[test]
    fn expiry_timestamps_are_read_by_hand() {
        assert_eq!(parse_rfc3339("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(parse_rfc3339("2025-04-21T16:12:09.287975+00:00"), Some(1_745_251_929));
        assert_eq!(parse_rfc3339("2025-04-21T18:12:09+02:00"), Some(1_745_251_929));
        assert_eq!(parse_rfc3339("2025-04-21T11:12:09.5-05:00"), Some(1_745_251_929));
        assert_eq!(parse_rfc3339("2024-02-29T00:00:00Z"), Some(1_709_164_800));
        assert_eq!(parse_rfc3339("2025-04-21T16:12:09"), None, "an offset is required");
        assert_eq!(parse_rfc3339("2025-04-21T16:12:09.+00:00"), None);
        assert_eq!(parse_rfc3339("2025-13-01T00:00:00Z"), None);
        assert_eq!(parse_rfc3339("2025-04-21T16:12:09+0000"), None);
        assert_eq!(parse_rfc3339("2025-04-21T16:12:09.28€+00:00"), None);
        assert_eq!(parse_rfc3339(""), None);
        for t in [0, 1_745_251_929, 1_709_164_800, 4_102_444_799] {
            assert_eq!(parse_rfc3339(&format_rfc3339(t)), Some(t));
        }
        assert_eq!(format_rfc3339(1_745_251_929), "2025-04-21T16:12:09.000000+00:00");
    }

    #[test]
    fn token_expiry_comes_from_the_jwt() {
        // The docs' sample token's claims: iat 1756456181, exp 1756457981 (30 minutes).
        let payload = base64::Engine::encode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            br#"{"iat":1756456181,"exp":1756457981}"#,
        );
        assert_eq!(jwt_exp(&format!("eyJhbGciOiJSUzI1NiJ9.{payload}.sig")), Some(1_756_457_981));
        assert_eq!(jwt_exp("opaque-token"), None);
        assert_eq!(jwt_exp("a.!!!.c"), None);
    }

    #[test]
    fn info_declares_every_field_and_knob() {
        let knobs = knobs();
        for k in
            ["token_path", "token_key_field", "token_field", "checkout_path", "checkout_signature", "checkout_mode"]
        {
            assert_eq!(knobs.get(k), knob_default(k));
        }
        let secret = |name: &str| INFO.fields.iter().find(|f| f.name == name).unwrap().secret;
        assert!(secret("api_secret") && secret("access_token") && secret("token_key"));
        assert!(!secret("client_id") && !secret("currency_id") && !secret("email") && !secret("payment_method_id"));
        let mut creds = Credentials::default();
        for (f, v) in [("client_id", "c"), ("api_secret", "s"), ("currency_id", "USD-USA"), ("email", "a@b.c")] {
            creds.insert(f, Secret::new(v));
        }
        assert_eq!(Account::from_creds(&creds).unwrap().payment_method_id, "all");
    }
}
