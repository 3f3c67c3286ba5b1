//! The simulator as the app's Demo gateway: any local process can reach it, so nothing there may
//! move money by guessing or make it misbehave.

mod common;

/// One request with a JSON body: (status, body).
async fn request(addr: std::net::SocketAddr, method: &str, path: &str, body: &str) -> (u16, String) {
    let headers = [("content-type", "application/json")];
    let timeout = std::time::Duration::from_secs(10);
    let answer = common::send(addr, method, path, &headers, body.as_bytes(), timeout).await.expect("an answer");
    (answer.status, String::from_utf8(answer.body).unwrap())
}

#[tokio::test]
async fn hardening_11_the_demo_has_no_control_endpoints_and_unguessable_pay_pages() {
    let demo = paydesk_gatewaysim::start_demo(0).await.unwrap();
    let arm = r#"{"fault":{"kind":"hang"},"gateway":"demo","times":1}"#;
    assert_eq!(request(demo.addr, "POST", "/_sim/faults", arm).await.0, 404, "faults cannot be armed");
    assert_eq!(request(demo.addr, "GET", "/_sim/requests?gateway=demo", "").await.0, 404);

    let sale = r#"{"order_id":"PD-1","amount":"5.00","currency":"USD","lifetime_secs":900}"#;
    let (status, body) = request(demo.addr, "POST", "/demo/invoices", sale).await;
    assert_eq!(status, 200, "{body}");
    let answer: serde_json::Value = serde_json::from_str(&body).unwrap();
    let key = answer["pay_url"].as_str().unwrap().rsplit('/').next().unwrap().to_string();
    assert_eq!(key.len(), 32, "128 random bits in hex: {key}");
    assert!(key.bytes().all(|b| b.is_ascii_hexdigit()));
    // The next invoice's page is not the next number.
    let (_, second) = request(demo.addr, "POST", "/demo/invoices", &sale.replace("PD-1", "PD-2")).await;
    let second: serde_json::Value = serde_json::from_str(&second).unwrap();
    assert_ne!(second["pay_url"].as_str().unwrap().rsplit('/').next().unwrap(), key);
    assert_eq!(request(demo.addr, "POST", "/pay/demo-1/pay", "").await.0, 404, "no guessable pay page");

    // Tests and `paydesk simulate` keep their control endpoints.
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    assert_eq!(request(sim.addr, "POST", "/_sim/faults", arm).await.0, 204);
}
