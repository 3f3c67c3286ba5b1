//! The till's link to a shop database: its outbox pushed in the background, and the statuses
//! verified gateway callbacks moved (through the shop relay) recorded the moment they are
//! announced. The ledger stays the till's truth: with the link down the till sells as before,
//! polling stays the fallback, and the outbox catches up when the link is back.

use crate::service::record_news;
use paydesk_gateways::gateway::{FieldSpec, GatewayInfo, Lifetime, Lookup, Repeat};
use paydesk_ledger::Ledger;
use paydesk_money::clock::unix_now;
use paydesk_money::StatusReport;
use paydesk_shop::{ShopDb, ShopError, StatusNotice};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// The shop database's address is a credential like a gateway's: kept in the OS keyring as
/// `shop_database.url`, with `PAYDESK_SHOP_DATABASE_URL` taking precedence. It is described as a
/// gateway only so the one credential store serves it; it is in no gateway list.
pub static SHOP_DATABASE: GatewayInfo = GatewayInfo {
    id: "shop_database",
    name: "Shop database",
    default_base_url: "",
    // Not required: a till with no keyring (and no variable) has no shop database, not an error.
    fields: &[FieldSpec {
        name: "url", label: "Shop database address (postgres://…)", secret: true, required: false
    }],
    knobs: &[],
    currencies: None,
    can_poll: false,
    repeat: Repeat::Duplicates,
    lookup: Lookup::Dashboard,
    lifetime: Lifetime::Fixed,
};

/// The name a till goes by in shop views: its terminal label, else "Till" and the start of its id.
pub fn till_name(terminal_label: Option<&str>, till_id: &str) -> String {
    match terminal_label {
        Some(label) => label.to_string(),
        None => format!("Till {}", &till_id[..till_id.len().min(4)]),
    }
}

/// The shop database's address from `store` (keyring or `PAYDESK_SHOP_DATABASE_URL`), if set.
pub fn configured_url(store: &crate::credentials::CredentialStore) -> Result<Option<String>, crate::error::Error> {
    Ok(store.load(&SHOP_DATABASE)?.get("url").map(|s| s.expose().to_string()))
}

/// How often an empty outbox is looked at again, for sales other processes (the CLI) wrote; this
/// process's own commits wake the pusher at once.
const PUSH_EVERY: Duration = Duration::from_millis(200);
/// The longest wait between two tries while the shop database cannot be reached.
const RETRY_MAX: Duration = Duration::from_secs(30);

/// What the link last did, for Settings.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LinkState {
    /// Unix seconds of the last push that reached the shop database.
    pub pushed_at: Option<i64>,
    /// Why the last push or listen failed, if it did (no password in it).
    pub error: Option<String>,
    /// Callback news is being listened for.
    pub listening: bool,
}

/// The running link. Dropping it stops its tasks.
pub struct ShopLink {
    db: Arc<ShopDb>,
    state: Arc<Mutex<LinkState>>,
    tasks: Vec<JoinHandle<()>>,
}

impl ShopLink {
    /// Opens the shop database at `url` (no I/O yet) and starts pushing `ledger`'s outbox under
    /// `till_name` and listening for callback news, which wakes `news`. Needs a Tokio runtime.
    pub fn start(url: &str, ledger: Arc<Ledger>, news: Arc<Notify>, till_name: String) -> Result<ShopLink, ShopError> {
        let db = Arc::new(ShopDb::open(url)?);
        let state = Arc::new(Mutex::new(LinkState::default()));
        let wake = Arc::new(Notify::new());
        // Weak: once this link's pusher is gone the hook does nothing, and a link started after
        // it (a new address) installs its own, whichever of the two is dropped last.
        let woken = Arc::downgrade(&wake);
        ledger.on_commit(move || {
            if let Some(wake) = woken.upgrade() {
                wake.notify_one();
            }
        });
        let pusher = tokio::spawn(push_loop(db.clone(), ledger.clone(), till_name, state.clone(), wake));
        let listener = tokio::spawn(listen_loop(db.clone(), ledger, news, state.clone()));
        Ok(ShopLink { db, state, tasks: vec![pusher, listener] })
    }

    pub fn db(&self) -> &ShopDb {
        &self.db
    }

    pub fn state(&self) -> LinkState {
        self.state.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }
}

impl Drop for ShopLink {
    fn drop(&mut self) {
        self.tasks.iter().for_each(JoinHandle::abort);
    }
}

fn set(state: &Mutex<LinkState>, change: impl FnOnce(&mut LinkState)) {
    change(&mut state.lock().unwrap_or_else(|p| p.into_inner()));
}

async fn push_loop(
    db: Arc<ShopDb>,
    ledger: Arc<Ledger>,
    till_name: String,
    state: Arc<Mutex<LinkState>>,
    wake: Arc<Notify>,
) {
    let mut pause = PUSH_EVERY;
    loop {
        match paydesk_shop::drain(&ledger, &db, &till_name).await {
            Ok(pushed) => {
                pause = PUSH_EVERY;
                set(&state, |s| {
                    if pushed > 0 || s.pushed_at.is_none() {
                        s.pushed_at = Some(unix_now());
                    }
                    s.error = None;
                });
            }
            Err(e) => {
                pause = (pause * 2).clamp(Duration::from_secs(1), RETRY_MAX);
                set(&state, |s| s.error = Some(e.to_string()));
                // While the shop database is away, a new sale does not cut the wait short.
                tokio::time::sleep(pause).await;
                continue;
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(pause) => {}
            _ = wake.notified() => {}
        }
    }
}

async fn listen_loop(db: Arc<ShopDb>, ledger: Arc<Ledger>, news: Arc<Notify>, state: Arc<Mutex<LinkState>>) {
    let mut pause = Duration::from_secs(1);
    loop {
        let till_id = match ledger.till_id() {
            Ok(id) => id,
            Err(_) => return,
        };
        match db.listen().await {
            Ok(mut listener) => {
                set(&state, |s| s.listening = true);
                pause = Duration::from_secs(1);
                // What was announced while nobody listened.
                catch_up(&db, &ledger, &news, &till_id).await;
                loop {
                    match listener.next().await {
                        Ok(Some(notice)) if notice.till_id == till_id => apply(&ledger, &news, &notice).await,
                        Ok(Some(_)) => {}
                        Ok(None) => catch_up(&db, &ledger, &news, &till_id).await,
                        Err(e) => {
                            set(&state, |s| (s.listening, s.error) = (false, Some(e.to_string())));
                            break;
                        }
                    }
                }
            }
            Err(e) => set(&state, |s| (s.listening, s.error) = (false, Some(e.to_string()))),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(RETRY_MAX);
    }
}

async fn apply(ledger: &Arc<Ledger>, news: &Arc<Notify>, notice: &StatusNotice) {
    let (ledger, news, notice) = (ledger.clone(), news.clone(), notice.clone());
    let report = StatusReport { status: notice.status, gateway_status: notice.gateway_status.clone() };
    // A failure here (a busy ledger) is not lost: the follow's next poll asks the gateway.
    let _ = crate::service::unblocked(move || record_news(&ledger, &news, &notice.order_id, &report)).await;
}

/// Records the callback statuses of this till's open sales that were announced while the link
/// was down.
async fn catch_up(db: &ShopDb, ledger: &Arc<Ledger>, news: &Arc<Notify>, till_id: &str) {
    let open: Vec<String> = {
        let ledger = ledger.clone();
        crate::service::unblocked(move || open_order_ids(&ledger)).await.unwrap_or_default()
    };
    if open.is_empty() {
        return;
    }
    if let Ok(notices) = db.callback_statuses(till_id, &open).await {
        for notice in &notices {
            apply(ledger, news, notice).await;
        }
    }
}

fn open_order_ids(ledger: &Ledger) -> Result<Vec<String>, paydesk_ledger::LedgerError> {
    use paydesk_money::InvoiceStatus::*;
    let mut open = Vec::new();
    for status in [Creating, Unknown, Pending, Confirming, Underpaid] {
        open.extend(ledger.in_status(status)?.into_iter().map(|i| i.order_id));
    }
    Ok(open)
}
