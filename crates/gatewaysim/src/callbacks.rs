//! Callbacks (webhooks) signed as each gateway sends them, for tests of a relay that receives
//! them. Written from `../shared/gateways.md` (§1.6, §2.6, §3.3, §4.5, §5.4), not from Paydesk's
//! code: each builder's test reproduces the document's test vector.

use crate::wire::{base64, base64url, hmac_sha256_hex, hmac_sha384, hmac_sha512_hex, sha256_hex};
use serde::Serialize;
use serde_json::{json, Value};

/// One callback as it goes on the wire: its headers and its exact body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedCallback {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl SignedCallback {
    /// The first header named `name` (case-insensitively).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

fn json_post(extra: Vec<(&str, String)>, body: Vec<u8>) -> SignedCallback {
    let mut headers = vec![("Content-Type".to_string(), "application/json".to_string())];
    headers.extend(extra.into_iter().map(|(k, v)| (k.to_string(), v)));
    SignedCallback { headers, body }
}

/// Dex3's v1 payment-success webhook (§1.6), sent only on success: the signature is in the body,
/// `lowercase_hex(SHA-256(order_id + merchant_public + amount + hash + merchant_private))`, with
/// `amount` the integer cents as the body writes them.
pub fn dex3(
    order_id: &str,
    payment_id: &str,
    amount_cents: u64,
    tx_hash: &str,
    merchant_public: &str,
    merchant_private: &str,
) -> SignedCallback {
    let amount = amount_cents.to_string();
    let signature = sha256_hex(format!("{order_id}{merchant_public}{amount}{tx_hash}{merchant_private}").as_bytes());
    let body = json!({
        "order_id": order_id,
        "payment_id": payment_id,
        "productName": "Paydesk sale",
        "amount": amount_cents,
        "notes": null,
        "expiration": 0,
        "hash": tx_hash,
        "merchantPublic": merchant_public,
        "signature": signature,
    });
    json_post(vec![], body.to_string().into_bytes())
}

/// TheDex's invoice callback (§2.6): the invoice object as body, `X-EX-APIKEY` the account's key,
/// `X-EX-PAYLOAD` base64 of the body, `X-EX-SIGNATURE` hex HMAC-SHA512 of that payload.
pub fn thedex(
    order_id: &str,
    invoice_id: &str,
    status: u8,
    status_name: &str,
    api_key: &str,
    secret: &str,
) -> SignedCallback {
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Invoice<'a> {
        invoice_id: &'a str,
        order_id: &'a str,
        status: u8,
        status_name: &'a str,
    }
    let body = serde_json::to_vec(&Invoice { invoice_id, order_id, status, status_name }).expect("plain struct");
    thedex_signed(body, api_key, secret)
}

/// Any body, signed as TheDex signs its callbacks.
pub fn thedex_signed(body: Vec<u8>, api_key: &str, secret: &str) -> SignedCallback {
    let payload = base64(&body);
    let signature = hmac_sha512_hex(secret.as_bytes(), payload.as_bytes());
    json_post(
        vec![("X-EX-APIKEY", api_key.to_string()), ("X-EX-PAYLOAD", payload), ("X-EX-SIGNATURE", signature)],
        body,
    )
}

/// OxaPay's v1 invoice callback (§3.3), snake_case like the v1 inquiry (the full v1 sample did not
/// come through [I]); `HMAC` = lowercase hex HMAC-SHA512 of the raw body keyed with the merchant
/// API key. `status` as OxaPay writes it, e.g. "Paying" or "Paid".
pub fn oxapay(order_id: &str, track_id: &str, status: &str, merchant_api_key: &str) -> SignedCallback {
    let body = json!({"type": "invoice", "track_id": track_id, "order_id": order_id, "status": status});
    oxapay_signed(body.to_string().into_bytes(), merchant_api_key)
}

/// Any body, signed as OxaPay signs its callbacks.
pub fn oxapay_signed(body: Vec<u8>, merchant_api_key: &str) -> SignedCallback {
    let signature = hmac_sha512_hex(merchant_api_key.as_bytes(), &body);
    json_post(vec![("HMAC", signature)], body)
}

/// Pay3's webhook (§4.5) in the documented nested shape: `{"payload": JWT}`, the JWT's claims
/// `{requestId, data: {orderType, orderId, orderStatus}, type}`, signed HS384 with the webhook
/// secret. `request_id` is the merchant's order id, `order_id` Pay3's.
pub fn pay3(request_id: &str, order_id: &str, order_status: &str, webhook_secret: &str) -> SignedCallback {
    let claims = json!({
        "requestId": request_id,
        "data": {"orderType": "CHECKOUT", "orderId": order_id, "orderStatus": order_status},
        "type": "pay3-sdk-transaction-status",
    });
    let token = pay3_jwt(claims.to_string().as_bytes(), webhook_secret);
    json_post(vec![], json!({ "payload": token }).to_string().into_bytes())
}

/// An HS384 JWT over these exact claim bytes, with the header of the docs' sample, `{"alg":"HS384"}`.
pub fn pay3_jwt(claims: &[u8], webhook_secret: &str) -> String {
    let signed = format!("{}.{}", base64url(br#"{"alg":"HS384"}"#), base64url(claims));
    let signature = base64url(&hmac_sha384(webhook_secret.as_bytes(), signed.as_bytes()));
    format!("{signed}.{signature}")
}

/// NonStoPay's callback (§5.4): `status` such as "invoice:paid", `callbackJson` echoed as the
/// merchant sent it (here the text `{"order_id": …}`, as Paydesk sends it), and the invoice id.
///
/// `X-Signature`: the docs' PHP snippet that defines it did not survive [G], so this is a GUESS,
/// lowercase hex HMAC-SHA256 of the raw body keyed with the API key, the same one Paydesk's
/// `callback_signature` knob defaults to. Proves nothing about the real NonStoPay.
pub fn nonstopay(order_id: &str, invoice_id: u64, status: &str, api_key: &str) -> SignedCallback {
    let callback_json = json!({ "order_id": order_id }).to_string();
    let body = json!({
        "invoice_id": invoice_id.to_string(),
        "id": invoice_id,
        "status": status,
        "callbackJson": callback_json,
    });
    nonstopay_signed(body.to_string().into_bytes(), api_key)
}

/// Any body, signed with the guessed NonStoPay scheme (see [`nonstopay`]).
pub fn nonstopay_signed(body: Vec<u8>, api_key: &str) -> SignedCallback {
    let signature = hmac_sha256_hex(api_key.as_bytes(), &body);
    json_post(vec![("X-Signature", signature)], body)
}

/// The body as JSON, for tests.
pub fn body_json(callback: &SignedCallback) -> Value {
    serde_json::from_slice(&callback.body).expect("callback bodies are JSON")
}
