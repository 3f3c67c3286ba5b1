//! Receipts encoded and read back: the exact lines on paper for both widths, the amount large,
//! the QR code (native, and as a raster image that must scan), copies, cuts and the drawer.

use paydesk_printer::decode::{decode, Printed};
use paydesk_printer::{
    drawer_kick, encode, test_ticket, Layout, PaperWidth, PrintError, QrMode, Ticket, TicketRow, TicketTax,
};

const LINK: &str = "http://127.0.0.1:8787/pay/abc";

fn cafe() -> Ticket {
    let tax = |rate: &str, net: &str, tax: &str, gross: &str| TicketTax {
        rate: rate.into(),
        net: net.into(),
        tax: tax.into(),
        gross: gross.into(),
    };
    Ticket {
        shop_name: Some("Corner Café".into()),
        title: "Receipt".into(),
        items: vec![
            TicketRow::new("2 × Espresso", "5.00 USD"),
            TicketRow::new("1 × Oat milk flat white with an extra shot of vanilla syrup", "4.40 USD"),
            TicketRow::new("1 × Croissant", "3.80 USD"),
        ],
        tax_columns: vec!["Net".into(), "Tax".into(), "Gross".into()],
        taxes: vec![
            tax("Reduced 7 % incl.", "8.60 USD", "0.60 USD", "9.20 USD"),
            tax("VAT 19 % incl.", "3.36 USD", "0.64 USD", "4.00 USD"),
        ],
        lines: vec![
            TicketRow::new("Terminal", "SHOP1"),
            TicketRow::new("Time", "2026-11-23 13:15"),
            TicketRow::new("Order", "SHOP1-20261123-AB12CD34"),
            TicketRow::new("Gateway", "Demo"),
            TicketRow::new("Status", "Paid"),
            TicketRow::strong("Amount", "13.20 USD"),
            TicketRow::new("of which tip", "1.00 USD"),
        ],
        qr: Some(LINK.into()),
        footer: Some(LINK.into()),
    }
}

fn layout(width: PaperWidth) -> Layout {
    Layout { width, ..Layout::default() }
}

fn printed(ticket: &Ticket, layout: &Layout) -> Printed {
    decode(&encode(ticket, layout).unwrap()).unwrap()
}

const LINES_80: [&str; 22] = [
    "Corner Café",
    "Receipt",
    "------------------------------------------------",
    "2 × Espresso                            5.00 USD",
    "1 × Oat milk flat white with an extra   4.40 USD",
    "shot of vanilla syrup",
    "1 × Croissant                           3.80 USD",
    "------------------------------------------------",
    "Reduced 7 % incl.",
    "Net 8.60 USD  Tax 0.60 USD  Gross 9.20 USD",
    "VAT 19 % incl.",
    "Net 3.36 USD  Tax 0.64 USD  Gross 4.00 USD",
    "------------------------------------------------",
    "Terminal                                   SHOP1",
    "Time                            2026-11-23 13:15",
    "Order                    SHOP1-20261123-AB12CD34",
    "Gateway                                     Demo",
    "Status                                      Paid",
    "Amount 13.20 USD",
    "of which tip                            1.00 USD",
    "http://127.0.0.1:8787/pay/abc",
    // The last line is the footer; nothing is printed after it but the feed and the cut.
    "",
];

const LINES_58: [&str; 25] = [
    "Corner Café",
    "Receipt",
    "--------------------------------",
    "2 × Espresso            5.00 USD",
    "1 × Oat milk flat white 4.40 USD",
    "with an extra shot of",
    "vanilla syrup",
    "1 × Croissant           3.80 USD",
    "--------------------------------",
    "Reduced 7 % incl.",
    "Net 8.60 USD  Tax 0.60 USD",
    "Gross 9.20 USD",
    "VAT 19 % incl.",
    "Net 3.36 USD  Tax 0.64 USD",
    "Gross 4.00 USD",
    "--------------------------------",
    "Terminal                   SHOP1",
    "Time            2026-11-23 13:15",
    "Order    SHOP1-20261123-AB12CD34",
    "Gateway                     Demo",
    "Status                      Paid",
    "Amount 13.20 USD",
    "of which tip            1.00 USD",
    "http://127.0.0.1:8787/pay/abc",
    "",
];

/// The golden lines without the trailing marker.
fn golden(lines: &[&str]) -> Vec<String> {
    lines[..lines.len() - 1].iter().map(|s| s.to_string()).collect()
}

fn check_widths(p: &Printed, width: PaperWidth) {
    for line in &p.lines {
        let cols = if p.strong_lines.contains(line) { 2 * line.chars().count() } else { line.chars().count() };
        assert!(cols <= width.columns(), "{line:?} is {cols} columns on {width:?}");
    }
}

#[test]
fn an_80_mm_receipt_prints_these_exact_lines() {
    let p = printed(&cafe(), &layout(PaperWidth::Mm80));
    assert_eq!(p.lines, golden(&LINES_80));
    assert_eq!(p.strong_lines, ["Amount 13.20 USD"]);
    assert_eq!(p.qr, [LINK]);
    assert!(p.rasters.is_empty());
    assert_eq!((p.cuts, p.drawer_kicks), (1, 0));
    check_widths(&p, PaperWidth::Mm80);
}

#[test]
fn a_58_mm_receipt_prints_these_exact_lines() {
    let p = printed(&cafe(), &layout(PaperWidth::Mm58));
    assert_eq!(p.lines, golden(&LINES_58));
    assert_eq!(p.strong_lines, ["Amount 13.20 USD"]);
    assert_eq!(p.qr, [LINK]);
    assert_eq!((p.cuts, p.drawer_kicks), (1, 0));
    check_widths(&p, PaperWidth::Mm58);
}

#[test]
fn rows_with_a_value_end_exactly_at_the_right_edge() {
    for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let p = printed(&cafe(), &layout(width));
        for value in ["5.00 USD", "4.40 USD", "SHOP1", "SHOP1-20261123-AB12CD34", "1.00 USD"] {
            let line = p.lines.iter().find(|l| l.ends_with(value)).unwrap();
            assert_eq!(line.chars().count(), width.columns(), "{line:?}");
        }
    }
}

#[test]
fn copies_repeat_the_receipt_each_with_its_cut_and_the_drawer_opens_once() {
    let one = printed(&cafe(), &layout(PaperWidth::Mm80));
    let two = printed(&cafe(), &Layout { copies: 2, kick_drawer: true, ..layout(PaperWidth::Mm80) });
    assert_eq!(two.lines, [one.lines.clone(), one.lines.clone()].concat());
    assert_eq!(two.strong_lines.len(), 2);
    assert_eq!(two.qr, [LINK, LINK]);
    assert_eq!((two.cuts, two.drawer_kicks), (2, 1));
    // The pulse goes first, before any paper moves.
    let bytes = encode(&cafe(), &Layout { kick_drawer: true, ..Layout::default() }).unwrap();
    assert_eq!(&bytes[..7], b"\x1b@\x1bp\x00\x19\xfa");
    assert_eq!(decode(&drawer_kick()).unwrap().drawer_kicks, 1);
    assert_eq!(drawer_kick(), b"\x1b@\x1bp\x00\x19\xfa");
}

#[test]
fn copies_outside_one_to_five_are_refused() {
    for copies in [0, 6] {
        let err = encode(&cafe(), &Layout { copies, ..Layout::default() }).unwrap_err();
        assert!(matches!(err, PrintError::Encode(_)), "{err:?}");
    }
    assert_eq!(printed(&cafe(), &Layout { copies: 5, ..Layout::default() }).cuts, 5);
}

#[test]
fn a_raster_qr_code_is_an_image_that_scans_to_the_link() {
    for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let p = printed(&cafe(), &Layout { qr: QrMode::Raster, ..layout(width) });
        assert!(p.qr.is_empty(), "no native QR command in raster mode");
        assert_eq!(p.rasters.len(), 1);
        let raster = &p.rasters[0];
        assert!(raster.width_px <= width.dots(), "{} px is wider than the paper", raster.width_px);
        let mut img = rqrr::PreparedImage::prepare(raster.to_luma());
        let texts: Vec<String> = img.detect_grids().iter().filter_map(|g| g.decode().ok()).map(|(_, t)| t).collect();
        assert_eq!(texts, [LINK]);
        // The text around it is the same as with a native code.
        assert_eq!(p.lines, printed(&cafe(), &layout(width)).lines);
    }
}

#[test]
fn text_goes_out_in_code_page_858_and_comes_back() {
    let ticket =
        Ticket {
            title: "Café ñ 5 €".into(), footer: Some("Pizza 🍕 á ü ß £ × ·".into()), ..Ticket::default()
        };
    let bytes = encode(&ticket, &Layout::default()).unwrap();
    assert!(bytes.windows(3).any(|w| w == b"\x1bt\x13"), "ESC t 19 selects PC858");
    assert!(bytes.windows(10).any(|w| w == b"Caf\x82 \xa4 5 \xd5"), "é ñ € as PC858 bytes");
    assert_eq!(decode(&bytes).unwrap().lines, ["Café ñ 5 €", "Pizza ? á ü ß £ × ·"]);
}

#[test]
fn control_characters_in_text_cannot_become_commands() {
    let ticket = Ticket { title: "a\x1bp\x00\x19\x19\x1dVB\x00z".into(), ..Ticket::default() };
    let p = printed(&ticket, &Layout::default());
    assert_eq!(p.lines, ["a?p????VB?z"]);
    assert_eq!((p.cuts, p.drawer_kicks), (1, 0));
}

#[test]
fn a_test_print_shows_a_ruler_as_wide_as_the_paper_and_a_qr_code() {
    for width in [PaperWidth::Mm58, PaperWidth::Mm80] {
        let p = printed(&test_ticket(width), &layout(width));
        let ruler = &p.lines.iter().find(|l| l.starts_with("1234567890")).unwrap();
        assert_eq!(ruler.len(), width.columns());
        assert!(ruler.ends_with(&(width.columns() % 10).to_string()));
        assert!(p.lines.iter().any(|l| l.contains("Café")));
        assert!(p.lines.iter().any(|l| l.contains(&format!("{} columns", width.columns()))));
        assert_eq!(p.qr, ["https://paydesk.test/print"]);
        assert_eq!(p.cuts, 1);
        check_widths(&p, width);
    }
}

#[test]
fn the_enums_the_window_sees_are_snake_case() {
    assert_eq!(serde_json::to_string(&PaperWidth::Mm58).unwrap(), "\"mm58\"");
    assert_eq!(serde_json::to_string(&QrMode::Raster).unwrap(), "\"raster\"");
    assert_eq!(serde_json::from_str::<PaperWidth>("\"mm80\"").unwrap(), PaperWidth::Mm80);
    assert_eq!((PaperWidth::Mm58.columns(), PaperWidth::Mm80.columns()), (32, 48));
    assert_eq!(
        Layout::default(),
        Layout { width: PaperWidth::Mm80, qr: QrMode::Native, copies: 1, kick_drawer: false }
    );
}
