use super::*;
use proptest::prelude::*;

fn rate(name: &str, basis_points: u32, inclusive: bool) -> TaxRate {
    TaxRate { name: name.to_string(), basis_points, inclusive }
}

fn line(amount_minor: u64, rate: &TaxRate) -> TaxLine {
    TaxLine { amount_minor, rate: Some(rate.clone()) }
}

fn untaxed(amount_minor: u64) -> TaxLine {
    TaxLine { amount_minor, rate: None }
}

const LINE_HALF_UP: Rounding = Rounding { level: RoundingLevel::Line, mode: RoundingMode::HalfUp };
const TOTAL_HALF_UP: Rounding = Rounding { level: RoundingLevel::Total, mode: RoundingMode::HalfUp };

/// (net, tax, gross) of each rate, in order.
fn splits(breakdown: &TaxBreakdown) -> Vec<(u64, u64, u64)> {
    breakdown.rates.iter().map(|r| (r.net_minor, r.tax_minor, r.gross_minor)).collect()
}

#[test]
fn the_default_is_half_up_once_per_rate_on_the_total() {
    assert_eq!(Rounding::default(), TOTAL_HALF_UP);
}

/// A German supermarket: shelf prices include VAT, 7 % on food and 19 % on everything else, and
/// the receipt rounds the VAT once per rate on the total, half-up ("kaufmännisch").
#[test]
fn germany_vat_included_rounded_once_per_rate() {
    let reduced = rate("MwSt 7 %", 700, true);
    let standard = rate("MwSt 19 %", 1900, true);
    let basket = [
        line(109, &reduced),  // Milch 1,09
        line(149, &standard), // Spülmittel 1,49
        line(249, &reduced),  // Brot 2,49
        line(499, &standard), // Batterien 4,99
        line(399, &reduced),  // Käse 3,99
    ];
    // Per rate on the total:
    //   7 %:  1.09 + 2.49 + 3.99 = 7.57;  757 × 7/107  = 49.523… → 50;  net 757 − 50 = 707
    //   19 %: 1.49 + 4.99       = 6.48;  648 × 19/119 = 103.462… → 103; net 648 − 103 = 545
    let total = compute(&basket, TOTAL_HALF_UP).unwrap();
    assert_eq!(splits(&total), [(707, 50, 757), (545, 103, 648)]);
    assert_eq!(total.rates[0].rate, reduced, "rates in the order they first appear");
    assert_eq!((total.untaxed_minor, total.gross_minor), (0, 1405));

    // Per line instead (what this shop must not do, and why the setting exists):
    //   7 %:  109 × 7/107 = 7.13 → 7;  249 × 7/107 = 16.29 → 16;  399 × 7/107 = 26.10 → 26;  = 49
    //   19 %: 149 × 19/119 = 23.79 → 24;  499 × 19/119 = 79.67 → 80;  = 104
    let per_line = compute(&basket, LINE_HALF_UP).unwrap();
    assert_eq!(splits(&per_line), [(708, 49, 757), (544, 104, 648)]);
    assert_eq!(per_line.gross_minor, 1405, "included tax never changes what the customer pays");
}

/// A UK trader pricing net of VAT (20 %) and rounding the VAT per line to the nearest penny.
#[test]
fn united_kingdom_vat_added_per_line() {
    let standard = rate("VAT 20%", 2000, false);
    let lines = [line(253, &standard), line(103, &standard), line(48, &standard)];
    // Per line: 2.53 × 0.2 = 50.6p → 51;  1.03 × 0.2 = 20.6p → 21;  0.48 × 0.2 = 9.6p → 10;
    // VAT 82p, net 4.04, gross 4.86.
    let per_line = compute(&lines, LINE_HALF_UP).unwrap();
    assert_eq!(splits(&per_line), [(404, 82, 486)]);
    assert_eq!(per_line.gross_minor, 486);
    // On the total instead: 4.04 × 0.2 = 80.8p → 81, gross 4.85: a penny less.
    let total = compute(&lines, TOTAL_HALF_UP).unwrap();
    assert_eq!(splits(&total), [(404, 81, 485)]);
    assert_eq!(total.gross_minor, 485);
}

#[test]
fn half_up_and_half_even_differ_on_exact_halves() {
    // UK reduced rate 5 % on 0.50 net: 50 × 0.05 = 2.5p exactly: half-up 3p, half-even 2p.
    let reduced = rate("VAT 5%", 500, false);
    let even = Rounding { level: RoundingLevel::Total, mode: RoundingMode::HalfEven };
    assert_eq!(splits(&compute(&[line(50, &reduced)], TOTAL_HALF_UP).unwrap()), [(50, 3, 53)]);
    assert_eq!(splits(&compute(&[line(50, &reduced)], even).unwrap()), [(50, 2, 52)]);
    // 0.70 net: 3.5p, whose even neighbour is 4p, so both agree.
    assert_eq!(splits(&compute(&[line(70, &reduced)], even).unwrap()), [(70, 4, 74)]);
    // Included 20 %: 15 × 20/120 = 2.5 exactly: half-up 3, half-even 2.
    let included = rate("VAT", 2000, true);
    assert_eq!(splits(&compute(&[line(15, &included)], TOTAL_HALF_UP).unwrap()), [(12, 3, 15)]);
    assert_eq!(splits(&compute(&[line(15, &included)], even).unwrap()), [(13, 2, 15)]);
}

#[test]
fn a_zero_rate_is_listed_with_no_tax_and_untaxed_lines_are_apart() {
    let zero = rate("Zero-rated", 0, false);
    let breakdown = compute(&[line(1000, &zero), untaxed(250), untaxed(50)], LINE_HALF_UP).unwrap();
    assert_eq!(splits(&breakdown), [(1000, 0, 1000)]);
    assert_eq!((breakdown.untaxed_minor, breakdown.gross_minor), (300, 1300));

    let empty = compute(&[], TOTAL_HALF_UP).unwrap();
    assert_eq!(empty, TaxBreakdown { rates: vec![], untaxed_minor: 0, gross_minor: 0 });
}

#[test]
fn inclusive_and_exclusive_rates_in_one_sale() {
    let included = rate("VAT 20% incl.", 2000, true);
    let added = rate("Sales tax 8.88%", 888, false);
    let lines = [line(1200, &included), untaxed(500), line(1000, &added), line(600, &included)];
    // Included: 18.00 gross; 1800 × 20/120 = 300 exactly; net 1500.
    // Added: 10.00 net; 1000 × 8.88 % = 88.8 → 89; gross 1089.
    // Customer pays 1800 + 1089 + 500 = 3389.
    let breakdown = compute(&lines, TOTAL_HALF_UP).unwrap();
    assert_eq!(splits(&breakdown), [(1500, 300, 1800), (1000, 89, 1089)]);
    assert_eq!((breakdown.untaxed_minor, breakdown.gross_minor), (500, 3389));
}

#[test]
fn one_name_for_two_rates_is_refused() {
    let a = rate("VAT", 2000, true);
    for other in [rate("VAT", 1900, true), rate("VAT", 2000, false)] {
        let err = compute(&[line(100, &a), line(100, &other)], TOTAL_HALF_UP).unwrap_err();
        assert_eq!(err, TaxError::ConflictingRate { name: "VAT".into() });
        assert_eq!(err.to_string(), "two different tax rates are both called 'VAT': give each rate its own name");
    }
    // The same rate twice, and two names for one percentage, are fine.
    let b = rate("VAT food", 2000, true);
    assert_eq!(compute(&[line(100, &a), line(100, &a), line(1, &b)], TOTAL_HALF_UP).unwrap().rates.len(), 2);
}

#[test]
fn a_rate_over_100_percent_is_refused() {
    let err = compute(&[line(100, &rate("Typo", 19_000, false))], TOTAL_HALF_UP).unwrap_err();
    assert_eq!(err.to_string(), "the tax rate 'Typo' is 190 %: a tax rate must be between 0 and 100 %");
    assert!(compute(&[line(100, &rate("All of it", 10_000, true))], TOTAL_HALF_UP).is_ok());
}

#[test]
fn sums_beyond_u64_are_refused_not_wrapped() {
    let added = rate("VAT", 2000, false);
    for rounding in [LINE_HALF_UP, TOTAL_HALF_UP] {
        assert_eq!(compute(&[line(u64::MAX, &added)], rounding), Err(TaxError::TooLarge));
        assert_eq!(compute(&[untaxed(u64::MAX), untaxed(1)], rounding), Err(TaxError::TooLarge));
        let included = rate("VAT incl.", 2000, true);
        assert_eq!(compute(&[line(u64::MAX, &included), untaxed(1)], rounding), Err(TaxError::TooLarge));
    }
    // u64::MAX itself, with tax inside it, fits.
    let included = rate("VAT incl.", 2000, true);
    assert_eq!(compute(&[line(u64::MAX, &included)], TOTAL_HALF_UP).unwrap().gross_minor, u64::MAX);
}

#[test]
fn percentages_are_read_and_written_exactly() {
    assert_eq!(parse_percent("20"), Ok(2000));
    assert_eq!(parse_percent("7.7"), Ok(770));
    assert_eq!(parse_percent(" 5.5 "), Ok(550));
    assert_eq!(parse_percent("0.01"), Ok(1));
    assert_eq!(parse_percent("8.875"), Err(TaxError::TooManyDecimals));
    assert_eq!(parse_percent("19 %"), Ok(1900));
    assert_eq!(parse_percent("19%"), Ok(1900));
    assert_eq!(parse_percent("7.70"), Ok(770));
    assert_eq!(parse_percent(".5"), Ok(50));
    assert_eq!(parse_percent("0"), Ok(0));
    assert_eq!(parse_percent("100"), Ok(10_000));
    assert_eq!(parse_percent("0100.00"), Ok(10_000));
    assert_eq!(parse_percent("100.01"), Err(TaxError::PercentOutOfRange));
    assert_eq!(parse_percent("1000"), Err(TaxError::PercentOutOfRange));
    assert_eq!(parse_percent("-5"), Err(TaxError::PercentOutOfRange));
    assert_eq!(parse_percent(""), Err(TaxError::EmptyPercent));
    assert_eq!(parse_percent(" % "), Err(TaxError::EmptyPercent));
    assert_eq!(parse_percent("5,5"), Err(TaxError::CommaInPercent("5,5".into())));
    for bad in [".", "1.2.3", "1e2", "+5", "abc", "20 percent", "٣"] {
        assert!(matches!(parse_percent(bad), Err(TaxError::NotAPercent(_))), "{bad}");
    }
    assert_eq!(parse_percent("99999999999999999999999"), Err(TaxError::PercentOutOfRange));
    assert_eq!(
        TaxError::CommaInPercent("5,5".into()).to_string(),
        "'5,5' uses a comma: type the tax rate with a '.', such as 5.5"
    );

    assert_eq!(format_percent(2000), "20");
    assert_eq!(format_percent(770), "7.7");
    assert_eq!(format_percent(550), "5.5");
    assert_eq!(format_percent(1), "0.01");
    assert_eq!(format_percent(0), "0");
    assert_eq!(format_percent(888), "8.88");
    for basis_points in 0..=10_000 {
        assert_eq!(parse_percent(&format_percent(basis_points)), Ok(basis_points));
    }
}

fn any_rate() -> impl Strategy<Value = Option<TaxRate>> {
    prop_oneof![
        Just(None),
        Just(Some(rate("A", 1900, true))),
        Just(Some(rate("B", 700, true))),
        Just(Some(rate("C", 2000, false))),
        Just(Some(rate("D", 0, false))),
        (0u32..=10_000, any::<bool>()).prop_map(|(bp, inclusive)| Some(rate("E", bp, inclusive))),
    ]
}

proptest! {
    /// Every rate's parts add up, the grand total is the sum of the parts, and rounding per line
    /// strays from rounding once by at most half a minor unit per line (plus the final half).
    #[test]
    fn the_parts_always_add_up(
        lines in prop::collection::vec((0u64..1_000_000_000_000, any_rate()), 0..20),
        even in any::<bool>(),
    ) {
        // One "E" per run, so that names never conflict.
        let e = lines.iter().find_map(|(_, r)| r.clone().filter(|r| r.name == "E"));
        let lines: Vec<TaxLine> = lines
            .into_iter()
            .map(|(amount_minor, r)| TaxLine { amount_minor, rate: r.map(|r| if r.name == "E" { e.clone().unwrap() } else { r }) })
            .collect();
        let mode = if even { RoundingMode::HalfEven } else { RoundingMode::HalfUp };
        let by_line = compute(&lines, Rounding { level: RoundingLevel::Line, mode }).unwrap();
        let by_total = compute(&lines, Rounding { level: RoundingLevel::Total, mode }).unwrap();
        for breakdown in [&by_line, &by_total] {
            let mut sum = u128::from(breakdown.untaxed_minor);
            for r in &breakdown.rates {
                prop_assert_eq!(r.net_minor + r.tax_minor, r.gross_minor);
                sum += u128::from(r.gross_minor);
            }
            prop_assert_eq!(sum, u128::from(breakdown.gross_minor));
            let untaxed: u64 = lines.iter().filter(|l| l.rate.is_none()).map(|l| l.amount_minor).sum();
            prop_assert_eq!(breakdown.untaxed_minor, untaxed);
        }
        for (l, t) in by_line.rates.iter().zip(&by_total.rates) {
            prop_assert_eq!(&l.rate, &t.rate);
            let n = lines.iter().filter(|x| x.rate.as_ref() == Some(&l.rate)).count() as i128;
            let stray = (i128::from(l.tax_minor) - i128::from(t.tax_minor)).abs();
            prop_assert!(2 * stray <= n + 1, "{} lines, tax {} vs {}", n, l.tax_minor, t.tax_minor);
        }
    }
}
