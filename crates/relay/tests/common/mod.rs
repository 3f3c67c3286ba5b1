//! What the relay's tests share: a relay served over 127.0.0.1 against a real PostgreSQL cluster,
//! a till whose ledger is pushed into it, and callbacks signed by the gateway simulator (written
//! from the providers' documents, not from Paydesk's gateway code).

#![allow(dead_code)]

use paydesk_gateways::secret::Secret;
use paydesk_gatewaysim::callbacks::{self, SignedCallback};
use paydesk_ledger::{Ledger, NewInvoice};
use paydesk_money::{Amount, Currency, InvoiceStatus};
use paydesk_pgcluster::Cluster;
use paydesk_relay::Relay;
use paydesk_shop::{ShopDb, StatusListener, StatusNotice};
use paydesk_till::credentials::CredentialStore;
use std::time::Duration;

/// The gateways a relay serves when every credential is given.
pub const GATEWAYS: [&str; 5] = ["dex3", "nonstopay", "oxapay", "pay3", "thedex"];

/// How long any one wait may take before the test fails.
pub const WAIT: Duration = Duration::from_secs(20);

pub struct Shop {
    pub shop: ShopDb,
    pub relay: Relay,
    /// `http://127.0.0.1:PORT`
    pub base: String,
    pub http: reqwest::Client,
    pub till: Ledger,
    pub till_id: String,
    url: String,
    _dir: tempfile::TempDir,
}

/// The simulated merchant account's value of a credential.
pub fn cred(gateway: &str, field: &str) -> &'static str {
    paydesk_gatewaysim::gateways::credentials(gateway)
        .iter()
        .find(|(f, _)| *f == field)
        .unwrap_or_else(|| panic!("the simulator has no {gateway}.{field}"))
        .1
}

/// Credentials as the CLI hands them over, from a store: here an in-memory one, since the OS
/// keyring itself is tested in paydesk-till (tests/keyring*.rs and the credentials tests).
pub fn store_with(gateways: &[&str], leave_out: &[&str]) -> CredentialStore {
    let store = CredentialStore::in_memory();
    for gateway in paydesk_gateways::registry() {
        let info = gateway.info();
        if !gateways.contains(&info.id) {
            continue;
        }
        for (field, value) in paydesk_gatewaysim::gateways::credentials(info.id) {
            if info.fields.iter().any(|f| f.name == *field) && !leave_out.contains(field) {
                store.set(info, field, Secret::new(*value)).unwrap();
            }
        }
    }
    store
}

impl Shop {
    /// A relay for every gateway (credentials of the simulator's accounts) on a free port.
    pub async fn start(cluster: &Cluster) -> Shop {
        let store = store_with(&GATEWAYS, &[]);
        let relay = Relay::load(
            ShopDb::open(&cluster.url()).unwrap(),
            paydesk_gateways::registry(),
            |i| store.load(i),
            |_| None,
        );
        assert_eq!(relay.served(), GATEWAYS, "skipped: {:?}", relay.skipped());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(paydesk_relay::serve(listener, relay.clone()));
        let dir = tempfile::tempdir().unwrap();
        let till = Ledger::open(&dir.path().join("till.sqlite3")).unwrap();
        let till_id = till.till_id().unwrap();
        let http = reqwest::Client::builder().timeout(WAIT).build().unwrap();
        Shop {
            shop: ShopDb::open(&cluster.url()).unwrap(),
            relay,
            base,
            http,
            till,
            till_id,
            url: cluster.url(),
            _dir: dir,
        }
    }

    /// A new sale of `gateway` at the till (status creating), pushed to the shop database.
    pub async fn sale(&self, gateway: &str, order_id: &str) {
        let new = NewInvoice {
            order_id,
            gateway,
            amount: Amount::from_minor(450, Currency::USD).unwrap(),
            tip_minor: 0,
            description: Some("Coffee"),
            details: Default::default(),
        };
        self.till.insert_creating(&new).unwrap();
        paydesk_shop::drain(&self.till, &self.shop, "Till 1").await.unwrap();
    }

    /// The sale's status in the shop database, and whether a callback set it.
    pub async fn status(&self, order_id: &str) -> (InvoiceStatus, bool) {
        let rows = self.shop.sales(Some(order_id), 50, 0).await.unwrap();
        let row = rows.iter().find(|r| r.order_id == order_id).unwrap_or_else(|| panic!("no sale {order_id}"));
        (row.status, row.by_callback)
    }

    /// Rows in the shop database's `callbacks` table (for `order_id`, or all).
    pub async fn callbacks(&self, order_id: Option<&str>) -> i64 {
        let pool = sqlx::PgPool::connect(&self.url).await.unwrap();
        let n = sqlx::query_scalar("SELECT COUNT(*) FROM callbacks WHERE $1::text IS NULL OR order_id = $1")
            .bind(order_id)
            .fetch_one(&pool)
            .await
            .unwrap();
        pool.close().await;
        n
    }

    /// POSTs a signed callback to `/callback/<gateway>`: the answer's status and text.
    pub async fn post(&self, gateway: &str, cb: &SignedCallback) -> (u16, String) {
        let mut request = self.http.post(format!("{}/callback/{gateway}", self.base)).body(cb.body.clone());
        for (name, value) in &cb.headers {
            request = request.header(name, value);
        }
        let response = request.send().await.unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }
}

/// The next notice a listener hears, failing the test after [`WAIT`].
pub async fn heard(listener: &mut StatusListener) -> StatusNotice {
    match tokio::time::timeout(WAIT, listener.next()).await {
        Ok(Ok(Some(notice))) => notice,
        other => panic!("no status notice: {other:?}"),
    }
}

/// What a callback says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Says {
    /// The news that moves a new sale furthest by callback: paid (Pay3: confirming, since its
    /// webhook names no amount and a poll must compare it).
    Done,
    /// An earlier stage (pending, paying); Dex3 sends no such callback (only success).
    Early,
    /// Another, different callback with the same news as [`Says::Done`].
    DoneAgain,
}

/// The status [`Says::Done`] moves a sale of `gateway` to.
pub fn done_status(gateway: &str) -> InvoiceStatus {
    if gateway == "pay3" {
        InvoiceStatus::Confirming
    } else {
        InvoiceStatus::Paid
    }
}

/// A callback of `gateway` about `order_id`, signed by the simulator with the account's secret,
/// or (`genuine` false) with a wrong one. `None` where the gateway sends no such callback.
pub fn signed(gateway: &str, order_id: &str, says: Says, genuine: bool) -> Option<SignedCallback> {
    let key = |field: &str| if genuine { cred(gateway, field).to_string() } else { "not-the-account-secret".into() };
    let invoice = format!("INV-{order_id}");
    Some(match (gateway, says) {
        ("dex3", Says::Early) => return None,
        ("dex3", _) => {
            let hash = if says == Says::Done { "0x9edb60bdeebd" } else { "0x51a4c0ffee" };
            callbacks::dex3(order_id, &invoice, 450, hash, cred(gateway, "merchant_public"), &key("merchant_private"))
        }
        ("thedex", Says::Early) => {
            callbacks::thedex(order_id, &invoice, 0, "Waiting", cred(gateway, "api_key"), &key("secret_key"))
        }
        ("thedex", Says::Done) => {
            callbacks::thedex(order_id, &invoice, 3, "Successful", cred(gateway, "api_key"), &key("secret_key"))
        }
        ("thedex", Says::DoneAgain) => {
            callbacks::thedex(order_id, "INV-other", 3, "Successful", cred(gateway, "api_key"), &key("secret_key"))
        }
        ("oxapay", Says::Early) => callbacks::oxapay(order_id, &invoice, "Paying", &key("merchant_api_key")),
        ("oxapay", Says::Done) => callbacks::oxapay(order_id, &invoice, "Paid", &key("merchant_api_key")),
        ("oxapay", Says::DoneAgain) => callbacks::oxapay(order_id, "other-track", "Paid", &key("merchant_api_key")),
        ("pay3", Says::Early) => callbacks::pay3(order_id, &invoice, "ORDER_PAYMENT_AWAITING", &key("webhook_secret")),
        ("pay3", Says::Done) => callbacks::pay3(order_id, &invoice, "COMPLETED", &key("webhook_secret")),
        ("pay3", Says::DoneAgain) => callbacks::pay3(order_id, "P3-other", "COMPLETED", &key("webhook_secret")),
        ("nonstopay", Says::Early) => callbacks::nonstopay(order_id, 1689, "invoice:opened", &key("api_key")),
        ("nonstopay", Says::Done) => callbacks::nonstopay(order_id, 1689, "invoice:paid", &key("api_key")),
        ("nonstopay", Says::DoneAgain) => callbacks::nonstopay(order_id, 1690, "invoice:paid", &key("api_key")),
        _ => panic!("no callbacks for {gateway}"),
    })
}
