//! OxaPay: crypto invoices priced in fiat. Two API generations run side by side, chosen by the
//! `contract` knob: **v1** (the default; the provider's advice for new work: key in the
//! `merchant_api_key` header, snake_case JSON, statuses including `underpaid`) and the **legacy**
//! merchant API (key in the body's `merchant` field, camelCase JSON, `result == 100` means success).
//! Neither signs requests. OxaPay does not de-duplicate our order id, so a create is never resent;
//! a sale whose create answer was lost is searched for in the v1 payment history.

mod callback;
mod legacy;
mod v1;

pub use legacy::{
    legacy_error, LegacyCreateRequest, LegacyCreateResponse, LegacyInquiryRequest, LegacyInquiryResponse, LEGACY_OK,
    LEGACY_RESULTS,
};
pub use v1::{
    build_history, parse_history, v1_error, V1Envelope, V1ErrorDetail, V1History, V1InvoiceData, V1InvoiceRequest,
    V1PaymentData, EXPIRED_WITH_PAYMENT,
};

use crate::gateway::*;
use crate::http::{check_pay_link, HttpRequest, HttpResponse};
use async_trait::async_trait;
use paydesk_money::Amount;
use paydesk_money::InvoiceStatus;
use serde::{Deserialize, Deserializer, Serialize};

pub static INFO: GatewayInfo = GatewayInfo {
    id: "oxapay",
    name: "OxaPay",
    default_base_url: "https://api.oxapay.com/",
    fields: &[FieldSpec { name: "merchant_api_key", label: "Merchant API key", secret: true, required: true }],
    knobs: &[
        KnobSpec {
            name: "contract",
            default: "v1",
            doubt: "OxaPay runs the v1 API and the legacy merchant API side by side; v1 is advised for new \
                    accounts, 'legacy' is for accounts or keys that only work with merchants/request.",
        },
        KnobSpec {
            name: "sandbox",
            default: "false",
            doubt: "The v1 'sandbox' body flag appears only in OxaPay's PHP SDK, not in the invoice docs; \
                    'true' sends it, 'false' leaves it out.",
        },
        KnobSpec {
            name: "history_path",
            default: "v1/payment",
            doubt: "The v1 payment history is documented, its filter fields are not: Paydesk asks with \
                    order_id=<ours>, keeps only items whose order_id is ours, and never reads 'not listed' \
                    as 'not there' (so it never resends on it).",
        },
    ],
    currencies: None,
    can_poll: true,
    repeat: Repeat::Duplicates,
    lookup: Lookup::Search,
    lifetime: Lifetime::Settable { min_secs: 15 * 60, max_secs: 2880 * 60 },
};

/// OxaPay's documented invoice lifetime range, in minutes (both contracts).
pub const LIFETIME_MINUTES: std::ops::RangeInclusive<u32> = 15..=2880;

/// Which of the two API generations to speak.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contract {
    V1,
    Legacy,
}

/// The knob values, checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    pub contract: Contract,
    pub sandbox: bool,
}

impl Settings {
    pub fn from_knobs(knobs: &Knobs) -> Result<Settings, GatewayError> {
        let contract = match knobs.get("contract") {
            "v1" => Contract::V1,
            "legacy" => Contract::Legacy,
            other => {
                return Err(GatewayError::Unsupported(format!(
                    "the OxaPay 'contract' knob must be 'v1' or 'legacy', not '{other}'"
                )))
            }
        };
        let sandbox = match knobs.get("sandbox") {
            "true" => true,
            "false" => false,
            other => {
                return Err(GatewayError::Unsupported(format!(
                    "the OxaPay 'sandbox' knob must be 'true' or 'false', not '{other}'"
                )))
            }
        };
        Ok(Settings { contract, sandbox })
    }
}

/// An amount as OxaPay's `amount` field carries it: a JSON number in major units ("decimal" in the
/// docs), kept as its exact text so no float ever touches it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WireAmount(String);

impl WireAmount {
    /// The exact wire form: the amount's decimal string, e.g. 12.34, or 1500 for JPY.
    pub fn from_amount(amount: &Amount) -> WireAmount {
        WireAmount(amount.to_decimal_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl<'de> Deserialize<'de> for WireAmount {
    /// Only a JSON number is accepted. Its text is re-read through serde_json's shortest round-trip
    /// form, which is exact for every amount a till can produce (at most 10 significant digits).
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        serde_json::Number::deserialize(d).map(|n| WireAmount(n.to_string()))
    }
}

/// `body` serialized once with `"amount":<exact number>` spliced in first: serde_json cannot write a
/// number from decimal text without going through a float.
fn json_with_amount<T: Serialize>(amount: &WireAmount, body: &T) -> Vec<u8> {
    let rest = serde_json::to_vec(body).expect("plain struct serializes");
    let mut out = format!("{{\"amount\":{}", amount.0).into_bytes();
    if rest.len() > 2 {
        out.push(b',');
    }
    out.extend_from_slice(&rest[1..]);
    out
}

/// `lifetime_secs` in whole minutes (rounded up), clamped to OxaPay's range.
pub fn lifetime_minutes(lifetime_secs: u32) -> u32 {
    lifetime_secs.div_ceil(60).clamp(*LIFETIME_MINUTES.start(), *LIFETIME_MINUTES.end())
}

/// Both contracts' statuses (v1 lower-case, legacy capitalised) in the shared vocabulary.
///
/// A v1 `expired` with transactions is not decided here: `parse_status` reports it as Unknown
/// (see [`EXPIRED_WITH_PAYMENT`]).
pub fn map_status(status: &str) -> InvoiceStatus {
    match status {
        // v1
        "new" | "waiting" => InvoiceStatus::Pending,
        "paying" => InvoiceStatus::Confirming,
        // manual_accept: the merchant accepted the payment by hand on OxaPay.
        "paid" | "manual_accept" => InvoiceStatus::Paid,
        "underpaid" => InvoiceStatus::Underpaid,
        "expired" => InvoiceStatus::Expired,
        // legacy
        "New" | "Waiting" => InvoiceStatus::Pending,
        "Confirming" => InvoiceStatus::Confirming,
        "Paid" => InvoiceStatus::Paid,
        "Expired" => InvoiceStatus::Expired,
        "Failed" => InvoiceStatus::Failed,
        // refunding/refunded and anything new: not placeable, the raw status is kept.
        _ => InvoiceStatus::Unknown,
    }
}

const UNAUTHORIZED: &str =
    "OxaPay does not accept this merchant API key: check the merchant_api_key credential (a merchant key, not a payout key)";

/// The create request for `settings.contract`, body serialized once.
pub fn build_create(api_key: &str, settings: Settings, req: &ChargeRequest) -> Result<HttpRequest, GatewayError> {
    // OxaPay does not dedupe order ids (as far as documented), so a create is never retried.
    Ok(match settings.contract {
        Contract::V1 => v1::create_request(api_key, settings.sandbox, req),
        Contract::Legacy => legacy::create_request(api_key, req),
    })
}

/// The status request for `track_id`. The legacy inquiry is a POST, but a read, so it is retried.
pub fn build_status(api_key: &str, contract: Contract, track_id: &str) -> Result<HttpRequest, GatewayError> {
    match contract {
        Contract::V1 => Ok(v1::status_request(api_key, track_id)),
        Contract::Legacy => legacy::status_request(api_key, track_id),
    }
}

pub fn parse_create(
    contract: Contract,
    resp: &HttpResponse,
    creds: &Credentials,
) -> Result<CreatedInvoice, GatewayError> {
    let created = match contract {
        Contract::V1 => v1::read_created(resp, creds)?,
        Contract::Legacy => legacy::read_created(resp, creds)?,
    };
    check_pay_link(&created.pay_link)?;
    Ok(created)
}

pub fn parse_status(
    contract: Contract,
    resp: &HttpResponse,
    creds: &Credentials,
) -> Result<StatusReport, GatewayError> {
    match contract {
        Contract::V1 => v1::read_status(resp, creds),
        Contract::Legacy => legacy::read_status(resp, creds),
    }
}

pub struct OxaPay;

#[async_trait]
impl Gateway for OxaPay {
    fn info(&self) -> &'static GatewayInfo {
        &INFO
    }

    async fn create(&self, call: &Call<'_>, req: &ChargeRequest) -> Result<CreatedInvoice, GatewayError> {
        let settings = Settings::from_knobs(call.knobs)?;
        let key = call.creds.require(INFO.id, "merchant_api_key")?;
        let request = build_create(key.expose(), settings, req)?;
        let resp = call.http.send(&request).await?;
        parse_create(settings.contract, &resp, call.creds)
    }

    async fn status(&self, call: &Call<'_>, invoice: &InvoiceRef) -> Result<StatusReport, GatewayError> {
        let settings = Settings::from_knobs(call.knobs)?;
        let key = call.creds.require(INFO.id, "merchant_api_key")?;
        let track_id = invoice.gateway_invoice_id.as_deref().ok_or_else(|| {
            GatewayError::Unsupported(
                "this OxaPay invoice has no track id to look up (its create was never answered)".into(),
            )
        })?;
        let resp = call.http.send(&build_status(key.expose(), settings.contract, track_id)?).await?;
        parse_status(settings.contract, &resp, call.creds)
    }

    /// Only v1 has a payment history to search; the legacy API cannot be asked by order id.
    async fn find_by_order(&self, call: &Call<'_>, sale: &InvoiceRef) -> Result<Option<FoundInvoice>, GatewayError> {
        let order_id = sale.order_id.as_str();
        if Settings::from_knobs(call.knobs)?.contract == Contract::Legacy {
            return Err(GatewayError::Unsupported("OxaPay's legacy API cannot be asked by order id".into()));
        }
        let key = call.creds.require(INFO.id, "merchant_api_key")?;
        let resp = call.http.send(&build_history(key.expose(), call.knobs.get("history_path"), order_id)).await?;
        parse_history(&resp, call.creds, order_id)
    }

    /// Payment callbacks of either generation (§3.3), signed in the `HMAC` header.
    fn verify_callback(
        &self,
        creds: &Credentials,
        _knobs: &Knobs,
        callback: &Callback<'_>,
    ) -> Result<CallbackReport, GatewayError> {
        callback::verify(creds, callback)
    }
}

/// Track ids arrive as strings (v1) or numbers (some legacy answers); keep their text.
fn id_text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum IdText {
        Text(String),
        Int(u64),
    }
    Ok(match IdText::deserialize(d)? {
        IdText::Text(s) => s,
        IdText::Int(n) => n.to_string(),
    })
}

fn opt_id_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    id_text(d).map(Some)
}

#[cfg(test)]
mod tests;
