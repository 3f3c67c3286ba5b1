//! How a shop database call fails. No message carries the database's password: the address is
//! shown with it masked, and a driver's text is scrubbed of it.

use paydesk_ledger::LedgerError;

#[derive(Debug, thiserror::Error)]
pub enum ShopError {
    #[error("the shop database address is not valid: {0}")]
    BadUrl(String),
    #[error(
        "the shop database was set up by a newer Paydesk (schema version {found}; this till knows up to {known}): update this till before it joins the shop"
    )]
    SchemaTooNew { found: i64, known: i64 },
    #[error("the shop database cannot be reached: {0}")]
    Unreachable(String),
    #[error("the shop database refused: {0}")]
    Database(String),
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl ShopError {
    /// Sorts a driver error into reachable-or-not, with `secret` (the password) taken out.
    pub(crate) fn from_sqlx(e: sqlx::Error, secret: Option<&str>) -> ShopError {
        let text = scrub(&e.to_string(), secret);
        match e {
            sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed => ShopError::Unreachable(text),
            _ => ShopError::Database(text),
        }
    }
}

pub(crate) fn scrub(text: &str, secret: Option<&str>) -> String {
    match secret {
        Some(s) if !s.is_empty() => text.replace(s, "[redacted]"),
        _ => text.to_string(),
    }
}
