//! `Paydesk`: one charge from typed amount to pending invoice, status follow-up and history.
//! The app's commands and the CLI's subcommands are each one call into this.

use crate::credentials::CredentialStore;
use crate::error::Error;
use paydesk_gateways::gateway::{ChargeRequest, Credentials, Gateway, GatewayInfo, Knobs, Lifetime};
use paydesk_gateways::http::{check_base_url, HttpClient, RetryPolicy, DEFAULT_TIMEOUT};
use paydesk_gateways::registry;
use paydesk_ledger::{Invoice, Ledger, NewInvoice, SaleDetails};
use paydesk_money::order::{check_order_id, check_text, new_order_id, printable, MAX_DESCRIPTION_CHARS};
use paydesk_money::Amount;
use paydesk_money::InvoiceStatus;
use paydesk_money::StatusReport;
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use url::Url;

mod follow;
mod recover;
mod session;

pub use follow::{Pace, FOLLOW_BACKOFF_MAX, NO_EXPIRY_FOLLOW};
use recover::status_after_failed_create;
use session::{require_fields, Session};

/// What a sale left in `creating` by a process that died says until the gateway has been asked.
/// A note starting with [`INTERRUPTED`] marks a sale [`Paydesk::recover`] still has to ask about.
pub const CHECKING: &str = "interrupted before the gateway's answer was stored: checking";
const INTERRUPTED: &str = "interrupted before the gateway's answer was stored";
/// The gateway's lookup by order id answered that it has no such invoice.
pub const NOT_ON_GATEWAY: &str =
    "the gateway has no invoice for this order id (the request never arrived, or was lost): retry it";
/// A create was refused as a duplicate and the gateway cannot say which invoice it has.
pub const ALREADY_ON_GATEWAY: &str =
    "the gateway already has an invoice for this order id, and the customer may still pay it: check it on the gateway's dashboard before charging again";
/// What an `unknown` sale means for the cashier, said with every lost create answer.
pub const MAY_STILL_PAY: &str = "the customer may still pay this invoice: check before charging again";
/// Starts the note of a sale whose gateway answered another amount than the one asked for.
pub const AMOUNT_MISMATCH: &str = "the gateway made an invoice for";
const RETRYING: &str = "retrying with the same order id";

/// See [`Paydesk::record_news`]; for work that holds the ledger and the news, not the desk.
pub fn record_news(
    ledger: &Ledger,
    news: &tokio::sync::Notify,
    order_id: &str,
    report: &StatusReport,
) -> Result<Option<Invoice>, paydesk_ledger::LedgerError> {
    let sale = match ledger.find(order_id) {
        Ok(sale) => sale,
        Err(paydesk_ledger::LedgerError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    let after = ledger.record_status(sale.id, report)?;
    if sale.status != after.status || sale.gateway_status != after.gateway_status {
        news.notify_waiters();
    }
    Ok(Some(after))
}

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
    /// Invoice lifetime per gateway id, where the shop chose one (else [`Lifetime::DEFAULT_SECS`]).
    pub lifetimes: BTreeMap<String, u32>,
    /// Prefixes generated order ids, so two tills never collide at a gateway.
    pub terminal_label: Option<String>,
    /// The shop's callback relay, where gateways that take a callback URL per sale are told to
    /// send their callbacks (see [`Settings::callback_url`]).
    pub relay_url: Option<String>,
    pub retry: RetryPolicy,
    /// How long one attempt at a gateway may take before it counts as a timeout.
    pub timeout: Duration,
    /// Where `PAYDESK_<GATEWAY>_BASE_URL` and `PAYDESK_<GATEWAY>_<KNOB>` are read from.
    pub env: EnvLookup,
}

impl Settings {
    /// The lifetime a new invoice on `info`'s gateway asks for.
    pub fn lifetime(&self, info: &GatewayInfo) -> u32 {
        self.lifetimes.get(info.id).copied().unwrap_or(Lifetime::DEFAULT_SECS)
    }

    /// The callback URL a new invoice on `info`'s gateway carries: `<relay>/callback/<gateway
    /// id>` when the shop has a relay, never for the Demo gateway (the till's own simulator).
    /// Gateways whose create takes no callback URL (NonStoPay) ignore it.
    pub fn callback_url(&self, info: &GatewayInfo) -> Option<String> {
        let relay = self.relay_url.as_deref()?.trim().trim_end_matches('/');
        (info.id != paydesk_gateways::demo::INFO.id && !relay.is_empty())
            .then(|| format!("{relay}/callback/{}", info.id))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_urls: BTreeMap::new(),
            lifetimes: BTreeMap::new(),
            terminal_label: None,
            relay_url: None,
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
            env: process_env(),
        }
    }
}

/// One sale, its amount already read (by the window's wire form or the CLI's decimal style).
#[derive(Debug, Clone)]
pub struct ChargeInput {
    pub gateway: String,
    /// The total to charge, the tip included.
    pub amount: Amount,
    /// The part of `amount` that is a tip, in its minor units; the ledger keeps it apart.
    pub tip_minor: u64,
    pub order_id: Option<String>,
    pub description: Option<String>,
    /// Lines, tax, priced currency and seller, kept with the sale as they are.
    pub details: SaleDetails,
}

impl ChargeInput {
    /// A sale of `amount` through `gateway`: no tip, a new order id, no description.
    pub fn new(gateway: &str, amount: Amount) -> ChargeInput {
        ChargeInput {
            gateway: gateway.to_string(),
            amount,
            tip_minor: 0,
            order_id: None,
            description: None,
            details: SaleDetails::default(),
        }
    }
}

pub struct Paydesk {
    ledger: Arc<Ledger>,
    credentials: Arc<CredentialStore>,
    gateways: Vec<Arc<dyn Gateway>>,
    settings: RwLock<Settings>,
    client: reqwest::Client,
    /// Woken when another process settled one of this till's sales (a verified gateway callback
    /// through the shop relay), so follows show it at once instead of at their next question.
    news: Arc<tokio::sync::Notify>,
}

impl Paydesk {
    pub fn new(ledger: Ledger, credentials: CredentialStore, settings: Settings) -> Paydesk {
        Paydesk {
            ledger: Arc::new(ledger),
            credentials: Arc::new(credentials),
            gateways: registry(),
            settings: RwLock::new(settings),
            client: HttpClient::default_client(),
            news: Arc::default(),
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

    /// Records a status learned elsewhere for one of this till's sales (a gateway callback the
    /// shop relay verified), by the same rules as a poll's answer (forward only; paid after the
    /// cashier moved on is paid late), and wakes the follows. `None` for a sale this till lacks.
    pub async fn record_news(&self, order_id: &str, report: StatusReport) -> Result<Option<Invoice>, Error> {
        let (ledger, news, key) = (self.ledger.clone(), self.news.clone(), order_id.to_string());
        Ok(unblocked(move || record_news(&ledger, &news, &key, &report)).await?)
    }

    /// What wakes the follows when [`record_news`] moved a sale.
    pub fn news(&self) -> Arc<tokio::sync::Notify> {
        self.news.clone()
    }

    /// The ledger, for work that outlives the call (a print job's note that it printed).
    pub fn shared_ledger(&self) -> Arc<Ledger> {
        self.ledger.clone()
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

    /// Runs `work` on the ledger off the async workers (see [`unblocked`]).
    pub async fn db<T: Send + 'static>(
        &self,
        work: impl FnOnce(&Ledger) -> Result<T, paydesk_ledger::LedgerError> + Send + 'static,
    ) -> Result<T, Error> {
        let ledger = self.ledger.clone();
        Ok(unblocked(move || work(&ledger)).await?)
    }

    /// A gateway's credentials from the keyring, off the async workers (see [`unblocked`]).
    pub async fn load_credentials(&self, info: &'static GatewayInfo) -> Result<Credentials, Error> {
        let store = self.credentials.clone();
        Ok(unblocked(move || store.load(info)).await?)
    }

    /// Checks everything about a sale that can be checked without the network; nothing is written.
    async fn validate(&self, input: &ChargeInput) -> Result<(Arc<dyn Gateway>, ChargeRequest, Credentials), Error> {
        let gateway = self.gateway(&input.gateway)?.clone();
        let info = gateway.info();
        let (amount, currency) = (input.amount, input.amount.currency());
        if !info.supports(currency) {
            let list = info.currencies.unwrap_or_default().join(", ");
            return Err(Error::BadInput(format!("{} takes only {list}, not {currency}", info.name)));
        }
        let settings = self.settings();
        let description = match input.description.as_deref().map(str::trim).filter(|d| !d.is_empty()) {
            Some(d) => Some(check_text("description", d, MAX_DESCRIPTION_CHARS)?.to_string()),
            None => None,
        };
        let order_id = match input.order_id.as_deref() {
            Some(id) => check_order_id(id)?.to_string(),
            None => new_order_id(settings.terminal_label.as_deref()),
        };
        let credentials = self.load_credentials(info).await?;
        require_fields(info, &credentials)?;
        let request = ChargeRequest {
            order_id,
            amount,
            description,
            lifetime_secs: settings.lifetime(info),
            callback_url: settings.callback_url(info),
        };
        Ok((gateway, request, credentials))
    }

    fn http(&self, info: &GatewayInfo) -> Result<HttpClient, Error> {
        let settings = self.settings();
        Ok(HttpClient::new(self.client.clone(), self.base_url(info)?, settings.retry).with_timeout(settings.timeout))
    }

    /// The gateway of a sale already in the ledger, ready to call.
    async fn session(&self, gateway_id: &str) -> Result<Session, Error> {
        let gateway = self.gateway(gateway_id)?.clone();
        let info = gateway.info();
        let credentials = self.load_credentials(info).await?;
        Ok(Session { http: self.http(info)?, knobs: self.knobs(info), credentials, gateway })
    }

    /// Takes one sale to a pending invoice with a pay link. The ledger row is written before the
    /// request leaves; whatever happens next is recorded on it.
    pub async fn charge(&self, input: &ChargeInput) -> Result<Invoice, Error> {
        let (gateway, request, credentials) = self.validate(input).await?;
        let info = gateway.info();
        let session = Session { http: self.http(info)?, knobs: self.knobs(info), credentials, gateway };
        let (order_id, amount, description) = (request.order_id.clone(), request.amount, request.description.clone());
        let (tip_minor, details) = (input.tip_minor, input.details.clone());
        let row = self
            .db(move |l| {
                let description = description.as_deref();
                let gateway = info.id;
                l.insert_creating(&NewInvoice { order_id: &order_id, gateway, amount, tip_minor, description, details })
            })
            .await?;
        match session.create(&request).await {
            Ok(created) => self.db(move |l| l.mark_created(row.id, &created)).await,
            Err(e) => {
                let status = status_after_failed_create(&e, InvoiceStatus::Failed, InvoiceStatus::Failed);
                Err(self.record_failed_create(&row, status, e).await?)
            }
        }
    }

    /// A manager settles by hand a sale the gateway cannot settle for Paydesk (no id to poll, a
    /// gateway that cannot be asked): paid or not paid, with who and why in the trail.
    pub fn settle_by_hand(&self, key: &str, paid: bool, who: &str, why: &str) -> Result<Invoice, Error> {
        let why = check_text("reason", why.trim(), MAX_DESCRIPTION_CHARS)?;
        if why.is_empty() {
            return Err(Error::BadInput("say why (for example: \"seen paid on the NonStoPay dashboard\")".into()));
        }
        let invoice = self.ledger.find(key)?;
        if invoice.kind != paydesk_ledger::InvoiceKind::Sale {
            return Err(Error::BadInput(format!("{} is not a gateway sale", invoice.order_id)));
        }
        if invoice.status.is_final() {
            return Err(paydesk_ledger::LedgerError::Final(invoice.order_id, invoice.status).into());
        }
        let (reported, word) =
            if paid { (InvoiceStatus::Paid, "marked paid") } else { (InvoiceStatus::Cancelled, "marked not paid") };
        let status = InvoiceStatus::settle(invoice.status, reported, invoice.abandoned_at.is_some());
        let note = format!("{word} by {who}: {why}");
        let done = self.ledger.settle_by_hand(invoice.id, invoice.status, status, &note)?;
        Ok(done.map_or_else(|| self.ledger.find(key), Ok)?)
    }

    pub fn find(&self, key: &str) -> Result<Invoice, Error> {
        Ok(self.ledger.find(key)?)
    }

    /// [`Self::find`] off the async workers.
    pub async fn find_async(&self, key: &str) -> Result<Invoice, Error> {
        let key = key.to_string();
        self.db(move |l| l.find(&key)).await
    }

    pub fn list(&self, limit: u32, offset: u32) -> Result<Vec<Invoice>, Error> {
        Ok(self.ledger.list(limit, offset)?)
    }
}

/// Runs `work` on tokio's blocking pool and waits for it. The keyring (a D-Bus call to the Secret
/// Service) and SQLite (waiting out another writer) can block; on an async worker that would stall
/// every other task of the app: the window's commands and the other sales' follows.
pub async fn unblocked<T: Send + 'static>(work: impl FnOnce() -> T + Send + 'static) -> T {
    match tokio::task::spawn_blocking(work).await {
        Ok(value) => value,
        Err(e) => std::panic::resume_unwind(e.into_panic()),
    }
}
