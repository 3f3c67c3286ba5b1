//! The shapes that cross IPC (and `--json`), generated into TypeScript for the UI.

use super::*;
use paydesk_money::tax::Rounding;
use paydesk_printer::{PaperWidth, QrMode};

/// Everything the UI needs to draw its first screen.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Bootstrap {
    pub gateways: Vec<GatewayView>,
    pub currencies: Vec<CurrencyView>,
    pub settings: SettingsView,
    /// Late outcomes of abandoned sales no cashier has dismissed yet (see [`Till::dismiss_late`]).
    pub late_sales: Vec<InvoiceView>,
    pub limits: Limits,
}

/// The limits the till enforces, so the window's fields hold no more than it accepts and no
/// number is copied by hand into the UI.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct Limits {
    /// Characters in a description, a cash or refund note, or a reason.
    pub text_chars: u32,
    /// The largest sale, in whole units of its currency (the tip included).
    pub max_per_sale: u32,
    /// Characters in a catalog item's name, barcode and category.
    pub item_name_chars: u32,
    pub barcode_chars: u32,
    pub category_chars: u32,
    /// Characters in a cashier's or a tax rate's name.
    pub label_chars: u32,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct GatewayView {
    pub id: String,
    pub name: String,
    pub fields: Vec<CredentialField>,
    /// `None`: any currency.
    pub currencies: Option<Vec<String>>,
    pub can_poll: bool,
    pub default_base_url: String,
    /// What a second create with the same order id does there (decides what Retry may do).
    pub repeat: Repeat,
    /// How a sale whose create answer was lost is settled.
    pub lookup: Lookup,
    /// Whether the invoice lifetime can be chosen, and within what bounds.
    pub lifetime: Lifetime,
}

#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CurrencyView {
    pub code: String,
    pub decimals: u8,
}

/// A credential field and where its value comes from; never the value.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CredentialField {
    pub name: String,
    pub label: String,
    pub secret: bool,
    pub required: bool,
    /// "env", "keyring" or "not_set"; `None` in the gateway list, where it is not looked up.
    pub source: Option<String>,
}

/// The settings as saved: what the Settings screen can change, and what it only shows.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct SettingsView {
    #[serde(flatten)]
    pub saved: SettingsInput,
    pub last_gateway: Option<String>,
    /// Whether a manager PIN guards Settings, credentials, export and refunds.
    pub manager_pin_set: bool,
}

/// Whether manager-only functions are open, for the top bar and the PIN dialog. Never the PIN.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct ManagerStatus {
    pub pin_set: bool,
    /// Manager functions are open: no PIN is set, or a manager unlocked the till.
    pub unlocked: bool,
    /// After too many wrong PINs, how long unlocking is refused; 0 when it is not.
    pub locked_out_seconds: u32,
}

/// What the Settings screen saves.
#[derive(Debug, Clone, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct SettingsInput {
    pub default_gateway: String,
    pub default_currency: String,
    pub base_urls: BTreeMap<String, String>,
    pub decimal_comma: bool,
    /// Prefixes this till's order ids; empty or null for none.
    pub terminal_label: Option<String>,
    /// Empty or null for none.
    pub shop_name: Option<String>,
    /// The shop's callback relay at its public https address; gateways that take a callback URL
    /// per sale get `<relay_url>/callback/<gateway id>`. Empty or null for none.
    pub relay_url: Option<String>,
    /// "en" or "es".
    pub language: String,
    pub sounds: bool,
    /// Whole percent; empty when tips are off.
    pub tip_percents: Vec<u8>,
    pub kiosk: bool,
    pub always_on_top: bool,
    /// 0: never.
    pub idle_lock_minutes: u32,
    /// Invoice lifetime in minutes per gateway id, where the shop chose one (default 30); only
    /// gateways whose lifetime is settable, within their bounds.
    pub lifetime_minutes: BTreeMap<String, u32>,
    /// How a sale's tax is rounded: per line or once per rate, half-up or half-even.
    pub tax_rounding: Rounding,
    /// An exchange rate older than this is refused for a sale (hours).
    pub max_rate_age_hours: u32,
    /// Where the reference exchange rates are fetched; null for the ECB's daily file.
    pub rates_url: Option<String>,
    /// The receipt printer: "tcp://HOST:9100", a device path ("/dev/usb/lp0"), or "lp://QUEUE";
    /// null for the OS print dialog.
    pub printer: Option<String>,
    pub paper_width: PaperWidth,
    pub printer_qr: QrMode,
    /// Print the receipt by itself when a sale is paid.
    pub auto_print: bool,
    pub copies: u8,
    /// Open the cash drawer on a cash sale.
    pub drawer_on_cash: bool,
}

impl SettingsInput {
    /// What saving an untouched, fresh till would send.
    pub fn defaults() -> SettingsInput {
        settings_view(&TillConfig::default()).saved
    }
}

/// One sale as the UI shows it. Amounts are exact decimal text, never a float.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct InvoiceView {
    #[ts(type = "number")]
    pub id: i64,
    pub order_id: String,
    pub gateway: String,
    pub gateway_name: String,
    /// "12.34": the total, the tip included.
    pub amount: String,
    /// The part of `amount` that is a tip ("1.23"), where there is one.
    pub tip: Option<String>,
    pub currency: String,
    pub description: Option<String>,
    pub status: InvoiceStatus,
    pub gateway_status: Option<String>,
    pub gateway_invoice_id: Option<String>,
    pub pay_link: Option<String>,
    /// Unix seconds.
    #[ts(type = "number | null")]
    pub expires_at: Option<i64>,
    pub last_error: Option<String>,
    #[ts(type = "number")]
    pub created_at: i64,
    /// No later status will come: stop following it.
    pub is_final: bool,
    /// When the cashier moved on without waiting (Unix seconds); the sale is still watched.
    #[ts(type = "number | null")]
    pub abandoned_at: Option<i64>,
    /// A gateway's sale, a cash sale, or a refund (a positive amount paid back).
    pub kind: InvoiceKind,
    /// The order id of the sale a refund pays back, where it named one.
    pub refund_of: Option<String>,
    /// Who sold it, where the till has cashiers.
    pub cashier: Option<String>,
    /// The price in the shop's currency, where the gateway charged in another.
    pub priced: Option<PricedView>,
}

/// A sale through a gateway.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct ChargeRequest {
    pub gateway: String,
    #[serde(flatten)]
    pub sale: SaleRequest,
}

impl ChargeRequest {
    /// A typed amount through `gateway`: no items, tip or description.
    pub fn typed(gateway: &str, amount: &str, currency: &str) -> ChargeRequest {
        let sale = SaleRequest {
            amount: amount.into(),
            items: Vec::new(),
            tip: None,
            currency: currency.into(),
            description: None,
        };
        ChargeRequest { gateway: gateway.into(), sale }
    }
}

/// What the cashier rang up: catalog items and a typed amount beside them, priced in `currency`
/// (the till converts when the gateway charges in another). Prices come from the catalog, never
/// from the window.
#[derive(Debug, Clone, Deserialize, TS)]
#[ts(export)]
pub struct SaleRequest {
    /// The typed amount beside any items, in the wire form: digits and "." ("12.34", "1.500",
    /// "1500"; the UI converts the cashier's decimal style); "" or "0" for none.
    pub amount: String,
    #[serde(default)]
    pub items: Vec<ItemLine>,
    /// The tip on top, in the same form; `None` (or zero) for no tip.
    pub tip: Option<String>,
    pub currency: String,
    pub description: Option<String>,
}

/// A sale's receipt as the print preview shows it: the printed lines, and the pay link's QR code.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ReceiptView {
    pub receipt: Receipt,
    /// SVG markup rendered here from the pay link; `None` when the sale has no link.
    pub qr_svg: Option<String>,
}

/// What the customer-facing window shows: the sale's amount and QR code, or a welcome.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CustomerView {
    pub shop_name: Option<String>,
    /// "en" or "es".
    pub language: String,
    pub decimal_comma: bool,
    /// `None`: no sale is open, so the welcome shows.
    pub invoice: Option<CustomerInvoice>,
}

/// A followed sale's change as the customer-facing window hears of it: which sale, and where it
/// stands; nothing the cashier typed or the gateway noted.
#[derive(Debug, Clone, PartialEq, Serialize, TS)]
#[ts(export)]
pub struct SaleStatus {
    pub order_id: String,
    pub status: InvoiceStatus,
    pub is_final: bool,
}

impl SaleStatus {
    pub fn of(view: &InvoiceView) -> SaleStatus {
        SaleStatus { order_id: view.order_id.clone(), status: view.status, is_final: view.is_final }
    }
}

/// The part of a sale the customer may see: nothing the cashier typed about it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct CustomerInvoice {
    pub order_id: String,
    /// "12.34"
    pub amount: String,
    pub currency: String,
    pub qr_svg: Option<String>,
    pub status: InvoiceStatus,
    pub is_final: bool,
    /// The price in the shop's currency, where the gateway charges another: the customer sees both.
    pub priced: Option<PricedView>,
}

/// A typed amount that would be accepted, as the invoice will show it.
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct AmountCheck {
    pub amount: String,
    pub currency: String,
}

/// The outcome of Settings' "Test connection".
#[derive(Debug, Clone, Serialize, TS)]
#[ts(export)]
pub struct ConnectionCheck {
    pub base_url: String,
    /// The HTTP status the gateway's host answered with, if it answered at all.
    pub http_status: Option<u16>,
    pub missing_fields: Vec<String>,
    pub ok: bool,
    pub message: String,
}
