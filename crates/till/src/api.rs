//! The desktop app's backend API: `Till` methods that the Tauri commands call one-to-one, and the
//! shapes that cross IPC. The shapes derive `TS`, so the UI's TypeScript types are generated from
//! them (`ui/src/bindings/`) and never copied by hand.

use crate::config::TillConfig;
use crate::credentials::{CredentialError, CredentialStore, Source};
use crate::error::Error;
use crate::pin::{self, Session};
use crate::qr;
use crate::receipt::{receipt_pdf, Receipt};
use crate::report::{self, ShiftReport};
use crate::service::{ChargeInput, Pace, Paydesk, Settings};
use paydesk_gateways::gateway::{GatewayInfo, Lifetime, Lookup, Repeat};
use paydesk_gateways::secret::Secret;
use paydesk_ledger::export::{save_atomically, save_invoices_csv, ExportError};
use paydesk_ledger::{Invoice, InvoiceKind, Ledger};
use paydesk_money::order::check_text;
use paydesk_money::InvoiceStatus;
use paydesk_money::{parse_amount, Currency, DecimalStyle};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use ts_rs::TS;

/// Everything the UI needs to draw its first screen.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Bootstrap {
    pub gateways: Vec<GatewayView>,
    pub currencies: Vec<CurrencyView>,
    pub settings: SettingsView,
    /// Late outcomes of abandoned sales no cashier has dismissed yet (see [`Till::dismiss_late`]).
    pub late_sales: Vec<InvoiceView>,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct GatewayView {
    pub id: String,
    pub name: String,
    pub fields: Vec<CredentialField>,
    /// `None`: any currency.
    pub currencies: Option<Vec<String>>,
    pub can_poll: bool,
    pub default_base_url: String,
    /// What a second create with the same order id does there (decides what Retry may do).
    pub repeat: Repeat,
    /// How a sale whose create answer was lost is settled.
    pub lookup: Lookup,
    /// Whether the invoice lifetime can be chosen, and within what bounds.
    pub lifetime: Lifetime,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CurrencyView {
    pub code: String,
    pub decimals: u8,
}

/// A credential field and where its value comes from; never the value.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CredentialField {
    pub name: String,
    pub label: String,
    pub secret: bool,
    pub required: bool,
    /// "env", "keyring" or "not_set"; `None` in the gateway list, where it is not looked up.
    pub source: Option<String>,
}

/// The settings as saved: what the Settings screen can change, and what it only shows.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SettingsView {
    #[serde(flatten)]
    pub saved: SettingsInput,
    pub last_gateway: Option<String>,
    /// Whether a manager PIN guards Settings, credentials, export and refunds.
    pub manager_pin_set: bool,
}

/// Whether manager-only functions are open, for the top bar and the PIN dialog. Never the PIN.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ManagerStatus {
    pub pin_set: bool,
    /// Manager functions are open: no PIN is set, or a manager unlocked the till.
    pub unlocked: bool,
    /// After too many wrong PINs, how long unlocking is refused; 0 when it is not.
    pub locked_out_seconds: u32,
}

/// What the Settings screen saves.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SettingsInput {
    pub default_gateway: String,
    pub default_currency: String,
    pub base_urls: BTreeMap<String, String>,
    pub decimal_comma: bool,
    /// Prefixes this till's order ids; empty or null for none.
    pub terminal_label: Option<String>,
    /// Empty or null for none.
    pub shop_name: Option<String>,
    /// "en" or "es".
    pub language: String,
    pub sounds: bool,
    /// Whole percent; empty when tips are off.
    pub tip_percents: Vec<u8>,
    pub kiosk: bool,
    pub always_on_top: bool,
    /// 0: never.
    pub idle_lock_minutes: u32,
    /// Invoice lifetime in minutes per gateway id, where the shop chose one (default 30); only
    /// gateways whose lifetime is settable, within their bounds.
    pub lifetime_minutes: BTreeMap<String, u32>,
}

impl SettingsInput {
    /// What saving an untouched, fresh till would send.
    pub fn defaults() -> SettingsInput {
        settings_view(&TillConfig::default()).saved
    }
}

/// One sale as the UI shows it. Amounts are exact decimal text, never a float.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct InvoiceView {
    #[ts(type = "number")]
    pub id: i64,
    pub order_id: String,
    pub gateway: String,
    pub gateway_name: String,
    /// "12.34"
    pub amount: String,
    pub currency: String,
    pub description: Option<String>,
    pub status: InvoiceStatus,
    pub gateway_status: Option<String>,
    pub gateway_invoice_id: Option<String>,
    pub pay_link: Option<String>,
    /// Unix seconds.
    #[ts(type = "number | null")]
    pub expires_at: Option<i64>,
    pub last_error: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
    /// No later status will come: stop following it.
    pub is_final: bool,
    /// When the cashier moved on without waiting (Unix seconds); the sale is still watched.
    #[ts(type = "number | null")]
    pub abandoned_at: Option<i64>,
    /// A gateway's sale, a cash sale, or a refund (a positive amount paid back).
    pub kind: InvoiceKind,
    /// The order id of the sale a refund pays back, where it named one.
    pub refund_of: Option<String>,
}

#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ChargeRequest {
    pub gateway: String,
    /// As typed: "12.34" (or "12,34" with the decimal-comma setting).
    pub amount: String,
    pub currency: String,
    pub description: Option<String>,
}

/// A sale's receipt as the print preview shows it: the printed lines, and the pay link's QR code.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ReceiptView {
    pub receipt: Receipt,
    /// SVG markup rendered here from the pay link; `None` when the sale has no link.
    pub qr_svg: Option<String>,
}

/// What the customer-facing window shows: the sale's amount and QR code, or a welcome.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CustomerView {
    pub shop_name: Option<String>,
    /// "en" or "es".
    pub language: String,
    pub decimal_comma: bool,
    /// `None`: no sale is open, so the welcome shows.
    pub invoice: Option<CustomerInvoice>,
}

/// The part of a sale the customer may see: nothing the cashier typed about it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CustomerInvoice {
    pub order_id: String,
    /// "12.34"
    pub amount: String,
    pub currency: String,
    pub qr_svg: Option<String>,
    pub status: InvoiceStatus,
    pub is_final: bool,
}

/// A typed amount that would be accepted, as the invoice will show it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AmountCheck {
    pub amount: String,
    pub currency: String,
}

/// The outcome of Settings' "Test connection".
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ConnectionCheck {
    pub base_url: String,
    /// The HTTP status the gateway's host answered with, if it answered at all.
    pub http_status: Option<u16>,
    pub missing_fields: Vec<String>,
    pub ok: bool,
    pub message: String,
}

// What the webview may send. Every `Till` method checks its arguments against these before it
// reads or writes anything, so a hostile or buggy page gets `bad_input` and changes nothing.
// (Descriptions are held to 200 characters by the service, credential values to 4096 bytes by the
// credential store.)
pub const MAX_KEY_CHARS: usize = 64;
pub const MAX_SEARCH_CHARS: usize = 100;
pub const MAX_GATEWAY_ID_CHARS: usize = 32;
pub const MAX_FIELD_CHARS: usize = 64;
pub const MAX_BASE_URL_CHARS: usize = 2048;
pub const MAX_AMOUNT_CHARS: usize = 32;
pub const MAX_CURRENCY_CHARS: usize = 8;

/// Refuses an argument that is too long or holds control characters, without echoing it (it may
/// be a credential pasted into the wrong box).
fn check_arg(what: &str, value: &str, max_chars: usize) -> Result<(), Error> {
    check_text(what, value, max_chars)?;
    Ok(())
}

fn check_key(key: &str) -> Result<(), Error> {
    check_arg("invoice id", key, MAX_KEY_CHARS)
}

fn check_amount_args(amount: &str, currency: &str) -> Result<(), Error> {
    check_arg("amount", amount, MAX_AMOUNT_CHARS)?;
    check_arg("currency", currency, MAX_CURRENCY_CHARS)
}

/// How long after its expiry an unpaid invoice is still asked about (a gateway may report late).
const FOLLOW_GRACE: Duration = Duration::from_secs(120);

/// How long Next customer waits for one last status answer before leaving the sale to the follower.
const ABANDON_CHECK: Duration = Duration::from_secs(3);

/// The till behind the desktop app: a `Paydesk` plus the settings it remembers.
pub struct Till {
    desk: Paydesk,
    config_path: PathBuf,
    config: Mutex<TillConfig>,
    /// Where the in-process simulator answers for the Demo gateway, unless the owner set one.
    demo_base_url: Option<String>,
    /// Whether a manager unlocked this till (in memory: a restart locks it), and wrong PINs
    /// (also in `attempts_path`, so a restart resets no lock-out).
    manager: Mutex<Session>,
    attempts_path: PathBuf,
    /// Unix seconds; replaceable so tests can move time instead of sleeping.
    now: Clock,
}

/// A source of Unix seconds.
pub type Clock = std::sync::Arc<dyn Fn() -> i64 + Send + Sync>;

impl Till {
    /// Opens the ledger and settings in `data_dir`, marking any sale a crash left half-sent as
    /// needing a check (see [`Till::recover`]).
    pub fn open(data_dir: &Path, credentials: CredentialStore, demo_base_url: Option<String>) -> Result<Till, Error> {
        let ledger = Ledger::open(&data_dir.join("ledger.sqlite3"))?;
        let config_path = data_dir.join("settings.json");
        let attempts_path = data_dir.join("manager-pin-attempts.json");
        // It holds the manager PIN's hash: readable by this user only, also when an older
        // Paydesk wrote it.
        #[cfg(unix)]
        if config_path.exists() {
            std::fs::set_permissions(&config_path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .map_err(|e| Error::Settings(format!("{} could not be made private: {e}", config_path.display())))?;
        }
        let config = TillConfig::load(&config_path).map_err(|e| match e {
            crate::config::ConfigError::Invalid(why) => Error::BadInput(why),
            other => Error::Settings(other.to_string()),
        })?;
        let desk = Paydesk::new(ledger, credentials, Settings::default());
        desk.mark_interrupted()?;
        let till = Till {
            desk,
            config_path,
            config: Mutex::new(config),
            demo_base_url,
            manager: Mutex::new(Session::with_attempts(load_attempts(&attempts_path))),
            attempts_path,
            now: std::sync::Arc::new(paydesk_money::clock::unix_now),
        };
        till.apply_config();
        Ok(till)
    }

    /// Asks the gateways about the sales a crash interrupted; returns them as they stand after.
    pub async fn recover(&self) -> Result<Vec<InvoiceView>, Error> {
        Ok(self.desk.recover().await?.into_iter().map(|i| self.view(i)).collect())
    }

    pub fn paydesk(&self) -> &Paydesk {
        &self.desk
    }

    /// Replaces the clock the manager session and "today" are measured by (for tests).
    pub fn with_clock(mut self, now: Clock) -> Till {
        self.now = now;
        self
    }

    fn session(&self) -> std::sync::MutexGuard<'_, Session> {
        self.manager.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Ok when no manager PIN is set or a manager unlocked the till (and then the idle timer
    /// restarts); `manager_pin_required` otherwise. Every manager-only method calls it first.
    pub fn require_manager(&self) -> Result<(), Error> {
        let config = self.config();
        if config.manager_pin_hash.is_none() {
            return Ok(());
        }
        let idle_secs = i64::from(config.idle_lock_minutes) * 60;
        if self.session().touch((self.now)(), idle_secs) {
            Ok(())
        } else {
            Err(Error::ManagerPinRequired)
        }
    }

    /// Where "today" begins for a cashier: the till's last local midnight.
    fn today_starts(&self) -> i64 {
        paydesk_money::clock::local_day_start((self.now)())
    }

    /// A sale by key, as a cashier may see it: one from before today needs the manager, as in
    /// History.
    fn find_visible(&self, key: &str) -> Result<Invoice, Error> {
        check_key(key)?;
        self.visible(self.desk.find(key)?)
    }

    /// [`Self::find_visible`], reading the ledger off the async workers.
    async fn find_visible_async(&self, key: &str) -> Result<Invoice, Error> {
        check_key(key)?;
        self.visible(self.desk.find_async(key).await?)
    }

    fn visible(&self, invoice: Invoice) -> Result<Invoice, Error> {
        if invoice.created_at < self.today_starts() {
            self.require_manager()?;
        }
        Ok(invoice)
    }

    fn config(&self) -> TillConfig {
        self.config.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Pushes the saved settings into the running `Paydesk`.
    fn apply_config(&self) {
        let config = self.config();
        let mut base_urls = config.base_urls.clone();
        if let Some(demo) = &self.demo_base_url {
            base_urls.entry("demo".into()).or_insert_with(|| demo.clone());
        }
        self.desk.update_settings(|s| {
            s.base_urls = base_urls;
            s.decimal_style = config.decimal_style;
            s.terminal_label = config.terminal_label.clone();
            s.lifetimes = config.lifetime_minutes.iter().map(|(id, m)| (id.clone(), m.saturating_mul(60))).collect();
        });
    }

    fn gateway_ids(&self) -> Vec<&'static str> {
        self.desk.gateway_infos().iter().map(|i| i.id).collect()
    }

    /// A known gateway by id; a long, garbled or unknown id is bad input.
    fn info(&self, gateway: &str) -> Result<&'static GatewayInfo, Error> {
        check_arg("gateway id", gateway, MAX_GATEWAY_ID_CHARS)?;
        Ok(self.desk.gateway(gateway)?.info())
    }

    pub fn bootstrap(&self) -> Bootstrap {
        let gateways = self.desk.gateway_infos().into_iter().map(gateway_view).collect();
        let currencies =
            Currency::all().map(|c| CurrencyView { code: c.code().into(), decimals: c.decimals() }).collect();
        // A ledger that cannot list them must not keep the till from starting; the follower and
        // History still show every late payment.
        let late_sales =
            self.desk.ledger().unseen_late().unwrap_or_default().into_iter().map(|i| self.view(i)).collect();
        Bootstrap { gateways, currencies, settings: settings_view(&self.config()), late_sales }
    }

    /// Checks a typed amount without charging, so the UI can explain a bad one before Charge.
    pub fn check_amount(&self, amount: &str, currency: &str) -> Result<AmountCheck, Error> {
        let parsed = self.typed_amount(amount, currency)?;
        Ok(AmountCheck { amount: parsed.to_decimal_string(), currency: parsed.currency().code().into() })
    }

    /// A typed amount in this till's decimal style.
    fn typed_amount(&self, amount: &str, currency: &str) -> Result<paydesk_money::Amount, Error> {
        check_amount_args(amount, currency)?;
        let currency: Currency = currency.parse()?;
        Ok(parse_amount(amount, currency, self.config().decimal_style)?)
    }

    /// Records a sale paid in cash at the counter (also when the network is down): paid at once.
    pub fn record_cash_sale(
        &self,
        amount: &str,
        currency: &str,
        description: Option<String>,
    ) -> Result<InvoiceView, Error> {
        let amount = self.typed_amount(amount, currency)?;
        let label = self.config().terminal_label;
        let entry = report::record_cash_sale(self.desk.ledger(), label.as_deref(), amount, description.as_deref())?;
        Ok(self.view(entry))
    }

    /// Records money paid back by hand (manager only). `original`, the refunded sale's order id,
    /// ties it to that sale: same currency, and no more than the sale took in all.
    pub fn record_refund(
        &self,
        amount: &str,
        currency: &str,
        reason: &str,
        original: Option<String>,
    ) -> Result<InvoiceView, Error> {
        self.require_manager()?;
        let amount = self.typed_amount(amount, currency)?;
        if let Some(key) = &original {
            check_key(key)?;
        }
        let label = self.config().terminal_label;
        let entry = report::record_refund(self.desk.ledger(), label.as_deref(), amount, reason, original.as_deref())?;
        Ok(self.view(entry))
    }

    /// Totals of the entries created in `[from, to)` (Unix seconds) per currency, status and gateway.
    pub fn shift_report(&self, from: i64, to: i64) -> Result<ShiftReport, Error> {
        // A cashier may total today, as History shows them today; earlier days are a manager's.
        if from < self.today_starts() {
            self.require_manager()?;
        }
        report::shift_report(self.desk.ledger(), from, to, |id| self.gateway_name(id))
    }

    /// Writes the shift report for `[from, to)` as CSV into `dir` (manager only) and returns the
    /// file's path. The file appears only once complete.
    pub fn export_report_csv(&self, from: i64, to: i64, dir: &Path) -> Result<String, Error> {
        self.require_manager()?;
        let path = report::export_report_csv(self.desk.ledger(), from, to, dir, |id| self.gateway_name(id))?;
        Ok(path.display().to_string())
    }

    pub async fn charge(&self, request: ChargeRequest) -> Result<InvoiceView, Error> {
        self.info(&request.gateway)?;
        check_amount_args(&request.amount, &request.currency)?;
        let input = ChargeInput {
            gateway: request.gateway,
            amount: request.amount,
            currency: Some(request.currency),
            order_id: None,
            description: request.description,
        };
        let invoice = self.desk.charge(&input).await?;
        self.remember_gateway(&invoice.gateway);
        Ok(self.view(invoice))
    }

    fn remember_gateway(&self, gateway: &str) {
        if self.config().last_gateway.as_deref() != Some(gateway) {
            // Remembering the last gateway is a convenience: failing to save it must not fail a sale.
            let _ = self.update_config(|config| config.last_gateway = Some(gateway.to_string()));
        }
    }

    pub fn invoice(&self, key: &str) -> Result<InvoiceView, Error> {
        Ok(self.view(self.find_visible(key)?))
    }

    pub async fn refresh(&self, key: &str) -> Result<InvoiceView, Error> {
        check_key(key)?;
        Ok(self.view(self.desk.refresh(key).await?))
    }

    /// Tries a failed or unknown sale again under its own order id (see [`Paydesk::retry`]).
    pub async fn retry(&self, key: &str) -> Result<InvoiceView, Error> {
        // A locked till acts only on the sales History shows it: today's.
        self.find_visible_async(key).await?;
        Ok(self.view(self.desk.retry(key).await?))
    }

    /// The cashier goes on to the next customer: the sale is marked abandoned but still followed,
    /// because most gateways cannot cancel an invoice and the customer may still pay it.
    /// The gateway is asked once first (briefly: offline, Next customer must not hang), so a
    /// payment made just before the button was pressed is recorded as paid, not as paid late; the
    /// sale is then returned final and not abandoned.
    pub async fn abandon(&self, key: &str) -> Result<InvoiceView, Error> {
        self.find_visible_async(key).await?;
        // Whatever this ask fails on, the follower keeps asking.
        let _ = tokio::time::timeout(ABANDON_CHECK, self.desk.refresh(key)).await;
        let invoice = self.desk.find_async(key).await?;
        if invoice.status.is_final() {
            return Ok(self.view(invoice));
        }
        Ok(self.view(self.desk.db(move |l| l.abandon(invoice.id)).await?))
    }

    /// The cashier dismissed the late-payment notice of `key`: it is not raised again, also not
    /// after a restart (the audit trail records when it was seen).
    pub fn dismiss_late(&self, key: &str) -> Result<(), Error> {
        check_key(key)?;
        let invoice = self.desk.find(key)?;
        Ok(self.desk.ledger().mark_late_seen(invoice.id)?)
    }

    /// Order ids of the sales still open on a gateway, to follow again after a restart.
    /// An `unknown` sale counts when the gateway gave it an id (it answered with a status Paydesk
    /// cannot place, which may still turn into a payment).
    pub fn open_sales(&self) -> Result<Vec<String>, Error> {
        let mut open = Vec::new();
        for status in
            [InvoiceStatus::Pending, InvoiceStatus::Confirming, InvoiceStatus::Underpaid, InvoiceStatus::Unknown]
        {
            let rows = self.desk.ledger().in_status(status)?.into_iter();
            // A pending sale without the gateway's id is followed too: the follow looks the id up.
            let followable = |i: &Invoice| i.gateway_invoice_id.is_some() || i.status != InvoiceStatus::Unknown;
            open.extend(rows.filter(followable).map(|i| i.order_id));
        }
        Ok(open)
    }

    /// Follows a sale until it is final or its follow ends (see [`Paydesk::follow`]), calling
    /// `on_change` with each new state.
    pub async fn follow(
        &self,
        key: &str,
        every: Duration,
        on_change: impl Fn(InvoiceView),
    ) -> Result<InvoiceView, Error> {
        check_key(key)?;
        let pace = Pace { every, grace: FOLLOW_GRACE };
        let last = self.desk.follow(key, pace, |inv| on_change(self.view(inv.clone()))).await?;
        Ok(self.view(last))
    }

    /// A manager settles by hand a sale the gateway cannot settle for Paydesk (NonStoPay without
    /// an id, a gateway that cannot be asked): paid or not paid, with who, when and why recorded.
    pub fn settle_by_hand(&self, key: &str, paid: bool, reason: &str) -> Result<InvoiceView, Error> {
        check_key(key)?;
        self.require_manager()?;
        let who = match &self.config().terminal_label {
            Some(label) => format!("the manager at {label}"),
            None => "the manager".to_string(),
        };
        Ok(self.view(self.desk.settle_by_hand(key, paid, &who, reason)?))
    }

    /// The link to open for the sale `key`: its own stored pay link, checked again now (https, or
    /// http to this machine), so nothing else can be opened through the till. The answer is the
    /// URL as checked, so the opener is handed exactly what passed the check.
    pub fn pay_link_to_open(&self, key: &str) -> Result<String, Error> {
        let link =
            self.find_visible(key)?.pay_link.ok_or_else(|| Error::BadInput("this sale has no pay link".into()))?;
        Ok(paydesk_gateways::http::pay_link_url(&link)?.to_string())
    }

    /// The pay link as an SVG QR code, rendered here so the webview loads nothing remote.
    pub fn qr_svg(&self, key: &str) -> Result<String, Error> {
        let invoice = self.find_visible(key)?;
        let link = invoice.pay_link.ok_or_else(|| Error::BadInput("this sale has no pay link yet".into()))?;
        qr::qr_svg(&link).map_err(|e| Error::Local(e.to_string()))
    }

    /// A sale's receipt, its time in the till's local time.
    pub fn receipt(&self, key: &str) -> Result<ReceiptView, Error> {
        let receipt = self.receipt_of(key)?;
        let qr_svg =
            receipt.pay_link.as_deref().map(qr::qr_svg).transpose().map_err(|e| Error::Local(e.to_string()))?;
        Ok(ReceiptView { receipt, qr_svg })
    }

    /// Writes a sale's receipt as a PDF into `dir`, named by its order id, and returns the file's
    /// path. The file appears only once complete; an earlier one of the same sale is replaced.
    pub fn save_receipt_pdf(&self, key: &str, dir: &Path) -> Result<String, Error> {
        let receipt = self.receipt_of(key)?;
        let pdf = receipt_pdf(&receipt).map_err(|e| Error::Local(e.to_string()))?;
        let path = dir.join(receipt.file_name());
        let io_error = |e: std::io::Error| Error::Local(format!("could not write {}: {e}", path.display()));
        std::fs::create_dir_all(dir).map_err(io_error)?;
        match save_atomically(&path, |out| Ok(out.write_all(&pdf)?)) {
            Ok(()) => Ok(path.display().to_string()),
            Err(ExportError::Ledger(e)) => Err(e.into()),
            Err(ExportError::Io(e)) => Err(io_error(e)),
        }
    }

    fn receipt_of(&self, key: &str) -> Result<Receipt, Error> {
        let invoice = self.find_visible(key)?;
        let utc_offset_minutes = paydesk_money::clock::local_offset_secs(invoice.created_at) / 60;
        Ok(Receipt::new(&invoice, &self.gateway_name(&invoice.gateway), &self.config(), Some(utc_offset_minutes)))
    }

    /// What the customer-facing window shows for the sale `key`, or the welcome for `None`.
    pub fn customer_view(&self, key: Option<&str>) -> Result<CustomerView, Error> {
        let invoice = match key {
            Some(key) => {
                let inv = self.find_visible(key)?;
                // A link too long to draw is reported on the cashier's screen; the customer still
                // sees the amount.
                let qr_svg = inv.pay_link.as_deref().and_then(|link| qr::qr_svg(link).ok());
                Some(CustomerInvoice {
                    order_id: inv.order_id,
                    amount: inv.amount.to_decimal_string(),
                    currency: inv.amount.currency().code().into(),
                    qr_svg,
                    status: inv.status,
                    is_final: inv.status.is_final(),
                })
            }
            None => None,
        };
        let config = self.config();
        Ok(CustomerView {
            shop_name: config.shop_name,
            language: config.language,
            decimal_comma: config.decimal_style == DecimalStyle::Comma,
            invoice,
        })
    }

    pub fn history(&self, search: &str, limit: u32, offset: u32) -> Result<Vec<InvoiceView>, Error> {
        check_arg("search", search, MAX_SEARCH_CHARS)?;
        // A cashier sees only today's sales, from the till's local midnight. Looking does not
        // count as manager activity: browsing History must not keep an idle unlock alive.
        let since = if self.manager_status().unlocked { i64::MIN } else { self.today_starts() };
        let rows = self.desk.ledger().search_since(search, since, limit.min(500), offset)?;
        Ok(rows.into_iter().map(|i| self.view(i)).collect())
    }

    /// Writes every invoice as CSV into `dir`, row by row straight from the ledger, and returns the
    /// file's path. The file appears only once complete.
    pub fn export_csv(&self, dir: &Path) -> Result<String, Error> {
        self.require_manager()?;
        let (y, m, d) = paydesk_money::clock::civil_date(paydesk_money::clock::unix_now());
        let path = dir.join(format!("paydesk-invoices-{y:04}-{m:02}-{d:02}.csv"));
        let io_error = |e: std::io::Error| Error::Local(format!("could not write {}: {e}", path.display()));
        std::fs::create_dir_all(dir).map_err(io_error)?;
        match self.desk.ledger().with_all(|rows| save_invoices_csv(&path, rows))? {
            Ok(()) => Ok(path.display().to_string()),
            Err(ExportError::Ledger(e)) => Err(e.into()),
            Err(ExportError::Io(e)) => Err(io_error(e)),
        }
    }

    pub fn credentials(&self, gateway: &str) -> Result<Vec<CredentialField>, Error> {
        self.require_manager()?;
        let info = self.info(gateway)?;
        let states = self.desk.credentials().status(info)?;
        Ok(states
            .into_iter()
            .map(|s| CredentialField {
                name: s.field.into(),
                label: s.label.into(),
                secret: s.secret,
                required: s.required,
                source: Some(source_name(s.source).into()),
            })
            .collect())
    }

    pub fn set_credential(&self, gateway: &str, field: &str, value: String) -> Result<Vec<CredentialField>, Error> {
        self.require_manager()?;
        let info = self.info(gateway)?;
        check_arg("credential field name", field, MAX_FIELD_CHARS)?;
        if !info.fields.iter().any(|f| f.name == field) {
            let valid = info.fields.iter().map(|f| f.name).collect();
            let unknown = CredentialError::UnknownField { gateway: info.id, field: field.into(), valid };
            return Err(Error::BadInput(unknown.to_string()));
        }
        self.desk.credentials().set(info, field, Secret::new(value))?;
        self.credentials(gateway)
    }

    pub fn delete_credentials(&self, gateway: &str) -> Result<Vec<CredentialField>, Error> {
        self.require_manager()?;
        let info = self.info(gateway)?;
        self.desk.credentials().delete(info)?;
        self.credentials(gateway)
    }

    pub fn save_settings(&self, input: SettingsInput) -> Result<SettingsView, Error> {
        self.require_manager()?;
        self.info(&input.default_gateway)?;
        check_arg("default currency", &input.default_currency, MAX_CURRENCY_CHARS)?;
        check_arg("language", &input.language, MAX_CURRENCY_CHARS)?;
        if let Some(name) = &input.shop_name {
            check_arg("shop name", name, crate::config::MAX_SHOP_NAME_CHARS * 2)?;
        }
        for (gateway, url) in &input.base_urls {
            self.info(gateway)?;
            check_arg("base URL", url, MAX_BASE_URL_CHARS)?;
        }
        for (gateway, minutes) in &input.lifetime_minutes {
            let info = self.info(gateway)?;
            info.lifetime.check(info.name, minutes.saturating_mul(60)).map_err(Error::BadInput)?;
        }
        self.update_config(|config| {
            config.default_gateway = input.default_gateway;
            config.default_currency = input.default_currency.trim().to_ascii_uppercase();
            config.base_urls = input.base_urls.into_iter().filter(|(_, url)| !url.trim().is_empty()).collect();
            config.decimal_style = if input.decimal_comma { DecimalStyle::Comma } else { DecimalStyle::Point };
            config.terminal_label =
                input.terminal_label.map(|l| l.trim().to_ascii_uppercase()).filter(|l| !l.is_empty());
            config.shop_name = input.shop_name.map(|n| n.trim().to_string()).filter(|n| !n.is_empty());
            config.language = input.language;
            config.sounds = input.sounds;
            config.tip_percents = input.tip_percents;
            config.kiosk = input.kiosk;
            config.always_on_top = input.always_on_top;
            config.idle_lock_minutes = input.idle_lock_minutes;
            config.lifetime_minutes = input.lifetime_minutes;
        })
    }

    /// Changes the settings: `change` edits a copy, which is checked and written to settings.json
    /// (atomically) and only then made the running one. The lock is held throughout, so two
    /// changes (a save and the last-gateway note of a charge) cannot undo each other.
    fn update_config(&self, change: impl FnOnce(&mut TillConfig)) -> Result<SettingsView, Error> {
        let mut running = self.config.lock().unwrap_or_else(|p| p.into_inner());
        let mut config = running.clone();
        change(&mut config);
        config.save(&self.config_path, &self.gateway_ids()).map_err(|e| match e {
            crate::config::ConfigError::Invalid(why) => Error::BadInput(why),
            other => Error::Local(other.to_string()),
        })?;
        *running = config.clone();
        drop(running);
        self.apply_config();
        Ok(settings_view(&config))
    }

    pub fn manager_status(&self) -> ManagerStatus {
        let config = self.config();
        let now = (self.now)();
        let session = self.session();
        let idle_secs = i64::from(config.idle_lock_minutes) * 60;
        ManagerStatus {
            pin_set: config.manager_pin_hash.is_some(),
            unlocked: config.manager_pin_hash.is_none() || session.is_unlocked(now, idle_secs),
            locked_out_seconds: u32::try_from(session.locked_out_secs(now)).unwrap_or(u32::MAX),
        }
    }

    /// Opens manager functions with the manager PIN (nothing to open when no PIN is set).
    pub fn unlock(&self, pin: String) -> Result<ManagerStatus, Error> {
        self.try_unlock(&Secret::new(pin))?;
        Ok(self.manager_status())
    }

    fn try_unlock(&self, pin: &Secret) -> Result<(), Error> {
        let Some(hash) = self.config().manager_pin_hash else { return Ok(()) };
        let mut session = self.session();
        let before = session.attempts();
        let outcome = session.unlock(pin.expose(), &hash, (self.now)());
        if session.attempts() != before {
            // Refused rather than forgotten: a count that cannot be kept must not let guessing on.
            self.save_attempts(session.attempts())?;
        }
        Ok(outcome?)
    }

    /// Writes the wrong-PIN count and lock-out (durably, readable by this user only), so that
    /// restarting the app resets neither.
    fn save_attempts(&self, attempts: pin::Attempts) -> Result<(), Error> {
        let bytes = serde_json::to_vec(&attempts).expect("plain data serializes");
        crate::config::write_private(&self.attempts_path, &bytes)
            .map_err(|e| Error::Settings(format!("the wrong-PIN count could not be saved: {e}")))
    }

    pub fn lock(&self) -> ManagerStatus {
        self.session().lock();
        self.manager_status()
    }

    /// Sets, changes (`new` given) or removes (`new` `None`) the manager PIN. While a PIN is set
    /// this needs an unlocked session or the `current` PIN; the first PIN needs neither. Only the
    /// salted hash is saved, and whoever set the PIN stays unlocked.
    pub fn set_manager_pin(&self, current: Option<String>, new: Option<String>) -> Result<ManagerStatus, Error> {
        let (current, new) = (current.map(Secret::new), new.map(Secret::new));
        let hash = new.as_ref().map(|pin| pin::hash_pin(pin.expose())).transpose()?;
        if let Err(locked) = self.require_manager() {
            self.try_unlock(&current.ok_or(locked)?)?;
        }
        self.update_config(|config| config.manager_pin_hash = hash)?;
        let mut session = self.session();
        let earlier = session.attempts();
        session.open((self.now)());
        if earlier != session.attempts() {
            // A new PIN starts with no wrong tries, after a restart too. Failing to write that
            // only leaves the stricter count on disk, so the PIN that was just set stays set.
            let _ = self.save_attempts(session.attempts());
        }
        drop(session);
        Ok(self.manager_status())
    }

    /// Leaves kiosk mode (saved), which only a manager may do when a PIN is set.
    pub fn leave_kiosk(&self) -> Result<SettingsView, Error> {
        self.require_manager()?;
        self.update_config(|config| config.kiosk = false)
    }

    /// Reaches the gateway's host and checks that its required credentials are set. It does not
    /// prove the credentials are accepted: no gateway offers a call that checks them for free.
    pub async fn test_connection(&self, gateway: &str) -> Result<ConnectionCheck, Error> {
        self.require_manager()?;
        let info = self.info(gateway)?;
        let base = self.desk.base_url(info)?;
        let creds = self.desk.load_credentials(info).await?;
        let missing: Vec<String> = info
            .fields
            .iter()
            .filter(|f| f.required && creds.get(f.name).is_none())
            .map(|f| f.name.to_string())
            .collect();
        let http_status = self.desk.probe(&base).await;
        let ok = http_status.is_some() && missing.is_empty();
        let host = base.host_str().unwrap_or("the host");
        // Any HTTP answer proves the host is there; what it says at its bare base URL (often 404)
        // says nothing about the account, so the code is kept out of the sentence.
        let reach = match http_status {
            Some(_) => format!("{host} answered"),
            None => format!("{host} could not be reached"),
        };
        let creds_text = if missing.is_empty() {
            "every required credential is set (the gateway checks them on the first charge)".to_string()
        } else {
            format!("missing: {}", missing.join(", "))
        };
        Ok(ConnectionCheck {
            base_url: base.to_string(),
            http_status,
            missing_fields: missing,
            ok,
            message: format!("{reach}; {creds_text}"),
        })
    }

    /// A gateway's name; cash sales and refunds have names of their own.
    fn gateway_name(&self, id: &str) -> String {
        match report::entry_gateway_name(id) {
            Some(name) => name.to_string(),
            None => self.info(id).map(|i| i.name.to_string()).unwrap_or_else(|_| id.to_string()),
        }
    }

    fn view(&self, inv: Invoice) -> InvoiceView {
        let gateway_name = self.gateway_name(&inv.gateway);
        InvoiceView {
            id: inv.id,
            is_final: inv.status.is_final(),
            order_id: inv.order_id,
            gateway: inv.gateway,
            gateway_name,
            amount: inv.amount.to_decimal_string(),
            currency: inv.amount.currency().code().into(),
            description: inv.description,
            status: inv.status,
            gateway_status: inv.gateway_status,
            gateway_invoice_id: inv.gateway_invoice_id,
            pay_link: inv.pay_link,
            expires_at: inv.expires_at,
            last_error: inv.last_error,
            created_at: inv.created_at,
            abandoned_at: inv.abandoned_at,
            kind: inv.kind,
            refund_of: inv.refund_of,
        }
    }
}

fn source_name(source: Source) -> &'static str {
    match source {
        Source::Env => "env",
        Source::Keyring => "keyring",
        Source::NotSet => "not_set",
    }
}

fn gateway_view(info: &'static GatewayInfo) -> GatewayView {
    GatewayView {
        id: info.id.into(),
        name: info.name.into(),
        fields: info
            .fields
            .iter()
            .map(|f| CredentialField {
                name: f.name.into(),
                label: f.label.into(),
                secret: f.secret,
                required: f.required,
                source: None,
            })
            .collect(),
        currencies: info.currencies.map(|list| list.iter().map(|c| c.to_string()).collect()),
        can_poll: info.can_poll,
        default_base_url: info.default_base_url.into(),
        repeat: info.repeat,
        lookup: info.lookup,
        lifetime: info.lifetime,
    }
}

/// The wrong-PIN count and lock-out left by earlier runs. A file that cannot be read or parsed
/// counts as the longest lock-out, so garbling it does not reset the count. (Whoever can delete
/// it can as well remove the PIN's hash from settings.json: the PIN guards the till, not the files.)
fn load_attempts(path: &Path) -> pin::Attempts {
    match std::fs::read(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => pin::Attempts::default(),
        Ok(bytes) => serde_json::from_slice(&bytes).unwrap_or_else(|_| garbled_attempts()),
        Err(_) => garbled_attempts(),
    }
}

fn garbled_attempts() -> pin::Attempts {
    let wrong = pin::MAX_WRONG_PINS + 8;
    pin::Attempts {
        wrong_in_a_row: wrong,
        locked_out_until: Some(paydesk_money::clock::unix_now() + pin::lockout_secs(wrong)),
    }
}

/// Why a follow gave up on a sale no answer settled, and what a person does about it.
fn settings_view(config: &TillConfig) -> SettingsView {
    SettingsView {
        saved: SettingsInput {
            default_gateway: config.default_gateway.clone(),
            default_currency: config.default_currency.clone(),
            base_urls: config.base_urls.clone(),
            decimal_comma: config.decimal_style == DecimalStyle::Comma,
            terminal_label: config.terminal_label.clone(),
            shop_name: config.shop_name.clone(),
            language: config.language.clone(),
            sounds: config.sounds,
            tip_percents: config.tip_percents.clone(),
            kiosk: config.kiosk,
            always_on_top: config.always_on_top,
            idle_lock_minutes: config.idle_lock_minutes,
            lifetime_minutes: config.lifetime_minutes.clone(),
        },
        last_gateway: config.last_gateway.clone(),
        manager_pin_set: config.manager_pin_hash.is_some(),
    }
}
