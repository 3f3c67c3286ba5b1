//! The shop's money rules from a terminal: the period report (tax per rate, tips, cashiers,
//! shifts), the catalog as CSV, tax rates and exchange rates. Like `settle`, the command line is
//! not held by the manager PIN (it guards the app's window; the OS user guards the terminal).

use crate::output::to_json;
use clap::Subcommand;
use paydesk_ledger::{CatalogRate, Ledger};
use paydesk_money::clock::{local_date_start, local_day_start, unix_now};
use paydesk_money::fx::{ExchangeRate, Rate};
use paydesk_money::tax::{format_percent, parse_percent, TaxRate};
use paydesk_money::Currency;
use paydesk_till::catalog_csv::{describe, read_catalog, write_catalog};
use paydesk_till::config::TillConfig;
use paydesk_till::error::Error;
use paydesk_till::report::{shift_report, ShiftReport};
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub(crate) enum CatalogAction {
    /// Replace the catalog with a CSV file (name,price,currency,tax_rate,barcode,category): all of
    /// it, or with any bad row none of it.
    Import { file: PathBuf },
    /// Write the catalog as CSV.
    Export { file: PathBuf },
}

#[derive(Subcommand)]
pub(crate) enum TaxRateAction {
    /// Add a rate, or change the one of that name ("20", "7.7" percent).
    Set {
        name: String,
        percent: String,
        /// Prices hold the tax (gross); without it the tax is added on top.
        #[arg(long)]
        included: bool,
        /// Apply it to typed amounts and to items that name no rate.
        #[arg(long)]
        default: bool,
    },
    List {
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
pub(crate) enum RatesAction {
    /// Fetch the reference rates (the ECB's daily file, or the URL in the till's settings).
    Fetch {
        #[arg(long)]
        url: Option<String>,
    },
    /// Set a rate by hand: 1 BASE = RATE QUOTE, as of now.
    Set { base: String, quote: String, rate: String },
    List {
        #[arg(long)]
        json: bool,
    },
}

fn open(ledger: &Option<PathBuf>) -> Result<Ledger, Error> {
    Ok(Ledger::open(&ledger.clone().unwrap_or_else(paydesk_till::config::default_ledger_path))?)
}

/// The local days `from` to `to` (both included; default today) as `[start, end)` Unix seconds.
pub(crate) fn period(from: Option<&str>, to: Option<&str>) -> Result<(i64, i64), Error> {
    let day = |text: &str| {
        local_date_start(text).ok_or_else(|| Error::BadInput(format!("'{text}' is not a date (YYYY-MM-DD)")))
    };
    let start = match from {
        Some(d) => day(d)?,
        None => local_day_start(unix_now()),
    };
    let last = match to {
        Some(d) => day(d)?,
        None => local_day_start(unix_now()),
    };
    // The day after the last one: noon of the last day plus a day, back to its midnight (a day
    // is not always 24 h where clocks change).
    Ok((start, local_day_start(last + 36 * 3600)))
}

/// This till's report for `[start, end)`.
pub(crate) fn report(ledger: &Option<PathBuf>, (start, end): (i64, i64), json: bool) -> Result<(), Error> {
    let report = shift_report(&open(ledger)?, start, end, crate::gateways::gateway_name)?;
    if json {
        println!("{}", to_json(&report));
    } else {
        print_report(&report);
    }
    Ok(())
}

pub(crate) fn print_report(r: &ShiftReport) {
    for c in &r.currencies {
        println!(
            "{}  received {} ({})  cash {} ({})  refunds {} ({})  net {}  tips {}",
            c.currency, c.received, c.received_count, c.cash, c.cash_count, c.refunds, c.refund_count, c.net, c.tips
        );
    }
    for t in &r.taxes {
        let how = if t.inclusive { "included" } else { "added" };
        println!(
            "tax {} {}% {how}  {}  net {}  tax {}  gross {}",
            t.name, t.percent, t.currency, t.net, t.tax, t.gross
        );
    }
    for c in &r.cashiers {
        let over_short = c.over_short.as_deref().map(|d| format!("  over/short {d}")).unwrap_or_default();
        let t = &c.totals;
        println!("cashier {}  {}  net {}  tips {}{over_short}", c.cashier, t.currency, t.net, t.tips);
    }
}

pub(crate) fn catalog(ledger: &Option<PathBuf>, action: CatalogAction) -> Result<(), Error> {
    let ledger = open(ledger)?;
    match action {
        CatalogAction::Import { file } => {
            let bytes = std::fs::read(&file).map_err(|e| Error::BadInput(format!("{}: {e}", file.display())))?;
            if bytes.len() > paydesk_till::api::MAX_CATALOG_BYTES {
                return Err(Error::BadInput(format!("{} is larger than a catalog may be", file.display())));
            }
            let currency: Currency = TillConfig::load(&TillConfig::default_path())?.default_currency.parse()?;
            let rates: BTreeSet<String> = ledger.tax_rates()?.into_iter().map(|r| r.rate.name).collect();
            let items = read_catalog(bytes.as_slice(), currency, &rates).map_err(|e| Error::BadInput(describe(&e)))?;
            let count = ledger.replace_catalog(&items).map_err(|(at, e)| match e {
                paydesk_ledger::LedgerError::Line(why) => {
                    Error::BadInput(format!("nothing was imported: item {}: {why}", at + 1))
                }
                other => other.into(),
            })?;
            println!("imported {count} items");
        }
        CatalogAction::Export { file } => {
            let items = ledger.items("", u32::MAX)?;
            write_file(&file, |out| write_catalog(out, &items))?;
            println!("wrote {} items to {}", items.len(), file.display());
        }
    }
    Ok(())
}

fn write_file(
    path: &Path,
    write: impl FnOnce(&mut std::io::BufWriter<std::fs::File>) -> std::io::Result<()>,
) -> Result<(), Error> {
    let saved = paydesk_ledger::export::save_atomically(path, |out| Ok(write(out)?));
    saved.map_err(|e| Error::Local(format!("could not write {}: {e}", path.display())))
}

pub(crate) fn tax_rate(ledger: &Option<PathBuf>, action: TaxRateAction) -> Result<(), Error> {
    let ledger = open(ledger)?;
    match action {
        TaxRateAction::Set { name, percent, included, default } => {
            let name =
                paydesk_money::order::check_text("tax rate name", name.trim(), paydesk_till::api::MAX_LABEL_CHARS)?
                    .to_string();
            let rate = TaxRate { name, basis_points: parse_percent(&percent)?, inclusive: included };
            ledger.save_tax_rate(&CatalogRate { rate, is_default: default })?;
            Ok(())
        }
        TaxRateAction::List { json } => {
            let rates = ledger.tax_rates()?;
            if json {
                println!("{}", to_json(&rates));
            }
            for r in rates.iter().filter(|_| !json) {
                let how = if r.rate.inclusive { "included" } else { "added" };
                let default = if r.is_default { "  (default)" } else { "" };
                println!("{}  {}%  {how}{default}", r.rate.name, format_percent(r.rate.basis_points));
            }
            Ok(())
        }
    }
}

pub(crate) async fn rates(ledger: &Option<PathBuf>, action: RatesAction) -> Result<(), Error> {
    let ledger = open(ledger)?;
    match action {
        RatesAction::Fetch { url } => {
            let config = TillConfig::load(&TillConfig::default_path())?;
            let url = url.or(config.rates_url).unwrap_or_else(|| paydesk_till::reference_rates::ECB_DAILY_URL.into());
            let fetched = paydesk_till::reference_rates::fetch(&url).await?;
            ledger.save_rates(&fetched)?;
            println!("fetched {} rates", fetched.len());
        }
        RatesAction::Set { base, quote, rate } => {
            let (base, quote): (Currency, Currency) =
                (base.to_ascii_uppercase().parse()?, quote.to_ascii_uppercase().parse()?);
            if base == quote {
                return Err(Error::BadInput("a rate converts between two different currencies".into()));
            }
            let rate = ExchangeRate {
                base,
                quote,
                rate: Rate::parse(rate.trim())?,
                source: "manual".into(),
                as_of: unix_now(),
            };
            ledger.save_rates(&[rate])?;
        }
        RatesAction::List { json } => {
            let held = ledger.rates()?;
            if json {
                println!("{}", to_json(&held));
            }
            for r in held.iter().filter(|_| !json) {
                println!(
                    "1 {} = {} {}  {}  {}",
                    r.base,
                    r.rate.to_decimal_string(),
                    r.quote,
                    r.source,
                    paydesk_money::clock::format_utc(r.as_of)
                );
            }
        }
    }
    Ok(())
}
