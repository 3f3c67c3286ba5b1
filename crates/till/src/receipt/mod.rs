//! A sale's receipt: the lines a customer takes away (shop, terminal, time, order id, gateway,
//! status, amount) and the pay link's QR code, as data for the app's print preview and as a small
//! one-page PDF on 80 mm receipt paper.
//!
//! This file builds the receipt from a sale, in words from the UI's catalogs (`words`); `pdf`
//! writes it as a PDF.

mod pdf;
mod words;

pub use pdf::receipt_pdf;

use crate::config::TillConfig;
use paydesk_ledger::{Invoice, InvoiceKind, Ledger, LedgerError, NewLine, SaleLine};
use paydesk_money::clock::civil_date;
use paydesk_money::tax::{format_percent, RateTotal};
use paydesk_money::{Currency, DecimalStyle};
use serde::Serialize;
use ts_rs::TS;
use words::words;

/// The widest local-time offset there is (UTC+14) with room to spare; beyond it the caller is wrong.
const MAX_UTC_OFFSET_MINUTES: i32 = 18 * 60;

/// One printed line: a label and its value ("Order", "PD-20261123-AB12CD34").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ReceiptLine {
    pub label: String,
    pub value: String,
    /// Printed large: the amount.
    pub strong: bool,
}

/// One thing sold: "2 × Espresso", "4.40 EUR".
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ReceiptItem {
    pub quantity: u32,
    pub name: String,
    /// The line's amount with its currency.
    pub amount: String,
}

/// One tax rate's row: "VAT 19 % incl.", net, tax, gross (each with its currency).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ReceiptTax {
    pub rate: String,
    pub net: String,
    pub tax: String,
    pub gross: String,
}

/// What a sale sold and the tax in it, as the ledger keeps them (empty for a typed amount
/// without tax, and for sales from before items and tax).
#[derive(Debug, Clone, Default)]
pub struct SaleParts {
    pub lines: Vec<SaleLine>,
    pub taxes: Vec<RateTotal>,
}

/// What a receipt says, in the till's language, in printing order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Receipt {
    /// The heading, when the owner set one in Settings.
    pub shop_name: Option<String>,
    /// "Receipt"
    pub title: String,
    /// What was sold, in the currency it was priced in.
    pub items: Vec<ReceiptItem>,
    /// The tax table's heading (net, tax, gross) and its rows, one per rate.
    pub tax_columns: Vec<String>,
    pub taxes: Vec<ReceiptTax>,
    pub lines: Vec<ReceiptLine>,
    pub order_id: String,
    /// Printed as a QR code and as text under it.
    pub pay_link: Option<String>,
}

impl Receipt {
    /// The receipt of `invoice`. `utc_offset_minutes` is the till's local offset from UTC at the
    /// time of the sale (see `clock::local_offset_secs`): `None` prints UTC.
    pub fn new(
        invoice: &Invoice,
        parts: &SaleParts,
        gateway_name: &str,
        config: &TillConfig,
        utc_offset_minutes: Option<i32>,
    ) -> Receipt {
        let words = words(&config.language);
        let in_currency = |currency: Currency, minor: u64| {
            let text = currency.format_minor(i128::from(minor));
            let text = if config.decimal_style == DecimalStyle::Comma { text.replace('.', ",") } else { text };
            format!("{text} {}", currency.code())
        };
        let money = |minor: u64| in_currency(invoice.amount.currency(), minor);
        // Lines and taxes are in the currency the sale was priced in.
        let priced_in = invoice.priced.as_ref().map_or(invoice.amount.currency(), |p| p.amount.currency());
        let priced = |minor: u64| in_currency(priced_in, minor);
        let line = |label: &str, value: &str| ReceiptLine { label: label.into(), value: value.into(), strong: false };
        let mut lines = Vec::new();
        if let Some(terminal) = &config.terminal_label {
            lines.push(line(&words.terminal, terminal));
        }
        if let Some(cashier) = &invoice.cashier {
            lines.push(line(&words.cashier, cashier));
        }
        lines.push(line(&words.time, &sale_time(invoice.created_at, utc_offset_minutes)));
        lines.push(line(&words.order, &invoice.order_id));
        if let Some(sale) = &invoice.refund_of {
            lines.push(line(&words.refund_of, sale));
        }
        lines.push(line(&words.gateway, gateway_name));
        if let Some(description) = &invoice.description {
            lines.push(line(&words.description, description));
        }
        lines.push(line(&words.status, words.status_word(invoice.status)));
        lines.push(ReceiptLine { strong: true, ..line(&words.amount, &money(invoice.amount.minor())) });
        if invoice.tip_minor > 0 {
            lines.push(line(&words.tip, &money(invoice.tip_minor)));
        }
        if let Some(p) = &invoice.priced {
            lines.push(line(&words.priced, &priced(p.amount.minor())));
            let rate = format!("1 {} = {} {}", priced_in.code(), p.rate, invoice.amount.currency().code());
            let (y, m, d) = civil_date(p.as_of);
            lines.push(line(&words.rate, &format!("{rate} ({}, {y:04}-{m:02}-{d:02})", p.source)));
        }
        let items = parts
            .lines
            .iter()
            .map(|l| ReceiptItem {
                quantity: l.quantity,
                name: item_name(l.item_id, &l.name, words),
                amount: priced(l.amount_minor),
            })
            .collect();
        let taxes: Vec<ReceiptTax> = parts
            .taxes
            .iter()
            .map(|t| ReceiptTax {
                rate: format!(
                    "{} {} % {}",
                    t.rate.name,
                    format_percent(t.rate.basis_points),
                    if t.rate.inclusive { &words.included } else { &words.added }
                ),
                net: priced(t.net_minor),
                tax: priced(t.tax_minor),
                gross: priced(t.gross_minor),
            })
            .collect();
        let tax_columns = if taxes.is_empty() { Vec::new() } else { words.tax_columns.to_vec() };
        Receipt {
            shop_name: config.shop_name.clone(),
            title: if invoice.kind == InvoiceKind::Refund { &words.refund } else { &words.receipt }.clone(),
            items,
            tax_columns,
            taxes,
            lines,
            order_id: invoice.order_id.clone(),
            pay_link: invoice.pay_link.clone(),
        }
    }

    /// The receipt of a sale in the ledger, its time in the till's local time.
    pub fn of_sale(
        ledger: &Ledger,
        invoice: &Invoice,
        gateway_name: &str,
        config: &TillConfig,
    ) -> Result<Receipt, LedgerError> {
        let utc_offset_minutes = paydesk_money::clock::local_offset_secs(invoice.created_at) / 60;
        let parts = SaleParts { lines: ledger.sale_lines(invoice.id)?, taxes: ledger.sale_taxes(invoice.id)? };
        Ok(Receipt::new(invoice, &parts, gateway_name, config, Some(utc_offset_minutes)))
    }

    /// A file name for the PDF: the order id, with anything a file system might mind replaced.
    pub fn file_name(&self) -> String {
        let safe: String =
            self.order_id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        format!("receipt-{safe}.pdf")
    }
}

/// A line's name as printed: a typed amount has none of its own.
fn item_name(item_id: Option<i64>, name: &str, words: &words::Words) -> String {
    if item_id.is_none() && name.is_empty() {
        words.item_amount.clone()
    } else {
        name.to_string()
    }
}

/// Lines about to be sold, as the charge screen lists them before Charge.
pub fn receipt_items(lines: &[NewLine], language: &str, money: impl Fn(u64) -> String) -> Vec<ReceiptItem> {
    let words = words(language);
    let amount = |l: &NewLine| money(u64::from(l.quantity).saturating_mul(l.unit_price_minor));
    lines
        .iter()
        .map(|l| ReceiptItem { quantity: l.quantity, name: item_name(l.item_id, &l.name, words), amount: amount(l) })
        .collect()
}

/// `2026-11-23 13:15 UTC+01:00`, or `... UTC` when the offset is unknown or zero.
fn sale_time(unix_secs: i64, utc_offset_minutes: Option<i32>) -> String {
    let offset = utc_offset_minutes.unwrap_or(0).clamp(-MAX_UTC_OFFSET_MINUTES, MAX_UTC_OFFSET_MINUTES);
    let local = unix_secs + i64::from(offset) * 60;
    let (y, m, d) = civil_date(local);
    let secs = local.rem_euclid(86_400);
    let zone = match offset {
        0 => "UTC".to_string(),
        _ => {
            let sign = if offset < 0 { '-' } else { '+' };
            format!("UTC{sign}{:02}:{:02}", offset.abs() / 60, offset.abs() % 60)
        }
    };
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} {zone}", secs / 3600, secs / 60 % 60)
}

#[cfg(test)]
mod fixtures;

#[cfg(test)]
mod tests {
    use super::fixtures::{config, paid_sale, LINK, SOLD_AT};
    use super::*;
    use paydesk_money::InvoiceStatus;

    fn pairs(receipt: &Receipt) -> Vec<(&str, &str)> {
        receipt.lines.iter().map(|l| (l.label.as_str(), l.value.as_str())).collect()
    }

    #[test]
    fn a_tip_is_printed_under_the_amount_it_is_part_of() {
        let mut inv = paid_sale(None, None);
        inv.tip_minor = 150;
        let comma = TillConfig { decimal_style: DecimalStyle::Comma, ..config(None, "es") };
        let receipt = Receipt::new(&inv, &SaleParts::default(), "Demo", &comma, None);
        let tail: Vec<_> = pairs(&receipt).into_iter().rev().take(2).collect();
        assert_eq!(tail, [("de ello, propina", "1,50 USD"), ("Importe", "1234,56 USD")]);
    }

    #[test]
    fn the_receipt_says_what_was_sold_where_and_when() {
        let inv = paid_sale(Some("Table 4"), Some(LINK));
        let receipt = Receipt::new(&inv, &SaleParts::default(), "Demo", &config(Some("Corner Café"), "en"), Some(60));
        assert_eq!(receipt.shop_name.as_deref(), Some("Corner Café"));
        assert_eq!(receipt.title, "Receipt");
        assert_eq!(
            pairs(&receipt),
            [
                ("Terminal", "SHOP1"),
                ("Time", "2026-11-23 13:15 UTC+01:00"),
                ("Order", "SHOP1-20261123-AB12CD34"),
                ("Gateway", "Demo"),
                ("Description", "Table 4"),
                ("Status", "Paid"),
                ("Amount", "1234.56 USD"),
            ]
        );
        assert_eq!(receipt.lines.iter().filter(|l| l.strong).count(), 1, "only the amount is printed large");
        assert_eq!(receipt.pay_link.as_deref(), Some(LINK));
        assert_eq!(receipt.file_name(), "receipt-SHOP1-20261123-AB12CD34.pdf");

        let plain = TillConfig { decimal_style: DecimalStyle::Comma, ..TillConfig::default() };
        let receipt = Receipt::new(&paid_sale(None, None), &SaleParts::default(), "Demo", &plain, None);
        assert_eq!(receipt.shop_name, None);
        assert_eq!(
            pairs(&receipt),
            [
                ("Time", "2026-11-23 12:15 UTC"),
                ("Order", "SHOP1-20261123-AB12CD34"),
                ("Gateway", "Demo"),
                ("Status", "Being created"),
                ("Amount", "1234,56 USD"),
            ]
        );
        assert_eq!(receipt.pay_link, None);
    }

    #[test]
    fn a_refund_says_so_and_names_the_sale() {
        let mut inv = paid_sale(None, None);
        inv.kind = InvoiceKind::Refund;
        inv.refund_of = Some("SHOP1-20261122-ZZ99YY88".into());
        let receipt = Receipt::new(&inv, &SaleParts::default(), "Refund", &config(None, "en"), None);
        assert_eq!(receipt.title, "Refund");
        assert!(pairs(&receipt).contains(&("Refund of", "SHOP1-20261122-ZZ99YY88")));
    }

    #[test]
    fn the_receipt_speaks_the_tills_language() {
        let receipt =
            Receipt::new(&paid_sale(None, Some(LINK)), &SaleParts::default(), "Demo", &config(None, "es"), Some(-330));
        assert_eq!(receipt.title, "Recibo");
        assert!(pairs(&receipt).contains(&("Estado", "Pagado")));
        assert!(pairs(&receipt).contains(&("Fecha", "2026-11-23 06:45 UTC-05:30")));
        for status in InvoiceStatus::ALL {
            assert!(!words("en").status_word(status).is_empty() && !words("es").status_word(status).is_empty());
        }
    }

    #[test]
    fn sale_times_cross_midnight_and_clamp_absurd_offsets() {
        assert_eq!(sale_time(SOLD_AT, Some(12 * 60)), "2026-11-24 00:15 UTC+12:00");
        assert_eq!(sale_time(SOLD_AT, Some(-13 * 60)), "2026-11-22 23:15 UTC-13:00");
        assert_eq!(sale_time(SOLD_AT, Some(0)), "2026-11-23 12:15 UTC");
        assert_eq!(sale_time(SOLD_AT, Some(i32::MAX)), sale_time(SOLD_AT, Some(MAX_UTC_OFFSET_MINUTES)));
    }
}
