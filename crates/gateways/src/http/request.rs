//! A request exactly as it goes on the wire, and the answer as read back.

use crate::error::GatewayError;
use serde::de::DeserializeOwned;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Get,
    Post,
}

/// A request exactly as it will go on the wire: `body` is the bytes that were signed.
#[derive(Debug, Clone)]
pub struct HttpRequest {
    pub method: Method,
    /// Relative to the gateway's base URL, without a leading '/'.
    pub path: String,
    pub query: Vec<(&'static str, String)>,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
    /// Safe to send twice (reads, or creates the gateway dedupes by order id).
    pub idempotent: bool,
}

impl HttpRequest {
    pub fn get(path: impl Into<String>) -> HttpRequest {
        HttpRequest {
            method: Method::Get,
            path: path.into(),
            query: vec![],
            headers: vec![],
            body: None,
            idempotent: true,
        }
    }

    /// A POST of JSON bytes; not retried after it may have reached the gateway unless marked idempotent.
    pub fn post_json(path: impl Into<String>, body: Vec<u8>) -> HttpRequest {
        HttpRequest {
            method: Method::Post,
            path: path.into(),
            query: vec![],
            headers: vec![("content-type", "application/json".into())],
            body: Some(body),
            idempotent: false,
        }
    }

    pub fn header(mut self, name: &'static str, value: impl Into<String>) -> HttpRequest {
        self.headers.push((name, value.into()));
        self
    }

    pub fn query(mut self, name: &'static str, value: impl Into<String>) -> HttpRequest {
        self.query.push((name, value.into()));
        self
    }

    pub fn idempotent(mut self) -> HttpRequest {
        self.idempotent = true;
        self
    }
}

#[derive(Debug, Clone)]
pub struct HttpResponse {
    pub status: u16,
    pub body: Vec<u8>,
}

impl HttpResponse {
    /// The body as `T`, or a BadResponse that says what arrived (never the body itself,
    /// which could echo what we sent).
    pub fn json<T: DeserializeOwned>(&self) -> Result<T, GatewayError> {
        if self.body.is_empty() {
            return Err(GatewayError::BadResponse(format!("HTTP {} with an empty body", self.status)));
        }
        serde_json::from_slice(&self.body).map_err(|e| {
            GatewayError::BadResponse(format!(
                "HTTP {} with a {}-byte body that is not the expected JSON ({})",
                self.status,
                self.body.len(),
                e.classify_name()
            ))
        })
    }
}

trait ClassifyName {
    fn classify_name(&self) -> &'static str;
}

impl ClassifyName for serde_json::Error {
    fn classify_name(&self) -> &'static str {
        match self.classify() {
            serde_json::error::Category::Io => "unreadable",
            serde_json::error::Category::Syntax => "malformed JSON",
            serde_json::error::Category::Data => "fields missing or of the wrong type",
            serde_json::error::Category::Eof => "truncated JSON",
        }
    }
}
