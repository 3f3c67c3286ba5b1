//! What the terminal shows of sales (text or JSON), and QR codes written to a file.

use paydesk_ledger::{Invoice, InvoiceKind};
use paydesk_money::clock::{format_utc, unix_now};
use paydesk_till::error::Error;
use paydesk_till::qr;

pub(crate) fn check_qr_path(path: &std::path::Path) -> Result<(), Error> {
    match path.extension().and_then(|e| e.to_str()) {
        Some("svg" | "png") => Ok(()),
        _ => Err(Error::BadInput(format!("--qr must name a .svg or .png file, not '{}'", path.display()))),
    }
}

pub(crate) fn write_qr(path: &std::path::Path, link: &str) -> Result<(), Error> {
    let bytes = match path.extension().and_then(|e| e.to_str()) {
        Some("png") => qr::qr_png(link, 512),
        _ => qr::qr_svg(link).map(String::into_bytes),
    }
    .map_err(|e| Error::Local(e.to_string()))?;
    std::fs::write(path, bytes).map_err(|e| Error::Local(format!("could not write {}: {e}", path.display())))
}

pub(crate) fn status_line(inv: &Invoice) -> String {
    let raw = inv.gateway_status.as_deref().map(|s| format!(" ({s})")).unwrap_or_default();
    format!("{} {} {}{raw}", inv.order_id, inv.amount, inv.status)
}

pub(crate) fn print_invoice(inv: &Invoice) {
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

/// One line of `paydesk invoices`.
pub(crate) fn print_invoice_row(inv: &Invoice) {
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

pub(crate) fn to_json(value: &impl serde::Serialize) -> String {
    serde_json::to_string_pretty(value).expect("plain data serializes")
}
