//! Micro-benchmarks of what one charge costs Paydesk locally: signing and building each gateway's
//! create request, amount parsing, the QR code, a ledger write, and History on 100,000 invoices.
//!
//! `cargo bench -p paydesk-till` (a few minutes on 2 cores). The ledger lives in a temp dir, so
//! `TMPDIR=/dev/shm cargo bench -p paydesk-till -- ledger` measures it on tmpfs.

#[path = "../examples/bench_common/mod.rs"]
mod bench_common;

use bench_common::ledger_fill::{fill, SEARCH_AMOUNT};
use bench_common::PAY_LINK;
use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use paydesk_gateways::gateway::{ChargeRequest, CreatedInvoice, Credentials, Knobs};
use paydesk_gateways::secret::Secret;
use paydesk_gateways::{dex3, nonstopay, oxapay, pay3, registry, thedex};
use paydesk_ledger::{Ledger, NewInvoice};
use paydesk_money::{parse_amount, Currency, DecimalStyle};
use paydesk_till::qr::{qr_png, qr_svg};
use std::hint::black_box;
use std::time::Duration;

/// The till's History page size.
const PAGE: u32 = 50;
const LEDGER_ROWS: u64 = 100_000;

/// Short runs, so the whole suite stays within a few minutes on the 2-core reference machine.
fn config() -> Criterion {
    Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(20)
}

/// The simulator's credentials and the default knobs of `gateway`, as the till would load them.
fn account(gateway: &str) -> (Credentials, Knobs) {
    let mut creds = Credentials::default();
    for (field, value) in paydesk_gatewaysim::gateways::credentials(gateway) {
        creds.insert(field, Secret::new(*value));
    }
    let info = registry().into_iter().find(|g| g.info().id == gateway).expect("a registered gateway").info();
    (creds, Knobs::resolve(info, |_| None))
}

fn secret<'a>(creds: &'a Credentials, field: &str) -> &'a str {
    creds.get(field).expect("the simulator has this credential").expose()
}

fn sale() -> ChargeRequest {
    let currency: Currency = "USD".parse().expect("USD is known");
    ChargeRequest {
        order_id: "PD-20261123-8F3KQ2ZP".into(),
        amount: parse_amount("123.45", currency, DecimalStyle::Point).expect("a valid amount"),
        description: Some("Table 7".into()),
        lifetime_secs: 900,
        callback_url: None,
    }
}

fn signing(c: &mut Criterion) {
    let req = sale();
    let (dex3_creds, _) = account("dex3");
    let (thedex_creds, thedex_knobs) = account("thedex");
    let (pay3_creds, _) = account("pay3");
    let thedex_body =
        thedex::build_create(&thedex_creds, &thedex_knobs, &req, 1).expect("a TheDex request").body.expect("a body");
    let mut g = c.benchmark_group("sign");
    g.bench_function("dex3 sha256 string", |b| {
        let (public, private) = (secret(&dex3_creds, "merchant_public"), secret(&dex3_creds, "merchant_private"));
        b.iter(|| dex3::sign(black_box(&req.order_id), public, black_box("12345"), private))
    });
    g.bench_function("thedex hmac-sha512 over base64 body", |b| {
        b.iter(|| thedex::sign(secret(&thedex_creds, "secret_key"), black_box(&thedex_body)))
    });
    g.bench_function("pay3 hmac-sha256 base64", |b| {
        let string = format!("currencyId=USD&fiatAmount=123.45&requestId={}", req.order_id);
        b.iter(|| pay3::sign(secret(&pay3_creds, "api_secret"), black_box(&string)))
    });
    g.finish();
}

fn build_create(c: &mut Criterion) {
    let req = sale();
    let mut g = c.benchmark_group("build_create");
    let (creds, _) = account("dex3");
    g.bench_function("dex3", |b| b.iter(|| dex3::build_create(&creds, black_box(&req)).expect("built")));
    let (creds, knobs) = account("thedex");
    g.bench_function("thedex", |b| {
        b.iter(|| thedex::build_create(&creds, &knobs, black_box(&req), thedex::next_nonce()).expect("built"))
    });
    let (creds, knobs) = account("pay3");
    let pay3_account = pay3::Account::from_creds(&creds).expect("the simulator's Pay3 account");
    g.bench_function("pay3", |b| {
        b.iter(|| pay3::build_create(&pay3_account, &knobs, "access-token", black_box(&req)).expect("built"))
    });
    let (creds, knobs) = account("oxapay");
    let settings = oxapay::Settings::from_knobs(&knobs).expect("default OxaPay knobs");
    g.bench_function("oxapay", |b| {
        b.iter(|| oxapay::build_create(secret(&creds, "merchant_api_key"), settings, black_box(&req)).expect("built"))
    });
    let (creds, knobs) = account("nonstopay");
    g.bench_function("nonstopay", |b| {
        let (key, email) = (secret(&creds, "api_key"), secret(&creds, "email"));
        b.iter(|| nonstopay::build_create(key, email, knobs.get("create_path"), black_box(&req)).expect("built"))
    });
    g.finish();
}

fn qr(c: &mut Criterion) {
    let mut g = c.benchmark_group(format!("qr {}-char link", PAY_LINK.len()));
    g.bench_function("svg", |b| b.iter(|| qr_svg(black_box(PAY_LINK)).expect("encodes")));
    g.bench_function("png 512 px", |b| b.iter(|| qr_png(black_box(PAY_LINK), 512).expect("encodes")));
    g.finish();
}

fn amount(c: &mut Criterion) {
    let usd: Currency = "USD".parse().expect("USD is known");
    c.bench_function("parse_amount 1234.56 USD", |b| {
        b.iter(|| parse_amount(black_box("1234.56"), usd, DecimalStyle::Point).expect("valid"))
    });
}

/// One sale's two durable commits. `synchronous = FULL` makes each wait for fsync, so on a real
/// disk this measures the disk; run with `TMPDIR=/dev/shm` for the CPU side.
fn ledger_write(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).expect("the ledger opens");
    let amount = sale().amount;
    let created = CreatedInvoice {
        gateway_invoice_id: Some("SIMDEMO000001".into()),
        pay_link: PAY_LINK.into(),
        expires_at: Some(1_763_900_900),
    };
    let mut n = 0u64;
    // Named by the temp dir's root (e.g. /tmp or /dev/shm), not its random name, so runs compare.
    let name = format!("ledger insert_creating + mark_created in {}", std::env::temp_dir().display());
    c.bench_function(&name, |b| {
        b.iter_batched(
            || {
                n += 1;
                format!("BENCH-{n}")
            },
            |order_id| {
                let new = NewInvoice {
                    order_id: &order_id,
                    gateway: "demo",
                    amount,
                    tip_minor: 0,
                    description: Some("Table 7"),
                    details: Default::default(),
                };
                let row = ledger.insert_creating(&new).expect("inserted");
                ledger.mark_created(row.id, &created).expect("marked")
            },
            BatchSize::SmallInput,
        )
    });
}

fn history(c: &mut Criterion) {
    let dir = tempfile::tempdir().expect("a temp dir");
    let path = dir.path().join("ledger.sqlite3");
    drop(Ledger::open(&path).expect("the real migrations create the schema"));
    let filled = fill(&path, LEDGER_ROWS).expect("the ledger fills");
    let ledger = Ledger::open(&path).expect("the full ledger opens");
    let order_id = filled.middle_order_id;
    let fragment = &order_id[order_id.len() - 5..];
    let mut g = c.benchmark_group(format!("history of {LEDGER_ROWS}"));
    g.bench_function("list first page", |b| b.iter(|| ledger.list(PAGE, 0).expect("lists")));
    g.bench_function("search order id", |b| b.iter(|| ledger.search(black_box(&order_id), PAGE, 0).expect("finds")));
    g.bench_function("search order id fragment", |b| {
        b.iter(|| ledger.search(black_box(fragment), PAGE, 0).expect("finds"))
    });
    g.bench_function(format!("search amount {SEARCH_AMOUNT}"), |b| {
        b.iter(|| ledger.search(black_box(SEARCH_AMOUNT), PAGE, 0).expect("finds"))
    });
    g.finish();
}

criterion_group! {
    name = benches;
    config = config();
    targets = signing, build_create, qr, amount, ledger_write, history
}
criterion_main!(benches);
