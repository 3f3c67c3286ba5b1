//! NonStoPay: USD invoices paid by UPI, card or crypto. Auth is the `API-KEY` header (no request
//! signing), and NonStoPay only answers calls from IP addresses registered in its dashboard, so a
//! till on a dynamic IP needs a relay with a fixed IP.
//!
//! The API requires a customer email on every invoice; a till has no customer email, so the `email`
//! credential holds the shop's own receipt address. Our order id travels in `callbackJson`.
//! The redirect-mode create answer carries no invoice id (only the server-to-server card mode,
//! which needs the card's details, does), so the id to poll is found afterwards: the invoice
//! history lists the day's invoices, and the invoice-info call of each with the sale's amount
//! returns its `callbackJson`, which names our order id. Where it cannot be found, a manager
//! settles the sale from the NonStoPay dashboard.

use crate::gateway::*;
use crate::http::{check_pay_link, HttpRequest, HttpResponse};
use async_trait::async_trait;
use paydesk_money::Amount;
use paydesk_money::InvoiceStatus;
use serde::{Deserialize, Deserializer, Serialize};

pub static INFO: GatewayInfo = GatewayInfo {
    id: "nonstopay",
    name: "NonStoPay",
    default_base_url: "https://usdc.nonstopay.net/",
    fields: &[
        FieldSpec { name: "api_key", label: "API key", secret: true, required: true },
        FieldSpec {
            name: "email",
            label: "Customer email for invoices (the shop's receipt address; NonStoPay requires one)",
            secret: false,
            required: true,
        },
    ],
    knobs: &[
        KnobSpec {
            name: "create_path",
            default: "api/btn-create-invoice/get/",
            doubt: "The docs' text lost the create URL; this path comes from a third-party integration, and \
                    whether UPI, card and crypto invoices use separate URLs is unknown.",
        },
        KnobSpec {
            name: "status_path",
            default: "api/invoice/status/",
            doubt: "The status URL is not in the docs' text; this path comes from a third-party integration.",
        },
        KnobSpec {
            name: "history_path",
            default: "api/invoice/history/",
            doubt:
                "The invoice-history call (status, from, to, order) is documented, its URL and the list's field name \
                    ('invoices') are not.",
        },
        KnobSpec {
            name: "info_path",
            default: "api/client-invoice-info/get/",
            doubt:
                "Documented in the NFT section of the docs, which uses the same API family; it returns callbackJson.",
        },
    ],
    currencies: Some(&["USD"]),
    can_poll: true,
    repeat: Repeat::Duplicates,
    lookup: Lookup::Search,
    lifetime: Lifetime::Fixed,
};

/// `errorCode` of a successful answer.
pub const OK: i64 = 0;

/// Body of the create call.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreateRequest {
    pub email: String,
    /// Major units with '.', as a JSON string: see [`wire_amount`].
    pub amount: String,
    /// Currency code; only "USD" here.
    pub devise: String,
    /// Merchant data NonStoPay echoes in its callback: a JSON text of [`CallbackData`].
    #[serde(rename = "callbackJson", default, skip_serializing_if = "Option::is_none")]
    pub callback_json: Option<String>,
}

/// What Paydesk carries through `callbackJson`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CallbackData {
    pub order_id: String,
}

/// The create answer. Errors carry only `errorCode` and `errorMessage`; success carries
/// `redirectUrl` and `html`, and in server-to-server mode also `status` and `ID`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateResponse {
    pub error_code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "ID", default, deserialize_with = "opt_text", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// The status answer: `{"errorCode":0,"invoice":{"id","devise","amount","status"}}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusResponse {
    pub error_code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<InvoiceInfo>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct InvoiceInfo {
    #[serde(deserialize_with = "text")]
    pub id: String,
    #[serde(default)]
    pub devise: Option<String>,
    /// As text: the docs show a string ("4") here and a number elsewhere.
    #[serde(default, deserialize_with = "opt_text")]
    pub amount: Option<String>,
    pub status: String,
}

/// The invoice-history answer: `{"errorCode":0,"invoices":[{id, devise, amount, status}]}` (the
/// list's field name is a guess).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryResponse {
    pub error_code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default)]
    pub invoices: Vec<InvoiceInfo>,
}

/// The invoice-info answer: `{"errorCode":0,"invoice_id":"1689","data":{status, id, callbackJson, …}}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InfoResponse {
    pub error_code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<InfoData>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct InfoData {
    #[serde(deserialize_with = "text")]
    pub id: String,
    pub status: String,
    /// What we sent, echoed: a JSON text, or (had NonStoPay parsed it) an object.
    #[serde(rename = "callbackJson", default)]
    pub callback_json: Option<serde_json::Value>,
}

impl InfoData {
    /// The order id our `callbackJson` carried, if this invoice has one.
    pub fn order_id(&self) -> Option<String> {
        let value = match self.callback_json.as_ref()? {
            serde_json::Value::String(text) => serde_json::from_str(text).ok()?,
            other => other.clone(),
        };
        serde_json::from_value::<CallbackData>(value).ok().map(|c| c.order_id)
    }
}

/// How many invoices of the sale's amount are asked about, newest first, before giving up: a
/// bound on calls, not a guess at the answer (the sale is then settled from the dashboard).
pub const MAX_CANDIDATES: usize = 20;

/// The amount as NonStoPay takes it: major units with a '.' decimal mark, e.g. "15.04".
pub fn wire_amount(amount: &Amount) -> String {
    amount.to_decimal_string()
}

/// NonStoPay's statuses. Only created/opened/paid/expired are known (the table was cut off in
/// every stored copy of the docs), so anything else is Unknown.
pub fn map_status(status: &str) -> InvoiceStatus {
    match status {
        "invoice:created" | "invoice:opened" => InvoiceStatus::Pending,
        "invoice:paid" => InvoiceStatus::Paid,
        "invoice:expired" => InvoiceStatus::Expired,
        _ => InvoiceStatus::Unknown,
    }
}

/// Which call an error code came from: a few codes mean different things per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Status,
}

const IP_RELAY: &str = "NonStoPay only answers calls from IP addresses registered in its dashboard (profile, API \
                        block); a till on a dynamic or shared IP must call through a relay with a fixed IP";

/// Create-call error codes (gateways.md §5.2), worded for the cashier.
const CREATE_ERRORS: &[(i64, &str)] = &[
    (50002, "NonStoPay needs a customer email: set the 'email' credential to the shop's receipt address"),
    (50003, "NonStoPay did not get an amount it can read"),
    (50004, "NonStoPay did not get a currency"),
    (50005, "NonStoPay rejects the address in the 'email' credential as invalid"),
    (50008, "the NonStoPay wallet is still being validated: no sales until NonStoPay finishes"),
    (50009, "NonStoPay does not accept this currency (USD only)"),
    (50011, "the amount is above NonStoPay's maximum for this account"),
    (50012, "the amount is below NonStoPay's minimum for this account"),
];

/// Status-call error codes (gateways.md §5.3); 50011 means something else here than on create.
const STATUS_ERRORS: &[(i64, &str)] = &[
    (50002, "NonStoPay did not get the invoice id"),
    (50011, "NonStoPay says this invoice belongs to another merchant"),
];

/// A non-zero `errorCode` as a clear error.
pub fn map_error(op: Op, code: i64, message: Option<&str>, creds: &Credentials) -> GatewayError {
    match code {
        50001 => return GatewayError::Unauthorized("NonStoPay did not receive an API key".into()),
        50007 => {
            return GatewayError::Unauthorized(
                "NonStoPay does not accept this API key: check the api_key credential".into(),
            )
        }
        50006 => {
            return GatewayError::refused(
                code,
                format!("this API key may not be used from this IP address: {IP_RELAY}"),
            )
        }
        50010 => {
            return GatewayError::refused(code, format!("no IP address is linked to the NonStoPay account: {IP_RELAY}"))
        }
        _ => {}
    }
    let table = match op {
        Op::Create => CREATE_ERRORS,
        Op::Status => STATUS_ERRORS,
    };
    let text = match table.iter().find(|(c, _)| *c == code) {
        Some((_, meaning)) => meaning.to_string(),
        None => {
            message.filter(|m| !m.is_empty()).map(|m| creds.scrub(m)).unwrap_or_else(|| "unexplained error code".into())
        }
    };
    GatewayError::refused(code, text)
}

/// The create request; USD only. Not marked idempotent: NonStoPay does not dedupe on our order id.
pub fn build_create(
    api_key: &str,
    email: &str,
    create_path: &str,
    req: &ChargeRequest,
) -> Result<HttpRequest, GatewayError> {
    let currency = req.amount.currency();
    if !INFO.supports(currency) {
        return Err(GatewayError::Unsupported(format!(
            "NonStoPay invoices are in USD only, and this sale is in {currency}"
        )));
    }
    let callback = CallbackData { order_id: req.order_id.clone() };
    let body = CreateRequest {
        email: email.to_string(),
        amount: wire_amount(&req.amount),
        devise: currency.code().to_string(),
        callback_json: Some(serde_json::to_string(&callback).expect("plain struct serializes")),
    };
    let bytes = serde_json::to_vec(&body).expect("plain struct serializes");
    Ok(HttpRequest::post_json(create_path, bytes).header("API-KEY", api_key))
}

pub fn build_status(api_key: &str, status_path: &str, invoice_id: &str) -> HttpRequest {
    HttpRequest::get(status_path).query("id", invoice_id).header("API-KEY", api_key)
}

/// Every invoice from the day before `created_at` (UTC) to today: a sale's invoice is among them.
pub fn build_history(api_key: &str, history_path: &str, created_at: i64, now: i64) -> HttpRequest {
    let day = |unix: i64| {
        let (y, m, d) = paydesk_money::clock::civil_date(unix);
        format!("{y:04}-{m:02}-{d:02}")
    };
    HttpRequest::get(history_path)
        .query("status", "ALL")
        .query("from", day(created_at - 86_400))
        .query("to", day(now.max(created_at)))
        .query("order", "DESC")
        .header("API-KEY", api_key)
}

/// The ids in a history answer whose amount is the sale's, newest first as NonStoPay ordered them.
pub fn parse_history(resp: &HttpResponse, creds: &Credentials, amount: &Amount) -> Result<Vec<String>, GatewayError> {
    let answer: HistoryResponse = resp.json()?;
    if answer.error_code != OK {
        return Err(map_error(Op::Status, answer.error_code, answer.error_message.as_deref(), creds));
    }
    let same_amount =
        |i: &InvoiceInfo| i.amount.as_deref().and_then(|a| decimal_minor(a, amount.currency())) == Some(amount.minor());
    Ok(answer.invoices.into_iter().filter(same_amount).map(|i| i.id).take(MAX_CANDIDATES).collect())
}

pub fn parse_info(resp: &HttpResponse, creds: &Credentials) -> Result<InfoData, GatewayError> {
    let answer: InfoResponse = resp.json()?;
    if answer.error_code != OK {
        return Err(map_error(Op::Status, answer.error_code, answer.error_message.as_deref(), creds));
    }
    answer.data.ok_or_else(|| GatewayError::BadResponse("NonStoPay's invoice info has no data".into()))
}

/// Reads a create answer whatever its HTTP status: NonStoPay reports failures in `errorCode`.
pub fn parse_create(resp: &HttpResponse, creds: &Credentials) -> Result<CreatedInvoice, GatewayError> {
    let answer: CreateResponse = resp.json()?;
    if answer.error_code != OK {
        return Err(map_error(Op::Create, answer.error_code, answer.error_message.as_deref(), creds));
    }
    let pay_link = answer
        .redirect_url
        .ok_or_else(|| GatewayError::BadResponse("NonStoPay reported success without a redirectUrl".into()))?;
    check_pay_link(&pay_link)?;
    // No documented expiry per invoice (unpaid ones expire after 14 days).
    Ok(CreatedInvoice { gateway_invoice_id: answer.id, pay_link, expires_at: None })
}

pub fn parse_status(resp: &HttpResponse, creds: &Credentials) -> Result<StatusReport, GatewayError> {
    let answer: StatusResponse = resp.json()?;
    if answer.error_code != OK {
        return Err(map_error(Op::Status, answer.error_code, answer.error_message.as_deref(), creds));
    }
    let invoice =
        answer.invoice.ok_or_else(|| GatewayError::BadResponse("NonStoPay's status answer has no invoice".into()))?;
    Ok(StatusReport { status: map_status(&invoice.status), gateway_status: invoice.status })
}

pub struct NonStoPay;

#[async_trait]
impl Gateway for NonStoPay {
    fn info(&self) -> &'static GatewayInfo {
        &INFO
    }

    async fn create(&self, call: &Call<'_>, req: &ChargeRequest) -> Result<CreatedInvoice, GatewayError> {
        let key = call.creds.require(INFO.id, "api_key")?;
        let email = call.creds.require(INFO.id, "email")?;
        let request = build_create(key.expose(), email.expose(), call.knobs.get("create_path"), req)?;
        let resp = call.http.send(&request).await?;
        parse_create(&resp, call.creds)
    }

    async fn status(&self, call: &Call<'_>, invoice: &InvoiceRef) -> Result<StatusReport, GatewayError> {
        let id = invoice.gateway_invoice_id.as_deref().ok_or_else(|| {
            GatewayError::Unsupported(
                "Paydesk has not found NonStoPay's id for this sale yet, so it cannot ask its status: confirm it on \
                 the NonStoPay dashboard"
                    .into(),
            )
        })?;
        let key = call.creds.require(INFO.id, "api_key")?;
        let resp = call.http.send(&build_status(key.expose(), call.knobs.get("status_path"), id)).await?;
        parse_status(&resp, call.creds)
    }

    /// The day's invoices of the sale's amount, asked one by one for the order id in their
    /// `callbackJson`. Not finding it proves nothing (the history may lag, or list differently).
    async fn find_by_order(&self, call: &Call<'_>, sale: &InvoiceRef) -> Result<Option<FoundInvoice>, GatewayError> {
        let key = call.creds.require(INFO.id, "api_key")?.expose();
        let now = paydesk_money::clock::unix_now();
        let history = call.http.send(&build_history(key, call.knobs.get("history_path"), sale.created_at, now)).await?;
        for id in parse_history(&history, call.creds, &sale.amount)? {
            let info = call.http.send(&build_status(key, call.knobs.get("info_path"), &id)).await?;
            let info = parse_info(&info, call.creds)?;
            if info.order_id().as_deref() == Some(sale.order_id.as_str()) {
                let status = StatusReport { status: map_status(&info.status), gateway_status: info.status };
                return Ok(Some(FoundInvoice {
                    gateway_invoice_id: Some(info.id),
                    pay_link: None,
                    expires_at: None,
                    status,
                }));
            }
        }
        Ok(None)
    }
}

/// A string, or a number kept as its text (ids and amounts arrive both ways).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match Text::deserialize(d)? {
        Text::Text(s) => s,
        Text::Number(n) => n.to_string(),
    })
}

fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    text(d).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use paydesk_money::{parse_amount, Currency, DecimalStyle};

    fn charge(amount: &str, currency: &str) -> ChargeRequest {
        let currency: Currency = currency.parse().unwrap();
        ChargeRequest {
            order_id: "A-17".into(),
            amount: parse_amount(amount, currency, DecimalStyle::Point).unwrap(),
            description: None,
            lifetime_secs: 900,
        }
    }

    fn creds() -> Credentials {
        let mut c = Credentials::default();
        c.insert("api_key", Secret::new("KEY-SECRET"));
        c
    }

    fn answer(json: &str) -> HttpResponse {
        HttpResponse { status: 200, body: json.as_bytes().to_vec() }
    }

    #[test]
    fn amounts_are_decimal_strings_in_major_units() {
        assert_eq!(wire_amount(&charge("15.04", "USD").amount), "15.04");
        assert_eq!(wire_amount(&charge("42", "USD").amount), "42.00");
        assert_eq!(wire_amount(&charge("0.5", "USD").amount), "0.50");
    }

    #[test]
    fn create_sends_email_amount_devise_and_our_order_id() {
        let req =
            build_create("KEY", "till@shop.example", "api/btn-create-invoice/get/", &charge("15.04", "USD")).unwrap();
        assert_eq!(req.path, "api/btn-create-invoice/get/");
        assert!(req.headers.contains(&("API-KEY", "KEY".to_string())));
        assert!(!req.idempotent, "NonStoPay does not dedupe");
        assert_eq!(
            String::from_utf8(req.body.unwrap()).unwrap(),
            r#"{"email":"till@shop.example","amount":"15.04","devise":"USD","callbackJson":"{\"order_id\":\"A-17\"}"}"#
        );
    }

    #[test]
    fn only_usd_is_accepted() {
        let err = build_create("KEY", "a@b.example", "x/", &charge("5", "EUR")).unwrap_err();
        assert!(matches!(&err, GatewayError::Unsupported(m) if m.contains("USD only")), "{err:?}");
        assert!(INFO.supports(Currency::USD));
    }

    #[test]
    fn status_request_carries_the_id_in_the_query() {
        let req = build_status("KEY", "api/invoice/status/", "1689");
        assert_eq!(req.path, "api/invoice/status/");
        assert_eq!(req.query, vec![("id", "1689".to_string())]);
        assert!(req.idempotent);
    }

    #[test]
    fn reads_both_create_answers() {
        let redirect = answer(
            r#"{"errorCode": 0, "redirectUrl": "https://usdc.nonstopay.net/widget/sale/create/?token=abc", "html": "<a href='x'></a>"}"#,
        );
        let created = parse_create(&redirect, &creds()).unwrap();
        assert_eq!(created.gateway_invoice_id, None);
        assert_eq!(created.pay_link, "https://usdc.nonstopay.net/widget/sale/create/?token=abc");
        let s2s = answer(
            r#"{"errorCode":0,"redirectUrl":"https://usdc.nonstopay.net/w?t=1","status":"invoice:created","ID":1689}"#,
        );
        assert_eq!(parse_create(&s2s, &creds()).unwrap().gateway_invoice_id.as_deref(), Some("1689"));
        let insecure = answer(r#"{"errorCode":0,"redirectUrl":"http://usdc.nonstopay.net/w"}"#);
        assert!(matches!(parse_create(&insecure, &creds()), Err(GatewayError::BadResponse(_))));
    }

    #[test]
    fn error_codes_are_clear() {
        let create = |code: i64| {
            let resp = HttpResponse {
                status: 400,
                body: format!(r#"{{"errorCode":{code},"errorMessage":"msg KEY-SECRET"}}"#).into_bytes(),
            };
            parse_create(&resp, &creds()).unwrap_err()
        };
        assert!(matches!(create(50007), GatewayError::Unauthorized(_)));
        assert!(matches!(create(50001), GatewayError::Unauthorized(_)));
        for code in [50006, 50010] {
            let text = create(code).to_string();
            assert!(text.contains("relay with a fixed IP") && text.contains(&code.to_string()), "{text}");
        }
        assert!(create(50011).to_string().contains("above NonStoPay's maximum"));
        assert!(create(50012).to_string().contains("below NonStoPay's minimum"));
        assert!(create(50002).to_string().contains("'email' credential"));
        assert_eq!(create(59999), GatewayError::refused(59999, "msg [redacted]"));
        let status = parse_status(&answer(r#"{"errorCode":50011,"errorMessage":"x"}"#), &creds()).unwrap_err();
        assert_eq!(status, GatewayError::refused(50011, "NonStoPay says this invoice belongs to another merchant"));
        assert!(matches!(parse_create(&answer("<html>"), &creds()), Err(GatewayError::BadResponse(_))));
    }

    #[test]
    fn reads_the_documented_status_answer() {
        let resp = answer(
            r#"{"errorCode": 0, "invoice": {"id": "1689", "devise": "USD", "amount": "4", "status": "invoice:created"}}"#,
        );
        let report = parse_status(&resp, &creds()).unwrap();
        assert_eq!((report.status, report.gateway_status.as_str()), (InvoiceStatus::Pending, "invoice:created"));
        let numeric = answer(r#"{"errorCode":0,"invoice":{"id":1736,"amount":5,"status":"invoice:paid"}}"#);
        assert_eq!(parse_status(&numeric, &creds()).unwrap().status, InvoiceStatus::Paid);
    }

    #[test]
    fn statuses_map() {
        assert_eq!(map_status("invoice:created"), InvoiceStatus::Pending);
        assert_eq!(map_status("invoice:opened"), InvoiceStatus::Pending);
        assert_eq!(map_status("invoice:paid"), InvoiceStatus::Paid);
        assert_eq!(map_status("invoice:expired"), InvoiceStatus::Expired);
        assert_eq!(map_status("invoice:refunded"), InvoiceStatus::Unknown);
        assert_eq!(map_status("PAID"), InvoiceStatus::Unknown);
    }

    #[test]
    fn the_order_id_is_read_back_from_callback_json_in_either_form() {
        let info = |cb: &str| {
            let body = format!(
                r#"{{"errorCode":0,"invoice_id":"7","data":{{"status":"invoice:created","id":7,"callbackJson":{cb}}}}}"#
            );
            parse_info(&answer(&body), &creds()).unwrap()
        };
        assert_eq!(info(r#""{\"order_id\":\"A-17\"}""#).order_id().as_deref(), Some("A-17"));
        assert_eq!(info(r#"{"order_id":"A-17"}"#).order_id().as_deref(), Some("A-17"));
        assert_eq!(info("null").order_id(), None);
        assert_eq!(info(r#""not json""#).order_id(), None);
        assert_eq!(info(r#""{\"order_id\":\"A-17\"}""#).id, "7");
    }

    #[test]
    fn history_keeps_the_ids_of_the_sales_amount_only() {
        let body = r#"{"errorCode":0,"invoices":[{"id":"9","amount":"5.00","devise":"USD","status":"invoice:created"},
            {"id":8,"amount":5,"status":"invoice:paid"},{"id":"7","amount":"4.99","status":"invoice:created"}]}"#;
        let ids = parse_history(&answer(body), &creds(), &charge("5", "USD").amount).unwrap();
        assert_eq!(ids, vec!["9".to_string(), "8".to_string()]);
        let req = build_history("KEY", "api/invoice/history/", 1_780_000_000, 1_780_100_000);
        let q: Vec<_> = req.query.iter().map(|(k, v)| format!("{k}={v}")).collect();
        assert_eq!(q, ["status=ALL", "from=2026-05-27", "to=2026-05-30", "order=DESC"]);
    }
}
