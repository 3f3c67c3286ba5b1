//! The one error type the app, the CLI and IPC see: a stable `code` and a message for a person.

use crate::credentials::CredentialError;
use crate::pin::PinError;
use paydesk_gateways::gateway::GatewayError;
use paydesk_ledger::LedgerError;
use paydesk_money::order::InputError;
use paydesk_money::MoneyError;
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{0}")]
    Money(#[from] MoneyError),
    #[error("{0}")]
    BadInput(String),
    #[error("{0}")]
    Gateway(#[from] GatewayError),
    #[error("{0}")]
    Ledger(#[from] LedgerError),
    #[error("{0}")]
    Credentials(#[from] CredentialError),
    /// A create's answer was lost: the gateway may hold a live invoice, so the sale stays unknown
    /// until a lookup settles it.
    #[error("{cause}. Sale {order_id} is unknown: {}", crate::service::MAY_STILL_PAY)]
    SaleUnknown { order_id: String, cause: GatewayError },
    /// Sending a sale's create again could leave the customer two invoices to pay.
    #[error("{0}")]
    RetryUnsafe(String),
    /// Local trouble outside the ledger and keyring: a file that could not be written (a full or
    /// read-only disk), a QR code or PDF that could not be made. Never bad input.
    #[error("{0}")]
    Local(String),
    /// The settings file cannot be used (unreadable, or it could not be written).
    #[error("{0}")]
    Settings(String),
    #[error("a manager must unlock this with the manager PIN")]
    ManagerPinRequired,
    #[error("{0}")]
    Pin(#[from] PinError),
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Error {
        Error::BadInput(e.0)
    }
}

/// How an error crosses IPC and `--json`: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ErrorReply {
    pub code: String,
    pub message: String,
    /// The sale the error leaves to be checked (`sale_unknown`), so the UI can offer to check it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub order_id: Option<String>,
}

/// What kind of failure it was, for exit codes and for the UI's choice of wording.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ErrorKind {
    /// The input was wrong; nothing was sent and nothing changed.
    BadInput,
    /// The gateway answered no (or with something unreadable).
    GatewayRefused,
    /// The gateway could not be reached or did not answer in time.
    Network,
    /// Local trouble: the ledger file, the keyring.
    Local,
}

impl ErrorReply {
    /// A reply for a failure outside the core (the window, the OS), about no sale.
    pub fn new(code: &str, message: impl Into<String>) -> ErrorReply {
        ErrorReply { code: code.to_string(), message: message.into(), order_id: None }
    }
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Money(_) => "bad_amount",
            Error::BadInput(_) => "bad_input",
            Error::RetryUnsafe(_) => "retry_unsafe",
            Error::Settings(_) => "settings_unreadable",
            Error::Local(_) => "local_failure",
            Error::SaleUnknown { .. } => "sale_unknown",
            Error::Gateway(e) => match e {
                GatewayError::MissingCredential { .. } => "missing_credential",
                GatewayError::Unsupported(_) => "unsupported",
                GatewayError::Refused { .. } => "gateway_refused",
                GatewayError::Unauthorized(_) => "gateway_unauthorized",
                GatewayError::BadResponse(_) => "gateway_bad_response",
                GatewayError::Network(_) | GatewayError::Unreachable => "network",
                GatewayError::Timeout => "timeout",
                GatewayError::Unavailable(_) => "gateway_unavailable",
                GatewayError::AmountMismatch { .. } => "amount_mismatch",
            },
            Error::Ledger(LedgerError::DuplicateOrder(_)) => "duplicate_order",
            Error::Ledger(LedgerError::NotFound(_)) => "not_found",
            Error::Ledger(LedgerError::Final(..)) => "already_final",
            Error::Ledger(_) => "ledger",
            Error::Credentials(CredentialError::UnknownField { .. } | CredentialError::Invalid(_)) => "bad_credential",
            Error::Credentials(CredentialError::Unavailable(_)) => "keyring_unavailable",
            Error::Credentials(_) => "keyring",
            Error::ManagerPinRequired => "manager_pin_required",
            Error::Pin(PinError::Format) => "bad_pin",
            Error::Pin(PinError::Wrong) => "wrong_pin",
            Error::Pin(PinError::LockedOut(_)) => "pin_locked_out",
            Error::Pin(PinError::BadHash) => "bad_pin_hash",
        }
    }

    pub fn kind(&self) -> ErrorKind {
        match self.code() {
            "gateway_refused" | "gateway_unauthorized" | "gateway_bad_response" | "amount_mismatch" => {
                ErrorKind::GatewayRefused
            }
            "network" | "timeout" | "gateway_unavailable" | "sale_unknown" => ErrorKind::Network,
            "ledger" | "keyring_unavailable" | "keyring" | "bad_pin_hash" | "settings_unreadable" | "local_failure" => {
                ErrorKind::Local
            }
            _ => ErrorKind::BadInput,
        }
    }

    /// The CLI's exit code: 2 bad input, 3 gateway refused, 4 network/timeout/unknown sale, 1 local
    /// trouble (ledger, keyring, settings, disk, QR, PDF).
    pub fn exit_code(&self) -> i32 {
        match self.kind() {
            ErrorKind::BadInput => 2,
            ErrorKind::GatewayRefused => 3,
            ErrorKind::Network => 4,
            ErrorKind::Local => 1,
        }
    }

    pub fn reply(&self) -> ErrorReply {
        let order_id = match self {
            Error::SaleUnknown { order_id, .. } => Some(order_id.clone()),
            _ => None,
        };
        ErrorReply { code: self.code().to_string(), message: self.to_string(), order_id }
    }
}
