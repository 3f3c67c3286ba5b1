//! A local simulator of every gateway Paydesk speaks to. Each gateway's module answers its create
//! and status contract the way the real one does, checking auth headers, signatures and amount
//! formats and answering the gateway's own error shape; a small pay page per invoice has "Pay" and
//! "Underpay" buttons that move the invoice's status. Used by contract tests, the CLI
//! (`paydesk simulate`) and the app's Demo gateway.

use axum::extract::{Path, State};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{SystemTime, UNIX_EPOCH};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

pub mod faults;
pub mod gateways;

/// The port `paydesk simulate` listens on by default; the Demo gateway's default base URL uses it.
pub const DEFAULT_PORT: u16 = 8787;

/// Where an invoice stands on the simulator, whatever each gateway calls it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayState {
    Open,
    Paid,
    Underpaid,
    Expired,
}

#[derive(Debug, Clone)]
pub struct SimInvoice {
    /// Unique across gateways; the pay page's address.
    pub key: String,
    pub gateway: &'static str,
    /// The id this gateway gives the invoice.
    pub gateway_id: String,
    pub order_id: String,
    /// Minor units of `currency`.
    pub amount_minor: u64,
    pub currency: String,
    pub description: Option<String>,
    pub created_at: i64,
    pub expires_at: i64,
    pub state: PayState,
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
}

/// What a gateway module asks for when it creates an invoice.
pub struct NewInvoice<'a> {
    pub gateway: &'static str,
    pub order_id: &'a str,
    pub amount_minor: u64,
    pub currency: &'a str,
    pub description: Option<&'a str>,
    pub lifetime_secs: i64,
}

/// Shared state of one running simulator.
#[derive(Clone)]
pub struct Sim(Arc<Inner>);

struct Inner {
    public_base: String,
    invoices: Mutex<HashMap<String, SimInvoice>>,
    next_id: AtomicU64,
    faults: faults::Faults,
}

impl Sim {
    fn new(public_base: String) -> Sim {
        Sim(Arc::new(Inner {
            public_base,
            invoices: Mutex::default(),
            next_id: AtomicU64::new(1),
            faults: faults::Faults::default(),
        }))
    }

    /// This simulator's address, e.g. `http://127.0.0.1:8787`.
    pub fn public_base(&self) -> &str {
        &self.0.public_base
    }

    /// Creates an invoice, or returns the one this gateway already has for the order id
    /// (`Err`), so each gateway module can answer a duplicate its own way.
    pub fn create(&self, new: NewInvoice<'_>) -> Result<SimInvoice, Box<SimInvoice>> {
        let mut invoices = self.0.invoices.lock().expect("sim state lock");
        if let Some(existing) = invoices.values().find(|i| i.gateway == new.gateway && i.order_id == new.order_id) {
            return Err(Box::new(existing.clone()));
        }
        let n = self.0.next_id.fetch_add(1, Ordering::Relaxed);
        let created_at = now();
        let inv = SimInvoice {
            key: format!("{}-{n}", new.gateway),
            gateway: new.gateway,
            gateway_id: format!("SIM{}{n:06}", new.gateway.to_ascii_uppercase()),
            order_id: new.order_id.to_string(),
            amount_minor: new.amount_minor,
            currency: new.currency.to_string(),
            description: new.description.map(str::to_string),
            created_at,
            expires_at: created_at + new.lifetime_secs,
            state: PayState::Open,
        };
        invoices.insert(inv.key.clone(), inv.clone());
        Ok(inv)
    }

    /// An invoice of `gateway` by the gateway's id.
    pub fn find(&self, gateway: &str, gateway_id: &str) -> Option<SimInvoice> {
        let invoices = self.0.invoices.lock().expect("sim state lock");
        invoices.values().find(|i| i.gateway == gateway && i.gateway_id == gateway_id).cloned()
    }

    /// An invoice of `gateway` by our order id.
    pub fn find_by_order(&self, gateway: &str, order_id: &str) -> Option<SimInvoice> {
        let invoices = self.0.invoices.lock().expect("sim state lock");
        invoices.values().find(|i| i.gateway == gateway && i.order_id == order_id).cloned()
    }

    pub fn by_key(&self, key: &str) -> Option<SimInvoice> {
        self.0.invoices.lock().expect("sim state lock").get(key).cloned()
    }

    /// What the customer opens to pay (the QR's content).
    pub fn pay_link(&self, inv: &SimInvoice) -> String {
        format!("{}/pay/{}", self.0.public_base, inv.key)
    }

    /// Moves an open invoice to `to`; a final one stays as it is. Returns the invoice after.
    pub fn settle(&self, key: &str, to: PayState) -> Option<SimInvoice> {
        let mut invoices = self.0.invoices.lock().expect("sim state lock");
        let inv = invoices.get_mut(key)?;
        if matches!(inv.current_state(), PayState::Open | PayState::Underpaid) {
            inv.state = to;
        }
        Some(inv.clone())
    }
}

pub fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or(0)
}

/// Reads a decimal amount as a gateway would: digits, at most one '.', at most `max_decimals`
/// decimals, more than zero. Returns minor units at `decimals` places.
pub fn parse_wire_decimal(text: &str, max_decimals: u8, decimals: u8) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits_ok(whole) || !digits_ok(fraction) || fraction.len() > usize::from(max_decimals) {
        return None;
    }
    if text.contains('.') && fraction.is_empty() {
        return None;
    }
    let mut padded = fraction.to_string();
    while padded.len() < usize::from(decimals) {
        padded.push('0');
    }
    let minor: u64 = format!("{whole}{padded}").parse().ok()?;
    (minor > 0).then_some(minor)
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

/// Starts the simulator on 127.0.0.1:`port` (0 picks a free port) on the current tokio runtime.
pub async fn start(port: u16) -> std::io::Result<RunningSim> {
    let listener = TcpListener::bind(("127.0.0.1", port)).await?;
    let addr = listener.local_addr()?;
    let sim = Sim::new(format!("http://{addr}"));
    let app = router(sim.clone());
    let (stop, stopped) = oneshot::channel::<()>();
    tokio::spawn(async move {
        // Connections carry a `Cut` so a Reset fault can close its own connection unanswered.
        let _ = axum::serve(faults::CutListener(listener), app.into_make_service_with_connect_info::<faults::Cut>())
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
    });
    Ok(RunningSim { addr, sim, _stop: stop })
}

fn router(sim: Sim) -> Router {
    let mut app = Router::new()
        .route("/", get(index))
        .route("/pay/{key}", get(pay_page))
        .route("/pay/{key}/pay", post(|s, k| act(s, k, PayState::Paid)))
        .route("/pay/{key}/underpay", post(|s, k| act(s, k, PayState::Underpaid)))
        .route("/pay/{key}/expire", post(|s, k| act(s, k, PayState::Expired)))
        .route("/_sim/faults", post(faults::arm))
        .route("/_sim/requests", get(faults::count));
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
    let Some(inv) = sim.by_key(&key) else {
        return (axum::http::StatusCode::NOT_FOUND, Html("<h1>No such invoice</h1>".to_string())).into_response();
    };
    let state = match inv.current_state() {
        PayState::Open => "Waiting for payment",
        PayState::Paid => "Paid",
        PayState::Underpaid => "Underpaid",
        PayState::Expired => "Expired",
    };
    let amount = format_minor(inv.amount_minor, &inv.currency);
    let buttons = if matches!(inv.current_state(), PayState::Open | PayState::Underpaid) {
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

fn format_minor(minor: u64, currency: &str) -> String {
    use paydesk_core::money::{Amount, Currency};
    match currency.parse::<Currency>().ok().and_then(|c| Amount::from_minor(minor, c).ok()) {
        Some(amount) => amount.to_decimal_string(),
        None => minor.to_string(),
    }
}

pub fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_decimals_are_read_strictly() {
        assert_eq!(parse_wire_decimal("12.34", 2, 2), Some(1234));
        assert_eq!(parse_wire_decimal("12", 2, 2), Some(1200));
        assert_eq!(parse_wire_decimal("12.5", 2, 2), Some(1250));
        assert_eq!(parse_wire_decimal("12.345", 2, 2), None);
        assert_eq!(parse_wire_decimal("12.", 2, 2), None);
        assert_eq!(parse_wire_decimal("-1", 2, 2), None);
        assert_eq!(parse_wire_decimal("1e3", 2, 2), None);
        assert_eq!(parse_wire_decimal("0.00", 2, 2), None);
        assert_eq!(parse_wire_decimal("1250", 0, 0), Some(1250));
    }
}
