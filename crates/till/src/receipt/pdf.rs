//! The receipt as a PDF: the page laid out line by line from the top, then written as PDF 1.4
//! objects.
//!
//! The PDF is written by hand (PDF 1.4, about forty lines of structure): it uses the standard
//! Helvetica fonts every PDF reader has, so nothing is embedded, and draws the QR code as filled
//! rectangles, so it stays sharp at any printer resolution.

mod font;
#[cfg(test)]
mod read_back;

use super::{Receipt, ReceiptLine};
use crate::qr::{qr_modules, QrError, QUIET_ZONE};
use font::{pdf_string, win_ansi, wrap, Font};
use std::fmt::Write as _;

/// 80 mm, the common receipt roll, in PDF points (1/72 inch).
const PAGE_WIDTH: f32 = 80.0 / 25.4 * 72.0;
/// 5 mm.
const MARGIN: f32 = 14.17;
const TEXT_WIDTH: f32 = PAGE_WIDTH - 2.0 * MARGIN;
/// Largest QR module: a 60-byte link (33 modules) then prints about 35 mm wide.
const MAX_MODULE: f32 = 3.0;

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
    let plain = |label: String, value: String| ReceiptLine { label, value, strong: false };
    for item in &receipt.items {
        page.pair(&plain(format!("{} × {}", item.quantity, item.name), item.amount.clone()));
    }
    if let [net, tax, gross] = receipt.tax_columns.as_slice() {
        for t in &receipt.taxes {
            let figures = format!("{net} {}  {tax} {}  {gross} {}", t.net, t.tax, t.gross);
            page.pair(&plain(t.rate.clone(), figures));
        }
    }
    if !receipt.items.is_empty() || !receipt.taxes.is_empty() {
        page.y += 6.0;
    }
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
    use super::read_back::{content, drawn, objects};
    use super::*;
    use crate::receipt::fixtures::{config, paid_sale, LINK};
    use crate::receipt::SaleParts;

    fn pdf_of(receipt: &Receipt) -> Vec<u8> {
        receipt_pdf(receipt).unwrap()
    }

    #[test]
    fn the_xref_table_points_at_each_object() {
        let receipt = Receipt::new(
            &paid_sale(None, Some(LINK)),
            &SaleParts::default(),
            "Demo",
            &config(Some("Shop"), "en"),
            None,
        );
        let objects = objects(&pdf_of(&receipt));
        assert_eq!(objects.len(), 7);
        assert!(objects[0].starts_with(b"<< /Type /Catalog"));
        assert!(objects[3].windows(10).any(|w| w == b"/Helvetica"), "a standard font, nothing embedded");
        assert!(!objects.iter().any(|o| o.windows(8).any(|w| w == b"FontFile")));
    }

    #[test]
    fn the_page_prints_every_line_of_the_receipt() {
        let receipt = Receipt::new(
            &paid_sale(Some("Table 4"), Some(LINK)),
            &SaleParts::default(),
            "Demo",
            &config(Some("Corner Café"), "en"),
            None,
        );
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
            let receipt =
                Receipt::new(&paid_sale(None, Some(link)), &SaleParts::default(), "Demo", &config(None, "en"), None);
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
        let receipt = Receipt::new(&paid_sale(None, None), &SaleParts::default(), "Demo", &config(None, "en"), None);
        assert!(drawn(&content(&pdf_of(&receipt))).qr.is_empty(), "no link, no code");
    }

    #[test]
    fn odd_characters_cannot_break_out_of_the_text() {
        let shop = "Bob's (Best)) \\ Shop ) Tj ET BT /F9 99 Tf (x) Tj % endstream endobj";
        let description = "日本 “tea” – 5€ \\( \u{7f}\u{1b} ÿ";
        let receipt = Receipt::new(
            &paid_sale(Some(description), Some(LINK)),
            &SaleParts::default(),
            "Demo",
            &config(Some(shop), "en"),
            None,
        );
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
        let receipt = Receipt::new(
            &paid_sale(None, Some(LINK)),
            &SaleParts::default(),
            "Demo",
            &config(Some("Corner Café (1)"), "en"),
            None,
        );
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
