//! Faults a test arms on the simulator, for the next N requests to one gateway's path: latency,
//! a hang, a connection closed without an answer (before or after the gateway acted), error
//! statuses with HTML or empty bodies (from a proxy, or after the gateway acted), unreadable
//! JSON, and successes with a missing or insecure pay link. Every request to a gateway is
//! recorded whole (method, path and query, headers, body), so a test can count the attempts that
//! arrived and replay, or alter, exactly what a client sent.
//!
//! Armed from Rust with [`Sim::inject`], or over HTTP (for another process) with
//! `POST /_sim/faults` `{"fault": {"kind": "status", "status": 502, "body": "html"},
//! "gateway": "demo", "path_contains": "invoices", "times": 1}`; `GET /_sim/requests?gateway=demo&path_contains=invoices`
//! answers `{"count": N}`.

use crate::cut::Cut;
use crate::Sim;
use axum::body::Body;
use axum::extract::connect_info::ConnectInfo;
use axum::extract::{Query, Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::sync::Mutex;
use std::time::Duration;

/// What goes wrong with a matching request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Fault {
    /// The gateway acts at once, and its answer leaves `ms` later: a slow answer, not a slow gateway.
    Latency { ms: u64 },
    /// Never answers.
    Hang,
    /// Closes the connection without an answer, before the gateway saw the request.
    Reset,
    /// The gateway acts (the invoice is made), then the connection closes unanswered.
    DropAfterHandling,
    /// Answers `status` without calling the gateway, as a proxy in front of it would.
    Status { status: u16, body: ErrorBody },
    /// The gateway acts, then `status` is answered instead of its answer.
    StatusAfterHandling { status: u16, body: ErrorBody },
    /// The gateway acts, then HTTP 200 with a body that is not JSON.
    MalformedJson,
    /// The real answer cut in half.
    TruncatedJson,
    /// The real answer in UTF-16 with a byte-order mark: not UTF-8 from the first byte.
    NonUtf8,
    /// The real answer without its pay link.
    NoPayLink,
    /// The real answer with its pay link moved to plain http on a host that is not this machine.
    InsecurePayLink,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorBody {
    Html,
    Empty,
}

/// Which requests a fault applies to: `gateway`'s requests whose path (below `/<gateway>/`)
/// contains `path_contains`, the next `times` of them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Match {
    pub gateway: String,
    #[serde(default)]
    pub path_contains: String,
    pub times: u32,
}

impl Match {
    pub fn new(gateway: &str, path_contains: &str, times: u32) -> Match {
        Match { gateway: gateway.into(), path_contains: path_contains.into(), times }
    }

    fn applies(&self, gateway: &str, path: &str) -> bool {
        self.times > 0 && self.gateway == gateway && path.contains(&self.path_contains)
    }
}

/// The body of `POST /_sim/faults`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Arm {
    pub fault: Fault,
    #[serde(flatten)]
    pub when: Match,
}

/// A request as it reached a gateway's routes.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub gateway: String,
    pub method: String,
    /// Below `/<gateway>`, without the query.
    pub path: String,
    /// The query string, without '?', if any.
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// The armed faults and every gateway request seen.
#[derive(Default)]
pub(crate) struct Faults {
    armed: Mutex<Vec<Arm>>,
    seen: Mutex<Vec<RecordedRequest>>,
}

/// The most of a request body the simulator reads; gateways' requests are small.
const MAX_BODY: usize = 1 << 20;

impl Faults {
    /// Records the request and takes one use of the first fault armed for it.
    fn on_request(&self, request: RecordedRequest) -> Option<Fault> {
        let (gateway, path) = (request.gateway.clone(), request.path.clone());
        self.seen.lock().expect("fault state lock").push(request);
        let (gateway, path) = (gateway.as_str(), path.as_str());
        let mut armed = self.armed.lock().expect("fault state lock");
        let arm = armed.iter_mut().find(|a| a.when.applies(gateway, path))?;
        arm.when.times -= 1;
        let fault = arm.fault.clone();
        armed.retain(|a| a.when.times > 0);
        Some(fault)
    }
}

impl Sim {
    /// Arms `fault` for the next `when.times` requests that match.
    pub fn inject(&self, fault: Fault, when: Match) {
        self.0.faults.armed.lock().expect("fault state lock").push(Arm { fault, when });
    }

    /// How many requests reached `gateway` at a path containing `path_contains`, faulted or not.
    pub fn requests(&self, gateway: &str, path_contains: &str) -> usize {
        self.recorded(gateway).iter().filter(|r| r.path.contains(path_contains)).count()
    }

    /// Every request `gateway` received, oldest first.
    pub fn recorded(&self, gateway: &str) -> Vec<RecordedRequest> {
        let seen = self.0.faults.seen.lock().expect("fault state lock");
        seen.iter().filter(|r| r.gateway == gateway).cloned().collect()
    }

    /// The last request `gateway` received.
    pub fn last_request(&self, gateway: &str) -> Option<RecordedRequest> {
        self.recorded(gateway).pop()
    }
}

pub(crate) async fn arm(State(sim): State<Sim>, Json(arm): Json<Arm>) -> Response {
    if arm.when.times == 0 {
        return (StatusCode::BAD_REQUEST, "times must be at least 1").into_response();
    }
    if let Fault::Status { status, .. } | Fault::StatusAfterHandling { status, .. } = arm.fault {
        if StatusCode::from_u16(status).is_err() {
            return (StatusCode::BAD_REQUEST, "not an HTTP status").into_response();
        }
    }
    sim.inject(arm.fault, arm.when);
    StatusCode::NO_CONTENT.into_response()
}

#[derive(Deserialize)]
pub(crate) struct CountQuery {
    gateway: String,
    #[serde(default)]
    path_contains: String,
}

pub(crate) async fn count(State(sim): State<Sim>, Query(q): Query<CountQuery>) -> Json<Value> {
    Json(json!({ "count": sim.requests(&q.gateway, &q.path_contains) }))
}

/// The middleware on each gateway's routes: records the request and plays the armed fault.
pub(crate) async fn layer(State((sim, gateway)): State<(Sim, &'static str)>, req: Request, next: Next) -> Response {
    let cut = req.extensions().get::<ConnectInfo<Cut>>().map(|c| c.0.clone());
    let (parts, body) = req.into_parts();
    let Ok(body) = axum::body::to_bytes(body, MAX_BODY).await else {
        return (StatusCode::PAYLOAD_TOO_LARGE, "request body too large").into_response();
    };
    let recorded = RecordedRequest {
        gateway: gateway.to_string(),
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(str::to_string),
        headers: parts
            .headers
            .iter()
            .map(|(k, v)| (k.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body: body.to_vec(),
    };
    let req = Request::from_parts(parts, Body::from(body));
    let Some(fault) = sim.0.faults.on_request(recorded) else {
        return next.run(req).await;
    };
    let cut_connection = || {
        // The answer is never written: the connection refuses it and closes.
        if let Some(cut) = &cut {
            cut.cut();
        }
        StatusCode::INTERNAL_SERVER_ERROR.into_response()
    };
    match fault {
        Fault::Latency { ms } => {
            let resp = next.run(req).await;
            tokio::time::sleep(Duration::from_millis(ms)).await;
            resp
        }
        Fault::Hang => std::future::pending().await,
        Fault::Reset => cut_connection(),
        Fault::DropAfterHandling => {
            next.run(req).await;
            cut_connection()
        }
        Fault::Status { status, body } => error_answer(status, body),
        Fault::StatusAfterHandling { status, body } => {
            next.run(req).await;
            error_answer(status, body)
        }
        // Python's repr of a dict, a classic among hand-rolled JSON.
        Fault::MalformedJson => {
            next.run(req).await;
            json_bytes(StatusCode::OK, b"{'id': 'SIM1', 'status': 'pending'}".to_vec())
        }
        Fault::NonUtf8 => {
            let (status, body) = real_answer(next, req).await;
            json_bytes(status, utf16(&String::from_utf8_lossy(&body)))
        }
        Fault::TruncatedJson => {
            let (status, mut body) = real_answer(next, req).await;
            body.truncate(body.len() / 2);
            json_bytes(status, body)
        }
        Fault::NoPayLink | Fault::InsecurePayLink => {
            let drop = fault == Fault::NoPayLink;
            let (status, body) = real_answer(next, req).await;
            let Ok(mut value) = serde_json::from_slice::<Value>(&body) else {
                return json_bytes(status, body);
            };
            edit_pay_links(&mut value, sim.public_base(), drop);
            json_bytes(status, serde_json::to_vec(&value).expect("a JSON value serializes"))
        }
    }
}

fn error_answer(status: u16, body: ErrorBody) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    match body {
        ErrorBody::Html => (status, axum::response::Html(proxy_page(status))).into_response(),
        ErrorBody::Empty => status.into_response(),
    }
}

/// The page an nginx-style proxy shows when the gateway behind it fails.
fn proxy_page(status: StatusCode) -> String {
    let line = format!("{} {}", status.as_u16(), status.canonical_reason().unwrap_or("Error"));
    format!("<html><head><title>{line}</title></head><body><center><h1>{line}</h1></center><hr><center>nginx</center></body></html>")
}

async fn real_answer(next: Next, req: Request) -> (StatusCode, Vec<u8>) {
    let resp = next.run(req).await;
    let status = resp.status();
    let body = axum::body::to_bytes(resp.into_body(), usize::MAX).await.unwrap_or_default();
    (status, body.to_vec())
}

fn json_bytes(status: StatusCode, body: Vec<u8>) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], Body::from(body)).into_response()
}

fn utf16(text: &str) -> Vec<u8> {
    let mut out = vec![0xFF, 0xFE];
    out.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
    out
}

/// Drops (or moves to `http://pay.example.com`) every string that is one of this simulator's
/// pay links, wherever the gateway's answer puts it.
fn edit_pay_links(value: &mut Value, public_base: &str, drop: bool) {
    let prefix = format!("{public_base}/pay/");
    match value {
        Value::Object(fields) => {
            if drop {
                fields.retain(|_, v| !v.as_str().is_some_and(|s| s.starts_with(&prefix)));
            }
            fields.values_mut().for_each(|v| edit_pay_links(v, public_base, drop));
        }
        Value::Array(items) => items.iter_mut().for_each(|v| edit_pay_links(v, public_base, drop)),
        Value::String(s) if !drop && s.starts_with(&prefix) => {
            *s = s.replacen(public_base, "http://pay.example.com", 1);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(gateway: &str, path: &str) -> RecordedRequest {
        RecordedRequest {
            gateway: gateway.into(),
            method: "GET".into(),
            path: path.into(),
            query: None,
            headers: vec![],
            body: vec![],
        }
    }

    #[test]
    fn faults_apply_to_the_next_matching_requests_then_stop() {
        let faults = Faults::default();
        faults.armed.lock().unwrap().push(Arm { fault: Fault::Hang, when: Match::new("demo", "invoices", 2) });
        assert_eq!(faults.on_request(request("dex3", "/invoices")), None);
        assert_eq!(faults.on_request(request("demo", "/status")), None);
        assert_eq!(faults.on_request(request("demo", "/invoices")), Some(Fault::Hang));
        assert_eq!(faults.on_request(request("demo", "/invoices/X")), Some(Fault::Hang));
        assert_eq!(faults.on_request(request("demo", "/invoices")), None);
        assert!(faults.armed.lock().unwrap().is_empty());
        assert_eq!(faults.seen.lock().unwrap().len(), 5);
    }

    #[test]
    fn the_control_body_reads_as_documented() {
        let arm: Arm = serde_json::from_str(
            r#"{"fault":{"kind":"status","status":502,"body":"html"},"gateway":"demo","path_contains":"invoices","times":1}"#,
        )
        .unwrap();
        assert_eq!(arm.fault, Fault::Status { status: 502, body: ErrorBody::Html });
        assert_eq!(arm.when, Match::new("demo", "invoices", 1));
    }

    #[test]
    fn pay_links_are_found_wherever_they_are() {
        let base = "http://127.0.0.1:9";
        let answer = json!({"state": true, "data": {"pay_link": "http://127.0.0.1:9/pay/dex3-1", "id": "X"}});
        let mut dropped = answer.clone();
        edit_pay_links(&mut dropped, base, true);
        assert_eq!(dropped, json!({"state": true, "data": {"id": "X"}}));
        let mut moved = answer;
        edit_pay_links(&mut moved, base, false);
        assert_eq!(moved["data"]["pay_link"], "http://pay.example.com/pay/dex3-1");
    }
}
