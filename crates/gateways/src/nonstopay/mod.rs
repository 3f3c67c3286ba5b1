//! NonStoPay: USD invoices paid by UPI, card or crypto. Auth is the `API-KEY` header (no request
//! signing), and NonStoPay only answers calls from IP addresses registered in its dashboard, so a
//! till on a dynamic IP needs a relay with a fixed IP.
//!
//! The API requires a customer email on every invoice; a till has no customer email, so the `email`
//! credential holds the shop's own receipt address. Our order id travels in `callbackJson`.
//! The redirect-mode create answer carries no invoice id (only the server-to-server card mode,
//! which needs the card's details, does), so the id to poll is found afterwards: the invoice
//! history lists the day's invoices, and the invoice-info call of each with the sale's amount
//! returns its `callbackJson`, which names our order id. Where it cannot be found, a manager
//! settles the sale from the NonStoPay dashboard.

mod callback;
mod calls;
mod codes;
mod wire;

pub use callback::{callback_signature, HMAC_SHA256_HEX, HMAC_SHA512_HEX, SIGNATURE_KNOB};
pub use calls::{
    build_create, build_history, build_status, parse_create, parse_history, parse_info, parse_status, MAX_CANDIDATES,
};
pub use codes::{map_error, map_status, Op};
pub use wire::{
    wire_amount, CallbackData, CreateRequest, CreateResponse, HistoryResponse, InfoData, InfoResponse, InvoiceInfo,
    StatusResponse, OK,
};

use crate::gateway::*;
use async_trait::async_trait;

pub static INFO: GatewayInfo = GatewayInfo {
    id: "nonstopay",
    name: "NonStoPay",
    default_base_url: "https://usdc.nonstopay.net/",
    fields: &[
        FieldSpec { name: "api_key", label: "API key", secret: true, required: true },
        FieldSpec {
            name: "email",
            label: "Customer email for invoices (the shop's receipt address; NonStoPay requires one)",
            secret: false,
            required: true,
        },
    ],
    knobs: &[
        KnobSpec {
            name: "create_path",
            default: "api/btn-create-invoice/get/",
            doubt: "The docs' text lost the create URL; this path comes from a third-party integration, and \
                    whether UPI, card and crypto invoices use separate URLs is unknown.",
        },
        KnobSpec {
            name: "status_path",
            default: "api/invoice/status/",
            doubt: "The status URL is not in the docs' text; this path comes from a third-party integration.",
        },
        KnobSpec {
            name: "history_path",
            default: "api/invoice/history/",
            doubt:
                "The invoice-history call (status, from, to, order) is documented, its URL and the list's field name \
                    ('invoices') are not.",
        },
        KnobSpec {
            name: "info_path",
            default: "api/client-invoice-info/get/",
            doubt:
                "Documented in the NFT section of the docs, which uses the same API family; it returns callbackJson.",
        },
        KnobSpec {
            name: SIGNATURE_KNOB,
            default: HMAC_SHA256_HEX,
            doubt: "The callback's X-Signature algorithm is a guess: the docs' PHP snippet did not survive. \
                    'hmac-sha256-hex' is lowercase hex HMAC-SHA256 of the raw body keyed with the API key; \
                    'hmac-sha512-hex' the same with SHA-512. Ask NonStoPay for the real rule.",
        },
    ],
    currencies: Some(&["USD"]),
    can_poll: true,
    repeat: Repeat::Duplicates,
    lookup: Lookup::Search,
    lifetime: Lifetime::Fixed,
};

pub struct NonStoPay;

#[async_trait]
impl Gateway for NonStoPay {
    fn info(&self) -> &'static GatewayInfo {
        &INFO
    }

    async fn create(&self, call: &Call<'_>, req: &ChargeRequest) -> Result<CreatedInvoice, GatewayError> {
        let key = call.creds.require(INFO.id, "api_key")?;
        let email = call.creds.require(INFO.id, "email")?;
        let request = build_create(key.expose(), email.expose(), call.knobs.get("create_path"), req)?;
        let resp = call.http.send(&request).await?;
        parse_create(&resp, call.creds)
    }

    async fn status(&self, call: &Call<'_>, invoice: &InvoiceRef) -> Result<StatusReport, GatewayError> {
        let id = invoice.gateway_invoice_id.as_deref().ok_or_else(|| {
            GatewayError::Unsupported(
                "Paydesk has not found NonStoPay's id for this sale yet, so it cannot ask its status: confirm it on \
                 the NonStoPay dashboard"
                    .into(),
            )
        })?;
        let key = call.creds.require(INFO.id, "api_key")?;
        let resp = call.http.send(&build_status(key.expose(), call.knobs.get("status_path"), id)).await?;
        parse_status(&resp, call.creds)
    }

    /// The day's invoices of the sale's amount, asked one by one for the order id in their
    /// `callbackJson`. Not finding it proves nothing (the history may lag, or list differently).
    async fn find_by_order(&self, call: &Call<'_>, sale: &InvoiceRef) -> Result<Option<FoundInvoice>, GatewayError> {
        let key = call.creds.require(INFO.id, "api_key")?.expose();
        let now = paydesk_money::clock::unix_now();
        let history = call.http.send(&build_history(key, call.knobs.get("history_path"), sale.created_at, now)).await?;
        for id in parse_history(&history, call.creds, &sale.amount)? {
            let info = call.http.send(&build_status(key, call.knobs.get("info_path"), &id)).await?;
            let info = parse_info(&info, call.creds)?;
            if info.order_id().as_deref() == Some(sale.order_id.as_str()) {
                let status = StatusReport { status: map_status(&info.status), gateway_status: info.status };
                return Ok(Some(FoundInvoice {
                    gateway_invoice_id: Some(info.id),
                    pay_link: None,
                    expires_at: None,
                    status,
                }));
            }
        }
        Ok(None)
    }

    /// The callback's `X-Signature`, under the guessed scheme the `callback_signature` knob names.
    fn verify_callback(
        &self,
        creds: &Credentials,
        knobs: &Knobs,
        callback: &Callback<'_>,
    ) -> Result<CallbackReport, GatewayError> {
        callback::verify(creds, knobs, callback)
    }
}

#[cfg(test)]
mod tests;
