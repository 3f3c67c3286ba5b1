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
    /// No usable exchange rate for a sale priced in another currency than the gateway charges.
    #[error("{0}")]
    Fx(#[from] paydesk_money::fx::FxError),
    /// A sale's tax could not be worked out (a rate used two ways, a sum too large).
    #[error("{0}")]
    Tax(#[from] paydesk_money::tax::TaxError),
    #[error("sign in as a cashier first: every sale names who made it")]
    CashierRequired,
    #[error("open a shift first (Shift → Open, with the cash in the drawer)")]
    ShiftRequired,
    #[error("{0}")]
    Shop(#[from] paydesk_shop::ShopError),
    #[error("this till has no shop database: set one in Settings → Shop database, or PAYDESK_SHOP_DATABASE_URL")]
    ShopNotSet,
}

/// A settings file that cannot be used is the till's trouble (exit 1), never bad input; only a
/// value that breaks a rule is.
impl From<crate::config::ConfigError> for Error {
    fn from(e: crate::config::ConfigError) -> Error {
        match e {
            crate::config::ConfigError::Invalid(why) => Error::BadInput(why),
            other => Error::Settings(other.to_string()),
        }
    }
}

impl From<InputError> for Error {
    fn from(e: InputError) -> Error {
        Error::BadInput(e.0)
    }
}

/// Every error code Paydesk answers with, over IPC, in `--json` and at the end of the CLI's error
/// line. Generated into TypeScript, so the UI can only compare against codes that exist.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum ErrorCode {
    BadAmount,
    BadInput,
    RetryUnsafe,
    SettingsUnreadable,
    LocalFailure,
    SaleUnknown,
    MissingCredential,
    Unsupported,
    GatewayRefused,
    /// A documented lookup says the gateway holds no invoice for the sale.
    NotOnGateway,
    GatewayUnauthorized,
    GatewayBadResponse,
    Network,
    Timeout,
    GatewayUnavailable,
    AmountMismatch,
    DuplicateOrder,
    NotFound,
    AlreadyFinal,
    Ledger,
    BadCredential,
    KeyringUnavailable,
    Keyring,
    ManagerPinRequired,
    BadPin,
    WrongPin,
    PinLockedOut,
    BadPinHash,
    /// The till has cashiers and nobody is signed in.
    CashierRequired,
    /// The till has cashiers and no shift is open.
    ShiftRequired,
    /// A closed shift's figures are final.
    ShiftClosed,
    /// No exchange rate held for the conversion a sale needs.
    RateMissing,
    /// The exchange rate held is older than the shop allows.
    RateStale,
    /// The shop database cannot be reached (this till goes on selling; its outbox waits).
    ShopUnreachable,
    /// The shop database refused a query.
    ShopDatabase,
    /// The shop database was set up by a newer Paydesk.
    ShopSchemaTooNew,
    /// Shop-wide views asked for with no shop database set.
    ShopNotSet,
    /// An update was refused before anything was installed: its signature does not match this
    /// app's update key, or the file is not an installable package.
    UpdateRefused,
    /// The update server could not be reached, or its manifest offers nothing usable here.
    UpdateUnavailable,
    /// A checked update could not be installed (no rights to install packages, the package
    /// manager failed).
    UpdateFailed,
    /// Not while a sale is open at the counter (updates wait for it).
    SaleOpen,
    /// The window's own failures (src-tauri): a command from a window that may not use it, a
    /// link or print dialog the OS would not open, anything else that went wrong outside the till.
    Forbidden,
    OpenFailed,
    PrintFailed,
    WindowFailed,
    Internal,
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
    /// Local trouble: the ledger file, the keyring, the settings file, a disk, a QR code or PDF.
    Local,
}

impl ErrorCode {
    pub fn as_str(self) -> &'static str {
        use ErrorCode as C;
        match self {
            C::BadAmount => "bad_amount",
            C::BadInput => "bad_input",
            C::RetryUnsafe => "retry_unsafe",
            C::SettingsUnreadable => "settings_unreadable",
            C::LocalFailure => "local_failure",
            C::SaleUnknown => "sale_unknown",
            C::MissingCredential => "missing_credential",
            C::Unsupported => "unsupported",
            C::GatewayRefused => "gateway_refused",
            C::NotOnGateway => "not_on_gateway",
            C::GatewayUnauthorized => "gateway_unauthorized",
            C::GatewayBadResponse => "gateway_bad_response",
            C::Network => "network",
            C::Timeout => "timeout",
            C::GatewayUnavailable => "gateway_unavailable",
            C::AmountMismatch => "amount_mismatch",
            C::DuplicateOrder => "duplicate_order",
            C::NotFound => "not_found",
            C::AlreadyFinal => "already_final",
            C::Ledger => "ledger",
            C::BadCredential => "bad_credential",
            C::KeyringUnavailable => "keyring_unavailable",
            C::Keyring => "keyring",
            C::ManagerPinRequired => "manager_pin_required",
            C::BadPin => "bad_pin",
            C::WrongPin => "wrong_pin",
            C::PinLockedOut => "pin_locked_out",
            C::BadPinHash => "bad_pin_hash",
            C::CashierRequired => "cashier_required",
            C::ShiftRequired => "shift_required",
            C::ShiftClosed => "shift_closed",
            C::RateMissing => "rate_missing",
            C::RateStale => "rate_stale",
            C::ShopUnreachable => "shop_unreachable",
            C::ShopDatabase => "shop_database",
            C::ShopSchemaTooNew => "shop_schema_too_new",
            C::ShopNotSet => "shop_not_set",
            C::UpdateRefused => "update_refused",
            C::UpdateUnavailable => "update_unavailable",
            C::UpdateFailed => "update_failed",
            C::SaleOpen => "sale_open",
            C::Forbidden => "forbidden",
            C::OpenFailed => "open_failed",
            C::PrintFailed => "print_failed",
            C::WindowFailed => "window_failed",
            C::Internal => "internal",
        }
    }

    pub fn kind(self) -> ErrorKind {
        use ErrorCode as C;
        match self {
            C::GatewayRefused
            | C::NotOnGateway
            | C::GatewayUnauthorized
            | C::GatewayBadResponse
            | C::AmountMismatch
            | C::UpdateRefused => ErrorKind::GatewayRefused,
            C::Network
            | C::Timeout
            | C::GatewayUnavailable
            | C::SaleUnknown
            | C::ShopUnreachable
            | C::UpdateUnavailable => ErrorKind::Network,
            C::Ledger
            | C::KeyringUnavailable
            | C::Keyring
            | C::BadPinHash
            | C::SettingsUnreadable
            | C::LocalFailure
            | C::OpenFailed
            | C::PrintFailed
            | C::WindowFailed
            | C::ShopDatabase
            | C::ShopSchemaTooNew
            | C::UpdateFailed
            | C::Internal => ErrorKind::Local,
            C::BadAmount
            | C::BadInput
            | C::RetryUnsafe
            | C::MissingCredential
            | C::Unsupported
            | C::DuplicateOrder
            | C::NotFound
            | C::AlreadyFinal
            | C::BadCredential
            | C::ManagerPinRequired
            | C::BadPin
            | C::WrongPin
            | C::PinLockedOut
            | C::CashierRequired
            | C::ShiftRequired
            | C::ShiftClosed
            | C::RateMissing
            | C::RateStale
            | C::ShopNotSet
            | C::SaleOpen
            | C::Forbidden => ErrorKind::BadInput,
        }
    }

    /// Whether following a sale stops at this failure, because waiting cannot heal it: the
    /// gateway does not have the sale, will not let us ask, or cannot be asked; the sale is not
    /// known. Outages (network, 5xx, 429, a busy ledger or keyring) are waited out. No wildcard:
    /// a new code must be placed here.
    pub fn ends_follow(self) -> bool {
        use ErrorCode as C;
        match self {
            C::NotOnGateway
            | C::GatewayUnauthorized
            | C::MissingCredential
            | C::Unsupported
            | C::NotFound
            | C::AlreadyFinal
            | C::DuplicateOrder
            | C::BadAmount
            | C::BadInput
            | C::BadCredential
            | C::RetryUnsafe
            | C::ManagerPinRequired
            | C::BadPin
            | C::WrongPin
            | C::PinLockedOut
            | C::CashierRequired
            | C::ShiftRequired
            | C::ShiftClosed
            | C::RateMissing
            | C::RateStale
            | C::ShopNotSet
            | C::Forbidden => true,
            C::GatewayRefused
            | C::GatewayBadResponse
            | C::AmountMismatch
            | C::Network
            | C::Timeout
            | C::GatewayUnavailable
            | C::SaleUnknown
            | C::Ledger
            | C::KeyringUnavailable
            | C::Keyring
            | C::BadPinHash
            | C::SettingsUnreadable
            | C::LocalFailure
            | C::OpenFailed
            | C::PrintFailed
            | C::WindowFailed
            | C::ShopUnreachable
            | C::ShopDatabase
            | C::ShopSchemaTooNew
            | C::UpdateRefused
            | C::UpdateUnavailable
            | C::UpdateFailed
            | C::SaleOpen
            | C::Internal => false,
        }
    }
}

impl std::fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl PartialEq<&str> for ErrorCode {
    fn eq(&self, other: &&str) -> bool {
        self.as_str() == *other
    }
}

/// How an error crosses IPC and `--json`: `{code, message}`.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ErrorReply {
    pub code: ErrorCode,
    pub message: String,
    /// The sale the error leaves to be checked (`sale_unknown`), so the UI can offer to check it.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[ts(optional)]
    pub order_id: Option<String>,
}

impl ErrorReply {
    /// A reply for a failure outside the till (the window, the OS), about no sale.
    pub fn new(code: ErrorCode, message: impl Into<String>) -> ErrorReply {
        ErrorReply { code, message: message.into(), order_id: None }
    }
}

impl Error {
    pub fn code(&self) -> ErrorCode {
        use ErrorCode as C;
        match self {
            Error::Money(_) => C::BadAmount,
            Error::BadInput(_) => C::BadInput,
            Error::RetryUnsafe(_) => C::RetryUnsafe,
            Error::Settings(_) => C::SettingsUnreadable,
            Error::Local(_) => C::LocalFailure,
            Error::SaleUnknown { .. } => C::SaleUnknown,
            Error::Gateway(e) => match e {
                GatewayError::MissingCredential { .. } => C::MissingCredential,
                GatewayError::Unsupported(_) => C::Unsupported,
                GatewayError::Refused { .. } => C::GatewayRefused,
                GatewayError::NotFound(_) => C::NotOnGateway,
                GatewayError::Unauthorized(_) => C::GatewayUnauthorized,
                // Only a relay checking a callback meets it; to a till it is an answer not to trust.
                GatewayError::BadResponse(_) | GatewayError::BadSignature(_) => C::GatewayBadResponse,
                GatewayError::Network(_) | GatewayError::Unreachable => C::Network,
                GatewayError::Timeout => C::Timeout,
                GatewayError::Unavailable(_) => C::GatewayUnavailable,
                GatewayError::AmountMismatch { .. } => C::AmountMismatch,
            },
            Error::Ledger(LedgerError::DuplicateOrder(_)) => C::DuplicateOrder,
            Error::Ledger(LedgerError::NotFound(_)) => C::NotFound,
            Error::Ledger(LedgerError::Final(..)) => C::AlreadyFinal,
            Error::Ledger(LedgerError::ShiftClosed) => C::ShiftClosed,
            Error::Ledger(LedgerError::Line(_)) => C::BadInput,
            Error::Ledger(_) => C::Ledger,
            Error::Credentials(CredentialError::UnknownField { .. } | CredentialError::Invalid(_)) => C::BadCredential,
            Error::Credentials(CredentialError::Unavailable(_)) => C::KeyringUnavailable,
            Error::Credentials(_) => C::Keyring,
            Error::ManagerPinRequired => C::ManagerPinRequired,
            Error::Pin(PinError::Format) => C::BadPin,
            Error::Pin(PinError::Wrong) => C::WrongPin,
            Error::Pin(PinError::LockedOut(_)) => C::PinLockedOut,
            Error::Pin(PinError::BadHash) => C::BadPinHash,
            Error::Fx(paydesk_money::fx::FxError::Stale { .. }) => C::RateStale,
            Error::Fx(paydesk_money::fx::FxError::NoRate { .. }) => C::RateMissing,
            Error::Fx(_) | Error::Tax(_) => C::BadInput,
            Error::CashierRequired => C::CashierRequired,
            Error::ShiftRequired => C::ShiftRequired,
            Error::Shop(e) => match e {
                paydesk_shop::ShopError::BadUrl(_) => C::BadInput,
                paydesk_shop::ShopError::SchemaTooNew { .. } => C::ShopSchemaTooNew,
                paydesk_shop::ShopError::Unreachable(_) => C::ShopUnreachable,
                paydesk_shop::ShopError::Database(_) => C::ShopDatabase,
                paydesk_shop::ShopError::Ledger(_) => C::Ledger,
            },
            Error::ShopNotSet => C::ShopNotSet,
        }
    }

    pub fn kind(&self) -> ErrorKind {
        self.code().kind()
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
        ErrorReply { code: self.code(), message: self.to_string(), order_id }
    }
}
