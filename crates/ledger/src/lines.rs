//! What a sale sold and the tax in it (its lines and per-rate totals), the currency it was priced
//! in when the gateway charged another, and who sold it in which shift: written with the sale in
//! one transaction, read back for receipts and reports.

use crate::LedgerError;
use paydesk_money::tax::{RateTotal, TaxRate};
use paydesk_money::Amount;
use rusqlite::{params, Connection, Row};
use serde::Serialize;

/// Everything about a sale beyond its total. `Default` is a free amount nobody signed for: no
/// lines, no tax, no cashier or shift, charged in the currency it was priced in.
#[derive(Debug, Clone, Default)]
pub struct SaleDetails {
    pub lines: Vec<NewLine>,
    /// Per rate, in the priced currency: net + tax = gross.
    pub taxes: Vec<RateTotal>,
    pub cashier_id: Option<i64>,
    pub shift_id: Option<i64>,
    /// Set when the sale was priced in another currency than the one charged.
    pub priced: Option<Priced>,
}

/// One line of a sale as it is written: what the cashier added, at the price it had then.
#[derive(Debug, Clone, PartialEq)]
pub struct NewLine {
    /// The catalog item, if it came from one (`None`: a free amount).
    pub item_id: Option<i64>,
    pub name: String,
    pub quantity: u32,
    /// In minor units of the priced currency; gross where the rate is inclusive, net where not.
    pub unit_price_minor: u64,
    pub tax: Option<TaxRate>,
}

/// A line as the ledger keeps it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SaleLine {
    pub item_id: Option<i64>,
    pub name: String,
    pub quantity: u32,
    pub unit_price_minor: u64,
    /// quantity × unit price.
    pub amount_minor: u64,
    pub tax: Option<TaxRate>,
}

/// The price before conversion, and the rate that turned it into the amount charged.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Priced {
    pub amount: Amount,
    /// 1 priced unit = `rate` charged units, the exact decimal applied.
    pub rate: String,
    pub source: String,
    /// When the rate was published (Unix seconds).
    pub as_of: i64,
}

/// Writes a new row's lines and taxes (the row itself carries the rest of its details).
pub(crate) fn insert_details(conn: &Connection, invoice_id: i64, details: &SaleDetails) -> Result<(), LedgerError> {
    let mut line = conn.prepare_cached(
        "INSERT INTO sale_lines (invoice_id, position, item_id, name, quantity, unit_price_minor, amount_minor,
                                 tax_name, tax_basis_points, tax_inclusive)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
    )?;
    for (position, l) in details.lines.iter().enumerate() {
        let amount = u64::from(l.quantity).checked_mul(l.unit_price_minor).filter(|a| *a <= i64::MAX as u64);
        let amount = amount.ok_or_else(|| LedgerError::Line(format!("the line '{}' is too large", l.name)))?;
        line.execute(params![
            invoice_id,
            position as i64,
            l.item_id,
            l.name,
            l.quantity,
            l.unit_price_minor as i64,
            amount as i64,
            l.tax.as_ref().map(|t| t.name.as_str()),
            l.tax.as_ref().map(|t| t.basis_points),
            l.tax.as_ref().map(|t| t.inclusive),
        ])?;
    }
    let mut tax = conn.prepare_cached(
        "INSERT INTO sale_taxes (invoice_id, name, basis_points, inclusive, net_minor, tax_minor, gross_minor)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for t in &details.taxes {
        tax.execute(params![
            invoice_id,
            t.rate.name,
            t.rate.basis_points,
            t.rate.inclusive,
            t.net_minor as i64,
            t.tax_minor as i64,
            t.gross_minor as i64
        ])?;
    }
    Ok(())
}

fn read_rate(r: &Row<'_>, at: usize) -> rusqlite::Result<Option<TaxRate>> {
    let name: Option<String> = r.get(at)?;
    Ok(match name {
        Some(name) => Some(TaxRate { name, basis_points: r.get(at + 1)?, inclusive: r.get(at + 2)? }),
        None => None,
    })
}

impl crate::Ledger {
    /// A sale's lines, in the order they were added.
    pub fn sale_lines(&self, invoice_id: i64) -> Result<Vec<SaleLine>, LedgerError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT item_id, name, quantity, unit_price_minor, amount_minor, tax_name, tax_basis_points, tax_inclusive
             FROM sale_lines WHERE invoice_id = ?1 ORDER BY position",
        )?;
        let rows = stmt.query_map([invoice_id], |r| {
            Ok(SaleLine {
                item_id: r.get(0)?,
                name: r.get(1)?,
                quantity: r.get(2)?,
                unit_price_minor: r.get::<_, i64>(3)? as u64,
                amount_minor: r.get::<_, i64>(4)? as u64,
                tax: read_rate(r, 5)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// A sale's tax per rate, in the order the rates first appeared on it.
    pub fn sale_taxes(&self, invoice_id: i64) -> Result<Vec<RateTotal>, LedgerError> {
        read_taxes(&self.lock(), invoice_id)
    }
}

/// A sale's tax per rate, read on a connection the caller holds.
pub(crate) fn read_taxes(conn: &Connection, invoice_id: i64) -> Result<Vec<RateTotal>, LedgerError> {
    let mut stmt = conn.prepare_cached(
        "SELECT name, basis_points, inclusive, net_minor, tax_minor, gross_minor
         FROM sale_taxes WHERE invoice_id = ?1 ORDER BY rowid",
    )?;
    let rows = stmt.query_map([invoice_id], |r| {
        Ok(RateTotal {
            rate: TaxRate { name: r.get(0)?, basis_points: r.get(1)?, inclusive: r.get(2)? },
            net_minor: r.get::<_, i64>(3)? as u64,
            tax_minor: r.get::<_, i64>(4)? as u64,
            gross_minor: r.get::<_, i64>(5)? as u64,
        })
    })?;
    rows.collect::<Result<_, _>>().map_err(Into::into)
}
