//! Hostile answers over HTTP: every registered gateway's create and status through the real client.

mod common;

use common::answers::answer;
use common::{check_created, check_status, config, creds, knobs, secrets};
use paydesk_gateways::gateway::{Call, ChargeRequest, Credentials, Gateway, GatewayError, InvoiceRef};
use paydesk_gateways::http::{HttpClient, HttpResponse, RetryPolicy};
use paydesk_gateways::registry;
use paydesk_money::{parse_amount, Currency, DecimalStyle};
use serde_json::json;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

// ---------------------------------------------------------------------------------------------
// Every registered gateway's create and status, through the real HTTP client, against a loopback
// server that gives whatever answer the case says (Demo and Pay3 read their answers privately).

/// Answers every request with the current canned (status, body), then closes the connection.
struct Canned {
    answer: Arc<Mutex<HttpResponse>>,
    base: String,
}

impl Canned {
    async fn start() -> Canned {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        let answer = Arc::new(Mutex::new(HttpResponse { status: 200, body: vec![] }));
        let shared = answer.clone();
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let resp = shared.lock().unwrap().clone();
                tokio::spawn(async move {
                    read_request(&mut stream).await;
                    let head = format!(
                        "HTTP/1.1 {} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                        resp.status,
                        resp.body.len()
                    );
                    let _ = stream.write_all(head.as_bytes()).await;
                    let _ = stream.write_all(&resp.body).await;
                    let _ = stream.shutdown().await;
                });
            }
        });
        Canned { answer, base }
    }
}

/// Reads one request's head and its Content-Length body, so the answer never races the request.
async fn read_request(stream: &mut tokio::net::TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let Ok(n) = stream.read(&mut chunk).await else { return };
        if n == 0 {
            return;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).to_ascii_lowercase();
            let length = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return;
            }
        }
    }
}

#[test]
fn every_gateway_survives_arbitrary_answers_over_http() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let canned = runtime.block_on(Canned::start());
    let client = HttpClient::default_client();
    // One attempt: a 5xx must not make a case wait out backoffs.
    let retry = RetryPolicy { attempts: 1, first_backoff: Duration::ZERO };
    let gateways = registry();
    let request = ChargeRequest {
        order_id: "PD-20261123-HOSTILE1".into(),
        amount: parse_amount("12.34", Currency::USD, DecimalStyle::Point).unwrap(),
        description: Some("Table 4".into()),
        lifetime_secs: 900,
        callback_url: None,
    };
    let invoice = InvoiceRef {
        order_id: request.order_id.clone(),
        gateway_invoice_id: Some("INV-1".into()),
        amount: request.amount,
        created_at: 1_800_000_000,
    };
    let mut runner = proptest::test_runner::TestRunner::new(config());
    let outcome = runner.run(&answer(), |resp| {
        *canned.answer.lock().unwrap() = resp;
        for gateway in &gateways {
            let id = gateway.info().id;
            // A pasted Pay3 token skips the token fetch, so the answer reaches the order parsers.
            let creds = creds(id, &[("access_token", "PASTED-PAY3-TOKEN-0001")]);
            let secrets = secrets(id, &creds);
            let base = paydesk_gateways::http::check_base_url(&format!("{}/{id}/", canned.base)).unwrap();
            let http = HttpClient::new(client.clone(), base, retry);
            let knobs = knobs(id, &[]);
            let call = Call { http: &http, creds: &creds, knobs: &knobs };
            check_created(id, runtime.block_on(gateway.create(&call, &request)), &secrets);
            check_status(id, runtime.block_on(gateway.status(&call, &invoice)), &secrets);
        }
        Ok(())
    });
    if let Err(e) = outcome {
        panic!("{e}");
    }
}

// ---------------------------------------------------------------------------------------------
// Findings of the property tests, kept as regressions: a bad pay link from Demo.

fn gateway(id: &str) -> Arc<dyn Gateway> {
    registry().into_iter().find(|g| g.info().id == id).expect("registered")
}

#[test]
fn demo_refuses_a_bad_pay_link() {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let canned = runtime.block_on(Canned::start());
    let body =
        json!({"id": "D1", "order_id": "PD-1", "status": "pending", "pay_url": "javascript:alert(1)", "expires_at": 1});
    *canned.answer.lock().unwrap() = HttpResponse { status: 200, body: body.to_string().into_bytes() };
    let base = paydesk_gateways::http::check_base_url(&format!("{}/demo/", canned.base)).unwrap();
    let http =
        HttpClient::new(HttpClient::default_client(), base, RetryPolicy { attempts: 1, first_backoff: Duration::ZERO });
    let (creds, knobs) = (Credentials::default(), knobs("demo", &[]));
    let request = ChargeRequest {
        order_id: "PD-1".into(),
        amount: parse_amount("1", Currency::USD, DecimalStyle::Point).unwrap(),
        description: None,
        lifetime_secs: 900,
        callback_url: None,
    };
    let created =
        runtime.block_on(gateway("demo").create(&Call { http: &http, creds: &creds, knobs: &knobs }, &request));
    assert!(matches!(created, Err(GatewayError::BadResponse(_))), "{created:?}");
}
