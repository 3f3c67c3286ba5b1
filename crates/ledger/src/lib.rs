//! The ledger: one SQLite file of sales, cash entries and refunds, its migrations, and the queries
//! behind history, reports and CSV exports. It knows the sale model, never a gateway.
//!
//! Every sale is a row written ("creating", order id fixed) before a request leaves for the
//! gateway, so a crash, timeout or retry never loses a sale.

mod catalog;
mod counter;
mod error;
pub mod export;
mod invoice;
mod lines;
mod outbox;
mod query;
mod rates;
mod schema;
mod shift;
mod write;

pub use catalog::{CatalogRate, Item, NewItem};
pub use counter::{DrawerOpening, RECEIPT_PRINTED};
pub use error::LedgerError;
pub use invoice::{Invoice, InvoiceEvent, InvoiceKind, NewEntry, NewInvoice, LATE_SEEN, RECEIVED};
pub use lines::{NewLine, Priced, SaleDetails, SaleLine};
pub use outbox::{Change, OutboxBatch};
pub use query::{GroupTotal, TaxTotal};
pub use schema::Ledger;
pub use shift::{Cashier, Shift};

#[cfg(test)]
mod testing {
    use crate::{Ledger, NewInvoice};
    use paydesk_money::{Amount, Currency};

    pub fn ledger() -> (tempfile::TempDir, Ledger) {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("l.sqlite3")).unwrap();
        (dir, ledger)
    }

    pub fn sale(order_id: &str) -> NewInvoice<'_> {
        NewInvoice {
            order_id,
            gateway: "demo",
            amount: Amount::from_minor(1234, Currency::USD).unwrap(),
            tip_minor: 0,
            description: Some("Coffee"),
            details: Default::default(),
        }
    }
}
