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
    /// Paid in full after the cashier abandoned the sale: the customer may have left.
    PaidLate,
    Expired,
    /// Expired with only part of the amount paid.
    ExpiredPartial,
    Failed,
    Cancelled,
    /// The gateway answered a status Paydesk cannot place, or the outcome is not known.
    Unknown,
}

impl InvoiceStatus {
    pub const ALL: [InvoiceStatus; 12] = [
        InvoiceStatus::Creating,
        InvoiceStatus::Pending,
        InvoiceStatus::Confirming,
        InvoiceStatus::Paid,
        InvoiceStatus::Underpaid,
        InvoiceStatus::Overpaid,
        InvoiceStatus::PaidLate,
        InvoiceStatus::Expired,
        InvoiceStatus::ExpiredPartial,
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
            InvoiceStatus::PaidLate => "paid_late",
            InvoiceStatus::Expired => "expired",
            InvoiceStatus::ExpiredPartial => "expired_partial",
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
                | InvoiceStatus::PaidLate
                | InvoiceStatus::Expired
                | InvoiceStatus::ExpiredPartial
                | InvoiceStatus::Failed
                | InvoiceStatus::Cancelled
        )
    }

    /// How far along a sale is; a status is only ever replaced by one at least as far along.
    fn rank(&self) -> u8 {
        match self {
            InvoiceStatus::Creating => 0,
            InvoiceStatus::Unknown => 1,
            InvoiceStatus::Pending => 2,
            // Money is seen either way, and a top-up can turn one into the other.
            InvoiceStatus::Confirming | InvoiceStatus::Underpaid => 3,
            _ => 4,
        }
    }

    /// Whether a sale at `from` may be recorded as `to`. Statuses only move forward: a late or
    /// racing answer (a check that started before the payment) never takes a paid sale back to
    /// pending. The one way back is a retry, which resends a failed or unknown sale ("creating").
    /// The ledger enforces the same rule in SQL (`invoices_status_only_forward`).
    pub fn can_move(from: InvoiceStatus, to: InvoiceStatus) -> bool {
        use InvoiceStatus::*;
        from == to
            || (to == Creating && matches!(from, Failed | Unknown))
            || (!from.is_final() && to.rank() >= from.rank())
    }

    /// The status to record when the gateway reports `reported` for a sale that stood at `before`:
    /// a payment after the cashier abandoned the sale is paid late (someone must act on it), and
    /// an expiry after a part payment is expired-with-partial (money is held that the sale lacks).
    pub fn settle(before: InvoiceStatus, reported: InvoiceStatus, abandoned: bool) -> InvoiceStatus {
        match reported {
            InvoiceStatus::Paid | InvoiceStatus::Overpaid if abandoned => InvoiceStatus::PaidLate,
            InvoiceStatus::Expired if before == InvoiceStatus::Underpaid => InvoiceStatus::ExpiredPartial,
            other => other,
        }
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

    #[test]
    fn statuses_only_move_forward() {
        use InvoiceStatus::*;
        assert!(InvoiceStatus::can_move(Pending, Paid));
        assert!(InvoiceStatus::can_move(Creating, Unknown));
        assert!(InvoiceStatus::can_move(Unknown, Pending));
        assert!(InvoiceStatus::can_move(Confirming, Underpaid) && InvoiceStatus::can_move(Underpaid, Confirming));
        assert!(InvoiceStatus::can_move(Failed, Creating) && InvoiceStatus::can_move(Unknown, Creating));
        assert!(!InvoiceStatus::can_move(Paid, Pending));
        assert!(!InvoiceStatus::can_move(Paid, Creating));
        assert!(!InvoiceStatus::can_move(Expired, Paid));
        assert!(!InvoiceStatus::can_move(Confirming, Pending));
        assert!(!InvoiceStatus::can_move(Pending, Unknown));
        assert!(!InvoiceStatus::can_move(Pending, Creating));
    }

    #[test]
    fn late_and_partial_outcomes_get_statuses_of_their_own() {
        use InvoiceStatus::*;
        assert_eq!(InvoiceStatus::settle(Pending, Paid, true), PaidLate);
        assert_eq!(InvoiceStatus::settle(Underpaid, Overpaid, true), PaidLate);
        assert_eq!(InvoiceStatus::settle(Pending, Paid, false), Paid);
        assert_eq!(InvoiceStatus::settle(Underpaid, Expired, false), ExpiredPartial);
        assert_eq!(InvoiceStatus::settle(Underpaid, Expired, true), ExpiredPartial);
        assert_eq!(InvoiceStatus::settle(Pending, Expired, true), Expired);
        assert_eq!(InvoiceStatus::settle(Pending, Confirming, true), Confirming);
        assert!(PaidLate.is_final() && ExpiredPartial.is_final());
    }
}
