//! How a gateway call fails, in words every gateway module shares.

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum GatewayError {
    #[error("{gateway} needs the credential '{field}': add it in Settings, or run `paydesk credentials set {gateway} {field}`")]
    MissingCredential { gateway: String, field: String },
    #[error("{0}")]
    Unsupported(String),
    #[error("the gateway refused: {message}{}", code.as_deref().map(|c| format!(" (code {c})")).unwrap_or_default())]
    Refused { code: Option<String>, message: String },
    /// A documented lookup says the gateway holds no invoice for the sale: waiting will not
    /// change that, so a follow stops.
    #[error("{0}")]
    NotFound(String),
    #[error("the gateway rejected the credentials: {0}")]
    Unauthorized(String),
    #[error("the gateway answered something Paydesk cannot read: {0}")]
    BadResponse(String),
    #[error("could not reach the gateway: {0}")]
    Network(String),
    /// No connection could be made, so nothing was sent: no invoice can exist.
    #[error("could not reach the gateway: connection failed, nothing was sent")]
    Unreachable,
    /// The gateway's answer names an amount other than the one asked for: its invoice is not shown.
    #[error("the gateway made an invoice for {echoed} instead of {asked}: it is not shown to the customer; check this gateway's settings")]
    AmountMismatch { asked: String, echoed: String },
    /// A callback (webhook) that fails the gateway's documented check: a missing or wrong
    /// signature header, a wrong key header, a signature of another algorithm. The message names
    /// the check, never a secret or the expected signature. A relay answers it with 401.
    #[error("the callback failed its check: {0}")]
    BadSignature(String),
    #[error("the gateway did not answer in time")]
    Timeout,
    /// A 5xx or 429: the gateway (or a proxy before it) is in trouble, and what it did with the
    /// request is not known. Never a refusal.
    #[error("the gateway is having trouble (HTTP {0}): what it did with the request is not known")]
    Unavailable(u16),
}

/// The `Refused` code every gateway module gives a create refused because the order id exists.
pub const DUPLICATE_ORDER_CODE: &str = "duplicate_order";

impl GatewayError {
    pub fn refused(code: impl ToString, message: impl Into<String>) -> GatewayError {
        GatewayError::Refused { code: Some(code.to_string()), message: message.into() }
    }
}
