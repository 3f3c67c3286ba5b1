//! The shop report: every till's report from the shop database, summed by the same code as one
//! till's own, and their total. Shifts and drawer openings stay in each till's own report (they
//! are not replicated).

use super::rules::{cashier_totals, TaxTotalView};
use super::{check_period, summarise, ShiftReport};
use crate::error::Error;
use paydesk_ledger::{GroupTotal, TaxTotal};
use paydesk_shop::ShopDb;
use serde::Serialize;
use std::collections::BTreeMap;
use ts_rs::TS;

/// What the whole shop took in `[from, to)`: per till, and in total.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ShopReport {
    #[ts(type = "number")]
    pub from: i64,
    #[ts(type = "number")]
    pub to: i64,
    /// Every till's sales together.
    pub total: ShiftReport,
    /// One report per till that pushed to the shop database, by name.
    pub tills: Vec<TillReport>,
}

#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct TillReport {
    pub till_id: String,
    pub name: String,
    /// When the till last pushed (Unix seconds): how current its figures are.
    #[ts(type = "number")]
    pub last_push: i64,
    pub report: ShiftReport,
}

/// The shop report for the sales created in `[from, to)` (Unix seconds).
pub async fn shop_report(
    shop: &ShopDb,
    from: i64,
    to: i64,
    gateway_name: impl Fn(&str) -> String,
) -> Result<ShopReport, Error> {
    check_period(from, to)?;
    let totals = shop.totals(from, to).await?;
    let taxes = shop.tax_totals(from, to, paydesk_gateways::demo::INFO.id).await?;
    let tills = shop.tills().await?;
    let report_of = |groups: &[GroupTotal], taxes: Vec<TaxTotal>| {
        let mut report = summarise(from, to, groups, &gateway_name);
        report.taxes = taxes.iter().map(TaxTotalView::from_total).collect();
        report.cashiers = cashier_totals(groups, &[]);
        report
    };
    let all: Vec<GroupTotal> = totals.iter().map(|t| t.group.clone()).collect();
    let total = report_of(&all, merge_taxes(taxes.iter().map(|t| &t.tax)));
    let tills = tills
        .into_iter()
        .map(|till| {
            let groups: Vec<GroupTotal> =
                totals.iter().filter(|t| t.till_id == till.till_id).map(|t| t.group.clone()).collect();
            let own = taxes.iter().filter(|t| t.till_id == till.till_id).map(|t| t.tax.clone()).collect();
            TillReport {
                report: report_of(&groups, own),
                till_id: till.till_id,
                name: till.name,
                last_push: till.last_push,
            }
        })
        .collect();
    Ok(ShopReport { from, to, total, tills })
}

/// Sums the tills' tax lines per currency and rate.
fn merge_taxes<'a>(taxes: impl Iterator<Item = &'a TaxTotal>) -> Vec<TaxTotal> {
    let mut merged: BTreeMap<(&str, &str, u32, bool), TaxTotal> = BTreeMap::new();
    for t in taxes {
        let key = (t.currency.code(), t.rate.name.as_str(), t.rate.basis_points, t.rate.inclusive);
        merged
            .entry(key)
            .and_modify(|m| {
                m.count += t.count;
                m.net_minor += t.net_minor;
                m.tax_minor += t.tax_minor;
                m.gross_minor += t.gross_minor;
            })
            .or_insert_with(|| t.clone());
    }
    merged.into_values().collect()
}
