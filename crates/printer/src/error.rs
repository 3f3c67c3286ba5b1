//! What can go wrong printing, in words a cashier can act on.

/// Why a receipt did not print. `printer` is the printer's address as the cashier configured it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PrintError {
    /// The printer address in Settings is not one Paydesk understands.
    #[error("{0}")]
    BadUri(String),
    #[error("the printer at {printer} refused the connection: {reason}")]
    Refused { printer: String, reason: String },
    #[error("the printer at {printer} did not take the receipt within {secs} s (paper out, or busy?)")]
    Timeout { printer: String, secs: u64 },
    #[error("the printer at {printer} closed the connection after {sent} of {total} bytes")]
    Dropped { printer: String, sent: usize, total: usize },
    #[error("the printer at {printer} could not be written to: {reason}")]
    Device { printer: String, reason: String },
    #[error("the print queue {printer} did not take the receipt: {reason}")]
    Queue { printer: String, reason: String },
    #[error("the receipt could not be prepared for the printer: {0}")]
    Encode(String),
}

impl PrintError {
    /// Whether printing again may work (the printer was off, busy, out of paper): every failure
    /// but a wrong address and a receipt that cannot be encoded.
    pub fn is_retryable(&self) -> bool {
        !matches!(self, PrintError::BadUri(_) | PrintError::Encode(_))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_say_what_happened_and_what_to_check() {
        let p = || "127.0.0.1:9100".to_string();
        let refused = PrintError::Refused { printer: p(), reason: "is it on and on the network?".into() };
        assert_eq!(
            refused.to_string(),
            "the printer at 127.0.0.1:9100 refused the connection: is it on and on the network?"
        );
        assert_eq!(
            PrintError::Timeout { printer: p(), secs: 5 }.to_string(),
            "the printer at 127.0.0.1:9100 did not take the receipt within 5 s (paper out, or busy?)"
        );
        assert_eq!(
            PrintError::Dropped { printer: p(), sent: 120, total: 900 }.to_string(),
            "the printer at 127.0.0.1:9100 closed the connection after 120 of 900 bytes"
        );
        assert!(refused.is_retryable());
        assert!(PrintError::Timeout { printer: p(), secs: 5 }.is_retryable());
        assert!(!PrintError::BadUri("x".into()).is_retryable());
        assert!(!PrintError::Encode("x".into()).is_retryable());
    }
}
