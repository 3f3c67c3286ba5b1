//! The callback relay: a small HTTP server on a machine with a public address that receives the
//! gateways' payment callbacks (webhooks) for tills behind NAT, checks each with its gateway's
//! documented scheme, and writes the status to the shop database, which tells the sale's till at
//! once (LISTEN/NOTIFY).
//!
//! `POST /callback/{gateway}` answers:
//! - 200 `ok` when the status was applied, was already there (an older or repeated status), or
//!   this exact body was applied before (OxaPay wants the text `ok`);
//! - 401 when the callback fails its check (nothing is written);
//! - 400 when it passes but cannot be read;
//! - 404 for a gateway this relay does not serve, or a sale the shop database does not have yet
//!   (its till may not have pushed it: the gateway's retry can still apply it);
//! - 413 for a body over [`BODY_LIMIT`];
//! - 503 while the shop database cannot be reached (the gateway retries).
//!
//! `GET /health` answers 200 with the shop schema version, or 503.
//!
//! No answer and no log line carries a secret, an expected signature or a body.

use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, FromRequest, Path, Request, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use paydesk_gateways::gateway::{Credentials, Gateway, GatewayError, GatewayInfo, Knobs};
use paydesk_gateways::Callback;
use paydesk_shop::{Applied, CallbackStatus, ShopDb, ShopError};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use std::future::Future;
use std::sync::Arc;
use tokio::net::TcpListener;

/// The largest callback body accepted; real ones are a few hundred bytes.
pub const BODY_LIMIT: usize = 64 * 1024;

/// One gateway with what it needs to check its callbacks.
pub struct Served {
    pub gateway: Arc<dyn Gateway>,
    pub credentials: Credentials,
    pub knobs: Knobs,
}

/// The relay's state: the shop database and the gateways it serves. Cheap to clone.
#[derive(Clone)]
pub struct Relay {
    inner: Arc<Inner>,
}

struct Inner {
    shop: ShopDb,
    gateways: BTreeMap<&'static str, Served>,
    skipped: Vec<(&'static str, String)>,
}

impl Relay {
    /// Serves each of `gateways` whose credentials are enough to check a callback. Demo is never
    /// served (it has no callbacks), nor is a gateway missing a credential its check needs (Pay3
    /// without its `webhook_secret`, say): those are listed by [`Self::skipped`].
    pub fn new(shop: ShopDb, gateways: impl IntoIterator<Item = Served>) -> Relay {
        Relay::build(shop, gateways, Vec::new())
    }

    fn build(
        shop: ShopDb,
        gateways: impl IntoIterator<Item = Served>,
        mut skipped: Vec<(&'static str, String)>,
    ) -> Relay {
        let mut served = BTreeMap::new();
        for g in gateways {
            let info = g.gateway.info();
            match can_check(&g) {
                Ok(()) => {
                    served.insert(info.id, g);
                }
                Err(why) => skipped.push((info.id, why)),
            }
        }
        Relay { inner: Arc::new(Inner { shop, gateways: served, skipped }) }
    }

    /// [`Self::new`] with each gateway's credentials from `credentials` (the CLI passes the
    /// keyring, whose calls block: call this off the async workers) and its knobs from `env`
    /// (`PAYDESK_<GATEWAY>_<KNOB>`). A gateway whose credentials cannot be loaded is skipped.
    pub fn load<E: std::fmt::Display>(
        shop: ShopDb,
        gateways: impl IntoIterator<Item = Arc<dyn Gateway>>,
        mut credentials: impl FnMut(&'static GatewayInfo) -> Result<Credentials, E>,
        env: impl Fn(&str) -> Option<String>,
    ) -> Relay {
        let mut served = Vec::new();
        let mut unloadable = Vec::new();
        for gateway in gateways {
            let info = gateway.info();
            if info.id == "demo" {
                unloadable.push((info.id, "the Demo gateway sends no callbacks".to_string()));
                continue;
            }
            match credentials(info) {
                Ok(credentials) => {
                    let knobs = Knobs::resolve(info, |name| env(&info.env_var(name)));
                    served.push(Served { gateway, credentials, knobs });
                }
                Err(e) => unloadable.push((info.id, format!("its credentials cannot be loaded: {e}"))),
            }
        }
        Relay::build(shop, served, unloadable)
    }

    /// The gateways served, by id.
    pub fn served(&self) -> Vec<&'static str> {
        self.inner.gateways.keys().copied().collect()
    }

    /// The gateways not served, each with why (no secret in it).
    pub fn skipped(&self) -> &[(&'static str, String)] {
        &self.inner.skipped
    }

    pub fn shop(&self) -> &ShopDb {
        &self.inner.shop
    }
}

/// Whether a gateway's credentials let it check a callback: an empty callback must fail the
/// check itself (BadSignature or BadResponse), not for a missing credential or for want of a
/// scheme (Demo).
fn can_check(g: &Served) -> Result<(), String> {
    let probe = Callback { headers: &[], body: b"" };
    match g.gateway.verify_callback(&g.credentials, &g.knobs, &probe) {
        Err(GatewayError::BadSignature(_) | GatewayError::BadResponse(_)) => Ok(()),
        Err(GatewayError::MissingCredential { field, .. }) => Err(format!("its credential '{field}' is not set")),
        Err(e) => Err(g.credentials.scrub(&e.to_string())),
        Ok(_) => Err("an empty callback passed its check: refusing to serve it".into()),
    }
}

/// The relay's routes, for [`serve`] or a test's own server.
pub fn router(relay: Relay) -> Router {
    Router::new()
        .route("/callback/{gateway}", post(callback))
        .route("/health", get(health))
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .with_state(relay)
}

/// Serves the relay on `listener` until the process ends.
pub async fn serve(listener: TcpListener, relay: Relay) -> std::io::Result<()> {
    axum::serve(listener, router(relay)).await
}

/// Serves the relay on `listener` until `shutdown` completes (Ctrl-C, say); requests in flight
/// are finished.
pub async fn serve_until(
    listener: TcpListener,
    relay: Relay,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    axum::serve(listener, router(relay)).with_graceful_shutdown(shutdown).await
}

/// The hex SHA-256 of a body: the same callback again is a replay.
pub fn digest(body: &[u8]) -> String {
    hex::encode(Sha256::digest(body))
}

fn answer(status: StatusCode, text: &'static str) -> Response {
    (status, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text).into_response()
}

/// One line on stderr per callback: gateway, order id, outcome. Never a body or a secret.
fn log(gateway: &str, order_id: Option<&str>, outcome: &str) {
    let order = order_id.map(printable).unwrap_or_else(|| "-".into());
    eprintln!("relay: callback {} order {order}: {outcome}", printable(gateway));
}

/// Text from outside, made safe for one log line: short, no control characters.
fn printable(text: &str) -> String {
    let mut out: String = text.chars().take(64).map(|c| if c.is_control() { '?' } else { c }).collect();
    if text.chars().count() > 64 {
        out.push('…');
    }
    out
}

async fn callback(State(relay): State<Relay>, Path(gateway): Path<String>, request: Request) -> Response {
    let Some(served) = relay.inner.gateways.get(gateway.as_str()) else {
        log(&gateway, None, "404, not a gateway this relay serves");
        return answer(StatusCode::NOT_FOUND, "unknown gateway");
    };
    let id = served.gateway.info().id;
    let declared = request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()?.parse::<u64>().ok());
    if declared.is_some_and(|n| n > BODY_LIMIT as u64) {
        log(id, None, "413, body over the limit");
        return answer(StatusCode::PAYLOAD_TOO_LARGE, "body too large");
    }
    let headers = header_list(request.headers());
    let body = match Bytes::from_request(request, &()).await {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            log(id, None, "413, body over the limit");
            return answer(StatusCode::PAYLOAD_TOO_LARGE, "body too large");
        }
        Err(_) => {
            log(id, None, "400, the body could not be read");
            return answer(StatusCode::BAD_REQUEST, "unreadable body");
        }
    };
    let report = match served.gateway.verify_callback(
        &served.credentials,
        &served.knobs,
        &Callback { headers: &headers, body: &body },
    ) {
        Ok(report) => report,
        Err(GatewayError::BadSignature(why)) => {
            log(id, None, &format!("401, {}", served.credentials.scrub(&why)));
            return answer(StatusCode::UNAUTHORIZED, "callback check failed");
        }
        Err(GatewayError::BadResponse(why)) => {
            log(id, None, &format!("400, {}", served.credentials.scrub(&why)));
            return answer(StatusCode::BAD_REQUEST, "callback cannot be read");
        }
        Err(e) => {
            log(id, None, &format!("500, {}", served.credentials.scrub(&e.to_string())));
            return answer(StatusCode::INTERNAL_SERVER_ERROR, "callback cannot be checked");
        }
    };
    let digest = digest(&body);
    let order_id = report.order_id.as_deref();
    let status = CallbackStatus {
        gateway: id,
        digest: &digest,
        order_id,
        gateway_invoice_id: report.gateway_invoice_id.as_deref(),
        status: report.report.status,
        gateway_status: &report.report.gateway_status,
    };
    let shown_order = order_id.or(report.gateway_invoice_id.as_deref());
    match relay.inner.shop.apply_callback(&status).await {
        Ok(Applied::Moved(notice)) => {
            log(id, Some(&notice.order_id), &format!("200, moved to {}", notice.status.as_str()));
            answer(StatusCode::OK, "ok")
        }
        Ok(Applied::Unchanged { order_id }) => {
            log(
                id,
                Some(&order_id),
                &format!("200, unchanged: the sale is already at or past {}", status.status.as_str()),
            );
            answer(StatusCode::OK, "ok")
        }
        Ok(Applied::Replayed) => {
            log(id, shown_order, "200, replayed (applied before)");
            answer(StatusCode::OK, "ok")
        }
        Ok(Applied::UnknownSale) => {
            log(id, shown_order, "404, no such sale in the shop database (yet)");
            answer(StatusCode::NOT_FOUND, "unknown sale; retry later")
        }
        Err(e) => {
            let code = shop_error_status(&e);
            log(id, shown_order, &format!("{}, {e}", code.as_u16()));
            answer(code, "shop database unavailable; retry later")
        }
    }
}

/// 503, so the gateway retries: nothing was written, whether the database cannot be reached, is
/// newer than this relay, or cut the connection while shutting down (a server error then).
fn shop_error_status(e: &ShopError) -> StatusCode {
    match e {
        ShopError::Unreachable(_) | ShopError::SchemaTooNew { .. } | ShopError::Database(_) => {
            StatusCode::SERVICE_UNAVAILABLE
        }
        ShopError::BadUrl(_) | ShopError::Ledger(_) => StatusCode::INTERNAL_SERVER_ERROR,
    }
}

/// Every header whose value is text, names as received (checks compare them case-insensitively).
fn header_list(headers: &HeaderMap) -> Vec<(String, String)> {
    headers.iter().filter_map(|(k, v)| Some((k.as_str().to_string(), v.to_str().ok()?.to_string()))).collect()
}

async fn health(State(relay): State<Relay>) -> Response {
    let shop = &relay.inner.shop;
    let version = match shop.ready().await {
        Ok(()) => shop.applied_version().await,
        Err(e) => Err(e),
    };
    match version {
        Ok(version) => {
            Json(serde_json::json!({"ok": true, "schema_version": version, "gateways": relay.served()})).into_response()
        }
        Err(e) => {
            let code = shop_error_status(&e);
            (code, Json(serde_json::json!({"ok": false, "error": e.to_string()}))).into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_digest_is_the_bodys_hex_sha256() {
        assert_eq!(digest(b""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
        assert_ne!(digest(b"{}"), digest(b"{} "));
    }

    #[test]
    fn text_from_a_callback_stays_on_one_short_log_line() {
        assert_eq!(printable("PD-1"), "PD-1");
        assert_eq!(printable("PD-1\nrelay: callback forged"), "PD-1?relay: callback forged");
        let long = "x".repeat(200);
        assert_eq!(printable(&long).chars().count(), 65);
    }
}
