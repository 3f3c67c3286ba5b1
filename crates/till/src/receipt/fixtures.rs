//! A sale and a till configuration to print, shared by the receipt's and the PDF's tests.

use crate::config::TillConfig;
use paydesk_gateways::gateway::{CreatedInvoice, StatusReport};
use paydesk_ledger::{Invoice, Ledger, NewInvoice};
use paydesk_money::{Amount, Currency, InvoiceStatus};

pub const LINK: &str = "https://pay.example.com/invoice/EKKlnN7QXB5ynmqZTeriefGLgr4jq8";
/// 2026-11-23 12:15:07 UTC
pub const SOLD_AT: i64 = 1_795_392_000 + 12 * 3600 + 15 * 60 + 7;

/// A paid sale, written to and read back from a real ledger file.
pub fn paid_sale(description: Option<&str>, pay_link: Option<&str>) -> Invoice {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    let amount = Amount::from_minor(123_456, Currency::USD).unwrap();
    let new = NewInvoice {
        order_id: "SHOP1-20261123-AB12CD34",
        gateway: "demo",
        amount,
        tip_minor: 0,
        description,
        details: Default::default(),
    };
    let mut inv = ledger.insert_creating(&new).unwrap();
    if let Some(link) = pay_link {
        let created =
            CreatedInvoice { gateway_invoice_id: Some("g-1".into()), pay_link: link.into(), expires_at: None };
        ledger.mark_created(inv.id, &created).unwrap();
        let paid = StatusReport { status: InvoiceStatus::Paid, gateway_status: "completed".into() };
        inv = ledger.record_status(inv.id, &paid).unwrap();
    }
    inv.created_at = SOLD_AT;
    inv
}

pub fn config(shop: Option<&str>, language: &str) -> TillConfig {
    TillConfig {
        shop_name: shop.map(String::from),
        terminal_label: Some("SHOP1".into()),
        language: language.into(),
        ..TillConfig::default()
    }
}
