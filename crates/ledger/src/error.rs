//! What can go wrong in the ledger, as the till and the CLI are told it.

use paydesk_money::{Amount, InvoiceStatus};
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum LedgerError {
    #[error("order id '{0}' is already in the ledger: use another one")]
    DuplicateOrder(String),
    #[error("no invoice '{0}' in the ledger")]
    NotFound(String),
    #[error("sale {0} is already {1}: there is nothing left to wait for")]
    Final(String, InvoiceStatus),
    /// A refund that would not add up (wrong currency, more than was paid, not a paid sale).
    #[error("{0}")]
    Refund(String),
    /// A tip larger than the total it is part of.
    #[error("a tip of {} {} is more than the {amount} charged, which includes it",
            amount.currency().format_minor(i128::from(*tip_minor)), amount.currency())]
    TipOverAmount { tip_minor: u64, amount: Amount },
    /// A sale line, catalog item or tax rate that cannot be kept as given.
    #[error("{0}")]
    Line(String),
    /// A closed shift, or an entry into one: its figures are final.
    #[error("that shift is closed: its figures cannot change")]
    ShiftClosed,
    #[error("the ledger at {path} could not be opened: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("the ledger file was written by a newer Paydesk (schema {found}, this one knows {known})")]
    TooNew { found: i64, known: i64 },
    #[error("ledger error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}
