//! Replication into a shop database (PostgreSQL, a real throwaway cluster) from 1, 4 and 16 tills
//! at once, each its own ledger file and its own `ShopLink` (the loop the app runs):
//!
//! - catch-up: each till holds sales made offline; the links start together and the time until
//!   every outbox is empty gives sales replicated per second;
//! - live lag: each till sells at a steady pace while linked; the lag of a change is the shop
//!   database's clock at arrival minus the till's at commit (`sale_changes`), p50 / p99 / max.
//!
//! Run by `bash bench/replication`; exits non-zero if a sale is missing or doubled.

use paydesk_ledger::{InvoiceKind, Ledger, NewEntry};
use paydesk_money::{Amount, Currency};
use paydesk_pgcluster::Cluster;
use paydesk_till::shop_link::ShopLink;
use std::sync::Arc;
use std::time::{Duration, Instant};

/// Sales each till holds before the catch-up, per run size.
fn offline_sales(tills: usize) -> usize {
    if tills >= 16 {
        250
    } else {
        1000
    }
}
/// The live phase: sales per second per till, for this long.
const PACE_PER_TILL: u64 = 10;
const LIVE_FOR: Duration = Duration::from_secs(10);

fn sell(ledger: &Ledger, till: usize, n: usize) {
    let order_id = format!("B{till}-{n}");
    let entry = NewEntry {
        order_id: &order_id,
        kind: InvoiceKind::Cash,
        gateway: "cash",
        amount: Amount::from_minor(100 + n as u64, Currency::USD).unwrap(),
        tip_minor: 0,
        description: None,
        refund_of: None,
        details: Default::default(),
    };
    ledger.insert_entry(&entry).unwrap();
}

async fn count(pool: &sqlx::PgPool, sql: &'static str) -> i64 {
    sqlx::query_scalar(sql).fetch_one(pool).await.unwrap()
}

fn percentile(sorted: &[i64], p: f64) -> i64 {
    sorted[((sorted.len() as f64 - 1.0) * p).round() as usize]
}

async fn run(cluster: &Cluster, pool: &sqlx::PgPool, tills: usize) {
    sqlx::query("TRUNCATE sale_taxes, sale_changes, callbacks, sales, tills").execute(pool).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let ledgers: Vec<Arc<Ledger>> =
        (0..tills).map(|t| Arc::new(Ledger::open(&dir.path().join(format!("t{t}.sqlite3"))).unwrap())).collect();

    // Offline sales, written in parallel (each commit waits for its fsync).
    let per_till = offline_sales(tills);
    std::thread::scope(|s| {
        for (t, ledger) in ledgers.iter().enumerate() {
            s.spawn(move || (0..per_till).for_each(|n| sell(ledger, t, n)));
        }
    });

    let started = Instant::now();
    let links: Vec<ShopLink> = ledgers
        .iter()
        .enumerate()
        .map(|(t, l)| ShopLink::start(&cluster.url(), l.clone(), Arc::default(), format!("Till {t}")).unwrap())
        .collect();
    let total = (tills * per_till) as i64;
    while count(pool, "SELECT COUNT(*) FROM sales").await < total {
        assert!(started.elapsed() < Duration::from_secs(300), "catch-up did not finish");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    let catch_up = started.elapsed();

    // Live: every till sells at its pace while linked.
    let live_start = count(pool, "SELECT COALESCE(MAX(received_at_ms), 0) FROM sale_changes").await;
    let sellers: Vec<_> = ledgers
        .iter()
        .enumerate()
        .map(|(t, ledger)| {
            let ledger = ledger.clone();
            tokio::task::spawn_blocking(move || {
                let every = Duration::from_millis(1000 / PACE_PER_TILL);
                let until = Instant::now() + LIVE_FOR;
                let mut n = per_till;
                let mut next = Instant::now();
                while Instant::now() < until {
                    sell(&ledger, t, n);
                    n += 1;
                    next += every;
                    std::thread::sleep(next.saturating_duration_since(Instant::now()));
                }
                n - per_till
            })
        })
        .collect();
    let mut live_sales = 0;
    for s in sellers {
        live_sales += s.await.unwrap();
    }
    let expected = total + live_sales as i64;
    let drain_start = Instant::now();
    while count(pool, "SELECT COUNT(*) FROM sales").await < expected {
        assert!(drain_start.elapsed() < Duration::from_secs(60), "live sales did not all arrive");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    drop(links);
    let lags: Vec<i64> = sqlx::query_scalar(
        "SELECT received_at_ms - changed_at_ms FROM sale_changes WHERE received_at_ms > $1 ORDER BY 1",
    )
    .bind(live_start)
    .fetch_all(pool)
    .await
    .unwrap();
    let distinct = count(pool, "SELECT COUNT(DISTINCT order_id) FROM sales").await;
    assert_eq!(distinct, expected, "a sale is missing or doubled");
    assert_eq!(count(pool, "SELECT COUNT(*) FROM sale_changes").await, expected, "a change was taken twice");
    println!(
        "{tills:>5} | {:>8} | {:>9.2} s | {:>12.0} | {:>10} | {:>4} / {:>4} / {:>4} ms",
        total,
        catch_up.as_secs_f64(),
        total as f64 / catch_up.as_secs_f64(),
        live_sales,
        percentile(&lags, 0.5),
        percentile(&lags, 0.99),
        lags.last().copied().unwrap_or(0),
    );
}

#[tokio::main(flavor = "multi_thread")]
async fn main() {
    let cluster = Cluster::start().expect("a PostgreSQL cluster (apt-get install postgresql)");
    let pool = sqlx::PgPool::connect(&cluster.url()).await.unwrap();
    // The schema, made by a till's first push.
    paydesk_shop::ShopDb::open(&cluster.url()).unwrap().ready().await.unwrap();
    println!("tills | offline  | catch-up    | sales/s      | live sales | lag p50 / p99 / max");
    for tills in [1, 4, 16] {
        run(&cluster, &pool, tills).await;
    }
}
