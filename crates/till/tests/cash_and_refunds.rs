//! Cash sales and manual refunds through `Till` as the Tauri commands call it, on a real ledger file.

mod common;

use common::{code, fixture, totals};
use paydesk_ledger::InvoiceKind;
use paydesk_money::InvoiceStatus;
use paydesk_till::api::Till;
use paydesk_till::credentials::CredentialStore;

#[test]
fn a_cash_sale_is_recorded_paid_at_once_and_shows_as_cash() {
    let f = fixture();
    let sold = f.till.record_cash_sale("12.5", "usd", Some("  Table 4, two \"coffees\"  ".into())).unwrap();
    assert_eq!(
        (sold.kind, sold.status, sold.is_final, sold.amount.as_str(), sold.currency.as_str()),
        (InvoiceKind::Cash, InvoiceStatus::Paid, true, "12.50", "USD")
    );
    assert_eq!((sold.gateway.as_str(), sold.gateway_name.as_str()), ("cash", "Cash"));
    assert_eq!(sold.description.as_deref(), Some("Table 4, two \"coffees\""));
    assert!(sold.order_id.starts_with("PD-CASH-"), "{}", sold.order_id);
    assert_eq!((sold.pay_link.as_deref(), sold.refund_of.as_deref()), (None, None));
    assert_eq!(f.rows(), std::slice::from_ref(&sold));
    assert_eq!(f.till.invoice(&sold.order_id).unwrap(), sold);

    // The till's label prefixes it like any sale; no description is fine.
    let settings = paydesk_till::api::SettingsInput {
        terminal_label: Some("till2".into()),
        ..paydesk_till::api::SettingsInput::defaults()
    };
    f.till.save_settings(settings).unwrap();
    let labelled = f.till.record_cash_sale("1500", "JPY", Some("   ".into())).unwrap();
    assert!(labelled.order_id.starts_with("TILL2-CASH-"), "{}", labelled.order_id);
    assert_eq!((labelled.amount.as_str(), labelled.description.as_deref()), ("1500", None));

    // The invoice export says which rows are cash.
    let path = f.till.export_csv(&f.dir.path().join("out")).unwrap();
    let csv = std::fs::read_to_string(path).unwrap();
    let header = csv.lines().next().unwrap();
    assert!(csv.starts_with("id,") && header.contains(",kind,refund_of,cashier,"), "{csv}");
    assert!(header.contains(",amount,tip,currency,"), "{csv}");
    // kind is the 14th column; a cash sale refunds nothing and was sold by no cashier here.
    let kinds: Vec<&str> = csv.lines().skip(1).map(|l| l.rsplit(',').nth(6).unwrap()).collect();
    assert_eq!(kinds, ["cash", "cash"], "{csv}");
}

#[test]
fn bad_cash_sales_are_refused_and_write_nothing() {
    let f = fixture();
    for (amount, currency, description, want) in [
        ("0", "USD", None, "bad_amount"),
        ("12.345", "USD", None, "bad_amount"),
        ("1.5", "JPY", None, "bad_amount"),
        ("-3", "USD", None, "bad_amount"),
        ("2000000", "USD", None, "bad_amount"),
        ("5", "XXX", None, "bad_amount"),
        ("5", "USD", Some("bell\u{7}"), "bad_input"),
        ("5", "USD", Some(&*"x".repeat(201)), "bad_input"),
        (&*"9".repeat(40), "USD", None, "bad_input"),
    ] {
        let got = code(f.till.record_cash_sale(amount, currency, description.map(String::from)));
        assert_eq!(got, want, "{amount} {currency} {description:?}");
    }
    assert!(f.rows().is_empty());
}

#[test]
fn a_refund_names_its_sale_and_may_not_exceed_it_in_all() {
    let f = fixture();
    let sale = f.gateway_sale("dex3", "10.00", "USD", InvoiceStatus::Paid);
    let first = f.refund("6", "USD", Some(&sale.order_id)).unwrap();
    assert_eq!(
        (first.kind, first.status, first.is_final, first.amount.as_str()),
        (InvoiceKind::Refund, InvoiceStatus::Paid, true, "6.00")
    );
    assert_eq!((first.gateway.as_str(), first.gateway_name.as_str()), ("manual", "Manual"));
    assert_eq!(first.refund_of.as_deref(), Some(sale.order_id.as_str()));
    assert_eq!(first.description.as_deref(), Some("returned goods"));
    assert!(first.order_id.starts_with("PD-REF-"), "{}", first.order_id);

    // 4.00 is left: a cent more is refused, with what is left, and nothing is written.
    let before = f.rows();
    let over = f.refund("4.01", "USD", Some(&sale.order_id)).unwrap_err();
    assert_eq!(over.code(), "bad_input");
    assert!(over.to_string().contains("4.00 USD"), "{over}");
    assert_eq!(f.rows(), before);
    // Exactly what is left is fine (by local id too); after that, nothing more.
    f.refund("4.00", "USD", Some(&sale.id.to_string())).unwrap();
    let full = f.refund("0.01", "USD", Some(&sale.order_id)).unwrap_err();
    assert!(full.to_string().contains("refunded in full"), "{full}");
    assert_eq!(f.rows().len(), before.len() + 1);

    // A cash sale can be refunded too; a refund without an original stands alone.
    let cash = f.cash("3.00", "EUR");
    f.refund("3", "EUR", Some(&cash.order_id)).unwrap();
    let alone = f.refund("7.77", "GBP", None).unwrap();
    assert_eq!(alone.refund_of, None);
}

#[test]
fn refunds_that_do_not_add_up_are_refused_and_write_nothing() {
    let f = fixture();
    let paid = f.gateway_sale("dex3", "10.00", "USD", InvoiceStatus::Paid);
    let pending = f.gateway_sale("dex3", "10.00", "USD", InvoiceStatus::Pending);
    let failed = f.gateway_sale("dex3", "10.00", "USD", InvoiceStatus::Failed);
    let refund = f.refund("1", "USD", Some(&paid.order_id)).unwrap();
    let before = f.rows();

    let mismatch = f.refund("1", "EUR", Some(&paid.order_id)).unwrap_err();
    assert_eq!(mismatch.code(), "bad_input");
    assert!(mismatch.to_string().contains("USD"), "{mismatch}");
    assert_eq!(code(f.refund("1", "USD", Some(&pending.order_id))), "bad_input");
    assert_eq!(code(f.refund("1", "USD", Some(&failed.order_id))), "bad_input");
    assert_eq!(code(f.refund("1", "USD", Some(&refund.order_id))), "bad_input", "a refund of a refund");
    assert_eq!(code(f.refund("1", "USD", Some("PD-NO-SUCH"))), "not_found");
    assert_eq!(code(f.refund("1", "USD", Some(&"x".repeat(65)))), "bad_input");
    assert_eq!(code(f.refund("0", "USD", Some(&paid.order_id))), "bad_amount");
    for reason in ["", "   ", "tab\there"] {
        let refused = f.till.record_refund("1", "USD", reason, Some(paid.order_id.clone()));
        assert_eq!(code(refused), "bad_input", "{reason:?}");
    }
    assert_eq!(f.rows(), before);

    // A part-paid sale took an amount only the gateway knows, so no limit could hold: a refund
    // cannot name it (and is recorded on its own instead).
    for status in [InvoiceStatus::Underpaid, InvoiceStatus::ExpiredPartial] {
        let sale = f.gateway_sale("dex3", "2.00", "USD", status);
        let rows = f.rows();
        let refused = f.refund("0.50", "USD", Some(&sale.order_id)).unwrap_err();
        assert!(refused.to_string().contains("without naming the sale"), "{refused}");
        assert_eq!(f.rows(), rows, "the refused refund wrote nothing");
        f.refund("0.50", "USD", None).unwrap();
        assert_eq!(f.rows().len(), rows.len() + 1, "recorded on its own instead");
    }
    let late = f.gateway_sale("dex3", "2.00", "USD", InvoiceStatus::PaidLate);
    f.refund("2.00", "USD", Some(&late.order_id)).unwrap();
}

#[test]
fn a_refund_or_a_report_export_needs_the_manager_while_a_pin_is_set_and_locked() {
    let f = fixture();
    let sale = f.cash("5.00", "USD");
    f.till.set_manager_pin(None, Some("90817263".into())).unwrap();
    f.till.lock();
    let before = f.rows();
    assert_eq!(code(f.refund("1", "USD", Some(&sale.order_id))), "manager_pin_required");
    assert_eq!(code(f.refund("1", "USD", None)), "manager_pin_required");
    let now = paydesk_money::clock::unix_now();
    let out = f.dir.path().join("reports");
    assert_eq!(code(f.till.export_report_csv(now - 60, now + 60, &out)), "manager_pin_required");
    assert!(!out.exists());
    assert_eq!(f.rows(), before);
    // The cashier still records cash sales and reads the report.
    f.cash("1.00", "USD");
    assert_eq!(totals(&f.report(), "USD").cash, "6.00");

    f.till.unlock("90817263".into()).unwrap();
    f.refund("1", "USD", Some(&sale.order_id)).unwrap();
    assert!(f.till.export_report_csv(now - 60, now + 60, &out).is_ok());
}

#[test]
fn entries_keep_their_kind_and_original_after_reopening() {
    let f = fixture();
    let cash = f.cash("2.00", "USD");
    let refund = f.refund("0.50", "USD", Some(&cash.order_id)).unwrap();
    let sale = f.gateway_sale("dex3", "1.00", "USD", InvoiceStatus::Paid);
    drop(f.till);
    let again = Till::open(f.dir.path(), CredentialStore::in_memory(), None).unwrap();
    assert_eq!(again.invoice(&cash.order_id).unwrap().kind, InvoiceKind::Cash);
    assert_eq!(again.invoice(&sale.order_id).unwrap().kind, InvoiceKind::Sale);
    assert_eq!(again.invoice(&refund.order_id).unwrap(), refund);
}
