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
//! Webhooks (`{"payload": "<JWT>"}`, HS384 with the `webhook_secret` credential) are checked by
//! [`Gateway::verify_callback`](crate::gateway::Gateway::verify_callback).
//! Subscription orders ([`Pay3::create_subscription`]) are not part of a till sale but share
//! the same auth and signing.

mod answers;
mod callback;
mod checkout;
mod client;
mod wire;

pub use answers::map_status;
pub use callback::{verify_hs384, WEBHOOK_ALG};
pub use checkout::{
    build_create, build_status, build_subscription, build_token, check_currency, checkout_string_to_sign, fiat_amount,
    sign, subscription_string_to_sign, Account, CheckoutSignature, Interval, SubscriptionRequest,
};
pub use client::{jwt_exp, Pay3};
pub use wire::{
    format_rfc3339, parse_rfc3339, CheckoutOrder, CheckoutResponse, ErrorBody, ErrorDetail, ErrorReason, ErrorValue,
    OfferInfoData, Order, OrdersResponse, SubscriptionOrder, SubscriptionResponse,
};

use crate::gateway::*;

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
        FieldSpec {
            name: "webhook_secret",
            label: "Webhook secret from Pay3 (checks its callbacks; only a relay that receives them needs it)",
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
            name: "callback_field",
            default: "callbackUrl",
            doubt: "The checkout order's callback URL (the shop's relay, sent only when one is set) is in the docs' prod example but not in the field table, and the name's case was rebuilt; 'none' sends none. Pay3's documented way is registering one webhook URL (POST v1/client/fiat/webhook-url), which Paydesk does not call.",
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

#[cfg(test)]
mod tests;
