//! The shop's money rules at the till: the catalog and its tax rates, cashiers signing in,
//! shifts opened with a float and closed with a count, and the exchange rates a sale priced in
//! one currency and charged in another is converted with.

use super::shop_views::*;
use super::*;
use crate::catalog_csv::{describe, read_catalog, write_catalog};
use crate::pricing::{ChargeIn, RungUp};
use crate::reference_rates::ECB_DAILY_URL;
use paydesk_ledger::{CatalogRate, NewItem, SaleDetails};
use paydesk_money::fx::{ExchangeRate, Rate};
use paydesk_money::tax::{parse_percent, TaxRate};
use std::collections::BTreeSet;

/// Items one search answers with: a screenful to tap, not the whole catalog.
const MAX_ITEMS_LISTED: u32 = 200;
/// The largest catalog file read at once (a 20,000-item catalog is about 1 MiB).
pub const MAX_CATALOG_BYTES: usize = 4 << 20;
/// A cashier's or a tax rate's name: short enough for a receipt line beside its figure.
pub const MAX_LABEL_CHARS: usize = 40;

impl Till {
    pub fn items(&self, search: &str) -> Result<Vec<ItemView>, Error> {
        check_arg("search", search, MAX_SEARCH_CHARS)?;
        Ok(self.desk.ledger().items(search, MAX_ITEMS_LISTED)?.into_iter().map(ItemView::from).collect())
    }

    /// The item a scanned barcode names; an unknown code is `not_found`, and nothing is added.
    pub fn item_by_barcode(&self, code: &str) -> Result<ItemView, Error> {
        check_arg("barcode", code, crate::catalog_csv::MAX_BARCODE_CHARS)?;
        match self.desk.ledger().item_by_barcode(code.trim())? {
            Some(item) => Ok(item.into()),
            None => Err(LedgerError::NotFound(format!("item with barcode {}", code.trim())).into()),
        }
    }

    /// Adds an item (`id` None) or changes one (manager only).
    pub fn save_item(&self, id: Option<i64>, input: ItemInput) -> Result<ItemView, Error> {
        self.require_manager()?;
        let name = check_text("name", input.name.trim(), crate::catalog_csv::MAX_NAME_CHARS)?.to_string();
        if name.is_empty() {
            return Err(Error::BadInput("an item needs a name".into()));
        }
        let price = self.wire_amount(&input.price, &input.currency)?;
        let cell = |v: Option<String>| v.map(|v| v.trim().to_string()).filter(|v| !v.is_empty());
        let item = NewItem {
            name,
            price,
            tax_rate: cell(input.tax_rate),
            barcode: cell(input.barcode),
            category: cell(input.category),
        };
        if let Some(code) = &item.barcode {
            check_arg("barcode", code, crate::catalog_csv::MAX_BARCODE_CHARS)?;
        }
        if let Some(category) = &item.category {
            check_arg("category", category, crate::catalog_csv::MAX_CATEGORY_CHARS)?;
        }
        Ok(self.desk.ledger().save_item(id, &item)?.into())
    }

    pub fn delete_item(&self, id: i64) -> Result<(), Error> {
        self.require_manager()?;
        Ok(self.desk.ledger().delete_item(id)?)
    }

    /// Replaces the catalog with the CSV `text` (manager only): all of it, or, with any bad row,
    /// none of it (every bad row named by line and column).
    pub fn import_catalog(&self, text: &str) -> Result<ImportOutcome, Error> {
        self.require_manager()?;
        if text.len() > MAX_CATALOG_BYTES {
            return Err(Error::BadInput(format!("a catalog file may hold at most {} MiB", MAX_CATALOG_BYTES >> 20)));
        }
        let currency: Currency = self.config().default_currency.parse()?;
        let rates: BTreeSet<String> = self.desk.ledger().tax_rates()?.into_iter().map(|r| r.rate.name).collect();
        let items = read_catalog(text.as_bytes(), currency, &rates).map_err(|e| Error::BadInput(describe(&e)))?;
        let count = self.desk.ledger().replace_catalog(&items).map_err(|(at, e)| match e {
            // Row `at` of the items is on line at + 2 at the earliest (after the header): the
            // reader already refused what it could see, so this is a rule only the ledger knows.
            LedgerError::Line(why) => Error::BadInput(format!("nothing was imported: item {}: {why}", at + 1)),
            other => other.into(),
        })?;
        Ok(ImportOutcome { items: count as u32 })
    }

    /// Writes the catalog as CSV into `dir` (manager only) and returns the file's path.
    pub fn export_catalog(&self, dir: &Path) -> Result<String, Error> {
        self.require_manager()?;
        let items = self.desk.ledger().items("", u32::MAX)?;
        let path = dir.join("paydesk-catalog.csv");
        let io_error = |e: std::io::Error| Error::Local(format!("could not write {}: {e}", path.display()));
        std::fs::create_dir_all(dir).map_err(io_error)?;
        match save_atomically(&path, |out| Ok(write_catalog(out, &items)?)) {
            Ok(()) => Ok(path.display().to_string()),
            Err(ExportError::Ledger(e)) => Err(e.into()),
            Err(ExportError::Io(e)) => Err(io_error(e)),
        }
    }

    pub fn tax_rates(&self) -> Result<Vec<TaxRateView>, Error> {
        Ok(self.desk.ledger().tax_rates()?.into_iter().map(TaxRateView::from).collect())
    }

    /// Adds or changes a tax rate by name (manager only); past sales keep the rate they had.
    pub fn save_tax_rate(&self, rate: TaxRateView) -> Result<Vec<TaxRateView>, Error> {
        self.require_manager()?;
        let name = check_text("tax rate name", rate.name.trim(), MAX_LABEL_CHARS)?.to_string();
        if name.is_empty() {
            return Err(Error::BadInput("a tax rate needs a name".into()));
        }
        check_arg("percent", &rate.percent, MAX_AMOUNT_CHARS)?;
        let basis_points = parse_percent(rate.percent.trim())?;
        let rate = CatalogRate {
            rate: TaxRate { name, basis_points, inclusive: rate.inclusive },
            is_default: rate.is_default,
        };
        self.desk.ledger().save_tax_rate(&rate)?;
        self.tax_rates()
    }

    pub fn delete_tax_rate(&self, name: &str) -> Result<Vec<TaxRateView>, Error> {
        self.require_manager()?;
        check_arg("tax rate name", name, MAX_LABEL_CHARS)?;
        self.desk.ledger().delete_tax_rate(name)?;
        self.tax_rates()
    }

    pub fn cashiers(&self) -> Result<Vec<CashierView>, Error> {
        let rows = self.desk.ledger().cashiers()?;
        Ok(rows.into_iter().map(|c| CashierView { id: c.id, name: c.name, active: c.active }).collect())
    }

    /// Adds a cashier with their own PIN (manager only); only its salted hash is kept.
    pub fn add_cashier(&self, name: &str, pin: String) -> Result<CashierView, Error> {
        self.require_manager()?;
        let name = check_text("name", name.trim(), MAX_LABEL_CHARS)?;
        if name.is_empty() {
            return Err(Error::BadInput("a cashier needs a name".into()));
        }
        let hash = pin::hash_pin(Secret::new(pin).expose())?;
        let c = self.desk.ledger().add_cashier(name, &hash)?;
        Ok(CashierView { id: c.id, name: c.name, active: c.active })
    }

    /// Gives a cashier a new PIN, or lets them sign in or not (manager only).
    pub fn update_cashier(
        &self,
        id: i64,
        pin: Option<String>,
        active: Option<bool>,
    ) -> Result<Vec<CashierView>, Error> {
        self.require_manager()?;
        let hash = pin.map(|p| pin::hash_pin(Secret::new(p).expose())).transpose()?;
        self.desk.ledger().update_cashier(id, hash.as_deref(), active)?;
        if active == Some(false) {
            let mut seller = self.seller_lock();
            if seller.as_ref().is_some_and(|c| c.id == id) {
                *seller = None;
            }
        }
        self.cashiers()
    }

    /// A cashier signs in with their PIN. Wrong PINs count towards one lock-out for the till.
    pub fn sign_in(&self, cashier_id: i64, pin: String) -> Result<SellerView, Error> {
        let pin = Secret::new(pin);
        let cashier = self.cashiers()?.into_iter().find(|c| c.id == cashier_id && c.active);
        let cashier = cashier.ok_or_else(|| LedgerError::NotFound(format!("cashier {cashier_id}")))?;
        let hash = self.desk.ledger().cashier_pin_hash(cashier_id)?;
        let mut attempts = self.cashier_pins.lock().unwrap_or_else(|p| p.into_inner());
        let before = attempts.attempts();
        let outcome = attempts.unlock(pin.expose(), &hash, (self.now)());
        if attempts.attempts() != before {
            // As the manager PIN's: kept on disk, and a count that cannot be kept stops guessing.
            super::manager::save_attempts(&self.cashier_attempts_path, attempts.attempts())?;
        }
        outcome?;
        // The PIN opened the door; the session itself is the signed-in cashier below.
        attempts.lock();
        drop(attempts);
        *self.seller_lock() = Some(cashier);
        self.seller()
    }

    pub fn sign_out(&self) -> Result<SellerView, Error> {
        *self.seller_lock() = None;
        self.seller()
    }

    pub fn seller(&self) -> Result<SellerView, Error> {
        let cashiers_required = self.desk.ledger().cashiers()?.iter().any(|c| c.active);
        let shift = self.desk.ledger().open_shift_now()?.map(ShiftView::from);
        Ok(SellerView { cashiers_required, cashier: self.seller_lock().clone(), shift })
    }

    /// Opens a shift for the signed-in cashier with `float` (wire form) in the drawer.
    pub fn open_shift(&self, float: &str, currency: &str) -> Result<SellerView, Error> {
        let cashier = self.seller_lock().clone().ok_or(Error::CashierRequired)?;
        check_amount_args(float, currency)?;
        let currency: Currency = currency.parse()?;
        self.desk.ledger().open_shift(cashier.id, currency, drawer_minor(float, currency)?)?;
        self.seller()
    }

    /// Closes the open shift with the cash counted in the drawer (wire form); its figures are
    /// final from then on. The signed-in cashier or a manager may close it.
    pub fn close_shift(&self, counted: &str) -> Result<ShiftView, Error> {
        if self.seller_lock().is_none() {
            // A manager may close it for a cashier who left (the window then asks for the PIN).
            self.require_manager()?;
        }
        let shift = self.desk.ledger().open_shift_now()?.ok_or(Error::ShiftRequired)?;
        check_amount_args(counted, shift.currency.code())?;
        Ok(self.desk.ledger().close_shift(shift.id, drawer_minor(counted, shift.currency)?)?.into())
    }

    /// The cashier and shift a new sale, cash entry or refund is written under. A till with
    /// cashiers sells only with one signed in and a shift open.
    pub(super) fn seller_details(&self) -> Result<SaleDetails, Error> {
        let Some(cashier) = self.seller_lock().clone() else {
            if self.desk.ledger().cashiers()?.iter().any(|c| c.active) {
                return Err(Error::CashierRequired);
            }
            return Ok(SaleDetails::default());
        };
        let shift = self.desk.ledger().open_shift_now()?.ok_or(Error::ShiftRequired)?;
        Ok(SaleDetails { cashier_id: Some(cashier.id), shift_id: Some(shift.id), ..SaleDetails::default() })
    }

    pub(super) fn seller_lock(&self) -> std::sync::MutexGuard<'_, Option<CashierView>> {
        self.seller.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn rates(&self) -> Result<Vec<RateView>, Error> {
        Ok(self.desk.ledger().rates()?.into_iter().map(RateView::from).collect())
    }

    /// Fetches today's reference rates (the ECB's, or the source set in Settings) and keeps them.
    pub async fn fetch_rates(&self) -> Result<Vec<RateView>, Error> {
        let url = self.config().rates_url.unwrap_or_else(|| ECB_DAILY_URL.to_string());
        let rates = crate::reference_rates::fetch(&url).await?;
        self.desk.db(move |l| l.save_rates(&rates)).await?;
        self.rates()
    }

    /// Sets a rate by hand (manager only): 1 `base` = `rate` `quote`, as of now.
    pub fn set_rate(&self, base: &str, quote: &str, rate: &str) -> Result<Vec<RateView>, Error> {
        self.require_manager()?;
        check_amount_args(rate, base)?;
        check_arg("currency", quote, MAX_CURRENCY_CHARS)?;
        let (base, quote): (Currency, Currency) = (base.parse()?, quote.parse()?);
        if base == quote {
            return Err(Error::BadInput("a rate converts between two different currencies".into()));
        }
        let rate =
            ExchangeRate { base, quote, rate: Rate::parse(rate.trim())?, source: "manual".into(), as_of: (self.now)() };
        self.desk.ledger().save_rates(&[rate])?;
        self.rates()
    }

    /// What the sale in `request` comes to, as the ledger will keep it, charged through `gateway`
    /// (`None`: cash, in the priced currency).
    /// What the sale in `request` comes to, for the charge screen (see [`QuoteView`]). The same
    /// rules as [`Till::charge`], short of checking who sells.
    pub fn quote(&self, request: &ChargeRequest) -> Result<QuoteView, Error> {
        let info = match request.gateway.as_str() {
            crate::report::CASH_GATEWAY => None,
            id => Some(self.info(id)?),
        };
        let sale = self.price_only(&request.sale, info)?;
        let priced = sale.details.priced.as_ref().map_or(sale.total, |p| p.amount);
        let currency = priced.currency();
        let money = |minor: u64| currency.format_minor(i128::from(minor));
        let config = self.config();
        let items = crate::receipt::receipt_items(&sale.details.lines, &config.language, money);
        Ok(QuoteView {
            items,
            taxes: sale.details.taxes.iter().map(|t| TaxTotalView::of(t, currency, 0)).collect(),
            total: priced.to_decimal_string(),
            tip: (sale.priced_tip_minor > 0).then(|| money(sale.priced_tip_minor)),
            currency: currency.code().into(),
            charged: sale.details.priced.as_ref().map(|p| ChargedView {
                amount: sale.total.to_decimal_string(),
                currency: sale.total.currency().code().into(),
                rate: p.rate.clone(),
                source: p.source.clone(),
                as_of: p.as_of,
            }),
        })
    }

    /// What the sale in `request` comes to, as the ledger will keep it, charged through `gateway`
    /// (`None`: cash, in the priced currency), with who sells it.
    pub(super) fn price(
        &self,
        request: &SaleRequest,
        gateway: Option<&GatewayInfo>,
    ) -> Result<crate::pricing::PricedSale, Error> {
        let mut sale = self.price_only(request, gateway)?;
        let seller = self.seller_details()?;
        (sale.details.cashier_id, sale.details.shift_id) = (seller.cashier_id, seller.shift_id);
        Ok(sale)
    }

    fn price_only(
        &self,
        request: &SaleRequest,
        gateway: Option<&GatewayInfo>,
    ) -> Result<crate::pricing::PricedSale, Error> {
        let currency: Currency = {
            check_arg("currency", &request.currency, MAX_CURRENCY_CHARS)?;
            request.currency.parse()?
        };
        let optional_amount = |what: &str, text: Option<&str>| -> Result<Option<Amount>, Error> {
            // Garbled text is refused as it came, before trimming could hide a control character.
            if let Some(raw) = text {
                check_arg(what, raw, MAX_AMOUNT_CHARS)?;
            }
            match text.map(str::trim).filter(|t| !t.is_empty()) {
                None => Ok(None),
                Some(t) => match self.wire_amount(t, currency.code()) {
                    Ok(a) => Ok(Some(a)),
                    Err(Error::Money(MoneyError::Zero)) => Ok(None),
                    Err(e) if what == "amount" => Err(e),
                    Err(e) => Err(Error::BadInput(format!("the {what}: {e}"))),
                },
            }
        };
        let rung = RungUp {
            currency,
            items: request.items.iter().map(|l| (l.item_id, l.quantity)).collect(),
            free: optional_amount("amount", Some(&request.amount))?,
            tip: optional_amount("tip", request.tip.as_deref())?,
        };
        let config = self.config();
        let conversion = match gateway {
            Some(info) if !info.supports(currency) => {
                let to = info.currencies.and_then(|c| c.first()).map(|c| c.parse::<Currency>()).transpose()?;
                to.map(|to| ChargeIn {
                    to,
                    now: (self.now)(),
                    max_age_secs: i64::from(config.max_rate_age_hours) * 3600,
                })
            }
            _ => None,
        };
        crate::pricing::price_sale(self.desk.ledger(), &rung, config.tax_rounding, conversion.as_ref())
    }
}

/// Cash in a drawer (a float, a count), in the wire form and minor units: unlike a sale, an empty
/// drawer is a figure too.
fn drawer_minor(text: &str, currency: Currency) -> Result<u64, Error> {
    match parse_decimal(text, currency) {
        Ok(amount) => Ok(amount.minor()),
        Err(MoneyError::Zero) => Ok(0),
        Err(e) => Err(e.into()),
    }
}
