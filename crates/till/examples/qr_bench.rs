//! Per-render time of Paydesk's QR code (`qr::qr_svg`, `qr::qr_png`) for one pay link, for the
//! side-by-side with Python's segno in `bench/qr_peer`.
//!
//! `qr_bench [LINK] [RENDERS] [PNG_MIN_PX]` prints one line per format:
//! `<format> <median µs> <min µs> <bytes> <width px>` (width is 0 for SVG).

mod bench_common;

use bench_common::{percentile, timed, PAY_LINK};
use paydesk_till::qr::{qr_png, qr_svg};
use std::time::Duration;

fn us(d: Duration) -> String {
    format!("{:.1}", d.as_secs_f64() * 1e6)
}

/// A PNG's width, from its IHDR chunk (bytes 16..20, big-endian).
fn png_width(png: &[u8]) -> u32 {
    u32::from_be_bytes(png[16..20].try_into().expect("a PNG header"))
}

fn main() {
    let mut args = std::env::args().skip(1);
    let link = args.next().unwrap_or_else(|| PAY_LINK.to_string());
    let renders: usize = args.next().map_or(1_000, |n| n.parse().expect("RENDERS is a count"));
    let min_px: u32 = args.next().map_or(512, |n| n.parse().expect("PNG_MIN_PX is a width"));
    // One untimed render of each, so first-use costs (allocator, tables) are not in the figures.
    qr_svg(&link).expect("the link encodes");
    qr_png(&link, min_px).expect("the link encodes");
    let (times, svg) = timed(renders, || qr_svg(&link).expect("the link encodes"));
    let summary =
        |t: &[Duration]| format!("{} {}", us(percentile(t, 50).expect("timed")), us(percentile(t, 0).expect("timed")));
    println!("svg {} {} 0", summary(&times), svg.len());
    let (times, png) = timed(renders, || qr_png(&link, min_px).expect("the link encodes"));
    println!("png {} {} {}", summary(&times), png.len(), png_width(&png));
}
