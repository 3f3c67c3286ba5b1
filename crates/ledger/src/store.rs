//! The ledger: every sale in a local SQLite file. A row is written ("creating", order id fixed)
//! before a request leaves for the gateway, so a crash, timeout or retry never loses a sale.

use paydesk_money::clock::unix_now;
use paydesk_money::InvoiceStatus;
use paydesk_money::{Amount, Currency};
use paydesk_money::{CreatedInvoice, FoundInvoice, StatusReport};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::Duration;

/// Schema changes, applied in order; `PRAGMA user_version` records how many have run.
/// Never edit a shipped step: add a new one.
const MIGRATIONS: &[&str] = &[
    r#"
CREATE TABLE invoices (
    id                 INTEGER PRIMARY KEY,
    order_id           TEXT    NOT NULL UNIQUE,
    gateway            TEXT    NOT NULL,
    amount_minor       INTEGER NOT NULL CHECK (amount_minor > 0),
    currency           TEXT    NOT NULL,
    description        TEXT,
    status             TEXT    NOT NULL,
    gateway_status     TEXT,
    gateway_invoice_id TEXT,
    pay_link           TEXT,
    expires_at         INTEGER,
    last_error         TEXT,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);
CREATE INDEX invoices_by_created ON invoices (created_at DESC, id DESC);
CREATE TABLE invoice_events (
    id             INTEGER PRIMARY KEY,
    invoice_id     INTEGER NOT NULL REFERENCES invoices (id),
    at             INTEGER NOT NULL,
    status         TEXT    NOT NULL,
    gateway_status TEXT,
    detail         TEXT
);
CREATE INDEX invoice_events_by_invoice ON invoice_events (invoice_id, id);
"#,
    // History's search by amount: found through this index instead of a scan of every sale.
    "CREATE INDEX invoices_by_amount ON invoices (amount_minor, currency);",
    // Abandoned at the counter (Unix seconds): still watched, and a payment after it is paid late.
    "ALTER TABLE invoices ADD COLUMN abandoned_at INTEGER;",
    // Cash sales and manual refunds are ledger entries too, so a day's totals are whole. A refund
    // may name the sale it pays back; the partial index finds a sale's refunds without a scan.
    r#"
ALTER TABLE invoices ADD COLUMN kind TEXT NOT NULL DEFAULT 'sale' CHECK (kind IN ('sale', 'cash', 'refund'));
ALTER TABLE invoices ADD COLUMN refund_of INTEGER REFERENCES invoices (id);
CREATE INDEX invoices_refunds ON invoices (refund_of) WHERE refund_of IS NOT NULL;
"#,
    // Statuses only move forward, whoever writes (two checks racing, an older Paydesk, a hand-made
    // UPDATE): the same rule as `InvoiceStatus::can_move`, held by the ledger itself.
    r#"
CREATE TRIGGER invoices_status_only_forward BEFORE UPDATE OF status ON invoices
WHEN NEW.status <> OLD.status AND NOT (
    (NEW.status = 'creating' AND OLD.status IN ('failed', 'unknown'))
    OR (OLD.status NOT IN ('paid', 'overpaid', 'paid_late', 'expired', 'expired_partial', 'failed', 'cancelled')
        AND (CASE NEW.status WHEN 'creating' THEN 0 WHEN 'unknown' THEN 1 WHEN 'pending' THEN 2
                             WHEN 'confirming' THEN 3 WHEN 'underpaid' THEN 3 ELSE 4 END)
         >= (CASE OLD.status WHEN 'creating' THEN 0 WHEN 'unknown' THEN 1 WHEN 'pending' THEN 2
                             WHEN 'confirming' THEN 3 WHEN 'underpaid' THEN 3 ELSE 4 END))
)
BEGIN
    SELECT RAISE(ABORT, 'status_only_forward: a sale''s status only moves forward');
END;
"#,
];

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
    #[error("the ledger at {path} could not be opened: {reason}")]
    Open { path: PathBuf, reason: String },
    #[error("the ledger file was written by a newer Paydesk (schema {found}, this one knows {known})")]
    TooNew { found: i64, known: i64 },
    #[error("ledger error: {0}")]
    Sqlite(#[from] rusqlite::Error),
}

/// One sale as the ledger holds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Invoice {
    pub id: i64,
    pub order_id: String,
    pub gateway: String,
    pub amount: Amount,
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
    pub amount: Amount,
    pub description: Option<&'a str>,
    /// A refund's original sale (local id): same currency, and its refunds may not exceed it.
    pub refund_of: Option<i64>,
}

/// One group of [`Ledger::totals`]: the rows of one kind, status, gateway and currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GroupTotal {
    pub kind: InvoiceKind,
    pub status: InvoiceStatus,
    pub gateway: String,
    pub currency: Currency,
    pub count: u64,
    /// The sum of the rows' amounts in minor units (may exceed one sale's maximum).
    pub minor: u64,
}

/// A sale about to be sent to a gateway.
#[derive(Debug, Clone)]
pub struct NewInvoice<'a> {
    pub order_id: &'a str,
    pub gateway: &'a str,
    pub amount: Amount,
    pub description: Option<&'a str>,
}

pub struct Ledger {
    conn: Mutex<Connection>,
    /// The file, for the read-only connections of long reads (exports).
    path: PathBuf,
}

// The last column is a refund's original order id, looked up by the refund's `refund_of`.
/// The audit-trail note of a cashier dismissing a late-payment notice.
pub const LATE_SEEN: &str = "late outcome seen by the cashier";

const COLUMNS: &str = "id, order_id, gateway, amount_minor, currency, description, status, gateway_status, \
                       gateway_invoice_id, pay_link, expires_at, last_error, created_at, updated_at, abandoned_at, \
                       kind, (SELECT o.order_id FROM invoices AS o WHERE o.id = invoices.refund_of)";

impl Ledger {
    /// Opens (creating if needed) the ledger file and brings its schema up to date.
    pub fn open(path: &Path) -> Result<Ledger, LedgerError> {
        let open_err = |reason: String| LedgerError::Open { path: path.to_path_buf(), reason };
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| open_err(e.to_string()))?;
        }
        let conn = Connection::open(path).map_err(|e| open_err(e.to_string()))?;
        conn.busy_timeout(Duration::from_secs(5))?;
        // WAL survives a killed process without losing committed rows; FULL sync makes each
        // commit durable against power loss too, which a money ledger wants more than speed.
        conn.pragma_update(None, "journal_mode", "WAL")?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let ledger = Ledger { conn: Mutex::new(conn), path: path.to_path_buf() };
        ledger.migrate()?;
        Ok(ledger)
    }

    /// Applies the steps this file lacks. Each runs in a write transaction that reads the version
    /// again first, so an app and a CLI upgrading one ledger at once apply each step once.
    fn migrate(&self) -> Result<(), LedgerError> {
        let mut conn = self.lock();
        let known = MIGRATIONS.len() as i64;
        loop {
            let tx = write(&mut conn)?;
            let version: i64 = tx.pragma_query_value(None, "user_version", |r| r.get(0))?;
            if version > known {
                return Err(LedgerError::TooNew { found: version, known });
            }
            let Some(step) = MIGRATIONS.get(version as usize) else { return Ok(()) };
            tx.execute_batch(step)?;
            tx.pragma_update(None, "user_version", version + 1)?;
            tx.commit()?;
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll back).
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Writes the sale as "creating" before any request leaves.
    pub fn insert_creating(&self, new: &NewInvoice<'_>) -> Result<Invoice, LedgerError> {
        let conn = self.lock();
        let now = unix_now();
        let inserted = conn.execute(
            "INSERT INTO invoices (order_id, gateway, amount_minor, currency, description, status, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
            params![
                new.order_id,
                new.gateway,
                new.amount.minor() as i64,
                new.amount.currency().code(),
                new.description,
                InvoiceStatus::Creating.as_str(),
                now
            ],
        );
        inserted.map_err(|e| duplicate_order(e, new.order_id))?;
        let id = conn.last_insert_rowid();
        add_event(&conn, id, now, InvoiceStatus::Creating, None, None)?;
        get_by_id(&conn, id)
    }

    /// Writes a cash sale or a refund, final at once (`paid`: received, or paid out). A refund
    /// naming its sale is checked against it in the same write transaction, so two tills sharing
    /// the ledger cannot together pay back more than the sale took.
    pub fn insert_entry(&self, new: &NewEntry<'_>) -> Result<Invoice, LedgerError> {
        let mut conn = self.lock();
        let tx = write(&mut conn)?;
        if let Some(original) = new.refund_of {
            check_refund(&tx, original, new.amount)?;
        }
        let now = unix_now();
        tx.execute(
            "INSERT INTO invoices (order_id, kind, gateway, amount_minor, currency, description, status, refund_of,
                                   created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9)",
            params![
                new.order_id,
                new.kind.as_str(),
                new.gateway,
                new.amount.minor() as i64,
                new.amount.currency().code(),
                new.description,
                InvoiceStatus::Paid.as_str(),
                new.refund_of,
                now
            ],
        )
        .map_err(|e| duplicate_order(e, new.order_id))?;
        let id = tx.last_insert_rowid();
        let detail = match new.kind {
            InvoiceKind::Refund => "refund recorded by hand",
            _ => "cash sale recorded at the counter",
        };
        add_event(&tx, id, now, InvoiceStatus::Paid, None, Some(detail))?;
        tx.commit()?;
        get_by_id(&conn, id)
    }

    /// Counts and sums of the rows created in `[from, to)` (Unix seconds), grouped by kind,
    /// status, gateway and currency. The range is read through `invoices_by_created`.
    pub fn totals(&self, from: i64, to: i64) -> Result<Vec<GroupTotal>, LedgerError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(TOTALS_SQL)?;
        let rows = stmt.query_map(params![from, to], |r| {
            let currency: String = r.get(3)?;
            Ok(GroupTotal {
                kind: r.get::<_, String>(0)?.parse().map_err(|e: String| conversion_error(0, e))?,
                status: parse_status(r.get(1)?, 1)?,
                gateway: r.get(2)?,
                currency: currency
                    .parse()
                    .map_err(|e: paydesk_money::MoneyError| conversion_error(3, e.to_string()))?,
                count: r.get::<_, i64>(4)? as u64,
                minor: r.get::<_, i64>(5)? as u64,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Records the gateway's answer to a create: the invoice is now pending payment. An invoice
    /// already on the row (a retry's answer naming another one) never replaces the first: a
    /// payment to the first must still be seen.
    pub fn mark_created(&self, id: i64, created: &CreatedInvoice) -> Result<Invoice, LedgerError> {
        let mut conn = self.lock();
        let tx = write(&mut conn)?;
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
        let tx = write(&mut conn)?;
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
        let tx = write(&mut conn)?;
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
        self.set_status(id, None, status, error)?.ok_or_else(|| LedgerError::NotFound(id.to_string()))
    }

    /// A manager's verdict on a sale the gateway could not settle, while it is still `from`.
    pub fn settle_by_hand(
        &self,
        id: i64,
        from: InvoiceStatus,
        to: InvoiceStatus,
        note: &str,
    ) -> Result<Option<Invoice>, LedgerError> {
        let mut conn = self.lock();
        let tx = write(&mut conn)?;
        let now = unix_now();
        let changed = tx.execute(
            "UPDATE invoices SET status = ?2, gateway_status = ?3, last_error = NULL, updated_at = ?4
             WHERE id = ?1 AND status = ?5",
            params![id, to.as_str(), "settled by hand", now, from.as_str()],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        add_event(&tx, id, now, to, Some("settled by hand"), Some(note))?;
        tx.commit()?;
        get_by_id(&conn, id).map(Some)
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
        self.set_status(id, Some(from), to, note)
    }

    fn set_status(
        &self,
        id: i64,
        from: Option<InvoiceStatus>,
        to: InvoiceStatus,
        note: &str,
    ) -> Result<Option<Invoice>, LedgerError> {
        let mut conn = self.lock();
        let tx = write(&mut conn)?;
        let now = unix_now();
        let changed = tx.execute(
            "UPDATE invoices SET status = ?2, last_error = ?3, updated_at = ?4 WHERE id = ?1 AND (?5 IS NULL OR status = ?5)",
            params![id, to.as_str(), note, now, from.map(|s| s.as_str())],
        )?;
        if changed == 0 {
            return Ok(None);
        }
        add_event(&tx, id, now, to, None, Some(note))?;
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
        let tx = write(&mut conn)?;
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

    /// Every row in `status`, oldest first.
    pub fn in_status(&self, status: InvoiceStatus) -> Result<Vec<Invoice>, LedgerError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!("SELECT {COLUMNS} FROM invoices WHERE status = ?1 ORDER BY id"))?;
        let rows = stmt.query_map([status.as_str()], read_invoice)?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Abandoned sales that turned paid late or expired part-paid and that no cashier has seen
    /// yet (no [`LATE_SEEN`] event): a restart, or a window not yet listening, must not lose them.
    pub fn unseen_late(&self) -> Result<Vec<Invoice>, LedgerError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM invoices WHERE abandoned_at IS NOT NULL AND status IN (?1, ?2)
               AND NOT EXISTS (SELECT 1 FROM invoice_events AS e WHERE e.invoice_id = invoices.id AND e.detail = ?3)
             ORDER BY id"
        ))?;
        let late = [InvoiceStatus::PaidLate.as_str(), InvoiceStatus::ExpiredPartial.as_str(), LATE_SEEN];
        let rows = stmt.query_map(late, read_invoice)?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Records (in the audit trail) that the cashier saw a late outcome; doing it again adds nothing.
    pub fn mark_late_seen(&self, id: i64) -> Result<(), LedgerError> {
        let mut conn = self.lock();
        let tx = write(&mut conn)?;
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

    /// An invoice by its local id (digits) or its order id.
    pub fn find(&self, key: &str) -> Result<Invoice, LedgerError> {
        let conn = self.lock();
        let by_order = conn
            .query_row(&format!("SELECT {COLUMNS} FROM invoices WHERE order_id = ?1"), [key], read_invoice)
            .optional()?;
        match (by_order, key.parse::<i64>()) {
            (Some(inv), _) => Ok(inv),
            (None, Ok(id)) => get_by_id(&conn, id).map_err(|_| LedgerError::NotFound(key.to_string())),
            (None, Err(_)) => Err(LedgerError::NotFound(key.to_string())),
        }
    }

    /// Newest first.
    pub fn list(&self, limit: u32, offset: u32) -> Result<Vec<Invoice>, LedgerError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM invoices ORDER BY created_at DESC, id DESC LIMIT ?1 OFFSET ?2"
        ))?;
        let rows = stmt.query_map(params![limit, offset], read_invoice)?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Newest first, keeping rows whose order id contains `text` or whose amount reads as `text`
    /// in its own currency ("12.34", "12" for 12.00, "1500" for 1500 JPY). Empty text lists all.
    pub fn search(&self, text: &str, limit: u32, offset: u32) -> Result<Vec<Invoice>, LedgerError> {
        self.search_since(text, i64::MIN, limit, offset)
    }

    /// [`Ledger::search`] among the rows created at or after `since` (Unix seconds): a locked
    /// till shows its cashier only today's sales.
    pub fn search_since(&self, text: &str, since: i64, limit: u32, offset: u32) -> Result<Vec<Invoice>, LedgerError> {
        let text = text.trim();
        let (sql, values) = if text.is_empty() {
            let sql = format!(
                "SELECT {COLUMNS} FROM invoices WHERE created_at >= ?1 \
                 ORDER BY created_at DESC, id DESC LIMIT ?2 OFFSET ?3"
            );
            (sql, vec![since.into(), i64::from(limit).into(), i64::from(offset).into()])
        } else {
            search_query(text, since, limit, offset)
        };
        let conn = self.lock();
        let mut stmt = conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(values), read_invoice)?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Every invoice, newest first, handed to `f` as an iterator that reads one row at a time, so
    /// an export never holds the whole ledger in memory. It reads through a connection of its own
    /// in one read transaction: a consistent snapshot (WAL), while charges and the follower go on
    /// writing through the till's connection.
    pub fn with_all<T>(
        &self,
        f: impl FnOnce(&mut dyn Iterator<Item = Result<Invoice, LedgerError>>) -> T,
    ) -> Result<T, LedgerError> {
        let mut conn = Connection::open_with_flags(&self.path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)?;
        conn.busy_timeout(Duration::from_secs(5))?;
        let snapshot = conn.transaction()?;
        // The snapshot starts at the first read: take it now, not at the first row `f` asks for.
        snapshot.query_row("SELECT count(*) FROM invoices", [], |_| Ok(()))?;
        let mut stmt =
            snapshot.prepare(&format!("SELECT {COLUMNS} FROM invoices ORDER BY created_at DESC, id DESC"))?;
        let mut rows = stmt.query_map([], read_invoice)?.map(|row| row.map_err(LedgerError::from));
        Ok(f(&mut rows))
    }

    pub fn events(&self, id: i64) -> Result<Vec<InvoiceEvent>, LedgerError> {
        let conn = self.lock();
        let mut stmt = conn.prepare_cached(
            "SELECT at, status, gateway_status, detail FROM invoice_events WHERE invoice_id = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([id], |r| {
            Ok(InvoiceEvent {
                at: r.get(0)?,
                status: parse_status(r.get::<_, String>(1)?, 1)?,
                gateway_status: r.get(2)?,
                detail: r.get(3)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }
}

/// The SQL and parameters of [`Ledger::search`] for non-empty `text`. The order-id `LIKE` and
/// each amount match are separate branches of a `UNION`: SQLite uses an index for an `OR` only
/// when every branch can, and `LIKE '%…%'` never can, so one `OR` would scan every row for the
/// amounts too. Apart, the amounts are looked up in `invoices_by_amount`.
fn search_query(text: &str, since: i64, limit: u32, offset: u32) -> (String, Vec<rusqlite::types::Value>) {
    let pattern = format!("%{}%", text.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_"));
    let mut ids = String::from("SELECT id FROM invoices WHERE order_id LIKE ?1 ESCAPE '\\'");
    let mut values: Vec<rusqlite::types::Value> = vec![pattern.into()];
    // The same typed amount means different minor units per currency, so match per currency.
    for currency in Currency::all() {
        if let Ok(amount) = paydesk_money::parse_amount(text, currency, paydesk_money::DecimalStyle::Point) {
            values.push((amount.minor() as i64).into());
            values.push(currency.code().to_string().into());
            ids.push_str(&format!(
                " UNION SELECT id FROM invoices WHERE amount_minor = ?{} AND currency = ?{}",
                values.len() - 1,
                values.len()
            ));
        }
    }
    values.push(since.into());
    values.push(i64::from(limit).into());
    values.push(i64::from(offset).into());
    // `+created_at` keeps the planner on the id lookups instead of walking the date index.
    let sql = format!(
        "SELECT {COLUMNS} FROM invoices WHERE id IN ({ids}) AND +created_at >= ?{} \
         ORDER BY created_at DESC, id DESC LIMIT ?{} OFFSET ?{}",
        values.len() - 2,
        values.len() - 1,
        values.len()
    );
    (sql, values)
}

const TOTALS_SQL: &str = "SELECT kind, status, gateway, currency, COUNT(*), SUM(amount_minor) FROM invoices
                          WHERE created_at >= ?1 AND created_at < ?2 GROUP BY kind, status, gateway, currency";

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

/// A unique-constraint failure on insert is a reused order id; anything else stays as it is.
fn duplicate_order(e: rusqlite::Error, order_id: &str) -> LedgerError {
    match e {
        rusqlite::Error::SqliteFailure(f, _) if f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE => {
            LedgerError::DuplicateOrder(order_id.to_string())
        }
        other => other.into(),
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

fn get_by_id(conn: &Connection, id: i64) -> Result<Invoice, LedgerError> {
    conn.query_row(&format!("SELECT {COLUMNS} FROM invoices WHERE id = ?1"), [id], read_invoice)
        .optional()?
        .ok_or_else(|| LedgerError::NotFound(id.to_string()))
}

fn conversion_error(column: usize, message: String) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(column, rusqlite::types::Type::Text, message.into())
}

fn parse_status(text: String, column: usize) -> rusqlite::Result<InvoiceStatus> {
    text.parse().map_err(|e: String| conversion_error(column, e))
}

/// A transaction that takes the write lock at once. A deferred one that reads first and writes
/// after fails with "database is locked" (no busy wait) when another process wrote in between.
fn write(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

fn read_invoice(r: &Row<'_>) -> rusqlite::Result<Invoice> {
    let currency: Currency =
        r.get::<_, String>(4)?.parse().map_err(|e: paydesk_money::MoneyError| conversion_error(4, e.to_string()))?;
    let minor: i64 = r.get(3)?;
    let amount = Amount::from_minor(minor as u64, currency).map_err(|e| conversion_error(3, e.to_string()))?;
    Ok(Invoice {
        id: r.get(0)?,
        order_id: r.get(1)?,
        gateway: r.get(2)?,
        amount,
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
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ledger() -> (tempfile::TempDir, Ledger) {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("l.sqlite3")).unwrap();
        (dir, ledger)
    }

    fn sale(order_id: &str) -> NewInvoice<'_> {
        NewInvoice {
            order_id,
            gateway: "demo",
            amount: Amount::from_minor(1234, Currency::USD).unwrap(),
            description: Some("Coffee"),
        }
    }

    #[test]
    fn hardening_16_an_export_does_not_hold_the_ledger_while_it_writes() {
        let (_dir, ledger) = ledger();
        let ledger = std::sync::Arc::new(ledger);
        ledger.insert_creating(&sale("PD-BEFORE")).unwrap();
        let (done, finished) = std::sync::mpsc::channel();
        let exported = ledger
            .with_all(|rows| {
                // A charge while the export is half-way through its rows (not scoped: were it
                // kept waiting, the test must fail, not wait for it).
                let writer = ledger.clone();
                let done = done.clone();
                std::thread::spawn(move || done.send(writer.insert_creating(&sale("PD-DURING")).map(|i| i.order_id)));
                let during = finished.recv_timeout(Duration::from_secs(10)).expect("the charge was not kept waiting");
                assert_eq!(during.unwrap(), "PD-DURING");
                rows.map(|r| r.unwrap().order_id).collect::<Vec<_>>()
            })
            .unwrap();
        assert_eq!(exported, ["PD-BEFORE"], "the export reads the ledger as it was when it began");
        assert_eq!(ledger.list(10, 0).unwrap().len(), 2);
    }

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
    fn two_processes_upgrading_one_old_ledger_apply_each_step_once() {
        for round in 0..5 {
            let dir = tempfile::tempdir().unwrap();
            let path = dir.path().join("old.sqlite3");
            let old = Connection::open(&path).unwrap();
            old.pragma_update(None, "journal_mode", "WAL").unwrap();
            for step in &MIGRATIONS[..2] {
                old.execute_batch(step).unwrap();
            }
            old.pragma_update(None, "user_version", 2).unwrap();
            drop(old);
            std::thread::scope(|s| {
                let opens: Vec<_> = (0..2).map(|_| s.spawn(|| Ledger::open(&path).map(|_| ()))).collect();
                for open in opens {
                    open.join().unwrap().unwrap_or_else(|e| panic!("round {round}: {e}"));
                }
            });
            let version: i64 =
                Connection::open(&path).unwrap().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
            assert_eq!(version, MIGRATIONS.len() as i64);
        }
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
    fn rows_survive_reopening_and_migrations_run_once() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.sqlite3");
        let id = Ledger::open(&path).unwrap().insert_creating(&sale("PD-3")).unwrap().id;
        let again = Ledger::open(&path).unwrap();
        assert_eq!(again.find("PD-3").unwrap().id, id);
        let version: i64 = again.lock().pragma_query_value(None, "user_version", |r| r.get(0)).unwrap();
        assert_eq!(version, MIGRATIONS.len() as i64);
        let mode: String = again.lock().pragma_query_value(None, "journal_mode", |r| r.get(0)).unwrap();
        assert_eq!(mode, "wal");
    }

    #[test]
    fn a_ledger_from_a_newer_version_is_not_touched() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.sqlite3");
        Connection::open(&path).unwrap().pragma_update(None, "user_version", 99).unwrap();
        assert!(matches!(Ledger::open(&path), Err(LedgerError::TooNew { found: 99, .. })));
    }

    #[test]
    fn lists_newest_first_and_finds_unknown_keys_as_not_found() {
        let (_dir, l) = ledger();
        for n in 0..3 {
            l.insert_creating(&sale(&format!("PD-L{n}"))).unwrap();
        }
        let orders: Vec<_> = l.list(2, 0).unwrap().into_iter().map(|i| i.order_id).collect();
        assert_eq!(orders, ["PD-L2", "PD-L1"]);
        assert!(matches!(l.find("nope"), Err(LedgerError::NotFound(_))));
        assert!(matches!(l.find("999"), Err(LedgerError::NotFound(_))));
    }

    #[test]
    fn search_matches_order_ids_and_amounts_in_their_currency() {
        let (_dir, l) = ledger();
        l.insert_creating(&sale("PD-AAA-1")).unwrap();
        let jpy: Currency = "JPY".parse().unwrap();
        let yen = NewInvoice { amount: Amount::from_minor(1500, jpy).unwrap(), ..sale("PD-BBB-2") };
        l.insert_creating(&yen).unwrap();
        let orders =
            |text: &str| -> Vec<String> { l.search(text, 10, 0).unwrap().into_iter().map(|i| i.order_id).collect() };
        assert_eq!(orders("aaa"), ["PD-AAA-1"]);
        assert_eq!(orders("12.34"), ["PD-AAA-1"]);
        assert_eq!(orders("1500"), ["PD-BBB-2"]);
        assert_eq!(orders(""), ["PD-BBB-2", "PD-AAA-1"]);
        assert!(orders("%").is_empty(), "LIKE wildcards are matched literally");
        assert!(orders("99.99").is_empty());
    }

    #[test]
    fn an_amount_alone_finds_its_rows_in_every_currency_newest_first_page_by_page() {
        let (_dir, l) = ledger();
        let cur = |code: &str| -> Currency { code.parse().unwrap() };
        // (currency, minor units, whether "12" means this amount in it)
        let sales = [
            ("USD", 1200, true),
            ("JPY", 12, true),
            ("USD", 12, false),
            ("KWD", 12_000, true),
            ("EUR", 1200, true),
            ("JPY", 1200, false),
            ("EUR", 1201, false),
            ("USD", 1200, true),
        ];
        let mut want = vec![];
        for (n, &(code, minor, matches)) in sales.iter().enumerate() {
            let order_id = format!("PD-S{n}");
            let new = NewInvoice { amount: Amount::from_minor(minor, cur(code)).unwrap(), ..sale(&order_id) };
            let inv = l.insert_creating(&new).unwrap();
            // Creation times out of id order, with ties, so the order is by time and then id.
            let created_at = 1_700_000_000 + (inv.id * 7) % 5;
            l.lock().execute("UPDATE invoices SET created_at = ?2 WHERE id = ?1", params![inv.id, created_at]).unwrap();
            if matches {
                want.push((created_at, inv.id));
            }
        }
        want.sort_by(|a, b| b.cmp(a));
        let want: Vec<i64> = want.into_iter().map(|(_, id)| id).collect();
        let pages: Vec<Vec<i64>> =
            (0..3).map(|page| l.search("12", 2, page * 2).unwrap().into_iter().map(|i| i.id).collect()).collect();
        assert_eq!(pages.iter().map(Vec::len).collect::<Vec<_>>(), [2, 2, 1]);
        assert_eq!(pages.concat(), want);
        assert_eq!(l.search("12", 2, 6).unwrap(), []);
        let all: Vec<i64> = l.search("12", 50, 0).unwrap().into_iter().map(|i| i.id).collect();
        assert_eq!(all, want);
    }

    #[test]
    fn an_order_id_that_also_reads_as_an_amount_is_listed_once() {
        let (_dir, l) = ledger();
        let both = l.insert_creating(&sale("PD-12.34")).unwrap(); // its amount is 12.34 USD too
        let amount_only = l.insert_creating(&sale("PD-X")).unwrap();
        let ids: Vec<i64> = l.search("12.34", 10, 0).unwrap().into_iter().map(|i| i.id).collect();
        assert_eq!(ids, [amount_only.id, both.id]);
    }

    #[test]
    fn the_amount_search_uses_its_index_and_not_a_scan() {
        let (_dir, l) = ledger();
        let (sql, values) = search_query("12.34", i64::MIN, 50, 0);
        let conn = l.lock();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let plan: Vec<String> =
            stmt.query_map(rusqlite::params_from_iter(values), |r| r.get(3)).unwrap().map(Result::unwrap).collect();
        let amount_lookups =
            plan.iter().filter(|step| step.contains("USING COVERING INDEX invoices_by_amount")).count();
        // One lookup per currency "12.34" parses in; only the order-id LIKE may scan.
        assert_eq!(amount_lookups, Currency::all().filter(|c| c.decimals() >= 2).count(), "{plan:#?}");
        let scans = plan.iter().filter(|step| step.starts_with("SCAN")).count();
        assert!(scans <= 2, "{plan:#?}");
    }

    #[test]
    fn with_all_streams_the_same_rows_as_the_full_list() {
        let (_dir, l) = ledger();
        for n in 0..5 {
            l.insert_creating(&sale(&format!("PD-W{n}"))).unwrap();
        }
        let streamed: Vec<Invoice> = l.with_all(|rows| rows.collect::<Result<_, _>>()).unwrap().unwrap();
        assert_eq!(streamed, l.list(u32::MAX, 0).unwrap());
        assert_eq!(l.with_all(|rows| rows.take(2).count()).unwrap(), 2);
    }

    #[test]
    fn the_report_totals_read_their_period_through_the_date_index() {
        let (_dir, l) = ledger();
        let conn = l.lock();
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {TOTALS_SQL}")).unwrap();
        let plan: Vec<String> = stmt.query_map(params![0, 1], |r| r.get(3)).unwrap().map(Result::unwrap).collect();
        assert!(plan.iter().any(|step| step.contains("USING INDEX invoices_by_created")), "{plan:#?}");
        assert!(!plan.iter().any(|step| step.starts_with("SCAN invoices")), "{plan:#?}");
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
