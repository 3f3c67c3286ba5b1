//! Reads: one sale, lists and searches for History, the export's snapshot, and a period's totals.

use crate::invoice::{conversion_error, get_by_id, parse_status, read_invoice, COLUMNS};
use crate::{Invoice, InvoiceEvent, InvoiceKind, Ledger, LedgerError, LATE_SEEN, RECEIVED};
use paydesk_money::tax::TaxRate;
use paydesk_money::Currency;
use paydesk_money::InvoiceStatus;
use rusqlite::{params, Connection, OptionalExtension};
use std::time::Duration;

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
    /// The part of `minor` that is tips, in the same units.
    pub tips_minor: u64,
    /// Who sold them, where the till has cashiers.
    pub cashier: Option<String>,
}

/// One tax rate's sums over the received sales of a period, in the currency they were priced in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TaxTotal {
    pub currency: Currency,
    pub rate: TaxRate,
    /// Sales that carried this rate.
    pub count: u64,
    pub net_minor: u64,
    pub tax_minor: u64,
    pub gross_minor: u64,
}

impl Ledger {
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
                tips_minor: r.get::<_, i64>(6)? as u64,
                cashier: r.get(7)?,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
    }

    /// Tax per rate and priced currency over the sales and cash sales received in `[from, to)`,
    /// leaving out sales on `practice_gateway` (no money moved).
    pub fn tax_totals(&self, from: i64, to: i64, practice_gateway: &str) -> Result<Vec<TaxTotal>, LedgerError> {
        let conn = self.lock();
        let received = RECEIVED.map(|s| s.as_str());
        let mut stmt = conn.prepare_cached(
            "SELECT COALESCE(i.priced_currency, i.currency), t.name, t.basis_points, t.inclusive, COUNT(*),
                    SUM(t.net_minor), SUM(t.tax_minor), SUM(t.gross_minor)
             FROM invoices AS i JOIN sale_taxes AS t ON t.invoice_id = i.id
             WHERE i.created_at >= ?1 AND i.created_at < ?2 AND i.kind IN ('sale', 'cash')
               AND i.status IN (?3, ?4, ?5) AND NOT (i.kind = 'sale' AND i.gateway = ?6)
             GROUP BY 1, 2, 3, 4 ORDER BY 1, 2, 3, 4",
        )?;
        let rows = stmt.query_map(params![from, to, received[0], received[1], received[2], practice_gateway], |r| {
            Ok(TaxTotal {
                currency: r
                    .get::<_, String>(0)?
                    .parse()
                    .map_err(|e: paydesk_money::MoneyError| conversion_error(0, e.to_string()))?,
                rate: TaxRate { name: r.get(1)?, basis_points: r.get(2)?, inclusive: r.get(3)? },
                count: r.get::<_, i64>(4)? as u64,
                net_minor: r.get::<_, i64>(5)? as u64,
                tax_minor: r.get::<_, i64>(6)? as u64,
                gross_minor: r.get::<_, i64>(7)? as u64,
            })
        })?;
        rows.collect::<Result<_, _>>().map_err(Into::into)
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

const TOTALS_SQL: &str = "SELECT kind, status, gateway, currency, COUNT(*), SUM(amount_minor), SUM(tip_minor),
                          (SELECT c.name FROM cashiers AS c WHERE c.id = invoices.cashier_id) FROM invoices
                          WHERE created_at >= ?1 AND created_at < ?2
                          GROUP BY kind, status, gateway, currency, cashier_id";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{ledger, sale};
    use crate::NewInvoice;
    use paydesk_money::Amount;

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
}
