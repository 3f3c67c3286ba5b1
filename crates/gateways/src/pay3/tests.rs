//! Unit tests of Pay3's signatures, requests, answers and timestamps.

use super::answers::{answer_error, is_auth_refusal, read_found, read_status, TokenSource};
use super::*;
use crate::http::HttpResponse;
use crate::secret::Secret;
use paydesk_money::{parse_amount, DecimalStyle};
use paydesk_money::{Amount, Currency, InvoiceStatus};

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
        callback: Default::default(),
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
        callback_url: None,
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
fn a_callback_url_is_sent_under_the_knobs_name_and_not_signed() {
    let mut sale = charge(REQUEST_ID, "1.00", "USD");
    let plain = build_create(&account(), &knobs(), "tok", &sale).unwrap();
    assert!(!String::from_utf8(plain.body.clone().unwrap()).unwrap().contains("callback"));
    sale.callback_url = Some("https://relay.example/callback/pay3".into());
    let req = build_create(&account(), &knobs(), "tok", &sale).unwrap();
    let body = String::from_utf8(req.body.clone().unwrap()).unwrap();
    assert!(body.ends_with(r#","mode":"returnUrl","callbackUrl":"https://relay.example/callback/pay3"}"#), "{body}");
    let signature = |r: &crate::http::HttpRequest| r.headers.iter().find(|(k, _)| *k == "signature").cloned();
    assert_eq!(signature(&req), signature(&plain), "the signed string has no callback in it");
    let renamed = Knobs::resolve(&INFO, |k| (k == "callback_field").then(|| "callbackURL".to_string()));
    let body = build_create(&account(), &renamed, "tok", &sale).unwrap().body.unwrap();
    assert!(String::from_utf8(body).unwrap().contains(r#""callbackURL":"https://relay"#));
    for value in ["none", ""] {
        let off = Knobs::resolve(&INFO, |k| (k == "callback_field").then(|| value.to_string()));
        let body = build_create(&account(), &off, "tok", &sale).unwrap().body.unwrap();
        assert!(!String::from_utf8(body).unwrap().contains("relay.example"), "{value:?}");
    }
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
    assert!(matches!(build_create(&account(), &bad, "t", &charge("1", "1", "USD")), Err(GatewayError::Unsupported(_))));
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
        serde_json::from_slice(build_token(&account(), &Secret::new("key"), &other).body.as_deref().unwrap()).unwrap();
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

    let interval = resp(400, r#"{"code":"7001","error":{"code":"500","message":"invalid value for interval daily1"}}"#);
    assert_eq!(
        answer_error(&interval, &creds, TokenSource::Fetched),
        GatewayError::refused("500", "invalid value for interval daily1")
    );
    let numeric = resp(400, r#"{"error":{"code":400,"message":"Could not verify the client"}}"#);
    assert_eq!(
        answer_error(&numeric, &creds, TokenSource::Fetched),
        GatewayError::refused("400", "Could not verify the client")
    );
    assert!(matches!(answer_error(&resp(502, "<html>"), &creds, TokenSource::Fetched), GatewayError::BadResponse(_)));
}

#[test]
fn gateway_text_is_scrubbed_of_our_secrets() {
    let mut creds = Credentials::default();
    creds.insert("api_secret", Secret::new("sk_DISTINCTIVE"));
    let echo =
        HttpResponse { status: 400, body: br#"{"error":{"code":"1","message":"bad key sk_DISTINCTIVE"}}"#.to_vec() };
    assert!(!answer_error(&echo, &creds, TokenSource::Fetched).to_string().contains("DISTINCTIVE"));
}

#[test]
fn expiry_timestamps_are_read_as_rfc3339() {
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
fn expiry_timestamps_agree_with_the_old_parser_at_its_edges() {
    // Half-hour offsets either way, and one that moves the instant into the previous year.
    assert_eq!(parse_rfc3339("2025-04-21T21:42:09+05:30"), Some(1_745_251_929));
    assert_eq!(parse_rfc3339("2025-04-21T12:42:09-03:30"), Some(1_745_251_929));
    assert_eq!(parse_rfc3339("2025-01-01T00:00:00+05:00"), Some(1_735_671_600));
    // Before 1970, and fractions longer than jiff's nine digits.
    assert_eq!(parse_rfc3339("1969-12-31T23:59:59Z"), Some(-1));
    assert_eq!(format_rfc3339(-1), "1969-12-31T23:59:59.000000+00:00");
    assert_eq!(parse_rfc3339("2025-04-21t16:12:09.1234567890123z"), Some(1_745_251_929));
    assert_eq!(parse_rfc3339("2025-04-21 16:12:09.5+00:00"), Some(1_745_251_929));
    // Other ISO 8601 forms jiff reads stay refused, as RFC 3339 refuses them.
    for text in [
        "2025-04-21T16:12:09+05",
        "2025-04-21T16:12Z",
        "2025-04-21T16:12:09,5Z",
        "2025-04-21T16:12:09+05:30[Asia/Kolkata]",
        "+002025-04-21T16:12:09Z",
        "20250421T161209Z",
    ] {
        assert_eq!(parse_rfc3339(text), None, "{text}");
    }
    // Where they differ: a day the month does not have is refused (the old parser rolled
    // 2100-02-29 into March), and so is a time past jiff's year 9999.
    assert_eq!(parse_rfc3339("2100-02-29T00:00:00Z"), None);
    assert_eq!(parse_rfc3339("2100-02-28T00:00:00Z"), Some(4_107_456_000));
    assert_eq!(parse_rfc3339("9999-12-31T23:59:59Z"), None);
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
    for k in ["token_path", "token_key_field", "token_field", "checkout_path", "checkout_signature", "checkout_mode"] {
        assert_eq!(knobs.get(k), knob_default(k));
    }
    let secret = |name: &str| INFO.fields.iter().find(|f| f.name == name).unwrap().secret;
    assert!(secret("api_secret") && secret("access_token") && secret("token_key") && secret("webhook_secret"));
    assert!(!secret("client_id") && !secret("currency_id") && !secret("email") && !secret("payment_method_id"));
    let mut creds = Credentials::default();
    for (f, v) in [("client_id", "c"), ("api_secret", "s"), ("currency_id", "USD-USA"), ("email", "a@b.c")] {
        creds.insert(f, Secret::new(v));
    }
    assert_eq!(Account::from_creds(&creds).unwrap().payment_method_id, "all");
}
