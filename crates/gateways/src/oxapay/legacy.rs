//! OxaPay's legacy merchant API: key in the body, camelCase JSON, `result` 100 on success.

use super::{json_with_amount, lifetime_minutes, opt_id_text, WireAmount, UNAUTHORIZED};
use crate::gateway::*;
use crate::http::{HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};

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
    /// Where OxaPay posts its webhooks for this invoice (§3.1, §3.3): the shop's relay.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub callback_url: Option<String>,
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

/// `POST merchants/request`.
pub(super) fn create_request(api_key: &str, req: &ChargeRequest) -> HttpRequest {
    let body = LegacyCreateRequest {
        merchant: api_key.to_string(),
        amount: WireAmount::from_amount(&req.amount),
        currency: Some(req.amount.currency().code().to_string()),
        life_time: Some(i64::from(lifetime_minutes(req.lifetime_secs))),
        order_id: Some(req.order_id.clone()),
        description: req.description.clone(),
        callback_url: req.callback_url.clone(),
    };
    HttpRequest::post_json("merchants/request", body.to_json())
}

/// `POST merchants/inquiry`, which takes numeric track ids only.
pub(super) fn status_request(api_key: &str, track_id: &str) -> Result<HttpRequest, GatewayError> {
    let track_id = track_id.parse().map_err(|_| {
        GatewayError::Unsupported(
            "this OxaPay track id is not a number, and the legacy inquiry only takes numeric ones".into(),
        )
    })?;
    let body = LegacyInquiryRequest { merchant: api_key.to_string(), track_id };
    Ok(HttpRequest::post_json("merchants/inquiry", serde_json::to_vec(&body).expect("plain struct serializes"))
        .idempotent())
}

/// The invoice a create answer made; its pay link is not checked yet.
pub(super) fn read_created(resp: &HttpResponse, creds: &Credentials) -> Result<CreatedInvoice, GatewayError> {
    let answer: LegacyCreateResponse = resp.json()?;
    if answer.result != LEGACY_OK {
        return Err(legacy_error(answer.result, &answer.message, creds));
    }
    let (Some(track_id), Some(pay_link)) = (answer.track_id, answer.pay_link) else {
        return Err(GatewayError::BadResponse("OxaPay reported success without a trackId and payLink".into()));
    };
    Ok(CreatedInvoice { gateway_invoice_id: Some(track_id), pay_link, expires_at: answer.expired_at })
}

pub(super) fn read_status(resp: &HttpResponse, creds: &Credentials) -> Result<StatusReport, GatewayError> {
    let answer: LegacyInquiryResponse = resp.json()?;
    if answer.result != LEGACY_OK {
        return Err(legacy_error(answer.result, &answer.message, creds));
    }
    let status =
        answer.status.ok_or_else(|| GatewayError::BadResponse("OxaPay's inquiry answer has no status".into()))?;
    Ok(StatusReport { status: super::map_status(&status), gateway_status: status })
}
