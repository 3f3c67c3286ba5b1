//! Each NonStoPay call: the request Paydesk sends and how its answer is read.

use super::codes::{map_error, map_status, Op};
use super::wire::*;
use super::INFO;
use crate::gateway::*;
use crate::http::{check_pay_link, HttpRequest, HttpResponse};
use paydesk_money::Amount;

/// How many invoices of the sale's amount are asked about, newest first, before giving up: a
/// bound on calls, not a guess at the answer (the sale is then settled from the dashboard).
pub const MAX_CANDIDATES: usize = 20;

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
