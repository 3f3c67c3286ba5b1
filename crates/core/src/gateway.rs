//! The one trait every payment gateway implements, and the types that cross it.

use crate::http::HttpClient;
use crate::money::{Amount, Currency};
use crate::secret::Secret;
use crate::status::InvoiceStatus;
use async_trait::async_trait;
use serde::Serialize;
use std::collections::BTreeMap;

/// What the rest of Paydesk knows about a gateway without calling it.
#[derive(Debug)]
pub struct GatewayInfo {
    /// Lower-case id used on the command line, in the ledger and in environment variable names.
    pub id: &'static str,
    pub name: &'static str,
    pub default_base_url: &'static str,
    pub fields: &'static [FieldSpec],
    /// The parts of the contract that are best guesses, each overridable (see [`Knobs`]).
    pub knobs: &'static [KnobSpec],
    /// `None`: any currency Paydesk knows; `Some(list)`: only these codes.
    pub currencies: Option<&'static [&'static str]>,
    /// Whether the gateway has a status endpoint Paydesk can poll.
    pub can_poll: bool,
}

#[derive(Debug, Serialize)]
pub struct FieldSpec {
    pub name: &'static str,
    pub label: &'static str,
    /// Secret fields are write-only everywhere Paydesk shows settings.
    pub secret: bool,
    pub required: bool,
}

/// One doubtful part of a gateway's contract (a path, a field name, a signed-string variant):
/// the best guess is the default, and `PAYDESK_<GATEWAY>_<NAME>` overrides it.
#[derive(Debug, Serialize)]
pub struct KnobSpec {
    pub name: &'static str,
    pub default: &'static str,
    pub doubt: &'static str,
}

impl GatewayInfo {
    pub fn supports(&self, currency: Currency) -> bool {
        self.currencies.is_none_or(|list| list.contains(&currency.code()))
    }

    /// The environment variable that overrides a field, knob or the base URL of this gateway.
    pub fn env_var(&self, name: &str) -> String {
        format!("PAYDESK_{}_{}", self.id, name).to_ascii_uppercase()
    }
}

/// The credential values for one gateway, by field name.
#[derive(Debug, Default, Clone)]
pub struct Credentials {
    values: BTreeMap<String, Secret>,
}

impl Credentials {
    pub fn insert(&mut self, field: &str, value: Secret) {
        self.values.insert(field.to_string(), value);
    }

    pub fn get(&self, field: &str) -> Option<&Secret> {
        self.values.get(field)
    }

    /// A required field, or the error that names it.
    pub fn require(&self, gateway: &str, field: &str) -> Result<&Secret, GatewayError> {
        self.get(field)
            .ok_or_else(|| GatewayError::MissingCredential { gateway: gateway.to_string(), field: field.to_string() })
    }

    /// Replaces every credential value found in `text` with `[redacted]`, for text that came from
    /// outside (a gateway's error message) and might echo what we sent.
    pub fn scrub(&self, text: &str) -> String {
        let mut out = text.to_string();
        for secret in self.values.values() {
            let value = secret.expose();
            if value.len() >= 4 {
                out = out.replace(value, "[redacted]");
            }
        }
        out
    }
}

/// The resolved values of a gateway's knobs.
#[derive(Debug, Default, Clone)]
pub struct Knobs {
    values: BTreeMap<&'static str, String>,
}

impl Knobs {
    /// Each knob's value: `overrides` first, then the gateway's default.
    pub fn resolve(info: &GatewayInfo, mut overrides: impl FnMut(&str) -> Option<String>) -> Knobs {
        let values =
            info.knobs.iter().map(|k| (k.name, overrides(k.name).unwrap_or_else(|| k.default.to_string()))).collect();
        Knobs { values }
    }

    /// The value of a knob the gateway declared; an undeclared name is a programming error.
    pub fn get(&self, name: &str) -> &str {
        self.values
            .get(name)
            .map(String::as_str)
            .unwrap_or_else(|| panic!("knob '{name}' is not declared by this gateway"))
    }
}

/// Everything one gateway call needs besides its request.
pub struct Call<'a> {
    pub http: &'a HttpClient,
    pub creds: &'a Credentials,
    pub knobs: &'a Knobs,
}

/// One sale, as handed to a gateway.
#[derive(Debug, Clone)]
pub struct ChargeRequest {
    /// Our id for the sale, unique per till; gateways that dedupe on it make retries safe.
    pub order_id: String,
    pub amount: Amount,
    pub description: Option<String>,
    /// How long the customer has to pay; gateways that take a lifetime get it (clamped to their range).
    pub lifetime_secs: u32,
}

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

/// Which invoice a status query is about: gateways look it up by their id or by our order id.
#[derive(Debug, Clone)]
pub struct InvoiceRef {
    pub order_id: String,
    pub gateway_invoice_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StatusReport {
    pub status: InvoiceStatus,
    /// The gateway's own word for it, kept for the ledger and for support.
    pub gateway_status: String,
}

/// A callback as it arrived: headers and the raw body bytes (signatures cover the raw bytes).
#[derive(Debug, Clone, Default)]
pub struct Webhook {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Webhook {
    /// A header by name, case-insensitively.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// A verified callback.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct WebhookEvent {
    pub order_id: Option<String>,
    pub gateway_invoice_id: Option<String>,
    pub status: Option<StatusReport>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum WebhookError {
    #[error("this gateway's callback signature scheme is not known, so its callbacks cannot be trusted")]
    Unsupported,
    #[error("the callback has no {0}")]
    Missing(&'static str),
    #[error("the callback's signature does not match")]
    BadSignature,
    #[error("the callback body is not what this gateway sends: {0}")]
    Malformed(String),
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GatewayError {
    #[error("{gateway} needs the credential '{field}': add it in Settings, or run `paydesk credentials set {gateway} {field}`")]
    MissingCredential { gateway: String, field: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("the gateway refused: {message}{}", code.as_deref().map(|c| format!(" (code {c})")).unwrap_or_default())]
    Refused { code: Option<String>, message: String },
    #[error("the gateway rejected the credentials: {0}")]
    Unauthorized(String),
    #[error("the gateway answered something Paydesk cannot read: {0}")]
    BadResponse(String),
    #[error("could not reach the gateway: {0}")]
    Network(String),
    #[error("the gateway did not answer in time")]
    Timeout,
}

impl GatewayError {
    pub fn refused(code: impl ToString, message: impl Into<String>) -> GatewayError {
        GatewayError::Refused { code: Some(code.to_string()), message: message.into() }
    }
}

#[async_trait]
pub trait Gateway: Send + Sync {
    fn info(&self) -> &'static GatewayInfo;

    /// Creates the invoice. Implementations serialize the body once and sign those exact bytes.
    async fn create(&self, call: &Call<'_>, req: &ChargeRequest) -> Result<CreatedInvoice, GatewayError>;

    /// The invoice's current status.
    async fn status(&self, call: &Call<'_>, invoice: &InvoiceRef) -> Result<StatusReport, GatewayError>;

    /// The invoice the gateway holds for our order id, `Ok(None)` when it says it has none. This is
    /// what settles a sale whose create answer was lost, without creating a second invoice.
    async fn find_by_order(&self, _call: &Call<'_>, _order_id: &str) -> Result<Option<FoundInvoice>, GatewayError> {
        Err(GatewayError::Unsupported(format!("{} cannot be asked for an invoice by our order id", self.info().name)))
    }

    /// Checks a callback's signature (constant time) and reads what it says.
    fn verify_webhook(
        &self,
        _creds: &Credentials,
        _knobs: &Knobs,
        _webhook: &Webhook,
    ) -> Result<WebhookEvent, WebhookError> {
        Err(WebhookError::Unsupported)
    }
}
