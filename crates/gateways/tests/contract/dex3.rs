use crate::common::Harness;
use paydesk_gateways::dex3::{self, Envelope, INFO};
use paydesk_gateways::gateway::GatewayError;
use paydesk_gateways::http::HttpRequest;
use paydesk_gateways::secret::Secret;
use paydesk_gatewaysim::now;
use paydesk_money::Currency;
use paydesk_money::InvoiceStatus;

#[tokio::test]
async fn dex3_create_pay_and_poll() {
    let h = Harness::new("dex3").await;
    let req = h.request("12.34", "USD");
    let created = h.create(&req).await.expect("dex3 creates");
    assert!(created.pay_link.starts_with(h.sim.sim.public_base()));
    let expires = created.expires_at.expect("Dex3 answers the expiry");
    assert!((now() + 890..=now() + 900).contains(&expires), "expiration is the lifetime in seconds");
    let report = h.status(&req, &created).await.unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Pending, "created"));
    h.press(&created.pay_link, "pay").await;
    let report = h.status(&req, &created).await.unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Paid, "completed"));
}

#[tokio::test]
async fn dex3_underpay_shows_as_received_which_is_not_paid() {
    let h = Harness::new("dex3").await;
    let req = h.request("7.00", "USD");
    let created = h.create(&req).await.unwrap();
    h.press(&created.pay_link, "underpay").await;
    let report = h.status(&req, &created).await.unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Confirming, "received"));
}

#[tokio::test]
async fn dex3_expired_is_reported() {
    let h = Harness::new("dex3").await;
    let req = h.request("3", "USD");
    let created = h.create(&req).await.unwrap();
    h.press(&created.pay_link, "expire").await;
    assert_eq!(h.status(&req, &created).await.unwrap().status, InvoiceStatus::Expired);
}

#[tokio::test]
async fn dex3_repeated_order_id_is_refused_as_duplicate() {
    let h = Harness::new("dex3").await;
    let req = h.request("5", "USD");
    h.create(&req).await.unwrap();
    let err = h.create(&req).await.unwrap_err();
    assert!(matches!(err, GatewayError::Refused { code: Some(ref c), .. } if c == "duplicate_order"), "{err:?}");
}

#[tokio::test]
async fn dex3_cannot_be_asked_by_order_id_and_says_why() {
    let h = Harness::new("dex3").await;
    let req = h.request("5", "USD");
    h.create(&req).await.unwrap();
    let err = h.gateway.find_by_order(&h.call(), &crate::common::sale_ref(&req, None)).await.unwrap_err();
    assert!(matches!(&err, GatewayError::Unsupported(m) if m.contains("Duplicate order id")), "{err:?}");
}

#[tokio::test]
async fn dex3_signature_one_byte_off_is_rejected() {
    let h = Harness::new("dex3").await;
    let mut request = dex3::build_create(&h.creds, &h.request("9.99", "USD")).unwrap();
    let body = String::from_utf8(request.body.take().unwrap()).unwrap();
    let (head, sig) = body.split_once(r#""signature":""#).unwrap();
    let flipped = if sig.starts_with('0') { "1" } else { "0" };
    request.body = Some(format!(r#"{head}"signature":"{flipped}{}"#, &sig[1..]).into_bytes());
    let resp = h.http.send(&request).await.unwrap();
    let env: Envelope<serde_json::Value> = resp.json().unwrap();
    assert!(!env.state);
    let err = env.error.unwrap();
    assert_eq!((err.message.as_str(), err.code.as_u64()), ("Invalid signature", Some(401)));
    assert!(matches!(
        dex3::parse_create(&resp, &h.creds, &h.knobs, &h.request("1", "USD").amount),
        Err(GatewayError::Unauthorized(_))
    ));
}

#[tokio::test]
async fn dex3_wrong_credentials_are_unauthorized() {
    let mut h = Harness::new("dex3").await;
    h.creds.insert("merchant_private", Secret::new("not-the-private-key"));
    let err = h.create(&h.request("1", "USD")).await.unwrap_err();
    assert!(matches!(err, GatewayError::Unauthorized(_)), "{err:?}");
    assert!(!err.to_string().contains("not-the-private-key"));

    let mut h = Harness::new("dex3").await;
    h.creds.insert("merchant_public", Secret::new("someone-else"));
    assert!(matches!(h.create(&h.request("1", "USD")).await, Err(GatewayError::Unauthorized(_))));
}

#[tokio::test]
async fn dex3_decimal_amount_is_rejected_as_a_form_error() {
    let h = Harness::new("dex3").await;
    let (public, private) = (h.creds.get("merchant_public").unwrap(), h.creds.get("merchant_private").unwrap());
    // Correctly signed, so only the amount's format is wrong.
    let signature = dex3::sign("RAW-1", public.expose(), "12.34", private.expose());
    let body = format!(
        r#"{{"order_id":"RAW-1","productName":"Raw","amount":"12.34","expiration":"900","signature":"{signature}"}}"#
    );
    let request = HttpRequest::post_json("createpayment", body.into_bytes()).header("merchant_public", public.expose());
    let resp = h.http.send(&request).await.unwrap();
    let env: Envelope<serde_json::Value> = resp.json().unwrap();
    let err = env.error.expect("an error");
    assert_eq!((err.message.as_str(), err.code.as_u64()), ("Please check form error", Some(403)));
    assert!(err.err_data.get("amount").is_some(), "the amount field is named");
    let mapped = dex3::parse_create(&resp, &h.creds, &h.knobs, &h.request("1", "USD").amount).unwrap_err();
    assert!(matches!(mapped, GatewayError::Refused { code: Some(ref c), .. } if c == "403"), "{mapped:?}");
}

#[tokio::test]
async fn dex3_missing_field_is_a_form_error() {
    let h = Harness::new("dex3").await;
    let public = h.creds.get("merchant_public").unwrap().expose();
    let body = br#"{"order_id":"RAW-2","productName":"Raw","amount":"100","signature":"00"}"#.to_vec();
    let resp =
        h.http.send(&HttpRequest::post_json("createpayment", body).header("merchant_public", public)).await.unwrap();
    let err = dex3::parse_create(&resp, &h.creds, &h.knobs, &h.request("1", "USD").amount).unwrap_err();
    assert_eq!(err, GatewayError::refused(403, "Please check form error: Expiration is required"));
}

#[tokio::test]
async fn dex3_is_usd_only() {
    assert!(INFO.supports(Currency::USD));
    assert!(!INFO.supports("EUR".parse().unwrap()));
    let h = Harness::new("dex3").await;
    assert!(matches!(h.create(&h.request("5", "EUR")).await, Err(GatewayError::Unsupported(_))));
}
