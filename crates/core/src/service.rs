//! `Paydesk`: one charge from typed amount to pending invoice, status follow-up and history.
//! The app's commands and the CLI's subcommands are each one call into this.

use crate::clock::{civil_date, unix_now};
use crate::credentials::CredentialStore;
use crate::error::Error;
use crate::gateway::{Call, ChargeRequest, Credentials, Gateway, GatewayError, GatewayInfo, InvoiceRef, Knobs};
use crate::gateways::registry;
use crate::http::{check_base_url, HttpClient, RetryPolicy};
use crate::ledger::{Invoice, Ledger, NewInvoice};
use crate::money::{parse_amount, Currency, DecimalStyle};
use crate::status::InvoiceStatus;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use url::Url;

/// How long a customer has to pay when nobody says otherwise: long enough to open a wallet,
/// short enough that an abandoned sale does not linger (gateways clamp it to their own range).
pub const DEFAULT_LIFETIME_SECS: u32 = 15 * 60;

const MAX_DESCRIPTION_CHARS: usize = 200;
const MAX_ORDER_ID_CHARS: usize = 64;

/// Looks up a setting by environment-variable name; tests pass their own instead of the process env.
pub type EnvLookup = Arc<dyn Fn(&str) -> Option<String> + Send + Sync>;

pub fn process_env() -> EnvLookup {
    Arc::new(|name| std::env::var(name).ok().filter(|v| !v.is_empty()))
}

/// What the till is configured with, beyond credentials.
#[derive(Clone)]
pub struct Settings {
    /// Per-gateway base URL set by a flag or the app's settings; wins over the environment.
    pub base_urls: BTreeMap<String, String>,
    pub lifetime_secs: u32,
    pub decimal_style: DecimalStyle,
    pub retry: RetryPolicy,
    /// Where `PAYDESK_<GATEWAY>_BASE_URL` and `PAYDESK_<GATEWAY>_<KNOB>` are read from.
    pub env: EnvLookup,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_urls: BTreeMap::new(),
            lifetime_secs: DEFAULT_LIFETIME_SECS,
            decimal_style: DecimalStyle::Point,
            retry: RetryPolicy::default(),
            env: process_env(),
        }
    }
}

/// One sale as typed at the till.
#[derive(Debug, Clone, Default)]
pub struct ChargeInput {
    pub gateway: String,
    pub amount: String,
    /// Defaults to USD.
    pub currency: Option<String>,
    pub order_id: Option<String>,
    pub description: Option<String>,
}

pub struct Paydesk {
    ledger: Ledger,
    credentials: CredentialStore,
    gateways: Vec<Arc<dyn Gateway>>,
    settings: RwLock<Settings>,
    client: reqwest::Client,
}

impl Paydesk {
    pub fn new(ledger: Ledger, credentials: CredentialStore, settings: Settings) -> Paydesk {
        Paydesk {
            ledger,
            credentials,
            gateways: registry(),
            settings: RwLock::new(settings),
            client: HttpClient::default_client(),
        }
    }

    /// Changes settings for the calls that start after it (the app's Settings screen).
    pub fn update_settings(&self, change: impl FnOnce(&mut Settings)) {
        change(&mut self.settings.write().unwrap_or_else(|p| p.into_inner()));
    }

    fn settings(&self) -> Settings {
        self.settings.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The HTTP status `url`'s host answers a GET with, or `None` if it cannot be reached.
    pub async fn probe(&self, url: &Url) -> Option<u16> {
        self.client.get(url.clone()).send().await.ok().map(|r| r.status().as_u16())
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn credentials(&self) -> &CredentialStore {
        &self.credentials
    }

    pub fn gateway_infos(&self) -> Vec<&'static GatewayInfo> {
        self.gateways.iter().map(|g| g.info()).collect()
    }

    pub fn gateway(&self, id: &str) -> Result<&Arc<dyn Gateway>, Error> {
        self.gateways.iter().find(|g| g.info().id == id).ok_or_else(|| {
            let known: Vec<_> = self.gateways.iter().map(|g| g.info().id).collect();
            Error::BadInput(format!("unknown gateway '{}': use one of {}", printable(id), known.join(", ")))
        })
    }

    /// The base URL this gateway is called at: the settings, else `PAYDESK_<GATEWAY>_BASE_URL`,
    /// else the gateway's production host.
    pub fn base_url(&self, info: &GatewayInfo) -> Result<Url, Error> {
        let settings = self.settings();
        let configured = settings.base_urls.get(info.id).cloned().or_else(|| (settings.env)(&info.env_var("BASE_URL")));
        let text = configured.as_deref().unwrap_or(info.default_base_url);
        check_base_url(text).map_err(|e| Error::BadInput(format!("{} base URL: {e}", info.name)))
    }

    pub fn knobs(&self, info: &GatewayInfo) -> Knobs {
        let env = self.settings().env;
        Knobs::resolve(info, |name| env(&info.env_var(name)))
    }

    /// Checks everything about a sale that can be checked without the network; nothing is written.
    fn validate(&self, input: &ChargeInput) -> Result<(Arc<dyn Gateway>, ChargeRequest, Credentials), Error> {
        let gateway = self.gateway(&input.gateway)?.clone();
        let info = gateway.info();
        let currency: Currency = input.currency.as_deref().unwrap_or("USD").parse()?;
        if !info.supports(currency) {
            let list = info.currencies.unwrap_or_default().join(", ");
            return Err(Error::BadInput(format!("{} takes only {list}, not {currency}", info.name)));
        }
        let settings = self.settings();
        let amount = parse_amount(&input.amount, currency, settings.decimal_style)?;
        let description = match input.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => Some(check_text("description", d, MAX_DESCRIPTION_CHARS)?.to_string()),
            None => None,
        };
        let order_id = match input.order_id.as_deref() {
            Some(id) => check_order_id(id)?.to_string(),
            None => new_order_id(),
        };
        let credentials = self.credentials.load(info)?;
        for field in info.fields.iter().filter(|f| f.required) {
            credentials.require(info.id, field.name)?;
        }
        let request = ChargeRequest { order_id, amount, description, lifetime_secs: settings.lifetime_secs };
        Ok((gateway, request, credentials))
    }

    fn http(&self, info: &GatewayInfo) -> Result<HttpClient, Error> {
        Ok(HttpClient::new(self.client.clone(), self.base_url(info)?, self.settings().retry))
    }

    /// Takes one sale to a pending invoice with a pay link. The ledger row is written before the
    /// request leaves; whatever happens next is recorded on it.
    pub async fn charge(&self, input: &ChargeInput) -> Result<Invoice, Error> {
        let (gateway, request, credentials) = self.validate(input)?;
        let info = gateway.info();
        let http = self.http(info)?;
        let knobs = self.knobs(info);
        let row = self.ledger.insert_creating(&NewInvoice {
            order_id: &request.order_id,
            gateway: info.id,
            amount: request.amount,
            description: request.description.as_deref(),
        })?;
        let call = Call { http: &http, creds: &credentials, knobs: &knobs };
        match gateway.create(&call, &request).await {
            Ok(created) => Ok(self.ledger.mark_created(row.id, &created)?),
            Err(e) => {
                let e = scrub(e, &credentials);
                // A refusal means no invoice exists; a lost or unreadable answer means one may.
                let status = match e {
                    GatewayError::Network(_) | GatewayError::Timeout | GatewayError::BadResponse(_) => {
                        InvoiceStatus::Unknown
                    }
                    _ => InvoiceStatus::Failed,
                };
                self.ledger.record_failure(row.id, status, &e.to_string())?;
                Err(e.into())
            }
        }
    }

    /// Asks the gateway for the invoice's status and records it. A final status is not asked again.
    pub async fn refresh(&self, key: &str) -> Result<Invoice, Error> {
        let invoice = self.ledger.find(key)?;
        if invoice.status.is_final() {
            return Ok(invoice);
        }
        let gateway = self.gateway(&invoice.gateway)?.clone();
        let info = gateway.info();
        if !info.can_poll {
            return Err(GatewayError::Unsupported(format!("{} has no status endpoint to ask", info.name)).into());
        }
        let credentials = self.credentials.load(info)?;
        let http = self.http(info)?;
        let knobs = self.knobs(info);
        let call = Call { http: &http, creds: &credentials, knobs: &knobs };
        let reference =
            InvoiceRef { order_id: invoice.order_id.clone(), gateway_invoice_id: invoice.gateway_invoice_id.clone() };
        match gateway.status(&call, &reference).await {
            Ok(report) => Ok(self.ledger.record_status(invoice.id, &report)?),
            Err(e) => Err(scrub(e, &credentials).into()),
        }
    }

    /// Polls until the invoice reaches a final status, calling `on_change` for each new status.
    /// Gives up `grace` after the invoice's expiry if the gateway never says it expired.
    pub async fn watch(
        &self,
        key: &str,
        every: Duration,
        grace: Duration,
        mut on_change: impl FnMut(&Invoice),
    ) -> Result<Invoice, Error> {
        let mut last = self.ledger.find(key)?;
        on_change(&last);
        loop {
            let now = self.refresh(key).await?;
            if now.status != last.status || now.gateway_status != last.gateway_status {
                on_change(&now);
            }
            let past_grace = now.expires_at.is_some_and(|at| unix_now() > at + grace.as_secs() as i64);
            if now.status.is_final() || past_grace {
                return Ok(now);
            }
            last = now;
            tokio::time::sleep(every).await;
        }
    }

    pub fn find(&self, key: &str) -> Result<Invoice, Error> {
        Ok(self.ledger.find(key)?)
    }

    pub fn list(&self, limit: u32, offset: u32) -> Result<Vec<Invoice>, Error> {
        Ok(self.ledger.list(limit, offset)?)
    }
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
        other => other,
    }
}

/// Text for a person to read back: no control characters, bounded length.
fn check_text<'a>(what: &str, text: &'a str, max_chars: usize) -> Result<&'a str, Error> {
    if text.chars().any(char::is_control) {
        return Err(Error::BadInput(format!("the {what} must not contain control characters")));
    }
    if text.chars().count() > max_chars {
        return Err(Error::BadInput(format!("the {what} is longer than {max_chars} characters")));
    }
    Ok(text)
}

/// Order ids travel in URLs, JSON and signed strings of every gateway, so they are kept plain.
fn check_order_id(id: &str) -> Result<&str, Error> {
    let ok_chars = id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if id.is_empty() || id.len() > MAX_ORDER_ID_CHARS || !ok_chars {
        return Err(Error::BadInput(format!(
            "order id '{}' must be 1 to {MAX_ORDER_ID_CHARS} letters, digits, '-' or '_'",
            printable(id)
        )));
    }
    Ok(id)
}

/// Echoes user input in an error without letting it smuggle control characters or a novel.
fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// `PD-YYYYMMDD-XXXXXXXX`: sortable by day, readable over the phone, random enough that two
/// tills (or a reinstalled one) never collide.
pub fn new_order_id() -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).expect("the OS random source works");
    let suffix: String = random.iter().map(|b| ALPHABET[usize::from(b & 31)] as char).collect();
    let (y, m, d) = civil_date(unix_now());
    format!("PD-{y:04}{m:02}{d:02}-{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_are_plain_and_distinct() {
        let a = new_order_id();
        assert!(check_order_id(&a).is_ok(), "{a}");
        assert_eq!(a.len(), "PD-20261123-ABCDEFGH".len());
        assert_ne!(a, new_order_id());
    }

    #[test]
    fn order_ids_and_descriptions_are_checked() {
        assert!(check_order_id("till-2_0001").is_ok());
        assert!(check_order_id("").is_err());
        assert!(check_order_id("a b").is_err());
        assert!(check_order_id(&"x".repeat(65)).is_err());
        assert!(check_text("description", "Table 4 ☕", 200).is_ok());
        assert!(check_text("description", "bad\u{7}", 200).is_err());
        assert!(check_text("description", &"x".repeat(201), 200).is_err());
    }

    #[test]
    fn scrub_removes_echoed_secrets() {
        let mut creds = Credentials::default();
        creds.insert("key", crate::secret::Secret::new("SECRET-123"));
        let e = scrub(GatewayError::refused("x", "bad key SECRET-123"), &creds);
        assert!(!e.to_string().contains("SECRET-123"));
    }
}
