//! What is printed (`Ticket`) and how (`Layout`): paper width, QR mode, copies, drawer.

use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// The most copies one print asks for; more is a slip of the finger, not a wish.
pub const MAX_COPIES: u8 = 5;

/// The paper roll. Both print font A (12 × 24 dots) at 203 dpi.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum PaperWidth {
    /// 58 mm paper, 48 mm (384 dots) printable.
    Mm58,
    /// 80 mm paper, 72 mm (576 dots) printable.
    #[default]
    Mm80,
}

impl PaperWidth {
    /// Characters on a line in font A at normal size.
    pub fn columns(self) -> usize {
        match self {
            PaperWidth::Mm58 => 32,
            PaperWidth::Mm80 => 48,
        }
    }

    /// Printable dots across.
    pub fn dots(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 384,
            PaperWidth::Mm80 => 576,
        }
    }

    pub fn millimetres(self) -> u32 {
        match self {
            PaperWidth::Mm58 => 58,
            PaperWidth::Mm80 => 80,
        }
    }
}

/// How the pay link's QR code is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum QrMode {
    /// The printer draws it (GS ( k, QR model 2): small and sharp.
    #[default]
    Native,
    /// Paydesk draws it and sends a raster image (GS v 0), for printers without the QR command.
    Raster,
}

/// A label and its value on one line, the value flush right ("2 × Espresso", "5.00 USD").
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TicketRow {
    pub left: String,
    pub right: String,
    /// Printed double size and centred: the amount.
    pub strong: bool,
}

impl TicketRow {
    pub fn new(left: impl Into<String>, right: impl Into<String>) -> TicketRow {
        TicketRow { left: left.into(), right: right.into(), strong: false }
    }

    pub fn strong(left: impl Into<String>, right: impl Into<String>) -> TicketRow {
        TicketRow { strong: true, ..TicketRow::new(left, right) }
    }
}

/// One tax rate: its name ("VAT 19 % incl.") and its net, tax and gross, each with its currency.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TicketTax {
    pub rate: String,
    pub net: String,
    pub tax: String,
    pub gross: String,
}

/// A receipt as text, in printing order, already in the till's language.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ticket {
    pub shop_name: Option<String>,
    pub title: String,
    pub items: Vec<TicketRow>,
    /// The tax table's headings for net, tax and gross.
    pub tax_columns: Vec<String>,
    pub taxes: Vec<TicketTax>,
    pub lines: Vec<TicketRow>,
    /// Printed as a QR code.
    pub qr: Option<String>,
    /// Printed last, wrapped: the pay link as text.
    pub footer: Option<String>,
}

/// How a ticket is printed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    pub width: PaperWidth,
    pub qr: QrMode,
    /// 1 to `MAX_COPIES`, each cut off on its own.
    pub copies: u8,
    /// Open the cash drawer (wired to the printer) before printing.
    pub kick_drawer: bool,
}

impl Default for Layout {
    fn default() -> Layout {
        Layout { width: PaperWidth::default(), qr: QrMode::default(), copies: 1, kick_drawer: false }
    }
}

/// The address a test print's QR code holds.
pub const TEST_LINK: &str = "https://paydesk.test/print";

/// A test print: a ruler as wide as the paper (its last digit is the column count's), sample text in
/// the code page's letters, and a QR code, so the cashier sees at once whether width, letters and
/// codes come out right.
pub fn test_ticket(width: PaperWidth) -> Ticket {
    let columns = width.columns();
    let ruler: String = (1..=columns).map(|i| char::from(b'0' + (i % 10) as u8)).collect();
    Ticket {
        shop_name: Some("Paydesk".into()),
        title: "Test print".into(),
        items: vec![
            TicketRow::new(ruler, ""),
            TicketRow::new("Left", "Right"),
            TicketRow::new("Café, niño, Müller, Straße", "£ €"),
        ],
        tax_columns: vec![],
        taxes: vec![],
        lines: vec![
            TicketRow::new("Paper", format!("{} mm, {columns} columns", width.millimetres())),
            TicketRow::strong("Test", "OK"),
        ],
        qr: Some(TEST_LINK.into()),
        footer: Some(TEST_LINK.into()),
    }
}
