//! The ledger file: its schema migrations, opening it, and the connection every query shares.

use crate::LedgerError;
use rusqlite::Connection;
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
    // The tip as a figure of its own (it was only ever in the description text): the part of
    // `amount_minor` that is a tip, same currency; `amount_minor` stays the total charged.
    "ALTER TABLE invoices ADD COLUMN tip_minor INTEGER NOT NULL DEFAULT 0 \
     CHECK (tip_minor >= 0 AND tip_minor <= amount_minor);",
    // A shop's money rules: the catalog and its tax rates, what each sale sold and the tax in it,
    // the currency it was priced in (when the gateway charged another), and who sold it in which
    // shift. Lines, taxes and the priced amount are in the priced currency (`priced_currency`, or
    // the sale's own when it was not converted); `amount_minor` stays what was charged.
    r#"
CREATE TABLE tax_rates (
    id           INTEGER PRIMARY KEY,
    name         TEXT    NOT NULL UNIQUE,
    basis_points INTEGER NOT NULL CHECK (basis_points BETWEEN 0 AND 10000),
    inclusive    INTEGER NOT NULL CHECK (inclusive IN (0, 1)),
    is_default   INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1))
);
CREATE UNIQUE INDEX tax_rates_one_default ON tax_rates (is_default) WHERE is_default = 1;
-- AUTOINCREMENT: an id is never given to another item, also after the catalog is replaced, so
-- a cart still holding an old id can never sell a different item under it.
CREATE TABLE items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT    NOT NULL,
    price_minor INTEGER NOT NULL CHECK (price_minor > 0),
    currency    TEXT    NOT NULL,
    tax_rate    TEXT    REFERENCES tax_rates (name) ON UPDATE CASCADE,
    barcode     TEXT    UNIQUE,
    category    TEXT
);
CREATE INDEX items_by_name ON items (name COLLATE NOCASE);
CREATE TABLE sale_lines (
    id               INTEGER PRIMARY KEY,
    invoice_id       INTEGER NOT NULL REFERENCES invoices (id),
    position         INTEGER NOT NULL,
    item_id          INTEGER,
    name             TEXT    NOT NULL,
    quantity         INTEGER NOT NULL CHECK (quantity > 0),
    unit_price_minor INTEGER NOT NULL CHECK (unit_price_minor > 0),
    amount_minor     INTEGER NOT NULL CHECK (amount_minor = quantity * unit_price_minor),
    tax_name         TEXT,
    tax_basis_points INTEGER,
    tax_inclusive    INTEGER,
    UNIQUE (invoice_id, position)
);
CREATE TABLE sale_taxes (
    invoice_id   INTEGER NOT NULL REFERENCES invoices (id),
    name         TEXT    NOT NULL,
    basis_points INTEGER NOT NULL,
    inclusive    INTEGER NOT NULL,
    net_minor    INTEGER NOT NULL CHECK (net_minor >= 0),
    tax_minor    INTEGER NOT NULL CHECK (tax_minor >= 0),
    gross_minor  INTEGER NOT NULL CHECK (gross_minor = net_minor + tax_minor),
    PRIMARY KEY (invoice_id, name)
);
CREATE TABLE cashiers (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    pin_hash   TEXT    NOT NULL,
    active     INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    created_at INTEGER NOT NULL
);
CREATE TABLE shifts (
    id             INTEGER PRIMARY KEY,
    cashier_id     INTEGER NOT NULL REFERENCES cashiers (id),
    currency       TEXT    NOT NULL,
    float_minor    INTEGER NOT NULL CHECK (float_minor >= 0),
    opened_at      INTEGER NOT NULL,
    closed_at      INTEGER,
    counted_minor  INTEGER CHECK (counted_minor >= 0),
    expected_minor INTEGER,
    CHECK ((closed_at IS NULL) = (counted_minor IS NULL) AND (closed_at IS NULL) = (expected_minor IS NULL))
);
CREATE UNIQUE INDEX shifts_one_open ON shifts ((closed_at IS NULL)) WHERE closed_at IS NULL;
CREATE TRIGGER shifts_closed_stay_closed BEFORE UPDATE ON shifts WHEN OLD.closed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'shift_closed: a closed shift cannot be changed');
END;
CREATE TRIGGER shifts_closed_are_kept BEFORE DELETE ON shifts WHEN OLD.closed_at IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'shift_closed: a closed shift cannot be changed');
END;
ALTER TABLE invoices ADD COLUMN cashier_id INTEGER REFERENCES cashiers (id);
ALTER TABLE invoices ADD COLUMN shift_id INTEGER REFERENCES shifts (id);
CREATE INDEX invoices_by_shift ON invoices (shift_id) WHERE shift_id IS NOT NULL;
CREATE TRIGGER invoices_not_into_a_closed_shift BEFORE INSERT ON invoices
WHEN NEW.shift_id IS NOT NULL AND (SELECT closed_at FROM shifts WHERE id = NEW.shift_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'shift_closed: a closed shift cannot be changed');
END;
CREATE TRIGGER invoices_of_a_closed_shift_keep_their_figures
BEFORE UPDATE OF amount_minor, currency, kind, shift_id, cashier_id, tip_minor ON invoices
WHEN OLD.shift_id IS NOT NULL AND (SELECT closed_at FROM shifts WHERE id = OLD.shift_id) IS NOT NULL
BEGIN
    SELECT RAISE(ABORT, 'shift_closed: a closed shift cannot be changed');
END;
ALTER TABLE invoices ADD COLUMN priced_minor INTEGER CHECK (priced_minor > 0);
ALTER TABLE invoices ADD COLUMN priced_currency TEXT;
ALTER TABLE invoices ADD COLUMN fx_rate TEXT;
ALTER TABLE invoices ADD COLUMN fx_source TEXT;
ALTER TABLE invoices ADD COLUMN fx_as_of INTEGER;
CREATE TABLE exchange_rates (
    base       TEXT    NOT NULL,
    quote      TEXT    NOT NULL,
    rate       TEXT    NOT NULL,
    source     TEXT    NOT NULL,
    as_of      INTEGER NOT NULL,
    fetched_at INTEGER NOT NULL,
    PRIMARY KEY (base, quote, source)
);
"#,
    // The cash drawer opened without a sale (a manager's Open drawer): who, when and why. A drawer
    // opened for a cash sale is that sale's own row.
    r#"
CREATE TABLE drawer_openings (
    id       INTEGER PRIMARY KEY,
    at       INTEGER NOT NULL,
    who      TEXT    NOT NULL,
    reason   TEXT    NOT NULL,
    shift_id INTEGER REFERENCES shifts (id)
);
CREATE INDEX drawer_openings_by_time ON drawer_openings (at);
"#,
    // Replication to a shop database: every change to a sale row lands in the outbox in the same
    // transaction (triggers, so the app, the CLI and an older writer all feed it), with the time
    // in milliseconds for the replication lag. The till's id names it in the shop database; rows
    // already here go out too, so a till joining a shop brings its history.
    r#"
CREATE TABLE till_identity (
    only    INTEGER PRIMARY KEY CHECK (only = 1),
    till_id TEXT    NOT NULL
);
INSERT INTO till_identity VALUES (1, lower(hex(randomblob(8))));
CREATE TABLE outbox (
    seq        INTEGER PRIMARY KEY AUTOINCREMENT,
    invoice_id INTEGER NOT NULL,
    at_ms      INTEGER NOT NULL
);
CREATE TRIGGER outbox_after_insert AFTER INSERT ON invoices BEGIN
    INSERT INTO outbox (invoice_id, at_ms) VALUES (NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
CREATE TRIGGER outbox_after_update AFTER UPDATE ON invoices BEGIN
    INSERT INTO outbox (invoice_id, at_ms) VALUES (NEW.id, CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER));
END;
INSERT INTO outbox (invoice_id, at_ms) SELECT id, updated_at * 1000 FROM invoices ORDER BY id;
"#,
];

pub struct Ledger {
    conn: Mutex<Connection>,
    /// The file, for the read-only connections of long reads (exports).
    pub(crate) path: PathBuf,
}

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
            let tx = write_tx(&mut conn)?;
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

    pub(crate) fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        // A panic while holding the lock cannot leave SQLite half-written (transactions roll back).
        self.conn.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

/// A transaction that takes the write lock at once. A deferred one that reads first and writes
/// after fails with "database is locked" (no busy wait) when another process wrote in between.
pub(crate) fn write_tx(conn: &mut Connection) -> rusqlite::Result<rusqlite::Transaction<'_>> {
    conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::sale;

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

    /// Every value of every row of `table`, in id order.
    fn dump(conn: &Connection, table: &str) -> Vec<Vec<rusqlite::types::Value>> {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table} ORDER BY id")).unwrap();
        let width = stmt.column_count();
        let rows = stmt.query_map([], |r| (0..width).map(|i| r.get(i)).collect()).unwrap();
        rows.map(Result::unwrap).collect()
    }

    #[test]
    fn a_ledger_from_before_the_tip_column_keeps_every_row_with_a_tip_of_zero() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("before-tip.sqlite3");
        // The schema as it was before the tip column (five steps), with rows as its writes made them.
        let before_tip = 5;
        let old = Connection::open(&path).unwrap();
        old.pragma_update(None, "journal_mode", "WAL").unwrap();
        old.pragma_update(None, "foreign_keys", "ON").unwrap();
        for step in &MIGRATIONS[..before_tip] {
            old.execute_batch(step).unwrap();
        }
        old.pragma_update(None, "user_version", before_tip).unwrap();
        old.execute_batch(
            "INSERT INTO invoices (order_id, gateway, amount_minor, currency, description, status, gateway_status,
                                   gateway_invoice_id, pay_link, expires_at, created_at, updated_at)
             VALUES ('PD-PAID', 'dex3', 1234, 'USD', 'Coffee (tip 1.00)', 'paid', 'completed', 'G-1',
                     'https://pay.example/G-1', 1700000900, 1700000000, 1700000060);
             INSERT INTO invoices (order_id, gateway, amount_minor, currency, status, last_error, created_at,
                                   updated_at, abandoned_at)
             VALUES ('PD-LOST', 'oxapay', 1500, 'JPY', 'unknown', 'the gateway did not answer in time', 1700000100,
                     1700000100, 1700000200);
             INSERT INTO invoices (order_id, kind, gateway, amount_minor, currency, description, status, created_at,
                                   updated_at)
             VALUES ('PD-CASH-1', 'cash', 'cash', 2001, 'KWD', NULL, 'paid', 1700000300, 1700000300);
             INSERT INTO invoices (order_id, kind, gateway, amount_minor, currency, description, status, refund_of,
                                   created_at, updated_at)
             VALUES ('PD-REF-1', 'refund', 'manual', 500, 'USD', 'returned cup', 'paid', 1, 1700000400, 1700000400);
             INSERT INTO invoice_events (invoice_id, at, status, gateway_status, detail)
             VALUES (1, 1700000000, 'creating', NULL, NULL), (1, 1700000060, 'paid', 'completed', NULL),
                    (2, 1700000100, 'unknown', NULL, 'the gateway did not answer in time'),
                    (3, 1700000300, 'paid', NULL, 'cash sale recorded at the counter'),
                    (4, 1700000400, 'paid', NULL, 'refund recorded by hand');",
        )
        .unwrap();
        let (invoices, events) = (dump(&old, "invoices"), dump(&old, "invoice_events"));
        drop(old);

        let ledger = Ledger::open(&path).unwrap();
        let conn = ledger.lock();
        assert_eq!(
            conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).unwrap(),
            MIGRATIONS.len() as i64
        );
        let after = dump(&conn, "invoices");
        drop(conn);
        // The new column comes after the old ones; every earlier value is as it was.
        let width = invoices[0].len();
        let kept: Vec<_> = after.iter().map(|row| row[..width].to_vec()).collect();
        assert_eq!(kept, invoices);
        assert!(after.iter().all(|row| row[width] == rusqlite::types::Value::Integer(0)), "{after:?}");
        assert_eq!(dump(&ledger.lock(), "invoice_events"), events);

        let read = ledger.list(10, 0).unwrap();
        let orders: Vec<_> = read.iter().map(|i| (i.order_id.as_str(), i.tip_minor)).collect();
        assert_eq!(orders, [("PD-REF-1", 0), ("PD-CASH-1", 0), ("PD-LOST", 0), ("PD-PAID", 0)]);
        let paid = ledger.find("PD-PAID").unwrap();
        assert_eq!((paid.amount.minor(), paid.description.as_deref()), (1234, Some("Coffee (tip 1.00)")));
        assert_eq!(ledger.find("PD-REF-1").unwrap().refund_of.as_deref(), Some("PD-PAID"));
        let totals = ledger.totals(1_700_000_000, 1_700_000_500).unwrap();
        assert_eq!(totals.len(), 4);
        assert!(totals.iter().all(|g| g.tips_minor == 0), "{totals:?}");
    }

    #[test]
    fn a_ledger_made_by_the_release_before_money_rules_moves_forward_without_loss() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("release.sqlite3");
        // The schema the release before items, tax and shifts shipped (six steps, never edited
        // since), with rows as its writes made them: a tipped sale, a lost one, cash, a refund.
        let release = 6;
        let old = Connection::open(&path).unwrap();
        old.pragma_update(None, "journal_mode", "WAL").unwrap();
        old.pragma_update(None, "foreign_keys", "ON").unwrap();
        for step in &MIGRATIONS[..release] {
            old.execute_batch(step).unwrap();
        }
        old.pragma_update(None, "user_version", release).unwrap();
        old.execute_batch(
            "INSERT INTO invoices (order_id, gateway, amount_minor, tip_minor, currency, description, status,
                                   gateway_status, gateway_invoice_id, pay_link, expires_at, created_at, updated_at)
             VALUES ('PD-PAID', 'dex3', 1320, 120, 'USD', 'Lunch', 'paid', 'completed', 'G-1',
                     'https://pay.example/G-1', 1796000900, 1796000000, 1796000060);
             INSERT INTO invoices (order_id, gateway, amount_minor, currency, status, last_error, created_at,
                                   updated_at, abandoned_at)
             VALUES ('PD-LOST', 'oxapay', 1500, 'JPY', 'unknown', 'no answer in time', 1796000100, 1796000100,
                     1796000200);
             INSERT INTO invoices (order_id, kind, gateway, amount_minor, tip_minor, currency, status, created_at,
                                   updated_at)
             VALUES ('PD-CASH-1', 'cash', 'cash', 2001, 1, 'KWD', 'paid', 1796000300, 1796000300);
             INSERT INTO invoices (order_id, kind, gateway, amount_minor, currency, description, status, refund_of,
                                   created_at, updated_at)
             VALUES ('PD-REF-1', 'refund', 'manual', 500, 'USD', 'returned cup', 'paid', 1, 1796000400, 1796000400);
             INSERT INTO invoice_events (invoice_id, at, status, gateway_status, detail)
             VALUES (1, 1796000000, 'creating', NULL, NULL), (1, 1796000060, 'paid', 'completed', NULL),
                    (3, 1796000300, 'paid', NULL, 'cash sale recorded at the counter');",
        )
        .unwrap();
        let (invoices, events) = (dump(&old, "invoices"), dump(&old, "invoice_events"));
        let totals_before: Vec<(String, i64, i64)> = old
            .prepare("SELECT currency, SUM(amount_minor), SUM(tip_minor) FROM invoices GROUP BY currency ORDER BY 1")
            .unwrap()
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect();
        drop(old);

        let ledger = Ledger::open(&path).unwrap();
        let conn = ledger.lock();
        assert_eq!(
            conn.pragma_query_value(None, "user_version", |r| r.get::<_, i64>(0)).unwrap(),
            MIGRATIONS.len() as i64
        );
        let after = dump(&conn, "invoices");
        let width = invoices[0].len();
        assert_eq!(after.iter().map(|row| row[..width].to_vec()).collect::<Vec<_>>(), invoices);
        // The new columns (cashier, shift, priced amount and rate) are empty: none of it was known.
        assert!(after.iter().all(|row| row[width..].iter().all(|v| *v == rusqlite::types::Value::Null)), "{after:?}");
        assert_eq!(dump(&conn, "invoice_events"), events);
        for table in [
            "sale_lines",
            "sale_taxes",
            "items",
            "tax_rates",
            "cashiers",
            "shifts",
            "exchange_rates",
            "drawer_openings",
        ] {
            let rows: i64 = conn.query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0)).unwrap();
            assert_eq!(rows, 0, "{table}");
        }
        drop(conn);

        let paid = ledger.find("PD-PAID").unwrap();
        assert_eq!(
            (paid.amount.minor(), paid.tip_minor, paid.cashier.as_deref(), paid.priced.as_ref()),
            (1320, 120, None, None)
        );
        assert_eq!(ledger.find("PD-REF-1").unwrap().refund_of.as_deref(), Some("PD-PAID"));
        assert!(ledger.sale_lines(paid.id).unwrap().is_empty() && ledger.sale_taxes(paid.id).unwrap().is_empty());
        let mut totals: std::collections::BTreeMap<String, (i64, i64)> = Default::default();
        for g in ledger.totals(1_796_000_000, 1_796_000_500).unwrap() {
            let sum = totals.entry(g.currency.code().to_string()).or_default();
            (sum.0, sum.1) = (sum.0 + g.minor as i64, sum.1 + g.tips_minor as i64);
            assert_eq!(g.cashier, None);
        }
        let totals: Vec<_> = totals.into_iter().map(|(c, (m, t))| (c, m, t)).collect();
        assert_eq!(totals, totals_before);
        // And the migrated ledger takes the new kinds of rows at once.
        ledger.insert_creating(&sale("PD-NEW")).unwrap();
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
}
