//! The tip as a ledger figure of its own: written with a sale or a cash entry, read back, summed
//! in a period's totals and exported in its own CSV column.

use paydesk_ledger::export::write_invoices_csv;
use paydesk_ledger::{GroupTotal, InvoiceKind, Ledger, LedgerError, NewEntry, NewInvoice};
use paydesk_money::clock::unix_now;
use paydesk_money::{Amount, CreatedInvoice, Currency, InvoiceStatus, StatusReport};

fn money(minor: u64, code: &str) -> Amount {
    Amount::from_minor(minor, code.parse::<Currency>().unwrap()).unwrap()
}

fn cash<'a>(order_id: &'a str, amount: Amount, tip_minor: u64) -> NewEntry<'a> {
    NewEntry {
        order_id,
        kind: InvoiceKind::Cash,
        gateway: "cash",
        amount,
        tip_minor,
        description: None,
        refund_of: None,
        details: Default::default(),
    }
}

#[test]
fn a_tip_is_stored_read_back_summed_and_exported() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    let ledger = Ledger::open(&path).unwrap();

    // 12.34 USD charged, 2.00 of it a tip; the gateway then says paid.
    let sale = NewInvoice {
        order_id: "PD-TIP",
        gateway: "dex3",
        amount: money(1234, "USD"),
        tip_minor: 200,
        description: Some("Lunch"),
        details: Default::default(),
    };
    let row = ledger.insert_creating(&sale).unwrap();
    assert_eq!((row.amount.minor(), row.tip_minor), (1234, 200));
    let created = CreatedInvoice {
        gateway_invoice_id: Some("G-1".into()),
        pay_link: "https://pay.example/G-1".into(),
        expires_at: None,
    };
    ledger.mark_created(row.id, &created).unwrap();
    ledger.record_status(row.id, &StatusReport { status: InvoiceStatus::Paid, gateway_status: "paid".into() }).unwrap();
    // Cash sales carry tips too, up to the whole amount; JPY has no minor digits.
    ledger.insert_entry(&cash("PD-CASH-1", money(1000, "USD"), 150)).unwrap();
    ledger.insert_entry(&cash("PD-CASH-2", money(50, "USD"), 50)).unwrap();
    ledger.insert_entry(&cash("PD-CASH-3", money(1500, "JPY"), 300)).unwrap();
    ledger.insert_entry(&cash("PD-CASH-4", money(700, "USD"), 0)).unwrap();

    // Read back after reopening the file.
    drop(ledger);
    let ledger = Ledger::open(&path).unwrap();
    let paid = ledger.find("PD-TIP").unwrap();
    assert_eq!((paid.status, paid.amount.minor(), paid.tip_minor), (InvoiceStatus::Paid, 1234, 200));
    assert_eq!(paid.description.as_deref(), Some("Lunch"), "the description is left as given");

    let now = unix_now();
    let mut totals = ledger.totals(now - 3600, now + 3600).unwrap();
    totals.sort_by(|a, b| (a.kind, a.currency.code()).cmp(&(b.kind, b.currency.code())));
    let group = |kind, gateway: &str, code: &str, count, minor, tips_minor| GroupTotal {
        kind,
        status: InvoiceStatus::Paid,
        gateway: gateway.into(),
        currency: code.parse().unwrap(),
        count,
        minor,
        tips_minor,
        cashier: None,
    };
    assert_eq!(
        totals,
        [
            group(InvoiceKind::Sale, "dex3", "USD", 1, 1234, 200),
            group(InvoiceKind::Cash, "cash", "JPY", 1, 1500, 300),
            group(InvoiceKind::Cash, "cash", "USD", 3, 1750, 200),
        ]
    );

    let csv = ledger.with_all(|rows| write_invoices_csv(Vec::new(), rows)).unwrap().unwrap();
    let csv = String::from_utf8(csv).unwrap();
    let lines: Vec<Vec<&str>> = csv.lines().map(|l| l.split(',').collect()).collect();
    let column = |name: &str| lines[0].iter().position(|c| *c == name).unwrap();
    assert_eq!(
        (column("amount") + 1, column("tip") + 1),
        (column("tip"), column("currency")),
        "{}",
        lines[0].join(",")
    );
    let by_order: Vec<(&str, &str, &str, &str)> = lines[1..]
        .iter()
        .map(|l| (l[column("order_id")], l[column("amount")], l[column("tip")], l[column("currency")]))
        .collect();
    assert_eq!(
        by_order,
        [
            ("PD-CASH-4", "7.00", "0.00", "USD"),
            ("PD-CASH-3", "1500", "300", "JPY"),
            ("PD-CASH-2", "0.50", "0.50", "USD"),
            ("PD-CASH-1", "10.00", "1.50", "USD"),
            ("PD-TIP", "12.34", "2.00", "USD"),
        ]
    );
}

#[test]
fn a_tip_over_the_amount_is_refused_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.sqlite3");
    let ledger = Ledger::open(&path).unwrap();
    let sale = NewInvoice {
        order_id: "PD-X",
        gateway: "dex3",
        amount: money(1000, "USD"),
        tip_minor: 1001,
        description: None,
        details: Default::default(),
    };
    let refused = ledger.insert_creating(&sale).unwrap_err();
    assert!(matches!(refused, LedgerError::TipOverAmount { tip_minor: 1001, .. }), "{refused:?}");
    assert_eq!(refused.to_string(), "a tip of 10.01 USD is more than the 10.00 USD charged, which includes it");
    assert!(matches!(
        ledger.insert_entry(&cash("PD-Y", money(5, "JPY"), 6)),
        Err(LedgerError::TipOverAmount { tip_minor: 6, .. })
    ));
    assert_eq!(ledger.list(10, 0).unwrap(), []);

    // The file holds the rule too, against a hand-made write.
    ledger.insert_entry(&cash("PD-Z", money(100, "USD"), 10)).unwrap();
    let conn = rusqlite::Connection::open(&path).unwrap();
    let over = conn.execute("UPDATE invoices SET tip_minor = 101 WHERE order_id = 'PD-Z'", []);
    assert!(over.unwrap_err().to_string().contains("CHECK constraint failed"));
    assert_eq!(ledger.find("PD-Z").unwrap().tip_minor, 10);
}
