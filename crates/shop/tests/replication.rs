//! A till's ledger replicated into a real PostgreSQL cluster (initdb + pg_ctl on a free port).

use paydesk_ledger::{InvoiceKind, Ledger, NewEntry, NewInvoice};
use paydesk_money::{Amount, Currency, InvoiceStatus, StatusReport};
use paydesk_pgcluster::Cluster;
use paydesk_shop::{drain, Applied, CallbackStatus, ShopDb, ShopError, SCHEMA_VERSION};
use std::time::Duration;

fn ledger(dir: &tempfile::TempDir, name: &str) -> Ledger {
    Ledger::open(&dir.path().join(format!("{name}.sqlite3"))).unwrap()
}

fn sale(ledger: &Ledger, order_id: &str, cents: u64) -> i64 {
    let new = NewInvoice {
        order_id,
        gateway: "dex3",
        amount: Amount::from_minor(cents, Currency::USD).unwrap(),
        tip_minor: 0,
        description: Some("Coffee"),
        details: Default::default(),
    };
    ledger.insert_creating(&new).unwrap().id
}

fn status(status: InvoiceStatus) -> StatusReport {
    StatusReport { status, gateway_status: status.as_str().into() }
}

async fn count(shop_url: &str, sql: &'static str) -> i64 {
    let pool = sqlx::PgPool::connect(shop_url).await.unwrap();
    let n = sqlx::query_scalar(sql).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

#[tokio::test]
async fn a_push_repeated_after_a_lost_answer_adds_nothing_and_statuses_only_move_forward() {
    let cluster = Cluster::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let till = ledger(&dir, "till");
    let shop = ShopDb::open(&cluster.url()).unwrap();
    let a = sale(&till, "T1-A", 450);
    sale(&till, "T1-B", 300);
    till.insert_entry(&NewEntry {
        order_id: "T1-C",
        kind: InvoiceKind::Cash,
        gateway: "cash",
        amount: Amount::from_minor(200, Currency::USD).unwrap(),
        tip_minor: 0,
        description: None,
        refund_of: None,
        details: Default::default(),
    })
    .unwrap();
    till.record_status(a, &status(InvoiceStatus::Pending)).unwrap();
    till.record_status(a, &status(InvoiceStatus::Paid)).unwrap();

    // The shop database took the batch but its answer was lost: the till pushes it again.
    let batch = till.outbox_batch(100).unwrap().unwrap();
    shop.push(&till.till_id().unwrap(), "Front", &batch).await.unwrap();
    assert_eq!(drain(&till, &shop, "Front").await.unwrap(), 3);
    assert_eq!(till.outbox_len().unwrap(), 0);
    assert_eq!(count(&cluster.url(), "SELECT COUNT(*) FROM sales").await, 3);
    assert_eq!(count(&cluster.url(), "SELECT COUNT(*) FROM sale_changes").await, 3);

    // An older change of the same sale (a stale batch replayed) does not move it back.
    shop.push(&till.till_id().unwrap(), "Front", &batch).await.unwrap();
    let rows = shop.sales(Some("T1-A"), 10, 0).await.unwrap();
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].status, InvoiceStatus::Paid);
    assert_eq!(rows[0].till_name, "Front");

    let totals = shop.totals(0, i64::MAX / 2).await.unwrap();
    let mine = till.totals(0, i64::MAX / 2).unwrap();
    let mut theirs: Vec<_> = totals.into_iter().map(|t| t.group).collect();
    let mut ours = mine.clone();
    theirs.sort_by_key(|g| format!("{g:?}"));
    ours.sort_by_key(|g| format!("{g:?}"));
    assert_eq!(theirs, ours, "the shop database sums the till's sales as the till does");
    shop.close().await;
}

#[tokio::test]
async fn with_the_server_down_the_outbox_keeps_every_change_and_drains_when_it_is_back() {
    let cluster = Cluster::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let till = ledger(&dir, "till");
    let shop = ShopDb::open(&cluster.url()).unwrap();
    sale(&till, "T1-A", 100);
    drain(&till, &shop, "Front").await.unwrap();

    cluster.stop().unwrap();
    for n in 0..5 {
        sale(&till, &format!("T1-{n}"), 100 + n);
    }
    let err = drain(&till, &shop, "Front").await.unwrap_err();
    assert!(matches!(err, ShopError::Unreachable(_)), "{err:?}");
    assert_eq!(till.outbox_len().unwrap(), 5);

    cluster.start_again().unwrap();
    // The pool re-connects by itself.
    let mut pushed = None;
    for _ in 0..50 {
        match drain(&till, &shop, "Front").await {
            Ok(n) => {
                pushed = Some(n);
                break;
            }
            Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
        }
    }
    assert_eq!(pushed, Some(5));
    assert_eq!(count(&cluster.url(), "SELECT COUNT(*) FROM sales").await, 6);
}

#[tokio::test]
async fn a_shop_schema_newer_than_the_till_knows_is_refused_with_a_clear_message() {
    let cluster = Cluster::start().unwrap();
    let shop = ShopDb::open(&cluster.url()).unwrap();
    shop.ready().await.unwrap();
    assert_eq!(shop.applied_version().await.unwrap(), SCHEMA_VERSION);
    let pool = sqlx::PgPool::connect(&cluster.url()).await.unwrap();
    sqlx::query(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)
         VALUES (99, 'from the future', true, '\\x00', 0)",
    )
    .execute(&pool)
    .await
    .unwrap();

    let newer = ShopDb::open(&cluster.url()).unwrap();
    let err = newer.ready().await.unwrap_err();
    assert!(matches!(err, ShopError::SchemaTooNew { found: 99, .. }), "{err:?}");
    assert!(err.to_string().contains("update this till"), "{err}");
    let dir = tempfile::tempdir().unwrap();
    let till = ledger(&dir, "till");
    sale(&till, "T1-A", 100);
    assert!(drain(&till, &newer, "Front").await.is_err());
    assert_eq!(till.outbox_len().unwrap(), 1, "nothing was taken from the outbox");
}

#[tokio::test]
async fn the_password_never_shows_in_an_error_or_the_shown_address() {
    let cluster = Cluster::start().unwrap();
    let wrong = cluster.url().replace(cluster.password(), "Wr0ngDistinctivePassw0rd");
    let shop = ShopDb::open(&wrong).unwrap();
    assert!(!shop.shown().contains("Wr0ngDistinctivePassw0rd"));
    assert!(shop.shown().contains("***"));
    let err = shop.ready().await.unwrap_err();
    let text = format!("{err} {err:?}");
    assert!(text.contains("password authentication failed"), "{text}");
    assert!(!text.contains("Wr0ngDistinctivePassw0rd"), "{text}");
    assert!(!text.contains(cluster.password()), "{text}");

    for bad in ["mysql://u:p@h/db", "postgres://", "not a url"] {
        assert!(matches!(ShopDb::open(bad), Err(ShopError::BadUrl(_))), "{bad}");
    }
}

#[tokio::test]
async fn a_callback_moves_a_sale_once_tells_its_till_and_never_moves_it_back() {
    let cluster = Cluster::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let till = ledger(&dir, "till");
    let shop = ShopDb::open(&cluster.url()).unwrap();
    let id = sale(&till, "T1-A", 450);
    till.record_status(id, &status(InvoiceStatus::Pending)).unwrap();
    drain(&till, &shop, "Front").await.unwrap();
    let mut listener = shop.listen().await.unwrap();

    let paid = CallbackStatus {
        gateway: "dex3",
        digest: "d1",
        order_id: Some("T1-A"),
        gateway_invoice_id: None,
        status: InvoiceStatus::Paid,
        gateway_status: "completed",
    };
    let Applied::Moved(notice) = shop.apply_callback(&paid).await.unwrap() else { panic!("not moved") };
    assert_eq!(notice.till_id, till.till_id().unwrap());
    let heard = tokio::time::timeout(Duration::from_secs(10), listener.next()).await.unwrap().unwrap();
    assert_eq!(heard, Some(notice));

    assert_eq!(shop.apply_callback(&paid).await.unwrap(), Applied::Replayed);
    let older =
        CallbackStatus { digest: "d0", status: InvoiceStatus::Pending, gateway_status: "waiting", ..paid.clone() };
    assert_eq!(shop.apply_callback(&older).await.unwrap(), Applied::Unchanged { order_id: "T1-A".into() });
    let other_gateway = CallbackStatus { gateway: "oxapay", digest: "d2", ..paid.clone() };
    assert_eq!(shop.apply_callback(&other_gateway).await.unwrap(), Applied::UnknownSale);

    // The till's own push of an older status afterwards does not undo the callback.
    drain(&till, &shop, "Front").await.unwrap();
    till.record_status(id, &status(InvoiceStatus::Pending)).unwrap();
    drain(&till, &shop, "Front").await.unwrap();
    let row = &shop.sales(Some("T1-A"), 1, 0).await.unwrap()[0];
    assert_eq!((row.status, row.by_callback), (InvoiceStatus::Paid, true));
    let missed = shop.callback_statuses(&till.till_id().unwrap(), &["T1-A".into()]).await.unwrap();
    assert_eq!(missed.len(), 1);
}
