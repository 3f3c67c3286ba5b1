//! NonStoPay's request and answer bodies as they go on the wire, amounts as text included.

use paydesk_money::Amount;
use serde::{Deserialize, Deserializer, Serialize};

/// `errorCode` of a successful answer.
pub const OK: i64 = 0;

/// Body of the create call.
#[derive(Debug, Serialize, Deserialize)]
pub struct CreateRequest {
    pub email: String,
    /// Major units with '.', as a JSON string: see [`wire_amount`].
    pub amount: String,
    /// Currency code; only "USD" here.
    pub devise: String,
    /// Merchant data NonStoPay echoes in its callback: a JSON text of [`CallbackData`].
    #[serde(rename = "callbackJson", default, skip_serializing_if = "Option::is_none")]
    pub callback_json: Option<String>,
}

/// What Paydesk carries through `callbackJson`.
#[derive(Debug, Serialize, Deserialize)]
pub struct CallbackData {
    pub order_id: String,
}

/// The create answer. Errors carry only `errorCode` and `errorMessage`; success carries
/// `redirectUrl` and `html`, and in server-to-server mode also `status` and `ID`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CreateResponse {
    pub error_code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub redirect_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub html: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(rename = "ID", default, deserialize_with = "opt_text", skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
}

/// The status answer: `{"errorCode":0,"invoice":{"id","devise","amount","status"}}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct StatusResponse {
    pub error_code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invoice: Option<InvoiceInfo>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct InvoiceInfo {
    #[serde(deserialize_with = "text")]
    pub id: String,
    #[serde(default)]
    pub devise: Option<String>,
    /// As text: the docs show a string ("4") here and a number elsewhere.
    #[serde(default, deserialize_with = "opt_text")]
    pub amount: Option<String>,
    pub status: String,
}

/// The invoice-history answer: `{"errorCode":0,"invoices":[{id, devise, amount, status}]}` (the
/// list's field name is a guess).
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HistoryResponse {
    pub error_code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default)]
    pub invoices: Vec<InvoiceInfo>,
}

/// The invoice-info answer: `{"errorCode":0,"invoice_id":"1689","data":{status, id, callbackJson, …}}`.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InfoResponse {
    pub error_code: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<InfoData>,
}

#[derive(Debug, Serialize, Deserialize)]
pub struct InfoData {
    #[serde(deserialize_with = "text")]
    pub id: String,
    pub status: String,
    /// What we sent, echoed: a JSON text, or (had NonStoPay parsed it) an object.
    #[serde(rename = "callbackJson", default)]
    pub callback_json: Option<serde_json::Value>,
}

impl InfoData {
    /// The order id our `callbackJson` carried, if this invoice has one.
    pub fn order_id(&self) -> Option<String> {
        let value = match self.callback_json.as_ref()? {
            serde_json::Value::String(text) => serde_json::from_str(text).ok()?,
            other => other.clone(),
        };
        serde_json::from_value::<CallbackData>(value).ok().map(|c| c.order_id)
    }
}

/// The amount as NonStoPay takes it: major units with a '.' decimal mark, e.g. "15.04".
pub fn wire_amount(amount: &Amount) -> String {
    amount.to_decimal_string()
}

/// A string, or a number kept as its text (ids and amounts arrive both ways).
fn text<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Text {
        Text(String),
        Number(serde_json::Number),
    }
    Ok(match Text::deserialize(d)? {
        Text::Text(s) => s,
        Text::Number(n) => n.to_string(),
    })
}

fn opt_text<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    text(d).map(Some)
}
