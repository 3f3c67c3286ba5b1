//! The receipt printer from a terminal: a sale's receipt, and a test page. Sent once, bounded by
//! the printer timeout, with the printer's trouble said plainly (exit 1).

use paydesk_ledger::Ledger;
use paydesk_printer::{encode, send, test_ticket, Layout, PaperWidth, PrinterUri};
use paydesk_till::config::TillConfig;
use paydesk_till::error::Error;
use paydesk_till::printing::{ticket_of, PRINT_TIMEOUT};
use paydesk_till::receipt::Receipt;
use std::path::PathBuf;

#[derive(clap::Subcommand)]
pub(crate) enum ReceiptAction {
    /// Print a sale's receipt (by local id or order id).
    Print {
        order: String,
        /// tcp://HOST:9100, a device path such as /dev/usb/lp0, or lp://QUEUE (default: the till's).
        #[arg(long)]
        printer: Option<String>,
        /// 58 or 80 (default: the till's setting).
        #[arg(long)]
        paper: Option<u16>,
    },
}

#[derive(clap::Subcommand)]
pub(crate) enum PrinterAction {
    /// Print a test page: the paper's width ruler, sample text and a QR code.
    Test {
        #[arg(long)]
        printer: Option<String>,
        #[arg(long)]
        paper: Option<u16>,
    },
}

/// The printer and layout: the flags where given, else the till's settings.
fn setup(printer: Option<String>, paper: Option<u16>) -> Result<(PrinterUri, Layout, TillConfig), Error> {
    let config = TillConfig::load(&TillConfig::default_path())?;
    let uri = printer.or(config.printer.clone()).ok_or_else(|| {
        Error::BadInput("no receipt printer is set: pass --printer or set one in the app's Settings".into())
    })?;
    let uri: PrinterUri = uri.parse().map_err(|e| Error::BadInput(format!("printer: {e}")))?;
    let width = match paper {
        None => config.paper_width,
        Some(58) => PaperWidth::Mm58,
        Some(80) => PaperWidth::Mm80,
        Some(other) => return Err(Error::BadInput(format!("--paper is 58 or 80 (mm), not {other}"))),
    };
    let layout = Layout { width, qr: config.printer_qr, copies: config.copies, kick_drawer: false };
    Ok((uri, layout, config))
}

fn print(uri: &PrinterUri, bytes: &[u8]) -> Result<(), Error> {
    send(uri, bytes, PRINT_TIMEOUT).map_err(|e| Error::Local(e.to_string()))?;
    println!("printed on {uri}");
    Ok(())
}

pub(crate) fn receipt(ledger: &Option<PathBuf>, action: ReceiptAction) -> Result<(), Error> {
    let ReceiptAction::Print { order, printer, paper } = action;
    let (uri, layout, config) = setup(printer, paper)?;
    let ledger = Ledger::open(&ledger.clone().unwrap_or_else(paydesk_till::config::default_ledger_path))?;
    let sale = ledger.find(&order)?;
    let receipt = Receipt::of_sale(&ledger, &sale, &crate::gateways::gateway_name(&sale.gateway), &config)?;
    let bytes = encode(&ticket_of(&receipt), &layout).map_err(|e| Error::Local(e.to_string()))?;
    print(&uri, &bytes)?;
    ledger.mark_printed(sale.id)?;
    Ok(())
}

pub(crate) fn printer(action: PrinterAction) -> Result<(), Error> {
    let PrinterAction::Test { printer, paper } = action;
    let (uri, layout, _) = setup(printer, paper)?;
    let bytes = encode(&test_ticket(layout.width), &layout).map_err(|e| Error::Local(e.to_string()))?;
    print(&uri, &bytes)
}
