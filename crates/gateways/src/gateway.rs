//! The one trait every payment gateway implements, and the types that cross it.

pub use crate::callback::{Callback, CallbackReport};
pub use crate::error::{GatewayError, DUPLICATE_ORDER_CODE};
use crate::http::HttpClient;
use crate::secret::Secret;
use async_trait::async_trait;
use paydesk_money::{Amount, Currency};
pub use paydesk_money::{CreatedInvoice, FoundInvoice, StatusReport};
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
    /// What a second create with the same order id does there.
    pub repeat: Repeat,
    /// How a sale whose create answer was lost is settled.
    pub lookup: Lookup,
    /// Whether, and within what bounds, the invoice's lifetime can be chosen.
    pub lifetime: Lifetime,
}

/// What a gateway does with a create for an order id it already has. This decides whether a
/// create may ever be sent twice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Repeat {
    /// Answers with the invoice it already has: a resend is safe, also inside one charge.
    ReturnsExisting,
    /// Refuses the repeat: a resend cannot make a second invoice, and its refusal means "it exists".
    Refused,
    /// Makes a second invoice: never resend unless the gateway proved it has none.
    Duplicates,
}

/// How Paydesk can learn whether the gateway holds an invoice for one of our order ids.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum Lookup {
    /// A documented lookup by order id: "none" is an answer to trust.
    ByOrderId,
    /// A search that can find it, but whose "none" proves nothing (a guessed filter, a listing).
    Search,
    /// No way through the API: only the gateway's dashboard can tell.
    Dashboard,
}

impl Repeat {
    /// Sending the create again can never leave two live invoices for one sale.
    pub fn resend_is_safe(self) -> bool {
        matches!(self, Repeat::ReturnsExisting | Repeat::Refused)
    }
}

/// The invoice lifetime a gateway takes, in seconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[serde(tag = "kind", rename_all = "snake_case")]
#[ts(export)]
pub enum Lifetime {
    /// Sent with every create, within these documented bounds.
    Settable { min_secs: u32, max_secs: u32 },
    /// Set by the gateway; the create's answer may say when the invoice expires.
    Fixed,
}

impl Lifetime {
    /// Paydesk's default lifetime where one can be chosen: long enough to open a wallet and pay.
    pub const DEFAULT_SECS: u32 = 30 * 60;

    /// Checks a lifetime a shop chose against the gateway's bounds.
    pub fn check(self, name: &str, secs: u32) -> Result<u32, String> {
        match self {
            Lifetime::Settable { min_secs, max_secs } if (min_secs..=max_secs).contains(&secs) => Ok(secs),
            Lifetime::Settable { min_secs, max_secs } => Err(format!(
                "{name} takes an invoice lifetime of {} to {} minutes, not {}",
                min_secs / 60,
                max_secs / 60,
                secs / 60
            )),
            Lifetime::Fixed => Err(format!("{name} sets its invoices' lifetime itself; it cannot be chosen")),
        }
    }
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
    /// Where the gateway should send its status callbacks: the shop's relay, if it has one. Sent
    /// only to gateways whose create takes a per-request callback URL.
    pub callback_url: Option<String>,
}

/// Which sale a status query or lookup is about: gateways look it up by their id or by our order
/// id. The amount is the sale's (to compare with what the gateway says was paid, or to narrow a
/// search), and `created_at` (Unix seconds) where to start searching.
#[derive(Debug, Clone)]
pub struct InvoiceRef {
    pub order_id: String,
    pub gateway_invoice_id: Option<String>,
    pub amount: Amount,
    pub created_at: i64,
}

#[async_trait]
pub trait Gateway: Send + Sync {
    fn info(&self) -> &'static GatewayInfo;

    /// Creates the invoice. Implementations serialize the body once and sign those exact bytes.
    async fn create(&self, call: &Call<'_>, req: &ChargeRequest) -> Result<CreatedInvoice, GatewayError>;

    /// The invoice's current status.
    async fn status(&self, call: &Call<'_>, invoice: &InvoiceRef) -> Result<StatusReport, GatewayError>;

    /// The invoice the gateway holds for the sale's order id, `Ok(None)` when it has none (or, for a
    /// [`Lookup::Search`], when none was found). This is what settles a sale whose create answer was
    /// lost, without creating a second invoice.
    async fn find_by_order(&self, _call: &Call<'_>, _sale: &InvoiceRef) -> Result<Option<FoundInvoice>, GatewayError> {
        Err(GatewayError::Unsupported(format!("{} cannot be asked for an invoice by our order id", self.info().name)))
    }

    /// Checks a callback this gateway sent (its headers and raw body) with the gateway's documented
    /// scheme, and reads which sale it is about and its status. A failed check is
    /// [`GatewayError::BadSignature`]; a body that passes but cannot be read is
    /// [`GatewayError::BadResponse`]. Statuses are mapped as the gateway's status polls map them.
    fn verify_callback(
        &self,
        _creds: &Credentials,
        _knobs: &Knobs,
        _callback: &Callback<'_>,
    ) -> Result<CallbackReport, GatewayError> {
        Err(GatewayError::Unsupported(format!("{} sends no callbacks Paydesk can check", self.info().name)))
    }
}

/// The minor units a gateway's decimal text names in `currency` ("10", "10.5", "10.500" are all
/// read; zeros past the currency's places are fine, other digits there are not).
pub fn decimal_minor(text: &str, currency: Currency) -> Option<u64> {
    let (whole, fraction) = text.trim().split_once('.').unwrap_or((text.trim(), ""));
    let places = usize::from(currency.decimals());
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty()
        || !digits(whole)
        || !digits(fraction)
        || fraction[places.min(fraction.len())..].bytes().any(|b| b != b'0')
    {
        return None;
    }
    let kept = &fraction[..places.min(fraction.len())];
    let padded = format!("{whole}{kept:0<places$}");
    padded.parse().ok()
}

/// Refuses a create answer whose amount is not the one asked for: a units mix-up (cents read as
/// dollars) would otherwise put the wrong amount in the customer's QR. `echoed` is the gateway's
/// text and `minor` what it reads as.
pub fn check_echoed_amount(asked: &Amount, echoed: &str, minor: Option<u64>) -> Result<(), GatewayError> {
    if minor == Some(asked.minor()) {
        return Ok(());
    }
    Err(GatewayError::AmountMismatch {
        asked: format!("{} {}", asked.to_decimal_string(), asked.currency()),
        echoed: echoed.chars().filter(|c| !c.is_control()).take(40).collect(),
    })
}
