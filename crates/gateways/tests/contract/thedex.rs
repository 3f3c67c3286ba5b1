use crate::common::Harness;
use paydesk_gateways::gateway::GatewayError;
use paydesk_gateways::http::{HttpRequest, HttpResponse};
use paydesk_gateways::secret::Secret;
use paydesk_gateways::thedex::{self, next_nonce};
use paydesk_gatewaysim::gateways::thedex::ErrorBody;
use paydesk_money::InvoiceStatus;

fn sim_error(resp: &HttpResponse) -> ErrorBody {
    resp.json().expect("the simulator's error shape")
}

fn is_refused_400(err: &GatewayError) -> bool {
    matches!(err, GatewayError::Refused { code: Some(c), .. } if c == "http_400")
}

#[tokio::test]
async fn thedex_create_pay_and_poll() {
    let h = Harness::new("thedex").await;
    let req = h.request("12.34", "USD");
    let created = h.create(&req).await.expect("thedex creates");
    assert!(created.pay_link.starts_with(h.sim.sim.public_base()));
    assert!(created.expires_at.is_some());
    let report = h.status(&req, &created).await.unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Pending, "0 Waiting"));
    h.press(&created.pay_link, "pay").await;
    let report = h.status(&req, &created).await.unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Paid, "3 Successful"));
}

#[tokio::test]
async fn thedex_underpay_and_expiry_are_reported() {
    let h = Harness::new("thedex").await;
    let req = h.request("7.00", "EUR");
    let created = h.create(&req).await.unwrap();
    h.press(&created.pay_link, "underpay").await;
    assert_eq!(h.status(&req, &created).await.unwrap().status, InvoiceStatus::Underpaid);

    let req = h.request("2", "USD");
    let created = h.create(&req).await.unwrap();
    h.press(&created.pay_link, "expire").await;
    assert_eq!(h.status(&req, &created).await.unwrap().status, InvoiceStatus::Expired);
}

#[tokio::test]
async fn thedex_status_by_order_id_when_the_invoice_id_is_unknown() {
    let h = Harness::new("thedex").await;
    let req = h.request("1.50", "USD");
    h.create(&req).await.unwrap();
    let invoice = crate::common::sale_ref(&req, None);
    assert_eq!(h.gateway.status(&h.call(), &invoice).await.unwrap().status, InvoiceStatus::Pending);
}

#[tokio::test]
async fn thedex_finds_an_invoice_by_order_id_and_says_when_there_is_none() {
    let h = Harness::new("thedex").await;
    let req = h.request("2.50", "USD");
    assert_eq!(h.gateway.find_by_order(&h.call(), &crate::common::sale_ref(&req, None)).await.unwrap(), None);
    let created = h.create(&req).await.unwrap();
    let found = h
        .gateway
        .find_by_order(&h.call(), &crate::common::sale_ref(&req, None))
        .await
        .unwrap()
        .expect("the invoice is found");
    assert_eq!(found.gateway_invoice_id, created.gateway_invoice_id);
    assert_eq!(found.pay_link.as_deref(), Some(created.pay_link.as_str()));
    assert_eq!(found.expires_at, created.expires_at);
    assert_eq!((found.status.status, found.status.gateway_status.as_str()), (InvoiceStatus::Pending, "0 Waiting"));
}

#[tokio::test]
async fn thedex_lookup_refused_for_bad_credentials_is_an_error_not_a_none() {
    let mut h = Harness::new("thedex").await;
    h.creds.insert("api_key", Secret::new("not-the-key"));
    let err =
        h.gateway.find_by_order(&h.call(), &crate::common::sale_ref(&h.request("1", "USD"), None)).await.unwrap_err();
    assert!(matches!(err, GatewayError::Unauthorized(_)), "{err:?}");
}

#[tokio::test]
async fn thedex_string_nonces_are_accepted_too() {
    let h = Harness::with_knobs("thedex", &[("nonce_format", "string")]).await;
    let req = h.request("4", "USD");
    let created = h.create(&req).await.unwrap();
    assert_eq!(h.status(&req, &created).await.unwrap().status, InvoiceStatus::Pending);
}

#[tokio::test]
async fn thedex_signature_one_byte_off_is_rejected() {
    let h = Harness::new("thedex").await;
    let mut request = thedex::build_create(&h.creds, &h.knobs, &h.request("9.99", "USD"), next_nonce()).unwrap();
    let signature = &mut request.headers.iter_mut().find(|(k, _)| *k == "x-ex-signature").unwrap().1;
    let flipped = if signature.starts_with('0') { "1" } else { "0" };
    signature.replace_range(0..1, flipped);
    let resp = h.http.send(&request).await.unwrap();
    let err = sim_error(&resp);
    assert_eq!((resp.status, err.code, err.message.as_str()), (401, 401, "invalid signature"));
    assert!(matches!(thedex::parse_create(&resp), Err(GatewayError::Unauthorized(_))));
}

#[tokio::test]
async fn thedex_body_that_differs_from_the_signed_payload_is_rejected() {
    let h = Harness::new("thedex").await;
    let mut request = thedex::build_create(&h.creds, &h.knobs, &h.request("10.00", "USD"), next_nonce()).unwrap();
    let body = String::from_utf8(request.body.take().unwrap()).unwrap();
    request.body = Some(body.replace("10.00", "0.01").into_bytes());
    let resp = h.http.send(&request).await.unwrap();
    assert_eq!((resp.status, sim_error(&resp).message.as_str()), (401, "payload does not match the body"));
}

#[tokio::test]
async fn thedex_wrong_credentials_are_unauthorized() {
    let mut h = Harness::new("thedex").await;
    h.creds.insert("secret_key", Secret::new("not-the-secret"));
    let err = h.create(&h.request("1", "USD")).await.unwrap_err();
    assert!(matches!(err, GatewayError::Unauthorized(_)), "{err:?}");
    assert!(!err.to_string().contains("not-the-secret"));

    let mut h = Harness::new("thedex").await;
    h.creds.insert("api_key", Secret::new("someone-else"));
    assert!(matches!(h.create(&h.request("1", "USD")).await, Err(GatewayError::Unauthorized(_))));
}

#[tokio::test]
async fn thedex_reused_nonce_is_refused() {
    let h = Harness::new("thedex").await;
    let request = thedex::build_create(&h.creds, &h.knobs, &h.request("3", "USD"), next_nonce()).unwrap();
    assert!(thedex::parse_create(&h.http.send(&request).await.unwrap()).is_ok());
    let resp = h.http.send(&request).await.unwrap();
    assert_eq!(sim_error(&resp).message, "nonce must be greater than the previous one");
    assert!(is_refused_400(&thedex::parse_create(&resp).unwrap_err()));
}

#[tokio::test]
async fn thedex_request_path_must_match_the_endpoint() {
    let h = Harness::with_knobs("thedex", &[("request_prefix", "/api/v2")]).await;
    let err = h.create(&h.request("3", "USD")).await.unwrap_err();
    assert!(is_refused_400(&err), "{err:?}");
}

#[tokio::test]
async fn thedex_bad_amount_format_is_rejected() {
    let h = Harness::new("thedex").await;
    let merchant = h.creds.get("merchant_id").unwrap().expose();
    for amount in ["10,00", "12.345", "1e3", "-5.00"] {
        // Correctly signed, so only the amount's format is wrong.
        let body = format!(
            r#"{{"amount":"{amount}","currency":"USD","merchantId":"{merchant}","orderId":"RAW-{amount}","request":"/api/v1/invoices/create","nonce":{}}}"#,
            next_nonce()
        );
        let (payload, signature) = thedex::sign(h.creds.get("secret_key").unwrap().expose(), body.as_bytes());
        let request = HttpRequest::post_json("invoices/create", body.into_bytes())
            .header("x-ex-apikey", h.creds.get("api_key").unwrap().expose())
            .header("x-ex-payload", payload)
            .header("x-ex-signature", signature);
        let resp = h.http.send(&request).await.unwrap();
        assert_eq!((resp.status, sim_error(&resp).message.as_str()), (400, "invalid amount"), "{amount}");
    }
}

#[tokio::test]
async fn thedex_prices_in_other_fiat_currencies() {
    let h = Harness::new("thedex").await;
    let req = h.request("1500", "JPY");
    assert!(h.create(&req).await.is_ok());
}
