//! `paydesk`: the till from a terminal. Every subcommand is a call into `paydesk_till`, the same
//! code the desktop app uses. Exit codes: 0 ok, 2 bad input, 3 gateway refused, 4 network/timeout,
//! 1 anything else; errors go to stderr on one line.

mod credentials;
mod desk;
mod gateways;
mod output;
mod printer;
mod relay;
mod shop;
mod shop_db;

use clap::{Parser, Subcommand};
use credentials::credentials;
use desk::{paydesk, settings_for_sale};
use gateways::{gateways, simulate};
use output::{check_qr_path, print_invoice, print_invoice_row, status_line, to_json, write_qr};
use paydesk_ledger::export::invoices_csv;
use paydesk_money::clock::{format_utc, unix_now};
use paydesk_money::{parse_amount, DecimalStyle};
use paydesk_till::error::Error;
use paydesk_till::qr;
use paydesk_till::service::{ChargeInput, Pace, Settings};
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Parser)]
#[command(name = "paydesk", version, about = "Take crypto payments at the till: charge, follow and list invoices")]
struct Cli {
    /// The ledger file (default: the OS data dir, or $PAYDESK_DATA_DIR/ledger.sqlite3).
    #[arg(long, global = true, value_name = "FILE")]
    ledger: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// List the gateways, the credential fields each needs and the doubtful parts of their contracts.
    Gateways {
        #[arg(long)]
        json: bool,
    },
    /// Create an invoice and show its pay link and QR code.
    Charge {
        #[arg(long)]
        gateway: String,
        /// As typed at the till: 12, 12.5, 1,234.56 (or 12,50 with --decimal-comma).
        #[arg(long)]
        amount: String,
        #[arg(long, default_value = "USD")]
        currency: String,
        /// Your own order id (letters, digits, - and _); one is generated otherwise.
        #[arg(long)]
        order_id: Option<String>,
        #[arg(long)]
        description: Option<String>,
        /// Also write the QR code to this .svg or .png file.
        #[arg(long, value_name = "FILE")]
        qr: Option<PathBuf>,
        /// Read the amount with a decimal comma (12,50; 1.234,56).
        #[arg(long)]
        decimal_comma: bool,
        /// Call the gateway at this URL instead (https, or http to 127.0.0.1); also PAYDESK_<GATEWAY>_BASE_URL.
        #[arg(long)]
        base_url: Option<String>,
        /// How long the customer has to pay, where the gateway lets it be chosen (within its bounds;
        /// default: the till's setting, else 30 minutes).
        #[arg(long, value_name = "MINUTES")]
        lifetime: Option<u32>,
        #[arg(long)]
        json: bool,
    },
    /// Ask the gateway for an invoice's status (by local id or order id).
    Status {
        id: String,
        /// Keep asking until the status is final.
        #[arg(long)]
        watch: bool,
        /// Seconds between two questions with --watch.
        #[arg(long, default_value_t = 2)]
        every: u64,
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Try a failed or unknown sale again under the same order id (the gateway is asked first
    /// whether it already has it, where it can be asked).
    Retry {
        id: String,
        #[arg(long)]
        base_url: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Settle by hand a sale the gateway cannot settle for Paydesk, from its dashboard: paid or
    /// not paid, with the reason (who, when and why go in the ledger).
    Settle {
        id: String,
        #[arg(long, conflicts_with = "not_paid", required_unless_present = "not_paid")]
        paid: bool,
        #[arg(long)]
        not_paid: bool,
        /// Why, e.g. what the gateway's dashboard shows.
        #[arg(long)]
        reason: String,
        #[arg(long)]
        json: bool,
    },
    /// Check the sales a crash left half-sent with their gateways (every other command does too).
    Recover {
        #[arg(long)]
        json: bool,
    },
    /// List invoices, newest first.
    Invoices {
        #[arg(long, conflicts_with = "csv")]
        json: bool,
        #[arg(long)]
        csv: bool,
        #[arg(long, default_value_t = 50)]
        limit: u32,
        /// Every till's sales, from the shop database.
        #[arg(long, conflicts_with = "csv")]
        shop: bool,
    },
    /// What the till took in a period (local days, both included; default today): totals per
    /// currency, status and gateway, tax per rate, tips, and per cashier and shift.
    Report {
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: Option<String>,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: Option<String>,
        #[arg(long)]
        json: bool,
        /// The whole shop (every till, and each), from the shop database.
        #[arg(long)]
        shop: bool,
    },
    /// Record a sale paid in cash at the counter (paid at once; nothing is sent anywhere).
    Cash {
        /// As typed at the till: 12, 12.5, 1,234.56.
        amount: String,
        #[arg(long, default_value = "USD")]
        currency: String,
        #[arg(long)]
        description: Option<String>,
    },
    /// Several tills, one shop: the shop database and this till's link to it.
    Shop {
        #[command(subcommand)]
        action: shop_db::ShopAction,
    },
    /// Receive the gateways' payment callbacks for the shop's tills (on a machine gateways can
    /// reach), check them and write the statuses to the shop database; the tills hear at once.
    Relay {
        /// Where to listen, e.g. 0.0.0.0:8088 (put an HTTPS reverse proxy in front).
        #[arg(long, value_name = "ADDR")]
        listen: String,
        /// postgres://user:password@host:port/db (default: $PAYDESK_SHOP_DATABASE_URL, which keeps
        /// the password off the command line).
        #[arg(long, value_name = "URL")]
        shop_database: Option<String>,
    },
    /// The catalog as a CSV file.
    Catalog {
        #[command(subcommand)]
        action: shop::CatalogAction,
    },
    /// The shop's tax rates.
    TaxRate {
        #[command(subcommand)]
        action: shop::TaxRateAction,
    },
    /// Exchange rates for sales priced in one currency and charged in another.
    Rates {
        #[command(subcommand)]
        action: shop::RatesAction,
    },
    /// A sale's receipt on the receipt printer.
    Receipt {
        #[command(subcommand)]
        action: printer::ReceiptAction,
    },
    /// The receipt printer.
    Printer {
        #[command(subcommand)]
        action: printer::PrinterAction,
    },
    /// Store gateway credentials in the OS keyring.
    Credentials {
        #[command(subcommand)]
        action: CredentialsAction,
    },
    /// Run the gateway simulator in the foreground (the Demo gateway's default target).
    Simulate {
        #[arg(long, default_value_t = paydesk_gatewaysim::DEFAULT_PORT)]
        port: u16,
    },
}

#[derive(Subcommand)]
pub(crate) enum CredentialsAction {
    /// Set one field; the value is read from standard input, never from the command line.
    Set { gateway: String, field: String },
    /// Show which fields are set (never their values).
    List {
        gateway: Option<String>,
        #[arg(long)]
        json: bool,
    },
    /// Remove every stored field of a gateway.
    Delete { gateway: String },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("tokio runtime starts");
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("paydesk: {} [{}]", e.to_string().replace('\n', " "), e.code());
            ExitCode::from(e.exit_code() as u8)
        }
    }
}

async fn run(cli: Cli) -> Result<(), Error> {
    match cli.command {
        Command::Gateways { json } => gateways(json),
        Command::Charge {
            gateway,
            amount,
            currency,
            order_id,
            description,
            qr,
            decimal_comma,
            base_url,
            lifetime,
            json,
        } => {
            let style = if decimal_comma { DecimalStyle::Comma } else { DecimalStyle::Point };
            let amount = parse_amount(&amount, currency.parse()?, style)?;
            let mut settings = Settings::default();
            if let Some(url) = base_url {
                settings.base_urls.insert(gateway.clone(), url);
            }
            if let Some(minutes) = lifetime {
                // Checked against the gateway's bounds as Settings checks it (an unknown gateway is
                // refused by the charge itself, with its own message).
                let registry = paydesk_gateways::registry();
                if let Some(info) = registry.iter().map(|g| g.info()).find(|i| i.id == gateway) {
                    let secs = info.lifetime.check(info.name, minutes.saturating_mul(60)).map_err(Error::BadInput)?;
                    settings.lifetimes.insert(gateway.clone(), secs);
                }
            }
            if let Some(path) = &qr {
                check_qr_path(path)?;
            }
            let desk = paydesk(cli.ledger, settings, true).await?;
            let input = ChargeInput { order_id, description, ..ChargeInput::new(&gateway, amount) };
            let invoice = desk.charge(&input).await?;
            let link = invoice.pay_link.clone().unwrap_or_default();
            if let Some(path) = &qr {
                write_qr(path, &link)?;
            }
            if json {
                println!("{}", to_json(&invoice));
            } else {
                print_invoice(&invoice);
                println!("\n{}", qr::qr_terminal(&link).map_err(|e| Error::Local(e.to_string()))?);
            }
            Ok(())
        }
        Command::Status { id, watch, every, base_url, json } => {
            let settings = settings_for_sale(&cli.ledger, &id, base_url)?;
            let desk = paydesk(cli.ledger, settings, true).await?;
            let invoice = if watch {
                let every = Duration::from_secs(every.max(1));
                desk.follow(&id, Pace { every, grace: Duration::from_secs(120) }, |inv| {
                    if !json {
                        println!("{}  {}", format_utc(unix_now()), status_line(inv));
                    }
                })
                .await?
            } else {
                desk.refresh(&id).await?
            };
            if json {
                println!("{}", to_json(&invoice));
            } else if !watch {
                print_invoice(&invoice);
            }
            Ok(())
        }
        Command::Retry { id, base_url, json } => {
            let settings = settings_for_sale(&cli.ledger, &id, base_url)?;
            let invoice = paydesk(cli.ledger, settings, true).await?.retry(&id).await?;
            if json {
                println!("{}", to_json(&invoice));
            } else {
                print_invoice(&invoice);
            }
            Ok(())
        }
        Command::Settle { id, paid, not_paid: _, reason, json } => {
            let desk = paydesk(cli.ledger, Settings::default(), false).await?;
            // The CLI is not held by the manager PIN (it guards the app): the OS user is named.
            let who = format!("the command line ({})", std::env::var("USER").unwrap_or_else(|_| "unknown user".into()));
            let invoice = desk.settle_by_hand(&id, paid, &who, &reason)?;
            if json {
                println!("{}", to_json(&invoice));
            } else {
                print_invoice(&invoice);
            }
            Ok(())
        }
        Command::Recover { json } => {
            let desk = paydesk(cli.ledger, Settings::default(), false).await?;
            let checked = desk.recover().await?;
            if json {
                println!("{}", to_json(&checked));
            } else if checked.is_empty() {
                println!("No interrupted sales.");
            } else {
                for inv in &checked {
                    let note = inv.last_error.as_deref().map(|e| format!(": {e}")).unwrap_or_default();
                    println!("{}{note}", status_line(inv));
                }
            }
            Ok(())
        }
        Command::Invoices { shop: true, json, limit, .. } => shop_db::invoices(limit, json).await,
        Command::Invoices { json, csv, limit, shop: false } => {
            // Listing stays offline: interrupted sales are marked, not asked about.
            let desk = paydesk(cli.ledger, Settings::default(), false).await?;
            let invoices = desk.list(limit, 0)?;
            if csv {
                print!("{}", invoices_csv(&invoices));
            } else if json {
                println!("{}", to_json(&invoices));
            } else if invoices.is_empty() {
                println!("No invoices yet.");
            } else {
                for inv in &invoices {
                    print_invoice_row(inv);
                }
            }
            Ok(())
        }
        Command::Report { from, to, json, shop } => {
            let period = shop::period(from.as_deref(), to.as_deref())?;
            match shop {
                true => shop_db::report(period.0, period.1, json).await,
                false => shop::report(&cli.ledger, period, json),
            }
        }
        Command::Cash { amount, currency, description } => cash(cli.ledger, &amount, &currency, description).await,
        Command::Shop { action } => shop_db::shop(&cli.ledger, action).await,
        Command::Relay { listen, shop_database } => relay::relay(&listen, shop_database).await,
        Command::Catalog { action } => shop::catalog(&cli.ledger, action),
        Command::TaxRate { action } => shop::tax_rate(&cli.ledger, action),
        Command::Rates { action } => shop::rates(&cli.ledger, action).await,
        Command::Receipt { action } => printer::receipt(&cli.ledger, action),
        Command::Printer { action } => printer::printer(action),
        Command::Credentials { action } => credentials(action),
        Command::Simulate { port } => simulate(port).await,
    }
}

/// Records a cash sale in the ledger, its order id prefixed with the till's terminal label.
async fn cash(ledger: Option<PathBuf>, amount: &str, currency: &str, description: Option<String>) -> Result<(), Error> {
    let amount = parse_amount(amount, currency.parse()?, DecimalStyle::Point)?;
    let label =
        paydesk_till::config::TillConfig::load(&paydesk_till::config::TillConfig::default_path())?.terminal_label;
    let desk = paydesk(ledger, Settings::default(), false).await?;
    let sale = paydesk_till::report::CashSale {
        amount,
        tip_minor: 0,
        description: description.as_deref(),
        details: Default::default(),
    };
    let invoice = paydesk_till::report::record_cash_sale(desk.ledger(), label.as_deref(), sale)?;
    print_invoice_row(&invoice);
    Ok(())
}
