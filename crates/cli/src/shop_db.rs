//! Several tills, one shop, from a terminal: the shop database's address (kept in the keyring),
//! this till's link to it, a push now or a replicator that runs until Ctrl-C, and the shop-wide
//! sales and report. `paydesk relay` is the server side.

use crate::desk::credential_store;
use crate::output::to_json;
use clap::Subcommand;
use paydesk_gateways::secret::Secret;
use paydesk_ledger::Ledger;
use paydesk_shop::ShopDb;
use paydesk_till::api::ShopSaleView;
use paydesk_till::config::TillConfig;
use paydesk_till::error::Error;
use paydesk_till::report::{shop_report, ShopReport};
use paydesk_till::shop_link::{configured_url, till_name, ShopLink, SHOP_DATABASE};
use serde::Serialize;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand)]
pub(crate) enum ShopAction {
    /// Keep the shop database's address (postgres://user:password@host:port/db), read from
    /// standard input (never the command line: it holds a password), in the keyring;
    /// PAYDESK_SHOP_DATABASE_URL wins over it.
    SetDatabase,
    /// Forget the shop database's address.
    ClearDatabase,
    /// This till's link: the address (password masked), its id and name, changes waiting.
    Status {
        #[arg(long)]
        json: bool,
    },
    /// Push this till's waiting changes now. With --follow, keep pushing and recording callback
    /// news from the relay until Ctrl-C (what the app does in the background).
    Sync {
        #[arg(long)]
        follow: bool,
    },
}

fn open_ledger(ledger: &Option<PathBuf>) -> Result<Ledger, Error> {
    Ok(Ledger::open(&ledger.clone().unwrap_or_else(paydesk_till::config::default_ledger_path))?)
}

fn url() -> Result<String, Error> {
    configured_url(&credential_store())?.ok_or(Error::ShopNotSet)
}

/// The shop database, for the shop-wide views.
pub(crate) fn shop_db() -> Result<ShopDb, Error> {
    Ok(ShopDb::open(&url()?)?)
}

fn name_of(ledger: &Ledger) -> Result<String, Error> {
    let label = TillConfig::load(&TillConfig::default_path())?.terminal_label;
    Ok(till_name(label.as_deref(), &ledger.till_id()?))
}

#[derive(Serialize)]
struct LinkStatus {
    address: Option<String>,
    till_id: String,
    till_name: String,
    pending: u64,
}

pub(crate) async fn shop(ledger: &Option<PathBuf>, action: ShopAction) -> Result<(), Error> {
    match action {
        ShopAction::SetDatabase => {
            let mut url = String::new();
            std::io::Read::read_to_string(&mut std::io::stdin(), &mut url)
                .map_err(|e| Error::Local(format!("could not read the address from standard input: {e}")))?;
            let url = url.trim().to_string();
            let shown = ShopDb::open(&url).map_err(|e| Error::BadInput(e.to_string()))?.shown().to_string();
            credential_store().set(&SHOP_DATABASE, "url", Secret::new(url))?;
            println!("shop database set: {shown}");
        }
        ShopAction::ClearDatabase => {
            credential_store().delete(&SHOP_DATABASE)?;
            println!("shop database cleared");
        }
        ShopAction::Status { json } => {
            let ledger = open_ledger(ledger)?;
            let address = match configured_url(&credential_store())? {
                Some(url) => Some(ShopDb::open(&url)?.shown().to_string()),
                None => None,
            };
            let status = LinkStatus {
                address,
                till_id: ledger.till_id()?,
                till_name: name_of(&ledger)?,
                pending: ledger.outbox_len()?,
            };
            if json {
                println!("{}", to_json(&status));
            } else {
                println!("shop database: {}", status.address.as_deref().unwrap_or("not set"));
                println!("this till: {} ({})", status.till_name, status.till_id);
                println!("changes waiting: {}", status.pending);
            }
        }
        ShopAction::Sync { follow: false } => {
            let ledger = open_ledger(ledger)?;
            let pushed = paydesk_shop::drain(&ledger, &shop_db()?, &name_of(&ledger)?).await?;
            println!("pushed {pushed} changes");
        }
        ShopAction::Sync { follow: true } => {
            let ledger = open_ledger(ledger)?;
            let name = name_of(&ledger)?;
            let link = ShopLink::start(&url()?, Arc::new(ledger), Arc::default(), name)?;
            println!("pushing to {} until Ctrl-C", link.db().shown());
            let _ = tokio::signal::ctrl_c().await;
        }
    }
    Ok(())
}

/// The whole shop's report for `[start, end)`: the total, then each till.
pub(crate) async fn report(start: i64, end: i64, json: bool) -> Result<(), Error> {
    let report: ShopReport = shop_report(&shop_db()?, start, end, crate::gateways::gateway_name).await?;
    if json {
        println!("{}", to_json(&report));
    } else {
        println!("whole shop");
        crate::shop::print_report(&report.total);
        for till in &report.tills {
            println!("\ntill {} ({})", till.name, till.till_id);
            crate::shop::print_report(&till.report);
        }
    }
    Ok(())
}

/// The newest sales of every till.
pub(crate) async fn invoices(limit: u32, json: bool) -> Result<(), Error> {
    let db = shop_db()?;
    let sales = db.sales(None, limit, 0).await?;
    if json {
        let rows: Vec<ShopSaleView> =
            sales.iter().cloned().map(|s| ShopSaleView::of(s, crate::gateways::gateway_name)).collect();
        println!("{}", to_json(&rows));
    } else if sales.is_empty() {
        println!("No sales in the shop database yet.");
    } else {
        for s in &sales {
            println!(
                "{:<10} {:<28} {:>12} {} {:<10} {}",
                s.till_name,
                s.order_id,
                s.amount.to_decimal_string(),
                s.amount.currency(),
                s.status.as_str(),
                paydesk_money::clock::format_utc(s.created_at)
            );
        }
    }
    Ok(())
}
