//! The outbox: the changes a shop database has not taken yet, oldest first, and the till's own id
//! there. Triggers fill it in the transaction that changed the row (migration 9); a pusher reads
//! a batch, writes it to the shop database, then drops what was taken.

use crate::invoice::{read_invoice, COLUMNS};
use crate::lines::read_taxes;
use crate::{Invoice, Ledger, LedgerError};
use paydesk_money::tax::RateTotal;
use rusqlite::params;

/// One sale as it stands now, for the shop database: the newest outbox entry naming it.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The outbox sequence of the newest change taken for this sale: the shop database keeps a
    /// row only when this is higher than what it holds.
    pub seq: i64,
    /// When that change was written (Unix milliseconds), for the replication lag.
    pub at_ms: i64,
    pub invoice: Invoice,
    pub taxes: Vec<RateTotal>,
}

/// What [`Ledger::outbox_batch`] read: the sales changed, each once, and the highest sequence
/// it covers, to hand back to [`Ledger::outbox_taken`] once the shop database has them.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxBatch {
    pub changes: Vec<Change>,
    pub through_seq: i64,
}

impl Ledger {
    /// The id this till goes by in a shop database: random, made once with the ledger.
    pub fn till_id(&self) -> Result<String, LedgerError> {
        Ok(self.lock().query_row("SELECT till_id FROM till_identity", [], |r| r.get(0))?)
    }

    /// The oldest `limit` outbox entries, as the current state of each sale they name (a sale
    /// changed five times goes out once). `None` when the outbox is empty. One read transaction,
    /// so the snapshots and the sequence agree.
    pub fn outbox_batch(&self, limit: u32) -> Result<Option<OutboxBatch>, LedgerError> {
        let mut conn = self.lock();
        let tx = conn.transaction()?;
        let entries: Vec<(i64, i64, i64)> = {
            let mut stmt = tx.prepare_cached("SELECT seq, invoice_id, at_ms FROM outbox ORDER BY seq LIMIT ?1")?;
            let rows = stmt.query_map([limit], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect::<Result<_, _>>()?
        };
        let Some(&(through_seq, _, _)) = entries.last() else { return Ok(None) };
        let mut newest: Vec<(i64, i64, i64)> = Vec::new();
        for (seq, id, at_ms) in entries.into_iter().rev() {
            if !newest.iter().any(|&(_, seen, _)| seen == id) {
                newest.push((seq, id, at_ms));
            }
        }
        newest.reverse();
        let mut changes = Vec::with_capacity(newest.len());
        {
            let mut stmt = tx.prepare_cached(&format!("SELECT {COLUMNS} FROM invoices WHERE id = ?1"))?;
            for (seq, id, at_ms) in newest {
                let invoice = stmt.query_row([id], read_invoice)?;
                changes.push(Change { seq, at_ms, invoice, taxes: read_taxes(&tx, id)? });
            }
        }
        tx.commit()?;
        Ok(Some(OutboxBatch { changes, through_seq }))
    }

    /// Drops the entries up to `through_seq`: the shop database has them.
    pub fn outbox_taken(&self, through_seq: i64) -> Result<usize, LedgerError> {
        Ok(self.lock().execute("DELETE FROM outbox WHERE seq <= ?1", params![through_seq])?)
    }

    /// Calls `wake` after every commit on this handle (the app's and the link's shared ledger), so
    /// a pusher sends a sale at once instead of at its next look. Writes by other processes are
    /// not seen here: the pusher still looks on its own now and then. Replaces an earlier `wake`.
    pub fn on_commit(&self, wake: impl Fn() + Send + 'static) {
        self.lock().commit_hook(Some(move || {
            wake();
            false // let the commit go ahead
        }));
    }

    /// How many changes are waiting for the shop database.
    pub fn outbox_len(&self) -> Result<u64, LedgerError> {
        Ok(self.lock().query_row("SELECT COUNT(*) FROM outbox", [], |r| r.get::<_, i64>(0))? as u64)
    }
}

#[cfg(test)]
mod tests {
    use crate::testing::{ledger, sale};
    use paydesk_money::{InvoiceStatus, StatusReport};

    #[test]
    fn each_write_lands_in_the_outbox_and_a_batch_sends_each_sale_once_as_it_stands() {
        let (_dir, ledger) = ledger();
        let a = ledger.insert_creating(&sale("A-1")).unwrap();
        let b = ledger.insert_creating(&sale("A-2")).unwrap();
        let paid = StatusReport { status: InvoiceStatus::Paid, gateway_status: "paid".into() };
        ledger.record_status(a.id, &paid).unwrap();
        assert_eq!(ledger.outbox_len().unwrap(), 3);

        let batch = ledger.outbox_batch(100).unwrap().unwrap();
        let sent: Vec<_> = batch.changes.iter().map(|c| (c.invoice.order_id.as_str(), c.invoice.status)).collect();
        assert_eq!(sent, [("A-2", InvoiceStatus::Creating), ("A-1", InvoiceStatus::Paid)]);
        assert!(batch.changes[1].seq > batch.changes[0].seq, "A-1's newest change is the later one");
        assert_eq!(batch.through_seq, batch.changes[1].seq);

        assert_eq!(ledger.outbox_taken(batch.through_seq).unwrap(), 3);
        assert!(ledger.outbox_batch(100).unwrap().is_none());
        ledger.record_status(b.id, &paid).unwrap();
        let next = ledger.outbox_batch(100).unwrap().unwrap();
        assert!(next.changes[0].seq > batch.through_seq, "sequences never restart");
    }

    #[test]
    fn a_batch_is_cut_at_its_limit_and_the_rest_waits() {
        let (_dir, ledger) = ledger();
        for n in 0..5 {
            ledger.insert_creating(&sale(&format!("A-{n}"))).unwrap();
        }
        let first = ledger.outbox_batch(2).unwrap().unwrap();
        assert_eq!(first.changes.len(), 2);
        ledger.outbox_taken(first.through_seq).unwrap();
        assert_eq!(ledger.outbox_len().unwrap(), 3);
    }

    #[test]
    fn every_commit_wakes_whoever_asked() {
        let (_dir, ledger) = ledger();
        let woken = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let count = woken.clone();
        ledger.on_commit(move || {
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        let a = ledger.insert_creating(&sale("A-1")).unwrap();
        ledger
            .record_status(a.id, &StatusReport { status: InvoiceStatus::Pending, gateway_status: "new".into() })
            .unwrap();
        assert_eq!(woken.load(std::sync::atomic::Ordering::SeqCst), 2);
    }

    #[test]
    fn the_till_id_is_made_once_and_kept() {
        let (dir, ledger) = ledger();
        let id = ledger.till_id().unwrap();
        assert_eq!(id.len(), 16);
        drop(ledger);
        let again = crate::Ledger::open(&dir.path().join("l.sqlite3")).unwrap();
        assert_eq!(again.till_id().unwrap(), id);
    }
}
