use crate::common::{sale_ref, Harness};
use paydesk_gateways::gateway::GatewayError;
use paydesk_gateways::http::HttpRequest;
use paydesk_gateways::nonstopay::{build_create, CreateResponse};
use paydesk_gateways::secret::Secret;
use paydesk_money::InvoiceStatus;

async fn harness() -> Harness {
    Harness::new("nonstopay").await
}

fn cred(h: &Harness, field: &str) -> String {
    h.creds.get(field).expect("sim credential").expose().to_string()
}

/// A create request built with the harness's credentials, ready to tamper with.
fn built(h: &Harness, amount: &str) -> HttpRequest {
    let path = h.knobs.get("create_path");
    build_create(&cred(h, "api_key"), &cred(h, "email"), path, &h.request(amount, "USD")).unwrap()
}

fn edit_body(mut req: HttpRequest, from: &str, to: &str) -> HttpRequest {
    let body = String::from_utf8(req.body.take().unwrap()).unwrap();
    assert!(body.contains(from), "{body} has {from}");
    req.body = Some(body.replacen(from, to, 1).into_bytes());
    req
}

/// The `errorCode` the simulator answers to `req`.
async fn error_code(h: &Harness, req: &HttpRequest) -> i64 {
    let answer: CreateResponse = h.http.send(req).await.unwrap().json().unwrap();
    answer.error_code
}

#[tokio::test]
async fn nonstopay_create_pay_and_poll() {
    let h = harness().await;
    let req = h.request("12.34", "USD");
    let mut created = h.create(&req).await.expect("nonstopay creates");
    assert!(created.pay_link.starts_with(h.sim.sim.public_base()));
    assert_eq!(created.gateway_invoice_id, None, "the redirect-mode answer carries no invoice id");
    created.gateway_invoice_id = found_id(&h, &req).await;
    let report = h.status(&req, &created).await.unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Pending, "invoice:created"));
    h.press(&created.pay_link, "pay").await;
    let report = h.status(&req, &created).await.unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Paid, "invoice:paid"));
}

#[tokio::test]
async fn nonstopay_finds_its_invoice_id_by_the_order_id_in_callback_json() {
    let h = harness().await;
    // Two other sales of the same amount first: only ours carries our order id.
    for _ in 0..2 {
        h.create(&h.request("3", "USD")).await.unwrap();
    }
    let req = h.request("3", "USD");
    h.create(&req).await.unwrap();
    let inv = h.sim.sim.find_by_order("nonstopay", &req.order_id).expect("the sim read the order id from callbackJson");
    assert_eq!(found_id(&h, &req).await, Some(inv.gateway_id));
    let never = h.request("3", "USD");
    let none = h.gateway.find_by_order(&h.call(), &sale_ref(&never, None)).await.unwrap();
    assert_eq!(none, None, "a sale NonStoPay never got is not found (which proves nothing, for a search)");
}

/// NonStoPay's id for `req`'s sale, found as Paydesk finds it: history, then invoice info.
async fn found_id(h: &Harness, req: &paydesk_gateways::gateway::ChargeRequest) -> Option<String> {
    let found = h.gateway.find_by_order(&h.call(), &sale_ref(req, None)).await.unwrap();
    found.expect("the sale is found").gateway_invoice_id
}

#[tokio::test]
async fn nonstopay_underpay_and_expiry_are_reported() {
    let h = harness().await;
    let req = h.request("7.00", "USD");
    let mut created = h.create(&req).await.unwrap();
    created.gateway_invoice_id = found_id(&h, &req).await;
    h.press(&created.pay_link, "underpay").await;
    let report = h.status(&req, &created).await.unwrap();
    // No partial-payment status is known: the invoice stays opened, so the till keeps waiting.
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Pending, "invoice:opened"));
    h.press(&created.pay_link, "expire").await;
    assert_eq!(h.status(&req, &created).await.unwrap().status, InvoiceStatus::Expired);
}

#[tokio::test]
async fn nonstopay_key_one_byte_off_is_rejected_with_50007() {
    let h = harness().await;
    let mut req = built(&h, "5");
    let header = req.headers.iter_mut().find(|(n, _)| *n == "API-KEY").unwrap();
    header.1.pop();
    header.1.push('X');
    assert_eq!(error_code(&h, &req).await, 50007);
    let mut req = built(&h, "5");
    req.headers.retain(|(n, _)| *n != "API-KEY");
    assert_eq!(error_code(&h, &req).await, 50001);
}

#[tokio::test]
async fn nonstopay_wrong_credentials_are_unauthorized() {
    let mut h = harness().await;
    h.creds.insert("api_key", Secret::new("not-the-key"));
    let req = h.request("5", "USD");
    match h.create(&req).await {
        Err(GatewayError::Unauthorized(m)) => assert!(!m.contains("not-the-key"), "{m}"),
        other => panic!("{other:?}"),
    }
    let invoice = sale_ref(&req, Some("1".into()));
    assert!(matches!(h.gateway.status(&h.call(), &invoice).await, Err(GatewayError::Unauthorized(_))));
}

#[tokio::test]
async fn nonstopay_email_is_checked() {
    let mut h = harness().await;
    h.creds.insert("email", Secret::new("not-an-address"));
    let err = h.create(&h.request("5", "USD")).await.unwrap_err();
    assert!(matches!(&err, GatewayError::Refused { code: Some(c), .. } if c == "50005"), "{err:?}");
    let h = harness().await;
    let req = edit_body(built(&h, "5"), "\"email\":\"till@paydesk.example\",", "");
    assert_eq!(error_code(&h, &req).await, 50002);
}

#[tokio::test]
async fn nonstopay_bad_amount_formats_are_rejected() {
    let h = harness().await;
    // A JSON number is a decimal too ("15.04 or 42" in the docs): only the text's form matters.
    for bad in [r#""12,34""#, r#""12.345""#, r#""-12.34""#, r#""1e3""#, "-1", r#""""#] {
        let req = edit_body(built(&h, "12.34"), "\"amount\":\"12.34\"", &format!("\"amount\":{bad}"));
        assert_eq!(error_code(&h, &req).await, 50003, "{bad}");
    }
    let resp = h.http.send(&built(&h, "12.34")).await.unwrap();
    assert_eq!(resp.json::<CreateResponse>().unwrap().error_code, 0);
}

#[tokio::test]
async fn nonstopay_amount_limits_are_refused_clearly() {
    let h = harness().await;
    match h.create(&h.request("50000", "USD")).await {
        Err(GatewayError::Refused { code: Some(c), message }) => {
            assert_eq!(c, "50011");
            assert!(message.contains("maximum"), "{message}");
        }
        other => panic!("{other:?}"),
    }
    match h.create(&h.request("0.50", "USD")).await {
        Err(GatewayError::Refused { code: Some(c), message }) => {
            assert_eq!(c, "50012");
            assert!(message.contains("minimum"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn nonstopay_is_usd_only() {
    let h = harness().await;
    assert!(!h.gateway.info().supports("EUR".parse().unwrap()));
    let err = h.create(&h.request("5", "EUR")).await.unwrap_err();
    assert!(matches!(err, GatewayError::Unsupported(_)), "{err:?}");
    let req = edit_body(built(&h, "5"), "\"devise\":\"USD\"", "\"devise\":\"EUR\"");
    assert_eq!(error_code(&h, &req).await, 50009);
    let req = edit_body(built(&h, "5"), "\"devise\":\"USD\",", "");
    assert_eq!(error_code(&h, &req).await, 50004);
}

#[tokio::test]
async fn nonstopay_without_an_invoice_id_cannot_be_polled() {
    let h = harness().await;
    let req = h.request("5", "USD");
    let invoice = sale_ref(&req, None);
    match h.gateway.status(&h.call(), &invoice).await {
        Err(GatewayError::Unsupported(m)) => assert!(m.contains("has not found NonStoPay's id"), "{m}"),
        other => panic!("{other:?}"),
    }
    let unknown = sale_ref(&req, Some("nope".into()));
    let err = h.gateway.status(&h.call(), &unknown).await.unwrap_err();
    assert!(matches!(&err, GatewayError::Refused { code: Some(c), .. } if c == "50011"), "{err:?}");
}
