use super::*;
use proptest::prelude::*;

const FIXTURE: &str = include_str!("../../tests/fixtures/ecb-eurofxref-daily.xml");
/// 2026-12-03T15:00:00Z: 16:00 CET in Frankfurt on the fixture's day.
const DEC_3_PUBLISHED: i64 = 1_796_310_000;
const DAY: i64 = 86_400;

fn cur(code: &str) -> Currency {
    code.parse().unwrap()
}

fn amount(minor: u64, code: &str) -> Amount {
    Amount::from_minor(minor, cur(code)).unwrap()
}

fn rate(base: &str, quote: &str, rate: &str, source: &str, as_of: i64) -> ExchangeRate {
    ExchangeRate { base: cur(base), quote: cur(quote), rate: Rate::parse(rate).unwrap(), source: source.into(), as_of }
}

fn ecb() -> Vec<ExchangeRate> {
    parse_ecb_daily(FIXTURE).unwrap()
}

/// Converts at the fixture's rates a minute after they were published, allowing a day.
fn at_ecb(minor: u64, from: &str, to: &str) -> Conversion {
    convert(amount(minor, from), cur(to), &ecb(), DEC_3_PUBLISHED + 60, DAY).unwrap()
}

#[test]
fn rates_are_read_and_written_exactly() {
    for (text, shown) in [("1.0512", "1.0512"), ("161.85", "161.85"), ("157", "157"), ("0.83120", "0.8312")] {
        assert_eq!(Rate::parse(text).unwrap().to_decimal_string(), shown);
    }
    assert_eq!(Rate::parse("1.50"), Rate::parse("1.5"));
    assert_eq!(Rate::parse("100.000").unwrap().to_decimal_string(), "100");
    assert_eq!(Rate::parse(" .5 ").unwrap().to_decimal_string(), "0.5");
    assert_eq!(Rate::parse("0.000000000000000001").unwrap().to_decimal_string(), "0.000000000000000001");
    for bad in ["-1", "1e3", "", "0", "0.000", "1,05", "1.2.3", ".", "+1", "abc", "0.0000000000000000001"] {
        assert!(matches!(Rate::parse(bad), Err(FxError::BadRate(_))), "{bad:?}");
    }
    assert!(Rate::parse(&"9".repeat(40)).is_err(), "beyond u128 is refused, not wrapped");
    assert_eq!(
        Rate::parse("1,05").unwrap_err().to_string(),
        "'1,05' is not an exchange rate: type a number above zero with a '.' and at most 18 decimals, such as 1.0512"
    );
    let json = serde_json::to_string(&Rate::parse("1.0512").unwrap()).unwrap();
    assert_eq!(json, "\"1.0512\"");
    assert_eq!(serde_json::from_str::<Rate>(&json).unwrap(), Rate::parse("1.0512").unwrap());
    assert!(serde_json::from_str::<Rate>("\"0\"").is_err());
}

#[test]
fn the_ecb_file_gives_the_known_currencies_against_the_euro() {
    let rates = ecb();
    let codes: Vec<&str> = rates.iter().map(|r| r.quote.code()).collect();
    // The fixture's 30 currencies, less those Paydesk does not price in (BGN, CZK, DKK, …).
    assert_eq!(codes, ["USD", "JPY", "GBP", "PLN", "CHF", "TRY", "AUD", "BRL", "CAD", "INR", "KRW", "MXN", "ZAR"]);
    for r in &rates {
        assert_eq!((r.base.code(), r.source.as_str(), r.as_of), ("EUR", "ECB", DEC_3_PUBLISHED), "{}", r.quote);
    }
    assert_eq!(rates[0].rate.to_decimal_string(), "1.0512");
    assert_eq!(rates[2].rate.to_decimal_string(), "0.8312");
    assert_eq!(format_utc(DEC_3_PUBLISHED), "2026-12-03T15:00:00Z");
}

#[test]
fn summer_rates_are_published_at_16_00_cest() {
    if TimeZone::get("Europe/Berlin").is_err() {
        return; // No zone database: the fixed +01:00 fallback is an hour off in summer.
    }
    let july = FIXTURE.replace("2026-12-03", "2026-07-01");
    // 2026-07-01T14:00:00Z
    assert_eq!(parse_ecb_daily(&july).unwrap()[0].as_of, 1_782_914_400);
}

#[test]
fn bad_ecb_files_are_refused_with_the_reason() {
    let refused = |xml: &str| match parse_ecb_daily(xml) {
        Err(FxError::BadEcbFile(why)) => why,
        other => panic!("{xml:.80} was not refused: {other:?}"),
    };
    assert_eq!(refused(&FIXTURE.replace(" time='2026-12-03'", "")), "a rate comes before its date");
    assert_eq!(refused("<Cube><Cube/></Cube>"), "it has no date");
    assert_eq!(refused(&FIXTURE.replace("2026-12-03", "2026-13-03")), "its date '2026-13-03' is not a date");
    assert_eq!(refused(&FIXTURE.replace("2026-12-03", "yesterday")), "its date 'yesterday' is not a date");
    assert_eq!(refused(&FIXTURE.replace("rate='1.0512'", "rate='-1.0512'")), "the rate for USD is '-1.0512'");
    assert_eq!(refused(&FIXTURE.replace("rate='25.112'", "rate='0'")), "the rate for CZK is '0'");
    assert_eq!(refused(&FIXTURE.replace("rate='1.0512'", "rate='N/A'")), "the rate for USD is 'N/A'");
    assert_eq!(refused(&FIXTURE.replace(" rate='1.0512'", "")), "USD has no rate");
    let unknown_only = "<Cube><Cube time='2026-12-03'><Cube currency='CZK' rate='25.112'/></Cube></Cube>";
    assert_eq!(refused(unknown_only), "it lists no currency Paydesk can price in");
    assert_eq!(refused(""), "it has no date");
    assert_eq!(refused(&FIXTURE[..FIXTURE.find("\t\t\t<Cube currency='CHF'").unwrap()]), "it is cut short");
    assert!(refused("<Cube><Cube time='2026-12-03'></Cbe></Cube>").contains("not well-formed"));
    assert!(refused(&FIXTURE.replace("</gesmes:Envelope>", "</Envelope>")).contains("not well-formed"));
    assert_eq!(
        parse_ecb_daily("").unwrap_err().to_string(),
        "the ECB reference rates could not be read: it has no date"
    );
}

#[test]
fn direct_rates_are_applied_exactly() {
    // 18.50 EUR × 1.0512 = 19.4472 USD → 19.45
    let c = at_ecb(1850, "EUR", "USD");
    assert_eq!((c.to, c.rate.to_string()), (amount(1945, "USD"), "1.0512".into()));
    assert_eq!((c.from, c.source.as_str(), c.as_of), (amount(1850, "EUR"), "ECB", DEC_3_PUBLISHED));
    // 18.50 EUR × 161.85 = 2994.225 JPY → 2994 (no decimals)
    assert_eq!(at_ecb(1850, "EUR", "JPY").to, amount(2994, "JPY"));
    // Three decimals, and a tie: 10.00 EUR × 0.32315 = 3.2315 KWD = 3231.5 fils → 3.232 KWD
    let kwd = [rate("EUR", "KWD", "0.32315", "manual", 0)];
    assert_eq!(convert(amount(1000, "EUR"), cur("KWD"), &kwd, 60, DAY).unwrap().to, amount(3232, "KWD"));
}

#[test]
fn inverse_and_cross_rates_are_rounded_to_10_decimals_first() {
    // USD → EUR from EUR → USD: 1 / 1.0512 = 0.95129375951293… → 0.9512937595;
    // 19.45 USD × 0.9512937595 = 18.5026636… EUR → 18.50
    let c = at_ecb(1945, "USD", "EUR");
    assert_eq!((c.to, c.rate.to_string()), (amount(1850, "EUR"), "0.9512937595".into()));
    // GBP → JPY through the euro: 161.85 / 0.8312 = 194.718479307026… → 194.718479307 (its 10th
    // decimal is 0); 25.00 GBP × 194.718479307 = 4867.96198… JPY → 4868
    let c = at_ecb(2500, "GBP", "JPY");
    assert_eq!((c.to, c.rate.to_string(), c.source.as_str()), (amount(4868, "JPY"), "194.718479307".into(), "ECB"));
    // And back: 0.8312 / 161.85 = 0.00513561940067… → 0.0051356194;
    // 5000 JPY × 0.0051356194 = 25.678097 GBP → 25.68
    let c = at_ecb(5000, "JPY", "GBP");
    assert_eq!((c.to, c.rate.to_string()), (amount(2568, "GBP"), "0.0051356194".into()));
    // The stored rate reproduces the amount: 2500 × 194.718479307 / 100, half-up.
    assert_eq!(apply(amount(2500, "GBP"), Rate::parse("194.718479307").unwrap(), cur("JPY")), 4868);
}

#[test]
fn a_cross_rate_needs_both_legs_from_one_source() {
    let rates = [rate("EUR", "GBP", "0.8312", "ECB", 100), rate("EUR", "JPY", "161.85", "manual", 100)];
    assert_eq!(
        convert(amount(2500, "GBP"), cur("JPY"), &rates, 100, DAY),
        Err(FxError::NoRate { from: cur("GBP"), to: cur("JPY") })
    );
    let err = convert(amount(100, "EUR"), cur("USD"), &[], 0, DAY).unwrap_err();
    assert_eq!(
        err.to_string(),
        "no exchange rate from EUR to USD: fetch the reference rates or set one by hand in Settings"
    );
}

#[test]
fn the_newest_rate_of_the_preferred_kind_wins() {
    let now = 10 * DAY;
    let rates = [
        rate("EUR", "USD", "1.05", "manual", now - 3 * DAY),
        rate("EUR", "USD", "1.10", "ECB", now - 100),
        rate("EUR", "USD", "1.20", "manual", now - 200),
        rate("USD", "EUR", "0.5", "manual", now), // an inverse: only when no direct one will do
    ];
    let c = convert(amount(1000, "EUR"), cur("USD"), &rates, now, DAY).unwrap();
    assert_eq!((c.to, c.source.as_str(), c.as_of), (amount(1100, "USD"), "ECB", now - 100));
    // With a one-minute limit no direct rate is fresh, so the fresh inverse is used: 1 / 0.5 = 2.
    let c = convert(amount(1000, "EUR"), cur("USD"), &rates, now, 60).unwrap();
    assert_eq!((c.to, c.rate.to_string()), (amount(2000, "USD"), "2".into()));
    // A cross rate's age is its oldest leg's.
    let cross = [rate("EUR", "GBP", "0.8", "ECB", now - 50), rate("EUR", "CHF", "0.9", "ECB", now - 10)];
    let c = convert(amount(800, "GBP"), cur("CHF"), &cross, now, DAY).unwrap();
    assert_eq!((c.to, c.rate.to_string(), c.as_of), (amount(900, "CHF"), "1.125".into(), now - 50));
}

#[test]
fn a_rate_older_than_the_limit_is_stale() {
    let published = DEC_3_PUBLISHED;
    let rates = ecb();
    let eur = amount(1850, "EUR");
    assert!(convert(eur, cur("USD"), &rates, published + DAY, DAY).is_ok(), "exactly a day old is still fresh");
    let err = convert(eur, cur("USD"), &rates, published + DAY + 1, DAY).unwrap_err();
    assert_eq!(
        err,
        FxError::Stale { from: cur("EUR"), to: cur("USD"), as_of: published, age_secs: DAY + 1, max_age_secs: DAY }
    );
    assert_eq!(
        err.to_string(),
        "the exchange rate from EUR to USD is more than 1 day old (from 2026-12-03T15:00:00Z), and Paydesk uses \
         rates at most 1 day old: fetch today's reference rates or set the rate by hand in Settings"
    );
    let err = convert(eur, cur("USD"), &rates, published + 3 * DAY + 7200, 12 * 3600).unwrap_err();
    assert!(err.to_string().contains("is 3 days 2 hours old"), "{err}");
    // The stale error names the newest rate of all, of whatever kind.
    let mixed = [rate("EUR", "USD", "1.05", "manual", 100), rate("USD", "EUR", "0.95", "manual", 500)];
    assert!(matches!(
        convert(eur, cur("USD"), &mixed, 10_000, 60),
        Err(FxError::Stale { as_of: 500, age_secs: 9500, .. })
    ));
}

#[test]
fn ages_read_well() {
    assert_eq!(describe_age(0), "0 seconds");
    assert_eq!(describe_age(1), "1 second");
    assert_eq!(describe_age(90), "1 minute 30 seconds");
    assert_eq!(describe_age(3600), "1 hour");
    assert_eq!(describe_age(3 * 3600 + 61), "more than 3 hours 1 minute");
    assert_eq!(describe_age(2 * DAY), "2 days");
}

#[test]
fn a_currency_converts_to_itself_at_one() {
    let eur = amount(1850, "EUR");
    let c = convert(eur, cur("EUR"), &[], 1234, 0).unwrap();
    assert_eq!(c, Conversion { from: eur, to: eur, rate: Rate::ONE, source: "none".into(), as_of: 1234 });
}

#[test]
fn a_converted_amount_must_be_a_sale_amount() {
    // 1 JPY × 0.004 = 0.4 US cents → 0: nothing to charge.
    let rates = [rate("JPY", "USD", "0.004", "manual", 0)];
    let err = convert(amount(1, "JPY"), cur("USD"), &rates, 0, DAY).unwrap_err();
    assert_eq!(err, FxError::Converted { to: cur("USD"), error: MoneyError::Zero });
    assert_eq!(err.to_string(), "converted to USD: the amount must be more than zero");
    // 1,000,000 EUR is 161,850,000 JPY: over the per-sale maximum.
    let err = convert(amount(100_000_000, "EUR"), cur("JPY"), &ecb(), DEC_3_PUBLISHED, DAY).unwrap_err();
    assert_eq!(err, FxError::Converted { to: cur("JPY"), error: MoneyError::TooLarge { max: MAX_MAJOR_UNITS } });
    // A rate so large the product leaves u128 is refused the same way, not wrapped.
    let huge = [rate("EUR", "USD", &"9".repeat(37), "manual", 0)];
    assert!(matches!(
        convert(amount(100_000_000, "EUR"), cur("USD"), &huge, 0, DAY),
        Err(FxError::Converted { error: MoneyError::TooLarge { .. }, .. })
    ));
    // An inverse that rounds to zero at 10 decimals cannot be used.
    let tiny = [rate("USD", "EUR", "99999999999", "manual", 0)];
    assert_eq!(
        convert(amount(100, "EUR"), cur("USD"), &tiny, 0, DAY),
        Err(FxError::UnusableRate { from: cur("EUR"), to: cur("USD") })
    );
}

use crate::MAX_MAJOR_UNITS;

proptest! {
    /// A direct conversion is the exact product rounded half-up: with N = minor × mantissa ×
    /// 10^to_decimals and D = 10^(scale + from_decimals), the result c satisfies
    /// (2c − 1)·D ≤ 2N < (2c + 1)·D.
    #[test]
    fn a_direct_conversion_is_the_exact_product_rounded_half_up(
        minor in 1u64..=1_000_000, // every source currency allows this many minor units
        mantissa in 1u128..10_000_000_000,
        scale in 0u8..=MAX_SCALE,
        pair in prop::sample::select(vec![("EUR", "USD"), ("EUR", "JPY"), ("JPY", "KWD"), ("KWD", "EUR"), ("USD", "BHD")]),
    ) {
        let (from, to) = (cur(pair.0), cur(pair.1));
        let rate = Rate::parse(&Rate { mantissa, scale }.to_decimal_string()).unwrap();
        let rates = [ExchangeRate { base: from, quote: to, rate, source: "manual".into(), as_of: 0 }];
        let n = u128::from(minor) * mantissa * 10u128.pow(u32::from(to.decimals()));
        let d = 10u128.pow(u32::from(scale) + u32::from(from.decimals()));
        match convert(Amount::from_minor(minor, from).unwrap(), to, &rates, 0, 0) {
            Ok(c) => {
                let c2 = 2 * u128::from(c.to.minor());
                prop_assert!((c2 - 1) * d <= 2 * n && 2 * n < (c2 + 1) * d, "{minor} × {rate} -> {}", c.to);
                prop_assert_eq!(c.rate, rate);
            }
            Err(FxError::Converted { error: MoneyError::Zero, .. }) => prop_assert!(2 * n < d),
            Err(FxError::Converted { error: MoneyError::TooLarge { .. }, .. }) => {
                let max = u128::from(MAX_MAJOR_UNITS) * 10u128.pow(u32::from(to.decimals()));
                prop_assert!(2 * n >= (2 * max + 1) * d);
            }
            Err(other) => prop_assert!(false, "{other}"),
        }
    }
}
