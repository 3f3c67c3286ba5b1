//! A sale's receipt: the lines a customer takes away (shop, terminal, time, order id, gateway,
//! status, amount) and the pay link's QR code, as data for the app's print preview and as a small
//! one-page PDF on 80 mm receipt paper.
//!
//! The PDF is written by hand (PDF 1.4, about forty lines of structure): it uses the standard
//! Helvetica fonts every PDF reader has, so nothing is embedded, and draws the QR code as filled
//! rectangles, so it stays sharp at any printer resolution.

use crate::config::TillConfig;
use crate::qr::{qr_modules, QrError, QUIET_ZONE};
use paydesk_ledger::{Invoice, InvoiceKind};
use paydesk_money::clock::civil_date;
use paydesk_money::DecimalStyle;
use paydesk_money::InvoiceStatus;
use serde::Serialize;
use std::fmt::Write as _;
use ts_rs::TS;

/// The widest local-time offset there is (UTC+14) with room to spare; beyond it the caller is wrong.
const MAX_UTC_OFFSET_MINUTES: i32 = 18 * 60;

/// One printed line: a label and its value ("Order", "PD-20261123-AB12CD34").
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct ReceiptLine {
    pub label: String,
    pub value: String,
    /// Printed large: the amount.
    pub strong: bool,
}

/// What a receipt says, in the till's language, in printing order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct Receipt {
    /// The heading, when the owner set one in Settings.
    pub shop_name: Option<String>,
    /// "Receipt"
    pub title: String,
    pub lines: Vec<ReceiptLine>,
    pub order_id: String,
    /// Printed as a QR code and as text under it.
    pub pay_link: Option<String>,
}

impl Receipt {
    /// The receipt of `invoice`. `utc_offset_minutes` is the till's local offset from UTC at the
    /// time of the sale (see `clock::local_offset_secs`): `None` prints UTC.
    pub fn new(invoice: &Invoice, gateway_name: &str, config: &TillConfig, utc_offset_minutes: Option<i32>) -> Receipt {
        let words = words(&config.language);
        let mut amount = invoice.amount.to_decimal_string();
        if config.decimal_style == DecimalStyle::Comma {
            amount = amount.replace('.', ",");
        }
        let line = |label: &str, value: &str| ReceiptLine { label: label.into(), value: value.into(), strong: false };
        let mut lines = Vec::new();
        if let Some(terminal) = &config.terminal_label {
            lines.push(line(words.terminal, terminal));
        }
        lines.push(line(words.time, &sale_time(invoice.created_at, utc_offset_minutes)));
        lines.push(line(words.order, &invoice.order_id));
        if let Some(sale) = &invoice.refund_of {
            lines.push(line(words.refund_of, sale));
        }
        lines.push(line(words.gateway, gateway_name));
        if let Some(description) = &invoice.description {
            lines.push(line(words.description, description));
        }
        lines.push(line(words.status, (words.status_word)(invoice.status)));
        lines.push(ReceiptLine {
            strong: true,
            ..line(words.amount, &format!("{amount} {}", invoice.amount.currency().code()))
        });
        Receipt {
            shop_name: config.shop_name.clone(),
            title: if invoice.kind == InvoiceKind::Refund { words.refund } else { words.receipt }.into(),
            lines,
            order_id: invoice.order_id.clone(),
            pay_link: invoice.pay_link.clone(),
        }
    }

    /// A file name for the PDF: the order id, with anything a file system might mind replaced.
    pub fn file_name(&self) -> String {
        let safe: String =
            self.order_id.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect();
        format!("receipt-{safe}.pdf")
    }
}

/// `2026-11-23 13:15 UTC+01:00`, or `... UTC` when the offset is unknown or zero.
fn sale_time(unix_secs: i64, utc_offset_minutes: Option<i32>) -> String {
    let offset = utc_offset_minutes.unwrap_or(0).clamp(-MAX_UTC_OFFSET_MINUTES, MAX_UTC_OFFSET_MINUTES);
    let local = unix_secs + i64::from(offset) * 60;
    let (y, m, d) = civil_date(local);
    let secs = local.rem_euclid(86_400);
    let zone = match offset {
        0 => "UTC".to_string(),
        _ => {
            let sign = if offset < 0 { '-' } else { '+' };
            format!("UTC{sign}{:02}:{:02}", offset.abs() / 60, offset.abs() % 60)
        }
    };
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02} {zone}", secs / 3600, secs / 60 % 60)
}

/// A receipt's fixed words in one language.
struct Words {
    receipt: &'static str,
    refund: &'static str,
    refund_of: &'static str,
    terminal: &'static str,
    time: &'static str,
    order: &'static str,
    gateway: &'static str,
    description: &'static str,
    status: &'static str,
    amount: &'static str,
    status_word: fn(InvoiceStatus) -> &'static str,
}

fn words(language: &str) -> &'static Words {
    match language {
        "es" => &ES,
        _ => &EN,
    }
}

const EN: Words = Words {
    receipt: "Receipt",
    refund: "Refund",
    refund_of: "Refund of",
    terminal: "Terminal",
    time: "Time",
    order: "Order",
    gateway: "Gateway",
    description: "Description",
    status: "Status",
    amount: "Amount",
    status_word: |status| match status {
        InvoiceStatus::Creating => "Being created",
        InvoiceStatus::Pending => "Waiting for payment",
        InvoiceStatus::Confirming => "Confirming payment",
        InvoiceStatus::Paid => "Paid",
        InvoiceStatus::Underpaid => "Underpaid",
        InvoiceStatus::Overpaid => "Paid (overpaid)",
        InvoiceStatus::PaidLate => "Paid late",
        InvoiceStatus::Expired => "Expired, not paid",
        InvoiceStatus::ExpiredPartial => "Expired, partly paid",
        InvoiceStatus::Failed => "Failed, not paid",
        InvoiceStatus::Cancelled => "Cancelled",
        InvoiceStatus::Unknown => "Unknown",
    },
};

const ES: Words = Words {
    receipt: "Recibo",
    refund: "Reembolso",
    refund_of: "Reembolso de",
    terminal: "Terminal",
    time: "Fecha",
    order: "Pedido",
    gateway: "Pasarela",
    description: "Descripción",
    status: "Estado",
    amount: "Importe",
    status_word: |status| match status {
        InvoiceStatus::Creating => "Creándose",
        InvoiceStatus::Pending => "Esperando el pago",
        InvoiceStatus::Confirming => "Confirmando el pago",
        InvoiceStatus::Paid => "Pagado",
        InvoiceStatus::Underpaid => "Pago insuficiente",
        InvoiceStatus::Overpaid => "Pagado (de más)",
        InvoiceStatus::PaidLate => "Pagado tarde",
        InvoiceStatus::Expired => "Caducado, sin pagar",
        InvoiceStatus::ExpiredPartial => "Caducado, pagado en parte",
        InvoiceStatus::Failed => "Fallido, sin pagar",
        InvoiceStatus::Cancelled => "Cancelado",
        InvoiceStatus::Unknown => "Desconocido",
    },
};

// ---- the PDF

/// 80 mm, the common receipt roll, in PDF points (1/72 inch).
const PAGE_WIDTH: f32 = 80.0 / 25.4 * 72.0;
/// 5 mm.
const MARGIN: f32 = 14.17;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Largest QR module: a 60-byte link (33 modules) then prints about 35 mm wide.
const MAX_MODULE: f32 = 3.0;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Font {
    Regular,
    Bold,
}

impl Font {
    fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    /// Width of one WinAnsi byte in thousandths of the font size (Adobe's Helvetica metrics for
    /// ASCII; the widest likely glyph for the rest, so a line never runs off the paper).
    fn width(self, byte: u8) -> u16 {
        match byte {
            b' '..=b'~' => match self {
                Font::Regular => HELVETICA[usize::from(byte - b' ')],
                Font::Bold => HELVETICA_BOLD[usize::from(byte - b' ')],
            },
            // Æ æ Œ œ … ‰ — ™ ¼ ½ ¾
            0xC6 | 0xE6 | 0x8C | 0x9C | 0x85 | 0x89 | 0x97 | 0x99 | 0xBC..=0xBE => 1000,
            _ => 722,
        }
    }

    fn text_width(self, size: f32, text: &[u8]) -> f32 {
        text.iter().map(|&b| f32::from(self.width(b))).sum::<f32>() * size / 1000.0
    }
}

#[rustfmt::skip]
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/// `text` in WinAnsiEncoding, the standard fonts' encoding: Latin-1 as is, the typographic
/// characters Windows-1252 adds (€, curly quotes, dashes...) at their codes, control characters
/// as spaces, and `?` for anything the font cannot show.
fn win_ansi(text: &str) -> Vec<u8> {
    const EXTRA: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8A),
        ('‹', 0x8B),
        ('Œ', 0x8C),
        ('Ž', 0x8E),
        ('‘', 0x91),
        ('’', 0x92),
        ('“', 0x93),
        ('”', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9A),
        ('›', 0x9B),
        ('œ', 0x9C),
        ('ž', 0x9E),
        ('Ÿ', 0x9F),
    ];
    text.chars()
        .map(|c| match c {
            ' '..='~' | '\u{A0}'..='\u{FF}' => c as u8,
            c if c.is_control() => b' ',
            c => EXTRA.iter().find(|(x, _)| *x == c).map_or(b'?', |&(_, code)| code),
        })
        .collect()
}

/// A PDF literal string: parentheses and backslashes escaped, everything outside printable ASCII
/// as an octal escape, so no byte of the text can end the string or start an operator.
fn pdf_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            b' '..=b'~' => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push(')');
    out
}

/// Breaks `text` into lines at most `width` wide: at spaces, and inside a word only when the word
/// alone is wider than a line (a pay link, a long order id).
fn wrap(font: Font, size: f32, width: f32, text: &[u8]) -> Vec<Vec<u8>> {
    let fits = |line: &[u8]| font.text_width(size, line) <= width;
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let joined = if current.is_empty() { word.to_vec() } else { [&current[..], b" ", word].concat() };
        if fits(&joined) {
            current = joined;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        for &b in word {
            current.push(b);
            if !fits(&current) && current.len() > 1 {
                let last = current.pop().unwrap_or(b);
                lines.push(std::mem::replace(&mut current, vec![last]));
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

#[derive(Debug, Clone, Copy)]
enum Align {
    Left,
    Center,
    Right,
}

/// The page, laid out from the top: `y` grows downwards here and is flipped when written.
struct Layout {
    /// One drawing operation each, with the baseline or top as distance from the page's top.
    ops: Vec<(f32, Op)>,
    y: f32,
}

enum Op {
    Text { font: Font, size: f32, x: f32, text: Vec<u8> },
    Qr { x: f32, module: f32, width: usize, dark: Vec<bool> },
}

impl Layout {
    fn text_x(font: Font, size: f32, text: &[u8], align: Align) -> f32 {
        match align {
            Align::Left => MARGIN,
            Align::Center => MARGIN + (TEXT_WIDTH - font.text_width(size, text)) / 2.0,
            Align::Right => PAGE_WIDTH - MARGIN - font.text_width(size, text),
        }
    }

    /// One text line of `size` points; the cursor moves down by its leading.
    fn line(&mut self, font: Font, size: f32, text: Vec<u8>, align: Align) {
        self.y += size * 1.25;
        let x = Layout::text_x(font, size, &text, align);
        self.ops.push((self.y - size * 0.25, Op::Text { font, size, x, text }));
    }

    fn paragraph(&mut self, font: Font, size: f32, text: &[u8], align: Align) {
        for line in wrap(font, size, TEXT_WIDTH, text) {
            self.line(font, size, line, align);
        }
    }

    /// "Label   value" on one line when both fit, else the label and then the value beneath it.
    fn pair(&mut self, line: &ReceiptLine) {
        const SIZE: f32 = 9.0;
        let (label, value) = (win_ansi(&line.label), win_ansi(&line.value));
        let gap = Font::Regular.text_width(SIZE, b"  ");
        let together = Font::Bold.text_width(SIZE, &label) + gap + Font::Regular.text_width(SIZE, &value);
        if line.strong {
            self.y += 4.0;
            self.paragraph(Font::Bold, SIZE, &label, Align::Center);
            self.paragraph(Font::Bold, 16.0, &value, Align::Center);
        } else if together <= TEXT_WIDTH {
            self.line(Font::Bold, SIZE, label, Align::Left);
            let x = Layout::text_x(Font::Regular, SIZE, &value, Align::Right);
            let baseline = self.ops.last().map_or(self.y, |(y, _)| *y);
            self.ops.push((baseline, Op::Text { font: Font::Regular, size: SIZE, x, text: value }));
        } else {
            self.paragraph(Font::Bold, SIZE, &label, Align::Left);
            self.paragraph(Font::Regular, SIZE, &value, Align::Right);
        }
    }

    fn qr(&mut self, link: &str) -> Result<(), QrError> {
        let (width, dark) = qr_modules(link)?;
        let across = width + 2 * QUIET_ZONE as usize;
        let module = (TEXT_WIDTH / across as f32).min(MAX_MODULE);
        // The quiet zone is blank paper; the cursor moves past it on both sides.
        let x = MARGIN + (TEXT_WIDTH - module * across as f32) / 2.0 + module * QUIET_ZONE as f32;
        self.y += module * QUIET_ZONE as f32;
        self.ops.push((self.y, Op::Qr { x, module, width, dark }));
        self.y += module * (width as f32 + QUIET_ZONE as f32);
        Ok(())
    }
}

/// The receipt as a one-page PDF 1.4 document, as wide as an 80 mm roll and as long as it needs.
pub fn receipt_pdf(receipt: &Receipt) -> Result<Vec<u8>, QrError> {
    let mut page = Layout { ops: Vec::new(), y: MARGIN };
    if let Some(shop) = &receipt.shop_name {
        page.paragraph(Font::Bold, 13.0, &win_ansi(shop), Align::Center);
    }
    page.paragraph(Font::Regular, 9.0, &win_ansi(&receipt.title), Align::Center);
    page.y += 6.0;
    for line in &receipt.lines {
        page.pair(line);
    }
    if let Some(link) = &receipt.pay_link {
        page.qr(link)?;
        page.paragraph(Font::Regular, 6.5, &win_ansi(link), Align::Center);
    }
    let height = page.y + MARGIN;
    Ok(pdf_document(&content_stream(&page.ops, height), height, &receipt.order_id))
}

fn content_stream(ops: &[(f32, Op)], height: f32) -> String {
    let mut out = String::new();
    for (top, op) in ops {
        let y = height - top;
        match op {
            Op::Text { font, size, x, text } => {
                let _ =
                    writeln!(out, "BT /{} {size:.1} Tf {x:.2} {y:.2} Td {} Tj ET", font.resource(), pdf_string(text));
            }
            Op::Qr { x, module, width, dark } => {
                // Module coordinates from here on: x right, y down, one unit per module, so each
                // run of dark modules in a row is one integer rectangle.
                let _ = writeln!(out, "q 0 g {module:.4} 0 0 {:.4} {x:.2} {y:.2} cm", -module);
                for (row, cells) in dark.chunks(*width).enumerate() {
                    let mut col = 0;
                    while col < cells.len() {
                        let run = cells[col..].iter().take_while(|&&d| d).count();
                        if run > 0 {
                            let _ = writeln!(out, "{col} {row} {run} 1 re");
                        }
                        col += run.max(1);
                    }
                }
                out.push_str("f Q\n");
            }
        }
    }
    out
}

/// The document around the page's content: catalog, pages, page, the two fonts, the content
/// stream and an info dictionary, with a cross-reference table of their byte offsets.
fn pdf_document(content: &str, height: f32, order_id: &str) -> Vec<u8> {
    let objects = [
        "<< /Type /Catalog /Pages 2 0 R >>".to_string(),
        "<< /Type /Pages /Kids [3 0 R] /Count 1 >>".to_string(),
        format!(
            "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {PAGE_WIDTH:.2} {height:.2}] \
             /Resources << /Font << /F1 4 0 R /F2 5 0 R >> >> /Contents 6 0 R >>"
        ),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>".to_string(),
        "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>".to_string(),
        format!("<< /Length {} >>\nstream\n{content}endstream", content.len()),
        format!("<< /Title {} /Producer (Paydesk) >>", pdf_string(&win_ansi(&format!("Receipt {order_id}")))),
    ];
    // The second line's high bytes tell tools the file is binary (PDF 1.4, section 3.4.1).
    let mut pdf = b"%PDF-1.4\n%\xE2\xE3\xCF\xD3\n".to_vec();
    let mut offsets = Vec::with_capacity(objects.len());
    for (i, body) in objects.iter().enumerate() {
        offsets.push(pdf.len());
        pdf.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", i + 1).as_bytes());
    }
    let xref = pdf.len();
    let mut tail = format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1);
    for offset in offsets {
        let _ = writeln!(tail, "{offset:010} 00000 n ");
    }
    let _ = write!(
        tail,
        "trailer\n<< /Size {} /Root 1 0 R /Info {} 0 R >>\nstartxref\n{xref}\n%%EOF\n",
        objects.len() + 1,
        objects.len()
    );
    pdf.extend_from_slice(tail.as_bytes());
    pdf
}

#[cfg(test)]
mod tests {
    use super::*;
    use paydesk_gateways::gateway::{CreatedInvoice, StatusReport};
    use paydesk_ledger::{Ledger, NewInvoice};
    use paydesk_money::{Amount, Currency};

    const LINK: &str = "https://pay.example.com/invoice/EKKlnN7QXB5ynmqZTeriefGLgr4jq8";
    /// 2026-11-23 12:15:07 UTC
    const SOLD_AT: i64 = 1_795_392_000 + 12 * 3600 + 15 * 60 + 7;

    /// A paid sale, written to and read back from a real ledger file.
    fn paid_sale(description: Option<&str>, pay_link: Option<&str>) -> Invoice {
        let dir = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&dir.path().join("ledger.sqlite3")).unwrap();
        let amount = Amount::from_minor(123_456, Currency::USD).unwrap();
        let new =
            NewInvoice { order_id: "SHOP1-20261123-AB12CD34", gateway: "demo", amount, tip_minor: 0, description };
        let mut inv = ledger.insert_creating(&new).unwrap();
        if let Some(link) = pay_link {
            let created =
                CreatedInvoice { gateway_invoice_id: Some("g-1".into()), pay_link: link.into(), expires_at: None };
            ledger.mark_created(inv.id, &created).unwrap();
            let paid = StatusReport { status: InvoiceStatus::Paid, gateway_status: "completed".into() };
            inv = ledger.record_status(inv.id, &paid).unwrap();
        }
        inv.created_at = SOLD_AT;
        inv
    }

    fn config(shop: Option<&str>, language: &str) -> TillConfig {
        TillConfig {
            shop_name: shop.map(String::from),
            terminal_label: Some("SHOP1".into()),
            language: language.into(),
            ..TillConfig::default()
        }
    }

    fn pairs(receipt: &Receipt) -> Vec<(&str, &str)> {
        receipt.lines.iter().map(|l| (l.label.as_str(), l.value.as_str())).collect()
    }

    #[test]
    fn the_receipt_says_what_was_sold_where_and_when() {
        let inv = paid_sale(Some("Table 4"), Some(LINK));
        let receipt = Receipt::new(&inv, "Demo", &config(Some("Corner Café"), "en"), Some(60));
        assert_eq!(receipt.shop_name.as_deref(), Some("Corner Café"));
        assert_eq!(receipt.title, "Receipt");
        assert_eq!(
            pairs(&receipt),
            [
                ("Terminal", "SHOP1"),
                ("Time", "2026-11-23 13:15 UTC+01:00"),
                ("Order", "SHOP1-20261123-AB12CD34"),
                ("Gateway", "Demo"),
                ("Description", "Table 4"),
                ("Status", "Paid"),
                ("Amount", "1234.56 USD"),
            ]
        );
        assert_eq!(receipt.lines.iter().filter(|l| l.strong).count(), 1, "only the amount is printed large");
        assert_eq!(receipt.pay_link.as_deref(), Some(LINK));
        assert_eq!(receipt.file_name(), "receipt-SHOP1-20261123-AB12CD34.pdf");

        let plain = TillConfig { decimal_style: DecimalStyle::Comma, ..TillConfig::default() };
        let receipt = Receipt::new(&paid_sale(None, None), "Demo", &plain, None);
        assert_eq!(receipt.shop_name, None);
        assert_eq!(
            pairs(&receipt),
            [
                ("Time", "2026-11-23 12:15 UTC"),
                ("Order", "SHOP1-20261123-AB12CD34"),
                ("Gateway", "Demo"),
                ("Status", "Being created"),
                ("Amount", "1234,56 USD"),
            ]
        );
        assert_eq!(receipt.pay_link, None);
    }

    #[test]
    fn a_refund_says_so_and_names_the_sale() {
        let mut inv = paid_sale(None, None);
        inv.kind = InvoiceKind::Refund;
        inv.refund_of = Some("SHOP1-20261122-ZZ99YY88".into());
        let receipt = Receipt::new(&inv, "Refund", &config(None, "en"), None);
        assert_eq!(receipt.title, "Refund");
        assert!(pairs(&receipt).contains(&("Refund of", "SHOP1-20261122-ZZ99YY88")));
    }

    #[test]
    fn the_receipt_speaks_the_tills_language() {
        let receipt = Receipt::new(&paid_sale(None, Some(LINK)), "Demo", &config(None, "es"), Some(-330));
        assert_eq!(receipt.title, "Recibo");
        assert!(pairs(&receipt).contains(&("Estado", "Pagado")));
        assert!(pairs(&receipt).contains(&("Fecha", "2026-11-23 06:45 UTC-05:30")));
        for status in InvoiceStatus::ALL {
            assert!(!(EN.status_word)(status).is_empty() && !(ES.status_word)(status).is_empty());
        }
    }

    #[test]
    fn sale_times_cross_midnight_and_clamp_absurd_offsets() {
        assert_eq!(sale_time(SOLD_AT, Some(12 * 60)), "2026-11-24 00:15 UTC+12:00");
        assert_eq!(sale_time(SOLD_AT, Some(-13 * 60)), "2026-11-22 23:15 UTC-13:00");
        assert_eq!(sale_time(SOLD_AT, Some(0)), "2026-11-23 12:15 UTC");
        assert_eq!(sale_time(SOLD_AT, Some(i32::MAX)), sale_time(SOLD_AT, Some(MAX_UTC_OFFSET_MINUTES)));
    }

    // ---- reading the PDF back

    #[derive(Debug, Clone, PartialEq)]
    enum Tok {
        Num(f64),
        Name(String),
        Str(Vec<u8>),
        Op(String),
    }

    /// Tokenizes a content stream by the PDF rules (nested parentheses, backslash escapes), so a
    /// string that escaped its parentheses would show up as stray operators.
    fn tokens(content: &[u8]) -> Vec<Tok> {
        let mut out = Vec::new();
        let mut i = 0;
        while i < content.len() {
            let c = content[i];
            if c.is_ascii_whitespace() {
                i += 1;
            } else if c == b'(' {
                let (mut depth, mut s) = (1, Vec::new());
                i += 1;
                loop {
                    let c = content[i];
                    i += 1;
                    match c {
                        b'\\' => {
                            let e = content[i];
                            if e.is_ascii_digit() {
                                let digits = content[i..].iter().take(3).take_while(|d| (b'0'..=b'7').contains(d));
                                let n = digits.count();
                                let text = std::str::from_utf8(&content[i..i + n]).unwrap();
                                s.push(u8::from_str_radix(text, 8).unwrap());
                                i += n;
                            } else {
                                assert!(b"()\\".contains(&e), "unexpected escape \\{}", e as char);
                                s.push(e);
                                i += 1;
                            }
                        }
                        b'(' => {
                            depth += 1;
                            s.push(c);
                        }
                        b')' => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                            s.push(c);
                        }
                        _ => s.push(c),
                    }
                }
                out.push(Tok::Str(s));
            } else {
                let end = content[i..]
                    .iter()
                    .skip(1)
                    .position(|b| b.is_ascii_whitespace() || b"()/[]<>%".contains(b))
                    .map_or(content.len(), |p| i + 1 + p);
                let word = std::str::from_utf8(&content[i..end]).unwrap().to_string();
                out.push(if let Some(name) = word.strip_prefix('/') {
                    Tok::Name(name.into())
                } else if let Ok(n) = word.parse() {
                    Tok::Num(n)
                } else {
                    Tok::Op(word)
                });
                i = end;
            }
        }
        out
    }

    /// What the page draws: its text strings in order, and each QR's module grid.
    struct Drawn {
        texts: Vec<Vec<u8>>,
        qr: Vec<(Vec<f64>, Vec<[i64; 4]>)>,
    }

    /// Checks every operator takes the operands it should, and collects what is drawn.
    fn drawn(content: &[u8]) -> Drawn {
        let mut drawn = Drawn { texts: Vec::new(), qr: Vec::new() };
        let mut operands: Vec<Tok> = Vec::new();
        let nums = |ops: &[Tok]| -> Vec<f64> {
            ops.iter().map(|t| if let Tok::Num(n) = t { *n } else { panic!("{t:?} is not a number") }).collect()
        };
        for tok in tokens(content) {
            let Tok::Op(op) = tok else {
                operands.push(tok);
                continue;
            };
            let args = std::mem::take(&mut operands);
            match (op.as_str(), args.len()) {
                ("BT" | "ET" | "q" | "Q" | "f", 0) => {}
                ("Tf", 2) => {
                    assert!(matches!(&args[0], Tok::Name(n) if n == "F1" || n == "F2") && nums(&args[1..])[0] > 0.0)
                }
                ("Td", 2) => drop(nums(&args)),
                ("g", 1) => assert_eq!(nums(&args), [0.0]),
                ("cm", 6) => drawn.qr.push((nums(&args), Vec::new())),
                ("re", 4) => {
                    let n = nums(&args);
                    assert!(n.iter().all(|v| v.fract() == 0.0), "QR rectangles are whole modules: {n:?}");
                    let rect = [n[0] as i64, n[1] as i64, n[2] as i64, n[3] as i64];
                    drawn.qr.last_mut().expect("a rectangle inside the QR's transform").1.push(rect);
                }
                ("Tj", 1) => match &args[0] {
                    Tok::Str(s) => drawn.texts.push(s.clone()),
                    other => panic!("Tj of {other:?}"),
                },
                (op, n) => panic!("unexpected operator {op} with {n} operands"),
            }
        }
        assert!(operands.is_empty(), "operands without an operator: {operands:?}");
        drawn
    }

    /// The PDF's objects by number, checked through the xref table and the stream's /Length.
    fn objects(pdf: &[u8]) -> Vec<Vec<u8>> {
        assert!(pdf.starts_with(b"%PDF-1.4\n"));
        assert!(pdf.ends_with(b"%%EOF\n"));
        // The tail (xref table and trailer) is ASCII; the header's binary marker is not.
        let tail_at = pdf.windows(10).rposition(|w| w == b"startxref\n").expect("startxref");
        let tail = std::str::from_utf8(&pdf[tail_at..]).unwrap();
        let startxref: usize = tail.lines().nth(1).unwrap().parse().unwrap();
        let xref = std::str::from_utf8(&pdf[startxref..]).unwrap();
        let mut lines = xref.lines();
        assert_eq!(lines.next(), Some("xref"));
        let count: usize = lines.next().unwrap().strip_prefix("0 ").unwrap().parse().unwrap();
        assert_eq!(lines.next(), Some("0000000000 65535 f "));
        assert!(xref.contains(&format!("trailer\n<< /Size {count} /Root 1 0 R")));
        (1..count)
            .map(|n| {
                let entry = lines.next().unwrap();
                assert_eq!(entry.len(), 19, "xref entries are 20 bytes with their newline");
                let offset: usize = entry[..10].parse().unwrap();
                let head = format!("{n} 0 obj\n");
                assert!(pdf[offset..].starts_with(head.as_bytes()), "xref entry {n} points at the wrong byte");
                let body = &pdf[offset + head.len()..];
                let end = body.windows(7).position(|w| w == b"endobj\n").unwrap();
                body[..end].to_vec()
            })
            .collect()
    }

    fn content(pdf: &[u8]) -> Vec<u8> {
        let objects = objects(pdf);
        let stream = objects.iter().find(|o| o.starts_with(b"<< /Length ")).expect("a content stream");
        let text = String::from_utf8_lossy(stream);
        let length: usize = text["<< /Length ".len()..].split(' ').next().unwrap().parse().unwrap();
        let start = stream.windows(7).position(|w| w == b"stream\n").unwrap() + 7;
        assert_eq!(&stream[start + length..], b"endstream\n", "/Length is the stream's exact size");
        stream[start..start + length].to_vec()
    }

    fn pdf_of(receipt: &Receipt) -> Vec<u8> {
        receipt_pdf(receipt).unwrap()
    }

    #[test]
    fn the_xref_table_points_at_each_object() {
        let receipt = Receipt::new(&paid_sale(None, Some(LINK)), "Demo", &config(Some("Shop"), "en"), None);
        let objects = objects(&pdf_of(&receipt));
        assert_eq!(objects.len(), 7);
        assert!(objects[0].starts_with(b"<< /Type /Catalog"));
        assert!(objects[3].windows(10).any(|w| w == b"/Helvetica"), "a standard font, nothing embedded");
        assert!(!objects.iter().any(|o| o.windows(8).any(|w| w == b"FontFile")));
    }

    #[test]
    fn the_page_prints_every_line_of_the_receipt() {
        let receipt =
            Receipt::new(&paid_sale(Some("Table 4"), Some(LINK)), "Demo", &config(Some("Corner Café"), "en"), None);
        let pdf = pdf_of(&receipt);
        let texts = drawn(&content(&pdf)).texts;
        let shown: Vec<String> = texts.iter().map(|t| t.iter().map(|&b| char::from(b)).collect()).collect();
        for want in ["Corner Café", "Receipt", "Terminal", "SHOP1", "Time", "2026-11-23 12:15 UTC", "Order"] {
            assert!(shown.iter().any(|s| s == want), "{want:?} is not printed: {shown:?}");
        }
        for want in ["SHOP1-20261123-AB12CD34", "Demo", "Table 4", "Status", "Paid", "Amount", "1234.56 USD"] {
            assert!(shown.iter().any(|s| s == want), "{want:?} is not printed: {shown:?}");
        }
        // The pay link is printed whole under the code, wrapped to the paper.
        let link_lines = shown.iter().skip_while(|s| *s != "1234.56 USD").skip(1).cloned().collect::<String>();
        assert_eq!(link_lines, LINK);
        let mediabox = String::from_utf8_lossy(&objects(&pdf)[2]).into_owned();
        assert!(mediabox.contains("/MediaBox [0 0 226.77 "), "80 mm wide: {mediabox}");
    }

    #[test]
    fn the_drawn_squares_are_the_qr_codes_modules() {
        for link in [LINK, &format!("https://pay.example.com/?q={}", "x".repeat(900))] {
            let receipt = Receipt::new(&paid_sale(None, Some(link)), "Demo", &config(None, "en"), None);
            let qr = drawn(&content(&pdf_of(&receipt))).qr;
            assert_eq!(qr.len(), 1, "one QR code");
            let (cm, rects) = &qr[0];
            let (width, dark) = qr_modules(link).unwrap();
            let mut painted = vec![false; width * width];
            for &[x, y, w, h] in rects {
                assert_eq!(h, 1);
                for col in x..x + w {
                    let cell = &mut painted[y as usize * width + col as usize];
                    assert!(!*cell, "module ({col},{y}) painted twice");
                    *cell = true;
                }
            }
            assert_eq!(painted, dark, "the squares are the code's dark modules");
            // Square modules, the code and its quiet zone on the paper.
            let [a, b, c, d, x, _] = cm[..] else { panic!("{cm:?}") };
            assert!(a > 1.0 && a <= f64::from(MAX_MODULE) && b == 0.0 && c == 0.0 && d == -a, "{cm:?}");
            let quiet = a * f64::from(QUIET_ZONE);
            assert!(x - quiet >= f64::from(MARGIN) - 0.01);
            assert!(x + a * width as f64 + quiet <= f64::from(PAGE_WIDTH - MARGIN) + 0.01);
        }
        let receipt = Receipt::new(&paid_sale(None, None), "Demo", &config(None, "en"), None);
        assert!(drawn(&content(&pdf_of(&receipt))).qr.is_empty(), "no link, no code");
    }

    #[test]
    fn odd_characters_cannot_break_out_of_the_text() {
        let shop = "Bob's (Best)) \\ Shop ) Tj ET BT /F9 99 Tf (x) Tj % endstream endobj";
        let description = "日本 “tea” – 5€ \\( \u{7f}\u{1b} ÿ";
        let receipt = Receipt::new(&paid_sale(Some(description), Some(LINK)), "Demo", &config(Some(shop), "en"), None);
        let pdf = pdf_of(&receipt);
        let texts = drawn(&content(&pdf)).texts;
        let joined = texts.iter().map(|t| t.as_slice()).collect::<Vec<_>>().join(&b' ');
        let contains = |want: &[u8]| joined.windows(want.len()).any(|w| w == want);
        assert!(contains(b"Bob's (Best)) \\ Shop ) Tj ET BT /F9 99 Tf (x) Tj % endstream endobj"), "{joined:?}");
        // Latin-1 and Windows' typographic characters as the font's codes; others as "?"; control
        // characters as blanks.
        assert!(contains(b"?? \x93tea\x94 \x96 5\x80 \\("), "{:?}", String::from_utf8_lossy(&joined));
        assert!(contains(b"\xFF") && !contains(b"\x7F") && !contains(b"\x1B"));
        // The content stream and everything around it stays 7-bit, so no byte is misread.
        assert!(content(&pdf).iter().all(|b| b.is_ascii()));
        assert_eq!(objects(&pdf).len(), 7);
    }

    #[test]
    fn long_words_wrap_within_the_paper() {
        for font in [Font::Regular, Font::Bold] {
            let text = win_ansi(&format!("A {} B WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", LINK));
            let lines = wrap(font, 9.0, TEXT_WIDTH, &text);
            assert!(lines.len() > 2);
            assert!(lines.iter().all(|l| font.text_width(9.0, l) <= TEXT_WIDTH && !l.is_empty()));
            let rejoined: Vec<u8> = lines.concat().into_iter().filter(|&b| b != b' ').collect();
            let original: Vec<u8> = text.into_iter().filter(|&b| b != b' ').collect();
            assert_eq!(rejoined, original, "nothing lost or repeated");
        }
        assert_eq!(wrap(Font::Regular, 9.0, TEXT_WIDTH, b""), [Vec::<u8>::new()]);
    }

    /// Poppler (Debian's poppler-utils) reads the file as any PDF reader would: its text, and the
    /// QR code rendered at printer resolution decodes back to the pay link.
    #[test]
    fn poppler_reads_the_text_and_the_code() {
        let has = |tool: &str| std::process::Command::new(tool).arg("-v").output().is_ok();
        if !has("pdftotext") || !has("pdftoppm") {
            eprintln!("note: pdftotext/pdftoppm (poppler-utils) are not installed; skipped reading the PDF with them");
            return;
        }
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("r.pdf");
        let receipt = Receipt::new(&paid_sale(None, Some(LINK)), "Demo", &config(Some("Corner Café (1)"), "en"), None);
        std::fs::write(&file, pdf_of(&receipt)).unwrap();
        let run = |tool: &str, args: &[&str]| {
            let out = std::process::Command::new(tool).args(args).output().unwrap();
            assert!(out.status.success(), "{tool}: {}", String::from_utf8_lossy(&out.stderr));
            assert!(out.stderr.is_empty(), "{tool} complained: {}", String::from_utf8_lossy(&out.stderr));
            out.stdout
        };
        let text = String::from_utf8(run("pdftotext", &["-layout", file.to_str().unwrap(), "-"])).unwrap();
        for want in ["Corner Café (1)", "Receipt", "SHOP1-20261123-AB12CD34", "Paid", "1234.56 USD"] {
            assert!(text.contains(want), "{want:?} not in {text}");
        }
        let png = dir.path().join("page");
        run("pdftoppm", &["-r", "300", "-gray", "-png", "-singlefile", file.to_str().unwrap(), png.to_str().unwrap()]);
        let img = image::open(dir.path().join("page.png")).unwrap().to_luma8();
        let mut prepared = rqrr::PreparedImage::prepare(img);
        let decoded: Vec<String> =
            prepared.detect_grids().iter().filter_map(|g| g.decode().ok()).map(|(_, t)| t).collect();
        assert_eq!(decoded, [LINK]);
    }
}
