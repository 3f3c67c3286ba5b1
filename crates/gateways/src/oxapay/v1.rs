//! OxaPay's v1 API: key in a header, snake_case JSON in an envelope, the payment history.

use super::{id_text, json_with_amount, lifetime_minutes, map_status, WireAmount, UNAUTHORIZED};
use crate::gateway::*;
use crate::http::{path_segment, HttpRequest, HttpResponse};
use paydesk_money::InvoiceStatus;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Deserializer, Serialize};

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
    /// Where OxaPay posts its webhooks for this invoice (§3.2, §3.3): the shop's relay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
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

/// `POST v1/payment/invoice`.
pub(super) fn create_request(api_key: &str, sandbox: bool, req: &ChargeRequest) -> HttpRequest {
    let body = V1InvoiceRequest {
        amount: WireAmount::from_amount(&req.amount),
        currency: Some(req.amount.currency().code().to_string()),
        lifetime: Some(i64::from(lifetime_minutes(req.lifetime_secs))),
        order_id: Some(req.order_id.clone()),
        description: req.description.clone(),
        sandbox: sandbox.then_some(true),
        callback_url: req.callback_url.clone(),
    };
    HttpRequest::post_json("v1/payment/invoice", body.to_json()).header("merchant_api_key", api_key)
}

/// `GET v1/payment/{track_id}`.
pub(super) fn status_request(api_key: &str, track_id: &str) -> HttpRequest {
    HttpRequest::get(format!("v1/payment/{}", path_segment(track_id))).header("merchant_api_key", api_key)
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

/// The invoice a create answer made; its pay link is not checked yet.
pub(super) fn read_created(resp: &HttpResponse, creds: &Credentials) -> Result<CreatedInvoice, GatewayError> {
    let data: V1InvoiceData = read_v1(resp, creds)?;
    Ok(CreatedInvoice {
        gateway_invoice_id: Some(data.track_id),
        pay_link: data.payment_url,
        expires_at: data.expired_at,
    })
}

/// A v1 `expired` with transactions is reported as Unknown (see [`EXPIRED_WITH_PAYMENT`]).
pub(super) fn read_status(resp: &HttpResponse, creds: &Credentials) -> Result<StatusReport, GatewayError> {
    let data = read_v1::<V1PaymentData>(resp, creds)?;
    Ok(payment_report(data.status, !data.txs.is_empty()))
}

/// A v1 payment's status, polled or called back: [`map_status`], except that an `expired` with
/// transactions is Unknown (see [`EXPIRED_WITH_PAYMENT`]).
pub(super) fn payment_report(status: String, has_txs: bool) -> StatusReport {
    if status == "expired" && has_txs {
        let gateway_status = EXPIRED_WITH_PAYMENT.to_string();
        return StatusReport { status: InvoiceStatus::Unknown, gateway_status };
    }
    StatusReport { status: map_status(&status), gateway_status: status }
}

/// An object as `T`; anything else (PHP backends send `[]` for an empty object) as `T::default()`.
fn object_or_default<'de, D: Deserializer<'de>, T: DeserializeOwned + Default>(d: D) -> Result<T, D::Error> {
    match serde_json::Value::deserialize(d)? {
        v @ serde_json::Value::Object(_) => serde_json::from_value(v).map_err(serde::de::Error::custom),
        _ => Ok(T::default()),
    }
}
