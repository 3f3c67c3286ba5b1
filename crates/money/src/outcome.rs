//! What a gateway said about a sale, as the sale model keeps it: the ledger records these, the
//! gateways produce them, and neither needs the other to do so.

use crate::status::InvoiceStatus;
use serde::Serialize;

/// What a gateway answered to a successful create.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CreatedInvoice {
    pub gateway_invoice_id: Option<String>,
    pub pay_link: String,
    /// Unix seconds.
    pub expires_at: Option<i64>,
}

/// The invoice a gateway holds for one of our order ids, as its lookup answers it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FoundInvoice {
    pub gateway_invoice_id: Option<String>,
    /// `None` where the lookup's answer carries no pay link (Pay3's order list).
    pub pay_link: Option<String>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
    pub status: StatusReport,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    pub status: InvoiceStatus,
    /// The gateway's own word for it, kept for the ledger and for support.
    pub gateway_status: String,
}
