//! Load: 1,000 consecutive charges through the app's `Till` on the Demo gateway, against the
//! in-process gateway simulator on 127.0.0.1 and a real ledger file in a temp dir. Checks that
//! every sale is recorded (nothing lost) and that file descriptors do not grow with the number of
//! sales (nothing leaked); prints memory, descriptors, throughput and latency.
//!
//! `bash bench/load_charges` (builds in release and runs this).

mod bench_common;

use bench_common::{load_average, mib, ms, open_fds, percentile, print_table, proc_status_kib, Failures};
use paydesk_money::InvoiceStatus;
use paydesk_till::api::{ChargeRequest, Till};
use paydesk_till::credentials::CredentialStore;
use std::collections::{BTreeMap, BTreeSet};
use std::time::{Duration, Instant};

const CHARGES: usize = 1_000;
const WARMED_UP: usize = 100;
/// Descriptors may move by a few (pooled connections, the WAL's files), never with each sale.
const MAX_FD_GROWTH: usize = 8;
/// Keeps the run bounded even when the code under test hangs.
const PER_CHARGE_LIMIT: Duration = Duration::from_secs(30);
const RUN_LIMIT: Duration = Duration::from_secs(300);
const GIVE_UP_AFTER_FAILURES: usize = 10;

#[derive(Clone, Copy)]
struct Snapshot {
    rss_kib: u64,
    fds: usize,
}

fn snapshot() -> Snapshot {
    Snapshot { rss_kib: proc_status_kib("VmRSS"), fds: open_fds() }
}

#[tokio::main]
async fn main() {
    let dir = tempfile::tempdir().expect("a temp dir");
    let sim = paydesk_gatewaysim::start(0).await.expect("the simulator starts on 127.0.0.1");
    let till =
        Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo"))).expect("the till opens");
    let load = load_average();
    let before = snapshot();
    let mut failures = Failures::default();
    // Order id -> minor units charged, as the till answered each sale.
    let mut sold: BTreeMap<String, u64> = BTreeMap::new();
    let mut latencies = Vec::with_capacity(CHARGES);
    let mut warmed = None;
    let started = Instant::now();
    for n in 1..=CHARGES {
        // Varied amounts, so a mix-up between sales would show in the checks below.
        let minor = 100 + (n as u64 * 7919) % 50_000;
        let mut request = ChargeRequest::typed("demo", &format!("{}.{:02}", minor / 100, minor % 100), "USD");
        request.sale.description = Some(format!("load {n}"));
        let t = Instant::now();
        match tokio::time::timeout(PER_CHARGE_LIMIT, till.charge(request)).await {
            Ok(Ok(view)) => {
                failures.check(view.status == InvoiceStatus::Pending && view.pay_link.is_some(), || {
                    format!("charge {n} answered {:?} with pay link {:?}", view.status, view.pay_link)
                });
                sold.insert(view.order_id, minor);
            }
            Ok(Err(e)) => failures.push(format!("charge {n} failed: {e}")),
            Err(_) => failures.push(format!("charge {n} took longer than {PER_CHARGE_LIMIT:?}")),
        }
        latencies.push(t.elapsed());
        if n == WARMED_UP {
            warmed = Some(snapshot());
        }
        if failures.len() >= GIVE_UP_AFTER_FAILURES || started.elapsed() > RUN_LIMIT {
            failures.push(format!("stopped after {n} charges ({:?})", started.elapsed()));
            break;
        }
    }
    let elapsed = started.elapsed();
    let done = snapshot();
    let ran = latencies.len();
    // A run stopped before 100 has no figures there; its columns say how far it got.
    let warmed = warmed.unwrap_or(done);

    let recorded = check_recorded(&till, &sim, &dir.path().join("ledger.sqlite3"), &sold, &mut failures);

    failures.check(done.fds <= warmed.fds + MAX_FD_GROWTH, || {
        format!("open fds grew from {} to {} between {} and {ran} charges", warmed.fds, done.fds, WARMED_UP.min(ran))
    });
    let rate = ran as f64 / elapsed.as_secs_f64();
    let latency = |p| percentile(&latencies, p).map(ms).unwrap_or_default();
    println!("{ran} charges on demo via Till::charge, simulator on {}; {load}\n", sim.addr);
    print_table(
        &["figure", "start", &format!("after {}", WARMED_UP.min(ran)), &format!("after {ran}")],
        &[
            vec!["resident memory (VmRSS)".into(), mib(before.rss_kib), mib(warmed.rss_kib), mib(done.rss_kib)],
            vec!["open fds".into(), before.fds.to_string(), warmed.fds.to_string(), done.fds.to_string()],
        ],
    );
    println!();
    print_table(
        &["figure", "value"],
        &[
            vec!["charges/s".into(), format!("{rate:.0}")],
            vec!["latency p50".into(), latency(50)],
            vec!["latency p99".into(), latency(99)],
            vec!["latency max".into(), latency(100)],
            vec!["total".into(), ms(elapsed)],
            vec!["ledger rows (distinct order ids)".into(), recorded.to_string()],
        ],
    );
    failures.exit_if_any();
}

/// Nothing lost: every sale is in the ledger (as the app reads it, and on disk through a fresh
/// connection) pending with a pay link, under its own order id, and known to the gateway.
fn check_recorded(
    till: &Till,
    sim: &paydesk_gatewaysim::RunningSim,
    ledger_path: &std::path::Path,
    sold: &BTreeMap<String, u64>,
    failures: &mut Failures,
) -> usize {
    failures.check(sold.len() == CHARGES, || format!("{} distinct order ids answered, not {CHARGES}", sold.len()));
    let rows = till.paydesk().ledger().list(u32::MAX, 0).expect("the ledger lists");
    failures.check(rows.len() == CHARGES, || format!("the ledger holds {} rows, not {CHARGES}", rows.len()));
    let distinct: BTreeSet<&str> = rows.iter().map(|r| r.order_id.as_str()).collect();
    failures.check(distinct.len() == rows.len(), || format!("{} rows but {} order ids", rows.len(), distinct.len()));
    for row in &rows {
        failures.check(sold.get(&row.order_id) == Some(&row.amount.minor()), || {
            format!(
                "{} is in the ledger with {} but was sold as {:?}",
                row.order_id,
                row.amount.minor(),
                sold.get(&row.order_id)
            )
        });
        let pending = row.status == InvoiceStatus::Pending && row.pay_link.is_some();
        failures.check(pending, || format!("{} is {:?} with pay link {:?}", row.order_id, row.status, row.pay_link));
        let at_gateway = sim.sim.find_by_order("demo", &row.order_id).map(|i| i.amount_minor);
        failures.check(at_gateway == Some(row.amount.minor()), || {
            format!("{}: the gateway holds {at_gateway:?}, the ledger {}", row.order_id, row.amount.minor())
        });
    }
    let on_disk: (i64, i64, i64) = rusqlite::Connection::open(ledger_path)
        .and_then(|c| {
            c.query_row(
                "SELECT COUNT(*), COUNT(DISTINCT order_id), \
                        COUNT(*) FILTER (WHERE status = 'pending' AND pay_link IS NOT NULL) FROM invoices",
                [],
                |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
            )
        })
        .expect("the ledger file reads through a fresh connection");
    let want = CHARGES as i64;
    failures.check(on_disk == (want, want, want), || {
        format!("on disk: (rows, distinct order ids, pending with link) = {on_disk:?}, want all {want}")
    });
    distinct.len()
}
