//! Writes: new sales and entries, and every status move with its audit event.

use crate::invoice::get_by_id;
use crate::lines::{insert_details, SaleDetails};
use crate::schema::write_tx;
use crate::{Invoice, InvoiceKind, Ledger, LedgerError, NewEntry, NewInvoice, LATE_SEEN, RECEIVED};
use paydesk_money::clock::unix_now;
use paydesk_money::Amount;
use paydesk_money::InvoiceStatus;
use paydesk_money::{CreatedInvoice, FoundInvoice, StatusReport};
use rusqlite::{params, Connection};

impl Ledger {
    /// Writes the sale as "creating" before any request leaves, with its lines and taxes.
    pub fn insert_creating(&self, new: &NewInvoice<'_>) -> Result<Invoice, LedgerError> {
        let row = NewRow {
            order_id: new.order_id,
            kind: InvoiceKind::Sale,
            gateway: new.gateway,
            amount: new.amount,
            tip_minor: new.tip_minor,
            description: new.description,
            status: InvoiceStatus::Creating,
            refund_of: None,
            details: &new.details,
        };
        let mut conn = self.lock();
        let tx = write_tx(&mut conn)?;
        let id = insert_row(&tx, &row, None)?;
        tx.commit()?;
        get_by_id(&conn, id)
    }

    /// Writes a cash sale or a refund, final at once (`paid`: received, or paid out). A refund
    /// naming its sale is checked against it in the same write transaction, so two tills sharing
    /// the ledger cannot together pay back more than the sale took.
    pub fn insert_entry(&self, new: &NewEntry<'_>) -> Result<Invoice, LedgerError> {
        let row = NewRow {
            order_id: new.order_id,
            kind: new.kind,
            gateway: new.gateway,
            amount: new.amount,
            tip_minor: new.tip_minor,
            description: new.description,
            status: InvoiceStatus::Paid,
            refund_of: new.refund_of,
            details: &new.details,
        };
        let mut conn = self.lock();
        let tx = write_tx(&mut conn)?;
        if let Some(original) = new.refund_of {
            check_refund(&tx, original, new.amount)?;
        }
        let detail = match new.kind {
            InvoiceKind::Refund => "refund recorded by hand",
            _ => "cash sale recorded at the counter",
        };
        let id = insert_row(&tx, &row, Some(detail))?;
        tx.commit()?;
        get_by_id(&conn, id)
    }

    /// Records the gateway's answer to a create: the invoice is now pending payment. An invoice
    /// already on the row (a retry's answer naming another one) never replaces the first: a
    /// payment to the first must still be seen.
    pub fn mark_created(&self, id: i64, created: &CreatedInvoice) -> Result<Invoice, LedgerError> {
        let mut conn = self.lock();
        let tx = write_tx(&mut conn)?;
        let before = get_by_id(&tx, id)?;
        let now = unix_now();
        tx.execute(
            "UPDATE invoices SET status = ?2, gateway_invoice_id = COALESCE(gateway_invoice_id, ?3),
                                 pay_link = COALESCE(pay_link, ?4), expires_at = COALESCE(expires_at, ?5),
                                 last_error = NULL, updated_at = ?6 WHERE id = ?1",
            params![
                id,
                InvoiceStatus::Pending.as_str(),
                created.gateway_invoice_id,
                created.pay_link,
                created.expires_at,
                now
            ],
        )?;
        let second = before.gateway_invoice_id.is_some() && before.gateway_invoice_id != created.gateway_invoice_id;
        let detail = second.then(|| {
            format!(
                "the gateway answered with another invoice ({}); the first is kept",
                created.gateway_invoice_id.as_deref().unwrap_or("no id")
            )
        });
        add_event(&tx, id, now, InvoiceStatus::Pending, None, detail.as_deref())?;
        tx.commit()?;
        get_by_id(&conn, id)
    }

    /// Records a status answer; an event is added only when something changed.
    pub fn record_status(&self, id: i64, report: &StatusReport) -> Result<Invoice, LedgerError> {
        let mut conn = self.lock();
        let tx = write_tx(&mut conn)?;
        let before = get_by_id(&tx, id)?;
        let settled = InvoiceStatus::settle(before.status, report.status, before.abandoned_at.is_some());
        // An answer that would move the sale back (it left the gateway before the payment did)
        // is not recorded: the ledger already knows more.
        if before.status.is_final() || !InvoiceStatus::can_move(before.status, settled) {
            return Ok(before);
        }
        let status = settled;
        if before.status != status || before.gateway_status.as_deref() != Some(&report.gateway_status) {
            let now = unix_now();
            tx.execute(
                "UPDATE invoices SET status = ?2, gateway_status = ?3, last_error = NULL, updated_at = ?4 WHERE id = ?1",
                params![id, status.as_str(), report.gateway_status, now],
            )?;
            add_event(&tx, id, now, status, Some(&report.gateway_status), None)?;
        }
        tx.commit()?;
        get_by_id(&conn, id)
    }

    /// Marks an open sale abandoned: the cashier moved on, the gateway may still be paid. A final
    /// sale cannot be abandoned (there is nothing left to wait for); abandoning twice is a no-op.
    pub fn abandon(&self, id: i64) -> Result<Invoice, LedgerError> {
        let mut conn = self.lock();
        let tx = write_tx(&mut conn)?;
        let before = get_by_id(&tx, id)?;
        if before.status.is_final() {
            return Err(LedgerError::Final(before.order_id, before.status));
        }
        if before.abandoned_at.is_none() {
            let now = unix_now();
            tx.execute("UPDATE invoices SET abandoned_at = ?2, updated_at = ?2 WHERE id = ?1", params![id, now])?;
            add_event(
                &tx,
                id,
                now,
                before.status,
                None,
                Some("abandoned at the counter; still watched for a late payment"),
            )?;
        }
        tx.commit()?;
        get_by_id(&conn, id)
    }

    /// Records that a call failed: the status says what is known, `error` says why.
    pub fn record_failure(&self, id: i64, status: InvoiceStatus, error: &str) -> Result<Invoice, LedgerError> {
        self.move_status(id, None, status, None, Some(error), error)?
            .ok_or_else(|| LedgerError::NotFound(id.to_string()))
    }

    /// A manager's verdict on a sale the gateway could not settle, while it is still `from`.
    pub fn settle_by_hand(
        &self,
        id: i64,
        from: InvoiceStatus,
        to: InvoiceStatus,
        note: &str,
    ) -> Result<Option<Invoice>, LedgerError> {
        self.move_status(id, Some(from), to, Some("settled by hand"), None, note)
    }

    /// Moves a row from `from` to `to` with `note` as its last error (and in its audit trail), but
    /// only while it is still `from`: the app and the CLI share the ledger, so a recovery or retry
    /// must not overwrite what another process recorded meanwhile. `None` if the row had moved on.
    pub fn transition(
        &self,
        id: i64,
        from: InvoiceStatus,
        to: InvoiceStatus,
        note: &str,
    ) -> Result<Option<Invoice>, LedgerError> {
        self.move_status(id, Some(from), to, None, Some(note), note)
    }

    /// Moves a row to `to`, only while it is still `from` (any status if `None`), and adds the
    /// audit event with `note` in the same transaction. `gateway_status` replaces the row's only
    /// when given; `last_error` always replaces it. `None` if the row had moved on.
    fn move_status(
        &self,
        id: i64,
        from: Option<InvoiceStatus>,
        to: InvoiceStatus,
        gateway_status: Option<&str>,
        last_error: Option<&str>,
        note: &str,
    ) -> Result<Option<Invoice>, LedgerError> {
        let mut conn = self.lock();
        let tx = write_tx(&mut conn)?;
        let now = unix_now();
        let changed = tx.execute(
            "UPDATE invoices SET status = ?2, gateway_status = COALESCE(?3, gateway_status), last_error = ?4,
                                 updated_at = ?5
             WHERE id = ?1 AND (?6 IS NULL OR status = ?6)",
            params![id, to.as_str(), gateway_status, last_error, now, from.map(|s| s.as_str())],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        add_event(&tx, id, now, to, gateway_status, Some(note))?;
        tx.commit()?;
        get_by_id(&conn, id).map(Some)
    }

    /// Records what the gateway's lookup by order id found (its id, link and expiry where the
    /// answer has them, and its status), only while the row is still `from` (see [`Self::transition`]).
    /// `note`, if any, stays as the row's last error: something the cashier should still know.
    pub fn record_found(
        &self,
        id: i64,
        from: InvoiceStatus,
        found: &FoundInvoice,
        note: Option<&str>,
    ) -> Result<Option<Invoice>, LedgerError> {
        let mut conn = self.lock();
        let tx = write_tx(&mut conn)?;
        let now = unix_now();
        // A lookup answering an earlier stage than the row knows leaves the status as it is.
        let status = if InvoiceStatus::can_move(from, found.status.status) { found.status.status } else { from };
        let changed = tx.execute(
            "UPDATE invoices SET status = ?2, gateway_status = ?3, gateway_invoice_id = COALESCE(?4, gateway_invoice_id),
                                 pay_link = COALESCE(?5, pay_link), expires_at = COALESCE(?6, expires_at),
                                 last_error = ?7, updated_at = ?8
             WHERE id = ?1 AND status = ?9",
            params![
                id,
                status.as_str(),
                found.status.gateway_status,
                found.gateway_invoice_id,
                found.pay_link,
                found.expires_at,
                note,
                now,
                from.as_str()
            ],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        let detail = note.unwrap_or("found on the gateway by its order id");
        add_event(&tx, id, now, status, Some(&found.status.gateway_status), Some(detail))?;
        tx.commit()?;
        get_by_id(&conn, id).map(Some)
    }

    /// Records (in the audit trail) that the cashier saw a late outcome; doing it again adds nothing.
    pub fn mark_late_seen(&self, id: i64) -> Result<(), LedgerError> {
        let mut conn = self.lock();
        let tx = write_tx(&mut conn)?;
        let invoice = get_by_id(&tx, id)?;
        let seen: bool = tx.query_row(
            "SELECT EXISTS (SELECT 1 FROM invoice_events WHERE invoice_id = ?1 AND detail = ?2)",
            params![id, LATE_SEEN],
            |r| r.get(0),
        )?;
        if !seen {
            add_event(&tx, id, unix_now(), invoice.status, None, Some(LATE_SEEN))?;
        }
        tx.commit()?;
        Ok(())
    }
}

/// Refuses a refund of `amount` against the row `original` unless that row is a sale that took
/// money, in the same currency, with at least `amount` not yet paid back.
fn check_refund(conn: &Connection, original: i64, amount: Amount) -> Result<(), LedgerError> {
    let sale = get_by_id(conn, original)?;
    if sale.kind == InvoiceKind::Refund {
        return Err(LedgerError::Refund(format!("{} is itself a refund: name the sale it paid back", sale.order_id)));
    }
    // A refund names only a sale that took its whole amount, so the limit below is what it took.
    // How much a part-paid sale took only the gateway knows.
    if matches!(sale.status, InvoiceStatus::Underpaid | InvoiceStatus::ExpiredPartial) {
        return Err(LedgerError::Refund(format!(
            "{} took only part of its amount, and how much only the gateway knows: record the refund without \
             naming the sale, and give its order id in the reason",
            sale.order_id
        )));
    }
    if !RECEIVED.contains(&sale.status) {
        return Err(LedgerError::Refund(format!(
            "{} is {}: only a sale that took money can be refunded",
            sale.order_id, sale.status
        )));
    }
    let currency = sale.amount.currency();
    if currency != amount.currency() {
        return Err(LedgerError::Refund(format!(
            "{} was paid in {currency}: refund it in {currency}, not {}",
            sale.order_id,
            amount.currency()
        )));
    }
    let refunded: i64 = conn.query_row(
        "SELECT COALESCE(SUM(amount_minor), 0) FROM invoices WHERE refund_of = ?1 AND kind = 'refund'",
        [original],
        |r| r.get(0),
    )?;
    let left = sale.amount.minor().saturating_sub(refunded as u64);
    if amount.minor() <= left {
        return Ok(());
    }
    Err(LedgerError::Refund(match Amount::from_minor(left, currency) {
        Ok(left) => format!("at most {left} of {} ({}) is left to refund, not {amount}", sale.order_id, sale.amount),
        Err(_) => format!("{} ({}) has been refunded in full already", sale.order_id, sale.amount),
    }))
}

/// The tip as stored: refused when it is more than the total it is part of.
fn checked_tip(amount: Amount, tip_minor: u64) -> Result<i64, LedgerError> {
    if tip_minor > amount.minor() {
        return Err(LedgerError::TipOverAmount { tip_minor, amount });
    }
    // No more than an amount, which is far below i64::MAX.
    Ok(tip_minor as i64)
}

/// A row about to be written, whatever its kind.
struct NewRow<'a> {
    order_id: &'a str,
    kind: InvoiceKind,
    gateway: &'a str,
    amount: Amount,
    tip_minor: u64,
    description: Option<&'a str>,
    status: InvoiceStatus,
    refund_of: Option<i64>,
    details: &'a SaleDetails,
}

/// Inserts the row, its lines and taxes and its first audit event inside `tx`.
fn insert_row(tx: &Connection, row: &NewRow<'_>, detail: Option<&str>) -> Result<i64, LedgerError> {
    let tip = checked_tip(row.amount, row.tip_minor)?;
    let now = unix_now();
    let priced = row.details.priced.as_ref();
    tx.execute(
        "INSERT INTO invoices (order_id, kind, gateway, amount_minor, tip_minor, currency, description, status,
                               refund_of, created_at, updated_at, cashier_id, shift_id, priced_minor,
                               priced_currency, fx_rate, fx_source, fx_as_of)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        params![
            row.order_id,
            row.kind.as_str(),
            row.gateway,
            row.amount.minor() as i64,
            tip,
            row.amount.currency().code(),
            row.description,
            row.status.as_str(),
            row.refund_of,
            now,
            row.details.cashier_id,
            row.details.shift_id,
            priced.map(|p| p.amount.minor() as i64),
            priced.map(|p| p.amount.currency().code()),
            priced.map(|p| p.rate.as_str()),
            priced.map(|p| p.source.as_str()),
            priced.map(|p| p.as_of),
        ],
    )
    .map_err(|e| refused_insert(e, row.order_id))?;
    let id = tx.last_insert_rowid();
    insert_details(tx, id, row.details)?;
    add_event(tx, id, now, row.status, None, detail)?;
    Ok(id)
}

/// A unique-constraint failure on insert is a reused order id, and the closed-shift trigger a
/// closed shift; anything else stays as it is.
fn refused_insert(e: rusqlite::Error, order_id: &str) -> LedgerError {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => {
            LedgerError::DuplicateOrder(order_id.to_string())
        }
        other => shift_closed(other),
    }
}

/// The closed-shift triggers' refusal as [`LedgerError::ShiftClosed`].
pub(crate) fn shift_closed(e: rusqlite::Error) -> LedgerError {
    match &e {
        rusqlite::Error::SqliteFailure(_, Some(message)) if message.starts_with("shift_closed") => {
            LedgerError::ShiftClosed
        }
        _ => e.into(),
    }
}

fn add_event(
    conn: &Connection,
    invoice_id: i64,
    at: i64,
    status: InvoiceStatus,
    gateway_status: Option<&str>,
    detail: Option<&str>,
) -> rusqlite::Result<()> {
    conn.execute(
        "INSERT INTO invoice_events (invoice_id, at, status, gateway_status, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        params![invoice_id, at, status.as_str(), gateway_status, detail],
    )?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ledger, sale};

    #[test]
    fn two_processes_writing_one_ledger_wait_for_each_other_instead_of_failing() {
        let (dir, first) = ledger();
        let id = first.insert_creating(&sale("PD-SHARED")).unwrap().id;
        let path = dir.path().join("l.sqlite3");
        let second = Ledger::open(&path).unwrap();
        let report = |i: usize| StatusReport {
            status: if i % 2 == 0 { InvoiceStatus::Pending } else { InvoiceStatus::Confirming },
            gateway_status: format!("poll {i}"),
        };
        std::thread::scope(|s| {
            for l in [&first, &second] {
                s.spawn(move || {
                    for i in 0..150 {
                        l.record_status(id, &report(i)).expect("a write waits for the other process");
                    }
                });
            }
        });
        assert_eq!(first.events(id).unwrap().len(), second.events(id).unwrap().len());
    }

    #[test]
    fn a_sale_moves_from_creating_to_pending_to_paid_with_an_audit_trail() {
        let (_dir, l) = ledger();
        let inv = l.insert_creating(&sale("PD-1")).unwrap();
        assert_eq!((inv.status, inv.amount.minor()), (InvoiceStatus::Creating, 1234));
        let created = CreatedInvoice {
            gateway_invoice_id: Some("G1".into()),
            pay_link: "https://pay.example/G1".into(),
            expires_at: Some(2_000_000_000),
        };
        let inv = l.mark_created(inv.id, &created).unwrap();
        assert_eq!((inv.status, inv.pay_link.as_deref()), (InvoiceStatus::Pending, Some("https://pay.example/G1")));
        let paid = StatusReport { status: InvoiceStatus::Paid, gateway_status: "completed".into() };
        l.record_status(inv.id, &paid).unwrap();
        l.record_status(inv.id, &paid).unwrap();
        let statuses: Vec<_> = l.events(inv.id).unwrap().into_iter().map(|e| e.status).collect();
        assert_eq!(statuses, [InvoiceStatus::Creating, InvoiceStatus::Pending, InvoiceStatus::Paid]);
        assert_eq!(l.find("PD-1").unwrap().status, InvoiceStatus::Paid);
        assert_eq!(l.find(&inv.id.to_string()).unwrap().order_id, "PD-1");
    }

    #[test]
    fn a_duplicate_order_id_is_refused_and_changes_nothing() {
        let (_dir, l) = ledger();
        l.insert_creating(&sale("PD-2")).unwrap();
        assert!(matches!(l.insert_creating(&sale("PD-2")), Err(LedgerError::DuplicateOrder(_))));
        assert_eq!(l.list(10, 0).unwrap().len(), 1);
    }

    #[test]
    fn guarded_moves_write_only_while_the_row_is_still_where_they_expect() {
        let (_dir, l) = ledger();
        let id = l.insert_creating(&sale("PD-G")).unwrap().id;
        let pending = StatusReport { status: InvoiceStatus::Pending, gateway_status: "waiting".into() };
        l.record_status(id, &pending).unwrap();

        // A transition keeps the gateway's status and leaves its note as the last error.
        let noted = l.transition(id, InvoiceStatus::Pending, InvoiceStatus::Pending, "no answer").unwrap().unwrap();
        assert_eq!(
            (noted.status, noted.gateway_status.as_deref(), noted.last_error.as_deref()),
            (InvoiceStatus::Pending, Some("waiting"), Some("no answer"))
        );
        assert_eq!(l.transition(id, InvoiceStatus::Unknown, InvoiceStatus::Failed, "late").unwrap(), None);
        assert_eq!(l.settle_by_hand(id, InvoiceStatus::Unknown, InvoiceStatus::Paid, "late").unwrap(), None);

        // Settling by hand says so as the gateway status and clears the last error.
        let settled = l.settle_by_hand(id, InvoiceStatus::Pending, InvoiceStatus::Paid, "cash seen").unwrap().unwrap();
        assert_eq!(
            (settled.status, settled.gateway_status.as_deref(), settled.last_error.as_deref()),
            (InvoiceStatus::Paid, Some("settled by hand"), None)
        );
        let events: Vec<_> =
            l.events(id).unwrap().into_iter().map(|e| (e.status, e.gateway_status, e.detail)).skip(2).collect();
        assert_eq!(
            events,
            [
                (InvoiceStatus::Pending, None, Some("no answer".into())),
                (InvoiceStatus::Paid, Some("settled by hand".into()), Some("cash seen".into())),
            ]
        );
    }

    #[test]
    fn failures_keep_their_reason() {
        let (_dir, l) = ledger();
        let inv = l.insert_creating(&sale("PD-F")).unwrap();
        let inv = l.record_failure(inv.id, InvoiceStatus::Unknown, "the gateway did not answer in time").unwrap();
        assert_eq!(inv.status, InvoiceStatus::Unknown);
        assert_eq!(inv.last_error.as_deref(), Some("the gateway did not answer in time"));
    }
}
