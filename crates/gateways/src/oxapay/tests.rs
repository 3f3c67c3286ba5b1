//! Unit tests of both OxaPay contracts: requests, answers, statuses and knobs.

use super::*;
use crate::secret::Secret;
use paydesk_money::{Currency, DecimalStyle};

fn charge(amount: &str, currency: &str, lifetime_secs: u32) -> ChargeRequest {
    let currency: Currency = currency.parse().unwrap();
    ChargeRequest {
        order_id: "A-17".into(),
        amount: paydesk_money::parse_amount(amount, currency, DecimalStyle::Point).unwrap(),
        description: Some("Coffee".into()),
        lifetime_secs,
        callback_url: None,
    }
}

fn creds(key: &str) -> Credentials {
    let mut c = Credentials::default();
    c.insert("merchant_api_key", Secret::new(key));
    c
}

const V1: Settings = Settings { contract: Contract::V1, sandbox: false };
const LEGACY: Settings = Settings { contract: Contract::Legacy, sandbox: false };

#[test]
fn amounts_go_out_as_exact_json_numbers() {
    let amount = |s: &str, c: &str| WireAmount::from_amount(&charge(s, c, 0).amount).as_str().to_string();
    assert_eq!(amount("12.34", "USD"), "12.34");
    assert_eq!(amount("12.5", "USD"), "12.50");
    assert_eq!(amount("0.07", "EUR"), "0.07");
    assert_eq!(amount("1500", "JPY"), "1500");
    assert_eq!(amount("1.234", "KWD"), "1.234");
    // And read back exactly as a number, never as a string.
    let back: WireAmount = serde_json::from_str("1000000.01").unwrap();
    assert_eq!(back.as_str(), "1000000.01");
    assert!(serde_json::from_str::<WireAmount>("\"12.34\"").is_err());
}

#[test]
fn lifetime_is_whole_minutes_in_oxapays_range() {
    assert_eq!(lifetime_minutes(0), 15);
    assert_eq!(lifetime_minutes(900), 15);
    assert_eq!(lifetime_minutes(901), 16);
    assert_eq!(lifetime_minutes(3600), 60);
    assert_eq!(lifetime_minutes(u32::MAX), 2880);
}

#[test]
fn v1_create_puts_the_key_in_a_header_and_the_amount_as_a_number() {
    let req = build_create("KEY-1", V1, &charge("12.34", "USD", 1800)).unwrap();
    assert_eq!(req.path, "v1/payment/invoice");
    assert!(req.headers.contains(&("merchant_api_key", "KEY-1".to_string())));
    assert!(!req.idempotent, "OxaPay does not dedupe order ids");
    let body = String::from_utf8(req.body.unwrap()).unwrap();
    assert_eq!(body, r#"{"amount":12.34,"currency":"USD","lifetime":30,"order_id":"A-17","description":"Coffee"}"#);
    let parsed: V1InvoiceRequest = serde_json::from_str(&body).unwrap();
    assert_eq!(parsed.amount.as_str(), "12.34");
}

#[test]
fn sandbox_is_sent_only_when_the_knob_says_so() {
    let on = Settings { sandbox: true, ..V1 };
    let body = build_create("K", on, &charge("1", "USD", 0)).unwrap().body.unwrap();
    assert!(String::from_utf8(body).unwrap().ends_with(r#""sandbox":true}"#));
    let body = build_create("K", V1, &charge("1", "USD", 0)).unwrap().body.unwrap();
    assert!(!String::from_utf8(body).unwrap().contains("sandbox"));
}

#[test]
fn legacy_create_puts_the_key_in_the_body() {
    let req = build_create("KEY-1", LEGACY, &charge("7", "EUR", 60)).unwrap();
    assert_eq!(req.path, "merchants/request");
    assert!(!req.headers.iter().any(|(n, _)| *n == "merchant_api_key"));
    let body = String::from_utf8(req.body.unwrap()).unwrap();
    assert_eq!(
        body,
        r#"{"amount":7.00,"merchant":"KEY-1","currency":"EUR","lifeTime":15,"orderId":"A-17","description":"Coffee"}"#
    );
}

#[test]
fn a_callback_url_is_sent_under_each_contracts_name() {
    let mut sale = charge("1", "USD", 0);
    sale.callback_url = Some("https://relay.example/callback/oxapay".into());
    let v1: serde_json::Value = serde_json::from_slice(&build_create("K", V1, &sale).unwrap().body.unwrap()).unwrap();
    assert_eq!(v1["callback_url"], "https://relay.example/callback/oxapay");
    assert!(v1.get("callbackUrl").is_none());
    let legacy: serde_json::Value =
        serde_json::from_slice(&build_create("K", LEGACY, &sale).unwrap().body.unwrap()).unwrap();
    assert_eq!(legacy["callbackUrl"], "https://relay.example/callback/oxapay");
    assert!(legacy.get("callback_url").is_none());
}

#[test]
fn status_requests_per_contract() {
    let v1 = build_status("K", Contract::V1, "193/139").unwrap();
    assert_eq!(v1.path, "v1/payment/193%2F139");
    let legacy = build_status("K", Contract::Legacy, "193139644").unwrap();
    assert_eq!(legacy.body.unwrap(), br#"{"merchant":"K","trackId":193139644}"#);
    assert!(legacy.idempotent);
    assert!(matches!(build_status("K", Contract::Legacy, "abc"), Err(GatewayError::Unsupported(_))));
}

#[test]
fn knobs_are_checked() {
    let knobs =
        |c: &str, s: &str| Knobs::resolve(&INFO, |n| Some(if n == "contract" { c.to_string() } else { s.to_string() }));
    assert_eq!(Settings::from_knobs(&Knobs::resolve(&INFO, |_| None)).unwrap(), V1);
    assert_eq!(
        Settings::from_knobs(&knobs("legacy", "true")).unwrap(),
        Settings { contract: Contract::Legacy, sandbox: true }
    );
    assert!(Settings::from_knobs(&knobs("v2", "false")).is_err());
    assert!(Settings::from_knobs(&knobs("v1", "yes")).is_err());
}

#[test]
fn reads_the_documented_v1_success() {
    let body = br#"{"data": {"track_id": "193139644", "payment_url": "https://pay.oxapay.com/13355044/193139644",
      "expired_at": 1755999478, "date": 1755997678},
      "message": "ok", "error": {}, "status": 200, "version": "1.0.0"}"#;
    let created = parse_create(Contract::V1, &HttpResponse { status: 200, body: body.to_vec() }, &creds("K")).unwrap();
    assert_eq!(created.gateway_invoice_id.as_deref(), Some("193139644"));
    assert_eq!(created.pay_link, "https://pay.oxapay.com/13355044/193139644");
    assert_eq!(created.expires_at, Some(1755999478));
}

#[test]
fn v1_errors_are_clear() {
    let body = br#"{"data":{},"message":"Validation failed","error":{"type":"validation","key":"lifetime","message":"The lifetime field must be an integer."},"status":400,"version":"1.0.0"}"#;
    let err = parse_create(Contract::V1, &HttpResponse { status: 400, body: body.to_vec() }, &creds("K")).unwrap_err();
    assert_eq!(err, GatewayError::refused("lifetime", "The lifetime field must be an integer."));
    let body = br#"{"data":[],"message":"Invalid KEY-SECRET","error":{"key":"merchant_api_key"},"status":401}"#;
    let err = parse_create(Contract::V1, &HttpResponse { status: 401, body: body.to_vec() }, &creds("KEY-SECRET"))
        .unwrap_err();
    assert!(matches!(&err, GatewayError::Unauthorized(m) if !m.contains("KEY-SECRET")));
    let err = parse_create(Contract::V1, &HttpResponse { status: 502, body: b"<html>".to_vec() }, &creds("K"));
    assert!(matches!(err, Err(GatewayError::BadResponse(_))));
}

#[test]
fn legacy_result_codes_are_clear() {
    let answer = |json: &str| HttpResponse { status: 200, body: json.as_bytes().to_vec() };
    let err =
        parse_create(Contract::Legacy, &answer(r#"{"result":102,"message":"Invalid merchant API key"}"#), &creds("K"));
    assert!(matches!(err, Err(GatewayError::Unauthorized(_))));
    let err =
        parse_create(Contract::Legacy, &answer(r#"{"result":104,"message":"Invalid IP"}"#), &creds("K")).unwrap_err();
    assert!(err.to_string().contains("IP address") && err.to_string().contains("(code 104)"), "{err}");
    let err = parse_create(
        Contract::Legacy,
        &answer(r#"{"result":101,"message":"amount is bad for K-123"}"#),
        &creds("K-123"),
    )
    .unwrap_err();
    assert_eq!(err, GatewayError::refused(101, "the request failed OxaPay's validation: amount is bad for [redacted]"));
    let ok = answer(
        r#"{"result":100,"message":"ok","trackId":"25","payLink":"https://oxapay.com/mpay/25","expiredAt":1700000000}"#,
    );
    let created = parse_create(Contract::Legacy, &ok, &creds("K")).unwrap();
    assert_eq!((created.gateway_invoice_id.as_deref(), created.expires_at), (Some("25"), Some(1700000000)));
    let numeric = answer(r#"{"result":100,"message":"ok","trackId":25,"status":"Paid"}"#);
    assert_eq!(parse_status(Contract::Legacy, &numeric, &creds("K")).unwrap().status, InvoiceStatus::Paid);
    let insecure = answer(r#"{"result":100,"trackId":"25","payLink":"http://oxapay.com/mpay/25"}"#);
    assert!(matches!(parse_create(Contract::Legacy, &insecure, &creds("K")), Err(GatewayError::BadResponse(_))));
}

#[test]
fn statuses_map_for_both_contracts() {
    use InvoiceStatus::*;
    let cases = [
        ("new", Pending),
        ("waiting", Pending),
        ("paying", Confirming),
        ("paid", Paid),
        ("manual_accept", Paid),
        ("underpaid", Underpaid),
        ("refunding", Unknown),
        ("refunded", Unknown),
        ("expired", Expired),
        ("New", Pending),
        ("Waiting", Pending),
        ("Confirming", Confirming),
        ("Paid", Paid),
        ("Expired", Expired),
        ("Failed", Failed),
        ("something_new", Unknown),
    ];
    for (raw, want) in cases {
        assert_eq!(map_status(raw), want, "{raw}");
    }
    // The KB trap: expired with transactions may be fully paid, so it is left for a person.
    let body = br#"{"data":{"track_id":"9","status":"expired","txs":[{"tx_hash":"ab","status":"confirmed"}]},"error":{},"status":200}"#;
    let report = parse_status(Contract::V1, &HttpResponse { status: 200, body: body.to_vec() }, &creds("K")).unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (Unknown, EXPIRED_WITH_PAYMENT));
    let body = br#"{"data":{"track_id":"9","status":"expired","txs":[]},"error":{},"status":200}"#;
    let report = parse_status(Contract::V1, &HttpResponse { status: 200, body: body.to_vec() }, &creds("K")).unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (Expired, "expired"));
}

#[test]
fn history_finds_only_our_order_id_and_the_newest() {
    let body = br#"{"data":{"list":[
        {"track_id":"1","status":"expired","order_id":"A-1","date":10},
        {"track_id":"2","status":"waiting","order_id":"A-1","date":20,"expired_at":99},
        {"track_id":"3","status":"paid","order_id":"B-2","date":30}],"meta":{}},"message":"ok","error":{},"status":200}"#;
    let resp = HttpResponse { status: 200, body: body.to_vec() };
    let found = parse_history(&resp, &creds("K"), "A-1").unwrap().unwrap();
    assert_eq!((found.gateway_invoice_id.as_deref(), found.expires_at), (Some("2"), Some(99)));
    assert_eq!(found.status.status, InvoiceStatus::Pending);
    assert_eq!(parse_history(&resp, &creds("K"), "C-3").unwrap(), None);
}
