//! Demo: the built-in gateway that needs no account. It talks to the gateway simulator
//! (`paydesk simulate`, or in-process in the app), so a fresh install can take a sale end to end.

use crate::gateway::*;
use crate::http::{check_pay_link, path_segment, HttpRequest};
use async_trait::async_trait;
use paydesk_money::InvoiceStatus;
use serde::{Deserialize, Serialize};

pub static INFO: GatewayInfo = GatewayInfo {
    id: "demo",
    name: "Demo (simulator)",
    default_base_url: "http://127.0.0.1:8787/demo/",
    fields: &[],
    knobs: &[],
    currencies: None,
    can_poll: true,
    repeat: Repeat::ReturnsExisting,
    lookup: Lookup::ByOrderId,
    lifetime: Lifetime::Settable { min_secs: 60, max_secs: 86_400 },
};

#[derive(Debug, Serialize, Deserialize)]
pub struct CreateBody {
    pub order_id: String,
    /// Major units with the currency's decimals, e.g. "12.34".
    pub amount: String,
    pub currency: String,
    pub description: Option<String>,
    pub lifetime_secs: u32,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct InvoiceBody {
    pub id: String,
    pub order_id: String,
    pub status: String,
    pub pay_url: String,
    pub expires_at: i64,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: String,
    pub message: String,
}

/// The demo contract's statuses.
pub fn map_status(status: &str) -> InvoiceStatus {
    match status {
        "pending" => InvoiceStatus::Pending,
        "paid" => InvoiceStatus::Paid,
        "underpaid" => InvoiceStatus::Underpaid,
        "expired" => InvoiceStatus::Expired,
        _ => InvoiceStatus::Unknown,
    }
}

pub struct Demo;

impl Demo {
    fn read_invoice(resp: &crate::http::HttpResponse) -> Result<InvoiceBody, GatewayError> {
        if resp.status == 200 {
            return resp.json();
        }
        let err: ErrorBody = resp.json()?;
        Err(GatewayError::refused(err.error.code, err.error.message))
    }
}

#[async_trait]
impl Gateway for Demo {
    fn info(&self) -> &'static GatewayInfo {
        &INFO
    }

    async fn create(&self, call: &Call<'_>, req: &ChargeRequest) -> Result<CreatedInvoice, GatewayError> {
        let body = CreateBody {
            order_id: req.order_id.clone(),
            amount: req.amount.to_decimal_string(),
            currency: req.amount.currency().code().to_string(),
            description: req.description.clone(),
            lifetime_secs: req.lifetime_secs,
        };
        let bytes = serde_json::to_vec(&body).expect("plain struct serializes");
        // The simulator answers a repeated order id with the invoice it already has.
        let resp = call.http.send(&HttpRequest::post_json("invoices", bytes).idempotent()).await?;
        let inv = Self::read_invoice(&resp)?;
        check_pay_link(&inv.pay_url)?;
        Ok(CreatedInvoice { gateway_invoice_id: Some(inv.id), pay_link: inv.pay_url, expires_at: Some(inv.expires_at) })
    }

    async fn status(&self, call: &Call<'_>, invoice: &InvoiceRef) -> Result<StatusReport, GatewayError> {
        let id = invoice
            .gateway_invoice_id
            .as_deref()
            .ok_or_else(|| GatewayError::Unsupported("this demo invoice has no id to look up".into()))?;
        let resp = call.http.send(&HttpRequest::get(format!("invoices/{}", path_segment(id)))).await?;
        let inv = Self::read_invoice(&resp)?;
        Ok(StatusReport { status: map_status(&inv.status), gateway_status: inv.status })
    }

    /// `GET invoices?order_id=…`: the invoice, or 404 `not_found` when there is none.
    async fn find_by_order(&self, call: &Call<'_>, sale: &InvoiceRef) -> Result<Option<FoundInvoice>, GatewayError> {
        let order_id = sale.order_id.as_str();
        let resp = call.http.send(&HttpRequest::get("invoices").query("order_id", order_id)).await?;
        if resp.status == 404 {
            return Ok(None);
        }
        let inv = Self::read_invoice(&resp)?;
        check_pay_link(&inv.pay_url)?;
        Ok(Some(FoundInvoice {
            gateway_invoice_id: Some(inv.id),
            pay_link: Some(inv.pay_url),
            expires_at: Some(inv.expires_at),
            status: StatusReport { status: map_status(&inv.status), gateway_status: inv.status },
        }))
    }
}
