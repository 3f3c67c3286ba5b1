//! The contract tests can fail. For each gateway, Paydesk's own client creates an invoice on the
//! simulator (written from the providers' documents, not from Paydesk's code); the test takes the
//! exact request the simulator received and sends altered copies: one field name changed, one
//! header changed, one byte of what is signed changed. The simulator must refuse each, for that
//! reason, and make no invoice for it. A replay of the untouched request shows what a resend
//! does at that gateway.

use crate::common::Harness;
use base64::Engine;
use hmac::Mac;
use paydesk_gatewaysim::faults::RecordedRequest;
use serde_json::Value;

/// What came back: HTTP status and body as JSON (`Null` if it is not JSON).
struct Answer {
    status: u16,
    body: Value,
}

/// Sends `req` to the simulator as it was recorded, with `edit` applied first.
async fn send(h: &Harness, req: &RecordedRequest, edit: impl FnOnce(&mut RecordedRequest)) -> Answer {
    let mut req = req.clone();
    edit(&mut req);
    let mut url = format!("{}/{}{}", h.sim.sim.public_base(), req.gateway, req.path);
    if let Some(query) = &req.query {
        url = format!("{url}?{query}");
    }
    let client = reqwest::Client::new();
    let mut builder = client.request(req.method.parse().unwrap(), url).body(req.body.clone());
    for (name, value) in &req.headers {
        if !["host", "content-length"].contains(&name.as_str()) {
            builder = builder.header(name, value);
        }
    }
    let resp = builder.send().await.expect("the simulator answers");
    let status = resp.status().as_u16();
    let body = serde_json::from_slice(&resp.bytes().await.unwrap()).unwrap_or(Value::Null);
    Answer { status, body }
}

/// Paydesk's own create request for a fresh sale on `gateway`, as the simulator received it,
/// with the sale's order id.
async fn recorded_create(h: &Harness, gateway: &str) -> (RecordedRequest, String) {
    let sale = h.request("12.34", "USD");
    h.create(&sale).await.unwrap_or_else(|e| panic!("{gateway} creates: {e}"));
    let create = h.sim.sim.recorded(gateway).into_iter().rev().find(|r| r.method == "POST").expect("a create arrived");
    (create, sale.order_id)
}

fn rename_field(req: &mut RecordedRequest, from: &str, to: &str) {
    let body = String::from_utf8(req.body.clone()).unwrap();
    assert!(body.contains(&format!("\"{from}\":")), "{from} in {body}");
    req.body = body.replacen(&format!("\"{from}\":"), &format!("\"{to}\":"), 1).into_bytes();
}

fn replace_in_body(req: &mut RecordedRequest, from: &str, to: &str) {
    let body = String::from_utf8(req.body.clone()).unwrap();
    assert!(body.contains(from), "{from} in {body}");
    req.body = body.replacen(from, to, 1).into_bytes();
}

fn header_value<'a>(req: &'a RecordedRequest, name: &str) -> &'a str {
    &req.headers.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("{name} was sent")).1
}

fn set_header(req: &mut RecordedRequest, name: &str, value: String) {
    req.headers.iter_mut().find(|(n, _)| n == name).unwrap().1 = value;
}

fn rename_header(req: &mut RecordedRequest, from: &str, to: &str) {
    req.headers.iter_mut().find(|(n, _)| n == from).unwrap_or_else(|| panic!("{from} was sent")).0 = to.into();
}

/// The value with its last character changed.
fn one_byte_off(value: &str) -> String {
    let mut bytes = value.as_bytes().to_vec();
    let last = bytes.last_mut().unwrap();
    *last = if *last == b'X' { b'Y' } else { b'X' };
    String::from_utf8(bytes).unwrap()
}

/// No invoice was made for `order_id` by the refused copies.
fn nothing_made(h: &Harness, gateway: &str, order_id: &str, before: usize) {
    assert_eq!(h.sim.sim.invoices_for_order(gateway, order_id).len(), before, "a refused request made an invoice");
}

#[tokio::test]
async fn dex3_refuses_a_renamed_field_a_changed_header_and_a_changed_signed_byte() {
    let h = Harness::new("dex3").await;
    let (create, order) = recorded_create(&h, "dex3").await;
    let replay = send(&h, &create, |_| {}).await;
    assert_eq!(replay.body["error"]["message"], "Duplicate order id", "a repeat is refused, the first stays");

    let renamed = send(&h, &create, |r| rename_field(r, "productName", "product_name")).await;
    assert_eq!(renamed.status, 403);
    assert!(renamed.body["error"]["errData"]["productName"].is_object(), "{}", renamed.body);
    let header = send(&h, &create, |r| rename_header(r, "merchant_public", "merchant-public")).await;
    assert_eq!((header.status, header.body["error"]["message"].as_str()), (401, Some("Invalid merchant")));
    // The order id is signed: one byte of it changed, the signature no longer matches.
    let signed = send(&h, &create, |r| replace_in_body(r, &order, &one_byte_off(&order))).await;
    assert_eq!((signed.status, signed.body["error"]["message"].as_str()), (401, Some("Invalid signature")));
    nothing_made(&h, "dex3", &one_byte_off(&order), 0);
    nothing_made(&h, "dex3", &order, 1);
}

/// TheDex's headers for `body`, signed with the simulated account's secret as any client would.
fn thedex_sign(req: &mut RecordedRequest, secret: &str) {
    let payload = base64::engine::general_purpose::STANDARD.encode(&req.body);
    let mut mac = hmac::Hmac::<sha2::Sha512>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(payload.as_bytes());
    set_header(req, "x-ex-payload", payload);
    set_header(req, "x-ex-signature", hex::encode(mac.finalize().into_bytes()));
}

#[tokio::test]
async fn thedex_refuses_each_alteration_and_makes_a_second_invoice_on_a_fresh_nonce() {
    let h = Harness::new("thedex").await;
    let secret = h.creds.get("secret_key").unwrap().expose().to_string();
    let (create, order) = recorded_create(&h, "thedex").await;
    // The same signed bytes again: TheDex-style clients must raise the nonce each time [I].
    let replay = send(&h, &create, |_| {}).await;
    assert_eq!(replay.body["message"], "nonce must be greater than the previous one", "{}", replay.body);
    let nonce = |r: &mut RecordedRequest, n: u64| {
        let body: Value = serde_json::from_slice(&r.body).unwrap();
        replace_in_body(r, &format!("\"nonce\":{}", body["nonce"]), &format!("\"nonce\":{n}"));
    };
    let later = 10 * paydesk_gatewaysim::now() as u64 * 1000;

    // Re-signed, so only the field name is wrong.
    let renamed = send(&h, &create, |r| {
        rename_field(r, "amount", "amout");
        nonce(r, later);
        thedex_sign(r, &secret);
    })
    .await;
    assert_eq!((renamed.status, renamed.body["message"].as_str()), (400, Some("invalid amount")));
    let header = send(&h, &create, |r| {
        let key = one_byte_off(header_value(r, "x-ex-apikey"));
        set_header(r, "x-ex-apikey", key);
    })
    .await;
    assert_eq!((header.status, header.body["message"].as_str()), (401, Some("invalid api key")));
    // One byte of the signed payload changed, the signature kept.
    let signed = send(&h, &create, |r| {
        replace_in_body(r, "\"12.34\"", "\"12.35\"");
        let payload = base64::engine::general_purpose::STANDARD.encode(&r.body);
        set_header(r, "x-ex-payload", payload);
    })
    .await;
    assert_eq!((signed.status, signed.body["message"].as_str()), (401, Some("invalid signature")));
    nothing_made(&h, "thedex", &order, 1);
    // Why Paydesk never resends a TheDex create: with a fresh nonce, a repeat is a second invoice.
    let again = send(&h, &create, |r| {
        nonce(r, later + 1);
        thedex_sign(r, &secret);
    })
    .await;
    assert_eq!(again.status, 200, "{}", again.body);
    assert_eq!(h.sim.sim.live_invoices("thedex", &order), 2);
}

#[tokio::test]
async fn oxapay_refuses_a_renamed_field_and_a_changed_key_and_makes_a_second_invoice_on_a_repeat() {
    let h = Harness::new("oxapay").await;
    let (create, order) = recorded_create(&h, "oxapay").await;
    let renamed = send(&h, &create, |r| rename_field(r, "amount", "amout")).await;
    assert_eq!((renamed.status, renamed.body["error"]["key"].as_str()), (400, Some("amount")));
    let header = send(&h, &create, |r| rename_header(r, "merchant_api_key", "merchant-api-key")).await;
    assert_eq!(header.status, 401);
    // OxaPay signs nothing: the key is what is checked, one byte of it changed.
    let key = send(&h, &create, |r| {
        let key = one_byte_off(header_value(r, "merchant_api_key"));
        set_header(r, "merchant_api_key", key);
    })
    .await;
    assert_eq!((key.status, key.body["error"]["key"].as_str()), (401, Some("merchant_api_key")));
    nothing_made(&h, "oxapay", &order, 1);
    // Why Paydesk never resends an OxaPay create: a repeat is a second invoice.
    assert_eq!(send(&h, &create, |_| {}).await.status, 200);
    assert_eq!(h.sim.sim.live_invoices("oxapay", &order), 2);
}

#[tokio::test]
async fn pay3_refuses_a_renamed_field_a_changed_header_and_a_changed_signed_byte() {
    let h = Harness::new("pay3").await;
    let (create, order) = recorded_create(&h, "pay3").await;
    let replay = send(&h, &create, |_| {}).await;
    assert_eq!(replay.body["error"]["code"], "7001", "a repeated requestId is refused: {}", replay.body);

    let renamed = send(&h, &create, |r| rename_field(r, "fiatAmount", "fiatAmnt")).await;
    assert_eq!((renamed.status, renamed.body["error"]["message"].as_str()), (400, Some("fiatAmount is required")));
    let header = send(&h, &create, |r| rename_header(r, "signature", "x-signature")).await;
    assert_eq!((header.status, header.body["error"].as_str()), (401, Some("Signature verification failed")));
    // fiatAmount is signed: one byte of it changed, the signature kept.
    let signed = send(&h, &create, |r| replace_in_body(r, "\"12.34\"", "\"12.35\"")).await;
    assert_eq!((signed.status, signed.body["error"].as_str()), (401, Some("Signature verification failed")));
    nothing_made(&h, "pay3", &order, 1);
}

#[tokio::test]
async fn nonstopay_refuses_a_renamed_field_and_a_changed_key_and_makes_a_second_invoice_on_a_repeat() {
    let h = Harness::new("nonstopay").await;
    let (create, order) = recorded_create(&h, "nonstopay").await;
    let renamed = send(&h, &create, |r| rename_field(r, "devise", "currency")).await;
    assert_eq!(renamed.body["errorCode"], 50004, "{}", renamed.body);
    let header = send(&h, &create, |r| rename_header(r, "api-key", "api_key")).await;
    assert_eq!(header.body["errorCode"], 50001, "{}", header.body);
    // NonStoPay signs nothing: the key is what is checked, one byte of it changed.
    let key = send(&h, &create, |r| {
        let key = one_byte_off(header_value(r, "api-key"));
        set_header(r, "api-key", key);
    })
    .await;
    assert_eq!(key.body["errorCode"], 50007, "{}", key.body);
    nothing_made(&h, "nonstopay", &order, 1);
    // Why Paydesk never resends a NonStoPay create: a repeat is a second invoice.
    assert_eq!(send(&h, &create, |_| {}).await.body["errorCode"], 0);
    assert_eq!(h.sim.sim.live_invoices("nonstopay", &order), 2);
}

#[test]
fn the_core_and_the_simulator_know_the_same_gateways() {
    let mut core: Vec<&str> = paydesk_gateways::registry().iter().map(|g| g.info().id).collect();
    let mut sim: Vec<&str> = paydesk_gatewaysim::gateways::ALL.iter().map(|g| g.id).collect();
    core.sort_unstable();
    sim.sort_unstable();
    assert_eq!(core, sim, "a gateway needs a module in the core and one in the simulator");
}
