//! The pay link as a QR code: SVG for the app, PNG for files and receipts, half blocks for the CLI.

use qrcode::render::unicode::Dense1x2;
use qrcode::render::{Pixel, Renderer};
use qrcode::{EcLevel, QrCode};
use std::io::Cursor;

/// The longest link Paydesk encodes. Pay links are around 100 bytes; anything much longer makes a
/// dense code that phones struggle with, and is more likely a bug than a link.
pub const MAX_LINK_BYTES: usize = 1024;

/// The widest PNG Paydesk renders, so a bad size cannot allocate gigabytes.
pub const MAX_PNG_PX: u32 = 4096;

/// The light border scanners need to find the code; 4 modules is what the QR standard asks for.
pub const QUIET_ZONE: u32 = 4;

/// Level M restores up to ~15% damage: enough for glare, a smudged screen or a creased printout at
/// arm's length, while keeping modules larger (easier to focus on) than Q or H would for the same link.
const EC_LEVEL: EcLevel = EcLevel::M;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QrError {
    #[error("there is no link to show as a QR code")]
    EmptyLink,
    #[error("the link is {len} bytes, too long for a QR code a phone can read (at most {max})")]
    LinkTooLong { len: usize, max: usize },
    #[error("a QR image at least {px} px wide was asked for; at most {max} px is supported")]
    ImageTooLarge { px: u32, max: u32 },
    #[error("could not make the QR code: {0}")]
    Encode(String),
}

/// The code as an SVG document: black modules on a white background (so it stays scannable on a
/// dark page), `crispEdges` so modules are not blurred, and a viewBox so CSS can size it freely.
pub fn qr_svg(link: &str) -> Result<String, QrError> {
    let code = encode(link)?;
    Ok(renderer::<qrcode::render::svg::Color>(&code, &code.to_colors()).build())
}

/// The code as a PNG (8-bit grey) at least `min_px` wide, each module a whole number of pixels so
/// no module is smeared across a pixel boundary.
pub fn qr_png(link: &str, min_px: u32) -> Result<Vec<u8>, QrError> {
    if min_px > MAX_PNG_PX {
        return Err(QrError::ImageTooLarge { px: min_px, max: MAX_PNG_PX });
    }
    let code = encode(link)?;
    let image = renderer::<image::Luma<u8>>(&code, &code.to_colors()).min_dimensions(min_px, min_px).build();
    let mut png = Cursor::new(Vec::new());
    image.write_to(&mut png, image::ImageFormat::Png).map_err(|e| QrError::Encode(e.to_string()))?;
    Ok(png.into_inner())
}

/// The code as lines of unicode half blocks (two module rows per line), for a dark terminal: the
/// glyphs are drawn in the light foreground colour, so light modules and the quiet zone are blocks
/// and dark modules are spaces showing the dark background. Lines are joined by `\n`.
pub fn qr_terminal(link: &str) -> Result<String, QrError> {
    let code = encode(link)?;
    Ok(renderer::<Dense1x2>(&code, &code.to_colors()).dark_color(Dense1x2::Light).light_color(Dense1x2::Dark).build())
}

/// The code's modules row by row (`true` is dark) and its width in modules, without the quiet
/// zone, for drawing it some other way (the PDF receipt draws each run as a filled rectangle).
pub fn qr_modules(link: &str) -> Result<(usize, Vec<bool>), QrError> {
    let code = encode(link)?;
    Ok((code.width(), code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect()))
}

fn encode(link: &str) -> Result<QrCode, QrError> {
    if link.trim().is_empty() {
        return Err(QrError::EmptyLink);
    }
    if link.len() > MAX_LINK_BYTES {
        return Err(QrError::LinkTooLong { len: link.len(), max: MAX_LINK_BYTES });
    }
    QrCode::with_error_correction_level(link.as_bytes(), EC_LEVEL).map_err(|e| QrError::Encode(e.to_string()))
}

fn renderer<'a, P: Pixel>(code: &QrCode, colors: &'a [qrcode::Color]) -> Renderer<'a, P> {
    Renderer::new(colors, code.width(), QUIET_ZONE)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAY_LINK: &str = "https://pay.dex3.io/pay/EKKlnN7QXB5ynmqZTeriefGLgr4jq8";
    const LONG_LINK: &str = "https://checkout.example-gateway.com/v2/invoices/inv_01HZX3M9Q7T2B8K4R6W1YJ5NCD/pay\
        ?lang=en&currency=EUR&amount=1234.56&return_url=https%3A%2F%2Fshop.example.org%2Forders%2F20240611-0042\
        &sig=3f9a1c0b7e2d4a6f8b1c3e5d7f9a0b2c4d6e8f1a3b5c7d9e0f2a4b6c8d0e1f3a";

    /// Modules across the code itself, without the quiet zone.
    fn modules(link: &str) -> u32 {
        QrCode::with_error_correction_level(link.as_bytes(), EC_LEVEL).unwrap().width() as u32
    }

    fn decode(img: image::GrayImage) -> (rqrr::MetaData, String) {
        let mut img = rqrr::PreparedImage::prepare(img);
        // rqrr sometimes also reports a spurious grid inside a large code; that one fails to decode.
        let decoded: Vec<_> = img.detect_grids().iter().filter_map(|g| g.decode().ok()).collect();
        assert_eq!(decoded.len(), 1, "expected exactly one readable QR code");
        decoded.into_iter().next().unwrap()
    }

    /// A black-on-white image `px` wide from a "is this pixel dark" function.
    fn bitmap(px: usize, dark: impl Fn(usize, usize) -> bool) -> image::GrayImage {
        image::GrayImage::from_fn(px as u32, px as u32, |x, y| {
            image::Luma([if dark(x as usize, y as usize) { 0 } else { 255 }])
        })
    }

    fn decode_png(png: &[u8]) -> (rqrr::MetaData, String, image::GrayImage) {
        let img = image::load_from_memory_with_format(png, image::ImageFormat::Png).expect("valid PNG").to_luma8();
        let (meta, text) = decode(img.clone());
        (meta, text, img)
    }

    /// Module size in pixels, checking the image is exactly a whole number of pixels per module.
    fn px_per_module(img: &image::GrayImage, link: &str) -> u32 {
        let across = modules(link) + 2 * QUIET_ZONE;
        assert_eq!(img.width(), img.height());
        assert_eq!(img.width() % across, 0, "modules are not whole pixels");
        img.width() / across
    }

    #[test]
    fn png_of_a_pay_link_decodes_back_to_the_link() {
        let png = qr_png(PAY_LINK, 300).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n\x1a\n"));
        let (meta, text, img) = decode_png(&png);
        assert_eq!(text, PAY_LINK);
        assert_eq!(meta.ecc_level, 0, "rqrr reports level M as 0");
        assert!(img.width() >= 300);
        let unit = px_per_module(&img, PAY_LINK);
        // The quiet zone: the first and last 4 module rows and columns are all white.
        let border = QUIET_ZONE * unit;
        for (x, y, p) in img.enumerate_pixels() {
            if x < border || y < border || x >= img.width() - border || y >= img.height() - border {
                assert_eq!(p.0, [255], "quiet zone pixel ({x},{y}) is not white");
            }
        }
    }

    #[test]
    fn png_of_a_long_link_decodes_back_to_the_link() {
        assert!(LONG_LINK.len() > 250);
        let (_, text, img) = decode_png(&qr_png(LONG_LINK, 400).unwrap());
        assert_eq!(text, LONG_LINK);
        assert!(img.width() >= 400);
        px_per_module(&img, LONG_LINK);
    }

    #[test]
    fn png_of_a_link_at_the_limit_decodes_back_to_the_link() {
        let link = format!("https://pay.example.com/?q={}", "x".repeat(MAX_LINK_BYTES - 27));
        assert_eq!(link.len(), MAX_LINK_BYTES);
        let (_, text, _) = decode_png(&qr_png(&link, 800).unwrap());
        assert_eq!(text, link);
    }

    #[test]
    fn png_without_a_minimum_uses_one_pixel_per_module() {
        let (_, text, img) = decode_png(&qr_png(PAY_LINK, 0).unwrap());
        assert_eq!(text, PAY_LINK);
        assert_eq!(px_per_module(&img, PAY_LINK), 1);
    }

    #[test]
    fn png_refuses_an_absurd_size() {
        assert_eq!(qr_png(PAY_LINK, u32::MAX), Err(QrError::ImageTooLarge { px: u32::MAX, max: MAX_PNG_PX }));
        assert!(qr_png(PAY_LINK, MAX_PNG_PX).is_ok());
    }

    /// Paints the SVG's path (qrcode 0.14 writes one `M{x} {y}h{w}v{h}H{x}V{y}` per dark run) onto
    /// a bitmap, so the test checks what the SVG actually draws.
    fn rasterize_svg(svg: &str, size: usize) -> Vec<bool> {
        let d = svg.split(" d=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("a path");
        let mut dark = vec![false; size * size];
        for run in d.split('M').filter(|r| !r.is_empty()) {
            let n: Vec<usize> =
                run.split(['h', 'v', 'H', 'V', ' ']).map(|v| v.parse().expect("integer coordinates")).collect();
            let (x, y, w, h) = (n[0], n[1], n[2], n[3]);
            for row in y..y + h {
                dark[row * size + x..row * size + x + w].fill(true);
            }
        }
        dark
    }

    #[test]
    fn svg_is_crisp_scalable_and_decodes_back_to_the_link() {
        for link in [PAY_LINK, LONG_LINK] {
            let svg = qr_svg(link).unwrap();
            let size = (modules(link) + 2 * QUIET_ZONE) * 8;
            assert!(svg.starts_with("<?xml"));
            assert!(svg.ends_with("</svg>"));
            assert_eq!(svg.matches("<svg ").count(), 1);
            assert!(svg.contains(r#"xmlns="http://www.w3.org/2000/svg""#));
            assert!(svg.contains(&format!(r#"viewBox="0 0 {size} {size}""#)));
            assert!(svg.contains(r#"shape-rendering="crispEdges""#));
            assert!(svg.contains(r##"fill="#fff""##), "light background for dark pages");
            // The window shows the code by updating one kept <svg> with these parts (ui/src/lib/qr.ts).
            assert_eq!((svg.matches("<rect ").count(), svg.matches("<path ").count()), (1, 1), "{svg}");
            assert_eq!(svg.matches('<').count(), svg.matches('>').count());

            let size = size as usize;
            let dark = rasterize_svg(&svg, size);
            let border = (QUIET_ZONE * 8) as usize;
            let in_border = |i: usize| {
                let (x, y) = (i % size, i / size);
                x < border || y < border || x >= size - border || y >= size - border
            };
            assert!(dark.iter().enumerate().all(|(i, d)| !d || !in_border(i)), "dark module in the quiet zone");
            let (_, text) = decode(bitmap(size, |x, y| dark[y * size + x]));
            assert_eq!(text, link);
        }
    }

    #[test]
    fn terminal_has_a_light_quiet_zone_and_decodes_back_to_the_link() {
        let out = qr_terminal(PAY_LINK).unwrap();
        let across = (modules(PAY_LINK) + 2 * QUIET_ZONE) as usize;
        let lines: Vec<Vec<char>> = out.split('\n').map(|l| l.chars().collect()).collect();
        // Two module rows per line; the odd last row gets a line of its own.
        assert_eq!(lines.len(), across.div_ceil(2));
        assert!(lines.iter().all(|l| l.len() == across));
        // The top 4 module rows are light, i.e. full blocks in the terminal's light foreground.
        assert!(lines[..2].iter().flatten().all(|&c| c == '█'));
        assert!(lines.last().unwrap().iter().all(|&c| c == '▀'));
        assert!(lines.iter().all(|l| l[..2].iter().chain(&l[across - 2..]).all(|&c| c == '█' || c == '▀')));

        // Read the glyphs back as modules (a glyph's drawn half is light) and decode, 4 px per module.
        let light = |x: usize, y: usize| {
            let c = lines[y / 2][x];
            if y % 2 == 0 {
                c == '█' || c == '▀'
            } else {
                c == '█' || c == '▄'
            }
        };
        let (_, text) = decode(bitmap(across * 4, |x, y| !light(x / 4, y / 4)));
        assert_eq!(text, PAY_LINK);
    }

    #[test]
    fn empty_and_overlong_links_are_refused() {
        for render in
            [|l: &str| qr_svg(l).map(drop), |l: &str| qr_png(l, 200).map(drop), |l: &str| qr_terminal(l).map(drop)]
        {
            assert_eq!(render(""), Err(QrError::EmptyLink));
            assert_eq!(render("  \n"), Err(QrError::EmptyLink));
            let long = format!("https://pay.example.com/{}", "a".repeat(MAX_LINK_BYTES));
            assert_eq!(render(&long), Err(QrError::LinkTooLong { len: long.len(), max: MAX_LINK_BYTES }));
            assert!(render(&"a".repeat(MAX_LINK_BYTES)).is_ok());
        }
        let msg = QrError::LinkTooLong { len: 1500, max: MAX_LINK_BYTES }.to_string();
        assert!(msg.contains("1500") && msg.contains("1024"), "{msg}");
        assert_eq!(QrError::EmptyLink.to_string(), "there is no link to show as a QR code");
    }
}
