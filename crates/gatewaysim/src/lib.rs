//! A local simulator of every gateway Paydesk speaks to, written from the providers' documents
//! (`../shared/gateways.md`) and depending on no other crate of the workspace. Each gateway's
//! module answers its contract the way the real one does, checking auth headers, signatures and
//! amount formats and answering the gateway's own error shape; a small pay page per invoice has
//! Pay, Underpay and Expire buttons that move the invoice's status. Used by contract tests, the
//! CLI (`paydesk simulate`) and the app's Demo gateway.

// Checks return the HTTP answer to give as their error; boxing it would only add noise.
#![allow(clippy::result_large_err)]

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use serde_json::Value;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub mod callbacks;
mod cut;
pub mod faults;
pub mod gateways;
pub mod wire;

/// The port `paydesk simulate` listens on by default; the Demo gateway's default base URL uses it.
pub const DEFAULT_PORT: u16 = 8787;

/// Where an invoice stands on the simulator, whatever each gateway calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayState {
    Open,
    Paid,
    /// Half the amount arrived.
    Underpaid,
    Expired,
}

#[derive(Debug, Clone)]
pub struct SimInvoice {
    /// Unguessable: the pay page's address, which moves money on the Demo gateway.
    pub key: String,
    pub gateway: &'static str,
    /// The id this gateway gives the invoice.
    pub gateway_id: String,
    pub order_id: String,
    /// Minor units of `currency`.
    pub amount_minor: u64,
    /// The amount exactly as the client wrote it (a JSON string or number), for echoing.
    pub amount_sent: Value,
    pub currency: String,
    pub decimals: u8,
    pub description: Option<String>,
    pub created_at: i64,
    /// When the customer last moved it (viewed, paid, underpaid, expired by hand).
    pub updated_at: i64,
    pub expires_at: i64,
    pub state: PayState,
    /// The customer opened the pay page.
    pub viewed: bool,
    /// Merchant data the gateway echoes back as it was sent (NonStoPay's `callbackJson`, Pay3's
    /// `email`).
    pub echo: Option<Value>,
    /// The callback URL the create carried for this invoice (Dex3 `webhook`, TheDex `callbackUrl`,
    /// OxaPay `callback_url` / legacy `callbackUrl`, Pay3 `callbackUrl`), where the gateway would
    /// send its status callbacks.
    pub callback_url: Option<String>,
}

impl SimInvoice {
    /// The state as of now: an open invoice past its expiry has expired.
    pub fn current_state(&self) -> PayState {
        if self.state == PayState::Open && now() >= self.expires_at {
            PayState::Expired
        } else {
            self.state
        }
    }

    /// Open for payment: the customer could still pay it.
    pub fn is_live(&self) -> bool {
        matches!(self.current_state(), PayState::Open | PayState::Underpaid)
    }

    /// What arrived so far, in minor units.
    pub fn paid_minor(&self) -> u64 {
        match self.current_state() {
            PayState::Paid => self.amount_minor,
            PayState::Underpaid => self.amount_minor / 2,
            PayState::Open | PayState::Expired => 0,
        }
    }

    /// The amount as decimal text in its currency's places.
    pub fn amount_text(&self) -> String {
        wire::format_minor(self.amount_minor, self.decimals)
    }

    /// The amount as the client wrote it, as text ("12.30" stays "12.30").
    pub fn amount_sent_text(&self) -> String {
        wire::text(&self.amount_sent).unwrap_or_else(|| self.amount_text())
    }

    /// When it last changed, counting a lapse past its expiry.
    pub fn current_updated_at(&self) -> i64 {
        if self.state == PayState::Open && now() >= self.expires_at {
            self.expires_at
        } else {
            self.updated_at
        }
    }
}

/// What a gateway module asks for when it creates an invoice.
pub struct NewInvoice<'a> {
    pub gateway: &'static str,
    pub gateway_id: String,
    pub order_id: &'a str,
    pub amount_minor: u64,
    /// The amount's JSON value as the request carried it.
    pub amount_sent: Value,
    pub currency: &'a str,
    pub decimals: u8,
    pub description: Option<&'a str>,
    pub lifetime_secs: i64,
    pub echo: Option<Value>,
    pub callback_url: Option<String>,
}

/// Shared state of one running simulator.
#[derive(Clone)]
pub struct Sim(Arc<Inner>);

struct Inner {
    public_base: String,
    invoices: Mutex<HashMap<String, SimInvoice>>,
    next_number: AtomicU64,
    faults: faults::Faults,
}

impl Sim {
    fn new(public_base: String) -> Sim {
        Sim(Arc::new(Inner {
            public_base,
            invoices: Mutex::default(),
            next_number: AtomicU64::new(1),
            faults: faults::Faults::default(),
        }))
    }

    /// This simulator's address, e.g. `http://127.0.0.1:8787`.
    pub fn public_base(&self) -> &str {
        &self.0.public_base
    }

    /// A number no other invoice of this simulator has, for gateway ids.
    pub fn next_number(&self) -> u64 {
        self.0.next_number.fetch_add(1, Ordering::Relaxed)
    }

    /// Makes an invoice. Whether a repeated order id is refused, answered with the invoice it
    /// has, or made again is each gateway module's to decide (see [`Sim::invoices_for_order`]).
    pub fn create(&self, new: NewInvoice<'_>) -> SimInvoice {
        let created_at = now();
        let inv = SimInvoice {
            key: random_key(),
            gateway: new.gateway,
            gateway_id: new.gateway_id,
            order_id: new.order_id.to_string(),
            amount_minor: new.amount_minor,
            amount_sent: new.amount_sent,
            currency: new.currency.to_string(),
            decimals: new.decimals,
            description: new.description.map(str::to_string),
            created_at,
            updated_at: created_at,
            expires_at: created_at.saturating_add(new.lifetime_secs),
            state: PayState::Open,
            viewed: false,
            echo: new.echo,
            callback_url: new.callback_url,
        };
        self.0.invoices.lock().expect("sim state lock").insert(inv.key.clone(), inv.clone());
        inv
    }

    /// An invoice of `gateway` by the gateway's id.
    pub fn find(&self, gateway: &str, gateway_id: &str) -> Option<SimInvoice> {
        let invoices = self.0.invoices.lock().expect("sim state lock");
        invoices.values().find(|i| i.gateway == gateway && i.gateway_id == gateway_id).cloned()
    }

    /// Every invoice `gateway` holds for our order id, oldest first.
    pub fn invoices_for_order(&self, gateway: &str, order_id: &str) -> Vec<SimInvoice> {
        let invoices = self.0.invoices.lock().expect("sim state lock");
        let mut found: Vec<SimInvoice> =
            invoices.values().filter(|i| i.gateway == gateway && i.order_id == order_id).cloned().collect();
        found.sort_by_key(|i| (i.created_at, i.gateway_id.clone()));
        found
    }

    /// How many invoices for our order id a customer could still pay at `gateway`.
    pub fn live_invoices(&self, gateway: &str, order_id: &str) -> usize {
        self.invoices_for_order(gateway, order_id).iter().filter(|i| i.is_live()).count()
    }

    /// The first invoice `gateway` holds for our order id.
    pub fn find_by_order(&self, gateway: &str, order_id: &str) -> Option<SimInvoice> {
        self.invoices_for_order(gateway, order_id).into_iter().next()
    }

    /// The callback URL the first create for our order id at `gateway` carried: `None` when it
    /// carried none (or there is no such invoice).
    pub fn callback_url(&self, gateway: &str, order_id: &str) -> Option<String> {
        self.find_by_order(gateway, order_id).and_then(|i| i.callback_url)
    }

    /// Every invoice of `gateway`, oldest first.
    pub fn invoices_of(&self, gateway: &str) -> Vec<SimInvoice> {
        let invoices = self.0.invoices.lock().expect("sim state lock");
        let mut found: Vec<SimInvoice> = invoices.values().filter(|i| i.gateway == gateway).cloned().collect();
        found.sort_by_key(|i| (i.created_at, i.gateway_id.clone()));
        found
    }

    pub fn by_key(&self, key: &str) -> Option<SimInvoice> {
        self.0.invoices.lock().expect("sim state lock").get(key).cloned()
    }

    /// What the customer opens to pay (the QR's content).
    pub fn pay_link(&self, inv: &SimInvoice) -> String {
        format!("{}/pay/{}", self.0.public_base, inv.key)
    }

    /// Moves an open (or part-paid) invoice to `to`; a final one stays as it is.
    pub fn settle(&self, key: &str, to: PayState) -> Option<SimInvoice> {
        let mut invoices = self.0.invoices.lock().expect("sim state lock");
        let inv = invoices.get_mut(key)?;
        if inv.is_live() {
            inv.state = to;
            inv.viewed = true;
            inv.updated_at = now();
        }
        Some(inv.clone())
    }

    fn mark_viewed(&self, key: &str) -> Option<SimInvoice> {
        let mut invoices = self.0.invoices.lock().expect("sim state lock");
        let inv = invoices.get_mut(key)?;
        if !inv.viewed && inv.is_live() {
            inv.viewed = true;
            inv.updated_at = now();
        }
        Some(inv.clone())
    }
}

/// 128 random bits in hex: a pay page nobody can guess its way to.
fn random_key() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the OS random source works");
    hex::encode(bytes)
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// A running simulator; dropping it stops the server.
pub struct RunningSim {
    pub addr: SocketAddr,
    pub sim: Sim,
    _stop: oneshot::Sender<()>,
}

impl RunningSim {
    /// The base URL to give Paydesk for `gateway` (e.g. `http://127.0.0.1:8787/dex3/`).
    pub fn base_url(&self, gateway: &str) -> String {
        format!("{}/{gateway}/", self.sim.public_base())
    }
}

/// How a simulator is started.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Serve `/_sim/faults` and `/_sim/requests`, with which any local process can make the
    /// simulator misbehave or count its requests: for tests and `paydesk simulate`, never for
    /// the Demo gateway inside the app.
    pub control: bool,
}

/// Starts the simulator with its control endpoints on 127.0.0.1:`port` (0 picks a free port).
pub async fn start(port: u16) -> std::io::Result<RunningSim> {
    start_with(port, Options { control: true }).await
}

/// The Demo gateway inside the app: no control endpoints.
pub async fn start_demo(port: u16) -> std::io::Result<RunningSim> {
    start_with(port, Options { control: false }).await
}

/// Starts a simulator on the current tokio runtime.
pub async fn start_with(port: u16, options: Options) -> std::io::Result<RunningSim> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let sim = Sim::new(format!("http://{addr}"));
    let app = router(sim.clone(), options);
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        // Connections carry a `Cut` so a fault can close its own connection unanswered.
        let _ = axum::serve(cut::CutListener(listener), app.into_make_service_with_connect_info::<cut::Cut>())
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(RunningSim { addr, sim, _stop: stop })
}

fn router(sim: Sim, options: Options) -> Router {
    let mut app = Router::new()
        .route("/", get(index))
        .route("/pay/{key}", get(pay_page))
        .route("/pay/{key}/pay", post(|s, k| act(s, k, PayState::Paid)))
        .route("/pay/{key}/underpay", post(|s, k| act(s, k, PayState::Underpaid)))
        .route("/pay/{key}/expire", post(|s, k| act(s, k, PayState::Expired)));
    if options.control {
        app = app.route("/_sim/faults", post(faults::arm)).route("/_sim/requests", get(faults::count));
    }
    for gw in gateways::ALL {
        let faulty = axum::middleware::from_fn_with_state((sim.clone(), gw.id), faults::layer);
        app = app.nest(&format!("/{}", gw.id), (gw.routes)().layer(faulty));
    }
    app.with_state(sim)
}

async fn index() -> Html<String> {
    let mut rows = String::new();
    for gw in gateways::ALL {
        let creds: Vec<String> = gw.credentials.iter().map(|(f, v)| format!("{f}={v}")).collect();
        rows.push_str(&format!("<li><b>{}</b>: base URL /{}/ — credentials: {}</li>", gw.id, gw.id, creds.join(", ")));
    }
    Html(format!(
        "<!doctype html><title>Paydesk gateway simulator</title><h1>Paydesk gateway simulator</h1><ul>{rows}</ul>"
    ))
}

async fn pay_page(State(sim): State<Sim>, Path(key): Path<String>) -> Response {
    let Some(inv) = sim.mark_viewed(&key) else {
        return (axum::http::StatusCode::NOT_FOUND, Html("<h1>No such invoice</h1>".to_string())).into_response();
    };
    let state = match inv.current_state() {
        PayState::Open => "Waiting for payment",
        PayState::Paid => "Paid",
        PayState::Underpaid => "Underpaid",
        PayState::Expired => "Expired",
    };
    let amount = inv.amount_text();
    let buttons = if inv.is_live() {
        format!(
            r#"<form method="post" action="/pay/{k}/pay"><button id="pay">Pay {amount} {cur}</button></form>
<form method="post" action="/pay/{k}/underpay"><button id="underpay">Underpay</button></form>
<form method="post" action="/pay/{k}/expire"><button id="expire">Let it expire</button></form>"#,
            k = html_escape(&inv.key),
            cur = html_escape(&inv.currency),
        )
    } else {
        String::new()
    };
    Html(format!(
        r#"<!doctype html><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<title>Pay {amount} {cur} — simulator</title>
<style>body{{font:20px system-ui;max-width:28em;margin:2em auto}}button{{font-size:1em;padding:.5em 1em;margin:.3em 0}}</style>
<h1>{gw} (simulated)</h1><p>Order <code>{order}</code></p><p>Amount: <b>{amount} {cur}</b></p>
<p>Status: <b id="status">{state}</b></p>{buttons}"#,
        gw = html_escape(inv.gateway),
        order = html_escape(&inv.order_id),
        cur = html_escape(&inv.currency),
    ))
    .into_response()
}

async fn act(State(sim): State<Sim>, Path(key): Path<String>, to: PayState) -> Response {
    match sim.settle(&key, to) {
        Some(inv) => Redirect::to(&format!("/pay/{}", inv.key)).into_response(),
        None => (axum::http::StatusCode::NOT_FOUND, "no such invoice").into_response(),
    }
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
