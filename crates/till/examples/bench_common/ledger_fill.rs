//! The 100,000-invoice ledger `history_100k` and the criterion bench read: the schema comes from
//! `Ledger::open`, the rows from one bulk transaction (a sale through `insert_creating` +
//! `mark_created` costs two durable commits, which would make building the ledger the benchmark).

use paydesk_money::clock::{civil_date, unix_now};
use rusqlite::params;
use std::path::Path;

/// The amount searched for, and its minor units in USD and EUR.
pub const SEARCH_AMOUNT: &str = "12.34";
const SEARCH_MINOR: u64 = 1234;

/// A small deterministic generator (SplitMix64), so every run builds the same ledger.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }
}

/// What the fill knows about the rows it wrote, to check the answers against.
pub struct Filled {
    /// An order id from the middle of the ledger.
    pub middle_order_id: String,
    /// How many rows are USD or EUR 12.34.
    pub amount_matches: usize,
}

/// A year of sales, oldest first (ids follow time as they do in a real till): mostly paid USD,
/// some EUR and JPY, some expired, underpaid, failed or still pending, each with its audit trail.
pub fn fill(path: &Path, rows: u64) -> rusqlite::Result<Filled> {
    let mut conn = rusqlite::Connection::open(path)?;
    let tx = conn.transaction()?;
    let mut rng = Rng(20_261_123);
    let end = unix_now();
    let start = end - 365 * 86_400;
    let mut filled = Filled { middle_order_id: String::new(), amount_matches: 0 };
    {
        let mut invoice = tx.prepare(
            "INSERT INTO invoices (id, order_id, gateway, amount_minor, currency, description, status, gateway_status,
                                   gateway_invoice_id, pay_link, expires_at, last_error, created_at, updated_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14)",
        )?;
        let mut event = tx.prepare(
            "INSERT INTO invoice_events (invoice_id, at, status, gateway_status, detail) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for id in 1..=rows {
            let created_at = start + (id * (end - start) as u64 / rows) as i64;
            let (y, m, d) = civil_date(created_at);
            const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
            let suffix: String = (0..8).map(|_| ALPHABET[rng.below(32) as usize] as char).collect();
            let order_id = format!("PD-{y:04}{m:02}{d:02}-{suffix}");
            let (currency, minor) = match rng.below(100) {
                0..=84 => ("USD", 100 + rng.below(19_901)),
                85..=94 => ("EUR", 100 + rng.below(19_901)),
                _ => ("JPY", 100 + rng.below(30_000)),
            };
            if currency != "JPY" && minor == SEARCH_MINOR {
                filled.amount_matches += 1;
            }
            let gateway = ["demo", "dex3", "oxapay", "thedex"][rng.below(4) as usize];
            let (status, gateway_status, last_error) = match rng.below(100) {
                _ if id > rows - 20 => ("pending", None, None),
                0..=79 => ("paid", Some("completed"), None),
                80..=91 => ("expired", Some("expired"), None),
                92..=94 => ("underpaid", Some("partially_paid"), None),
                95..=97 => ("cancelled", Some("cancelled"), None),
                _ => ("failed", None, Some("the gateway refused the invoice: amount below minimum")),
            };
            let description = (rng.below(3) == 0).then(|| format!("Table {}", 1 + rng.below(20)));
            let gateway_invoice_id = format!("{}-{:010}", gateway.to_ascii_uppercase(), rng.next() % 10_000_000_000);
            let pay_link = format!("https://pay.{gateway}.example/invoice/{gateway_invoice_id}");
            let updated_at = created_at + 60 + rng.below(1_800) as i64;
            invoice.execute(params![
                id as i64,
                order_id,
                gateway,
                minor as i64,
                currency,
                description,
                status,
                gateway_status,
                gateway_invoice_id,
                pay_link,
                created_at + 3_600,
                last_error,
                created_at,
                updated_at
            ])?;
            event.execute(params![id as i64, created_at, "creating", None::<&str>, None::<&str>])?;
            event.execute(params![id as i64, created_at + 1, "pending", None::<&str>, None::<&str>])?;
            if status != "pending" {
                event.execute(params![id as i64, updated_at, status, gateway_status, last_error])?;
            }
            if id == rows / 2 {
                filled.middle_order_id = order_id;
            }
        }
    }
    tx.commit()?;
    Ok(filled)
}
