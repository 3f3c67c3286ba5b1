//! What happened at the counter beside the sales themselves: receipts printed (an audit event on
//! the sale, so a restart never prints one twice on its own) and the cash drawer opened without a
//! sale (who, when, why).

use crate::schema::write_tx;
use crate::{Ledger, LedgerError};
use paydesk_money::clock::unix_now;
use rusqlite::params;
use serde::Serialize;

/// The audit-trail note of a receipt that reached the printer.
pub const RECEIPT_PRINTED: &str = "receipt printed";

/// A drawer opened without a sale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DrawerOpening {
    pub at: i64,
    pub who: String,
    pub reason: String,
    pub shift_id: Option<i64>,
}

impl Ledger {
    /// Notes on the sale that its receipt was printed (its status is left as it is).
    pub fn mark_printed(&self, invoice_id: i64) -> Result<(), LedgerError> {
        let mut conn = self.lock();
        let tx = write_tx(&mut conn)?;
        let status: String = tx.query_row("SELECT status FROM invoices WHERE id = ?1", [invoice_id], |r| r.get(0))?;
        tx.execute(
            "INSERT INTO invoice_events (invoice_id, at, status, detail) VALUES (?1, ?2, ?3, ?4)",
            params![invoice_id, unix_now(), status, RECEIPT_PRINTED],
        )?;
        tx.commit()?;
        Ok(())
    }

    /// Whether a receipt of the sale was ever printed.
    pub fn was_printed(&self, invoice_id: i64) -> Result<bool, LedgerError> {
        let conn = self.lock();
        let printed: i64 = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM invoice_events WHERE invoice_id = ?1 AND detail = ?2)",
            params![invoice_id, RECEIPT_PRINTED],
            |r| r.get(0),
        )?;
        Ok(printed == 1)
    }

    /// Records the drawer opened by `who` for `reason`, in the open shift if any.
    pub fn record_drawer_opening(&self, who: &str, reason: &str) -> Result<DrawerOpening, LedgerError> {
        let conn = self.lock();
        let shift_id: Option<i64> =
            conn.query_row("SELECT MAX(id) FROM shifts WHERE closed_at IS NULL", [], |r| r.get(0))?;
        let at = unix_now();
        conn.execute(
            "INSERT INTO drawer_openings (at, who, reason, shift_id) VALUES (?1, ?2, ?3, ?4)",
            params![at, who, reason, shift_id],
        )?;
        Ok(DrawerOpening { at, who: who.into(), reason: reason.into(), shift_id })
    }

    /// Drawer openings in `[from, to)`, oldest first.
    pub fn drawer_openings(&self, from: i64, to: i64) -> Result<Vec<DrawerOpening>, LedgerError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT at, who, reason, shift_id FROM drawer_openings WHERE at >= ?1 AND at < ?2 ORDER BY at, id",
        )?;
        let rows = stmt.query_map(params![from, to], |r| {
            Ok(DrawerOpening { at: r.get(0)?, who: r.get(1)?, reason: r.get(2)?, shift_id: r.get(3)? })
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{ledger, sale};

    #[test]
    fn a_printed_receipt_is_noted_once_on_its_sale_and_drawer_openings_are_kept() {
        let (_dir, l) = ledger();
        let row = l.insert_creating(&sale("PD-P")).unwrap();
        assert!(!l.was_printed(row.id).unwrap());
        l.mark_printed(row.id).unwrap();
        assert!(l.was_printed(row.id).unwrap());
        assert_eq!(l.find("PD-P").unwrap().status, row.status, "printing moves no status");
        let opened = l.record_drawer_opening("the manager", "change for the float").unwrap();
        assert_eq!(l.drawer_openings(opened.at, opened.at + 1).unwrap(), std::slice::from_ref(&opened));
        assert!(l.drawer_openings(opened.at + 1, opened.at + 2).unwrap().is_empty());
    }
}
