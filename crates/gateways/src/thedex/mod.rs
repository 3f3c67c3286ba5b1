//! TheDex (gateways.md §2): every endpoint is a POST; the JSON body carries `request` (the path)
//! and `nonce`, and is sent with `X-EX-PAYLOAD = base64(body)` and
//! `X-EX-SIGNATURE = hex(HMAC-SHA512(secret_key, payload))`. Amounts are decimal major units.
//! TheDex's error format is undocumented, so errors are read from the HTTP status alone.

mod callback;

use crate::gateway::*;
use crate::http::{check_pay_link, HttpRequest, HttpResponse};
use crate::sign::{base64_std, hmac_sha512_hex};
use async_trait::async_trait;
use paydesk_money::Amount;
use paydesk_money::InvoiceStatus;
use serde::{Deserialize, Serialize};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

pub static INFO: GatewayInfo = GatewayInfo {
    id: "thedex",
    name: "TheDex",
    default_base_url: "https://app.thedex.cloud/api/v1/",
    fields: &[
        FieldSpec { name: "api_key", label: "API key", secret: true, required: true },
        FieldSpec { name: "secret_key", label: "Secret key", secret: true, required: true },
        // Shown on the dashboard's Merchants page; identifies, does not authenticate.
        FieldSpec { name: "merchant_id", label: "Merchant id", secret: false, required: true },
    ],
    knobs: &[
        KnobSpec {
            name: "request_prefix",
            default: "/api/v1",
            doubt: "The signed body's `request` field is not in TheDex's docs; every client found sends the full path including /api/v1.",
        },
        KnobSpec {
            name: "nonce_format",
            default: "number",
            doubt: "`nonce` is undocumented; one client sends unix ms as a JSON number, another as a string (set \"string\").",
        },
    ],
    // TheDex prices in the fiat codes its /info/currencies endpoint lists, which cannot be known
    // offline, so Paydesk offers every currency it knows and lets TheDex refuse the rest.
    currencies: None,
    can_poll: true,
    repeat: Repeat::Duplicates,
    lookup: Lookup::ByOrderId,
    lifetime: Lifetime::Fixed,
};

/// Longest `title` TheDex stores.
pub const TITLE_MAX_CHARS: usize = 50;

/// `nonce` as a JSON number or string; both are seen in clients (see the `nonce_format` knob).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Nonce {
    Number(u64),
    Text(String),
}

impl Nonce {
    pub fn value(&self) -> Option<u64> {
        match self {
            Nonce::Number(n) => Some(*n),
            Nonce::Text(s) => s.parse().ok(),
        }
    }
}

/// `POST invoices/create` body, fields in the order of the §2.2 worked example.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateBody {
    /// Major units, e.g. "10.00".
    pub amount: String,
    pub currency: String,
    pub merchant_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Overrides the merchant-level callback URL for this invoice (§2.3): the shop's relay.
    /// Inside the body, so the signature covers it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
    pub request: String,
    pub nonce: Nonce,
}

/// `POST invoices/one` body: TheDex's invoice id, or our order id.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct OneBody {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub invoice_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    pub request: String,
    pub nonce: Nonce,
}

/// The invoice object create, `invoices/one` and callbacks answer (the fields Paydesk reads).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Invoice {
    pub invoice_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    pub status: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub pay_url: Option<String>,
    /// Unix milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub create_timestamp: Option<i64>,
    /// Unix milliseconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expiration_timestamp: Option<i64>,
}

impl Invoice {
    /// The status as kept in the ledger: the number, and TheDex's name for it when given.
    pub fn gateway_status(&self) -> String {
        match &self.status_name {
            Some(name) => format!("{} {name}", self.status),
            None => self.status.to_string(),
        }
    }
}

/// The amount as TheDex's wire wants it: a decimal string in major units ("10.00").
pub fn wire_amount(amount: &Amount) -> String {
    amount.to_decimal_string()
}

/// TheDex's invoice statuses (§2.5). Refunds (8, 9) have no place in a sale's status.
pub fn map_status(status: i64) -> InvoiceStatus {
    match status {
        0 | 6 => InvoiceStatus::Pending,
        1 => InvoiceStatus::Confirming,
        2 => InvoiceStatus::Expired,
        3 => InvoiceStatus::Paid,
        4 => InvoiceStatus::Failed,
        5 => InvoiceStatus::Underpaid,
        7 => InvoiceStatus::Cancelled,
        _ => InvoiceStatus::Unknown,
    }
}

static LAST_NONCE: AtomicU64 = AtomicU64::new(0);

/// Unix milliseconds, strictly increasing within this process (two calls in one millisecond,
/// or a clock step back, still get a larger nonce).
pub fn next_nonce() -> u64 {
    let now = SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0);
    let step = |last: u64| now.max(last + 1);
    let previous = LAST_NONCE.fetch_update(Ordering::SeqCst, Ordering::SeqCst, |last| Some(step(last)));
    step(previous.unwrap_or_else(|last| last))
}

/// `(X-EX-PAYLOAD, X-EX-SIGNATURE)` for these exact body bytes.
pub fn sign(secret_key: &str, body: &[u8]) -> (String, String) {
    let payload = base64_std(body);
    let signature = hmac_sha512_hex(secret_key.as_bytes(), payload.as_bytes());
    (payload, signature)
}

fn request_path(knobs: &Knobs, endpoint: &str) -> String {
    format!("{}/{endpoint}", knobs.get("request_prefix").trim_end_matches('/'))
}

fn nonce(knobs: &Knobs, value: u64) -> Nonce {
    match knobs.get("nonce_format") {
        "string" => Nonce::Text(value.to_string()),
        _ => Nonce::Number(value),
    }
}

/// A POST of `body` (serialized once) to `endpoint`, signed over those bytes.
fn signed_post<T: Serialize>(creds: &Credentials, endpoint: &str, body: &T) -> Result<HttpRequest, GatewayError> {
    let api_key = creds.require(INFO.id, "api_key")?.expose();
    let secret = creds.require(INFO.id, "secret_key")?.expose();
    let bytes = serde_json::to_vec(body).expect("plain struct serializes");
    let (payload, signature) = sign(secret, &bytes);
    Ok(HttpRequest::post_json(endpoint, bytes)
        .header("x-ex-apikey", api_key)
        .header("x-ex-payload", payload)
        .header("x-ex-signature", signature))
}

/// `description`, or "Sale <order id>", cut to 50 characters on a character boundary.
fn title(req: &ChargeRequest) -> String {
    let name = match req.description.as_deref().map(str::trim) {
        Some(d) if !d.is_empty() => d.to_string(),
        _ => format!("Sale {}", req.order_id),
    };
    name.chars().take(TITLE_MAX_CHARS).collect()
}

/// The signed `POST invoices/create`. TheDex has no lifetime parameter, so `lifetime_secs` is
/// not sent (the merchant's settings decide). Not marked idempotent: TheDex is not known to
/// dedupe by orderId.
pub fn build_create(
    creds: &Credentials,
    knobs: &Knobs,
    req: &ChargeRequest,
    nonce_value: u64,
) -> Result<HttpRequest, GatewayError> {
    let body = CreateBody {
        amount: wire_amount(&req.amount),
        currency: req.amount.currency().code().to_string(),
        merchant_id: creds.require(INFO.id, "merchant_id")?.expose().to_string(),
        order_id: Some(req.order_id.clone()),
        title: Some(title(req)),
        callback_url: req.callback_url.clone(),
        request: request_path(knobs, "invoices/create"),
        nonce: nonce(knobs, nonce_value),
    };
    signed_post(creds, "invoices/create", &body)
}

/// The signed `POST invoices/one`, by TheDex's invoice id when known, else by our order id.
pub fn build_status(
    creds: &Credentials,
    knobs: &Knobs,
    order_id: &str,
    invoice_id: Option<&str>,
    nonce_value: u64,
) -> Result<HttpRequest, GatewayError> {
    let body = OneBody {
        order_id: invoice_id.is_none().then(|| order_id.to_string()),
        invoice_id: invoice_id.map(str::to_string),
        request: request_path(knobs, "invoices/one"),
        nonce: nonce(knobs, nonce_value),
    };
    // Not marked idempotent although it is a read: a resend would repeat the nonce, which TheDex
    // may refuse. A failed connection is still retried (nothing arrived); the next poll signs anew.
    signed_post(creds, "invoices/one", &body)
}

/// The invoice in a TheDex answer. The error format is undocumented, so a failure is described
/// by its HTTP status only (never the body, which could echo what we sent).
pub fn read_invoice(resp: &HttpResponse) -> Result<Invoice, GatewayError> {
    match resp.status {
        200..=299 => resp.json(),
        401 | 403 => Err(GatewayError::Unauthorized(format!(
            "TheDex answered HTTP {}: check api_key and secret_key",
            resp.status
        ))),
        // A server error says nothing about whether the invoice was made: not a refusal.
        status @ 500.. => Err(GatewayError::BadResponse(format!(
            "TheDex answered HTTP {status}; the request may or may not have been carried out"
        ))),
        status => Err(GatewayError::Refused {
            code: Some(format!("http_{status}")),
            message: format!("TheDex refused the request with HTTP {status} (its error details are not documented)"),
        }),
    }
}

pub fn parse_create(resp: &HttpResponse) -> Result<CreatedInvoice, GatewayError> {
    let invoice = read_invoice(resp)?;
    let pay_link = invoice
        .pay_url
        .ok_or_else(|| GatewayError::BadResponse(format!("HTTP {}: the invoice has no payUrl", resp.status)))?;
    check_pay_link(&pay_link)?;
    Ok(CreatedInvoice {
        gateway_invoice_id: Some(invoice.invoice_id),
        pay_link,
        expires_at: invoice.expiration_timestamp.map(|ms| ms / 1000),
    })
}

pub fn parse_status(resp: &HttpResponse) -> Result<StatusReport, GatewayError> {
    let invoice = read_invoice(resp)?;
    Ok(StatusReport { status: map_status(invoice.status), gateway_status: invoice.gateway_status() })
}

/// The answer to `invoices/one` by orderId. A 404 is read as "no such invoice", which is how
/// the simulator answers; TheDex's own answer to an unknown orderId is undocumented, and any
/// other refusal stays an error, so a refusal is never taken for "not there".
pub fn parse_find(resp: &HttpResponse) -> Result<Option<FoundInvoice>, GatewayError> {
    if resp.status == 404 {
        return Ok(None);
    }
    let invoice = read_invoice(resp)?;
    if let Some(link) = &invoice.pay_url {
        check_pay_link(link)?;
    }
    Ok(Some(FoundInvoice {
        status: StatusReport { status: map_status(invoice.status), gateway_status: invoice.gateway_status() },
        gateway_invoice_id: Some(invoice.invoice_id),
        pay_link: invoice.pay_url,
        expires_at: invoice.expiration_timestamp.map(|ms| ms / 1000),
    }))
}

pub struct TheDex;

#[async_trait]
impl Gateway for TheDex {
    fn info(&self) -> &'static GatewayInfo {
        &INFO
    }

    async fn create(&self, call: &Call<'_>, req: &ChargeRequest) -> Result<CreatedInvoice, GatewayError> {
        let request = build_create(call.creds, call.knobs, req, next_nonce())?;
        parse_create(&call.http.send(&request).await?)
    }

    async fn status(&self, call: &Call<'_>, invoice: &InvoiceRef) -> Result<StatusReport, GatewayError> {
        let request = build_status(
            call.creds,
            call.knobs,
            &invoice.order_id,
            invoice.gateway_invoice_id.as_deref(),
            next_nonce(),
        )?;
        parse_status(&call.http.send(&request).await?)
    }

    async fn find_by_order(&self, call: &Call<'_>, sale: &InvoiceRef) -> Result<Option<FoundInvoice>, GatewayError> {
        let order_id = sale.order_id.as_str();
        let request = build_status(call.creds, call.knobs, order_id, None, next_nonce())?;
        parse_find(&call.http.send(&request).await?)
    }

    /// The invoice callback (§2.6), signed with the same headers as TheDex's requests.
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
    use paydesk_money::{parse_amount, Currency, DecimalStyle};

    const EXAMPLE_BODY: &str = r#"{"amount":"10.00","currency":"USD","merchantId":"ABCDEFGH","orderId":"POS-0001","title":"Table 4","request":"/api/v1/invoices/create","nonce":1700000000000}"#;
    const EXAMPLE_PAYLOAD: &str = "eyJhbW91bnQiOiIxMC4wMCIsImN1cnJlbmN5IjoiVVNEIiwibWVyY2hhbnRJZCI6IkFCQ0RFRkdIIiwib3JkZXJJZCI6IlBPUy0wMDAxIiwidGl0bGUiOiJUYWJsZSA0IiwicmVxdWVzdCI6Ii9hcGkvdjEvaW52b2ljZXMvY3JlYXRlIiwibm9uY2UiOjE3MDAwMDAwMDAwMDB9";
    const EXAMPLE_SIGNATURE: &str = "1be494ad8ddd4a07bf657c403439fc058aee4416ac47adff114a93b9027a675d81cbc864f132e374dfc5f72e2e3df9b1ca95f86bf558f4c8d89f741849424d6d";

    fn creds() -> Credentials {
        let mut c = Credentials::default();
        c.insert("api_key", Secret::new("TEST_API_KEY"));
        c.insert("secret_key", Secret::new("TEST_SECRET"));
        c.insert("merchant_id", Secret::new("ABCDEFGH"));
        c
    }

    fn knobs(overrides: &[(&str, &str)]) -> Knobs {
        Knobs::resolve(&INFO, |n| overrides.iter().find(|(k, _)| *k == n).map(|(_, v)| v.to_string()))
    }

    fn charge(order_id: &str, amount: &str, currency: &str, description: Option<&str>) -> ChargeRequest {
        let currency: Currency = currency.parse().unwrap();
        ChargeRequest {
            order_id: order_id.into(),
            amount: parse_amount(amount, currency, DecimalStyle::Point).unwrap(),
            description: description.map(str::to_string),
            lifetime_secs: 900,
            callback_url: None,
        }
    }

    fn header<'a>(req: &'a HttpRequest, name: &str) -> &'a str {
        req.headers.iter().find(|(k, _)| *k == name).map(|(_, v)| v.as_str()).unwrap()
    }

    #[test]
    fn create_reproduces_the_worked_example_byte_for_byte() {
        let req =
            build_create(&creds(), &knobs(&[]), &charge("POS-0001", "10", "USD", Some("Table 4")), 1_700_000_000_000)
                .unwrap();
        assert_eq!(req.path, "invoices/create");
        assert!(!req.idempotent);
        assert_eq!(std::str::from_utf8(req.body.as_deref().unwrap()).unwrap(), EXAMPLE_BODY);
        assert_eq!(header(&req, "x-ex-apikey"), "TEST_API_KEY");
        assert_eq!(header(&req, "x-ex-payload"), EXAMPLE_PAYLOAD);
        assert_eq!(header(&req, "x-ex-signature"), EXAMPLE_SIGNATURE);
        assert_eq!(sign("TEST_SECRET", EXAMPLE_BODY.as_bytes()), (EXAMPLE_PAYLOAD.into(), EXAMPLE_SIGNATURE.into()));
    }

    #[test]
    fn a_callback_url_is_sent_as_callback_url_and_signed_with_the_body() {
        let mut sale = charge("POS-0001", "10", "USD", Some("Table 4"));
        sale.callback_url = Some("https://relay.example/callback/thedex".into());
        let req = build_create(&creds(), &knobs(&[]), &sale, 1_700_000_000_000).unwrap();
        let bytes = req.body.as_deref().unwrap();
        let body: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(body["callbackUrl"], "https://relay.example/callback/thedex");
        let (payload, signature) = sign("TEST_SECRET", bytes);
        assert_eq!((header(&req, "x-ex-payload"), header(&req, "x-ex-signature")), (&*payload, &*signature));
    }

    #[test]
    fn knobs_change_the_request_path_and_nonce_type() {
        let k = knobs(&[("nonce_format", "string"), ("request_prefix", "/api/v2/")]);
        let req = build_create(&creds(), &k, &charge("A", "1", "USD", None), 42).unwrap();
        let body: serde_json::Value = serde_json::from_slice(req.body.as_deref().unwrap()).unwrap();
        assert_eq!(body["nonce"], "42");
        assert_eq!(body["request"], "/api/v2/invoices/create");
        assert_eq!(body["title"], "Sale A");
    }

    #[test]
    fn status_looks_up_by_invoice_id_or_else_order_id() {
        let req = build_status(&creds(), &knobs(&[]), "POS-1", Some("INV-1"), 7).unwrap();
        assert_eq!(req.path, "invoices/one");
        assert_eq!(
            std::str::from_utf8(req.body.as_deref().unwrap()).unwrap(),
            r#"{"invoiceId":"INV-1","request":"/api/v1/invoices/one","nonce":7}"#
        );
        let req = build_status(&creds(), &knobs(&[]), "POS-1", None, 8).unwrap();
        assert_eq!(
            std::str::from_utf8(req.body.as_deref().unwrap()).unwrap(),
            r#"{"orderId":"POS-1","request":"/api/v1/invoices/one","nonce":8}"#
        );
    }

    #[test]
    fn amount_is_a_decimal_in_major_units() {
        assert_eq!(wire_amount(&charge("A", "10", "USD", None).amount), "10.00");
        assert_eq!(wire_amount(&charge("A", "0.5", "EUR", None).amount), "0.50");
        assert_eq!(wire_amount(&charge("A", "1500", "JPY", None).amount), "1500");
    }

    #[test]
    fn title_is_cut_on_a_char_boundary() {
        let cut = title(&charge("A", "1", "USD", Some(&"ü".repeat(80))));
        assert_eq!(cut.chars().count(), TITLE_MAX_CHARS);
    }

    #[test]
    fn nonces_strictly_increase() {
        let a = next_nonce();
        let b = next_nonce();
        let c = next_nonce();
        assert!(a < b && b < c);
        assert!(a > 1_600_000_000_000, "unix milliseconds");
    }

    #[test]
    fn statuses_map_and_refunds_are_unknown() {
        let expected = [
            (0, InvoiceStatus::Pending),
            (1, InvoiceStatus::Confirming),
            (2, InvoiceStatus::Expired),
            (3, InvoiceStatus::Paid),
            (4, InvoiceStatus::Failed),
            (5, InvoiceStatus::Underpaid),
            (6, InvoiceStatus::Pending),
            (7, InvoiceStatus::Cancelled),
            (8, InvoiceStatus::Unknown),
            (9, InvoiceStatus::Unknown),
            (42, InvoiceStatus::Unknown),
        ];
        for (code, status) in expected {
            assert_eq!(map_status(code), status, "status {code}");
        }
    }

    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, body: body.as_bytes().to_vec() }
    }

    #[test]
    fn answers_are_read_by_http_status_and_never_echo_the_body() {
        let ok = r#"{"invoiceId":"INV-1","merchantId":"ABCDEFGH","orderId":"POS-1","createDate":"2025-11-27 17:11:30.19","status":0,"payUrl":"https://app.thedex.cloud/pay-invoice/INV-1","expirationTimestamp":1764264690190}"#;
        let created = parse_create(&resp(200, ok)).unwrap();
        assert_eq!(created.gateway_invoice_id.as_deref(), Some("INV-1"));
        assert_eq!(created.expires_at, Some(1_764_264_690));
        assert!(matches!(parse_create(&resp(401, "{}")), Err(GatewayError::Unauthorized(_))));
        let err = parse_create(&resp(400, r#"{"message":"bad TEST_SECRET"}"#)).unwrap_err();
        assert!(matches!(err, GatewayError::Refused { code: Some(ref c), .. } if c == "http_400"));
        assert!(!err.to_string().contains("TEST_SECRET"));
        let err = parse_create(&resp(502, "<html>Bad Gateway TEST_SECRET</html>")).unwrap_err();
        assert!(matches!(err, GatewayError::BadResponse(ref m) if m.contains("502") && !m.contains("TEST_SECRET")));
        let err = parse_create(&resp(200, r#"{"error":"TEST_SECRET"}"#)).unwrap_err();
        assert!(
            matches!(err, GatewayError::BadResponse(ref m) if m.contains("HTTP 200") && !m.contains("TEST_SECRET"))
        );
        let no_link = ok.replace(r#","payUrl":"https://app.thedex.cloud/pay-invoice/INV-1""#, "");
        assert!(matches!(parse_create(&resp(200, &no_link)), Err(GatewayError::BadResponse(_))));
        let report = parse_status(&resp(200, r#"{"invoiceId":"I","status":8,"statusName":"Refund pending"}"#)).unwrap();
        assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Unknown, "8 Refund pending"));
    }
}
