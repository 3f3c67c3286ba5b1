//! The one status vocabulary every gateway's own statuses are mapped into.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ts_rs::TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum InvoiceStatus {
    /// Written to the ledger; the request to the gateway has not been answered yet.
    Creating,
    /// The gateway holds the invoice; nothing paid yet.
    Pending,
    /// A payment is seen but not yet final (confirmations, processing).
    Confirming,
    Paid,
    Underpaid,
    Overpaid,
    Expired,
    Failed,
    Cancelled,
    /// The gateway answered a status Paydesk cannot place, or the outcome is not known.
    Unknown,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 10] = [
        InvoiceStatus::Creating,
        InvoiceStatus::Pending,
        InvoiceStatus::Confirming,
        InvoiceStatus::Paid,
        InvoiceStatus::Underpaid,
        InvoiceStatus::Overpaid,
        InvoiceStatus::Expired,
        InvoiceStatus::Failed,
        InvoiceStatus::Cancelled,
        InvoiceStatus::Unknown,
    ];

    pub fn as_str(&self) -> &'static str {
        match self {
            InvoiceStatus::Creating => "creating",
            InvoiceStatus::Pending => "pending",
            InvoiceStatus::Confirming => "confirming",
            InvoiceStatus::Paid => "paid",
            InvoiceStatus::Underpaid => "underpaid",
            InvoiceStatus::Overpaid => "overpaid",
            InvoiceStatus::Expired => "expired",
            InvoiceStatus::Failed => "failed",
            InvoiceStatus::Cancelled => "cancelled",
            InvoiceStatus::Unknown => "unknown",
        }
    }

    /// No later answer from the gateway will change this status, so polling can stop.
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            InvoiceStatus::Paid
                | InvoiceStatus::Overpaid
                | InvoiceStatus::Expired
                | InvoiceStatus::Failed
                | InvoiceStatus::Cancelled
        )
    }
}

impl fmt::Display for InvoiceStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for InvoiceStatus {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        InvoiceStatus::ALL.into_iter().find(|st| st.as_str() == s).ok_or_else(|| format!("unknown status '{s}'"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_through_text() {
        for st in InvoiceStatus::ALL {
            assert_eq!(st.as_str().parse::<InvoiceStatus>(), Ok(st));
        }
        assert!("nope".parse::<InvoiceStatus>().is_err());
    }

    #[test]
    fn underpaid_is_not_final_because_the_customer_can_top_up() {
        assert!(!InvoiceStatus::Underpaid.is_final());
        assert!(InvoiceStatus::Paid.is_final());
        assert!(!InvoiceStatus::Pending.is_final());
    }
}
