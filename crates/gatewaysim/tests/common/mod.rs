//! A plain HTTP/1.1 client and each gateway's requests, built here from `gateways.md` the way a
//! merchant would, so the simulator's checks are exercised over real loopback HTTP.

#![allow(dead_code)] // each test file uses its own part of this

use base64::Engine;
use hmac::Mac;
use paydesk_gatewaysim::gateways::credentials;
use paydesk_gatewaysim::RunningSim;
use serde_json::{json, Value};
use sha2::Digest;
use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

/// An answer that arrived: status and body.
pub struct Answer {
    pub status: u16,
    pub body: Vec<u8>,
}

impl Answer {
    /// The body as JSON; panics with the body when it is not.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|_| panic!("JSON from {}: {}", self.status, String::from_utf8_lossy(&self.body)))
    }
}

/// One request on its own connection, off the runtime's workers. `Err` when no answer arrived
/// (the connection closed unanswered, or `timeout` passed first).
pub async fn send(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: &[u8],
    timeout: Duration,
) -> io::Result<Answer> {
    let mut head = format!("{method} {path} HTTP/1.1\r\nhost: {addr}\r\nconnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("content-length: {}\r\n\r\n", body.len()));
    let mut request = head.into_bytes();
    request.extend_from_slice(body);
    tokio::task::spawn_blocking(move || {
        let mut stream = TcpStream::connect(addr)?;
        stream.set_read_timeout(Some(timeout))?;
        stream.write_all(&request)?;
        let mut answer = Vec::new();
        stream.read_to_end(&mut answer)?;
        let split = answer.windows(4).position(|w| w == b"\r\n\r\n").ok_or(io::ErrorKind::UnexpectedEof)?;
        let status_line = String::from_utf8_lossy(&answer[..split]).to_string();
        let status = status_line.split_whitespace().nth(1).and_then(|s| s.parse().ok());
        Ok(Answer { status: status.ok_or(io::ErrorKind::InvalidData)?, body: answer[split + 4..].to_vec() })
    })
    .await
    .expect("the request thread ends")
}

/// A request that must be answered within a few seconds.
pub async fn call(sim: &RunningSim, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    send(sim.addr, method, path, headers, body, Duration::from_secs(10)).await.expect("the simulator answers")
}

/// The credential `field` the simulator's `gateway` account takes.
pub fn cred(gateway: &str, field: &str) -> &'static str {
    credentials(gateway).iter().find(|(f, _)| *f == field).map(|(_, v)| *v).expect("a simulated credential")
}

/// The path of a pay link, on this simulator.
pub fn pay_path(link: &str) -> String {
    let path = link.split_once("://").and_then(|(_, rest)| rest.split_once('/')).map(|(_, p)| p);
    format!("/{}", path.expect("a pay link is an absolute URL"))
}

/// Opens the pay page, as a customer scanning the QR would.
pub async fn view(sim: &RunningSim, link: &str) {
    assert_eq!(call(sim, "GET", &pay_path(link), &[], b"").await.status, 200);
}

/// Presses "pay", "underpay" or "expire" on the pay page.
pub async fn press(sim: &RunningSim, link: &str, button: &str) {
    let answer = call(sim, "POST", &format!("{}/{button}", pay_path(link)), &[], b"").await;
    assert_eq!(answer.status, 303, "{button} redirects back to the pay page");
}

const JSON: (&str, &str) = ("content-type", "application/json");

/// Dex3 §1.3/§1.4: a create with the body's exact texts signed.
pub async fn dex3_create(sim: &RunningSim, order_id: &str, cents: &str, expiration: &str) -> Answer {
    let (public, private) = (cred("dex3", "merchant_public"), cred("dex3", "merchant_private"));
    let signed = hex::encode(sha2::Sha256::digest(format!("{order_id}{public}{cents}{private}").as_bytes()));
    let body = json!({"order_id": order_id, "productName": "Till sale", "amount": cents,
        "expiration": expiration, "signature": signed});
    call(sim, "POST", "/dex3/createpayment", &[JSON, ("merchant_public", public)], body.to_string().as_bytes()).await
}

/// A request built and signed, ready to send.
pub struct Signed {
    pub path: String,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Signed {
    pub fn headers(&self) -> Vec<(&str, &str)> {
        self.headers.iter().map(|(n, v)| (*n, v.as_str())).collect()
    }
}

/// TheDex §2.2: `fields` plus `request` and an increasing `nonce`, base64 in the payload header,
/// HMAC-SHA512 of it in hex.
pub fn thedex_signed(endpoint: &str, mut fields: Value) -> Signed {
    static NONCE: AtomicU64 = AtomicU64::new(1_700_000_000_000);
    fields["request"] = json!(format!("/api/v1/{endpoint}"));
    fields["nonce"] = json!(NONCE.fetch_add(1, Ordering::Relaxed));
    let body = fields.to_string();
    let payload = base64::engine::general_purpose::STANDARD.encode(&body);
    let mut mac = hmac::Hmac::<sha2::Sha512>::new_from_slice(cred("thedex", "secret_key").as_bytes()).unwrap();
    mac.update(payload.as_bytes());
    let headers = vec![
        (JSON.0, JSON.1.to_string()),
        ("x-ex-apikey", cred("thedex", "api_key").to_string()),
        ("x-ex-payload", payload),
        ("x-ex-signature", hex::encode(mac.finalize().into_bytes())),
    ];
    Signed { path: format!("/thedex/{endpoint}"), headers, body: body.into_bytes() }
}

pub async fn thedex_call(sim: &RunningSim, endpoint: &str, fields: Value) -> Answer {
    let signed = thedex_signed(endpoint, fields);
    call(sim, "POST", &signed.path, &signed.headers(), &signed.body).await
}

pub async fn thedex_create(sim: &RunningSim, order_id: &str, amount: &str) -> Answer {
    let fields = json!({"amount": amount, "currency": "USD", "merchantId": cred("thedex", "merchant_id"),
        "orderId": order_id, "title": "Till sale"});
    thedex_call(sim, "invoices/create", fields).await
}

/// OxaPay §3.2: v1, the key in the `merchant_api_key` header.
pub async fn oxapay_v1(sim: &RunningSim, method: &str, path: &str, body: &Value) -> Answer {
    let headers = [JSON, ("merchant_api_key", cred("oxapay", "merchant_api_key"))];
    let body = if method == "GET" { String::new() } else { body.to_string() };
    call(sim, method, &format!("/oxapay/v1/{path}"), &headers, body.as_bytes()).await
}

/// OxaPay §3.1: legacy, the key in the body's `merchant`.
pub async fn oxapay_legacy(sim: &RunningSim, path: &str, mut body: Value) -> Answer {
    body["merchant"] = json!(cred("oxapay", "merchant_api_key"));
    call(sim, "POST", &format!("/oxapay/merchants/{path}"), &[JSON], body.to_string().as_bytes()).await
}

/// Pay3: an access token from the guessed Access Token API.
pub async fn pay3_token(sim: &RunningSim) -> String {
    let body = json!({"clientId": cred("pay3", "client_id"), "apiKey": cred("pay3", "token_key")});
    let answer = call(sim, "POST", "/pay3/v1/client/access-token", &[JSON], body.to_string().as_bytes()).await;
    answer.json()["accessToken"].as_str().expect("an access token").to_string()
}

/// Pay3 §4.3/§4.4: a checkout order, signed over the three-field form.
pub async fn pay3_checkout(sim: &RunningSim, token: &str, request_id: &str, fiat_amount: &str) -> Answer {
    let currency = cred("pay3", "currency_id");
    let signed = format!("currencyId={currency}&fiatAmount={fiat_amount}&requestId={request_id}");
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(cred("pay3", "api_secret").as_bytes()).unwrap();
    mac.update(signed.as_bytes());
    let signature = base64::engine::general_purpose::STANDARD.encode(mac.finalize().into_bytes());
    let body = json!({"currencyId": currency, "fiatAmount": fiat_amount, "paymentMethodId": "all",
        "email": "buyer@example.com", "requestId": request_id, "clientId": cred("pay3", "client_id"),
        "mode": "returnUrl"});
    let headers = [JSON, ("access-token", token), ("signature", &signature)];
    call(sim, "POST", "/pay3/v1/client/checkout/create-order", &headers, body.to_string().as_bytes()).await
}

/// Pay3 §4.4: the orders for one `requestId`.
pub async fn pay3_orders(sim: &RunningSim, token: &str, request_id: &str) -> Value {
    let path = format!("/pay3/v1/client/orders?requestId={request_id}&clientId={}", cred("pay3", "client_id"));
    call(sim, "GET", &path, &[("access-token", token)], b"").await.json()
}

/// NonStoPay §5.2: a create carrying `callback_json` as the merchant sends it.
pub async fn nonstopay_create(sim: &RunningSim, amount: Value, callback_json: Value) -> Answer {
    let body = json!({"email": "buyer@example.com", "amount": amount, "devise": "USD", "callbackJson": callback_json});
    let headers = [JSON, ("API-KEY", cred("nonstopay", "api_key"))];
    call(sim, "POST", "/nonstopay/api/btn-create-invoice/get/", &headers, body.to_string().as_bytes()).await
}

/// A NonStoPay GET with the account's key.
pub async fn nonstopay_get(sim: &RunningSim, path_and_query: &str) -> Answer {
    let headers = [("API-KEY", cred("nonstopay", "api_key"))];
    call(sim, "GET", &format!("/nonstopay/{path_and_query}"), &headers, b"").await
}
