//! `Paydesk`: one charge from typed amount to pending invoice, status follow-up and history.
//! The app's commands and the CLI's subcommands are each one call into this.

use crate::credentials::CredentialStore;
use crate::error::Error;
use paydesk_gateways::gateway::{
    Call, ChargeRequest, Credentials, FoundInvoice, Gateway, GatewayError, GatewayInfo, InvoiceRef, Knobs, Lifetime,
    Lookup, DUPLICATE_ORDER_CODE,
};
use paydesk_gateways::http::{check_base_url, check_pay_link, HttpClient, RetryPolicy, DEFAULT_TIMEOUT};
use paydesk_gateways::registry;
use paydesk_ledger::{Invoice, Ledger, NewInvoice};
use paydesk_money::clock::unix_now;
use paydesk_money::order::{check_order_id, check_text, new_order_id, printable, MAX_DESCRIPTION_CHARS};
use paydesk_money::InvoiceStatus;
use paydesk_money::{parse_amount, Currency, DecimalStyle};
use std::collections::BTreeMap;
use std::sync::{Arc, RwLock};
use std::time::Duration;
use url::Url;

/// How long past its expiry an invoice with a payment on its way is still followed.
const MONEY_IN_FLIGHT_GRACE: Duration = Duration::from_secs(24 * 3600);
/// How long a sale whose gateway gave no expiry (NonStoPay keeps invoices 14 days) is followed
/// before a person is asked to settle it from the dashboard.
pub const NO_EXPIRY_FOLLOW: Duration = Duration::from_secs(24 * 3600);

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
    pub decimal_style: DecimalStyle,
    /// Prefixes generated order ids, so two tills never collide at a gateway.
    pub terminal_label: Option<String>,
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
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            base_urls: BTreeMap::new(),
            lifetimes: BTreeMap::new(),
            decimal_style: DecimalStyle::Point,
            terminal_label: None,
            retry: RetryPolicy::default(),
            timeout: DEFAULT_TIMEOUT,
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
    ledger: Arc<Ledger>,
    credentials: Arc<CredentialStore>,
    gateways: Vec<Arc<dyn Gateway>>,
    settings: RwLock<Settings>,
    client: reqwest::Client,
}

impl Paydesk {
    pub fn new(ledger: Ledger, credentials: CredentialStore, settings: Settings) -> Paydesk {
        Paydesk {
            ledger: Arc::new(ledger),
            credentials: Arc::new(credentials),
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
            None => new_order_id(settings.terminal_label.as_deref()),
        };
        let credentials = self.load_credentials(info).await?;
        require_fields(info, &credentials)?;
        let request = ChargeRequest { order_id, amount, description, lifetime_secs: settings.lifetime(info) };
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
        let row = self
            .db(move |l| {
                let description = description.as_deref();
                l.insert_creating(&NewInvoice {
                    order_id: &order_id,
                    gateway: info.id,
                    amount,
                    tip_minor: 0,
                    description,
                })
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

    /// Tries a `failed` or `unknown` sale again under the same order id, and only where a second
    /// live invoice cannot come of it: the gateway is asked by order id first (where it can be) and
    /// the invoice it has is recorded; the create is sent again only when the gateway proved it has
    /// none, refused the earlier send, or answers a repeat without making a second invoice.
    /// Otherwise nothing is sent and the error says how to check.
    pub async fn retry(&self, key: &str) -> Result<Invoice, Error> {
        let invoice = self.find_async(key).await?;
        let before = invoice.status;
        if !matches!(before, InvoiceStatus::Failed | InvoiceStatus::Unknown) {
            return Err(Error::BadInput(format!(
                "only a failed or unknown sale can be retried; {} is {before}",
                invoice.order_id
            )));
        }
        if invoice.last_error.as_deref().is_some_and(|e| e.starts_with(AMOUNT_MISMATCH)) {
            return Err(Error::RetryUnsafe(format!(
                "{}'s gateway misread the amount last time, and would again: fix the gateway's settings, then start a new sale",
                invoice.order_id
            )));
        }
        let session = self.session(&invoice.gateway).await?;
        let info = session.gateway.info();
        require_fields(info, &session.credentials)?;
        let proven_absent = match info.lookup {
            Lookup::Dashboard => false,
            Lookup::ByOrderId | Lookup::Search => match session.find_by_order(&invoice).await {
                Ok(Some(found)) => return self.record_lookup(&session, &invoice, found).await,
                Ok(None) => info.lookup == Lookup::ByOrderId,
                Err(GatewayError::Unsupported(_)) => false,
                // Whether the gateway has it cannot be told, so nothing is sent.
                Err(e) => return Err(e.into()),
            },
        };
        // A refusal made nothing; a lost answer may have made an invoice.
        let refused_before = before == InvoiceStatus::Failed;
        if !(proven_absent || refused_before || info.repeat.resend_is_safe()) {
            let how = how_to_check(info, &invoice.order_id);
            if invoice.last_error.as_deref() != Some(how.as_str()) {
                let note = how.clone();
                self.db(move |l| l.transition(invoice.id, before, before, &note)).await?;
            }
            return Err(Error::RetryUnsafe(how));
        }
        let moved = self.db(move |l| l.transition(invoice.id, before, InvoiceStatus::Creating, RETRYING)).await?;
        let Some(row) = moved else {
            return Err(Error::BadInput(format!(
                "{} changed while it was being retried (retried elsewhere?): look at it again",
                invoice.order_id
            )));
        };
        let request = ChargeRequest {
            order_id: row.order_id.clone(),
            amount: row.amount,
            description: row.description.clone(),
            lifetime_secs: self.settings().lifetime(info),
        };
        match session.create(&request).await {
            Ok(created) => self.db(move |l| l.mark_created(row.id, &created)).await,
            Err(GatewayError::Refused { code: Some(code), .. }) if code == DUPLICATE_ORDER_CODE => {
                if let Ok(Some(found)) = session.find_by_order(&row).await {
                    return self.record_lookup(&session, &row, found).await;
                }
                self.db(move |l| l.record_failure(row.id, InvoiceStatus::Unknown, ALREADY_ON_GATEWAY)).await?;
                Err(GatewayError::refused(DUPLICATE_ORDER_CODE, ALREADY_ON_GATEWAY).into())
            }
            Err(e) => {
                let refused =
                    if proven_absent || refused_before { InvoiceStatus::Failed } else { InvoiceStatus::Unknown };
                let status = status_after_failed_create(&e, refused, before);
                Err(self.record_failed_create(&row, status, e).await?)
            }
        }
    }

    /// Records a create that failed as `status`, and returns the error the cashier sees: for an
    /// unknown sale, one that says the customer may still pay (the ledger notes the same text).
    async fn record_failed_create(
        &self,
        row: &Invoice,
        status: InvoiceStatus,
        e: GatewayError,
    ) -> Result<Error, Error> {
        let duplicate = matches!(&e, GatewayError::Refused { code: Some(c), .. } if c == DUPLICATE_ORDER_CODE);
        let err = match status {
            InvoiceStatus::Unknown if !duplicate => Error::SaleUnknown { order_id: row.order_id.clone(), cause: e },
            _ => Error::Gateway(e),
        };
        let note = if duplicate { ALREADY_ON_GATEWAY.to_string() } else { err.to_string() };
        let id = row.id;
        self.db(move |l| l.record_failure(id, status, &note)).await?;
        Ok(err)
    }

    /// Marks the sales a dead process left in `creating` (its request may have reached the
    /// gateway, but the answer was never stored) as `unknown`, to be checked. No network.
    pub fn mark_interrupted(&self) -> Result<Vec<Invoice>, Error> {
        mark_interrupted(&self.ledger)
    }

    /// [`Self::mark_interrupted`], then asks the gateway by order id about each interrupted sale
    /// not settled yet: one it has becomes pending with its link; the others keep a note saying
    /// what is known. Returns those sales as they stand afterwards.
    pub async fn recover(&self) -> Result<Vec<Invoice>, Error> {
        let desk_ledger = self.ledger.clone();
        unblocked(move || mark_interrupted(&desk_ledger)).await?;
        let mut checked = Vec::new();
        for row in self.db(|l| l.in_status(InvoiceStatus::Unknown)).await? {
            let interrupted = row.last_error.as_deref().is_some_and(|e| e.starts_with(INTERRUPTED));
            if interrupted && row.gateway_invoice_id.is_none() {
                checked.push(self.recover_row(&row).await?);
            }
        }
        Ok(checked)
    }

    async fn recover_row(&self, row: &Invoice) -> Result<Invoice, Error> {
        let checked = match self.session(&row.gateway).await {
            Ok(session) => self.check_by_order(&session, row).await,
            Err(e) => Err(e),
        };
        let note = match checked {
            Ok(Checked::Found(done) | Checked::NotThere(done)) => return Ok(done),
            // Not starting with INTERRUPTED: asking again at the next start could not tell more.
            Ok(Checked::CannotAsk) => format!(
                "{} cannot be asked by order id whether it got this sale (it was interrupted before the answer was stored); {MAY_STILL_PAY}",
                row.gateway
            ),
            Ok(Checked::NotFoundYet) => format!(
                "{INTERRUPTED}; {} did not list it (yet): it is asked again on the next start or status check; {MAY_STILL_PAY}",
                row.gateway
            ),
            Err(e @ Error::Ledger(_)) => return Err(e),
            Err(e) => format!("{INTERRUPTED}; asking the gateway failed ({e}): it is asked again on the next start or status check"),
        };
        let (id, order_id) = (row.id, row.order_id.clone());
        self.db(move |l| {
            let noted = l.transition(id, InvoiceStatus::Unknown, InvoiceStatus::Unknown, &note)?;
            noted.map_or_else(|| l.find(&order_id), Ok)
        })
        .await
    }

    /// Asks the gateway whether it has `invoice`'s order id and records the answer. Only a
    /// documented lookup's "none" is said in the trail: a search's proves nothing.
    async fn check_by_order(&self, session: &Session, invoice: &Invoice) -> Result<Checked, Error> {
        match session.find_by_order(invoice).await {
            Ok(Some(found)) => self.record_lookup(session, invoice, found).await.map(Checked::Found),
            Ok(None) if session.gateway.info().lookup == Lookup::ByOrderId => {
                // Said once in the trail, however often the sale is asked about.
                let said = invoice.last_error.as_deref() == Some(NOT_ON_GATEWAY);
                let (id, status, order_id) = (invoice.id, invoice.status, invoice.order_id.clone());
                let row = self
                    .db(move |l| {
                        if !said {
                            l.transition(id, status, status, NOT_ON_GATEWAY)?;
                        }
                        l.find(&order_id)
                    })
                    .await?;
                Ok(Checked::NotThere(row))
            }
            Ok(None) => Ok(Checked::NotFoundYet),
            Err(GatewayError::Unsupported(_)) => Ok(Checked::CannotAsk),
            Err(e) => Err(e.into()),
        }
    }

    /// Records what a lookup found on `invoice` (as it was read); if another process changed the
    /// row meanwhile, its newer state stands.
    async fn record_lookup(&self, session: &Session, invoice: &Invoice, found: FoundInvoice) -> Result<Invoice, Error> {
        let note = (found.pay_link.is_none() && invoice.pay_link.is_none()).then(|| {
            format!(
                "{} has this order, but its lookup carries no pay link, so no QR can be shown again: if the customer cannot pay it another way, start a new sale",
                session.gateway.info().name
            )
        });
        let (id, status, order_id) = (invoice.id, invoice.status, invoice.order_id.clone());
        self.db(move |l| {
            let recorded = l.record_found(id, status, &found, note.as_deref())?;
            recorded.map_or_else(|| l.find(&order_id), Ok)
        })
        .await
    }

    /// Asks the gateway for the invoice's status and records it. A final status is not asked again.
    /// A sale without the gateway's id (a lost create answer, or a gateway whose create answer
    /// carries none) is looked up by our order id first, which also yields the id to poll.
    pub async fn refresh(&self, key: &str) -> Result<Invoice, Error> {
        let invoice = self.find_async(key).await?;
        if invoice.status.is_final() {
            return Ok(invoice);
        }
        let session = self.session(&invoice.gateway).await?;
        if invoice.gateway_invoice_id.is_none()
            && matches!(invoice.status, InvoiceStatus::Unknown | InvoiceStatus::Pending)
        {
            match self.check_by_order(&session, &invoice).await? {
                Checked::Found(found) => return Ok(found),
                // An error, so a follow stops instead of asking forever about a sale that is not there.
                Checked::NotThere(_) if invoice.status == InvoiceStatus::Unknown => {
                    return Err(GatewayError::refused("not_found", NOT_ON_GATEWAY).into())
                }
                // Not listed yet (or not findable): nothing new is known; the follow asks again.
                Checked::NotThere(_) | Checked::NotFoundYet => return self.find_async(key).await,
                Checked::CannotAsk => {}
            }
        }
        let info = session.gateway.info();
        if !info.can_poll {
            return Err(GatewayError::Unsupported(format!("{} has no status endpoint to ask", info.name)).into());
        }
        match session.gateway.status(&session.call(), &sale_ref(&invoice)).await {
            Ok(report) => self.db(move |l| l.record_status(invoice.id, &report)).await,
            Err(e) => Err(scrub(e, &session.credentials).into()),
        }
    }

    /// Until when a sale is worth asking about: its expiry plus `grace` (a day when a payment is
    /// already on its way, since confirmations can outlast an invoice), or a day after it was made
    /// when the gateway gave no expiry.
    pub fn follow_deadline(invoice: &Invoice, grace: Duration) -> i64 {
        let grace = if matches!(invoice.status, InvoiceStatus::Confirming | InvoiceStatus::Underpaid) {
            grace.max(MONEY_IN_FLIGHT_GRACE)
        } else {
            grace
        };
        match invoice.expires_at {
            Some(at) => at + grace.as_secs() as i64,
            None => invoice.created_at + NO_EXPIRY_FOLLOW.as_secs() as i64,
        }
    }

    /// Polls until the invoice reaches a final status or its [`Self::follow_deadline`], calling
    /// `on_change` for each new status.
    pub async fn watch(
        &self,
        key: &str,
        every: Duration,
        grace: Duration,
        mut on_change: impl FnMut(&Invoice),
    ) -> Result<Invoice, Error> {
        let mut last = self.find_async(key).await?;
        on_change(&last);
        loop {
            let now = self.refresh(key).await?;
            if now.status != last.status || now.gateway_status != last.gateway_status {
                on_change(&now);
            }
            if now.status.is_final() || unix_now() > Self::follow_deadline(&now, grace) {
                return Ok(now);
            }
            last = now;
            tokio::time::sleep(every).await;
        }
    }

    /// Says in the sale's trail why nobody follows it any more, once; returns the sale.
    pub async fn note_follow_end(&self, key: &str, why: &str) -> Result<Invoice, Error> {
        let (key, why) = (key.to_string(), why.to_string());
        self.db(move |l| {
            let invoice = l.find(&key)?;
            if invoice.status.is_final() || invoice.last_error.as_deref() == Some(why.as_str()) {
                return Ok(invoice);
            }
            l.transition(invoice.id, invoice.status, invoice.status, &why)?.map_or_else(|| l.find(&key), Ok)
        })
        .await
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

/// What asking the gateway by order id settled, each recorded on the sale.
enum Checked {
    Found(Invoice),
    /// A documented lookup said it has none.
    NotThere(Invoice),
    /// A search did not find it, which proves nothing.
    NotFoundYet,
    /// The gateway has no lookup by order id.
    CannotAsk,
}

/// One gateway ready to call: its client, credentials and knobs. Errors it returns are scrubbed.
struct Session {
    gateway: Arc<dyn Gateway>,
    credentials: Credentials,
    http: HttpClient,
    knobs: Knobs,
}

impl Session {
    fn call(&self) -> Call<'_> {
        Call { http: &self.http, creds: &self.credentials, knobs: &self.knobs }
    }

    /// Creates the invoice. The pay link is checked here too, so no gateway module's answer can put
    /// a plain-http link in a QR; what the gateway said is scrubbed of credential values.
    async fn create(&self, request: &ChargeRequest) -> Result<paydesk_gateways::gateway::CreatedInvoice, GatewayError> {
        let created = self.gateway.create(&self.call(), request).await;
        created.and_then(|c| check_pay_link(&c.pay_link).map(|()| c)).map_err(|e| scrub(e, &self.credentials))
    }

    async fn find_by_order(&self, sale: &Invoice) -> Result<Option<FoundInvoice>, GatewayError> {
        let found = self.gateway.find_by_order(&self.call(), &sale_ref(sale)).await;
        found.map_err(|e| scrub(e, &self.credentials))
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

/// Marks the sales a dead process left in `creating` as `unknown`, to be checked.
fn mark_interrupted(ledger: &Ledger) -> Result<Vec<Invoice>, Error> {
    let mut marked = Vec::new();
    for row in ledger.in_status(InvoiceStatus::Creating)? {
        // Another process's charge may still be waiting for its answer; when it gets one, it
        // records it over this mark, and the guarded writes below never overwrite it.
        marked.extend(ledger.transition(row.id, InvoiceStatus::Creating, InvoiceStatus::Unknown, CHECKING)?);
    }
    Ok(marked)
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

fn require_fields(info: &GatewayInfo, credentials: &Credentials) -> Result<(), Error> {
    for field in info.fields.iter().filter(|f| f.required) {
        credentials.require(info.id, field.name)?;
    }
    Ok(())
}

/// What a failed create leaves known: a lost or unreadable answer means an invoice may exist,
/// a refusal means this send made none (`refused`), and a request that never left changes
/// nothing (`not_sent`).
fn status_after_failed_create(e: &GatewayError, refused: InvoiceStatus, not_sent: InvoiceStatus) -> InvoiceStatus {
    match e {
        // A repeat refused as a duplicate: the gateway holds an invoice for this order id.
        GatewayError::Refused { code: Some(code), .. } if code == DUPLICATE_ORDER_CODE => InvoiceStatus::Unknown,
        // Made, but not shown to anyone: nobody can pay it.
        GatewayError::AmountMismatch { .. } => InvoiceStatus::Failed,
        GatewayError::Network(_)
        | GatewayError::Timeout
        | GatewayError::Unavailable(_)
        | GatewayError::BadResponse(_) => InvoiceStatus::Unknown,
        GatewayError::Refused { .. } | GatewayError::Unauthorized(_) => refused,
        // Nothing left this till.
        GatewayError::MissingCredential { .. } | GatewayError::Unsupported(_) | GatewayError::Unreachable => not_sent,
    }
}

/// Why a retry would not be sent, and how the cashier finds out instead.
fn how_to_check(info: &GatewayInfo, order_id: &str) -> String {
    let why = match info.lookup {
        Lookup::Search => "could not confirm whether it holds",
        Lookup::ByOrderId | Lookup::Dashboard => "cannot be asked whether it holds",
    };
    format!(
        "{name} {why} an invoice for {order_id}, and sending it again could make a second one the customer might also pay: \
         look for {order_id} on the {name} dashboard; if it is there, the customer can still pay it; if not, start a new sale",
        name = info.name
    )
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
