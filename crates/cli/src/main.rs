//! `paydesk`: the till from a terminal. Every subcommand is a call into `paydesk_till`, the same
//! code the desktop app uses. Exit codes: 0 ok, 2 bad input, 3 gateway refused, 4 network/timeout,
//! 1 anything else; errors go to stderr on one line.

use clap::{Parser, Subcommand};
use paydesk_gateways::gateway::Lifetime;
use paydesk_gateways::secret::Secret;
use paydesk_ledger::export::invoices_csv;
use paydesk_ledger::{Invoice, InvoiceKind, Ledger};
use paydesk_money::clock::{format_utc, unix_now};
use paydesk_money::{parse_amount, DecimalStyle};
use paydesk_till::config::TillConfig;
use paydesk_till::credentials::CredentialStore;
use paydesk_till::error::Error;
use paydesk_till::qr;
use paydesk_till::service::{ChargeInput, Pace, Paydesk, Settings};
use std::io::Read;
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
enum CredentialsAction {
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

fn credential_store() -> CredentialStore {
    // A separate service name lets tests and trials keep their own keyring entries.
    let service =
        std::env::var("PAYDESK_KEYRING_SERVICE").unwrap_or_else(|_| paydesk_till::credentials::DEFAULT_SERVICE.into());
    CredentialStore::os_keyring(service)
}

/// The till, with the sales a crash interrupted marked and (for commands that go online anyway)
/// asked about, before the command runs.
async fn paydesk(ledger: Option<PathBuf>, mut settings: Settings, online: bool) -> Result<Paydesk, Error> {
    // The till's settings are shared with the app: its terminal label prefixes CLI sales too.
    let till = TillConfig::load(&TillConfig::default_path()).map_err(|e| Error::BadInput(e.to_string()))?;
    settings.terminal_label = till.terminal_label;
    // So is the invoice lifetime the shop chose per gateway (checked when it was saved); a
    // `--lifetime` given to this command wins.
    for (gateway, minutes) in till.lifetime_minutes {
        settings.lifetimes.entry(gateway).or_insert(minutes.saturating_mul(60));
    }
    let ledger = Ledger::open(&ledger.unwrap_or_else(paydesk_till::config::default_ledger_path))?;
    let desk = Paydesk::new(ledger, credential_store(), settings);
    if online {
        desk.recover().await?;
    } else {
        desk.mark_interrupted()?;
    }
    Ok(desk)
}

/// Settings that call `id`'s gateway at `base_url`, when one is given.
fn settings_for_sale(ledger: &Option<PathBuf>, id: &str, base_url: Option<String>) -> Result<Settings, Error> {
    let mut settings = Settings::default();
    if let Some(url) = base_url {
        let gateway =
            Ledger::open(&ledger.clone().unwrap_or_else(paydesk_till::config::default_ledger_path))?.find(id)?.gateway;
        settings.base_urls.insert(gateway, url);
    }
    Ok(settings)
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
        Command::Invoices { json, csv, limit } => {
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
                    // Money paid back reads as money going out.
                    let sign = if inv.kind == InvoiceKind::Refund { "-" } else { "" };
                    println!(
                        "{:>5}  {}  {:<24} {:>12} {:<4} {:<10} {}",
                        inv.id,
                        format_utc(inv.created_at),
                        inv.order_id,
                        format!("{sign}{}", inv.amount.to_decimal_string()),
                        inv.amount.currency(),
                        inv.status,
                        inv.gateway
                    );
                }
            }
            Ok(())
        }
        Command::Credentials { action } => credentials(action),
        Command::Simulate { port } => simulate(port).await,
    }
}

fn gateways(json: bool) -> Result<(), Error> {
    let infos = paydesk_gateways::registry();
    if json {
        let list: Vec<_> = infos
            .iter()
            .map(|g| {
                let i = g.info();
                serde_json::json!({
                    "id": i.id, "name": i.name, "default_base_url": i.default_base_url,
                    "fields": i.fields, "knobs": i.knobs, "currencies": i.currencies, "can_poll": i.can_poll,
                    "lifetime": i.lifetime,
                })
            })
            .collect();
        println!("{}", to_json(&list));
        return Ok(());
    }
    for g in &infos {
        let i = g.info();
        println!("{} ({})  {}", i.id, i.name, i.default_base_url);
        println!("  currencies: {}", i.currencies.map(|c| c.join(", ")).unwrap_or_else(|| "any".into()));
        match i.lifetime {
            Lifetime::Settable { min_secs, max_secs } => println!(
                "  lifetime:   {} to {} minutes (charge --lifetime; default {})",
                min_secs / 60,
                max_secs / 60,
                Lifetime::DEFAULT_SECS / 60
            ),
            Lifetime::Fixed => println!("  lifetime:   set by {}", i.name),
        }
        if i.fields.is_empty() {
            println!("  credentials: none needed");
        }
        for f in i.fields {
            let kind = if f.secret { "secret" } else { "setting" };
            let need = if f.required { "required" } else { "optional" };
            println!("  credential {:<20} {kind}, {need}  ({}; env {})", f.name, f.label, i.env_var(f.name));
        }
        for k in i.knobs {
            println!("  doubtful   {:<20} = {:?}  ({}; env {})", k.name, k.default, k.doubt, i.env_var(k.name));
        }
    }
    Ok(())
}

fn credentials(action: CredentialsAction) -> Result<(), Error> {
    let store = credential_store();
    let registry = paydesk_gateways::registry();
    let find = |id: &str| {
        registry.iter().find(|g| g.info().id == id).map(|g| g.info()).ok_or_else(|| {
            Error::BadInput(format!(
                "unknown gateway '{}'",
                id.chars().filter(|c| !c.is_control()).take(40).collect::<String>()
            ))
        })
    };
    match action {
        CredentialsAction::Set { gateway, field } => {
            let info = find(&gateway)?;
            let mut value = String::new();
            std::io::stdin()
                .read_to_string(&mut value)
                .map_err(|e| Error::Local(format!("could not read the value from standard input: {e}")))?;
            store.set(info, &field, Secret::new(value))?;
            eprintln!("{} {field} saved in the keyring.", info.name);
            Ok(())
        }
        CredentialsAction::List { gateway, json } => {
            let infos = match gateway {
                Some(id) => vec![find(&id)?],
                None => registry.iter().map(|g| g.info()).filter(|i| !i.fields.is_empty()).collect(),
            };
            let mut all = Vec::new();
            for info in infos {
                let states = store.status(info)?;
                if !json {
                    println!("{}:", info.id);
                    for s in &states {
                        println!(
                            "  {:<20} {}",
                            s.field,
                            serde_json::to_value(s.source).unwrap_or_default().as_str().unwrap_or("")
                        );
                    }
                }
                all.push(serde_json::json!({ "gateway": info.id, "fields": states }));
            }
            if json {
                println!("{}", to_json(&all));
            }
            Ok(())
        }
        CredentialsAction::Delete { gateway } => {
            let info = find(&gateway)?;
            let removed = store.delete(info)?;
            eprintln!("Removed {removed} stored field(s) of {}.", info.name);
            Ok(())
        }
    }
}

async fn simulate(port: u16) -> Result<(), Error> {
    let running = paydesk_gatewaysim::start(port)
        .await
        .map_err(|e| Error::Local(format!("the simulator could not listen on 127.0.0.1:{port}: {e}")))?;
    println!("Gateway simulator on http://{} (Ctrl-C to stop)", running.addr);
    for gw in paydesk_gatewaysim::gateways::ALL {
        println!("  {:<10} base URL {}", gw.id, running.base_url(gw.id));
        for (field, value) in gw.credentials {
            println!("             {field} = {value}");
        }
    }
    let _ = tokio::signal::ctrl_c().await;
    Ok(())
}

fn check_qr_path(path: &std::path::Path) -> Result<(), Error> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("svg" | "png") => Ok(()),
        _ => Err(Error::BadInput(format!("--qr must name a .svg or .png file, not '{}'", path.display()))),
    }
}

fn write_qr(path: &std::path::Path, link: &str) -> Result<(), Error> {
    let bytes = match path.extension().and_then(|e| e.to_str()) {
        Some("png") => qr::qr_png(link, 512),
        _ => qr::qr_svg(link).map(String::into_bytes),
    }
    .map_err(|e| Error::Local(e.to_string()))?;
    std::fs::write(path, bytes).map_err(|e| Error::Local(format!("could not write {}: {e}", path.display())))
}

fn status_line(inv: &Invoice) -> String {
    let raw = inv.gateway_status.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
    format!("{} {} {}{raw}", inv.order_id, inv.amount, inv.status)
}

fn print_invoice(inv: &Invoice) {
    println!("Order:      {}  (#{})", inv.order_id, inv.id);
    println!("Amount:     {}", inv.amount);
    println!("Gateway:    {}", inv.gateway);
    println!(
        "Status:     {}{}",
        inv.status,
        inv.gateway_status.as_deref().map(|s| format!(" ({s})")).unwrap_or_default()
    );
    if let Some(link) = &inv.pay_link {
        println!("Pay link:   {link}");
    }
    if let Some(note) = &inv.last_error {
        println!("Note:       {note}");
    }
    if let Some(id) = &inv.gateway_invoice_id {
        println!("Invoice id: {id}");
    }
    if let Some(at) = inv.expires_at {
        let left = at - unix_now();
        let when = if left > 0 { format!("in {} min {} s", left / 60, left % 60) } else { "passed".into() };
        println!("Expires:    {} ({when})", format_utc(at));
    }
}

fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("plain data serializes")
}
