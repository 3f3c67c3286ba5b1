//! From what the cashier rang up to what is charged: catalog items at their catalog price and a
//! free amount become the sale's lines, the tax in them is worked out per rate, the tip is added,
//! and the whole is converted when the gateway charges in another currency than the shop prices
//! in. Every figure is exact; the UI's own sums are only ever for show.

use crate::error::Error;
use paydesk_ledger::{CatalogRate, Ledger, NewLine, Priced, SaleDetails};
use paydesk_money::fx::{convert, FxError};
use paydesk_money::tax::{compute, Rounding, TaxLine, TaxRate};
use paydesk_money::{Amount, Currency, MoneyError};

/// Lines in one sale, and the largest quantity on one line: far above a real basket, low enough
/// that a stuck key or a scanner gone wild is caught before it is charged.
pub const MAX_LINES: usize = 100;
pub const MAX_QUANTITY: u32 = 999;

/// What was rung up, in the currency the shop prices in.
#[derive(Debug, Clone)]
pub struct RungUp {
    pub currency: Currency,
    /// (catalog item id, quantity)
    pub items: Vec<(i64, u32)>,
    /// A typed amount beside the items, taxed at the default rate.
    pub free: Option<Amount>,
    pub tip: Option<Amount>,
}

/// The currency a gateway charges in, when it is not the one the sale is priced in, and what
/// the conversion into it is measured by.
#[derive(Debug, Clone)]
pub struct ChargeIn {
    pub to: Currency,
    pub now: i64,
    pub max_age_secs: i64,
}

/// A sale ready for the ledger: its total as charged, the tip in it, and its lines and taxes.
#[derive(Debug, Clone)]
pub struct PricedSale {
    pub total: Amount,
    /// In minor units of the charged currency.
    pub tip_minor: u64,
    /// The tip as rung up, in minor units of the priced currency.
    pub priced_tip_minor: u64,
    pub details: SaleDetails,
}

/// Prices a sale (see the module's comment). The lines and taxes are in `rung.currency`.
pub fn price_sale(
    ledger: &Ledger,
    rung: &RungUp,
    rounding: Rounding,
    conversion: Option<&ChargeIn>,
) -> Result<PricedSale, Error> {
    if rung.items.len() + usize::from(rung.free.is_some()) > MAX_LINES {
        return Err(Error::BadInput(format!("a sale holds at most {MAX_LINES} lines")));
    }
    let rates = ledger.tax_rates()?;
    let default_rate = rates.iter().find(|r| r.is_default).map(|r| r.rate.clone());
    let mut lines = Vec::new();
    for &(id, quantity) in &rung.items {
        if !(1..=MAX_QUANTITY).contains(&quantity) {
            return Err(Error::BadInput(format!("a quantity must be 1 to {MAX_QUANTITY}")));
        }
        let item = ledger.item(id)?;
        if item.price.currency() != rung.currency {
            return Err(Error::BadInput(format!(
                "'{}' is priced in {}, and this sale in {}",
                item.name,
                item.price.currency(),
                rung.currency
            )));
        }
        let tax = match &item.tax_rate {
            Some(name) => Some(named_rate(&rates, name)?),
            None => default_rate.clone(),
        };
        lines.push(NewLine {
            item_id: Some(item.id),
            name: item.name,
            quantity,
            unit_price_minor: item.price.minor(),
            tax,
        });
    }
    if let Some(free) = rung.free {
        check_currency(free, rung.currency)?;
        let tax = default_rate.clone();
        lines.push(NewLine { item_id: None, name: String::new(), quantity: 1, unit_price_minor: free.minor(), tax });
    }
    if lines.is_empty() {
        return Err(Error::BadInput("nothing to charge: add an item or type an amount".into()));
    }
    let tax_lines: Vec<TaxLine> = lines
        .iter()
        .map(|l| TaxLine {
            amount_minor: u64::from(l.quantity).saturating_mul(l.unit_price_minor),
            rate: l.tax.clone(),
        })
        .collect();
    let breakdown = compute(&tax_lines, rounding)?;
    let tip_minor = match rung.tip {
        Some(tip) => check_currency(tip, rung.currency)?.minor(),
        None => 0,
    };
    let priced_total = Amount::from_minor(breakdown.gross_minor.saturating_add(tip_minor), rung.currency)?;
    let mut details = SaleDetails { lines, taxes: breakdown.rates, ..SaleDetails::default() };
    let Some(conversion) = conversion.filter(|c| c.to != rung.currency) else {
        return Ok(PricedSale { total: priced_total, tip_minor, priced_tip_minor: tip_minor, details });
    };
    let held = ledger.rates()?;
    let total = convert(priced_total, conversion.to, &held, conversion.now, conversion.max_age_secs)?;
    // The tip is converted on its own at the same rate, so the ledger can keep it apart; a tip
    // too small to show in the charged currency is none there.
    let tip_charged = match rung.tip {
        None => 0,
        Some(tip) => match convert(tip, conversion.to, &held, conversion.now, conversion.max_age_secs) {
            Ok(c) => c.to.minor().min(total.to.minor()),
            Err(FxError::Converted { error: MoneyError::Zero, .. }) => 0,
            Err(e) => return Err(e.into()),
        },
    };
    details.priced = Some(Priced {
        amount: priced_total,
        rate: total.rate.to_decimal_string(),
        source: total.source.clone(),
        as_of: total.as_of,
    });
    Ok(PricedSale { total: total.to, tip_minor: tip_charged, priced_tip_minor: tip_minor, details })
}

fn named_rate(rates: &[CatalogRate], name: &str) -> Result<TaxRate, Error> {
    rates
        .iter()
        .find(|r| r.rate.name == name)
        .map(|r| r.rate.clone())
        .ok_or_else(|| Error::BadInput(format!("there is no tax rate '{name}'")))
}

fn check_currency(amount: Amount, currency: Currency) -> Result<Amount, Error> {
    if amount.currency() == currency {
        Ok(amount)
    } else {
        Err(Error::BadInput(format!("an amount in {} on a sale in {currency}", amount.currency())))
    }
}
