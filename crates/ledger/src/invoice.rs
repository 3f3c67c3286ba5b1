//! The ledger's row types (a sale, a cash entry or refund, an audit event) and how a row is read.

use crate::lines::{Priced, SaleDetails};
use crate::LedgerError;
use paydesk_money::InvoiceStatus;
use paydesk_money::{Amount, Currency};
use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;

/// One sale as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invoice {
    pub id: i64,
    pub order_id: String,
    pub gateway: String,
    /// The total charged, tip included.
    pub amount: Amount,
    /// The part of `amount` that is a tip, in minor units of its currency (0: none).
    pub tip_minor: u64,
    pub description: Option<String>,
    pub status: InvoiceStatus,
    pub gateway_status: Option<String>,
    pub gateway_invoice_id: Option<String>,
    pub pay_link: Option<String>,
    /// Unix seconds.
    pub expires_at: Option<i64>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub updated_at: i64,
    /// When the cashier went on to the next customer without waiting for this one (Unix seconds).
    pub abandoned_at: Option<i64>,
    pub kind: InvoiceKind,
    /// The order id of the sale a refund pays back, where the refund named one.
    pub refund_of: Option<String>,
    /// Who sold it (by name), where the till has cashiers.
    pub cashier: Option<String>,
    pub shift_id: Option<i64>,
    /// The price in the shop's currency, where the gateway charged another.
    pub priced: Option<Priced>,
}

/// What a ledger row records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum InvoiceKind {
    /// A sale through a payment gateway.
    Sale,
    /// A sale paid in cash at the counter: recorded paid at once, nothing is sent anywhere.
    Cash,
    /// Money paid back by hand (no gateway refund API is assumed); the amount is positive.
    Refund,
}

impl InvoiceKind {
    pub const ALL: [InvoiceKind; 3] = [InvoiceKind::Sale, InvoiceKind::Cash, InvoiceKind::Refund];

    pub fn as_str(&self) -> &'static str {
        match self {
            InvoiceKind::Sale => "sale",
            InvoiceKind::Cash => "cash",
            InvoiceKind::Refund => "refund",
        }
    }
}

impl std::str::FromStr for InvoiceKind {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InvoiceKind::ALL.into_iter().find(|k| k.as_str() == s).ok_or_else(|| format!("unknown kind '{s}'"))
    }
}

/// The statuses in which the customer's money arrived in full: what a report counts as received.
pub const RECEIVED: [InvoiceStatus; 3] = [InvoiceStatus::Paid, InvoiceStatus::Overpaid, InvoiceStatus::PaidLate];
/// One change of an invoice's status, for the audit trail.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct InvoiceEvent {
    pub at: i64,
    pub status: InvoiceStatus,
    pub gateway_status: Option<String>,
    pub detail: Option<String>,
}

/// A cash sale or a refund: final the moment it is written, as nothing is sent anywhere.
#[derive(Debug, Clone)]
pub struct NewEntry<'a> {
    pub order_id: &'a str,
    pub kind: InvoiceKind,
    pub gateway: &'a str,
    /// The total, tip included.
    pub amount: Amount,
    /// The part of `amount` that is a tip (minor units; 0: none). At most `amount`.
    pub tip_minor: u64,
    pub description: Option<&'a str>,
    /// A refund's original sale (local id): same currency, and its refunds may not exceed it.
    pub refund_of: Option<i64>,
    pub details: SaleDetails,
}

/// A sale about to be sent to a gateway.
#[derive(Debug, Clone)]
pub struct NewInvoice<'a> {
    pub order_id: &'a str,
    pub gateway: &'a str,
    /// The total, tip included.
    pub amount: Amount,
    /// The part of `amount` that is a tip (minor units; 0: none). At most `amount`.
    pub tip_minor: u64,
    pub description: Option<&'a str>,
    pub details: SaleDetails,
}

/// The audit-trail note of a cashier dismissing a late-payment notice.
pub const LATE_SEEN: &str = "late outcome seen by the cashier";

/// The columns [`read_invoice`] reads, in its order. The next to last is a refund's original order
/// id, looked up by the refund's `refund_of`.
pub(crate) const COLUMNS: &str = "id, order_id, gateway, amount_minor, currency, description, status, gateway_status, \
                       gateway_invoice_id, pay_link, expires_at, last_error, created_at, updated_at, abandoned_at, \
                       kind, (SELECT o.order_id FROM invoices AS o WHERE o.id = invoices.refund_of), tip_minor, \
                       (SELECT c.name FROM cashiers AS c WHERE c.id = invoices.cashier_id), shift_id, \
                       priced_minor, priced_currency, fx_rate, fx_source, fx_as_of";

pub(crate) fn get_by_id(conn: &Connection, id: i64) -> Result<Invoice, LedgerError> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM invoices WHERE id = ?1"), [id], read_invoice)
        .optional()?
        .ok_or_else(|| LedgerError::NotFound(id.to_string()))
}

pub(crate) fn conversion_error(column: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, message.into())
}

pub(crate) fn parse_status(text: String, column: usize) -> rusqlite::Result<InvoiceStatus> {
    text.parse().map_err(|e: String| conversion_error(column, e))
}

pub(crate) fn read_invoice(r: &Row<'_>) -> rusqlite::Result<Invoice> {
    let currency = read_currency(r, 4)?;
    let minor: i64 = r.get(3)?;
    let amount = Amount::from_minor(minor as u64, currency).map_err(|e| conversion_error(3, e.to_string()))?;
    Ok(Invoice {
        id: r.get(0)?,
        order_id: r.get(1)?,
        gateway: r.get(2)?,
        amount,
        tip_minor: r.get::<_, i64>(17)?.try_into().map_err(|_| conversion_error(17, "a negative tip".into()))?,
        description: r.get(5)?,
        status: parse_status(r.get(6)?, 6)?,
        gateway_status: r.get(7)?,
        gateway_invoice_id: r.get(8)?,
        pay_link: r.get(9)?,
        expires_at: r.get(10)?,
        last_error: r.get(11)?,
        created_at: r.get(12)?,
        updated_at: r.get(13)?,
        abandoned_at: r.get(14)?,
        kind: r.get::<_, String>(15)?.parse().map_err(|e: String| conversion_error(15, e))?,
        refund_of: r.get(16)?,
        cashier: r.get(18)?,
        shift_id: r.get(19)?,
        priced: read_priced(r, 20)?,
    })
}

fn read_currency(r: &Row<'_>, at: usize) -> rusqlite::Result<Currency> {
    r.get::<_, String>(at)?.parse().map_err(|e: paydesk_money::MoneyError| conversion_error(at, e.to_string()))
}

/// The five priced columns from `at`: all set, or none.
fn read_priced(r: &Row<'_>, at: usize) -> rusqlite::Result<Option<Priced>> {
    let Some(minor) = r.get::<_, Option<i64>>(at)? else { return Ok(None) };
    let amount =
        Amount::from_minor(minor as u64, read_currency(r, at + 1)?).map_err(|e| conversion_error(at, e.to_string()))?;
    Ok(Some(Priced { amount, rate: r.get(at + 2)?, source: r.get(at + 3)?, as_of: r.get(at + 4)? }))
}
