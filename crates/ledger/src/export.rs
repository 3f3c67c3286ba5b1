//! The ledger as CSV for a spreadsheet: one row per invoice, amounts as exact decimal text; and
//! the CSV pieces every export shares (RFC 4180 records, a file that appears only once complete).

use crate::{Invoice, LedgerError};
use paydesk_money::clock::format_utc;
use std::borrow::Borrow;
use std::fs::{File, OpenOptions};
use std::io::{BufWriter, Write};
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

/// `amount` is the total charged; `tip` is the part of it that is a tip, in the same currency.
/// `priced_amount` and `priced_currency` are the price in the shop's currency where the gateway
/// charged another, converted at `fx_rate` (1 priced unit = rate charged units) from `fx_source`.
const HEADER: &str = "id,order_id,created_at_utc,gateway,amount,tip,currency,status,gateway_status,gateway_invoice_id,\
                      pay_link,expires_at_utc,description,kind,refund_of,cashier,priced_amount,priced_currency,\
                      fx_rate,fx_source";

/// Why an export stopped: reading the ledger, or writing the file.
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Ledger(#[from] LedgerError),
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// The whole CSV as text, for a list already in memory.
pub fn invoices_csv(invoices: &[Invoice]) -> String {
    let bytes = write_invoices_csv(Vec::new(), invoices.iter().map(Ok)).expect("writing to memory cannot fail");
    String::from_utf8(bytes).expect("the CSV is built from UTF-8 text")
}

/// Writes the CSV row by row as `rows` yields them, so a large ledger is never held in memory.
/// Stops at the first ledger or write error. Returns `out` once everything is written.
pub fn write_invoices_csv<W: Write, I: Borrow<Invoice>>(
    mut out: W,
    rows: impl IntoIterator<Item = Result<I, LedgerError>>,
) -> Result<W, ExportError> {
    write!(out, "{HEADER}\r\n")?;
    for inv in rows {
        write_row(&mut out, inv?.borrow())?;
    }
    Ok(out)
}

fn write_row(out: &mut impl Write, inv: &Invoice) -> std::io::Result<()> {
    let priced = inv.priced.as_ref();
    let fields: [String; 20] = [
        inv.id.to_string(),
        inv.order_id.clone(),
        format_utc(inv.created_at),
        inv.gateway.clone(),
        inv.amount.to_decimal_string(),
        inv.amount.currency().format_minor(i128::from(inv.tip_minor)),
        inv.amount.currency().code().to_string(),
        inv.status.as_str().to_string(),
        inv.gateway_status.clone().unwrap_or_default(),
        inv.gateway_invoice_id.clone().unwrap_or_default(),
        inv.pay_link.clone().unwrap_or_default(),
        inv.expires_at.map(format_utc).unwrap_or_default(),
        inv.description.clone().unwrap_or_default(),
        inv.kind.as_str().to_string(),
        inv.refund_of.clone().unwrap_or_default(),
        inv.cashier.clone().unwrap_or_default(),
        priced.map(|p| p.amount.to_decimal_string()).unwrap_or_default(),
        priced.map(|p| p.amount.currency().code().to_string()).unwrap_or_default(),
        priced.map(|p| p.rate.clone()).unwrap_or_default(),
        priced.map(|p| p.source.clone()).unwrap_or_default(),
    ];
    write_record(out, fields.iter().map(|f| Field::Text(f)))
}

/// One CSV cell.
pub enum Field<'a> {
    /// Text that may come from a person: quoted as needed, and defused if a spreadsheet would run it.
    Text(&'a str),
    /// A number Paydesk formatted itself ("-12.30"): written as it is, so a spreadsheet reads a number.
    Number(&'a str),
}

/// Writes one record ending in CRLF, fields separated by commas (RFC 4180).
pub fn write_record<'a>(out: &mut impl Write, fields: impl IntoIterator<Item = Field<'a>>) -> std::io::Result<()> {
    for (i, field) in fields.into_iter().enumerate() {
        let sep = if i == 0 { "" } else { "," };
        match field {
            Field::Text(text) => write!(out, "{sep}{}", cell(text))?,
            Field::Number(number) => {
                debug_assert!(number.bytes().all(|b| b.is_ascii_digit() || b == b'.' || b == b'-'), "{number}");
                write!(out, "{sep}{number}")?
            }
        }
    }
    out.write_all(b"\r\n")
}

/// Writes the CSV to `path`, which appears only once complete (see [`save_atomically`]).
pub fn save_invoices_csv<I: Borrow<Invoice>>(
    path: &Path,
    rows: impl IntoIterator<Item = Result<I, LedgerError>>,
) -> Result<(), ExportError> {
    save_atomically(path, |out| write_invoices_csv(out, rows).map(drop))
}

/// Writes a file through `write` into a temp file beside `path` that is renamed into place only
/// once complete and on disk: a failure halfway leaves no partial file, and an earlier file at
/// `path` stays as it was.
pub fn save_atomically(
    path: &Path,
    write: impl FnOnce(&mut BufWriter<File>) -> Result<(), ExportError>,
) -> Result<(), ExportError> {
    let (temp_path, file) = create_temp_beside(path)?;
    let mut out = BufWriter::new(file);
    let written = write(&mut out).and_then(|()| {
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()?;
        Ok(std::fs::rename(&temp_path, path)?)
    });
    if written.is_err() {
        // Best effort: the error being returned matters more than a leftover temp file.
        let _ = std::fs::remove_file(&temp_path);
    }
    written
}

/// A new, hidden file next to `path`; unique per process and call, so concurrent exports of the
/// same day never write into each other's file.
fn create_temp_beside(path: &Path) -> std::io::Result<(std::path::PathBuf, File)> {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let name = path.file_name().unwrap_or_default().to_string_lossy();
    let temp_name = format!(".{name}.{}-{}.part", std::process::id(), NEXT.fetch_add(1, Ordering::Relaxed));
    let temp_path = path.with_file_name(temp_name);
    let file = OpenOptions::new().write(true).create_new(true).open(&temp_path)?;
    Ok((temp_path, file))
}

/// Quotes a cell when needed (RFC 4180), and defuses text a spreadsheet would run as a formula.
fn cell(text: &str) -> String {
    let defused =
        if text.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{text}") } else { text.to_string() };
    if defused.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", defused.replace('"', "\"\""))
    } else {
        defused
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use paydesk_money::InvoiceStatus;
    use paydesk_money::{Amount, Currency};

    #[test]
    fn cells_are_quoted_and_formulas_defused() {
        assert_eq!(cell("plain"), "plain");
        assert_eq!(cell("a,b"), "\"a,b\"");
        assert_eq!(cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(cell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(cell("-3"), "'-3");
    }

    fn rows() -> Vec<Invoice> {
        let jpy: Currency = "JPY".parse().unwrap();
        let plain = Invoice {
            id: 7,
            order_id: "PD-7".into(),
            gateway: "demo".into(),
            amount: Amount::from_minor(1234, Currency::USD).unwrap(),
            tip_minor: 0,
            description: None,
            status: InvoiceStatus::Creating,
            gateway_status: None,
            gateway_invoice_id: None,
            pay_link: None,
            expires_at: None,
            last_error: Some("not exported".into()),
            created_at: 1_700_000_000,
            updated_at: 1_700_000_000,
            abandoned_at: None,
            kind: crate::InvoiceKind::Sale,
            refund_of: None,
            cashier: None,
            shift_id: None,
            priced: None,
        };
        let full = Invoice {
            id: 8,
            order_id: "PD-8".into(),
            amount: Amount::from_minor(1500, jpy).unwrap(),
            tip_minor: 200,
            description: Some("Tea, \"green\"\n=2 cups".into()),
            status: InvoiceStatus::Paid,
            gateway_status: Some("completed".into()),
            gateway_invoice_id: Some("G-8".into()),
            pay_link: Some("https://pay.example/G-8?a=1,b=2".into()),
            expires_at: Some(1_700_000_900),
            kind: crate::InvoiceKind::Refund,
            refund_of: Some("PD-1".into()),
            cashier: Some("Ana".into()),
            priced: Some(crate::Priced {
                amount: Amount::from_minor(1200, "EUR".parse().unwrap()).unwrap(),
                rate: "125".into(),
                source: "ECB".into(),
                as_of: 1_700_000_000,
            }),
            ..plain.clone()
        };
        vec![full, plain]
    }

    /// The exact bytes a spreadsheet gets: header, CRLF line ends, quoting, empty optional cells.
    const EXPECTED: &str = "id,order_id,created_at_utc,gateway,amount,tip,currency,status,gateway_status,gateway_invoice_id,pay_link,expires_at_utc,description,kind,refund_of,cashier,priced_amount,priced_currency,fx_rate,fx_source\r\n\
        8,PD-8,2023-11-14T22:13:20Z,demo,1500,200,JPY,paid,completed,G-8,\"https://pay.example/G-8?a=1,b=2\",2023-11-14T22:28:20Z,\"Tea, \"\"green\"\"\n=2 cups\",refund,PD-1,Ana,12.00,EUR,125,ECB\r\n\
        7,PD-7,2023-11-14T22:13:20Z,demo,12.34,0.00,USD,creating,,,,,,sale,,,,,,\r\n";

    #[test]
    fn the_csv_bytes_are_exactly_the_format() {
        assert_eq!(invoices_csv(&rows()), EXPECTED);
    }

    #[test]
    fn a_saved_export_has_the_same_bytes_and_a_failure_halfway_leaves_no_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        save_invoices_csv(&path, rows().into_iter().map(Ok)).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap(), EXPECTED);

        // The ledger fails after one row: the earlier export stays whole and no temp file is left.
        let failing = rows().into_iter().map(Ok).take(1).chain([Err(LedgerError::NotFound("gone".into()))]);
        assert!(matches!(save_invoices_csv(&path, failing), Err(ExportError::Ledger(_))));
        assert_eq!(std::fs::read_to_string(&path).unwrap(), EXPECTED);
        let names: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name()).collect();
        assert_eq!(names, ["out.csv"]);

        let fresh = dir.path().join("fresh.csv");
        assert!(save_invoices_csv(&fresh, [Err::<Invoice, _>(LedgerError::NotFound("gone".into()))]).is_err());
        assert!(!fresh.exists(), "a failed first export leaves nothing behind");
    }

    #[test]
    fn streaming_from_the_ledger_writes_what_the_in_memory_list_gives() {
        let dir = tempfile::tempdir().unwrap();
        let ledger = crate::Ledger::open(&dir.path().join("l.sqlite3")).unwrap();
        for (n, inv) in rows().iter().cycle().take(5).enumerate() {
            let order_id = format!("{}-{n}", inv.order_id);
            let new = crate::NewInvoice {
                order_id: &order_id,
                gateway: &inv.gateway,
                amount: inv.amount,
                tip_minor: inv.tip_minor,
                description: inv.description.as_deref(),
                details: Default::default(),
            };
            ledger.insert_creating(&new).unwrap();
        }
        let path = dir.path().join("out.csv");
        ledger.with_all(|rows| save_invoices_csv(&path, rows)).unwrap().unwrap();
        let from_list = invoices_csv(&ledger.list(u32::MAX, 0).unwrap());
        assert_eq!(from_list.matches("\r\n").count(), 6, "a header and five rows");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), from_list);
    }
}
