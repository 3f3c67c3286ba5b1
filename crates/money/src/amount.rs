//! Exact money: an amount is a count of the currency's minor units (cents), never a float.
//!
//! `parse_amount` turns what a cashier types into an [`Amount`]; each gateway formats the amount
//! for its own wire with [`Amount::to_decimal_string`] or [`Amount::minor`].

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Largest amount accepted, in major units: no till sale comes near it, and a typo (an extra
/// few zeros) should be caught before it reaches a gateway.
pub const MAX_MAJOR_UNITS: u64 = 1_000_000;

/// A fiat currency the till can price in, with its number of decimal places (ISO 4217).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Currency {
    code: &'static str,
    decimals: u8,
}

/// The currencies Paydesk knows how to format. Each gateway further limits what it accepts.
const CURRENCIES: &[(&str, u8)] = &[
    ("USD", 2),
    ("EUR", 2),
    ("GBP", 2),
    ("CHF", 2),
    ("CAD", 2),
    ("AUD", 2),
    ("INR", 2),
    ("ZAR", 2),
    ("BRL", 2),
    ("TRY", 2),
    ("RUB", 2),
    ("UAH", 2),
    ("PLN", 2),
    ("MXN", 2),
    ("AED", 2),
    ("JPY", 0),
    ("KRW", 0),
    ("VND", 0),
    ("KWD", 3),
    ("BHD", 3),
];

impl Currency {
    pub const USD: Currency = Currency { code: "USD", decimals: 2 };

    pub fn code(&self) -> &'static str {
        self.code
    }

    pub fn decimals(&self) -> u8 {
        self.decimals
    }

    pub fn all() -> impl Iterator<Item = Currency> {
        CURRENCIES.iter().map(|&(code, decimals)| Currency { code, decimals })
    }

    /// Minor units as exact decimal text with this currency's decimals: "12.30", "-12.30", "1500",
    /// "0.000". Any count: a report's total may be zero, negative or beyond one sale's maximum.
    pub fn format_minor(&self, minor: i128) -> String {
        let sign = if minor < 0 { "-" } else { "" };
        let abs = minor.unsigned_abs();
        let d = u32::from(self.decimals);
        if d == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10u128.pow(d);
        format!("{sign}{}.{:0width$}", abs / scale, abs % scale, width = d as usize)
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let upper = s.trim().to_ascii_uppercase();
        Currency::all()
            .find(|c| c.code == upper)
            .ok_or_else(|| MoneyError::UnknownCurrency(s.trim().chars().take(12).collect()))
    }
}

impl Serialize for Currency {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code)
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let code = String::deserialize(d)?;
        code.parse().map_err(serde::de::Error::custom)
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code)
    }
}

/// A positive amount of money: `minor` units of `currency` (1234 USD = 12.34 USD).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Amount {
    minor: u64,
    currency: Currency,
}

impl Amount {
    /// An amount from minor units, checked like typed input: positive and not absurd.
    pub fn from_minor(minor: u64, currency: Currency) -> Result<Amount, MoneyError> {
        if minor == 0 {
            return Err(MoneyError::Zero);
        }
        if minor > MAX_MAJOR_UNITS * 10u64.pow(currency.decimals.into()) {
            return Err(MoneyError::TooLarge { max: MAX_MAJOR_UNITS });
        }
        Ok(Amount { minor, currency })
    }

    pub fn minor(&self) -> u64 {
        self.minor
    }

    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// The amount in major units with exactly the currency's decimals: "12.50", "1500" (JPY).
    pub fn to_decimal_string(&self) -> String {
        self.currency.format_minor(i128::from(self.minor))
    }
}

impl fmt::Display for Amount {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.to_decimal_string(), self.currency)
    }
}

/// Which mark separates the decimals in typed amounts; the other one may group thousands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DecimalStyle {
    /// "1,234.56" (en-US, en-GB, …)
    #[default]
    Point,
    /// "1.234,56" (de, es, fr, …); a space may also group thousands there.
    Comma,
}

impl FromStr for DecimalStyle {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "point" | "." => Ok(DecimalStyle::Point),
            "comma" | "," => Ok(DecimalStyle::Comma),
            other => Err(format!("decimal style must be 'point' or 'comma', not '{other}'")),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum MoneyError {
    #[error("enter an amount")]
    Empty,
    #[error("the amount must be more than zero")]
    Zero,
    #[error("the amount cannot be negative")]
    Negative,
    #[error("'{0}' is not a number: use digits and one decimal mark")]
    NotANumber(String),
    #[error("{currency} takes at most {max} decimal places")]
    TooManyDecimals { currency: Currency, max: u8 },
    #[error("the amount is too large: at most {max} per sale")]
    TooLarge { max: u64 },
    #[error("thousands separators must group exactly three digits, as in 1,234.56")]
    BadGrouping,
    #[error("'{0}' is not a currency Paydesk knows (use a code such as USD or EUR)")]
    UnknownCurrency(String),
    #[error("'12,50' uses a comma as the decimal mark: type 12.50 (or switch the decimal style to comma)")]
    CommaDecimalInPointStyle,
    /// One separator before three digits, in a currency with three decimals: a thousands
    /// separator or the decimal mark? The cashier is asked, never guessed for.
    #[error("'{typed}' could be {grouped} {currency} or {decimal} {currency}: type {grouped} or {decimal}")]
    Ambiguous { typed: String, grouped: String, decimal: String, currency: Currency },
}

/// Parses what a cashier typed ("12", "12.5", "1,234.56", or "12,50" in comma style) into an exact
/// amount. Surrounding spaces are ignored; anything else that is not a plain positive number in the
/// chosen style is refused with its own error.
pub fn parse_amount(input: &str, currency: Currency, style: DecimalStyle) -> Result<Amount, MoneyError> {
    let text = input.trim();
    if text.is_empty() {
        return Err(MoneyError::Empty);
    }
    if text.starts_with('-') || text.starts_with('\u{2212}') {
        return Err(MoneyError::Negative);
    }
    let text = text.strip_prefix('+').unwrap_or(text);
    let (decimal_mark, group_marks): (char, &[char]) = match style {
        DecimalStyle::Point => ('.', &[',']),
        DecimalStyle::Comma => (',', &['.', ' ', '\u{a0}']),
    };
    let not_a_number = || MoneyError::NotANumber(input.trim().chars().take(24).collect());
    if text.chars().any(|c| !(c.is_ascii_digit() || c == decimal_mark || group_marks.contains(&c))) {
        return Err(not_a_number());
    }
    let mut halves = text.splitn(2, decimal_mark);
    let whole = halves.next().unwrap_or_default();
    let fraction = halves.next();
    if let Some(f) = fraction {
        if f.contains(decimal_mark) || f.contains(group_marks) {
            return Err(not_a_number());
        }
    }
    if style == DecimalStyle::Point && fraction.is_none() && looks_like_comma_decimal(whole) {
        return Err(MoneyError::CommaDecimalInPointStyle);
    }
    if currency.decimals == 3 && fraction.is_none() {
        if let Some(err) = ambiguous(whole, style, group_marks, currency) {
            return Err(err);
        }
    }
    let whole_digits = ungroup(whole, group_marks)?;
    let fraction = fraction.unwrap_or("");
    if whole_digits.is_empty() && fraction.is_empty() {
        return Err(not_a_number());
    }
    let decimals = currency.decimals as usize;
    if fraction.len() > decimals {
        // Trailing zeros past the currency's decimals carry no value, so "12.500" is 12.50.
        if fraction[decimals..].bytes().any(|b| b != b'0') {
            return Err(MoneyError::TooManyDecimals { currency, max: currency.decimals });
        }
    }
    let whole_value = parse_digits(&whole_digits).ok_or(MoneyError::TooLarge { max: MAX_MAJOR_UNITS })?;
    if whole_value > MAX_MAJOR_UNITS {
        return Err(MoneyError::TooLarge { max: MAX_MAJOR_UNITS });
    }
    let mut fraction_digits: String = fraction.chars().take(decimals).collect();
    while fraction_digits.len() < decimals {
        fraction_digits.push('0');
    }
    let fraction_value = parse_digits(&fraction_digits).unwrap_or(0);
    let minor = whole_value * 10u64.pow(decimals as u32) + fraction_value;
    Amount::from_minor(minor, currency)
}

/// Reads an amount as the window sends it: digits with "." as the decimal mark and no grouping
/// ("12", "12.5", "1.500" KWD). The UI converts the cashier's locale to this form, so the window's
/// amounts are read the same way whatever the shop's decimal style; the errors are
/// [`parse_amount`]'s.
pub fn parse_decimal(input: &str, currency: Currency) -> Result<Amount, MoneyError> {
    let text = input.trim();
    if text.bytes().any(|b| !(b.is_ascii_digit() || b == b'.' || b == b'-' || b == b'+')) {
        return Err(MoneyError::NotANumber(text.chars().take(24).collect()));
    }
    parse_amount(text, currency, DecimalStyle::Point)
}

/// "1,500" in a currency with three decimals (KWD, BHD), with no decimal mark typed: its one
/// separator may group thousands (1500) or be the decimal mark of the other style (1.500), which a
/// cashier used to that style types without thinking. Both readings are amounts a thousand times
/// apart, so the amount is refused, naming both (also when one of them is over the per-sale
/// maximum: the cashier meant one of them, and Paydesk must not pick). Only the mark that is the
/// decimal mark of the other style counts ("," in point style, "." in comma style), once, before
/// exactly three digits; a space only ever groups, so "12 345" is 12345 (but "1 000.500" in comma
/// style is 1000500 or 1000.500). Two such marks ("1,500,250") or a typed decimal mark
/// ("1,500.250") leave one reading, and "1.500" in point style is 1.500: the till's own decimal
/// mark decides.
fn ambiguous(whole: &str, style: DecimalStyle, group_marks: &[char], currency: Currency) -> Option<MoneyError> {
    let (other_decimal_mark, own_decimal_mark) = match style {
        DecimalStyle::Point => (',', '.'),
        DecimalStyle::Comma => ('.', ','),
    };
    let (head, tail) = whole.split_once(other_decimal_mark)?;
    if tail.len() != 3 || !tail.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    // Each reading must be well formed: thousands grouped by threes, or a whole part (grouped
    // by the other marks, spaces) before a decimal mark.
    let grouped = ungroup(whole, group_marks).ok()?;
    let spaces: Vec<char> = group_marks.iter().copied().filter(|&m| m != other_decimal_mark).collect();
    let units = ungroup(head, &spaces).ok()?;
    let grouped = grouped.trim_start_matches('0');
    if units.is_empty() || grouped.is_empty() {
        return None; // no whole part, or zero either way: refused as such below
    }
    let units = match units.trim_start_matches('0') {
        "" => "0",
        significant => significant,
    };
    Some(MoneyError::Ambiguous {
        typed: whole.to_string(),
        grouped: grouped.to_string(),
        decimal: format!("{units}{own_decimal_mark}{tail}"),
        currency,
    })
}

/// "12,50" or "0,5": a comma followed by one or two digits is a decimal comma, not grouping.
fn looks_like_comma_decimal(whole: &str) -> bool {
    match whole.rsplit_once(',') {
        Some((head, tail)) => {
            !head.contains(',') && (1..=2).contains(&tail.len()) && tail.bytes().all(|b| b.is_ascii_digit())
        }
        None => false,
    }
}

/// Removes thousands separators, insisting they group exactly three digits.
fn ungroup(whole: &str, group_marks: &[char]) -> Result<String, MoneyError> {
    if !whole.contains(group_marks) {
        return Ok(whole.to_string());
    }
    let groups: Vec<&str> = whole.split(group_marks).collect();
    let first_ok = (1..=3).contains(&groups[0].len());
    let rest_ok = groups[1..].iter().all(|g| g.len() == 3);
    if !first_ok || !rest_ok {
        return Err(MoneyError::BadGrouping);
    }
    Ok(groups.concat())
}

fn parse_digits(digits: &str) -> Option<u64> {
    if digits.is_empty() {
        return Some(0);
    }
    // Strip leading zeros so "0000000000000000000001" is not mistaken for an overflow.
    let significant = digits.trim_start_matches('0');
    if significant.len() > 18 {
        return None;
    }
    significant.parse().ok().or(Some(0))
}

#[cfg(test)]
mod tests {
    #[test]
    fn hardening_05_one_separator_before_three_digits_is_ambiguous_in_a_three_decimal_currency() {
        let kwd: Currency = "KWD".parse().unwrap();
        let bhd: Currency = "BHD".parse().unwrap();
        // The message, which the till shows as it is (the variant is `MoneyError::Ambiguous`).
        let ambiguous = |typed: &str, currency: Currency, style: DecimalStyle| -> String {
            match parse_amount(typed, currency, style) {
                Err(err) => err.to_string(),
                Ok(read) => panic!("{typed} {style:?} was read as {read}, not refused as ambiguous"),
            }
        };
        // The message names what was typed and both readings, in the till's own decimal mark.
        assert_eq!(
            ambiguous("1,500", kwd, DecimalStyle::Point),
            "'1,500' could be 1500 KWD or 1.500 KWD: type 1500 or 1.500"
        );
        assert_eq!(
            ambiguous("1.500", kwd, DecimalStyle::Comma),
            "'1.500' could be 1500 KWD or 1,500 KWD: type 1500 or 1,500"
        );
        assert_eq!(
            ambiguous(" +0,250 ", bhd, DecimalStyle::Point),
            "'0,250' could be 250 BHD or 0.250 BHD: type 250 or 0.250"
        );
        assert!(ambiguous("999,999", bhd, DecimalStyle::Point).starts_with("'999,999' could be 999999 BHD or 999.999"));
        assert!(ambiguous("12.345", kwd, DecimalStyle::Comma).starts_with("'12.345' could be 12345 KWD or 12,345"));
        assert!(matches!(parse_amount("1,500", kwd, DecimalStyle::Point), Err(MoneyError::Ambiguous { .. })));

        // One reading only: these are read (or refused) as before, never guessed.
        let minor = |typed: &str, currency: Currency, style: DecimalStyle| parse_amount(typed, currency, style);
        assert_eq!(minor("1,500.250", kwd, DecimalStyle::Point).unwrap().minor(), 1_500_250);
        assert_eq!(minor("1.500,250", kwd, DecimalStyle::Comma).unwrap().minor(), 1_500_250);
        assert_eq!(minor("1500", kwd, DecimalStyle::Point).unwrap().minor(), 1_500_000);
        // The till's own decimal mark decides.
        assert_eq!(minor("1.500", kwd, DecimalStyle::Point).unwrap().minor(), 1_500);
        assert_eq!(minor("1,500", kwd, DecimalStyle::Comma).unwrap().minor(), 1_500);
        // With spaces grouping the whole part, the one '.' is still either.
        assert_eq!(
            ambiguous("1 000.500", kwd, DecimalStyle::Comma),
            "'1 000.500' could be 1000500 KWD or 1000,500 KWD: type 1000500 or 1000,500"
        );
        assert!(ambiguous("12\u{a0}345.678", kwd, DecimalStyle::Comma).contains("12345678 KWD or 12345,678 KWD"));
        // A space is never a decimal mark: it only groups.
        assert_eq!(minor("12 345", kwd, DecimalStyle::Comma).unwrap().minor(), 12_345_000);
        assert_eq!(minor("1\u{a0}500", kwd, DecimalStyle::Comma).unwrap().minor(), 1_500_000);
        // Two separators can only group.
        assert_eq!(minor("1,234,567", kwd, DecimalStyle::Point), Err(MoneyError::TooLarge { max: 1_000_000 }));
        assert_eq!(minor("1.000.000", kwd, DecimalStyle::Comma).unwrap().minor(), 1_000_000_000);
        // Not a thousands group, so not two readings.
        assert_eq!(minor("1234,500", kwd, DecimalStyle::Point), Err(MoneyError::BadGrouping));
        assert_eq!(minor("0,000", kwd, DecimalStyle::Point), Err(MoneyError::Zero));
        // Other currencies: a comma before three digits groups (two decimals could not hold them).
        assert_eq!(minor("1,500", Currency::USD, DecimalStyle::Point).unwrap().minor(), 150_000);
        assert_eq!(minor("1.500", "EUR".parse().unwrap(), DecimalStyle::Comma).unwrap().minor(), 150_000);
        assert_eq!(minor("1,500", "JPY".parse().unwrap(), DecimalStyle::Point).unwrap().minor(), 1_500);
    }

    use super::*;

    fn usd(s: &str) -> Result<u64, MoneyError> {
        parse_amount(s, Currency::USD, DecimalStyle::Point).map(|a| a.minor())
    }

    fn eur_comma(s: &str) -> Result<u64, MoneyError> {
        parse_amount(s, "EUR".parse().unwrap(), DecimalStyle::Comma).map(|a| a.minor())
    }

    #[test]
    fn parses_what_cashiers_type() {
        assert_eq!(usd("12"), Ok(1200));
        assert_eq!(usd("12.5"), Ok(1250));
        assert_eq!(usd("12.50"), Ok(1250));
        assert_eq!(usd(" 12.34 "), Ok(1234));
        assert_eq!(usd("1,234.56"), Ok(123456));
        assert_eq!(usd("1,000,000"), Ok(100_000_000));
        assert_eq!(usd(".5"), Ok(50));
        assert_eq!(usd("5."), Ok(500));
        assert_eq!(usd("0.01"), Ok(1));
        assert_eq!(usd("12.500"), Ok(1250));
        assert_eq!(usd("+3"), Ok(300));
    }

    #[test]
    fn comma_style_reads_decimal_commas() {
        assert_eq!(eur_comma("12,50"), Ok(1250));
        assert_eq!(eur_comma("1.234,56"), Ok(123456));
        assert_eq!(eur_comma("1 234,56"), Ok(123456));
        assert_eq!(eur_comma("7"), Ok(700));
        assert_eq!(eur_comma("12.50"), Err(MoneyError::BadGrouping));
    }

    #[test]
    fn each_bad_input_has_its_own_error() {
        assert_eq!(usd(""), Err(MoneyError::Empty));
        assert_eq!(usd("   "), Err(MoneyError::Empty));
        assert_eq!(usd("0"), Err(MoneyError::Zero));
        assert_eq!(usd("0.00"), Err(MoneyError::Zero));
        assert_eq!(usd("-5"), Err(MoneyError::Negative));
        assert_eq!(usd("12.345"), Err(MoneyError::TooManyDecimals { currency: Currency::USD, max: 2 }));
        assert_eq!(usd("1000000.01"), Err(MoneyError::TooLarge { max: MAX_MAJOR_UNITS }));
        assert_eq!(usd("99999999999999999999999"), Err(MoneyError::TooLarge { max: MAX_MAJOR_UNITS }));
        assert_eq!(usd("12,50"), Err(MoneyError::CommaDecimalInPointStyle));
        assert_eq!(usd("1,23,456"), Err(MoneyError::BadGrouping));
        assert!(matches!(usd("12abc"), Err(MoneyError::NotANumber(_))));
        assert!(matches!(usd("1e3"), Err(MoneyError::NotANumber(_))));
        assert!(matches!(usd("1.2.3"), Err(MoneyError::NotANumber(_))));
        assert!(matches!(usd("."), Err(MoneyError::NotANumber(_))));
        assert!(matches!(usd("NaN"), Err(MoneyError::NotANumber(_))));
        assert!(matches!(usd("½"), Err(MoneyError::NotANumber(_))));
    }

    #[test]
    fn respects_each_currencys_decimals() {
        let jpy: Currency = "jpy".parse().unwrap();
        assert_eq!(parse_amount("1500", jpy, DecimalStyle::Point).unwrap().to_decimal_string(), "1500");
        assert_eq!(
            parse_amount("15.5", jpy, DecimalStyle::Point),
            Err(MoneyError::TooManyDecimals { currency: jpy, max: 0 })
        );
        let kwd: Currency = "KWD".parse().unwrap();
        assert_eq!(parse_amount("1.234", kwd, DecimalStyle::Point).unwrap().minor(), 1234);
        assert!(matches!("XYZ".parse::<Currency>(), Err(MoneyError::UnknownCurrency(_))));
    }

    #[test]
    fn formats_exactly() {
        let a = Amount::from_minor(1205, Currency::USD).unwrap();
        assert_eq!(a.to_decimal_string(), "12.05");
        assert_eq!(a.to_string(), "12.05 USD");
        assert_eq!(Amount::from_minor(7, Currency::USD).unwrap().to_decimal_string(), "0.07");
    }

    #[test]
    fn errors_read_well() {
        assert_eq!(usd("12.345").unwrap_err().to_string(), "USD takes at most 2 decimal places");
    }

    #[test]
    fn the_wire_form_is_digits_and_a_point_whatever_the_style() {
        let kwd: Currency = "KWD".parse().unwrap();
        assert_eq!(parse_decimal("1.500", kwd).unwrap().minor(), 1500);
        assert_eq!(parse_decimal("12", Currency::USD).unwrap().minor(), 1200);
        assert_eq!(parse_decimal(" 12.5 ", Currency::USD).unwrap().minor(), 1250);
        for grouped in ["1,500", "1 500", "12,50"] {
            assert!(matches!(parse_decimal(grouped, kwd), Err(MoneyError::NotANumber(_))), "{grouped}");
        }
        assert_eq!(parse_decimal("-1", Currency::USD), Err(MoneyError::Negative));
        assert_eq!(
            parse_decimal("0.001", Currency::USD),
            Err(MoneyError::TooManyDecimals { currency: Currency::USD, max: 2 })
        );
    }
}
