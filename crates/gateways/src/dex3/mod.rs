//! Dex3, v1 contract (gateways.md §1): USD only, integer cents, a plain SHA-256 signature over
//! `order_id + merchant_public + amount + merchant_private` in the body, `merchant_public` header.
//! Success and failure are keyed on the body's `state`, never on the HTTP code.

mod callback;

pub use callback::webhook_signature;

use crate::gateway::*;
use crate::http::{check_pay_link, path_segment, HttpRequest, HttpResponse};
use crate::sign::sha256_hex;
use async_trait::async_trait;
use paydesk_money::Amount;
use paydesk_money::InvoiceStatus;
use serde::{de, Deserialize, Deserializer, Serialize};
use serde_json::Value;

pub static INFO: GatewayInfo = GatewayInfo {
    id: "dex3",
    name: "Dex3",
    default_base_url: "https://api.dex3.io/api/v1/",
    fields: &[
        // Sent in a header on every request; not secret, but it identifies the account.
        FieldSpec { name: "merchant_public", label: "Merchant public key", secret: false, required: true },
        FieldSpec { name: "merchant_private", label: "Merchant private key", secret: true, required: true },
    ],
    knobs: &[
        KnobSpec {
            name: "status_path",
            default: "getpaymentstatus/{payment_id}",
            doubt: "The docs show the status answer but not its path parameter; inferred from the payout docs' getpayoutstatus/<PAYOUT_ID>.",
        },
        KnobSpec {
            name: "unauthorized_codes",
            default: "401",
            doubt: "Dex3 does not document how it answers a wrong merchant_public or signature; assumed error.code 401 (comma-separated list).",
        },
    ],
    currencies: Some(&["USD"]),
    can_poll: true,
    repeat: Repeat::Refused,
    lookup: Lookup::Dashboard,
    lifetime: Lifetime::Settable { min_secs: 60, max_secs: 7 * 86_400 },
};

/// Longest `productName` Dex3 stores (varchar(50)).
pub const PRODUCT_NAME_MAX_CHARS: usize = 50;
/// Longest `order_id` Dex3 stores (varchar(200)).
pub const ORDER_ID_MAX_CHARS: usize = 200;
/// The message Dex3 answers a repeated order id with.
const DUPLICATE_ORDER: &str = "Duplicate order id";

/// `POST createpayment` body. Numbers travel as JSON strings, as in the doc example.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateBody {
    pub order_id: String,
    #[serde(rename = "productName")]
    pub product_name: String,
    /// Integer USD cents, exactly the text that was signed.
    #[serde(deserialize_with = "text_or_number")]
    pub amount: String,
    /// Seconds the payment stays open; "0" would mean never, so Paydesk never sends it.
    #[serde(deserialize_with = "text_or_number")]
    pub expiration: String,
    /// Where Dex3 posts its payment-success webhook (§1.4): the shop's relay. Not signed (§1.3
    /// covers only order_id, merchant_public, amount and the private key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub webhook: Option<String>,
    pub signature: String,
}

/// Every Dex3 answer: `state` says success; `data` or `error` carries the rest.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Envelope<T> {
    pub state: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<T>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<ApiError>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ApiError {
    pub message: String,
    /// A number such as 400 or 403 in the docs; kept loose since it is only reported.
    #[serde(default)]
    pub code: Value,
    /// `false`, or per-field errors in express-validator shape (`{field: {msg, …}}`).
    #[serde(default, rename = "errData")]
    pub err_data: Value,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct CreateData {
    #[serde(rename = "payLink")]
    pub pay_link: String,
    #[serde(rename = "paymentData")]
    pub payment_data: PaymentData,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PaymentData {
    pub payment_id: String,
    pub order_id: String,
    #[serde(rename = "productName")]
    pub product_name: String,
    #[serde(deserialize_with = "text_or_number")]
    pub amount: String,
    /// Unix seconds.
    pub expiration: Option<i64>,
    pub created: Option<i64>,
}

/// Dex3 takes numbers as JSON strings or numbers; keep the exact text either way, since it is signed.
fn text_or_number<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(de::Error::custom("expected a string or a number")),
    }
}

/// The amount as Dex3's wire wants it: integer USD cents ("10000" for $100.00).
pub fn wire_amount(amount: &Amount) -> Result<String, GatewayError> {
    if amount.currency().code() != "USD" {
        return Err(GatewayError::Unsupported(format!("Dex3 charges in USD only, not {}", amount.currency())));
    }
    Ok(amount.minor().to_string())
}

/// `lowercase_hex(sha256(order_id + merchant_public + amount + merchant_private))` (§1.3).
pub fn sign(order_id: &str, merchant_public: &str, amount: &str, merchant_private: &str) -> String {
    sha256_hex(format!("{order_id}{merchant_public}{amount}{merchant_private}").as_bytes())
}

/// Dex3's payment statuses (§1.5). `received` is paid but still processing: not paid yet.
pub fn map_status(status: &str) -> InvoiceStatus {
    match status {
        "created" => InvoiceStatus::Pending,
        "received" => InvoiceStatus::Confirming,
        "completed" => InvoiceStatus::Paid,
        "failed" => InvoiceStatus::Failed,
        "expired" => InvoiceStatus::Expired,
        _ => InvoiceStatus::Unknown,
    }
}

/// `description`, or "Sale <order id>", cut to 50 characters on a character boundary.
fn product_name(req: &ChargeRequest) -> String {
    let name = match req.description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => d.to_string(),
        _ => format!("Sale {}", req.order_id),
    };
    name.chars().take(PRODUCT_NAME_MAX_CHARS).collect()
}

/// The signed `POST createpayment` request.
pub fn build_create(creds: &Credentials, req: &ChargeRequest) -> Result<HttpRequest, GatewayError> {
    let public = creds.require(INFO.id, "merchant_public")?.expose();
    let private = creds.require(INFO.id, "merchant_private")?.expose();
    if req.order_id.is_empty() || req.order_id.chars().count() > ORDER_ID_MAX_CHARS {
        return Err(GatewayError::Unsupported(format!("Dex3 takes order ids of 1 to {ORDER_ID_MAX_CHARS} characters")));
    }
    let amount = wire_amount(&req.amount)?;
    let body = CreateBody {
        order_id: req.order_id.clone(),
        product_name: product_name(req),
        signature: sign(&req.order_id, public, &amount, private),
        amount,
        // Expiration 0 means "never", and there is no cancel endpoint, so always send a finite one.
        expiration: req.lifetime_secs.max(1).to_string(),
        webhook: req.callback_url.clone(),
    };
    let bytes = serde_json::to_vec(&body).expect("plain struct serializes");
    // Not resent within a charge: a repeat is refused ("Duplicate order id") without the first
    // payment's id or link, so a lost answer leaves the sale unknown instead (gateways.md §1.4).
    Ok(HttpRequest::post_json("createpayment", bytes).header("merchant_public", public))
}

/// The `GET getpaymentstatus/<payment_id>` request.
pub fn build_status(creds: &Credentials, knobs: &Knobs, payment_id: &str) -> Result<HttpRequest, GatewayError> {
    let public = creds.require(INFO.id, "merchant_public")?.expose();
    let path = knobs.get("status_path").replace("{payment_id}", &path_segment(payment_id));
    Ok(HttpRequest::get(path).header("merchant_public", public))
}

/// Reads a create answer into the invoice, or the error Dex3 gave.
pub fn parse_create(
    resp: &HttpResponse,
    creds: &Credentials,
    knobs: &Knobs,
    asked: &Amount,
) -> Result<CreatedInvoice, GatewayError> {
    let data: CreateData = read_envelope(resp, creds, knobs)?;
    let echoed = &data.payment_data.amount;
    check_echoed_amount(asked, echoed, echoed.parse().ok())?;
    check_pay_link(&data.pay_link)?;
    Ok(CreatedInvoice {
        gateway_invoice_id: Some(data.payment_data.payment_id),
        pay_link: data.pay_link,
        expires_at: data.payment_data.expiration,
    })
}

/// Reads a status answer (`{"state":true,"data":"created"}`).
pub fn parse_status(resp: &HttpResponse, creds: &Credentials, knobs: &Knobs) -> Result<StatusReport, GatewayError> {
    let status: String = read_envelope(resp, creds, knobs)?;
    Ok(StatusReport { status: map_status(&status), gateway_status: status })
}

fn read_envelope<T: serde::de::DeserializeOwned>(
    resp: &HttpResponse,
    creds: &Credentials,
    knobs: &Knobs,
) -> Result<T, GatewayError> {
    let env: Envelope<T> = match resp.json() {
        Ok(env) => env,
        // A proxy or gateway in front of Dex3 may answer a bare 401 without Dex3's envelope.
        Err(_) if resp.status == 401 => {
            return Err(GatewayError::Unauthorized("Dex3 answered HTTP 401: check merchant_public".into()))
        }
        Err(e) => return Err(e),
    };
    match env {
        Envelope { state: true, data: Some(data), .. } => Ok(data),
        Envelope { state: true, data: None, .. } => {
            Err(GatewayError::BadResponse(format!("HTTP {}: Dex3 reported success without data", resp.status)))
        }
        Envelope { state: false, error: Some(err), .. } => Err(map_error(&err, creds, knobs)),
        Envelope { state: false, error: None, .. } => {
            Err(GatewayError::BadResponse(format!("HTTP {}: Dex3 reported a failure without an error", resp.status)))
        }
    }
}

/// Dex3's error object as a GatewayError. The message is scrubbed of credentials, and of the
/// per-field errors only each `msg` is kept (the `value` echoes what we sent).
fn map_error(err: &ApiError, creds: &Credentials, knobs: &Knobs) -> GatewayError {
    if err.message.trim().eq_ignore_ascii_case(DUPLICATE_ORDER) {
        return GatewayError::refused(DUPLICATE_ORDER_CODE, "Dex3 already has a payment for this order id");
    }
    // A code is a short string or number; anything else is not kept (it could echo what we sent).
    let code = match &err.code {
        Value::String(s) => creds.scrub(s).chars().take(40).collect(),
        Value::Number(n) => n.to_string(),
        _ => String::new(),
    };
    let mut message = creds.scrub(&err.message);
    if let Value::Object(fields) = &err.err_data {
        let msgs: Vec<String> =
            fields.values().filter_map(|f| f.get("msg").and_then(Value::as_str)).map(|m| creds.scrub(m)).collect();
        if !msgs.is_empty() {
            message = format!("{message}: {}", msgs.join("; "));
        }
    }
    if knobs.get("unauthorized_codes").split(',').any(|c| !code.is_empty() && c.trim() == code) {
        return GatewayError::Unauthorized(format!("{message} (check merchant_public and merchant_private)"));
    }
    GatewayError::Refused { code: (!code.is_empty()).then_some(code), message }
}

pub struct Dex3;

#[async_trait]
impl Gateway for Dex3 {
    fn info(&self) -> &'static GatewayInfo {
        &INFO
    }

    async fn create(&self, call: &Call<'_>, req: &ChargeRequest) -> Result<CreatedInvoice, GatewayError> {
        let request = build_create(call.creds, req)?;
        let resp = call.http.send(&request).await?;
        parse_create(&resp, call.creds, call.knobs, &req.amount)
    }

    async fn status(&self, call: &Call<'_>, invoice: &InvoiceRef) -> Result<StatusReport, GatewayError> {
        let id = invoice.gateway_invoice_id.as_deref().ok_or_else(|| {
            GatewayError::Unsupported("Dex3 looks payments up by its payment id, which this sale does not have".into())
        })?;
        let request = build_status(call.creds, call.knobs, id)?;
        let resp = call.http.send(&request).await?;
        parse_status(&resp, call.creds, call.knobs)
    }

    /// Dex3 has no lookup by order id. Re-sending the create is its only probe, and its
    /// "Duplicate order id" answer proves the payment exists but carries neither its id nor its link.
    async fn find_by_order(&self, _call: &Call<'_>, _sale: &InvoiceRef) -> Result<Option<FoundInvoice>, GatewayError> {
        Err(GatewayError::Unsupported(
            "Dex3 cannot be asked for a payment by our order id (its only clue, \"Duplicate order id\", carries no payment id or link)".into(),
        ))
    }

    /// The v1 payment-success webhook (§1.6), signed in its body; sent only on success.
    fn verify_callback(
        &self,
        creds: &Credentials,
        _knobs: &Knobs,
        callback: &Callback<'_>,
    ) -> Result<CallbackReport, GatewayError> {
        callback::verify(creds, callback)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use paydesk_money::{Currency, DecimalStyle};

    fn creds() -> Credentials {
        let mut c = Credentials::default();
        c.insert("merchant_public", Secret::new("PUBLIC_TEST_KEY"));
        c.insert("merchant_private", Secret::new("PRIVATE_TEST_KEY"));
        c
    }

    fn knobs(overrides: &[(&str, &str)]) -> Knobs {
        Knobs::resolve(&INFO, |n| overrides.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()))
    }

    fn charge(order_id: &str, amount: &str, currency: &str, description: Option<&str>) -> ChargeRequest {
        let currency: Currency = currency.parse().unwrap();
        ChargeRequest {
            order_id: order_id.into(),
            amount: paydesk_money::parse_amount(amount, currency, DecimalStyle::Point).unwrap(),
            description: description.map(str::to_string),
            lifetime_secs: 900,
            callback_url: None,
        }
    }

    #[test]
    fn create_signature_matches_the_worked_example() {
        assert_eq!(
            sign("1001", "PUBLIC_TEST_KEY", "10000", "PRIVATE_TEST_KEY"),
            "a9ce41fdd59057fce95320192538ec67da8028d9d49c79a97ab576533189a33c"
        );
    }

    #[test]
    fn amount_is_integer_usd_cents() {
        let usd = |s| wire_amount(&charge("1", s, "USD", None).amount).unwrap();
        assert_eq!(usd("100.00"), "10000");
        assert_eq!(usd("0.07"), "7");
        assert_eq!(usd("12.5"), "1250");
        assert!(matches!(wire_amount(&charge("1", "1", "EUR", None).amount), Err(GatewayError::Unsupported(_))));
    }

    #[test]
    fn built_create_signs_the_values_in_its_body() {
        let req = build_create(&creds(), &charge("1001", "100", "USD", Some("Add Funds"))).unwrap();
        assert_eq!(req.path, "createpayment");
        assert!(!req.idempotent, "a repeat is refused without the first payment's link: never resent within a charge");
        assert!(req.headers.contains(&("merchant_public", "PUBLIC_TEST_KEY".into())));
        let body = String::from_utf8(req.body.unwrap()).unwrap();
        assert_eq!(
            body,
            r#"{"order_id":"1001","productName":"Add Funds","amount":"10000","expiration":"900","signature":"a9ce41fdd59057fce95320192538ec67da8028d9d49c79a97ab576533189a33c"}"#
        );
    }

    #[test]
    fn a_callback_url_goes_in_webhook_and_leaves_the_signature_alone() {
        let mut sale = charge("1001", "100", "USD", Some("Add Funds"));
        sale.callback_url = Some("https://relay.example/callback/dex3".into());
        let body = String::from_utf8(build_create(&creds(), &sale).unwrap().body.unwrap()).unwrap();
        assert_eq!(
            body,
            r#"{"order_id":"1001","productName":"Add Funds","amount":"10000","expiration":"900","webhook":"https://relay.example/callback/dex3","signature":"a9ce41fdd59057fce95320192538ec67da8028d9d49c79a97ab576533189a33c"}"#
        );
    }

    #[test]
    fn product_name_defaults_and_is_cut_on_a_char_boundary() {
        assert_eq!(product_name(&charge("A7", "1", "USD", None)), "Sale A7");
        assert_eq!(product_name(&charge("A7", "1", "USD", Some("  "))), "Sale A7");
        let long = "é".repeat(60);
        let cut = product_name(&charge("A7", "1", "USD", Some(&long)));
        assert_eq!(cut.chars().count(), 50);
        assert!(cut.chars().all(|c| c == 'é'));
    }

    #[test]
    fn bad_requests_are_refused_before_sending() {
        let long_id = "x".repeat(201);
        assert!(matches!(
            build_create(&creds(), &charge(&long_id, "1", "USD", None)),
            Err(GatewayError::Unsupported(_))
        ));
        assert!(build_create(&creds(), &charge(&"x".repeat(200), "1", "USD", None)).is_ok());
        let mut zero = charge("Z", "1", "USD", None);
        zero.lifetime_secs = 0;
        let body: CreateBody = serde_json::from_slice(&build_create(&creds(), &zero).unwrap().body.unwrap()).unwrap();
        assert_eq!(body.expiration, "1", "0 would mean never expires");
        let mut no_private = Credentials::default();
        no_private.insert("merchant_public", Secret::new("P"));
        assert!(matches!(
            build_create(&no_private, &charge("1", "1", "USD", None)),
            Err(GatewayError::MissingCredential { .. })
        ));
    }

    #[test]
    fn status_path_is_a_knob_and_ids_stay_in_their_segment() {
        assert_eq!(
            build_status(&creds(), &knobs(&[]), "EKKln/../x").unwrap().path,
            "getpaymentstatus/EKKln%2F%2E%2E%2Fx"
        );
        let custom = knobs(&[("status_path", "payment/{payment_id}/status")]);
        assert_eq!(build_status(&creds(), &custom, "P1").unwrap().path, "payment/P1/status");
    }

    #[test]
    fn statuses_map_and_received_is_not_paid() {
        assert_eq!(map_status("created"), InvoiceStatus::Pending);
        assert_eq!(map_status("received"), InvoiceStatus::Confirming);
        assert_eq!(map_status("completed"), InvoiceStatus::Paid);
        assert_eq!(map_status("failed"), InvoiceStatus::Failed);
        assert_eq!(map_status("expired"), InvoiceStatus::Expired);
        assert_eq!(map_status("refunded"), InvoiceStatus::Unknown);
    }

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, body: body.as_bytes().to_vec() }
    }

    fn one_dollar() -> Amount {
        Amount::from_minor(100, Currency::USD).unwrap()
    }

    #[test]
    fn hardening_04_an_echoed_amount_other_than_asked_is_refused() {
        let answer = |cents: &str| {
            format!(
                r#"{{"state":true,"data":{{"payLink":"https://pay.dex3.io/pay/EKK","paymentData":{{"payment_id":"EKK","order_id":"123","productName":"x","amount":"{cents}","expiration":1710140681}}}}}}"#
            )
        };
        assert!(parse_create(&resp(200, &answer("100")), &creds(), &knobs(&[]), &one_dollar()).is_ok());
        let err = parse_create(&resp(200, &answer("10000")), &creds(), &knobs(&[]), &one_dollar()).unwrap_err();
        assert!(matches!(err, GatewayError::AmountMismatch { .. }), "{err:?}");
    }

    #[test]
    fn answers_are_read_by_state_not_http_code() {
        let ok = r#"{"state":true,"data":{"payLink":"https://pay.dex3.io/pay/EKK","paymentData":{"payment_id":"EKK","order_id":"123","productName":"Add Funds","amount":"100","expiration":1710140681,"webhook":"https://www.dex3.io/webhooksample","notes":"{}","created":1710140558}}}"#;
        let created = parse_create(&resp(200, ok), &creds(), &knobs(&[]), &one_dollar()).unwrap();
        assert_eq!(created.gateway_invoice_id.as_deref(), Some("EKK"));
        assert_eq!(created.expires_at, Some(1710140681));
        let dup = r#"{"state":false,"error":{"message":"Duplicate order id","code":400,"errData":false}}"#;
        assert_eq!(
            parse_create(&resp(200, dup), &creds(), &knobs(&[]), &one_dollar()).unwrap_err(),
            GatewayError::refused(DUPLICATE_ORDER_CODE, "Dex3 already has a payment for this order id")
        );
        let form = r#"{"state":false,"error":{"message":"Please check form error","code":403,"errData":{"notes":{"type":"field","value":{"user_id":"PRIVATE_TEST_KEY"},"msg":"Invalid JSON provided","path":"notes","location":"body"}}}}"#;
        let err = parse_create(&resp(403, form), &creds(), &knobs(&[]), &one_dollar()).unwrap_err();
        assert_eq!(err, GatewayError::refused(403, "Please check form error: Invalid JSON provided"));
        let auth = r#"{"state":false,"error":{"message":"Invalid signature","code":401,"errData":false}}"#;
        assert!(matches!(
            parse_create(&resp(401, auth), &creds(), &knobs(&[]), &one_dollar()),
            Err(GatewayError::Unauthorized(_))
        ));
        let http = r#"{"state":false,"error":{"message":"bad PRIVATE_TEST_KEY","code":400}}"#;
        assert!(!parse_create(&resp(400, http), &creds(), &knobs(&[]), &one_dollar())
            .unwrap_err()
            .to_string()
            .contains("PRIVATE"));
        let insecure = ok.replace("https://pay", "http://pay");
        assert!(matches!(
            parse_create(&resp(200, &insecure), &creds(), &knobs(&[]), &one_dollar()),
            Err(GatewayError::BadResponse(_))
        ));
        assert!(matches!(
            parse_create(&resp(502, "<html>"), &creds(), &knobs(&[]), &one_dollar()),
            Err(GatewayError::BadResponse(_))
        ));
        let status = parse_status(&resp(200, r#"{"state":true,"data":"received"}"#), &creds(), &knobs(&[])).unwrap();
        assert_eq!((status.status, status.gateway_status.as_str()), (InvoiceStatus::Confirming, "received"));
    }
}
