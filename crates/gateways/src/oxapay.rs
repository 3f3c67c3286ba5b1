//! OxaPay: crypto invoices priced in fiat. Two API generations run side by side, chosen by the
//! `contract` knob: **v1** (the default; the provider's advice for new work: key in the
//! `merchant_api_key` header, snake_case JSON, statuses including `underpaid`) and the **legacy**
//! merchant API (key in the body's `merchant` field, camelCase JSON, `result == 100` means success).
//! Neither signs requests. OxaPay does not de-duplicate our order id, so a create is never resent;
//! a sale whose create answer was lost is searched for in the v1 payment history.

use crate::gateway::*;
use crate::http::{check_pay_link, path_segment, HttpRequest, HttpResponse};
use async_trait::async_trait;
use paydesk_money::Amount;
use paydesk_money::InvoiceStatus;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

pub static INFO: GatewayInfo = GatewayInfo {
    id: "oxapay",
    name: "OxaPay",
    default_base_url: "https://api.oxapay.com/",
    fields: &[FieldSpec { name: "merchant_api_key", label: "Merchant API key", secret: true, required: true }],
    knobs: &[
        KnobSpec {
            name: "contract",
            default: "v1",
            doubt: "OxaPay runs the v1 API and the legacy merchant API side by side; v1 is advised for new \
                    accounts, 'legacy' is for accounts or keys that only work with merchants/request.",
        },
        KnobSpec {
            name: "sandbox",
            default: "false",
            doubt: "The v1 'sandbox' body flag appears only in OxaPay's PHP SDK, not in the invoice docs; \
                    'true' sends it, 'false' leaves it out.",
        },
        KnobSpec {
            name: "history_path",
            default: "v1/payment",
            doubt: "The v1 payment history is documented, its filter fields are not: Paydesk asks with \
                    order_id=<ours>, keeps only items whose order_id is ours, and never reads 'not listed' \
                    as 'not there' (so it never resends on it).",
        },
    ],
    currencies: None,
    can_poll: true,
    repeat: Repeat::Duplicates,
    lookup: Lookup::Search,
    lifetime: Lifetime::Settable { min_secs: 15 * 60, max_secs: 2880 * 60 },
};

/// OxaPay's documented invoice lifetime range, in minutes (both contracts).
pub const LIFETIME_MINUTES: std::ops::RangeInclusive<u32> = 15..=2880;

/// Which of the two API generations to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contract {
    V1,
    Legacy,
}

/// The knob values, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub contract: Contract,
    pub sandbox: bool,
}

impl Settings {
    pub fn from_knobs(knobs: &Knobs) -> Result<Settings, GatewayError> {
        let contract = match knobs.get("contract") {
            "v1" => Contract::V1,
            "legacy" => Contract::Legacy,
            other => {
                return Err(GatewayError::Unsupported(format!(
                    "the OxaPay 'contract' knob must be 'v1' or 'legacy', not '{other}'"
                )))
            }
        };
        let sandbox = match knobs.get("sandbox") {
            "true" => true,
            "false" => false,
            other => {
                return Err(GatewayError::Unsupported(format!(
                    "the OxaPay 'sandbox' knob must be 'true' or 'false', not '{other}'"
                )))
            }
        };
        Ok(Settings { contract, sandbox })
    }
}

/// An amount as OxaPay's `amount` field carries it: a JSON number in major units ("decimal" in the
/// docs), kept as its exact text so no float ever touches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireAmount(String);

impl WireAmount {
    /// The exact wire form: the amount's decimal string, e.g. 12.34, or 1500 for JPY.
    pub fn from_amount(amount: &Amount) -> WireAmount {
        WireAmount(amount.to_decimal_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for WireAmount {
    /// Only a JSON number is accepted. Its text is re-read through serde_json's shortest round-trip
    /// form, which is exact for every amount a till can produce (at most 10 significant digits).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_json::Number::deserialize(d).map(|n| WireAmount(n.to_string()))
    }
}

/// `body` serialized once with `"amount":<exact number>` spliced in first: serde_json cannot write a
/// number from decimal text without going through a float.
fn json_with_amount<T: Serialize>(amount: &WireAmount, body: &T) -> Vec<u8> {
    let rest = serde_json::to_vec(body).expect("plain struct serializes");
    let mut out = format!("{{\"amount\":{}", amount.0).into_bytes();
    if rest.len() > 2 {
        out.push(b',');
    }
    out.extend_from_slice(&rest[1..]);
    out
}

/// `lifetime_secs` in whole minutes (rounded up), clamped to OxaPay's range.
pub fn lifetime_minutes(lifetime_secs: u32) -> u32 {
    lifetime_secs.div_ceil(60).clamp(*LIFETIME_MINUTES.start(), *LIFETIME_MINUTES.end())
}

// ---- v1 wire types ----

/// Body of `POST v1/payment/invoice`. Send it with [`V1InvoiceRequest::to_json`], which writes
/// `amount` (skipped by the derived `Serialize`) as an exact JSON number.
#[derive(Debug, Serialize, Deserialize)]
pub struct V1InvoiceRequest {
    #[serde(skip_serializing)]
    pub amount: WireAmount,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sandbox: Option<bool>,
}

impl V1InvoiceRequest {
    pub fn to_json(&self) -> Vec<u8> {
        json_with_amount(&self.amount, self)
    }
}

/// Every v1 answer: `data` holds the result on success; on failure `data` is empty and `error`
/// says what went wrong.
#[derive(Debug, Serialize, Deserialize)]
pub struct V1Envelope<T> {
    pub data: T,
    #[serde(default)]
    pub message: String,
    #[serde(default, deserialize_with = "object_or_default")]
    pub error: V1ErrorDetail,
    #[serde(default)]
    pub status: u16,
    #[serde(default)]
    pub version: String,
}

/// `{}` on success; `{type, key, message}` on failure (`key` names the offending field).
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct V1ErrorDetail {
    #[serde(rename = "type", default, skip_serializing_if = "Option::is_none")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct V1InvoiceData {
    #[serde(deserialize_with = "id_text")]
    pub track_id: String,
    pub payment_url: String,
    /// Unix seconds.
    #[serde(default)]
    pub expired_at: Option<i64>,
    #[serde(default)]
    pub date: Option<i64>,
}

/// The part of `GET v1/payment/{track_id}`'s `data` Paydesk reads: the status, and whether any
/// transaction arrived (only counted, to catch a payment that came after expiry).
#[derive(Debug, Serialize, Deserialize)]
pub struct V1PaymentData {
    #[serde(deserialize_with = "id_text")]
    pub track_id: String,
    pub status: String,
    #[serde(default)]
    pub currency: Option<String>,
    #[serde(default)]
    pub order_id: Option<String>,
    #[serde(default)]
    pub expired_at: Option<i64>,
    #[serde(default)]
    pub date: Option<i64>,
    #[serde(default)]
    pub txs: Vec<serde_json::Value>,
}

/// What a v1 `expired` with transactions is recorded as: the money may all be there (OxaPay KB),
/// so it is not final and a person should look.
pub const EXPIRED_WITH_PAYMENT: &str = "expired (a payment arrived: check it on OxaPay)";

// ---- legacy wire types ----

/// Body of `POST merchants/request`. Send it with [`LegacyCreateRequest::to_json`] (see `amount`).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyCreateRequest {
    pub merchant: String,
    #[serde(skip_serializing)]
    pub amount: WireAmount,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
    /// Minutes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub life_time: Option<i64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

impl LegacyCreateRequest {
    pub fn to_json(&self) -> Vec<u8> {
        json_with_amount(&self.amount, self)
    }
}

/// Answer of `merchants/request`; on failure only `result` and `message` are present.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyCreateResponse {
    pub result: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default, deserialize_with = "opt_id_text", skip_serializing_if = "Option::is_none")]
    pub track_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pay_link: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expired_at: Option<i64>,
}

/// Body of `POST merchants/inquiry`; the docs type `trackId` as an integer.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyInquiryRequest {
    pub merchant: String,
    pub track_id: u64,
}

/// The part of the inquiry answer Paydesk reads.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LegacyInquiryResponse {
    pub result: i64,
    #[serde(default)]
    pub message: String,
    #[serde(default, deserialize_with = "opt_id_text", skip_serializing_if = "Option::is_none")]
    pub track_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_id: Option<String>,
}

/// The legacy result code for success.
pub const LEGACY_OK: i64 = 100;

/// The legacy result-code table (docs.oxapay.com/legacy/api-reference/result-code-table).
pub const LEGACY_RESULTS: &[(i64, &str)] = &[
    (101, "the request failed OxaPay's validation"),
    (102, "invalid merchant API key"),
    (103, "invalid payout API key"),
    (
        104,
        "OxaPay does not accept calls from this machine's IP address: allow it in the merchant key's IP \
           settings on OxaPay, or call through a relay with a fixed IP",
    ),
    (105, "OxaPay does not accept this currency"),
    (106, "invalid network"),
    (107, "invalid callback URL"),
    (108, "invalid return URL"),
    (109, "the amount is below OxaPay's minimum"),
    (110, "the amount is above OxaPay's maximum"),
    (111, "the invoice lifetime is too short (at least 15 minutes)"),
    (112, "the invoice lifetime is too long (at most 2880 minutes)"),
    (113, "underPaidCover must be at least 0"),
    (114, "underPaidCover must be at most 60"),
    (115, "invalid feePaidByPayer value"),
    (116, "OxaPay does not know this track id"),
];

/// Both contracts' statuses (v1 lower-case, legacy capitalised) in the shared vocabulary.
///
/// A v1 `expired` with transactions is not decided here: `parse_status` reports it as Unknown
/// (see [`EXPIRED_WITH_PAYMENT`]).
pub fn map_status(status: &str) -> InvoiceStatus {
    match status {
        // v1
        "new" | "waiting" => InvoiceStatus::Pending,
        "paying" => InvoiceStatus::Confirming,
        // manual_accept: the merchant accepted the payment by hand on OxaPay.
        "paid" | "manual_accept" => InvoiceStatus::Paid,
        "underpaid" => InvoiceStatus::Underpaid,
        "expired" => InvoiceStatus::Expired,
        // legacy
        "New" | "Waiting" => InvoiceStatus::Pending,
        "Confirming" => InvoiceStatus::Confirming,
        "Paid" => InvoiceStatus::Paid,
        "Expired" => InvoiceStatus::Expired,
        "Failed" => InvoiceStatus::Failed,
        // refunding/refunded and anything new: not placeable, the raw status is kept.
        _ => InvoiceStatus::Unknown,
    }
}

const UNAUTHORIZED: &str =
    "OxaPay does not accept this merchant API key: check the merchant_api_key credential (a merchant key, not a payout key)";

/// A failed v1 answer as a clear error. 401 is a bad key; other failures name OxaPay's field key.
pub fn v1_error(http_status: u16, env: &V1Envelope<serde_json::Value>, creds: &Credentials) -> GatewayError {
    if http_status == 401 {
        return GatewayError::Unauthorized(UNAUTHORIZED.into());
    }
    if http_status == 429 {
        return GatewayError::refused(429, "OxaPay is limiting the request rate: wait a moment and try again");
    }
    let code = env.error.key.clone().unwrap_or_else(|| http_status.to_string());
    let text = env.error.message.as_deref().filter(|m| !m.is_empty()).unwrap_or(&env.message);
    let message =
        if text.is_empty() { format!("HTTP {http_status} without an explanation") } else { creds.scrub(text) };
    GatewayError::Refused { code: Some(code), message }
}

/// A legacy `result` other than 100 as a clear error.
pub fn legacy_error(result: i64, message: &str, creds: &Credentials) -> GatewayError {
    if result == 102 {
        return GatewayError::Unauthorized(UNAUTHORIZED.into());
    }
    let text = match LEGACY_RESULTS.iter().find(|(code, _)| *code == result) {
        // Validation failures are better explained by OxaPay's own message.
        Some((101, meaning)) if !message.is_empty() => format!("{meaning}: {}", creds.scrub(message)),
        Some((_, meaning)) => meaning.to_string(),
        None if message.is_empty() => "unexplained result code".to_string(),
        None => creds.scrub(message),
    };
    GatewayError::refused(result, text)
}

/// The create request for `settings.contract`, body serialized once.
pub fn build_create(api_key: &str, settings: Settings, req: &ChargeRequest) -> Result<HttpRequest, GatewayError> {
    let amount = WireAmount::from_amount(&req.amount);
    let currency = Some(req.amount.currency().code().to_string());
    let lifetime = Some(i64::from(lifetime_minutes(req.lifetime_secs)));
    let order_id = Some(req.order_id.clone());
    let description = req.description.clone();
    // OxaPay does not dedupe order ids (as far as documented), so a create is never retried.
    Ok(match settings.contract {
        Contract::V1 => {
            let sandbox = settings.sandbox.then_some(true);
            let body = V1InvoiceRequest { amount, currency, lifetime, order_id, description, sandbox };
            HttpRequest::post_json("v1/payment/invoice", body.to_json()).header("merchant_api_key", api_key)
        }
        Contract::Legacy => {
            let body = LegacyCreateRequest {
                merchant: api_key.to_string(),
                amount,
                currency,
                life_time: lifetime,
                order_id,
                description,
            };
            HttpRequest::post_json("merchants/request", body.to_json())
        }
    })
}

/// The status request for `track_id`. The legacy inquiry is a POST, but a read, so it is retried.
pub fn build_status(api_key: &str, contract: Contract, track_id: &str) -> Result<HttpRequest, GatewayError> {
    Ok(match contract {
        Contract::V1 => {
            HttpRequest::get(format!("v1/payment/{}", path_segment(track_id))).header("merchant_api_key", api_key)
        }
        Contract::Legacy => {
            let track_id = track_id.parse().map_err(|_| {
                GatewayError::Unsupported(
                    "this OxaPay track id is not a number, and the legacy inquiry only takes numeric ones".into(),
                )
            })?;
            let body = LegacyInquiryRequest { merchant: api_key.to_string(), track_id };
            HttpRequest::post_json("merchants/inquiry", serde_json::to_vec(&body).expect("plain struct serializes"))
                .idempotent()
        }
    })
}

/// `GET v1/payment?order_id=…`, the v1 payment history filtered (we hope) by our order id.
pub fn build_history(api_key: &str, history_path: &str, order_id: &str) -> HttpRequest {
    HttpRequest::get(history_path).query("order_id", order_id).header("merchant_api_key", api_key)
}

/// `data` of the history answer: one page of payments.
#[derive(Debug, Serialize, Deserialize)]
pub struct V1History {
    #[serde(default)]
    pub list: Vec<V1PaymentData>,
}

/// The newest payment in a history answer that carries our order id (the filter is not trusted).
/// The history gives no pay link, so none is found.
pub fn parse_history(
    resp: &HttpResponse,
    creds: &Credentials,
    order_id: &str,
) -> Result<Option<FoundInvoice>, GatewayError> {
    let history = read_v1::<V1History>(resp, creds)?;
    let ours = history.list.into_iter().filter(|p| p.order_id.as_deref() == Some(order_id));
    Ok(ours.max_by_key(|p| p.date.unwrap_or(0)).map(|p| FoundInvoice {
        gateway_invoice_id: Some(p.track_id),
        pay_link: None,
        expires_at: p.expired_at,
        status: StatusReport { status: map_status(&p.status), gateway_status: p.status },
    }))
}

fn read_v1<T: DeserializeOwned>(resp: &HttpResponse, creds: &Credentials) -> Result<T, GatewayError> {
    if resp.status == 200 {
        let env: V1Envelope<T> = resp.json()?;
        return Ok(env.data);
    }
    let env: V1Envelope<serde_json::Value> = resp.json()?;
    Err(v1_error(resp.status, &env, creds))
}

pub fn parse_create(
    contract: Contract,
    resp: &HttpResponse,
    creds: &Credentials,
) -> Result<CreatedInvoice, GatewayError> {
    let (track_id, pay_link, expires_at) = match contract {
        Contract::V1 => {
            let data: V1InvoiceData = read_v1(resp, creds)?;
            (data.track_id, data.payment_url, data.expired_at)
        }
        Contract::Legacy => {
            let answer: LegacyCreateResponse = resp.json()?;
            if answer.result != LEGACY_OK {
                return Err(legacy_error(answer.result, &answer.message, creds));
            }
            let (Some(track_id), Some(pay_link)) = (answer.track_id, answer.pay_link) else {
                return Err(GatewayError::BadResponse("OxaPay reported success without a trackId and payLink".into()));
            };
            (track_id, pay_link, answer.expired_at)
        }
    };
    check_pay_link(&pay_link)?;
    Ok(CreatedInvoice { gateway_invoice_id: Some(track_id), pay_link, expires_at })
}

pub fn parse_status(
    contract: Contract,
    resp: &HttpResponse,
    creds: &Credentials,
) -> Result<StatusReport, GatewayError> {
    let status = match contract {
        Contract::V1 => {
            let data = read_v1::<V1PaymentData>(resp, creds)?;
            if data.status == "expired" && !data.txs.is_empty() {
                let gateway_status = EXPIRED_WITH_PAYMENT.to_string();
                return Ok(StatusReport { status: InvoiceStatus::Unknown, gateway_status });
            }
            data.status
        }
        Contract::Legacy => {
            let answer: LegacyInquiryResponse = resp.json()?;
            if answer.result != LEGACY_OK {
                return Err(legacy_error(answer.result, &answer.message, creds));
            }
            answer.status.ok_or_else(|| GatewayError::BadResponse("OxaPay's inquiry answer has no status".into()))?
        }
    };
    Ok(StatusReport { status: map_status(&status), gateway_status: status })
}

pub struct OxaPay;

#[async_trait]
impl Gateway for OxaPay {
    fn info(&self) -> &'static GatewayInfo {
        &INFO
    }

    async fn create(&self, call: &Call<'_>, req: &ChargeRequest) -> Result<CreatedInvoice, GatewayError> {
        let settings = Settings::from_knobs(call.knobs)?;
        let key = call.creds.require(INFO.id, "merchant_api_key")?;
        let request = build_create(key.expose(), settings, req)?;
        let resp = call.http.send(&request).await?;
        parse_create(settings.contract, &resp, call.creds)
    }

    async fn status(&self, call: &Call<'_>, invoice: &InvoiceRef) -> Result<StatusReport, GatewayError> {
        let settings = Settings::from_knobs(call.knobs)?;
        let key = call.creds.require(INFO.id, "merchant_api_key")?;
        let track_id = invoice.gateway_invoice_id.as_deref().ok_or_else(|| {
            GatewayError::Unsupported(
                "this OxaPay invoice has no track id to look up (its create was never answered)".into(),
            )
        })?;
        let resp = call.http.send(&build_status(key.expose(), settings.contract, track_id)?).await?;
        parse_status(settings.contract, &resp, call.creds)
    }

    /// Only v1 has a payment history to search; the legacy API cannot be asked by order id.
    async fn find_by_order(&self, call: &Call<'_>, sale: &InvoiceRef) -> Result<Option<FoundInvoice>, GatewayError> {
        let order_id = sale.order_id.as_str();
        if Settings::from_knobs(call.knobs)?.contract == Contract::Legacy {
            return Err(GatewayError::Unsupported("OxaPay's legacy API cannot be asked by order id".into()));
        }
        let key = call.creds.require(INFO.id, "merchant_api_key")?;
        let resp = call.http.send(&build_history(key.expose(), call.knobs.get("history_path"), order_id)).await?;
        parse_history(&resp, call.creds, order_id)
    }
}

/// Track ids arrive as strings (v1) or numbers (some legacy answers); keep their text.
fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IdText {
        Text(String),
        Int(u64),
    }
    Ok(match IdText::deserialize(d)? {
        IdText::Text(s) => s,
        IdText::Int(n) => n.to_string(),
    })
}

fn opt_id_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    id_text(d).map(Some)
}

/// An object as `T`; anything else (PHP backends send `[]` for an empty object) as `T::default()`.
fn object_or_default<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(d: D) -> Result<T, D::Error> {
    match serde_json::Value::deserialize(d)? {
        v @ serde_json::Value::Object(_) => serde_json::from_value(v).map_err(serde::de::Error::custom),
        _ => Ok(T::default()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::secret::Secret;
    use paydesk_money::{Currency, DecimalStyle};

    fn charge(amount: &str, currency: &str, lifetime_secs: u32) -> ChargeRequest {
        let currency: Currency = currency.parse().unwrap();
        ChargeRequest {
            order_id: "A-17".into(),
            amount: paydesk_money::parse_amount(amount, currency, DecimalStyle::Point).unwrap(),
            description: Some("Coffee".into()),
            lifetime_secs,
        }
    }

    fn creds(key: &str) -> Credentials {
        let mut c = Credentials::default();
        c.insert("merchant_api_key", Secret::new(key));
        c
    }

    const V1: Settings = Settings { contract: Contract::V1, sandbox: false };
    const LEGACY: Settings = Settings { contract: Contract::Legacy, sandbox: false };

    #[test]
    fn amounts_go_out_as_exact_json_numbers() {
        let amount = |s: &str, c: &str| WireAmount::from_amount(&charge(s, c, 0).amount).as_str().to_string();
        assert_eq!(amount("12.34", "USD"), "12.34");
        assert_eq!(amount("12.5", "USD"), "12.50");
        assert_eq!(amount("0.07", "EUR"), "0.07");
        assert_eq!(amount("1500", "JPY"), "1500");
        assert_eq!(amount("1.234", "KWD"), "1.234");
        // And read back exactly as a number, never as a string.
        let back: WireAmount = serde_json::from_str("1000000.01").unwrap();
        assert_eq!(back.as_str(), "1000000.01");
        assert!(serde_json::from_str::<WireAmount>("\"12.34\"").is_err());
    }

    #[test]
    fn lifetime_is_whole_minutes_in_oxapays_range() {
        assert_eq!(lifetime_minutes(0), 15);
        assert_eq!(lifetime_minutes(900), 15);
        assert_eq!(lifetime_minutes(901), 16);
        assert_eq!(lifetime_minutes(3600), 60);
        assert_eq!(lifetime_minutes(u32::MAX), 2880);
    }

    #[test]
    fn v1_create_puts_the_key_in_a_header_and_the_amount_as_a_number() {
        let req = build_create("KEY-1", V1, &charge("12.34", "USD", 1800)).unwrap();
        assert_eq!(req.path, "v1/payment/invoice");
        assert!(req.headers.contains(&("merchant_api_key", "KEY-1".to_string())));
        assert!(!req.idempotent, "OxaPay does not dedupe order ids");
        let body = String::from_utf8(req.body.unwrap()).unwrap();
        assert_eq!(body, r#"{"amount":12.34,"currency":"USD","lifetime":30,"order_id":"A-17","description":"Coffee"}"#);
        let parsed: V1InvoiceRequest = serde_json::from_str(&body).unwrap();
        assert_eq!(parsed.amount.as_str(), "12.34");
    }

    #[test]
    fn sandbox_is_sent_only_when_the_knob_says_so() {
        let on = Settings { sandbox: true, ..V1 };
        let body = build_create("K", on, &charge("1", "USD", 0)).unwrap().body.unwrap();
        assert!(String::from_utf8(body).unwrap().ends_with(r#""sandbox":true}"#));
        let body = build_create("K", V1, &charge("1", "USD", 0)).unwrap().body.unwrap();
        assert!(!String::from_utf8(body).unwrap().contains("sandbox"));
    }

    #[test]
    fn legacy_create_puts_the_key_in_the_body() {
        let req = build_create("KEY-1", LEGACY, &charge("7", "EUR", 60)).unwrap();
        assert_eq!(req.path, "merchants/request");
        assert!(!req.headers.iter().any(|(n, _)| *n == "merchant_api_key"));
        let body = String::from_utf8(req.body.unwrap()).unwrap();
        assert_eq!(
            body,
            r#"{"amount":7.00,"merchant":"KEY-1","currency":"EUR","lifeTime":15,"orderId":"A-17","description":"Coffee"}"#
        );
    }

    #[test]
    fn status_requests_per_contract() {
        let v1 = build_status("K", Contract::V1, "193/139").unwrap();
        assert_eq!(v1.path, "v1/payment/193%2F139");
        let legacy = build_status("K", Contract::Legacy, "193139644").unwrap();
        assert_eq!(legacy.body.unwrap(), br#"{"merchant":"K","trackId":193139644}"#);
        assert!(legacy.idempotent);
        assert!(matches!(build_status("K", Contract::Legacy, "abc"), Err(GatewayError::Unsupported(_))));
    }

    #[test]
    fn knobs_are_checked() {
        let knobs = |c: &str, s: &str| {
            Knobs::resolve(&INFO, |n| Some(if n == "contract" { c.to_string() } else { s.to_string() }))
        };
        assert_eq!(Settings::from_knobs(&Knobs::resolve(&INFO, |_| None)).unwrap(), V1);
        assert_eq!(
            Settings::from_knobs(&knobs("legacy", "true")).unwrap(),
            Settings { contract: Contract::Legacy, sandbox: true }
        );
        assert!(Settings::from_knobs(&knobs("v2", "false")).is_err());
        assert!(Settings::from_knobs(&knobs("v1", "yes")).is_err());
    }

    #[test]
    fn reads_the_documented_v1_success() {
        let body = br#"{"data": {"track_id": "193139644", "payment_url": "https://pay.oxapay.com/13355044/193139644",
          "expired_at": 1755999478, "date": 1755997678},
          "message": "ok", "error": {}, "status": 200, "version": "1.0.0"}"#;
        let created =
            parse_create(Contract::V1, &HttpResponse { status: 200, body: body.to_vec() }, &creds("K")).unwrap();
        assert_eq!(created.gateway_invoice_id.as_deref(), Some("193139644"));
        assert_eq!(created.pay_link, "https://pay.oxapay.com/13355044/193139644");
        assert_eq!(created.expires_at, Some(1755999478));
    }

    #[test]
    fn v1_errors_are_clear() {
        let body = br#"{"data":{},"message":"Validation failed","error":{"type":"validation","key":"lifetime","message":"The lifetime field must be an integer."},"status":400,"version":"1.0.0"}"#;
        let err =
            parse_create(Contract::V1, &HttpResponse { status: 400, body: body.to_vec() }, &creds("K")).unwrap_err();
        assert_eq!(err, GatewayError::refused("lifetime", "The lifetime field must be an integer."));
        let body = br#"{"data":[],"message":"Invalid KEY-SECRET","error":{"key":"merchant_api_key"},"status":401}"#;
        let err = parse_create(Contract::V1, &HttpResponse { status: 401, body: body.to_vec() }, &creds("KEY-SECRET"))
            .unwrap_err();
        assert!(matches!(&err, GatewayError::Unauthorized(m) if !m.contains("KEY-SECRET")));
        let err = parse_create(Contract::V1, &HttpResponse { status: 502, body: b"<html>".to_vec() }, &creds("K"));
        assert!(matches!(err, Err(GatewayError::BadResponse(_))));
    }

    #[test]
    fn legacy_result_codes_are_clear() {
        let answer = |json: &str| HttpResponse { status: 200, body: json.as_bytes().to_vec() };
        let err = parse_create(
            Contract::Legacy,
            &answer(r#"{"result":102,"message":"Invalid merchant API key"}"#),
            &creds("K"),
        );
        assert!(matches!(err, Err(GatewayError::Unauthorized(_))));
        let err = parse_create(Contract::Legacy, &answer(r#"{"result":104,"message":"Invalid IP"}"#), &creds("K"))
            .unwrap_err();
        assert!(err.to_string().contains("IP address") && err.to_string().contains("(code 104)"), "{err}");
        let err = parse_create(
            Contract::Legacy,
            &answer(r#"{"result":101,"message":"amount is bad for K-123"}"#),
            &creds("K-123"),
        )
        .unwrap_err();
        assert_eq!(
            err,
            GatewayError::refused(101, "the request failed OxaPay's validation: amount is bad for [redacted]")
        );
        let ok = answer(
            r#"{"result":100,"message":"ok","trackId":"25","payLink":"https://oxapay.com/mpay/25","expiredAt":1700000000}"#,
        );
        let created = parse_create(Contract::Legacy, &ok, &creds("K")).unwrap();
        assert_eq!((created.gateway_invoice_id.as_deref(), created.expires_at), (Some("25"), Some(1700000000)));
        let numeric = answer(r#"{"result":100,"message":"ok","trackId":25,"status":"Paid"}"#);
        assert_eq!(parse_status(Contract::Legacy, &numeric, &creds("K")).unwrap().status, InvoiceStatus::Paid);
        let insecure = answer(r#"{"result":100,"trackId":"25","payLink":"http://oxapay.com/mpay/25"}"#);
        assert!(matches!(parse_create(Contract::Legacy, &insecure, &creds("K")), Err(GatewayError::BadResponse(_))));
    }

    #[test]
    fn statuses_map_for_both_contracts() {
        use InvoiceStatus::*;
        let cases = [
            ("new", Pending),
            ("waiting", Pending),
            ("paying", Confirming),
            ("paid", Paid),
            ("manual_accept", Paid),
            ("underpaid", Underpaid),
            ("refunding", Unknown),
            ("refunded", Unknown),
            ("expired", Expired),
            ("New", Pending),
            ("Waiting", Pending),
            ("Confirming", Confirming),
            ("Paid", Paid),
            ("Expired", Expired),
            ("Failed", Failed),
            ("something_new", Unknown),
        ];
        for (raw, want) in cases {
            assert_eq!(map_status(raw), want, "{raw}");
        }
        // The KB trap: expired with transactions may be fully paid, so it is left for a person.
        let body = br#"{"data":{"track_id":"9","status":"expired","txs":[{"tx_hash":"ab","status":"confirmed"}]},"error":{},"status":200}"#;
        let report =
            parse_status(Contract::V1, &HttpResponse { status: 200, body: body.to_vec() }, &creds("K")).unwrap();
        assert_eq!((report.status, report.gateway_status.as_str()), (Unknown, EXPIRED_WITH_PAYMENT));
        let body = br#"{"data":{"track_id":"9","status":"expired","txs":[]},"error":{},"status":200}"#;
        let report =
            parse_status(Contract::V1, &HttpResponse { status: 200, body: body.to_vec() }, &creds("K")).unwrap();
        assert_eq!((report.status, report.gateway_status.as_str()), (Expired, "expired"));
    }

    #[test]
    fn history_finds_only_our_order_id_and_the_newest() {
        let body = br#"{"data":{"list":[
            {"track_id":"1","status":"expired","order_id":"A-1","date":10},
            {"track_id":"2","status":"waiting","order_id":"A-1","date":20,"expired_at":99},
            {"track_id":"3","status":"paid","order_id":"B-2","date":30}],"meta":{}},"message":"ok","error":{},"status":200}"#;
        let resp = HttpResponse { status: 200, body: body.to_vec() };
        let found = parse_history(&resp, &creds("K"), "A-1").unwrap().unwrap();
        assert_eq!((found.gateway_invoice_id.as_deref(), found.expires_at), (Some("2"), Some(99)));
        assert_eq!(found.status.status, InvoiceStatus::Pending);
        assert_eq!(parse_history(&resp, &creds("K"), "C-3").unwrap(), None);
    }
}
