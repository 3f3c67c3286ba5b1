//! History at scale: a ledger of 100,000 invoices, then the History screen's first page, its
//! searches and the CSV export, timed through the app's `Till` as the window calls it.
//!
//! The ledger is built by the real migrations (`Ledger::open`) and filled in one transaction
//! straight through SQLite: a sale through `insert_creating` + `mark_created` costs two durable
//! commits, which would make building the ledger the benchmark. Only the reads are timed.
//!
//! `bash bench/history_100k` (builds in release and runs this).

mod bench_common;

use bench_common::ledger_fill::{fill, SEARCH_AMOUNT};
use bench_common::{load_average, mib, ms, open_fds, percentile, print_table, proc_status_kib, timed, Failures};
use paydesk_ledger::Ledger;
use paydesk_till::api::Till;
use paydesk_till::credentials::CredentialStore;
use std::path::Path;
use std::time::{Duration, Instant};

const ROWS: u64 = 100_000;
const PAGE: u32 = 50;
const REPS: usize = 21;
const EXPORT_REPS: usize = 5;
/// What the History screen should answer within, on the 2-core reference machine.
const BUDGET: Duration = Duration::from_millis(50);
fn file_size(path: &Path) -> u64 {
    std::fs::metadata(path).map(|m| m.len()).unwrap_or(0)
}

fn main() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let ledger_path = dir.path().join("ledger.sqlite3");
    drop(Ledger::open(&ledger_path).expect("the real migrations create the schema"));
    let fill_start = Instant::now();
    let filled = fill(&ledger_path, ROWS).expect("the ledger fills");
    let fill_time = fill_start.elapsed();
    let ledger_bytes = file_size(&ledger_path);

    let (open_times, till) =
        timed(1, || Till::open(dir.path(), CredentialStore::in_memory(), None).expect("the till opens the big ledger"));
    let load = load_average();
    let mut failures = Failures::default();
    let mut rows: Vec<Vec<String>> = vec![];
    let mut measure = |what: String,
                       search: &str,
                       offset: u32,
                       check: &dyn Fn(&[paydesk_till::api::InvoiceView]) -> Result<(), String>| {
        let (times, page) = timed(REPS, || till.history(search, PAGE, offset).expect("history answers"));
        if let Err(e) = check(&page) {
            failures.push(format!("{what}: {e}"));
        }
        let median = percentile(&times, 50).expect("timed");
        let verdict = if median <= BUDGET { "ok" } else { "OVER" };
        rows.push(vec![
            what,
            page.len().to_string(),
            ms(percentile(&times, 0).expect("timed")),
            ms(median),
            verdict.into(),
        ]);
    };
    let newest_first = |page: &[paydesk_till::api::InvoiceView]| -> Result<(), String> {
        let ordered = page.windows(2).all(|w| (w[0].created_at, w[0].id) > (w[1].created_at, w[1].id));
        if page.len() != PAGE as usize || !ordered {
            return Err(format!("{} rows, newest first: {ordered}", page.len()));
        }
        Ok(())
    };
    measure("first page: history(\"\", 50, 0)".into(), "", 0, &|p| {
        newest_first(p)?;
        (p[0].id == ROWS as i64).then_some(()).ok_or(format!("starts at id {}, not the newest", p[0].id))
    });
    measure("page 1,000: history(\"\", 50, 49950)".into(), "", 49_950, &newest_first);
    let order_id = filled.middle_order_id.clone();
    measure(format!("search order id: history(\"{order_id}\", 50, 0)"), &order_id, 0, &|p| match p {
        [one] if one.order_id == order_id => Ok(()),
        _ => Err(format!("{} rows", p.len())),
    });
    let fragment = &order_id[order_id.len() - 5..];
    measure(format!("search order id fragment: history(\"{fragment}\", 50, 0)"), fragment, 0, &|p| {
        let found = p.iter().any(|v| v.order_id == order_id) && p.iter().all(|v| v.order_id.contains(fragment));
        found
            .then_some(())
            .ok_or(format!("{} rows, {order_id} among them and all containing {fragment}: {found}", p.len()))
    });
    let want = filled.amount_matches.min(PAGE as usize);
    measure(format!("search amount: history(\"{SEARCH_AMOUNT}\", 50, 0)"), SEARCH_AMOUNT, 0, &|p| {
        let all = p.iter().all(|v| v.amount == SEARCH_AMOUNT && v.currency != "JPY");
        (all && p.len() == want)
            .then_some(())
            .ok_or(format!("{} rows (want {want}), all {SEARCH_AMOUNT}: {all}", p.len()))
    });

    let export_dir = dir.path().join("exports");
    let fds_before_export = open_fds();
    let (export_times, csv_path) = timed(EXPORT_REPS, || till.export_csv(&export_dir).expect("the export writes"));
    let csv = std::fs::read_to_string(&csv_path).expect("the export reads back");
    failures.check(csv.lines().count() as u64 == ROWS + 1, || format!("the CSV has {} lines", csv.lines().count()));
    failures.check(open_fds() == fds_before_export, || "the export left a file descriptor open".into());

    // The shift report: one GROUP BY over the period; every sale of the period is counted once.
    let now = paydesk_money::clock::unix_now() + 1;
    let mut report_rows: Vec<Vec<String>> = vec![];
    for (what, days) in [("a day", 1), ("a month", 30), ("the whole year (every sale)", 366)] {
        let from = now - days * 86_400;
        let (times, report) = timed(REPS, || till.shift_report(from, now).expect("the report answers"));
        let counted: u64 = report.by_status.iter().map(|l| u64::from(l.count)).sum();
        if days == 366 {
            failures.check(counted == ROWS, || format!("the year's report counts {counted} sales, not {ROWS}"));
        }
        report_rows.push(vec![
            format!("Till::shift_report over {what}"),
            counted.to_string(),
            ms(percentile(&times, 0).expect("timed")),
            ms(percentile(&times, 50).expect("timed")),
        ]);
    }
    let (report_csv_times, _) = timed(EXPORT_REPS, || {
        till.export_report_csv(now - 366 * 86_400, now, &export_dir).expect("the report CSV writes")
    });
    // Start-up asks for unseen late payments in the whole ledger: what that costs the window.
    let (bootstrap_times, _) = timed(REPS, || till.bootstrap());
    // The manager PIN's cost: what one unlock makes a cashier (and a guesser) wait.
    let (hash_times, hash) = timed(5, || paydesk_till::pin::hash_pin("90817263").expect("a valid PIN"));
    let (verify_times, _) = timed(5, || paydesk_till::pin::verify_pin("90817263", &hash).expect("a readable hash"));

    println!(
        "ledger of {ROWS} invoices ({} with their events); {REPS} runs per query; {load}\n",
        mib(ledger_bytes / 1024)
    );
    print_table(&["History query (Till::history)", "rows", "min", "median", "within 50 ms"], &rows);
    println!();
    print_table(&["shift report", "sales counted", "min", "median"], &report_rows);
    println!();
    print_table(
        &["figure", "value"],
        &[
            vec!["ledger file size".into(), format!("{} ({ledger_bytes} bytes)", mib(ledger_bytes / 1024))],
            vec!["fill (bulk, one transaction; not a real code path)".into(), ms(fill_time)],
            vec!["Till::open on the full ledger".into(), ms(open_times[0])],
            vec![
                format!("Till::bootstrap (unseen late payments included), median of {REPS}"),
                ms(percentile(&bootstrap_times, 50).expect("timed")),
            ],
            vec![
                format!("CSV export (Till::export_csv), min of {EXPORT_REPS}"),
                ms(percentile(&export_times, 0).expect("timed")),
            ],
            vec![format!("CSV export, median of {EXPORT_REPS}"), ms(percentile(&export_times, 50).expect("timed"))],
            vec!["CSV bytes written".into(), format!("{} ({} bytes)", mib(csv.len() as u64 / 1024), csv.len())],
            vec![
                format!("report CSV over the year (Till::export_report_csv), median of {EXPORT_REPS}"),
                ms(percentile(&report_csv_times, 50).expect("timed")),
            ],
            vec![
                "manager PIN hash (Argon2id, default cost), median of 5".into(),
                ms(percentile(&hash_times, 50).expect("timed")),
            ],
            vec![
                "manager PIN check (one unlock), median of 5".into(),
                ms(percentile(&verify_times, 50).expect("timed")),
            ],
            vec!["peak resident memory (VmHWM)".into(), mib(proc_status_kib("VmHWM"))],
        ],
    );
    failures.exit_if_any();
}
