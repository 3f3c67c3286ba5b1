//! The catalog as a CSV file a shop owner edits in a spreadsheet: one item per row under the
//! header `name,price,currency,tax_rate,barcode,category`. An import is all or nothing: every bad
//! row is named by its line and column, and then nothing is imported.

use paydesk_ledger::export::{write_record, Field};
use paydesk_ledger::{Item, NewItem};
use paydesk_money::order::check_text;
use paydesk_money::{parse_decimal, Currency};
use std::collections::BTreeSet;
use std::io::{Read, Write};

pub const HEADER: [&str; 6] = ["name", "price", "currency", "tax_rate", "barcode", "category"];
/// Rows in one file: a shop's whole catalog, with room to spare.
pub const MAX_ITEMS: usize = 20_000;
pub const MAX_NAME_CHARS: usize = 80;
pub const MAX_BARCODE_CHARS: usize = 64;
pub const MAX_CATEGORY_CHARS: usize = 40;
/// Bad rows listed in one answer: enough to fix a file in one pass, short enough to read.
const MAX_REPORTED: usize = 20;

/// What is wrong with one cell (or row) of the file. Lines count from 1, the header included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub line: u64,
    pub column: Option<&'static str>,
    pub message: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.column {
            Some(column) => write!(f, "line {}, {column}: {}", self.line, self.message),
            None => write!(f, "line {}: {}", self.line, self.message),
        }
    }
}

/// Says every error (up to a screenful) in one message.
pub fn describe(errors: &[RowError]) -> String {
    let shown: Vec<String> = errors.iter().take(MAX_REPORTED).map(ToString::to_string).collect();
    let more = errors.len().saturating_sub(MAX_REPORTED);
    let tail = if more > 0 { format!("; and {more} more") } else { String::new() };
    format!("nothing was imported: {}{tail}", shown.join("; "))
}

/// The text a spreadsheet-safe export wrote, as it was typed: the export puts a `'` before a
/// cell a spreadsheet would run as a formula.
fn undefused(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if rest.starts_with(['=', '+', '-', '@', '\t', '\r']) => rest,
        _ => cell,
    }
}

/// Reads a catalog file. `default_currency` prices rows that leave the currency empty;
/// `rates` are the tax-rate names a row may use (an empty cell: the default rate).
pub fn read_catalog(
    input: impl Read,
    default_currency: Currency,
    rates: &BTreeSet<String>,
) -> Result<Vec<NewItem>, Vec<RowError>> {
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(input);
    let mut records = reader.records();
    let header_error = |message: String| vec![RowError { line: 1, column: None, message }];
    let header = match records.next() {
        None => return Err(header_error("the file is empty: the first line must be the header".into())),
        Some(Err(e)) => return Err(header_error(e.to_string())),
        Some(Ok(h)) => h,
    };
    let names: Vec<String> =
        header.iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_ascii_lowercase()).collect();
    if names.iter().map(String::as_str).ne(HEADER) {
        return Err(header_error(format!("the header must be {}", HEADER.join(","))));
    }
    let (mut items, mut errors) = (Vec::new(), Vec::new());
    let mut barcodes = std::collections::HashMap::new();
    for record in records {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, |p| p.line());
                errors.push(RowError { line, column: None, message: format!("unreadable: {e}") });
                break;
            }
        };
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        if record.len() != HEADER.len() {
            let message = format!("{} cells where the header has {}", record.len(), HEADER.len());
            errors.push(RowError { line, column: None, message });
            continue;
        }
        if items.len() + errors.len() >= MAX_ITEMS {
            errors.push(RowError { line, column: None, message: format!("a catalog holds at most {MAX_ITEMS} items") });
            break;
        }
        match read_row(&record, line, default_currency, rates) {
            Ok(item) => {
                if let Some(code) = &item.barcode {
                    if let Some(first) = barcodes.insert(code.clone(), line) {
                        let message = format!("the barcode {code} is also on line {first}");
                        errors.push(RowError { line, column: Some("barcode"), message });
                        continue;
                    }
                }
                items.push(item);
            }
            Err(mut bad) => errors.append(&mut bad),
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(errors)
    }
}

fn read_row(
    record: &csv::StringRecord,
    line: u64,
    default_currency: Currency,
    rates: &BTreeSet<String>,
) -> Result<NewItem, Vec<RowError>> {
    let mut errors = Vec::new();
    let mut bad = |column: &'static str, message: String| errors.push(RowError { line, column: Some(column), message });
    let cell = |at: usize| undefused(record[at].trim());
    let optional = |at: usize| Some(cell(at).to_string()).filter(|c| !c.is_empty());
    let text = |column: &'static str, value: &str, max: usize| check_text(column, value, max).err().map(|e| e.0);
    let name = cell(0).to_string();
    if name.is_empty() {
        bad("name", "an item needs a name".into());
    } else if let Some(why) = text("name", &name, MAX_NAME_CHARS) {
        bad("name", why);
    }
    let currency = match cell(2) {
        "" => Some(default_currency),
        code => code.to_ascii_uppercase().parse::<Currency>().map_err(|e| bad("currency", e.to_string())).ok(),
    };
    let price = currency.and_then(|c| parse_decimal(cell(1), c).map_err(|e| bad("price", e.to_string())).ok());
    let tax_rate = optional(3);
    if let Some(rate) = tax_rate.as_ref().filter(|r| !rates.contains(*r)) {
        bad("tax_rate", format!("there is no tax rate '{rate}' (add it under Tax rates first)"));
    }
    let barcode = optional(4);
    if let Some(code) = &barcode {
        if code.chars().count() > MAX_BARCODE_CHARS || !code.chars().all(|c| c.is_ascii_graphic()) {
            bad("barcode", format!("a barcode is 1 to {MAX_BARCODE_CHARS} letters, digits or signs, no spaces"));
        }
    }
    let category = optional(5);
    if let Some(why) = category.as_deref().and_then(|c| text("category", c, MAX_CATEGORY_CHARS)) {
        bad("category", why);
    }
    match price {
        Some(price) if errors.is_empty() => Ok(NewItem { name, price, tax_rate, barcode, category }),
        _ => Err(errors),
    }
}

/// Writes the catalog in the form [`read_catalog`] reads.
pub fn write_catalog(out: &mut impl Write, items: &[Item]) -> std::io::Result<()> {
    write_record(out, HEADER.map(Field::Text))?;
    for item in items {
        let price = item.price.to_decimal_string();
        write_record(
            out,
            [
                Field::Text(&item.name),
                Field::Number(&price),
                Field::Text(item.price.currency().code()),
                Field::Text(item.tax_rate.as_deref().unwrap_or_default()),
                Field::Text(item.barcode.as_deref().unwrap_or_default()),
                Field::Text(item.category.as_deref().unwrap_or_default()),
            ],
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rates() -> BTreeSet<String> {
        ["Standard", "Reduced"].map(String::from).into()
    }

    fn read(text: &str) -> Result<Vec<NewItem>, Vec<RowError>> {
        read_catalog(text.as_bytes(), "EUR".parse().unwrap(), &rates())
    }

    #[test]
    fn a_good_file_reads_every_item_with_defaults_for_empty_cells() {
        let items = read(
            "name,price,currency,tax_rate,barcode,category\n\
             Espresso,2.20,,Reduced,4006381333931,Coffee\n\
             \"Cake, lemon\",3.5,eur,,,\n\
             \n\
             Mug,12,USD,Standard,MUG-1,\n",
        )
        .unwrap();
        let shown: Vec<_> = items
            .iter()
            .map(|i| (i.name.as_str(), i.price.to_decimal_string(), i.price.currency().code(), i.tax_rate.as_deref()))
            .collect();
        assert_eq!(
            shown,
            [
                ("Espresso", "2.20".into(), "EUR", Some("Reduced")),
                ("Cake, lemon", "3.50".into(), "EUR", None),
                ("Mug", "12.00".into(), "USD", Some("Standard")),
            ]
        );
        assert_eq!(items[0].barcode.as_deref(), Some("4006381333931"));
        assert_eq!(items[0].category.as_deref(), Some("Coffee"));
        assert_eq!((items[1].barcode.as_ref(), items[1].category.as_ref()), (None, None));
    }

    #[test]
    fn every_bad_row_is_named_by_line_and_column() {
        let errors = read(
            "name,price,currency,tax_rate,barcode,category\n\
             Espresso,2.20,,Reduced,111,Coffee\n\
             ,1.00,,,,\n\
             Tea,1.234,,,,\n\
             Juice,3.00,XYZ,,,\n\
             Water,1.00,,Luxury,,\n\
             Scone,2.00,,,111,\n\
             Bun,-1,,,,\n\
             Roll,1.00,,\n",
        )
        .unwrap_err();
        let found: Vec<String> = errors.iter().map(ToString::to_string).collect();
        let columns: Vec<(u64, Option<&str>)> = errors.iter().map(|e| (e.line, e.column)).collect();
        assert_eq!(
            columns,
            [
                (3, Some("name")),
                (4, Some("price")),
                (5, Some("currency")),
                (6, Some("tax_rate")),
                (7, Some("barcode")),
                (8, Some("price")),
                (9, None)
            ],
            "{found:#?}"
        );
        assert!(found[1].contains("decimal"), "{found:?}");
        assert!(found[4].contains("line 2"), "the duplicate names the first line: {found:?}");
        assert!(describe(&errors).starts_with("nothing was imported: line 3, name:"), "{}", describe(&errors));
    }

    #[test]
    fn a_wrong_header_or_an_empty_file_is_refused_on_line_1() {
        for text in ["", "name,price\nTea,1.00\n", "price,name,currency,tax_rate,barcode,category\n"] {
            let errors = read(text).unwrap_err();
            assert_eq!((errors.len(), errors[0].line), (1, 1), "{text:?}: {errors:?}");
        }
    }

    #[test]
    fn what_the_export_writes_the_import_reads_back() {
        let items = read(
            "name,price,currency,tax_rate,barcode,category\n\
             \"=SUM(A1)\",1.00,,,,\n\
             \"Tea \"\"green\"\"\",2.50,,Reduced,T-1,Hot drinks\n",
        )
        .unwrap();
        let rows: Vec<Item> = items
            .iter()
            .enumerate()
            .map(|(n, i)| Item {
                id: n as i64,
                name: i.name.clone(),
                price: i.price,
                tax_rate: i.tax_rate.clone(),
                barcode: i.barcode.clone(),
                category: i.category.clone(),
            })
            .collect();
        let mut out = Vec::new();
        write_catalog(&mut out, &rows).unwrap();
        let text = String::from_utf8(out).unwrap();
        assert!(text.contains("'=SUM(A1)"), "a formula is defused on the way out: {text}");
        assert_eq!(read(&text).unwrap(), items);
    }
}
