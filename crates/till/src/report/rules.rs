//! The report's sections for a shop's money rules: tax per rate, totals per cashier and the
//! shifts with their drawer counts (the Z-report's over and short).

use super::{is_practice, CurrencyTotals, Sum};
use paydesk_ledger::{GroupTotal, InvoiceKind, Shift, TaxTotal, RECEIVED};
use paydesk_money::tax::{format_percent, RateTotal};
use paydesk_money::Currency;
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

/// The tax of one rate on a sale, or summed over a period's received sales.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TaxTotalView {
    pub name: String,
    /// "20", "7.7"
    pub percent: String,
    pub inclusive: bool,
    /// The currency the sales were priced in.
    pub currency: String,
    /// Sales that carried the rate (0 on a single sale's receipt).
    pub count: u32,
    pub net: String,
    pub tax: String,
    pub gross: String,
}

impl TaxTotalView {
    pub fn of(total: &RateTotal, currency: Currency, count: u32) -> TaxTotalView {
        let money = |minor: u64| currency.format_minor(i128::from(minor));
        TaxTotalView {
            name: total.rate.name.clone(),
            percent: format_percent(total.rate.basis_points),
            inclusive: total.rate.inclusive,
            currency: currency.code().into(),
            count,
            net: money(total.net_minor),
            tax: money(total.tax_minor),
            gross: money(total.gross_minor),
        }
    }

    pub(super) fn from_total(t: &TaxTotal) -> TaxTotalView {
        let total = RateTotal {
            rate: t.rate.clone(),
            net_minor: t.net_minor,
            tax_minor: t.tax_minor,
            gross_minor: t.gross_minor,
        };
        TaxTotalView::of(&total, t.currency, u32::try_from(t.count).unwrap_or(u32::MAX))
    }
}

/// One cashier's takings in one currency.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct CashierTotals {
    pub cashier: String,
    /// As the report's totals per currency, for this cashier's sales (practice sales left out).
    #[serde(flatten)]
    pub totals: CurrencyTotals,
    /// Σ counted − expected over the cashier's closed shifts in this currency; `None`: none closed.
    pub over_short: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ShiftView {
    #[ts(type = "number")]
    pub id: i64,
    pub cashier: String,
    pub currency: String,
    /// The starting float.
    pub float: String,
    #[ts(type = "number")]
    pub opened_at: i64,
    #[ts(type = "number | null")]
    pub closed_at: Option<i64>,
    pub counted: Option<String>,
    /// What the drawer should hold: float + cash sales − refunds of the shift.
    pub expected: String,
    /// counted − expected ("-2.50": short); `None` while open.
    pub over_short: Option<String>,
}

impl From<Shift> for ShiftView {
    fn from(s: Shift) -> ShiftView {
        let money = |minor: i128| s.currency.format_minor(minor);
        ShiftView {
            id: s.id,
            cashier: s.cashier.clone(),
            currency: s.currency.code().into(),
            float: money(i128::from(s.float_minor)),
            opened_at: s.opened_at,
            closed_at: s.closed_at,
            counted: s.counted_minor.map(|c| money(i128::from(c))),
            expected: money(i128::from(s.expected_minor)),
            over_short: s.over_short_minor().map(money),
        }
    }
}

/// The cash drawer opened without a sale.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct DrawerOpeningView {
    #[ts(type = "number")]
    pub at: i64,
    pub who: String,
    pub reason: String,
}

impl From<paydesk_ledger::DrawerOpening> for DrawerOpeningView {
    fn from(d: paydesk_ledger::DrawerOpening) -> DrawerOpeningView {
        DrawerOpeningView { at: d.at, who: d.who, reason: d.reason }
    }
}

/// Per cashier and currency: received, cash, refunds (as in the report's currency totals).
pub(super) fn cashier_totals(groups: &[GroupTotal], shifts: &[Shift]) -> Vec<CashierTotals> {
    let mut sums: BTreeMap<(&str, &str), (Currency, [Sum; 3])> = BTreeMap::new();
    for g in groups {
        let Some(cashier) = g.cashier.as_deref() else { continue };
        if is_practice(g.kind, &g.gateway) {
            continue;
        }
        let slot = match g.kind {
            InvoiceKind::Sale if RECEIVED.contains(&g.status) => 0,
            InvoiceKind::Sale => continue,
            InvoiceKind::Cash => 1,
            InvoiceKind::Refund => 2,
        };
        sums.entry((cashier, g.currency.code())).or_insert_with(|| (g.currency, Default::default())).1[slot].add(g);
    }
    let mut over_short: BTreeMap<(&str, &str), (Currency, i128)> = BTreeMap::new();
    for s in shifts {
        if let Some(diff) = s.over_short_minor() {
            let entry = over_short.entry((s.cashier.as_str(), s.currency.code())).or_insert((s.currency, 0));
            entry.1 += diff;
            sums.entry((s.cashier.as_str(), s.currency.code())).or_insert_with(|| (s.currency, Default::default()));
        }
    }
    sums.into_iter()
        .map(|((cashier, code), (currency, sums))| CashierTotals {
            cashier: cashier.into(),
            totals: CurrencyTotals::of(currency, &sums),
            over_short: over_short.get(&(cashier, code)).map(|(c, diff)| c.format_minor(*diff)),
        })
        .collect()
}
