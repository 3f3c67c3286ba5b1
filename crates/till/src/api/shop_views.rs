//! The shapes of the shop's money rules that cross IPC: catalog, tax rates, cashiers, shifts and
//! exchange rates. Amounts are exact decimal text, never a float.

use super::*;
pub use crate::report::{ShiftView, TaxTotalView};
use paydesk_ledger::{CatalogRate, Item};
use paydesk_money::fx::ExchangeRate;
use paydesk_money::tax::format_percent;

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ItemView {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    /// "2.20"
    pub price: String,
    pub currency: String,
    /// `None`: the default rate.
    pub tax_rate: Option<String>,
    pub barcode: Option<String>,
    pub category: Option<String>,
}

impl From<Item> for ItemView {
    fn from(item: Item) -> ItemView {
        ItemView {
            id: item.id,
            name: item.name,
            price: item.price.to_decimal_string(),
            currency: item.price.currency().code().into(),
            tax_rate: item.tax_rate,
            barcode: item.barcode,
            category: item.category,
        }
    }
}

/// An item as the manager adds or edits it.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ItemInput {
    pub name: String,
    /// In the wire form: digits and "." ("2.20").
    pub price: String,
    pub currency: String,
    pub tax_rate: Option<String>,
    pub barcode: Option<String>,
    pub category: Option<String>,
}

/// One catalog item on a sale.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ItemLine {
    #[ts(type = "number")]
    pub item_id: i64,
    pub quantity: u32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TaxRateView {
    pub name: String,
    /// "20", "7.7": percent, at most two decimals.
    pub percent: String,
    /// The price holds the tax (gross); else it is added on top (net).
    pub inclusive: bool,
    /// Applies to free amounts and to items that name no rate.
    pub is_default: bool,
}

impl From<CatalogRate> for TaxRateView {
    fn from(r: CatalogRate) -> TaxRateView {
        TaxRateView {
            name: r.rate.name,
            percent: format_percent(r.rate.basis_points),
            inclusive: r.rate.inclusive,
            is_default: r.is_default,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CashierView {
    #[ts(type = "number")]
    pub id: i64,
    pub name: String,
    pub active: bool,
}

/// Who is selling at this till now, for the top bar and the charge screen.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SellerView {
    /// The till has cashiers, so a sale needs one signed in and a shift open.
    pub cashiers_required: bool,
    pub cashier: Option<CashierView>,
    pub shift: Option<ShiftView>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct RateView {
    pub base: String,
    pub quote: String,
    /// 1 base = rate quote.
    pub rate: String,
    /// "ECB", "manual".
    pub source: String,
    /// When it was published (Unix seconds).
    #[ts(type = "number")]
    pub as_of: i64,
}

impl From<ExchangeRate> for RateView {
    fn from(r: ExchangeRate) -> RateView {
        RateView {
            base: r.base.code().into(),
            quote: r.quote.code().into(),
            rate: r.rate.to_decimal_string(),
            source: r.source,
            as_of: r.as_of,
        }
    }
}

/// A sale's price in the shop's currency, where the gateway charged another.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct PricedView {
    pub amount: String,
    pub currency: String,
    /// 1 priced unit = rate charged units.
    pub rate: String,
    pub source: String,
    #[ts(type = "number")]
    pub as_of: i64,
}

impl From<paydesk_ledger::Priced> for PricedView {
    fn from(p: paydesk_ledger::Priced) -> PricedView {
        PricedView {
            amount: p.amount.to_decimal_string(),
            currency: p.amount.currency().code().into(),
            rate: p.rate,
            source: p.source,
            as_of: p.as_of,
        }
    }
}

/// What a sale rung up comes to, worked out by the till for the charge screen to show before
/// Charge: the window never sums money itself.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct QuoteView {
    pub items: Vec<crate::receipt::ReceiptItem>,
    /// Per rate, in the priced currency.
    pub taxes: Vec<TaxTotalView>,
    /// What the customer pays, tip included, in the priced currency.
    pub total: String,
    pub tip: Option<String>,
    pub currency: String,
    /// The amount the gateway will charge, where it charges in another currency.
    pub charged: Option<ChargedView>,
}

/// A converted total: what the gateway charges, and the rate that made it.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ChargedView {
    pub amount: String,
    pub currency: String,
    pub rate: String,
    pub source: String,
    #[ts(type = "number")]
    pub as_of: i64,
}

/// The outcome of a catalog import.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ImportOutcome {
    pub items: u32,
}
