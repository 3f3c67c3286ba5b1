//! The end-of-shift report and its CSV, through `Till` as the Tauri commands call it, on a real
//! ledger file. Gateway sales in given statuses are written through a second `Ledger` on the same
//! file, as the CLI would, so no test needs the network; cash sales and refunds are tested in
//! `cash_and_refunds.rs`.

mod common;

use common::{code, fixture, totals};
use paydesk_ledger::export::{write_record, Field};
use paydesk_ledger::InvoiceKind;
use paydesk_money::Currency;
use paydesk_money::InvoiceStatus;
use paydesk_till::api::InvoiceView;
use paydesk_till::report::{self, CurrencyTotals, GatewayLine, ShiftReport, StatusLine, MAX_PERIOD_SECS};
use std::collections::BTreeMap;
use std::path::Path;

#[test]
fn hardening_11_demo_sales_are_practice_and_count_in_no_total() {
    let f = fixture();
    f.gateway_sale("dex3", "5.00", "USD", InvoiceStatus::Paid);
    f.gateway_sale("demo", "12.34", "USD", InvoiceStatus::Paid);
    f.gateway_sale("demo", "1.00", "USD", InvoiceStatus::Pending);
    f.gateway_sale("demo", "7.00", "EUR", InvoiceStatus::Paid);
    let report = f.report();
    let usd = report.currencies.iter().find(|c| c.currency == "USD").unwrap();
    assert_eq!((usd.received.as_str(), usd.received_count, usd.net.as_str()), ("5.00", 1, "5.00"));
    let eur = report.currencies.iter().find(|c| c.currency == "EUR").unwrap();
    assert_eq!((eur.received.as_str(), eur.net.as_str()), ("0.00", "0.00"), "a demo-only currency adds nothing");
    assert!(report.by_status.iter().all(|l| l.total == "5.00"), "demo sales are not among the real ones by status");
    let practice: Vec<_> =
        report.by_gateway.iter().filter(|l| l.practice).map(|l| (l.gateway.as_str(), l.total.as_str())).collect();
    assert_eq!(practice, [("demo", "7.00"), ("demo", "12.34")]);
    let mut csv = Vec::new();
    paydesk_till::report::write_report_csv(&mut csv, &report).unwrap();
    let csv = String::from_utf8(csv).unwrap();
    assert!(csv.lines().any(|l| l.contains(",practice,demo,") && l.ends_with(",12.34")), "{csv}");
}

#[test]
fn report_sums_are_exact_in_every_currency() {
    let f = fixture();
    f.cash("0.10", "USD");
    f.cash("0.20", "USD");
    f.gateway_sale("dex3", "0.10", "USD", InvoiceStatus::Paid);
    f.gateway_sale("dex3", "0.20", "USD", InvoiceStatus::Overpaid);
    f.gateway_sale("dex3", "0.40", "USD", InvoiceStatus::PaidLate);
    f.gateway_sale("dex3", "9.99", "USD", InvoiceStatus::Expired);
    f.refund("0.05", "USD", None).unwrap();
    f.cash("1500", "JPY");
    f.cash("250", "JPY");
    f.cash("1.001", "KWD");
    f.gateway_sale("dex3", "2.002", "KWD", InvoiceStatus::Paid);
    f.refund("0.003", "KWD", None).unwrap();
    f.refund("5.00", "EUR", None).unwrap();
    // The largest sale, many times over, is still exact.
    for _ in 0..3 {
        f.cash("1000000", "GBP");
    }
    f.cash("0.01", "GBP");

    let report = f.report();
    let line = |c: &CurrencyTotals| {
        let n = |count: u32, amount: &str| format!("{count}x{amount}");
        (
            c.currency.clone(),
            n(c.received_count, &c.received),
            n(c.cash_count, &c.cash),
            n(c.refund_count, &c.refunds),
            c.net.clone(),
        )
    };
    let got: Vec<_> = report.currencies.iter().map(line).collect();
    let want = [
        ("EUR", "0x0.00", "0x0.00", "1x5.00", "-5.00"),
        ("GBP", "0x0.00", "4x3000000.01", "0x0.00", "3000000.01"),
        ("JPY", "0x0", "2x1750", "0x0", "1750"),
        ("KWD", "1x2.002", "1x1.001", "1x0.003", "3.000"),
        ("USD", "3x0.70", "2x0.30", "1x0.05", "0.95"),
    ];
    let want: Vec<_> =
        want.iter().map(|w| (w.0.into(), w.1.into(), w.2.into(), w.3.into(), w.4.into())).collect::<Vec<_>>();
    assert_eq!(got, want);
}

#[test]
fn per_status_and_per_gateway_totals_match_the_ledger() {
    let f = fixture();
    use InvoiceStatus::*;
    for (gateway, amount, status) in [
        ("dex3", "12.34", Paid),
        ("dex3", "12.34", Paid),
        ("dex3", "5.00", Overpaid),
        ("dex3", "1.00", Pending),
        ("dex3", "2.00", Failed),
        ("dex3", "3.00", Failed),
        ("oxapay", "4.00", Underpaid),
        ("dex3", "7.00", Creating),
    ] {
        f.gateway_sale(gateway, amount, "USD", status);
    }
    f.gateway_sale("dex3", "100", "JPY", Paid);
    f.cash("8.00", "USD");
    f.refund("2.34", "USD", None).unwrap();
    let report = f.report();

    // The same figures, summed here from the rows History lists.
    let rows = f.rows();
    let cents = |v: &InvoiceView| -> i128 {
        let c: Currency = v.currency.parse().unwrap();
        i128::from(paydesk_money::parse_amount(&v.amount, c, Default::default()).unwrap().minor())
    };
    let mut by_status: BTreeMap<(usize, String), (u32, i128)> = BTreeMap::new();
    let mut by_gateway: BTreeMap<(InvoiceKind, String, String), (u32, i128)> = BTreeMap::new();
    for v in &rows {
        if v.kind == InvoiceKind::Sale {
            let order = InvoiceStatus::ALL.iter().position(|s| *s == v.status).unwrap();
            let e = by_status.entry((order, v.currency.clone())).or_default();
            *e = (e.0 + 1, e.1 + cents(v));
        }
        if v.kind != InvoiceKind::Sale || [Paid, Overpaid, PaidLate].contains(&v.status) {
            let e = by_gateway.entry((v.kind, v.gateway.clone(), v.currency.clone())).or_default();
            *e = (e.0 + 1, e.1 + cents(v));
        }
    }
    let text = |currency: &str, minor: i128| currency.parse::<paydesk_money::Currency>().unwrap().format_minor(minor);
    let want_status: Vec<StatusLine> = by_status
        .into_iter()
        .map(|((order, currency), (count, minor))| StatusLine {
            status: InvoiceStatus::ALL[order],
            total: text(&currency, minor),
            currency,
            count,
        })
        .collect();
    assert_eq!(report.by_status, want_status);
    let names =
        BTreeMap::from([("demo", "Demo (simulator)"), ("dex3", "Dex3"), ("cash", "Cash"), ("manual", "Manual")]);
    let want_gateway: Vec<GatewayLine> = by_gateway
        .into_iter()
        .map(|((kind, gateway, currency), (count, minor))| GatewayLine {
            kind,
            gateway_name: names[gateway.as_str()].into(),
            total: text(&currency, minor),
            gateway,
            currency,
            count,
            practice: false,
        })
        .collect();
    assert_eq!(report.by_gateway, want_gateway);
    // Spelled out once, so the test does not only agree with itself.
    let usd = totals(&report, "USD");
    assert_eq!((usd.received.as_str(), usd.cash.as_str(), usd.refunds.as_str()), ("29.68", "8.00", "2.34"));
    assert_eq!(usd.net, "35.34");
    let failed = report.by_status.iter().find(|s| s.status == Failed).unwrap();
    assert_eq!((failed.count, failed.total.as_str()), (2, "5.00"));
}

#[test]
fn the_period_includes_its_start_and_excludes_its_end() {
    let f = fixture();
    let sale = f.cash("1.00", "USD");
    let at = sale.created_at;
    let count = |from: i64, to: i64| -> u32 {
        f.till.shift_report(from, to).unwrap().currencies.iter().map(|c| c.cash_count).sum()
    };
    assert_eq!(count(at, at + 1), 1, "from is inclusive");
    assert_eq!(count(at - 10, at), 0, "to is exclusive");
    assert_eq!(count(at + 1, at + 10), 0);
    assert_eq!(count(at - MAX_PERIOD_SECS + 1, at + 1), 1, "a period of exactly a year");
    let empty = f.till.shift_report(at + 1, at + 2).unwrap();
    assert_eq!((empty.from, empty.to), (at + 1, at + 2));
    assert!(empty.currencies.is_empty() && empty.by_status.is_empty() && empty.by_gateway.is_empty());

    for (from, to) in [(at, at), (at, at - 1), (at - MAX_PERIOD_SECS - 1, at), (-5, at), (at, i64::MAX)] {
        assert_eq!(code(f.till.shift_report(from, to)), "bad_input", "{from}..{to}");
        let dir = f.dir.path().join("never");
        assert_eq!(code(f.till.export_report_csv(from, to, &dir)), "bad_input");
        assert!(!dir.exists());
    }
}

/// The records of an RFC 4180 text (quoted fields may hold commas, quotes and line breaks).
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut records, mut record, mut field) = (vec![], vec![], String::new());
    let mut chars = text.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                field.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => field.push(c),
            (false, '"') => quoted = true,
            (false, ',') => record.push(std::mem::take(&mut field)),
            (false, '\r') => {
                assert_eq!(chars.next(), Some('\n'), "a bare CR outside quotes");
                record.push(std::mem::take(&mut field));
                records.push(std::mem::take(&mut record));
            }
            (false, '\n') => panic!("a bare LF outside quotes: lines must end in CRLF"),
            (false, c) => field.push(c),
        }
    }
    assert!(!quoted && field.is_empty() && record.is_empty(), "the text must end with a complete record");
    records
}

#[test]
fn the_report_csv_opens_cleanly_in_a_spreadsheet() {
    let f = fixture();
    f.gateway_sale("dex3", "12.34", "USD", InvoiceStatus::Paid);
    f.cash("0.10", "USD");
    f.refund("20.00", "USD", None).unwrap();
    f.cash("1500", "JPY");
    let now = paydesk_money::clock::unix_now();
    let (from, to) = (now - 3600, now + 3600);
    let out = f.dir.path().join("exports");
    let path = f.till.export_report_csv(from, to, &out).unwrap();
    assert!(path.ends_with(&report::report_file_name(from, to)), "{path}");
    let bytes = std::fs::read(&path).unwrap();
    assert!(bytes.starts_with(b"\xEF\xBB\xBF"), "a UTF-8 byte order mark first");
    let records = parse_csv(std::str::from_utf8(&bytes[3..]).unwrap());
    assert_eq!(
        records[0],
        ["period_from_utc", "period_to_utc", "section", "kind", "key", "name", "currency", "count", "amount"]
    );
    let iso = |t: i64| paydesk_money::clock::format_utc(t);
    assert!(records[1..].iter().all(|r| r.len() == 9 && r[0] == iso(from) && r[1] == iso(to)), "{records:?}");
    let cells: Vec<Vec<&str>> = records[1..].iter().map(|r| r[2..].iter().map(String::as_str).collect()).collect();
    let want: Vec<Vec<&str>> = [
        ["total", "sale", "received", "", "JPY", "0", "0"],
        ["total", "cash", "cash", "", "JPY", "1", "1500"],
        ["total", "refund", "refunds", "", "JPY", "0", "0"],
        ["total", "", "net", "", "JPY", "", "1500"],
        ["total", "", "tips", "", "JPY", "", "0"],
        ["total", "sale", "received", "", "USD", "1", "12.34"],
        ["total", "cash", "cash", "", "USD", "1", "0.10"],
        ["total", "refund", "refunds", "", "USD", "1", "20.00"],
        // A negative number stays a number (not defused into text).
        ["total", "", "net", "", "USD", "", "-7.56"],
        ["total", "", "tips", "", "USD", "", "0.00"],
        ["status", "sale", "paid", "", "USD", "1", "12.34"],
        ["gateway", "sale", "dex3", "Dex3", "USD", "1", "12.34"],
        ["gateway", "cash", "cash", "Cash", "JPY", "1", "1500"],
        ["gateway", "cash", "cash", "Cash", "USD", "1", "0.10"],
        ["gateway", "refund", "manual", "Manual", "USD", "1", "20.00"],
    ]
    .iter()
    .map(|r| r.to_vec())
    .collect();
    assert_eq!(cells, want);
    // The same report on screen.
    assert_eq!(totals(&f.till.shift_report(from, to).unwrap(), "USD").net, "-7.56");

    // Exporting the period again replaces the file whole; nothing else is left in the folder.
    f.cash("1.00", "USD");
    assert_eq!(f.till.export_report_csv(from, to, &out).unwrap(), path);
    let again = std::fs::read_to_string(&path).unwrap();
    assert!(again.contains(",total,cash,cash,,USD,2,1.10\r\n"), "{again}");
    assert_eq!(names_in(&out), [report::report_file_name(from, to)]);
}

#[test]
fn text_cells_are_quoted_and_defused_and_numbers_are_left_alone() {
    let hostile = ShiftReport {
        from: 0,
        to: 86_400,
        currencies: vec![],
        by_status: vec![],
        by_gateway: vec![GatewayLine {
            kind: InvoiceKind::Sale,
            gateway: "odd".into(),
            gateway_name: "A, \"quoted\"\nname".into(),
            currency: "USD".into(),
            count: 1,
            total: "1.00".into(),
            practice: false,
        }],
        taxes: vec![],
        cashiers: vec![],
        shifts: vec![],
        drawer_openings: vec![],
    };
    let mut out = Vec::new();
    report::write_report_csv(&mut out, &hostile).unwrap();
    let text = String::from_utf8(out).unwrap();
    assert!(text.ends_with(
        "1970-01-01T00:00:00Z,1970-01-02T00:00:00Z,gateway,sale,odd,\"A, \"\"quoted\"\"\nname\",USD,1,1.00\r\n"
    ));
    let records = parse_csv(text.trim_start_matches('\u{feff}'));
    assert_eq!(records[1][5], "A, \"quoted\"\nname");

    let mut out = Vec::new();
    write_record(&mut out, [Field::Text("=SUM(A1)"), Field::Text("-2"), Field::Number("-2.50")]).unwrap();
    assert_eq!(String::from_utf8(out).unwrap(), "'=SUM(A1),'-2,-2.50\r\n");
}

fn names_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> =
        std::fs::read_dir(dir).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    names.sort();
    names
}

#[test]
fn a_failed_report_export_leaves_no_partial_file() {
    let f = fixture();
    f.cash("1.00", "USD");
    let now = paydesk_money::clock::unix_now();
    let (from, to) = (now - 60, now + 60);
    let out = f.dir.path().join("exports");
    // A folder where the file should go: the rename fails after the file was written in full.
    std::fs::create_dir_all(out.join(report::report_file_name(from, to))).unwrap();
    let err = f.till.export_report_csv(from, to, &out).unwrap_err();
    // Local trouble (a disk that cannot take the file), not bad input: exit code 1, not 2.
    assert_eq!((err.code(), err.exit_code()), (paydesk_till::error::ErrorCode::LocalFailure, 1));
    assert!(err.to_string().contains("could not write"), "{err}");
    assert_eq!(names_in(&out), [report::report_file_name(from, to)], "the temp file is gone");

    // A file where the folder should be: nothing is written anywhere.
    let blocked = f.dir.path().join("blocked");
    std::fs::write(&blocked, "not a folder").unwrap();
    assert_eq!(code(f.till.export_report_csv(from, to, &blocked.join("sub"))), "local_failure");
    assert_eq!(std::fs::read_to_string(&blocked).unwrap(), "not a folder");
}
