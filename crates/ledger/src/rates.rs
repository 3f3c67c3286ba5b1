//! The exchange rates the till holds: fetched from a reference source or set by hand, newest
//! per pair and source. Each sale converted with one keeps its own copy (see `Priced`).

use crate::{Ledger, LedgerError};
use paydesk_money::clock::unix_now;
use paydesk_money::fx::{ExchangeRate, Rate};
use paydesk_money::Currency;
use rusqlite::params;

impl Ledger {
    /// Keeps `rates`, replacing older ones of the same pair and source, in one transaction.
    pub fn save_rates(&self, rates: &[ExchangeRate]) -> Result<(), LedgerError> {
        let mut conn = self.lock();
        let tx = crate::schema::write_tx(&mut conn)?;
        let now = unix_now();
        for r in rates {
            tx.execute(
                "INSERT INTO exchange_rates (base, quote, rate, source, as_of, fetched_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
                 ON CONFLICT (base, quote, source) DO UPDATE SET rate = ?3, as_of = ?5, fetched_at = ?6",
                params![r.base.code(), r.quote.code(), r.rate.to_decimal_string(), r.source, r.as_of, now],
            )?;
        }
        tx.commit()?;
        Ok(())
    }

    /// Every rate held, by pair.
    pub fn rates(&self) -> Result<Vec<ExchangeRate>, LedgerError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT base, quote, rate, source, as_of FROM exchange_rates ORDER BY base, quote, source",
        )?;
        let bad = |at: usize, e: String| crate::invoice::conversion_error(at, e);
        let rows = stmt.query_map([], |r| {
            let currency = |at: usize| -> rusqlite::Result<Currency> {
                r.get::<_, String>(at)?.parse().map_err(|e: paydesk_money::MoneyError| bad(at, e.to_string()))
            };
            Ok(ExchangeRate {
                base: currency(0)?,
                quote: currency(1)?,
                rate: Rate::parse(&r.get::<_, String>(2)?).map_err(|e| bad(2, e.to_string()))?,
                source: r.get(3)?,
                as_of: r.get(4)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }
}
