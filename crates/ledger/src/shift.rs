//! Cashiers and their shifts. A shift is the till's drawer from open (a starting float) to close
//! (the cash counted); the cash it should hold is worked out from the shift's own entries, and a
//! closed shift's figures are final (the schema's triggers refuse any change, whoever writes).

use crate::schema::write_tx;
use crate::write::shift_closed;
use crate::{InvoiceKind, Ledger, LedgerError};
use paydesk_money::clock::unix_now;
use paydesk_money::{Currency, InvoiceStatus};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Cashier {
    pub id: i64,
    pub name: String,
    /// A cashier who left keeps their name on past sales but can no longer sign in.
    pub active: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Shift {
    pub id: i64,
    pub cashier_id: i64,
    pub cashier: String,
    pub currency: Currency,
    pub float_minor: u64,
    pub opened_at: i64,
    pub closed_at: Option<i64>,
    pub counted_minor: Option<u64>,
    /// Float + cash sales − refunds of the shift, in its currency: frozen at close, worked out
    /// afresh while it is open.
    pub expected_minor: u64,
}

impl Shift {
    /// Counted − expected: positive over, negative short; `None` while open.
    pub fn over_short_minor(&self) -> Option<i128> {
        self.counted_minor.map(|c| i128::from(c) - i128::from(self.expected_minor))
    }
}

const SHIFT_COLUMNS: &str = "s.id, s.cashier_id, c.name, s.currency, s.float_minor, s.opened_at, s.closed_at, \
                             s.counted_minor, s.expected_minor";

fn read_shift(r: &Row<'_>) -> rusqlite::Result<(Shift, Option<i64>)> {
    let currency: Currency = r
        .get::<_, String>(3)?
        .parse()
        .map_err(|e: paydesk_money::MoneyError| crate::invoice::conversion_error(3, e.to_string()))?;
    let shift = Shift {
        id: r.get(0)?,
        cashier_id: r.get(1)?,
        cashier: r.get(2)?,
        currency,
        float_minor: r.get::<_, i64>(4)? as u64,
        opened_at: r.get(5)?,
        closed_at: r.get(6)?,
        counted_minor: r.get::<_, Option<i64>>(7)?.map(|c| c as u64),
        expected_minor: 0,
    };
    Ok((shift, r.get(8)?))
}

/// Float + cash taken − refunds paid out in the shift, in its currency.
fn expected_cash(conn: &Connection, shift_id: i64, currency: Currency, float_minor: u64) -> Result<u64, LedgerError> {
    let (cash, refunds): (i64, i64) = conn.query_row(
        "SELECT COALESCE(SUM(CASE WHEN kind = ?3 THEN amount_minor ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN kind = ?4 THEN amount_minor ELSE 0 END), 0)
         FROM invoices WHERE shift_id = ?1 AND currency = ?2 AND status = ?5",
        params![
            shift_id,
            currency.code(),
            InvoiceKind::Cash.as_str(),
            InvoiceKind::Refund.as_str(),
            InvoiceStatus::Paid.as_str()
        ],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    // A drawer cannot hold less than nothing; more paid out than was in it is shown as 0 expected.
    Ok((float_minor as i64 + cash - refunds).max(0) as u64)
}

fn finish(conn: &Connection, (mut shift, frozen): (Shift, Option<i64>)) -> Result<Shift, LedgerError> {
    shift.expected_minor = match frozen {
        Some(expected) => expected as u64,
        None => expected_cash(conn, shift.id, shift.currency, shift.float_minor)?,
    };
    Ok(shift)
}

fn shift_by_id(conn: &Connection, id: i64) -> Result<Shift, LedgerError> {
    let row = conn
        .query_row(
            &format!(
                "SELECT {SHIFT_COLUMNS} FROM shifts AS s JOIN cashiers AS c ON c.id = s.cashier_id WHERE s.id = ?1"
            ),
            [id],
            read_shift,
        )
        .optional()?
        .ok_or_else(|| LedgerError::NotFound(format!("shift {id}")))?;
    finish(conn, row)
}

impl Ledger {
    /// Every cashier, by name.
    pub fn cashiers(&self) -> Result<Vec<Cashier>, LedgerError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached("SELECT id, name, active FROM cashiers ORDER BY name")?;
        let rows = stmt.query_map([], |r| Ok(Cashier { id: r.get(0)?, name: r.get(1)?, active: r.get(2)? }))?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Adds a cashier with the hash of their PIN (never the PIN).
    pub fn add_cashier(&self, name: &str, pin_hash: &str) -> Result<Cashier, LedgerError> {
        let conn = self.lock();
        conn.execute(
            "INSERT INTO cashiers (name, pin_hash, created_at) VALUES (?1, ?2, ?3)",
            params![name, pin_hash, unix_now()],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => {
                LedgerError::Line(format!("there is already a cashier called '{name}'"))
            }
            other => other.into(),
        })?;
        Ok(Cashier { id: conn.last_insert_rowid(), name: name.to_string(), active: true })
    }

    /// A cashier's PIN hash, to check a sign-in against.
    pub fn cashier_pin_hash(&self, id: i64) -> Result<String, LedgerError> {
        self.lock()
            .query_row("SELECT pin_hash FROM cashiers WHERE id = ?1 AND active = 1", [id], |r| r.get(0))
            .optional()?
            .ok_or_else(|| LedgerError::NotFound(format!("cashier {id}")))
    }

    /// Changes a cashier's PIN hash, or whether they may sign in.
    pub fn update_cashier(&self, id: i64, pin_hash: Option<&str>, active: Option<bool>) -> Result<(), LedgerError> {
        let changed = self.lock().execute(
            "UPDATE cashiers SET pin_hash = COALESCE(?2, pin_hash), active = COALESCE(?3, active) WHERE id = ?1",
            params![id, pin_hash, active],
        )?;
        if changed == 0 {
            return Err(LedgerError::NotFound(format!("cashier {id}")));
        }
        Ok(())
    }

    /// Opens a shift with `float` in the drawer. One shift is open at a time on a till.
    pub fn open_shift(&self, cashier_id: i64, float: Currency, float_minor: u64) -> Result<Shift, LedgerError> {
        let mut conn = self.lock();
        let tx = write_tx(&mut conn)?;
        if let Some(open) = open_shift_in(&tx)? {
            return Err(LedgerError::Line(format!("{}'s shift is still open: close it first", open.cashier)));
        }
        tx.execute(
            "INSERT INTO shifts (cashier_id, currency, float_minor, opened_at) VALUES (?1, ?2, ?3, ?4)",
            params![cashier_id, float.code(), float_minor as i64, unix_now()],
        )?;
        let id = tx.last_insert_rowid();
        tx.commit()?;
        shift_by_id(&conn, id)
    }

    /// The shift open now, if any.
    pub fn open_shift_now(&self) -> Result<Option<Shift>, LedgerError> {
        open_shift_in(&self.lock())
    }

    pub fn shift(&self, id: i64) -> Result<Shift, LedgerError> {
        shift_by_id(&self.lock(), id)
    }

    /// Closes a shift with the cash counted in its drawer (minor units of the shift's currency);
    /// what it should hold is frozen with it.
    pub fn close_shift(&self, id: i64, counted_minor: u64) -> Result<Shift, LedgerError> {
        let mut conn = self.lock();
        let tx = write_tx(&mut conn)?;
        let shift = shift_by_id(&tx, id)?;
        if shift.closed_at.is_some() {
            return Err(LedgerError::ShiftClosed);
        }
        tx.execute(
            "UPDATE shifts SET closed_at = ?2, counted_minor = ?3, expected_minor = ?4 WHERE id = ?1",
            params![id, unix_now(), counted_minor as i64, shift.expected_minor as i64],
        )
        .map_err(shift_closed)?;
        tx.commit()?;
        shift_by_id(&conn, id)
    }

    /// Shifts opened in `[from, to)`, oldest first.
    pub fn shifts(&self, from: i64, to: i64) -> Result<Vec<Shift>, LedgerError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {SHIFT_COLUMNS} FROM shifts AS s JOIN cashiers AS c ON c.id = s.cashier_id
             WHERE s.opened_at >= ?1 AND s.opened_at < ?2 ORDER BY s.id"
        ))?;
        let rows: Vec<_> = stmt.query_map(params![from, to], read_shift)?.collect::<Result<_, _>>()?;
        rows.into_iter().map(|row| finish(&conn, row)).collect()
    }
}

fn open_shift_in(conn: &Connection) -> Result<Option<Shift>, LedgerError> {
    let row = conn
        .query_row(
            &format!(
                "SELECT {SHIFT_COLUMNS} FROM shifts AS s JOIN cashiers AS c ON c.id = s.cashier_id
                 WHERE s.closed_at IS NULL"
            ),
            [],
            read_shift,
        )
        .optional()?;
    row.map(|row| finish(conn, row)).transpose()
}
