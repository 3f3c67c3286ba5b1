//! The cash, refund and report tests' till: a real ledger file, and that file opened a second time.

use paydesk_gateways::gateway::{CreatedInvoice, StatusReport};
use paydesk_ledger::{Ledger, NewInvoice};
use paydesk_money::{Currency, InvoiceStatus};
use paydesk_till::api::{InvoiceView, Till};
use paydesk_till::credentials::CredentialStore;
use paydesk_till::error::Error;
use paydesk_till::report::{CurrencyTotals, ShiftReport};

pub struct Fixture {
    pub dir: tempfile::TempDir,
    pub till: Till,
    /// The same ledger file, opened a second time (as the CLI does).
    pub ledger: Ledger,
}

pub fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let till = Till::open(dir.path(), CredentialStore::in_memory(), None).unwrap();
    let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    Fixture { dir, till, ledger }
}

impl Fixture {
    /// A gateway sale that reached `status` (the gateway's side is not what is tested here).
    pub fn gateway_sale(&self, gateway: &str, amount: &str, currency: &str, status: InvoiceStatus) -> InvoiceView {
        let currency: Currency = currency.parse().unwrap();
        let amount = paydesk_money::parse_amount(amount, currency, Default::default()).unwrap();
        let order_id = paydesk_money::order::new_order_id(None);
        let row = self
            .ledger
            .insert_creating(&NewInvoice {
                order_id: &order_id,
                gateway,
                amount,
                tip_minor: 0,
                description: None,
                details: Default::default(),
            })
            .unwrap();
        if status != InvoiceStatus::Creating {
            let created = CreatedInvoice {
                gateway_invoice_id: Some(format!("G-{}", row.id)),
                pay_link: "https://pay.example/x".into(),
                expires_at: None,
            };
            self.ledger.mark_created(row.id, &created).unwrap();
            self.ledger.record_status(row.id, &StatusReport { status, gateway_status: status.to_string() }).unwrap();
        }
        self.till.invoice(&order_id).unwrap()
    }

    pub fn cash(&self, amount: &str, currency: &str) -> InvoiceView {
        self.till.record_cash_sale(amount, currency, None).unwrap()
    }

    pub fn refund(&self, amount: &str, currency: &str, original: Option<&str>) -> Result<InvoiceView, Error> {
        self.till.record_refund(amount, currency, "returned goods", original.map(String::from))
    }

    pub fn rows(&self) -> Vec<InvoiceView> {
        self.till.history("", 500, 0).unwrap()
    }

    /// A report over the hour either side of now: every row these tests write.
    pub fn report(&self) -> ShiftReport {
        let now = paydesk_money::clock::unix_now();
        self.till.shift_report(now - 3600, now + 3600).unwrap()
    }
}

#[track_caller]
pub fn code<T: std::fmt::Debug>(result: Result<T, Error>) -> String {
    result.expect_err("should be refused").code().to_string()
}

pub fn totals<'a>(report: &'a ShiftReport, currency: &str) -> &'a CurrencyTotals {
    report.currencies.iter().find(|c| c.currency == currency).unwrap_or_else(|| panic!("no {currency} in {report:#?}"))
}
