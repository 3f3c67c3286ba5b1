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
use paydesk_ledger::{Invoice, InvoiceKind, Ledger, LedgerError};
use paydesk_money::order::{check_text, MAX_DESCRIPTION_CHARS};
use paydesk_money::InvoiceStatus;
use paydesk_money::{parse_amount, parse_decimal, Amount, Currency, DecimalStyle, MoneyError, MAX_MAJOR_UNITS};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;
use ts_rs::TS;

mod cash;
mod counter;
mod manager;
mod sales;
mod shop;
mod shop_db;
mod shop_views;
mod updates;
mod views;

use manager::{load_attempts, settings_view};
pub use shop::{MAX_CATALOG_BYTES, MAX_LABEL_CHARS};
pub use shop_db::{ShopLinkView, ShopSaleView};
pub use shop_views::*;
pub use updates::*;
pub use views::*;

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
    /// The cashier signed in at this till (in memory: a restart signs them out).
    seller: Mutex<Option<CashierView>>,
    /// Wrong cashier PINs in a row, and the lock-out they lead to (also in `cashier_attempts_path`).
    cashier_pins: Mutex<Session>,
    cashier_attempts_path: PathBuf,
    /// Receipts and drawer kicks on their way to the printer.
    printer: std::sync::Arc<crate::printing::PrintQueue>,
    /// Sales whose receipt was queued on its own when paid (the ledger notes it once printed).
    auto_printed: Mutex<std::collections::HashSet<String>>,
    /// The link to the shop database, while one is set and started.
    shop: Mutex<Option<std::sync::Arc<crate::shop_link::ShopLink>>>,
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
        let cashier_attempts_path = data_dir.join("cashier-pin-attempts.json");
        // It holds the manager PIN's hash: readable by this user only, also when an older
        // Paydesk wrote it.
        #[cfg(unix)]
        if config_path.exists() {
            std::fs::set_permissions(&config_path, std::os::unix::fs::PermissionsExt::from_mode(0o600))
                .map_err(|e| Error::Settings(format!("{} could not be made private: {e}", config_path.display())))?;
        }
        let config = TillConfig::load(&config_path)?;
        let desk = Paydesk::new(ledger, credentials, Settings::default());
        desk.mark_interrupted()?;
        let printer = std::sync::Arc::new(crate::printing::PrintQueue::default());
        let shared = desk.shared_ledger();
        printer.listen(move |job| {
            use crate::printing::{PrintKind, PrintState};
            if let (PrintKind::Receipt, PrintState::Printed, Some(order)) = (job.kind, job.state, &job.order_id) {
                // Only a note; a ledger too busy to take it means at worst one more receipt later.
                if let Ok(sale) = shared.find(order) {
                    let _ = shared.mark_printed(sale.id);
                }
            }
        });
        let till = Till {
            desk,
            config_path,
            config: Mutex::new(config),
            demo_base_url,
            manager: Mutex::new(Session::with_attempts(load_attempts(&attempts_path))),
            attempts_path,
            seller: Mutex::new(None),
            cashier_pins: Mutex::new(Session::with_attempts(load_attempts(&cashier_attempts_path))),
            cashier_attempts_path,
            printer,
            auto_printed: Mutex::new(Default::default()),
            shop: Mutex::new(None),
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
            s.terminal_label = config.terminal_label.clone();
            s.relay_url = config.relay_url.clone();
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
        let limits = Limits {
            text_chars: MAX_DESCRIPTION_CHARS as u32,
            max_per_sale: MAX_MAJOR_UNITS as u32,
            item_name_chars: crate::catalog_csv::MAX_NAME_CHARS as u32,
            barcode_chars: crate::catalog_csv::MAX_BARCODE_CHARS as u32,
            category_chars: crate::catalog_csv::MAX_CATEGORY_CHARS as u32,
            label_chars: MAX_LABEL_CHARS as u32,
        };
        Bootstrap { gateways, currencies, settings: settings_view(&self.config()), late_sales, limits }
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
            tip: (inv.tip_minor > 0).then(|| inv.amount.currency().format_minor(i128::from(inv.tip_minor))),
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
            cashier: inv.cashier,
            priced: inv.priced.map(PricedView::from),
        }
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
