//! The shop database from the till's side: setting its address (kept in the keyring), the link's
//! state for Settings, and the shop-wide History and Report (a manager's: they show every till).

use super::*;
use crate::report::{shop_report, ShopReport};
use crate::shop_link::{configured_url, till_name, ShopLink, SHOP_DATABASE};
use paydesk_shop::ShopDb;
use std::sync::Arc;

/// The link to the shop database as Settings shows it. Never the password.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ShopLinkView {
    /// A shop database is set (in the keyring or `PAYDESK_SHOP_DATABASE_URL`).
    pub set: bool,
    /// Its address with the password masked.
    pub address: Option<String>,
    /// This till's id and name in the shop database.
    pub till_id: String,
    pub till_name: String,
    /// Changes waiting to be pushed.
    #[ts(type = "number")]
    pub pending: u64,
    /// When a push last reached the shop database (Unix seconds).
    #[ts(type = "number | null")]
    pub pushed_at: Option<i64>,
    /// Callback news from the relay is being listened for.
    pub listening: bool,
    /// Why the last push or listen failed.
    pub error: Option<String>,
}

/// One sale of any till, for the shop-wide History.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ShopSaleView {
    pub till_name: String,
    pub order_id: String,
    pub kind: InvoiceKind,
    pub gateway_name: String,
    /// Exact decimal text, tip included.
    pub amount: String,
    pub currency: String,
    pub description: Option<String>,
    pub status: InvoiceStatus,
    pub cashier: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
    /// The status came from a verified gateway callback through the shop relay.
    pub by_callback: bool,
}

impl ShopSaleView {
    /// A row of the shop database as History (and `paydesk invoices --shop --json`) shows it;
    /// `gateway_name` names a gateway id.
    pub fn of(s: paydesk_shop::ShopSale, gateway_name: impl Fn(&str) -> String) -> ShopSaleView {
        ShopSaleView {
            gateway_name: gateway_name(&s.gateway),
            amount: s.amount.to_decimal_string(),
            currency: s.amount.currency().code().into(),
            till_name: s.till_name,
            order_id: s.order_id,
            kind: s.kind,
            description: s.description,
            status: s.status,
            cashier: s.cashier,
            created_at: s.created_at,
            by_callback: s.by_callback,
        }
    }
}

impl Till {
    /// Starts the link to the shop database, if one is set (reads the keyring: call it off the
    /// UI's path). Needs a Tokio runtime. A link already running is replaced.
    pub fn start_shop_link(&self) -> Result<ShopLinkView, Error> {
        let link = match configured_url(self.desk.credentials())? {
            Some(url) => {
                Some(Arc::new(ShopLink::start(&url, self.desk.shared_ledger(), self.desk.news(), self.till_name()?)?))
            }
            None => None,
        };
        *self.shop.lock().unwrap_or_else(|p| p.into_inner()) = link;
        self.shop_link()
    }

    /// Sets (or with `None` forgets) the shop database's address, in the keyring, and restarts the
    /// link. An address that is not a `postgres://` URL is refused and changes nothing.
    pub fn set_shop_database(&self, url: Option<String>) -> Result<ShopLinkView, Error> {
        self.require_manager()?;
        match url {
            Some(url) => {
                check_arg("shop database address", &url, MAX_BASE_URL_CHARS)?;
                ShopDb::open(&url).map_err(|e| Error::BadInput(e.to_string()))?;
                self.desk.credentials().set(&SHOP_DATABASE, "url", Secret::new(url))?;
            }
            None => {
                self.desk.credentials().delete(&SHOP_DATABASE)?;
            }
        }
        self.start_shop_link()
    }

    pub fn shop_link(&self) -> Result<ShopLinkView, Error> {
        let link = self.link();
        let state = link.as_ref().map(|l| l.state()).unwrap_or_default();
        Ok(ShopLinkView {
            set: link.is_some(),
            address: link.as_ref().map(|l| l.db().shown().to_string()),
            till_id: self.desk.ledger().till_id()?,
            till_name: self.till_name()?,
            pending: self.desk.ledger().outbox_len()?,
            pushed_at: state.pushed_at,
            listening: state.listening,
            error: state.error,
        })
    }

    /// The newest sales of every till (manager only), optionally matching `search`.
    pub async fn shop_history(&self, search: &str, limit: u32, offset: u32) -> Result<Vec<ShopSaleView>, Error> {
        self.require_manager()?;
        check_arg("search", search, MAX_SEARCH_CHARS)?;
        let link = self.link().ok_or(Error::ShopNotSet)?;
        let search = (!search.trim().is_empty()).then(|| search.trim());
        let rows = link.db().sales(search, limit.min(500), offset).await?;
        Ok(rows.into_iter().map(|s| ShopSaleView::of(s, |id| self.gateway_name(id))).collect())
    }

    /// The whole shop's report for `[from, to)` (manager only): per till and in total.
    pub async fn shop_report(&self, from: i64, to: i64) -> Result<ShopReport, Error> {
        self.require_manager()?;
        let link = self.link().ok_or(Error::ShopNotSet)?;
        shop_report(link.db(), from, to, |id| self.gateway_name(id)).await
    }

    fn link(&self) -> Option<Arc<ShopLink>> {
        self.shop.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    fn till_name(&self) -> Result<String, Error> {
        let label = self.config.lock().unwrap_or_else(|p| p.into_inner()).terminal_label.clone();
        Ok(till_name(label.as_deref(), &self.desk.ledger().till_id()?))
    }
}
