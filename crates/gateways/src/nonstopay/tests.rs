//! Unit tests of NonStoPay's requests, answers and codes.

use super::*;
use crate::http::HttpResponse;
use crate::secret::Secret;
use paydesk_money::InvoiceStatus;
use paydesk_money::{parse_amount, Currency, DecimalStyle};

fn charge(amount: &str, currency: &str) -> ChargeRequest {
    let currency: Currency = currency.parse().unwrap();
    ChargeRequest {
        order_id: "A-17".into(),
        amount: parse_amount(amount, currency, DecimalStyle::Point).unwrap(),
        description: None,
        lifetime_secs: 900,
        callback_url: None,
    }
}

fn creds() -> Credentials {
    let mut c = Credentials::default();
    c.insert("api_key", Secret::new("KEY-SECRET"));
    c
}

fn answer(json: &str) -> HttpResponse {
    HttpResponse { status: 200, body: json.as_bytes().to_vec() }
}

#[test]
fn amounts_are_decimal_strings_in_major_units() {
    assert_eq!(wire_amount(&charge("15.04", "USD").amount), "15.04");
    assert_eq!(wire_amount(&charge("42", "USD").amount), "42.00");
    assert_eq!(wire_amount(&charge("0.5", "USD").amount), "0.50");
}

#[test]
fn create_sends_email_amount_devise_and_our_order_id() {
    let req = build_create("KEY", "till@shop.example", "api/btn-create-invoice/get/", &charge("15.04", "USD")).unwrap();
    assert_eq!(req.path, "api/btn-create-invoice/get/");
    assert!(req.headers.contains(&("API-KEY", "KEY".to_string())));
    assert!(!req.idempotent, "NonStoPay does not dedupe");
    assert_eq!(
        String::from_utf8(req.body.unwrap()).unwrap(),
        r#"{"email":"till@shop.example","amount":"15.04","devise":"USD","callbackJson":"{\"order_id\":\"A-17\"}"}"#
    );
}

#[test]
fn only_usd_is_accepted() {
    let err = build_create("KEY", "a@b.example", "x/", &charge("5", "EUR")).unwrap_err();
    assert!(matches!(&err, GatewayError::Unsupported(m) if m.contains("USD only")), "{err:?}");
    assert!(INFO.supports(Currency::USD));
}

#[test]
fn status_request_carries_the_id_in_the_query() {
    let req = build_status("KEY", "api/invoice/status/", "1689");
    assert_eq!(req.path, "api/invoice/status/");
    assert_eq!(req.query, vec![("id", "1689".to_string())]);
    assert!(req.idempotent);
}

#[test]
fn reads_both_create_answers() {
    let redirect = answer(
        r#"{"errorCode": 0, "redirectUrl": "https://usdc.nonstopay.net/widget/sale/create/?token=abc", "html": "<a href='x'></a>"}"#,
    );
    let created = parse_create(&redirect, &creds()).unwrap();
    assert_eq!(created.gateway_invoice_id, None);
    assert_eq!(created.pay_link, "https://usdc.nonstopay.net/widget/sale/create/?token=abc");
    let s2s = answer(
        r#"{"errorCode":0,"redirectUrl":"https://usdc.nonstopay.net/w?t=1","status":"invoice:created","ID":1689}"#,
    );
    assert_eq!(parse_create(&s2s, &creds()).unwrap().gateway_invoice_id.as_deref(), Some("1689"));
    let insecure = answer(r#"{"errorCode":0,"redirectUrl":"http://usdc.nonstopay.net/w"}"#);
    assert!(matches!(parse_create(&insecure, &creds()), Err(GatewayError::BadResponse(_))));
}

#[test]
fn error_codes_are_clear() {
    let create = |code: i64| {
        let resp = HttpResponse {
            status: 400,
            body: format!(r#"{{"errorCode":{code},"errorMessage":"msg KEY-SECRET"}}"#).into_bytes(),
        };
        parse_create(&resp, &creds()).unwrap_err()
    };
    assert!(matches!(create(50007), GatewayError::Unauthorized(_)));
    assert!(matches!(create(50001), GatewayError::Unauthorized(_)));
    for code in [50006, 50010] {
        let text = create(code).to_string();
        assert!(text.contains("relay with a fixed IP") && text.contains(&code.to_string()), "{text}");
    }
    assert!(create(50011).to_string().contains("above NonStoPay's maximum"));
    assert!(create(50012).to_string().contains("below NonStoPay's minimum"));
    assert!(create(50002).to_string().contains("'email' credential"));
    assert_eq!(create(59999), GatewayError::refused(59999, "msg [redacted]"));
    let status = parse_status(&answer(r#"{"errorCode":50011,"errorMessage":"x"}"#), &creds()).unwrap_err();
    assert_eq!(status, GatewayError::refused(50011, "NonStoPay says this invoice belongs to another merchant"));
    assert!(matches!(parse_create(&answer("<html>"), &creds()), Err(GatewayError::BadResponse(_))));
}

#[test]
fn reads_the_documented_status_answer() {
    let resp = answer(
        r#"{"errorCode": 0, "invoice": {"id": "1689", "devise": "USD", "amount": "4", "status": "invoice:created"}}"#,
    );
    let report = parse_status(&resp, &creds()).unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Pending, "invoice:created"));
    let numeric = answer(r#"{"errorCode":0,"invoice":{"id":1736,"amount":5,"status":"invoice:paid"}}"#);
    assert_eq!(parse_status(&numeric, &creds()).unwrap().status, InvoiceStatus::Paid);
}

#[test]
fn statuses_map() {
    assert_eq!(map_status("invoice:created"), InvoiceStatus::Pending);
    assert_eq!(map_status("invoice:opened"), InvoiceStatus::Pending);
    assert_eq!(map_status("invoice:paid"), InvoiceStatus::Paid);
    assert_eq!(map_status("invoice:expired"), InvoiceStatus::Expired);
    assert_eq!(map_status("invoice:refunded"), InvoiceStatus::Unknown);
    assert_eq!(map_status("PAID"), InvoiceStatus::Unknown);
}

#[test]
fn the_order_id_is_read_back_from_callback_json_in_either_form() {
    let info = |cb: &str| {
        let body = format!(
            r#"{{"errorCode":0,"invoice_id":"7","data":{{"status":"invoice:created","id":7,"callbackJson":{cb}}}}}"#
        );
        parse_info(&answer(&body), &creds()).unwrap()
    };
    assert_eq!(info(r#""{\"order_id\":\"A-17\"}""#).order_id().as_deref(), Some("A-17"));
    assert_eq!(info(r#"{"order_id":"A-17"}"#).order_id().as_deref(), Some("A-17"));
    assert_eq!(info("null").order_id(), None);
    assert_eq!(info(r#""not json""#).order_id(), None);
    assert_eq!(info(r#""{\"order_id\":\"A-17\"}""#).id, "7");
}

#[test]
fn history_keeps_the_ids_of_the_sales_amount_only() {
    let body = r#"{"errorCode":0,"invoices":[{"id":"9","amount":"5.00","devise":"USD","status":"invoice:created"},
        {"id":8,"amount":5,"status":"invoice:paid"},{"id":"7","amount":"4.99","status":"invoice:created"}]}"#;
    let ids = parse_history(&answer(body), &creds(), &charge("5", "USD").amount).unwrap();
    assert_eq!(ids, vec!["9".to_string(), "8".to_string()]);
    let req = build_history("KEY", "api/invoice/history/", 1_780_000_000, 1_780_100_000);
    let q: Vec<_> = req.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
    assert_eq!(q, ["status=ALL", "from=2026-05-27", "to=2026-05-30", "order=DESC"]);
}
