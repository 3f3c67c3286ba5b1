//! What Pay3 answers, in Paydesk's terms: statuses, error shapes and whether an order was paid.

use super::wire::{ErrorBody, ErrorValue, Order, OrdersResponse};
use super::DUPLICATE_CODE;
use crate::gateway::*;
use crate::http::HttpResponse;
use paydesk_money::{Amount, InvoiceStatus};

/// Pay3's `orderStatus` in Paydesk's terms. The docs' copy lost its underscores, so spaces,
/// hyphens and case are forgiven. Pay3 has no underpaid order status: an under-payment ends as
/// FAILED (or COMPLETED within Pay3's tolerance), with the reason in `errorReason`.
pub fn map_status(order_status: &str) -> InvoiceStatus {
    let normal: String =
        order_status.trim().chars().map(|c| if c == ' ' || c == '-' { '_' } else { c.to_ascii_uppercase() }).collect();
    match normal.as_str() {
        "CREATED" | "ORDER_STARTED" | "ORDER_PAYMENT_AWAITING" => InvoiceStatus::Pending,
        "ORDER_PAYMENT_PROCESSING" | "ORDER_PAYMENT_INITIATED" => InvoiceStatus::Confirming,
        "COMPLETED" => InvoiceStatus::Paid,
        "FAILED" => InvoiceStatus::Failed,
        "ABANDONED" => InvoiceStatus::Expired,
        _ => InvoiceStatus::Unknown,
    }
}
/// A value from the gateway, scrubbed of anything we sent and kept short.
fn outside_text(creds: &Credentials, text: &str) -> String {
    creds.scrub(text).chars().take(200).collect()
}

/// Whether a response is Pay3's "who are you" refusal (a 401 with a plain-text `error`), as
/// opposed to a business error, which the docs also label 401.
pub(super) fn is_auth_refusal(resp: &HttpResponse) -> bool {
    matches!(resp.status, 401 | 403)
        && matches!(resp.json::<ErrorBody>(), Ok(ErrorBody { error: ErrorValue::Text(_), .. }))
}

/// Where the access token of a request came from: it decides whether a 401 is worth a refetch
/// and what the cashier is told.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum TokenSource {
    Pasted,
    Cached,
    Fetched,
}

/// A non-success answer as a clear error.
pub(super) fn answer_error(resp: &HttpResponse, creds: &Credentials, source: TokenSource) -> GatewayError {
    let body = match resp.json::<ErrorBody>() {
        Ok(body) => body,
        Err(e) => return e,
    };
    match body.error {
        ErrorValue::Text(text) if matches!(resp.status, 401 | 403) => {
            let said = outside_text(creds, &text);
            GatewayError::Unauthorized(match source {
                TokenSource::Pasted => format!(
                    "Pay3 refused the pasted access_token ({said}); tokens last 30 minutes: paste a fresh one, or clear it and set token_key"
                ),
                _ => format!("Pay3 refused the request ({said}): check client_id and api_secret"),
            })
        }
        ErrorValue::Text(text) => GatewayError::Refused { code: None, message: outside_text(creds, &text) },
        ErrorValue::Detail(detail) if detail.code.as_deref() == Some(DUPLICATE_CODE) => GatewayError::refused(
            DUPLICATE_ORDER_CODE,
            "Pay3 already has an order with this order id (requestId), so it created none: start the sale again for a new one",
        ),
        ErrorValue::Detail(detail) => {
            GatewayError::Refused { code: detail.code, message: outside_text(creds, &detail.message) }
        }
    }
}

pub(super) fn success(resp: &HttpResponse) -> bool {
    (200..300).contains(&resp.status)
}

/// The order an answer to the requestId query is about: the one with our requestId, else the
/// first (the query already filtered by it); `None` when the list is empty.
fn pick_order(orders: OrdersResponse, order_id: &str) -> Option<Order> {
    let position = orders.data.iter().position(|o| o.request_id.as_deref() == Some(order_id)).unwrap_or(0);
    orders.data.into_iter().nth(position)
}

/// The order's status, with its error reason folded into the raw status. A COMPLETED order is
/// paid only if what it says was paid (the `paid_amount_field` knob) covers `asked`: Pay3 ends an
/// under-payment within its tolerance as COMPLETED too. Without `asked` (a lookup by order id)
/// or a readable amount it is not called paid.
pub(super) fn order_report(
    order: &Order,
    creds: &Credentials,
    paid_field: &str,
    asked: Option<&Amount>,
) -> StatusReport {
    let mut gateway_status = order.order_status.clone();
    if let Some(reason) = &order.error_reason {
        let text = [&reason.error_code, &reason.error_desc].into_iter().flatten().cloned().collect::<Vec<_>>();
        if !text.is_empty() {
            gateway_status = format!("{gateway_status} ({})", outside_text(creds, &text.join(": ")));
        }
    }
    let mut status = map_status(&order.order_status);
    if status == InvoiceStatus::Paid {
        let paid_text = order.rest.get(paid_field).and_then(|v| match v {
            serde_json::Value::String(s) => Some(s.clone()),
            serde_json::Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        let paid = asked.zip(paid_text.as_deref()).and_then(|(a, t)| decimal_minor(t, a.currency()).map(|m| (a, m)));
        (status, gateway_status) = match paid {
            Some((asked, minor)) if minor < asked.minor() => {
                let paid =
                    Amount::from_minor(minor, asked.currency()).map(|p| p.to_decimal_string()).unwrap_or_default();
                (InvoiceStatus::Underpaid, format!("{gateway_status} (paid {paid} of {})", asked.to_decimal_string()))
            }
            Some((asked, minor)) if minor > asked.minor() => (InvoiceStatus::Overpaid, gateway_status),
            Some(_) => (InvoiceStatus::Paid, gateway_status),
            None => {
                (InvoiceStatus::Confirming, format!("{gateway_status} (no amount paid reported: check it on Pay3)"))
            }
        };
    }
    StatusReport { status, gateway_status }
}

pub(super) fn read_status(
    orders: OrdersResponse,
    invoice: &InvoiceRef,
    creds: &Credentials,
    knobs: &Knobs,
) -> Result<StatusReport, GatewayError> {
    let order = pick_order(orders, &invoice.order_id).ok_or_else(|| {
        GatewayError::NotFound("Pay3 has no order with this order id (requestId) for this client_id".into())
    })?;
    Ok(order_report(&order, creds, knobs.get("paid_amount_field"), Some(&invoice.amount)))
}

/// The requestId query read as a lookup: an empty list means Pay3 has no such order. The order
/// list carries no pay link and no expiry, so a found order comes back without them; the id kept
/// is Pay3's `orderId` (the create answer's `token` may be a different handle).
pub(super) fn read_found(
    orders: OrdersResponse,
    order_id: &str,
    creds: &Credentials,
    knobs: &Knobs,
) -> Option<FoundInvoice> {
    let order = pick_order(orders, order_id)?;
    Some(FoundInvoice {
        status: order_report(&order, creds, knobs.get("paid_amount_field"), None),
        gateway_invoice_id: order.order_id,
        pay_link: None,
        expires_at: None,
    })
}
