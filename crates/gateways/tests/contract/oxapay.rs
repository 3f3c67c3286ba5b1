use crate::common::{sale_ref, Harness};
use paydesk_gateways::gateway::GatewayError;
use paydesk_gateways::http::{HttpRequest, HttpResponse};
use paydesk_gateways::oxapay::{
    build_create, parse_create, Contract, LegacyCreateResponse, Settings, V1Envelope, LEGACY_OK,
};
use paydesk_gateways::secret::Secret;
use paydesk_money::InvoiceStatus;
use serde_json::Value;

const CONTRACTS: [(&str, Contract); 2] = [("v1", Contract::V1), ("legacy", Contract::Legacy)];

async fn harness(contract: &str) -> Harness {
    Harness::with_knobs("oxapay", &[("contract", contract)]).await
}

fn key(h: &Harness) -> String {
    h.creds.get("merchant_api_key").expect("sim credential").expose().to_string()
}

/// A create request for `amount` built with the harness's key, ready to tamper with.
fn built(h: &Harness, contract: Contract, amount: &str) -> HttpRequest {
    build_create(&key(h), Settings { contract, sandbox: false }, &h.request(amount, "USD")).unwrap()
}

/// `req` with the first `from` in its body replaced by `to`.
fn edit_body(mut req: HttpRequest, from: &str, to: &str) -> HttpRequest {
    let body = String::from_utf8(req.body.take().unwrap()).unwrap();
    assert!(body.contains(from), "{body} has {from}");
    req.body = Some(body.replacen(from, to, 1).into_bytes());
    req
}

async fn v1_error_key(h: &Harness, req: &HttpRequest) -> (u16, Option<String>) {
    let resp = h.http.send(req).await.unwrap();
    let env: V1Envelope<Value> = resp.json().unwrap();
    assert_eq!(env.status, resp.status, "the envelope repeats the HTTP status");
    (resp.status, env.error.key)
}

async fn legacy_result(h: &Harness, req: &HttpRequest) -> i64 {
    let resp = h.http.send(req).await.unwrap();
    assert_eq!(resp.status, 200, "legacy answers failures with HTTP 200 and a result code");
    resp.json::<LegacyCreateResponse>().unwrap().result
}

#[tokio::test]
async fn oxapay_create_pay_and_poll_on_both_contracts() {
    for (name, _) in CONTRACTS {
        let h = harness(name).await;
        let req = h.request("12.34", "USD");
        let created = h.create(&req).await.expect("oxapay creates");
        assert!(created.pay_link.starts_with(h.sim.sim.public_base()), "{name}");
        let track = created.gateway_invoice_id.clone().unwrap();
        assert!(track.bytes().all(|b| b.is_ascii_digit()), "{name}: track ids are numeric");
        assert!(created.expires_at.unwrap() >= paydesk_gatewaysim::now() + 15 * 60 - 5, "{name}: 15 minutes at least");
        let pending = h.status(&req, &created).await.unwrap();
        assert_eq!(pending.status, InvoiceStatus::Pending, "{name}");
        h.press(&created.pay_link, "pay").await;
        let report = h.status(&req, &created).await.unwrap();
        let raw = if name == "v1" { "paid" } else { "Paid" };
        assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Paid, raw));
    }
}

#[tokio::test]
async fn oxapay_underpay_and_expiry_are_reported() {
    for (name, underpaid, raw) in
        // v1's `underpaid` means expired part-paid; before that a part payment is `paying`.
        [("v1", InvoiceStatus::Confirming, "paying"), ("legacy", InvoiceStatus::Pending, "Waiting")]
    {
        let h = harness(name).await;
        let req = h.request("7.00", "USD");
        let created = h.create(&req).await.unwrap();
        h.press(&created.pay_link, "underpay").await;
        let report = h.status(&req, &created).await.unwrap();
        assert_eq!((report.status, report.gateway_status.as_str()), (underpaid, raw), "{name}");

        let req = h.request("7.00", "USD");
        let created = h.create(&req).await.unwrap();
        h.press(&created.pay_link, "expire").await;
        assert_eq!(h.status(&req, &created).await.unwrap().status, InvoiceStatus::Expired, "{name}");
    }
}

#[tokio::test]
async fn oxapay_key_one_byte_off_is_rejected_in_each_contracts_shape() {
    let h = harness("v1").await;
    let mut req = built(&h, Contract::V1, "5");
    let header = req.headers.iter_mut().find(|(n, _)| *n == "merchant_api_key").unwrap();
    header.1.pop();
    header.1.push('X');
    assert_eq!(v1_error_key(&h, &req).await, (401, Some("merchant_api_key".into())));

    let key = key(&h);
    let mut off = key.clone();
    off.pop();
    off.push('X');
    let req = edit_body(built(&h, Contract::Legacy, "5"), &format!("\"{key}\""), &format!("\"{off}\""));
    assert_eq!(legacy_result(&h, &req).await, 102);
}

#[tokio::test]
async fn oxapay_wrong_credentials_are_unauthorized() {
    for (name, _) in CONTRACTS {
        let mut h = harness(name).await;
        h.creds.insert("merchant_api_key", Secret::new("not-the-key"));
        let req = h.request("5", "USD");
        match h.create(&req).await {
            Err(GatewayError::Unauthorized(m)) => assert!(!m.contains("not-the-key"), "{name}: {m}"),
            other => panic!("{name}: {other:?}"),
        }
        let invoice = sale_ref(&req, Some("9000001".into()));
        let status = h.gateway.status(&h.call(), &invoice).await;
        assert!(matches!(status, Err(GatewayError::Unauthorized(_))), "{name}: {status:?}");
    }
}

#[tokio::test]
async fn oxapay_bad_amount_formats_are_rejected() {
    let h = harness("v1").await;
    for bad in [r#""12,34""#, r#""12.34""#, "12.345", "-12.34", "0"] {
        let req = edit_body(built(&h, Contract::V1, "12.34"), "\"amount\":12.34", &format!("\"amount\":{bad}"));
        assert_eq!(v1_error_key(&h, &req).await, (400, Some("amount".into())), "{bad}");
        let req = edit_body(built(&h, Contract::Legacy, "12.34"), "\"amount\":12.34", &format!("\"amount\":{bad}"));
        assert_eq!(legacy_result(&h, &req).await, 101, "{bad}");
    }
    // The exact wire form is accepted as it is.
    let resp = h.http.send(&built(&h, Contract::V1, "12.34")).await.unwrap();
    assert_eq!(resp.status, 200);
}

#[tokio::test]
async fn oxapay_lifetime_range_is_enforced_and_the_client_clamps() {
    let h = harness("v1").await;
    let req = edit_body(built(&h, Contract::V1, "3"), "\"lifetime\":15", "\"lifetime\":14");
    assert_eq!(v1_error_key(&h, &req).await, (400, Some("lifetime".into())));
    let req = edit_body(built(&h, Contract::V1, "3"), "\"lifetime\":15", "\"lifetime\":\"15\"");
    assert_eq!(v1_error_key(&h, &req).await, (400, Some("lifetime".into())));
    let req = edit_body(built(&h, Contract::Legacy, "3"), "\"lifeTime\":15", "\"lifeTime\":14");
    assert_eq!(legacy_result(&h, &req).await, 111);
    let req = edit_body(built(&h, Contract::Legacy, "3"), "\"lifeTime\":15", "\"lifeTime\":2881");
    let resp = h.http.send(&req).await.unwrap();
    match parse_create(Contract::Legacy, &resp, &h.creds) {
        Err(GatewayError::Refused { code, message }) => {
            assert_eq!(code.as_deref(), Some("112"));
            assert!(message.contains("2880"), "{message}");
        }
        other => panic!("{other:?}"),
    }

    for (name, _) in CONTRACTS {
        let h = harness(name).await;
        for secs in [10, 30 * 86_400] {
            let mut req = h.request("3", "USD");
            req.lifetime_secs = secs;
            h.create(&req).await.unwrap_or_else(|e| panic!("{name} {secs}s: {e}"));
        }
    }
}

#[tokio::test]
async fn oxapay_currencies_are_checked() {
    for (name, _) in CONTRACTS {
        let h = harness(name).await;
        let req = h.request("1500", "JPY");
        let created = h.create(&req).await.unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(h.status(&req, &created).await.unwrap().status, InvoiceStatus::Pending);
    }
    let h = harness("v1").await;
    let req = edit_body(built(&h, Contract::V1, "3"), "\"currency\":\"USD\"", "\"currency\":\"XYZ\"");
    assert_eq!(v1_error_key(&h, &req).await, (400, Some("currency".into())));
    let req = edit_body(built(&h, Contract::Legacy, "3"), "\"currency\":\"USD\"", "\"currency\":\"XYZ\"");
    let resp = h.http.send(&req).await.unwrap();
    assert!(
        matches!(parse_create(Contract::Legacy, &resp, &h.creds), Err(GatewayError::Refused { code: Some(c), .. }) if c == "105")
    );
}

#[tokio::test]
async fn oxapay_unknown_track_ids_are_refused() {
    for (name, code) in [("v1", "track_id"), ("legacy", "116")] {
        let h = harness(name).await;
        let invoice = sale_ref(&h.request("1", "USD"), Some("9999999".into()));
        match h.gateway.status(&h.call(), &invoice).await {
            Err(GatewayError::Refused { code: Some(c), .. }) => assert_eq!(c, code, "{name}"),
            other => panic!("{name}: {other:?}"),
        }
    }
}

#[tokio::test]
async fn oxapay_legacy_success_is_result_100() {
    let h = harness("legacy").await;
    let resp: HttpResponse = h.http.send(&built(&h, Contract::Legacy, "9.99")).await.unwrap();
    let answer: LegacyCreateResponse = resp.json().unwrap();
    assert_eq!(answer.result, LEGACY_OK);
    assert!(answer.track_id.is_some() && answer.pay_link.is_some());
}
