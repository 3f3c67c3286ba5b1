//! A ticket as ESC/POS bytes.
//!
//! The escpos crate builds the commands it gets right (ESC @, ESC t, ESC a, ESC E, GS !, ESC d and
//! the QR code's GS ( k sequence) into an in-memory driver. Four are written here against Epson's
//! ESC/POS reference, because escpos 0.17 gets them wrong or cannot do them:
//! - text: its PC858 table is off in places and it sends unmappable characters as UTF-8 (see
//!   `codepage`), so text goes through `codepage` and `Printer::custom`;
//! - the partial cut: its `partial_cut` sends GS V 65 1, which is a *full* cut after a 1-dot feed
//!   (function B's partial cut is GS V 66 n);
//! - the drawer pulse: its `cash_drawer` sends ESC p m without the two pulse times the command
//!   takes, so the printer eats the next two bytes of the receipt as times;
//! - the raster QR (GS v 0): its graphics take an image *file* to decode (pulling in every `image`
//!   codec) and dither it; here the QR code's modules are packed into raster bits directly.

use crate::codepage::{self, PC858};
use crate::layout::{row, tax_rows, wrap};
use crate::{Layout, PaperWidth, PrintError, QrMode, Ticket, MAX_COPIES};
use escpos::driver::Driver;
use escpos::printer::Printer;
use escpos::utils::{JustifyMode, PageCode, Protocol, QRCodeCorrectionLevel, QRCodeModel, QRCodeOption};
use qrcode::{EcLevel, QrCode};
use std::cell::RefCell;
use std::rc::Rc;

const ESC: u8 = 0x1B;
const GS: u8 = 0x1D;
pub(crate) const LF: u8 = 0x0A;

/// ESC p 0 t1 t2: pulse drawer pin 2 on for t1 × 2 ms (50 ms) and off for t2 × 2 ms (500 ms).
const DRAWER_PULSE: [u8; 5] = [ESC, b'p', 0, 25, 250];
/// GS V 66 n: feed to the cutter plus n dots, then cut leaving a hinge (a partial cut).
const PARTIAL_CUT: [u8; 4] = [GS, b'V', 66, 0];
/// The widest QR module in dots: 6 dots (0.75 mm) reads well and keeps a pay link's code ~ 3 cm.
const MAX_QR_MODULE_DOTS: u32 = 6;
/// Light modules around the code, as the QR standard asks for.
const QUIET_ZONE: u32 = 4;
/// The longest QR payload printed; a pay link is ~100 bytes.
const MAX_QR_BYTES: usize = 1024;

/// Collects what the escpos `Printer` writes instead of sending it to a device.
#[derive(Clone, Default)]
struct Memory(Rc<RefCell<Vec<u8>>>);

impl Driver for Memory {
    fn name(&self) -> String {
        "memory".into()
    }
    fn write(&self, data: &[u8]) -> escpos::errors::Result<()> {
        self.0.borrow_mut().extend_from_slice(data);
        Ok(())
    }
    fn read(&self, _buf: &mut [u8]) -> escpos::errors::Result<usize> {
        Ok(0)
    }
    fn flush(&self) -> escpos::errors::Result<()> {
        Ok(())
    }
}

/// Commands for one print, in order.
struct Job {
    printer: Printer<Memory>,
    memory: Memory,
    width: PaperWidth,
}

fn fail(e: escpos::errors::PrinterError) -> PrintError {
    PrintError::Encode(e.to_string())
}

impl Job {
    fn new(width: PaperWidth) -> Result<Job, PrintError> {
        let memory = Memory::default();
        let mut printer = Printer::new(memory.clone(), Protocol::default(), None);
        printer.init().map_err(fail)?;
        Ok(Job { printer, memory, width })
    }

    fn raw(&mut self, bytes: &[u8]) -> Result<&mut Self, PrintError> {
        self.printer.custom(bytes).map_err(fail)?;
        Ok(self)
    }

    /// One line of printable text (see `codepage::printable`) and a line feed.
    fn line(&mut self, text: &str) -> Result<&mut Self, PrintError> {
        let mut bytes = codepage::to_bytes(text);
        bytes.push(LF);
        self.raw(&bytes)
    }

    fn lines(&mut self, lines: impl IntoIterator<Item = String>) -> Result<&mut Self, PrintError> {
        for l in lines {
            self.line(&l)?;
        }
        Ok(self)
    }

    fn justify(&mut self, mode: JustifyMode) -> Result<&mut Self, PrintError> {
        self.printer.justify(mode).map_err(fail)?;
        Ok(self)
    }

    fn rule(&mut self) -> Result<&mut Self, PrintError> {
        let rule = "-".repeat(self.width.columns());
        self.line(&rule)
    }

    fn copy(&mut self, ticket: &Ticket, qr: Option<&Qr>) -> Result<(), PrintError> {
        let columns = self.width.columns();
        let text = |s: &str| codepage::printable(s);
        self.justify(JustifyMode::CENTER)?;
        if let Some(shop) = ticket.shop_name.as_deref().filter(|s| !s.trim().is_empty()) {
            self.printer.bold(true).map_err(fail)?;
            self.lines(wrap(&text(shop), columns))?;
            self.printer.bold(false).map_err(fail)?;
        }
        self.lines(wrap(&text(&ticket.title), columns))?;
        self.justify(JustifyMode::LEFT)?;
        if !ticket.items.is_empty() {
            self.rule()?;
            for item in &ticket.items {
                self.lines(row(&text(&item.left), &text(&item.right), columns))?;
            }
        }
        if !ticket.taxes.is_empty() {
            self.rule()?;
            let headings: Vec<String> = ticket.tax_columns.iter().map(|h| text(h)).collect();
            for t in &ticket.taxes {
                let figures = [text(&t.net), text(&t.tax), text(&t.gross)];
                self.lines(tax_rows(&text(&t.rate), [&figures[0], &figures[1], &figures[2]], &headings, columns))?;
            }
        }
        if !ticket.lines.is_empty() {
            self.rule()?;
        }
        for l in &ticket.lines {
            if l.strong {
                // Double width and height: half the columns, centred.
                self.justify(JustifyMode::CENTER)?;
                self.printer.size(2, 2).map_err(fail)?;
                let joined = format!("{} {}", text(&l.left).trim(), text(&l.right).trim());
                self.lines(wrap(&joined, columns / 2))?;
                self.printer.reset_size().map_err(fail)?;
                self.justify(JustifyMode::LEFT)?;
            } else {
                self.lines(row(&text(&l.left), &text(&l.right), columns))?;
            }
        }
        self.justify(JustifyMode::CENTER)?;
        if let Some(qr) = qr {
            self.printer.feed().map_err(fail)?;
            self.qr(qr)?;
        }
        if let Some(footer) = &ticket.footer {
            self.lines(wrap(&text(footer), columns))?;
        }
        self.justify(JustifyMode::LEFT)?;
        self.printer.feeds(3).map_err(fail)?;
        self.raw(&PARTIAL_CUT)?;
        Ok(())
    }

    fn qr(&mut self, qr: &Qr) -> Result<(), PrintError> {
        match &qr.raster {
            None => {
                let option = QRCodeOption::new(QRCodeModel::Model2, qr.module_dots as u8, QRCodeCorrectionLevel::M);
                self.printer.qrcode_option(&qr.payload, option).map_err(fail)?;
            }
            Some(raster) => {
                self.raw(raster)?;
            }
        }
        Ok(())
    }

    fn finish(mut self) -> Result<Vec<u8>, PrintError> {
        self.printer.print().map_err(fail)?;
        drop(self.printer);
        Ok(self.memory.0.take())
    }
}

/// The QR code as printed, worked out once for all copies.
struct Qr {
    payload: String,
    module_dots: u32,
    /// GS v 0 with the image, in raster mode.
    raster: Option<Vec<u8>>,
}

impl Qr {
    fn new(payload: &str, width: PaperWidth, mode: QrMode) -> Result<Qr, PrintError> {
        if payload.len() > MAX_QR_BYTES {
            return Err(PrintError::Encode(format!(
                "the QR code's text is {} bytes; at most {MAX_QR_BYTES} are printed",
                payload.len()
            )));
        }
        // The printer picks the same smallest version at level M as the qrcode crate does, so its
        // module count sizes both the native and the raster code.
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
            .map_err(|e| PrintError::Encode(format!("no QR code for that text: {e}")))?;
        let across = code.width() as u32 + 2 * QUIET_ZONE;
        let module_dots = (width.dots() / across).clamp(1, MAX_QR_MODULE_DOTS);
        let raster = (mode == QrMode::Raster).then(|| raster(&code, module_dots));
        Ok(Qr { payload: payload.to_string(), module_dots, raster })
    }
}

/// GS v 0 m xL xH yL yH d…: a raster image at normal density, `x` bytes (8 dots each, the most
/// significant bit leftmost) across, `y` dots down; a set bit is printed black.
fn raster(code: &QrCode, module_dots: u32) -> Vec<u8> {
    let modules = code.width() as u32;
    let colors = code.to_colors();
    let px = (modules + 2 * QUIET_ZONE) * module_dots;
    let row_bytes = px.div_ceil(8);
    let mut out = vec![GS, b'v', b'0', 0];
    out.extend_from_slice(&(row_bytes as u16).to_le_bytes());
    out.extend_from_slice(&(px as u16).to_le_bytes());
    for y in 0..px {
        let mut bits = vec![0u8; row_bytes as usize];
        for x in 0..px {
            let (mx, my) = ((x / module_dots).checked_sub(QUIET_ZONE), (y / module_dots).checked_sub(QUIET_ZONE));
            let dark = match (mx, my) {
                (Some(mx), Some(my)) if mx < modules && my < modules => {
                    colors[(my * modules + mx) as usize] == qrcode::Color::Dark
                }
                _ => false,
            };
            if dark {
                bits[(x / 8) as usize] |= 0x80 >> (x % 8);
            }
        }
        out.extend_from_slice(&bits);
    }
    out
}

/// The receipt as bytes for the printer: initialise, open the drawer once (when asked), select
/// code page PC858, then each copy (shop name, title, items, tax table, lines with the amount
/// large, the QR code, the footer) fed past the cutter and partially cut.
pub fn encode(ticket: &Ticket, layout: &Layout) -> Result<Vec<u8>, PrintError> {
    if !(1..=MAX_COPIES).contains(&layout.copies) {
        return Err(PrintError::Encode(format!("{} copies asked for; 1 to {MAX_COPIES} are printed", layout.copies)));
    }
    let qr = match ticket.qr.as_deref().filter(|q| !q.trim().is_empty()) {
        Some(payload) => Some(Qr::new(payload, layout.width, layout.qr)?),
        None => None,
    };
    let mut job = Job::new(layout.width)?;
    if layout.kick_drawer {
        job.raw(&DRAWER_PULSE)?;
    }
    job.printer.page_code(PageCode::PC858).map_err(fail)?;
    debug_assert_eq!(u8::from(PageCode::PC858), PC858);
    for _ in 0..layout.copies {
        job.copy(ticket, qr.as_ref())?;
    }
    job.finish()
}

/// Open the cash drawer and print nothing: initialise, then one pulse on pin 2 (50 ms on, 500 ms
/// off).
pub fn drawer_kick() -> Vec<u8> {
    let mut bytes = vec![ESC, b'@'];
    bytes.extend_from_slice(&DRAWER_PULSE);
    bytes
}
