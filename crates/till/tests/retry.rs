//! Nothing lost, nothing doubled: retrying a sale under its own order id, and recovering the sales
//! a crash left half-sent, against the simulator (with its fault injection) and a real SQLite file.

use paydesk_gateways::http::RetryPolicy;
use paydesk_gateways::registry;
use paydesk_gateways::secret::Secret;
use paydesk_gatewaysim::faults::{Fault, Match};
use paydesk_gatewaysim::RunningSim;
use paydesk_ledger::{Invoice, NewInvoice};
use paydesk_money::InvoiceStatus;
use paydesk_money::{Amount, Currency};
use paydesk_till::credentials::CredentialStore;
use paydesk_till::service::{
    ChargeInput, Paydesk, Settings, ALREADY_ON_GATEWAY, CHECKING, MAY_STILL_PAY, NOT_ON_GATEWAY,
};
use std::sync::Arc;
use std::time::Duration;

struct Till {
    _dir: tempfile::TempDir,
    sim: RunningSim,
    desk: Paydesk,
}

/// A till with every gateway pointed at one simulator and holding its credentials. One attempt
/// per request, so an armed fault is what the sale sees.
async fn till() -> Till {
    till_with_env(|_| None).await
}

/// Like [`till`], with `env` answering knob overrides (`PAYDESK_<GATEWAY>_<KNOB>`).
async fn till_with_env(env: fn(&str) -> Option<String>) -> Till {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let mut settings = Settings {
        retry: RetryPolicy { attempts: 1, first_backoff: Duration::from_millis(10) },
        env: Arc::new(env),
        ..Settings::default()
    };
    let credentials = CredentialStore::in_memory();
    for gateway in registry() {
        let info = gateway.info();
        settings.base_urls.insert(info.id.into(), sim.base_url(info.id));
        for (field, value) in paydesk_gatewaysim::gateways::credentials(info.id) {
            // The simulated account may hold more than Paydesk asks for.
            if info.fields.iter().any(|f| f.name == *field) {
                credentials.set(info, field, Secret::new(*value)).unwrap();
            }
        }
    }
    let ledger = paydesk_ledger::Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    Till { _dir: dir, sim, desk: Paydesk::new(ledger, credentials, settings) }
}

fn sale(gateway: &str, amount: &str) -> ChargeInput {
    ChargeInput::new(
        gateway,
        paydesk_money::parse_amount(amount, paydesk_money::Currency::USD, paydesk_money::DecimalStyle::Point).unwrap(),
    )
}

impl Till {
    /// Charges with the create's answer cut in half: the gateway made the invoice, the till
    /// cannot read it, so the sale is left unknown.
    async fn charge_with_lost_answer(&self, gateway: &str, path: &str) -> Invoice {
        self.sim.sim.inject(Fault::TruncatedJson, Match::new(gateway, path, 1));
        let err = self.desk.charge(&sale(gateway, "5")).await.unwrap_err();
        assert_eq!(err.code(), "sale_unknown");
        assert!(err.to_string().contains(MAY_STILL_PAY), "{err}");
        let row = self.desk.list(1, 0).unwrap().remove(0);
        assert_eq!(row.status, InvoiceStatus::Unknown);
        assert!(self.sim.sim.find_by_order(gateway, &row.order_id).is_some(), "the gateway has the invoice");
        row
    }

    /// A sale written as `creating` and never sent, as a crash between the two would leave it.
    fn creating(&self, gateway: &str, order_id: &str) -> Invoice {
        let amount = Amount::from_minor(500, Currency::USD).unwrap();
        let new =
            NewInvoice { order_id, gateway, amount, tip_minor: 0, description: None, details: Default::default() };
        self.desk.ledger().insert_creating(&new).unwrap()
    }
}

#[tokio::test]
async fn retry_records_the_invoice_a_lost_answer_left_and_creates_nothing() {
    for (gateway, path) in [("demo", "invoices"), ("thedex", "invoices/create")] {
        let t = till().await;
        let row = t.charge_with_lost_answer(gateway, path).await;
        let creates_before = t.sim.sim.requests(gateway, path);
        let retried = t.desk.retry(&row.order_id).await.unwrap();
        let on_sim = t.sim.sim.find_by_order(gateway, &row.order_id).unwrap();
        assert_eq!(retried.status, InvoiceStatus::Pending, "{gateway}");
        assert_eq!(retried.gateway_invoice_id.as_deref(), Some(on_sim.gateway_id.as_str()), "{gateway}");
        assert_eq!(retried.pay_link, Some(t.sim.sim.pay_link(&on_sim)), "{gateway}");
        assert_eq!(retried.last_error, None);
        if gateway == "thedex" {
            // invoices/one and invoices/create are told apart by path: no second create left.
            assert_eq!(t.sim.sim.requests(gateway, path), creates_before, "no create was sent again");
        }
    }
}

#[tokio::test]
async fn retry_sends_the_same_order_id_again_when_the_gateway_never_got_it() {
    let t = till().await;
    // The connection is closed before the gateway sees the request: no invoice exists.
    t.sim.sim.inject(Fault::Reset, Match::new("demo", "invoices", 1));
    let err = t.desk.charge(&sale("demo", "7.50")).await.unwrap_err();
    assert_eq!(err.code(), "sale_unknown", "the connection broke after the request left: it may have arrived");
    let row = t.desk.list(1, 0).unwrap().remove(0);
    assert_eq!(row.status, InvoiceStatus::Unknown);
    assert!(t.sim.sim.find_by_order("demo", &row.order_id).is_none());

    let retried = t.desk.retry(&row.id.to_string()).await.unwrap();
    let on_sim = t.sim.sim.find_by_order("demo", &row.order_id).expect("created under the same order id");
    assert_eq!(retried.status, InvoiceStatus::Pending);
    assert_eq!(retried.gateway_invoice_id.as_deref(), Some(on_sim.gateway_id.as_str()));
    assert_eq!(on_sim.amount_minor, 750);
    let trail: Vec<_> = t.desk.ledger().events(row.id).unwrap().into_iter().map(|e| e.status).collect();
    use InvoiceStatus::*;
    assert_eq!(trail, [Creating, Unknown, Creating, Pending]);
}

#[tokio::test]
async fn a_failed_sale_is_retried_and_other_sales_are_refused() {
    let t = till().await;
    let failed = t.creating("demo", "FAILED-1");
    t.desk.ledger().record_failure(failed.id, InvoiceStatus::Failed, "the gateway refused").unwrap();
    assert_eq!(t.desk.retry("FAILED-1").await.unwrap().status, InvoiceStatus::Pending);

    let pending = t.desk.find("FAILED-1").unwrap();
    let err = t.desk.retry(&pending.order_id).await.unwrap_err();
    assert_eq!((err.code(), err.exit_code()), (paydesk_till::error::ErrorCode::BadInput, 2));
    assert!(err.to_string().contains("only a failed or unknown sale"), "{err}");
    assert_eq!(t.desk.find("FAILED-1").unwrap(), pending, "nothing changed");
    assert_eq!(t.desk.retry("NO-SUCH").await.unwrap_err().code(), "not_found");
}

#[tokio::test]
async fn dex3_duplicate_on_retry_says_to_check_the_gateway() {
    let t = till().await;
    let row = t.charge_with_lost_answer("dex3", "createpayment").await;
    let err = t.desk.retry(&row.order_id).await.unwrap_err();
    assert_eq!(err.code(), "gateway_refused");
    assert!(err.to_string().contains(ALREADY_ON_GATEWAY), "{err}");
    let after = t.desk.find(&row.order_id).unwrap();
    assert_eq!(after.status, InvoiceStatus::Unknown);
    assert_eq!(after.last_error.as_deref(), Some(ALREADY_ON_GATEWAY));
}

#[tokio::test]
async fn pay3_order_found_on_retry_is_recorded_and_says_it_has_no_link() {
    let t = till().await;
    let row = t.charge_with_lost_answer("pay3", "checkout").await;
    let retried = t.desk.retry(&row.order_id).await.unwrap();
    assert_eq!(retried.status, InvoiceStatus::Pending);
    assert_eq!(retried.pay_link, None);
    assert!(retried.last_error.as_deref().is_some_and(|e| e.contains("no pay link")), "{retried:?}");
}

#[tokio::test]
async fn status_of_an_unknown_sale_without_an_id_asks_by_order_id() {
    let t = till().await;
    let row = t.charge_with_lost_answer("demo", "invoices").await;
    assert_eq!(row.gateway_invoice_id, None);
    let refreshed = t.desk.refresh(&row.order_id).await.unwrap();
    let on_sim = t.sim.sim.find_by_order("demo", &row.order_id).unwrap();
    assert_eq!(refreshed.status, InvoiceStatus::Pending);
    assert_eq!(refreshed.pay_link, Some(t.sim.sim.pay_link(&on_sim)));
}

#[tokio::test]
async fn recover_settles_the_sales_a_crash_left_in_creating() {
    let t = till().await;
    let sent = t.creating("demo", "CRASH-SENT");
    t.creating("demo", "CRASH-NEVER-SENT");
    t.creating("dex3", "CRASH-DEX3");
    // The request that reached the gateway before the till died.
    let client = reqwest::Client::new();
    let body = serde_json::json!({"order_id": "CRASH-SENT", "amount": "5.00", "currency": "USD", "lifetime_secs": 900});
    let url = format!("{}invoices", t.sim.base_url("demo"));
    let resp = client.post(url).header("content-type", "application/json").body(body.to_string()).send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    assert_eq!(t.desk.mark_interrupted().unwrap().len(), 3);
    assert!(t.desk.list(10, 0).unwrap().iter().all(|i| i.last_error.as_deref() == Some(CHECKING)));
    let checked = t.desk.recover().await.unwrap();
    assert_eq!(checked.len(), 3);

    let on_sim = t.sim.sim.find_by_order("demo", "CRASH-SENT").unwrap();
    let recovered = t.desk.find("CRASH-SENT").unwrap();
    assert_eq!(recovered.status, InvoiceStatus::Pending);
    assert_eq!(recovered.gateway_invoice_id.as_deref(), Some(on_sim.gateway_id.as_str()));
    assert_eq!(recovered.pay_link, Some(t.sim.sim.pay_link(&on_sim)));
    let trail: Vec<_> = t.desk.ledger().events(sent.id).unwrap().into_iter().map(|e| (e.status, e.detail)).collect();
    assert_eq!(trail[1], (InvoiceStatus::Unknown, Some(CHECKING.to_string())));

    let never = t.desk.find("CRASH-NEVER-SENT").unwrap();
    assert_eq!((never.status, never.last_error.as_deref()), (InvoiceStatus::Unknown, Some(NOT_ON_GATEWAY)));
    let dex3 = t.desk.find("CRASH-DEX3").unwrap();
    assert_eq!(dex3.status, InvoiceStatus::Unknown);
    assert!(dex3.last_error.as_deref().is_some_and(|e| e.contains("cannot be asked by order id")), "{dex3:?}");

    // Settled sales are not asked about again; the never-sent one is retried into one invoice.
    assert!(t.desk.recover().await.unwrap().is_empty());
    assert_eq!(t.desk.retry("CRASH-NEVER-SENT").await.unwrap().status, InvoiceStatus::Pending);
}

#[tokio::test]
async fn a_sale_that_moved_on_is_not_overwritten_by_a_late_recovery() {
    let t = till().await;
    let row = t.creating("demo", "RACE-1");
    // Another process's charge got its answer after this one marked the sale interrupted.
    t.desk.mark_interrupted().unwrap();
    let created = paydesk_gateways::gateway::CreatedInvoice {
        gateway_invoice_id: Some("OTHER".into()),
        pay_link: "http://127.0.0.1:1/pay/x".into(),
        expires_at: None,
    };
    t.desk.ledger().mark_created(row.id, &created).unwrap();
    assert!(t
        .desk
        .ledger()
        .transition(row.id, InvoiceStatus::Unknown, InvoiceStatus::Unknown, "late")
        .unwrap()
        .is_none());
    assert!(t.desk.recover().await.unwrap().is_empty());
    let after = t.desk.find("RACE-1").unwrap();
    assert_eq!((after.status, after.gateway_invoice_id.as_deref()), (InvoiceStatus::Pending, Some("OTHER")));
}

#[tokio::test]
async fn the_app_marks_interrupted_sales_on_open_and_recovers_and_retries_them() {
    let dir = tempfile::tempdir().unwrap();
    let sim = paydesk_gatewaysim::start(0).await.unwrap();
    let ledger = paydesk_ledger::Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
    let amount = Amount::from_minor(250, "EUR".parse::<Currency>().unwrap()).unwrap();
    for order_id in ["APP-SENT", "APP-NEVER-SENT"] {
        ledger
            .insert_creating(&NewInvoice {
                order_id,
                gateway: "demo",
                amount,
                tip_minor: 0,
                description: None,
                details: Default::default(),
            })
            .unwrap();
    }
    drop(ledger);
    let body = serde_json::json!({"order_id": "APP-SENT", "amount": "2.50", "currency": "EUR", "lifetime_secs": 900});
    let resp = reqwest::Client::new()
        .post(format!("{}invoices", sim.base_url("demo")))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status().as_u16(), 200);

    let till =
        paydesk_till::api::Till::open(dir.path(), CredentialStore::in_memory(), Some(sim.base_url("demo"))).unwrap();
    let marked = till.invoice("APP-SENT").unwrap();
    assert_eq!((marked.status, marked.last_error.as_deref()), (InvoiceStatus::Unknown, Some(CHECKING)));

    let checked = till.recover().await.unwrap();
    assert_eq!(checked.len(), 2);
    let sent = till.invoice("APP-SENT").unwrap();
    assert_eq!(sent.status, InvoiceStatus::Pending);
    assert_eq!(sent.pay_link, Some(sim.sim.pay_link(&sim.sim.find_by_order("demo", "APP-SENT").unwrap())));
    assert_eq!(till.invoice("APP-NEVER-SENT").unwrap().last_error.as_deref(), Some(NOT_ON_GATEWAY));

    let retried = till.retry("APP-NEVER-SENT").await.unwrap();
    assert_eq!(
        (retried.status, retried.amount.as_str(), retried.currency.as_str()),
        (InvoiceStatus::Pending, "2.50", "EUR")
    );
    assert!(sim.sim.find_by_order("demo", "APP-NEVER-SENT").is_some());
}

/// An unknown sale on `gateway` that the gateway never received (a crash before the send).
fn unknown_never_sent(t: &Till, gateway: &str, order_id: &str) -> Invoice {
    let row = t.creating(gateway, order_id);
    t.desk.mark_interrupted().unwrap();
    t.desk.find(&row.order_id).unwrap()
}

#[tokio::test]
async fn hardening_01_retry_sends_nothing_where_a_second_invoice_could_be_made() {
    // NonStoPay and OxaPay make a second invoice for a repeated order id, and their searches
    // cannot prove one is absent (OxaPay's legacy API cannot be asked at all).
    let legacy = |name: &str| (name == "PAYDESK_OXAPAY_CONTRACT").then(|| "legacy".to_string());
    for (gateway, create_path, env) in [
        ("nonstopay", "btn-create-invoice", (|_: &str| None) as fn(&str) -> Option<String>),
        ("oxapay", "merchants/request", legacy),
    ] {
        let t = till_with_env(env).await;
        let row = unknown_never_sent(&t, gateway, &format!("UNSAFE-{gateway}"));
        let err = t.desk.retry(&row.order_id).await.unwrap_err();
        assert_eq!(err.code(), "retry_unsafe", "{gateway}: {err}");
        assert!(err.to_string().contains("dashboard") && err.to_string().contains(&row.order_id), "{err}");
        assert_eq!(t.sim.sim.requests(gateway, create_path), 0, "{gateway}: nothing was sent");
        let after = t.desk.find(&row.order_id).unwrap();
        assert_eq!(after.status, InvoiceStatus::Unknown, "{gateway}");
        assert_eq!(after.last_error.as_deref(), Some(err.to_string().as_str()), "{gateway}: the how-to-check is kept");
    }
}

#[tokio::test]
async fn hardening_01_retry_finds_the_first_invoice_instead_of_making_a_second() {
    for (gateway, create_path) in
        [("oxapay", "payment/invoice"), ("nonstopay", "btn-create-invoice"), ("thedex", "invoices/create")]
    {
        let t = till().await;
        let row = t.charge_with_lost_answer(gateway, create_path).await;
        let retried = t.desk.retry(&row.order_id).await.unwrap_or_else(|e| panic!("{gateway}: {e}"));
        let on_sim = t.sim.sim.find_by_order(gateway, &row.order_id).unwrap();
        assert_eq!(retried.gateway_invoice_id.as_deref(), Some(on_sim.gateway_id.as_str()), "{gateway}");
        assert!(!retried.status.is_final(), "{gateway}: {:?}", retried.status);
        assert_eq!(t.sim.sim.requests(gateway, create_path), 1, "{gateway}: no second create");
        assert_eq!(t.sim.sim.live_invoices(gateway, &row.order_id), 1, "{gateway}");
    }
}

#[tokio::test]
async fn hardening_01_a_second_answer_never_replaces_the_first_invoice() {
    let t = till().await;
    // A lookup found the first invoice, in a status Paydesk cannot place; then a retry's answer
    // names another one.
    let row = unknown_never_sent(&t, "demo", "FIRST-KEPT");
    let first = paydesk_gateways::gateway::FoundInvoice {
        gateway_invoice_id: Some("FIRST".into()),
        pay_link: Some("http://127.0.0.1:1/pay/first".into()),
        expires_at: Some(2_000_000_000),
        status: paydesk_gateways::gateway::StatusReport {
            status: InvoiceStatus::Unknown,
            gateway_status: "odd".into(),
        },
    };
    t.desk.ledger().record_found(row.id, InvoiceStatus::Unknown, &first, None).unwrap();
    t.desk.ledger().transition(row.id, InvoiceStatus::Unknown, InvoiceStatus::Creating, "retrying").unwrap();
    let second = paydesk_gateways::gateway::CreatedInvoice {
        gateway_invoice_id: Some("SECOND".into()),
        pay_link: "http://127.0.0.1:1/pay/second".into(),
        expires_at: Some(2_100_000_000),
    };
    let after = t.desk.ledger().mark_created(row.id, &second).unwrap();
    assert_eq!(after.gateway_invoice_id.as_deref(), Some("FIRST"));
    assert_eq!(after.pay_link.as_deref(), Some("http://127.0.0.1:1/pay/first"));
    assert_eq!(after.expires_at, Some(2_000_000_000));
    let trail = t.desk.ledger().events(row.id).unwrap();
    assert!(trail
        .last()
        .unwrap()
        .detail
        .as_deref()
        .is_some_and(|d| d.contains("SECOND") && d.contains("first is kept")));
}

#[tokio::test]
async fn dex3_lost_answer_is_not_resent_and_a_retry_refused_as_duplicate_keeps_it_unknown() {
    let t = till().await;
    t.sim.sim.inject(Fault::DropAfterHandling, Match::new("dex3", "createpayment", 1));
    let err = t.desk.charge(&sale("dex3", "3")).await.unwrap_err();
    assert_eq!(err.code(), "sale_unknown");
    assert_eq!(t.sim.sim.requests("dex3", "createpayment"), 1, "not resent within the charge");
    let row = t.desk.list(1, 0).unwrap().remove(0);
    assert_eq!(row.status, InvoiceStatus::Unknown, "never failed while the invoice is live");
    // Retry may send: Dex3 refuses a repeat, so a second invoice cannot come of it.
    let err = t.desk.retry(&row.order_id).await.unwrap_err();
    assert!(err.to_string().contains(ALREADY_ON_GATEWAY), "{err}");
    assert_eq!(t.sim.sim.live_invoices("dex3", &row.order_id), 1);
    assert_eq!(t.desk.find(&row.order_id).unwrap().status, InvoiceStatus::Unknown);
}
