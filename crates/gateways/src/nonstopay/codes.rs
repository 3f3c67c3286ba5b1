//! NonStoPay's status names and error codes, in Paydesk's terms.

use crate::gateway::*;
use paydesk_money::InvoiceStatus;

/// NonStoPay's statuses. Only created/opened/paid/expired are known (the table was cut off in
/// every stored copy of the docs), so anything else is Unknown.
pub fn map_status(status: &str) -> InvoiceStatus {
    match status {
        "invoice:created" | "invoice:opened" => InvoiceStatus::Pending,
        "invoice:paid" => InvoiceStatus::Paid,
        "invoice:expired" => InvoiceStatus::Expired,
        _ => InvoiceStatus::Unknown,
    }
}

/// Which call an error code came from: a few codes mean different things per call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Create,
    Status,
}

const IP_RELAY: &str = "NonStoPay only answers calls from IP addresses registered in its dashboard (profile, API \
                        block); a till on a dynamic or shared IP must call through a relay with a fixed IP";

/// Create-call error codes (gateways.md §5.2), worded for the cashier.
const CREATE_ERRORS: &[(i64, &str)] = &[
    (50002, "NonStoPay needs a customer email: set the 'email' credential to the shop's receipt address"),
    (50003, "NonStoPay did not get an amount it can read"),
    (50004, "NonStoPay did not get a currency"),
    (50005, "NonStoPay rejects the address in the 'email' credential as invalid"),
    (50008, "the NonStoPay wallet is still being validated: no sales until NonStoPay finishes"),
    (50009, "NonStoPay does not accept this currency (USD only)"),
    (50011, "the amount is above NonStoPay's maximum for this account"),
    (50012, "the amount is below NonStoPay's minimum for this account"),
];

/// Status-call error codes (gateways.md §5.3); 50011 means something else here than on create.
const STATUS_ERRORS: &[(i64, &str)] = &[
    (50002, "NonStoPay did not get the invoice id"),
    (50011, "NonStoPay says this invoice belongs to another merchant"),
];

/// A non-zero `errorCode` as a clear error.
pub fn map_error(op: Op, code: i64, message: Option<&str>, creds: &Credentials) -> GatewayError {
    match code {
        50001 => return GatewayError::Unauthorized("NonStoPay did not receive an API key".into()),
        50007 => {
            return GatewayError::Unauthorized(
                "NonStoPay does not accept this API key: check the api_key credential".into(),
            )
        }
        50006 => {
            return GatewayError::refused(
                code,
                format!("this API key may not be used from this IP address: {IP_RELAY}"),
            )
        }
        50010 => {
            return GatewayError::refused(code, format!("no IP address is linked to the NonStoPay account: {IP_RELAY}"))
        }
        _ => {}
    }
    let table = match op {
        Op::Create => CREATE_ERRORS,
        Op::Status => STATUS_ERRORS,
    };
    let text = match table.iter().find(|(c, _)| *c == code) {
        Some((_, meaning)) => meaning.to_string(),
        None => {
            message.filter(|m| !m.is_empty()).map(|m| creds.scrub(m)).unwrap_or_else(|| "unexplained error code".into())
        }
    };
    GatewayError::refused(code, text)
}
