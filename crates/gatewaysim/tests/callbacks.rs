//! Signed callbacks reproduce gateways.md's test vectors (§1.6, §2.6, §3.3, §4.5), with the
//! document's values typed in here, not taken from any Paydesk crate.

use paydesk_gatewaysim::callbacks::{self, body_json};

#[test]
fn dex3_signs_the_worked_example() {
    // §1.6: order 1001, amount 10000, the docs' sample transaction hash, keys of §1.3.
    let hash = "0x9edb60bdeebd9cbc159ff60470784431fbe2814bb616b0f7f9c0c8cb19ecb331";
    let cb =
        callbacks::dex3("1001", "EKKlnN7QXB5ynmqZTeriefGLgr4jq8", 10000, hash, "PUBLIC_TEST_KEY", "PRIVATE_TEST_KEY");
    let body = body_json(&cb);
    assert_eq!(body["signature"], "6e6bc8b6bc5eb953bf0edcc1b765f60a298425eb9dfc12047622f51ef4127967");
    assert_eq!((body["order_id"].as_str(), body["amount"].as_u64()), (Some("1001"), Some(10000)));
    assert_eq!(body["hash"], hash);
    assert_eq!(body["payment_id"], "EKKlnN7QXB5ynmqZTeriefGLgr4jq8");
    assert_eq!(cb.header("content-type"), Some("application/json"));
}

#[test]
fn thedex_signs_the_test_vector() {
    // §2.6: this raw body with secret TEST_SECRET.
    let body = r#"{"invoiceId":"e70f075f-e858-4cb2-9062-a20ca1fa4c92","merchantId":"ABCDEFGH","status":3,"statusName":"Successful"}"#;
    let cb = callbacks::thedex_signed(body.as_bytes().to_vec(), "TEST_API_KEY", "TEST_SECRET");
    assert_eq!(cb.body, body.as_bytes());
    assert_eq!(cb.header("X-EX-APIKEY"), Some("TEST_API_KEY"));
    assert_eq!(
        cb.header("X-EX-SIGNATURE"),
        Some("a85f5e254afb60cc0d233bef19e48816233ac5b74174b568cfd3e9b63e10a6cc50d8b0d44f34ed2729c75556dde2b5b5d761140cbb0c837ab83a13ce0f5bcfc6")
    );
    let built = callbacks::thedex("PD-1", "INV-1", 3, "Successful", "K", "S");
    let json = body_json(&built);
    assert_eq!(
        (json["orderId"].as_str(), json["invoiceId"].as_str(), json["status"].as_u64()),
        (Some("PD-1"), Some("INV-1"), Some(3))
    );
    assert_eq!(json["statusName"], "Successful");
}

#[test]
fn oxapay_signs_the_worked_example() {
    // §3.3: key TEST-MERCHANT-API-KEY, raw body {"type":"invoice","status":"Paid"}.
    let cb = callbacks::oxapay_signed(br#"{"type":"invoice","status":"Paid"}"#.to_vec(), "TEST-MERCHANT-API-KEY");
    assert_eq!(
        cb.header("hmac"),
        Some("e553c68aeb521038e1727f0ac5dfd569b1163ef7c732af6f3091ceb112e45d05a76b9ac5b59bfe9624e06daca87c9a9ac589dd106ee182031c728717c3381b90")
    );
    let json = body_json(&callbacks::oxapay("PD-2", "193139644", "Paid", "K"));
    assert_eq!(
        (json["order_id"].as_str(), json["track_id"].as_str(), json["status"].as_str()),
        (Some("PD-2"), Some("193139644"), Some("Paid"))
    );
}

#[test]
fn pay3_signs_the_test_vector() {
    // §4.5: secret TEST_WEBHOOK_SECRET, the flat payload of the docs' sample token.
    let claims = r#"{"orderType":"FIAT","orderId":"7aed064b-cb2d-42f8-9560-77413dcc5fc4","orderStatus":"COMPLETED","offerId":"330cd4bb-18a5-4edd-a1f4-cd373356da08"}"#;
    assert_eq!(
        callbacks::pay3_jwt(claims.as_bytes(), "TEST_WEBHOOK_SECRET"),
        "eyJhbGciOiJIUzM4NCJ9.eyJvcmRlclR5cGUiOiJGSUFUIiwib3JkZXJJZCI6IjdhZWQwNjRiLWNiMmQtNDJmOC05NTYwLTc3NDEzZGNjNWZjNCIsIm9yZGVyU3RhdHVzIjoiQ09NUExFVEVEIiwib2ZmZXJJZCI6IjMzMGNkNGJiLTE4YTUtNGVkZC1hMWY0LWNkMzczMzU2ZGEwOCJ9.zS3yLrR6PSWniJLajpj2Uwm-8iYK5x4Xr8pITpAF2iVqovMwibdwiycGcx8fiFQD"
    );
    let cb = callbacks::pay3("PD-3", "P3-ORDER", "COMPLETED", "TEST_WEBHOOK_SECRET");
    let token = body_json(&cb)["payload"].as_str().unwrap().to_string();
    let parts: Vec<&str> = token.split('.').collect();
    assert_eq!((parts.len(), parts[0]), (3, "eyJhbGciOiJIUzM4NCJ9"), "header {{\"alg\":\"HS384\"}}");
    let claims = paydesk_gatewaysim::wire::base64url_decode(parts[1]).unwrap();
    let claims: serde_json::Value = serde_json::from_slice(&claims).unwrap();
    assert_eq!((claims["requestId"].as_str(), claims["data"]["orderId"].as_str()), (Some("PD-3"), Some("P3-ORDER")));
    assert_eq!(claims["data"]["orderStatus"], "COMPLETED");
}

#[test]
fn nonstopay_signs_with_the_guessed_scheme() {
    // No vector exists (§5.4 lost the algorithm); this is the guess, checked against python3's
    // hmac.new(b"TEST_NONSTOPAY_KEY", body, hashlib.sha256).hexdigest().
    let body =
        r#"{"invoice_id":"1689","status":"invoice:paid","callbackJson":"{\"order_id\":\"PD-42\"}","amount":"4"}"#;
    let cb = callbacks::nonstopay_signed(body.as_bytes().to_vec(), "TEST_NONSTOPAY_KEY");
    assert_eq!(cb.header("X-Signature"), Some("c7b37c751da08d3035e56fd44807c984f551956877acf162da084e2eb82444e4"));
    let json = body_json(&callbacks::nonstopay("PD-4", 1689, "invoice:paid", "K"));
    assert_eq!((json["invoice_id"].as_str(), json["status"].as_str()), (Some("1689"), Some("invoice:paid")));
    assert_eq!(json["callbackJson"], r#"{"order_id":"PD-4"}"#);
}
