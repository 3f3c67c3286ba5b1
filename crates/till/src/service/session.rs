//! One gateway ready to call for one sale or follow: its HTTP client, credentials (read from the
//! keyring once) and knobs. Whatever a gateway answers passes through here scrubbed of secrets.

use crate::error::Error;
use paydesk_gateways::gateway::{
    Call, ChargeRequest, CreatedInvoice, Credentials, FoundInvoice, Gateway, GatewayError, GatewayInfo, InvoiceRef,
    Knobs, StatusReport,
};
use paydesk_gateways::http::{check_pay_link, HttpClient};
use paydesk_ledger::Invoice;
use std::sync::Arc;

/// One gateway ready to call: its client, credentials and knobs. Errors it returns are scrubbed.
pub(super) struct Session {
    pub(super) gateway: Arc<dyn Gateway>,
    pub(super) credentials: Credentials,
    pub(super) http: HttpClient,
    pub(super) knobs: Knobs,
}

impl Session {
    pub(super) fn call(&self) -> Call<'_> {
        Call { http: &self.http, creds: &self.credentials, knobs: &self.knobs }
    }

    /// Creates the invoice. The pay link is checked here too, so no gateway module's answer can put
    /// a plain-http link in a QR; what the gateway said is scrubbed of credential values.
    pub(super) async fn create(&self, request: &ChargeRequest) -> Result<CreatedInvoice, GatewayError> {
        let created = self.gateway.create(&self.call(), request).await;
        created.and_then(|c| check_pay_link(&c.pay_link).map(|()| c)).map_err(|e| scrub(e, &self.credentials))
    }

    pub(super) async fn find_by_order(&self, sale: &Invoice) -> Result<Option<FoundInvoice>, GatewayError> {
        let found = self.gateway.find_by_order(&self.call(), &sale_ref(sale)).await;
        found.map_err(|e| scrub(e, &self.credentials))
    }

    pub(super) async fn status(&self, sale: &Invoice) -> Result<StatusReport, GatewayError> {
        let report = self.gateway.status(&self.call(), &sale_ref(sale)).await;
        report.map_err(|e| scrub(e, &self.credentials))
    }
}

/// What a gateway needs to know of a sale to look it up.
fn sale_ref(sale: &Invoice) -> InvoiceRef {
    InvoiceRef {
        order_id: sale.order_id.clone(),
        gateway_invoice_id: sale.gateway_invoice_id.clone(),
        amount: sale.amount,
        created_at: sale.created_at,
    }
}
pub(super) fn require_fields(info: &GatewayInfo, credentials: &Credentials) -> Result<(), Error> {
    for field in info.fields.iter().filter(|f| f.required) {
        credentials.require(info.id, field.name)?;
    }
    Ok(())
}
/// Removes any credential value a gateway's message might have echoed back.
fn scrub(e: GatewayError, credentials: &Credentials) -> GatewayError {
    match e {
        GatewayError::Refused { code, message } => {
            GatewayError::Refused { code: code.map(|c| credentials.scrub(&c)), message: credentials.scrub(&message) }
        }
        GatewayError::Unauthorized(m) => GatewayError::Unauthorized(credentials.scrub(&m)),
        GatewayError::BadResponse(m) => GatewayError::BadResponse(credentials.scrub(&m)),
        GatewayError::Network(m) => GatewayError::Network(credentials.scrub(&m)),
        GatewayError::Unsupported(m) => GatewayError::Unsupported(credentials.scrub(&m)),
        GatewayError::NotFound(m) => GatewayError::NotFound(credentials.scrub(&m)),
        other => other,
    }
}
#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scrub_removes_echoed_secrets() {
        let mut creds = Credentials::default();
        creds.insert("key", paydesk_gateways::secret::Secret::new("SECRET-123"));
        let e = scrub(GatewayError::refused("x", "bad key SECRET-123"), &creds);
        assert!(!e.to_string().contains("SECRET-123"));
    }
}
