use crate::common::Harness;
use paydesk_gateways::gateway::{ChargeRequest, Credentials, GatewayError};
use paydesk_gateways::http::{HttpRequest, HttpResponse};
use paydesk_gateways::pay3::{
    build_create, build_token, checkout_string_to_sign, knob_default, sign, subscription_string_to_sign, Account,
    CheckoutOrder, CheckoutSignature, ErrorBody, ErrorValue, Interval, Pay3, SubscriptionOrder, SubscriptionRequest,
};
use paydesk_gateways::secret::Secret;
use paydesk_gatewaysim::gateways::pay3::{revoke_tokens, token_requests};
use paydesk_money::InvoiceStatus;
use paydesk_money::{parse_amount, Currency, DecimalStyle};

fn token_count(h: &Harness) -> u32 {
    token_requests(&h.sim.sim)
}

/// A token fetched the way the client does it, for requests a test builds by hand.
async fn fresh_token(h: &Harness) -> String {
    let account = Account::from_creds(&h.creds).unwrap();
    let key = h.creds.get("token_key").unwrap();
    let resp = h.http.send(&build_token(&account, key, &h.knobs)).await.unwrap();
    assert_eq!(resp.status, 200);
    let answer: serde_json::Value = resp.json().unwrap();
    answer["accessToken"].as_str().unwrap().to_string()
}

fn error_body(resp: &HttpResponse) -> ErrorBody {
    resp.json().expect("Pay3's error shape")
}

fn detail(body: ErrorBody) -> (Option<String>, String) {
    match body.error {
        ErrorValue::Detail(d) => (d.code, d.message),
        ErrorValue::Text(t) => panic!("expected a coded error, got '{t}'"),
    }
}

/// The simulator's credentials with some replaced or removed (None).
fn creds_with(changes: &[(&str, Option<&str>)]) -> Credentials {
    let mut creds = Credentials::default();
    for (field, value) in paydesk_gatewaysim::gateways::credentials("pay3") {
        match changes.iter().find(|(f, _)| f == field) {
            Some((_, Some(v))) => creds.insert(field, Secret::new(*v)),
            Some((_, None)) => {}
            None => creds.insert(field, Secret::new(*value)),
        }
    }
    for (field, value) in changes {
        if let (None, Some(v)) = (creds.get(field), value) {
            creds.insert(field, Secret::new(*v));
        }
    }
    creds
}

#[tokio::test]
async fn pay3_create_pay_and_poll() {
    let h = Harness::new("pay3").await;
    let req = h.request("12.34", "USD");
    let created = h.create(&req).await.expect("pay3 creates");
    assert!(created.pay_link.starts_with(h.sim.sim.public_base()));
    let expires = created.expires_at.expect("expiryTs is read");
    assert!(expires > paydesk_gatewaysim::now() + 25 * 60);
    let report = h.status(&req, &created).await.unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Pending, "CREATED"));
    h.press(&created.pay_link, "pay").await;
    let report = h.status(&req, &created).await.unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Paid, "COMPLETED"));
    assert_eq!(token_count(&h), 1, "create and both polls share one token");
}

#[tokio::test]
async fn pay3_completed_with_less_than_asked_is_underpaid_not_paid() {
    let h = Harness::new("pay3").await;
    let req = h.request("7.00", "USD");
    let created = h.create(&req).await.unwrap();
    h.press(&created.pay_link, "underpay").await;
    let report = h.status(&req, &created).await.unwrap();
    assert_eq!(report.status, InvoiceStatus::Underpaid);
    assert_eq!(report.gateway_status, "COMPLETED (paid 3.50 of 7.00)");
}

#[tokio::test]
async fn pay3_expired_order_is_abandoned() {
    let h = Harness::new("pay3").await;
    let req = h.request("3", "USD");
    let created = h.create(&req).await.unwrap();
    h.press(&created.pay_link, "expire").await;
    let report = h.status(&req, &created).await.unwrap();
    assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Expired, "ABANDONED"));
}

#[tokio::test]
async fn pay3_token_is_fetched_once_for_two_creates() {
    let h = Harness::new("pay3").await;
    h.create(&h.request("1", "USD")).await.unwrap();
    h.create(&h.request("2", "USD")).await.unwrap();
    assert_eq!(token_count(&h), 1);
}

#[tokio::test]
async fn pay3_refused_cached_token_is_refetched_once() {
    let h = Harness::new("pay3").await;
    h.create(&h.request("1", "USD")).await.unwrap();
    revoke_tokens(&h.sim.sim);
    h.create(&h.request("2", "USD")).await.expect("a fresh token is fetched after the 401");
    assert_eq!(token_count(&h), 2);
}

#[tokio::test]
async fn pay3_pasted_access_token_skips_the_fetch() {
    let mut h = Harness::new("pay3").await;
    let token = fresh_token(&h).await;
    assert_eq!(token_count(&h), 1);
    h.creds = creds_with(&[("token_key", None), ("access_token", Some(&token))]);
    let req = h.request("4.20", "USD");
    let created = h.create(&req).await.expect("the pasted token is used");
    assert_eq!(h.status(&req, &created).await.unwrap().status, InvoiceStatus::Pending);
    assert_eq!(token_count(&h), 1, "no token was fetched");

    // A dead pasted token is not replaced behind the cashier's back: they are told to paste a new one.
    revoke_tokens(&h.sim.sim);
    match h.create(&h.request("4.20", "USD")).await {
        Err(GatewayError::Unauthorized(message)) => assert!(message.contains("access_token"), "{message}"),
        other => panic!("expected Unauthorized, got {other:?}"),
    }
    assert_eq!(token_count(&h), 1);
}

#[tokio::test]
async fn pay3_one_byte_off_signature_is_rejected() {
    let h = Harness::new("pay3").await;
    let token = fresh_token(&h).await;
    let account = Account::from_creds(&h.creds).unwrap();
    let req = h.request("9.99", "USD");
    let good = build_create(&account, &h.knobs, &token, &req).unwrap();
    let mut bad = good.clone();
    let signature = &mut bad.headers.iter_mut().find(|(k, _)| *k == "signature").unwrap().1;
    let flipped = if signature.starts_with('A') { "B" } else { "A" };
    signature.replace_range(0..1, flipped);
    let resp = h.http.send(&bad).await.unwrap();
    assert_eq!(resp.status, 401);
    assert!(matches!(error_body(&resp).error, ErrorValue::Text(t) if t == "Signature verification failed"));
    // The untouched request goes through, so the byte was the only problem.
    assert_eq!(h.http.send(&good).await.unwrap().status, 200);
}

#[tokio::test]
async fn pay3_wrong_api_secret_is_unauthorized() {
    let mut h = Harness::new("pay3").await;
    h.creds = creds_with(&[("api_secret", Some("not-the-secret"))]);
    assert!(matches!(h.create(&h.request("1", "USD")).await, Err(GatewayError::Unauthorized(_))));
}

#[tokio::test]
async fn pay3_wrong_token_key_is_unauthorized() {
    let mut h = Harness::new("pay3").await;
    h.creds = creds_with(&[("token_key", Some("not-the-key"))]);
    let err = h.create(&h.request("1", "USD")).await.unwrap_err();
    assert!(matches!(&err, GatewayError::Unauthorized(m) if m.contains("token_key")), "{err}");
    assert!(!err.to_string().contains("not-the-key"));
}

#[tokio::test]
async fn pay3_needs_a_token_key_or_a_pasted_token() {
    let mut h = Harness::new("pay3").await;
    h.creds = creds_with(&[("token_key", None)]);
    assert!(matches!(
        h.create(&h.request("1", "USD")).await,
        Err(GatewayError::MissingCredential { field, .. }) if field == "token_key"
    ));
}

#[tokio::test]
async fn pay3_bad_amount_format_is_rejected_by_the_simulator() {
    let h = Harness::new("pay3").await;
    let token = fresh_token(&h).await;
    for (n, amount) in ["1.005", "1,00", "-1.00", "1e2"].into_iter().enumerate() {
        let order = CheckoutOrder {
            currency_id: "USD-USA".into(),
            fiat_amount: amount.into(),
            payment_method_id: "all".into(),
            email: "till@example.com".into(),
            request_id: format!("bad-amount-{n}"),
            client_id: "sim-pay3-client".into(),
            mode: "returnUrl".into(),
            callback: Default::default(),
        };
        let signature = sign("sim-pay3-api-secret", &checkout_string_to_sign(CheckoutSignature::ThreeField, &order));
        let raw = HttpRequest::post_json(knob_default("checkout_path"), serde_json::to_vec(&order).unwrap())
            .header("access-token", token.clone())
            .header("signature", signature);
        let resp = h.http.send(&raw).await.unwrap();
        assert_eq!(resp.status, 400, "{amount}");
        let (code, message) = detail(error_body(&resp));
        assert_eq!(code.as_deref(), Some("400"));
        assert!(message.contains("fiatAmount"), "{message}");
    }
}

#[tokio::test]
async fn pay3_repeated_order_id_is_refused_as_a_duplicate() {
    let h = Harness::new("pay3").await;
    let req = h.request("5", "USD");
    h.create(&req).await.unwrap();
    match h.create(&req).await {
        Err(GatewayError::Refused { code: Some(code), .. }) => assert_eq!(code, "duplicate_order"),
        other => panic!("expected a duplicate refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn pay3_currencies_are_restricted() {
    let h = Harness::new("pay3").await;
    let kwd: Currency = "KWD".parse().unwrap();
    assert!(!h.gateway.info().supports(kwd));
    let req = ChargeRequest {
        order_id: "kwd-1".into(),
        amount: parse_amount("1.234", kwd, DecimalStyle::Point).unwrap(),
        description: None,
        lifetime_secs: 900,
        callback_url: None,
    };
    assert!(matches!(h.create(&req).await, Err(GatewayError::Unsupported(_))));
    // The account's currency_id is USD-USA, so a EUR sale cannot go through it.
    let err = h.create(&h.request("5", "EUR")).await.unwrap_err();
    assert!(matches!(&err, GatewayError::Unsupported(m) if m.contains("USD-USA")), "{err}");
    assert_eq!(token_count(&h), 0, "refused before any request");
}

#[tokio::test]
async fn pay3_two_field_signature_is_refused_by_a_three_field_server() {
    let h = Harness::with_knobs("pay3", &[("checkout_signature", "two_field")]).await;
    assert!(matches!(h.create(&h.request("1", "USD")).await, Err(GatewayError::Unauthorized(_))));
}

#[tokio::test]
async fn pay3_answer_without_url_is_a_clear_error() {
    let h = Harness::with_knobs("pay3", &[("checkout_mode", "sdk")]).await;
    let err = h.create(&h.request("1", "USD")).await.unwrap_err();
    assert!(matches!(&err, GatewayError::BadResponse(m) if m.contains("without a pay link")), "{err}");
}

#[tokio::test]
async fn pay3_wrong_token_path_says_which_knob() {
    let h = Harness::with_knobs("pay3", &[("token_path", "v1/client/token")]).await;
    let err = h.create(&h.request("1", "USD")).await.unwrap_err();
    assert!(matches!(&err, GatewayError::Unsupported(m) if m.contains("token_path")), "{err}");
}

#[tokio::test]
async fn pay3_status_of_an_unknown_order_is_not_found() {
    let h = Harness::new("pay3").await;
    let invoice = crate::common::sale_ref(&h.request("1", "USD"), None);
    match h.gateway.status(&h.call(), &invoice).await {
        Err(GatewayError::NotFound(message)) => assert!(message.contains("no order"), "{message}"),
        other => panic!("expected NotFound, got {other:?}"),
    }
}

#[tokio::test]
async fn pay3_finds_an_order_by_request_id_without_a_pay_link() {
    let h = Harness::new("pay3").await;
    let req = h.request("6", "USD");
    assert_eq!(h.gateway.find_by_order(&h.call(), &crate::common::sale_ref(&req, None)).await.unwrap(), None);
    let created = h.create(&req).await.unwrap();
    let found = h
        .gateway
        .find_by_order(&h.call(), &crate::common::sale_ref(&req, None))
        .await
        .unwrap()
        .expect("the order is found");
    assert_eq!(found.gateway_invoice_id, created.gateway_invoice_id, "the simulator's orderId is its token");
    assert_eq!(found.pay_link, None, "Pay3's order list carries no pay link");
    assert_eq!((found.status.status, found.status.gateway_status.as_str()), (InvoiceStatus::Pending, "CREATED"));
}

#[tokio::test]
async fn pay3_subscription_order_is_created() {
    let h = Harness::new("pay3").await;
    let pay3 = Pay3::default();
    let sub = SubscriptionRequest {
        order_id: format!("sub-{}", std::process::id()),
        amount: parse_amount("9.99", Currency::USD, DecimalStyle::Point).unwrap(),
        interval: Interval::Monthly,
        plan_name: "Coffee club".into(),
        trial_period_days: Some(7),
        user_id: None,
    };
    let created = pay3.create_subscription(&h.call(), &sub).await.expect("subscription is created");
    assert!(created.pay_link.starts_with(h.sim.sim.public_base()));
    let invoice = paydesk_gateways::gateway::InvoiceRef {
        order_id: sub.order_id.clone(),
        gateway_invoice_id: None,
        amount: sub.amount,
        created_at: 0,
    };
    assert_eq!(h.gateway.status(&h.call(), &invoice).await.unwrap().status, InvoiceStatus::Pending);
    match pay3.create_subscription(&h.call(), &sub).await {
        Err(GatewayError::Refused { code: Some(code), .. }) => assert_eq!(code, "duplicate_order"),
        other => panic!("expected a duplicate refusal, got {other:?}"),
    }
}

#[tokio::test]
async fn pay3_bad_subscription_interval_gets_pay3s_error() {
    let h = Harness::new("pay3").await;
    let token = fresh_token(&h).await;
    let order = SubscriptionOrder {
        currency_id: "USD-USA".into(),
        fiat_amount: "1.00".into(),
        payment_method_id: "all".into(),
        email: "till@example.com".into(),
        user_id: None,
        client_id: "sim-pay3-client".into(),
        request_id: "sub-bad-interval".into(),
        interval: "daily1".into(),
        request_description: "Plan".into(),
        mode: "returnUrl".into(),
        trial_period_days: None,
    };
    let signature = sign("sim-pay3-api-secret", &subscription_string_to_sign(&order));
    let raw = HttpRequest::post_json("v1/client/subscription/create-order", serde_json::to_vec(&order).unwrap())
        .header("access-token", token)
        .header("signature", signature);
    let resp = h.http.send(&raw).await.unwrap();
    let body = error_body(&resp);
    assert_eq!(body.code.as_deref(), Some("7001"));
    assert_eq!(detail(body), (Some("500".into()), "invalid value for interval daily1".into()));
}
