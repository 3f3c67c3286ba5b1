//! What Paydesk sends Pay3: amounts, signatures, and the order, token and status requests.

use super::wire::{CheckoutOrder, SubscriptionOrder};
use super::{INFO, STATUS_PATH, SUBSCRIPTION_PATH};
use crate::gateway::*;
use crate::http::HttpRequest;
use crate::secret::Secret;
use crate::sign::{base64_std, hmac_sha256};
use paydesk_money::{Amount, Currency};
use std::collections::BTreeMap;

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
        callback: checkout_callback(knobs, req),
    };
    let signature = sign(account.api_secret.expose(), &checkout_string_to_sign(variant, &order));
    let bytes = serde_json::to_vec(&order).expect("plain struct serializes");
    Ok(HttpRequest::post_json(knobs.get("checkout_path"), bytes)
        .header("access-token", access_token)
        .header("signature", signature))
}

/// The sale's callback URL under the `callback_field` knob's name; nothing when the sale has
/// none or the knob is `none` or empty (a shop whose Pay3 refuses the field turns it off that way;
/// an empty environment variable counts as unset, hence `none`).
fn checkout_callback(knobs: &Knobs, req: &ChargeRequest) -> BTreeMap<String, String> {
    let field = knobs.get("callback_field").trim();
    let off = field.is_empty() || field.eq_ignore_ascii_case("none");
    match &req.callback_url {
        Some(url) if !off => BTreeMap::from([(field.to_string(), url.clone())]),
        _ => BTreeMap::new(),
    }
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
