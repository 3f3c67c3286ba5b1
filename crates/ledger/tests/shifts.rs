//! Cashiers and shifts in the ledger file: what a drawer should hold, one open shift at a time,
//! and closed shifts that no writer can change.

use paydesk_ledger::{InvoiceKind, Ledger, LedgerError, NewEntry, SaleDetails};
use paydesk_money::{Amount, Currency};

fn usd(minor: u64) -> Amount {
    Amount::from_minor(minor, Currency::USD).unwrap()
}

fn entry<'a>(order_id: &'a str, kind: InvoiceKind, minor: u64, shift: i64, cashier: i64) -> NewEntry<'a> {
    NewEntry {
        order_id,
        kind,
        gateway: if kind == InvoiceKind::Cash { "cash" } else { "manual" },
        amount: usd(minor),
        tip_minor: 0,
        description: Some("test"),
        refund_of: None,
        details: SaleDetails { cashier_id: Some(cashier), shift_id: Some(shift), ..SaleDetails::default() },
    }
}

#[test]
fn the_drawer_holds_the_float_plus_cash_less_refunds_and_a_closed_shift_is_final() {
    let dir = tempfile::tempdir().unwrap();
    let ledger = Ledger::open(&dir.path().join("l.sqlite3")).unwrap();
    let ana = ledger.add_cashier("Ana", "$argon2id$hash").unwrap();
    assert!(matches!(ledger.add_cashier("Ana", "x"), Err(LedgerError::Line(_))), "names are unique");
    let shift = ledger.open_shift(ana.id, Currency::USD, 10_000).unwrap();
    assert!(ledger.open_shift(ana.id, Currency::USD, 0).is_err(), "one open shift at a time");
    ledger.insert_entry(&entry("C-1", InvoiceKind::Cash, 1_250, shift.id, ana.id)).unwrap();
    ledger.insert_entry(&entry("R-1", InvoiceKind::Refund, 250, shift.id, ana.id)).unwrap();
    // Cash in another currency is not in this drawer's count.
    let mut yen = entry("C-JPY", InvoiceKind::Cash, 500, shift.id, ana.id);
    yen.amount = Amount::from_minor(500, "JPY".parse().unwrap()).unwrap();
    ledger.insert_entry(&yen).unwrap();
    assert_eq!(ledger.open_shift_now().unwrap().unwrap().expected_minor, 11_000);

    let closed = ledger.close_shift(shift.id, 10_900).unwrap();
    assert_eq!((closed.expected_minor, closed.over_short_minor()), (11_000, Some(-100)));
    assert!(ledger.open_shift_now().unwrap().is_none());
    // Nothing more goes into it, and closing it again is refused.
    let late = ledger.insert_entry(&entry("C-2", InvoiceKind::Cash, 100, shift.id, ana.id));
    assert!(matches!(late, Err(LedgerError::ShiftClosed)), "{late:?}");
    assert!(matches!(ledger.close_shift(shift.id, 11_000), Err(LedgerError::ShiftClosed)));
    assert_eq!(ledger.shift(shift.id).unwrap(), closed, "the closed shift reads as it was closed");
    // Not even by hand.
    let file = rusqlite::Connection::open(dir.path().join("l.sqlite3")).unwrap();
    for sql in ["UPDATE shifts SET counted_minor = 11000", "DELETE FROM shifts", "UPDATE invoices SET shift_id = NULL"]
    {
        let refused = file.execute(sql, []).unwrap_err();
        assert!(refused.to_string().contains("shift_closed"), "{sql}: {refused}");
    }
    // A new shift starts from its own float.
    let next = ledger.open_shift(ana.id, Currency::USD, 5_000).unwrap();
    assert_eq!(next.expected_minor, 5_000);
}
