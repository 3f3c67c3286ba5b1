//! Converting the shop's price currency into the one a gateway charges, with exact decimal rates:
//! set by hand or read from the European Central Bank's daily reference rates.

use crate::amount::{Amount, Currency, MoneyError};
use crate::clock::format_utc;
use crate::rounding::{round_div, RoundingMode};
use jiff::civil::Date;
use jiff::tz::{self, TimeZone};
use quick_xml::events::{BytesStart, Event};
use quick_xml::Reader;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// Most fractional digits a rate may have.
pub const MAX_SCALE: u8 = 18;
/// Fractional digits an inverse or cross rate is rounded to (half-up) before it is applied.
pub const DERIVED_SCALE: u8 = 10;
/// The `source` of a [`Conversion`] between a currency and itself.
pub const NO_SOURCE: &str = "none";
/// The `source` of the rates [`parse_ecb_daily`] reads.
pub const ECB_SOURCE: &str = "ECB";

/// An exact positive decimal rate: mantissa × 10^-scale (scale ≤ 18). Kept without trailing
/// zeros, so equal rates compare equal ("1.50" == "1.5").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rate {
    mantissa: u128,
    scale: u8,
}

impl Rate {
    pub const ONE: Rate = Rate { mantissa: 1, scale: 0 };

    /// Reads "1.0512", "161.85", "157": digits and at most one '.', above zero, at most 18
    /// decimals (zeros after them carry no value). Refuses "-1", "1e3", "", "0", "1,05".
    pub fn parse(text: &str) -> Result<Rate, FxError> {
        let text = text.trim();
        let bad = || FxError::BadRate(text.chars().take(24).collect());
        let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
        let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
        if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
            return Err(bad());
        }
        let fraction = fraction.trim_end_matches('0');
        if fraction.len() > usize::from(MAX_SCALE) {
            return Err(bad());
        }
        let mut mantissa: u128 = 0;
        for digit in whole.bytes().chain(fraction.bytes()) {
            mantissa =
                mantissa.checked_mul(10).and_then(|m| m.checked_add(u128::from(digit - b'0'))).ok_or_else(bad)?;
        }
        Rate::new(mantissa, fraction.len() as u8).ok_or_else(bad)
    }

    /// mantissa × 10^-scale without trailing zeros; `None` for zero.
    fn new(mut mantissa: u128, mut scale: u8) -> Option<Rate> {
        if mantissa == 0 {
            return None;
        }
        while scale > 0 && mantissa % 10 == 0 {
            mantissa /= 10;
            scale -= 1;
        }
        Some(Rate { mantissa, scale })
    }

    /// The exact rate with no trailing zeros: "1.0512", "157", "0.0061785604".
    pub fn to_decimal_string(&self) -> String {
        if self.scale == 0 {
            return self.mantissa.to_string();
        }
        let unit = 10u128.pow(u32::from(self.scale));
        format!("{}.{:0width$}", self.mantissa / unit, self.mantissa % unit, width = usize::from(self.scale))
    }

    /// 1 / self, rounded half-up to [`DERIVED_SCALE`] decimals; `None` if that rounds to zero.
    fn inverse(&self) -> Option<Rate> {
        let numerator = 10u128.pow(u32::from(self.scale) + u32::from(DERIVED_SCALE));
        Rate::new(round_div(numerator, self.mantissa, RoundingMode::HalfUp), DERIVED_SCALE)
    }

    /// self / divisor, rounded half-up to [`DERIVED_SCALE`] decimals; `None` if that rounds to zero
    /// or overflows.
    fn divided_by(&self, divisor: Rate) -> Option<Rate> {
        let shift = 10u128.pow(u32::from(divisor.scale) + u32::from(DERIVED_SCALE));
        let numerator = self.mantissa.checked_mul(shift)?;
        let denominator = divisor.mantissa.checked_mul(10u128.pow(u32::from(self.scale)))?;
        Rate::new(round_div(numerator, denominator, RoundingMode::HalfUp), DERIVED_SCALE)
    }
}

impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_decimal_string())
    }
}

impl FromStr for Rate {
    type Err = FxError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Rate::parse(s)
    }
}

impl Serialize for Rate {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_decimal_string())
    }
}

impl<'de> Deserialize<'de> for Rate {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Rate::parse(&String::deserialize(d)?).map_err(serde::de::Error::custom)
    }
}

/// 1 `base` = `rate` `quote`, as of `as_of` (Unix seconds), from `source` ("ECB", "manual").
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExchangeRate {
    pub base: Currency,
    pub quote: Currency,
    pub rate: Rate,
    pub source: String,
    pub as_of: i64,
}

/// An amount converted, with what the receipt and the ledger need to show how.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conversion {
    pub from: Amount,
    pub to: Amount,
    /// 1 `from.currency` = `rate` `to.currency`: the exact rate applied (an inverse or cross rate
    /// already rounded to 10 decimals), so `to` can be recomputed from `from` and `rate`.
    pub rate: Rate,
    /// Of the oldest rate used; "none" between a currency and itself.
    pub source: String,
    /// Of the oldest rate used (Unix seconds); the time of the conversion between a currency and
    /// itself.
    pub as_of: i64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FxError {
    #[error(
        "'{0}' is not an exchange rate: type a number above zero with a '.' and at most 18 decimals, such as 1.0512"
    )]
    BadRate(String),
    #[error("no exchange rate from {from} to {to}: fetch the reference rates or set one by hand in Settings")]
    NoRate { from: Currency, to: Currency },
    #[error(
        "the exchange rate from {from} to {to} is {} old (from {}), and Paydesk uses rates at most {} old: \
         fetch today's reference rates or set the rate by hand in Settings",
        describe_age(*age_secs), format_utc(*as_of), describe_age(*max_age_secs)
    )]
    Stale { from: Currency, to: Currency, as_of: i64, age_secs: i64, max_age_secs: i64 },
    #[error("the exchange rate from {from} to {to} worked out from the rates on hand is too small or too large to use: set it by hand in Settings")]
    UnusableRate { from: Currency, to: Currency },
    #[error("converted to {to}: {error}")]
    Converted { to: Currency, error: MoneyError },
    #[error("the ECB reference rates could not be read: {0}")]
    BadEcbFile(String),
}

/// "3 days", "1 hour 5 minutes", "more than 1 day" (when seconds are left over past the two
/// largest units), "45 seconds".
fn describe_age(secs: i64) -> String {
    const UNITS: [(i64, &str); 4] = [(86_400, "day"), (3600, "hour"), (60, "minute"), (1, "second")];
    let secs = secs.max(0);
    let count = |n: i64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    let Some(i) = UNITS.iter().position(|&(size, _)| secs >= size) else { return count(0, "second") };
    let (big, big_name) = UNITS[i];
    let mut text = count(secs / big, big_name);
    let mut rest = secs % big;
    if let Some(&(small, small_name)) = UNITS.get(i + 1) {
        if rest >= small {
            text = format!("{text} {}", count(rest / small, small_name));
        }
        rest %= small;
    }
    if rest > 0 {
        text = format!("more than {text}");
    }
    text
}

/// A way from one currency to another through the rates on hand.
#[derive(Clone, Copy)]
enum Route<'a> {
    Direct(&'a ExchangeRate),
    /// to → from, inverted.
    Inverse(&'a ExchangeRate),
    /// X → from and X → to, from one source.
    Cross(&'a ExchangeRate, &'a ExchangeRate),
}

impl Route<'_> {
    /// The oldest leg.
    fn oldest(&self) -> &ExchangeRate {
        match *self {
            Route::Direct(r) | Route::Inverse(r) => r,
            Route::Cross(a, b) => {
                if a.as_of <= b.as_of {
                    a
                } else {
                    b
                }
            }
        }
    }

    fn rate(&self) -> Option<Rate> {
        match *self {
            Route::Direct(r) => Some(r.rate),
            Route::Inverse(r) => r.rate.inverse(),
            Route::Cross(to_from, to_to) => to_to.rate.divided_by(to_from.rate),
        }
    }
}

/// The routes from `from` to `to`, by preference: direct, then inverse, then cross.
fn routes(from: Currency, to: Currency, rates: &[ExchangeRate]) -> [Vec<Route<'_>>; 3] {
    let real = || rates.iter().filter(|r| r.base != r.quote);
    let direct = real().filter(|r| r.base == from && r.quote == to).map(Route::Direct).collect();
    let inverse = real().filter(|r| r.base == to && r.quote == from).map(Route::Inverse).collect();
    let cross = real()
        .filter(|a| a.quote == from && a.base != to)
        .flat_map(|a| {
            real()
                .filter(move |b| b.base == a.base && b.quote == to && b.source == a.source)
                .map(move |b| Route::Cross(a, b))
        })
        .collect();
    [direct, inverse, cross]
}

/// Converts `amount` into `to`, half-up to `to`'s minor units, at the best rate on hand: among
/// the rates at most `max_age_secs` old at `now`, a direct one, else an inverse one, else a cross
/// through a common base from one source; the newest of its kind. Only when none is fresh enough
/// is the newest of them all reported as stale. Between a currency and itself the rate is 1,
/// from source "none", as of `now`.
pub fn convert(
    amount: Amount,
    to: Currency,
    rates: &[ExchangeRate],
    now: i64,
    max_age_secs: i64,
) -> Result<Conversion, FxError> {
    let from = amount.currency();
    if from == to {
        return Ok(Conversion { from: amount, to: amount, rate: Rate::ONE, source: NO_SOURCE.into(), as_of: now });
    }
    let tiers = routes(from, to, rates);
    let age = |route: &Route| now.saturating_sub(route.oldest().as_of);
    let fresh = tiers.iter().find_map(|tier| newest(tier.iter().copied().filter(|r| age(r) <= max_age_secs)));
    let route = match fresh {
        Some(route) => route,
        None => {
            let stale = newest(tiers.iter().flatten().copied());
            return Err(match stale {
                Some(route) => {
                    FxError::Stale { from, to, as_of: route.oldest().as_of, age_secs: age(&route), max_age_secs }
                }
                None => FxError::NoRate { from, to },
            });
        }
    };
    let rate = route.rate().ok_or(FxError::UnusableRate { from, to })?;
    let minor = apply(amount, rate, to);
    let converted = Amount::from_minor(minor, to).map_err(|error| FxError::Converted { to, error })?;
    let oldest = route.oldest();
    Ok(Conversion { from: amount, to: converted, rate, source: oldest.source.clone(), as_of: oldest.as_of })
}

/// The route whose oldest leg is the newest; the first of equals.
fn newest<'a>(routes: impl Iterator<Item = Route<'a>>) -> Option<Route<'a>> {
    routes.fold(None, |best: Option<Route<'a>>, route| match best {
        Some(best) if best.oldest().as_of >= route.oldest().as_of => Some(best),
        _ => Some(route),
    })
}

/// round_half_up(amount.minor × rate × 10^to.decimals / 10^from.decimals), exact; u64::MAX when
/// it does not fit (which `Amount::from_minor` refuses as too large).
fn apply(amount: Amount, rate: Rate, to: Currency) -> u64 {
    let numerator = u128::from(amount.minor())
        .checked_mul(rate.mantissa)
        .and_then(|n| n.checked_mul(10u128.pow(u32::from(to.decimals()))));
    let denominator = 10u128.pow(u32::from(rate.scale) + u32::from(amount.currency().decimals()));
    numerator.map_or(u64::MAX, |n| u64::try_from(round_div(n, denominator, RoundingMode::HalfUp)).unwrap_or(u64::MAX))
}

/// The European Central Bank's daily reference rates file
/// (<https://www.ecb.europa.eu/stats/eurofxref/eurofxref-daily.xml>): 1 EUR in each currency,
/// for the day in its `<Cube time='YYYY-MM-DD'>`. Currencies Paydesk does not know are skipped.
/// Each rate's `as_of` is that day at 16:00 in Frankfurt, when the ECB publishes; its source is
/// "ECB". A file with no date, a bad date or rate, or no known currency is refused. (The 90-day
/// file, with one dated Cube per day, is read the same way.)
pub fn parse_ecb_daily(xml: &str) -> Result<Vec<ExchangeRate>, FxError> {
    let bad = |why: String| FxError::BadEcbFile(why);
    let euro: Currency = "EUR".parse().map_err(|e: MoneyError| bad(e.to_string()))?;
    let mut reader = Reader::from_str(xml);
    let mut depth: usize = 0;
    let mut as_of: Option<i64> = None;
    let mut rates = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| bad(format!("it is not well-formed XML ({e})")))?;
        let cube = match &event {
            Event::Start(e) | Event::Empty(e) if e.local_name().as_ref() == "Cube" => Some(e),
            _ => None,
        };
        match &event {
            Event::Start(_) => depth += 1,
            Event::End(_) => depth = depth.saturating_sub(1),
            Event::Eof if depth > 0 => return Err(bad("it is cut short".into())),
            Event::Eof => break,
            _ => {}
        }
        let Some(cube) = cube else { continue };
        if let Some(time) = attribute(cube, "time")? {
            as_of = Some(publication_time(&time)?);
        }
        match (attribute(cube, "currency")?, attribute(cube, "rate")?) {
            (Some(code), Some(text)) => {
                let as_of = as_of.ok_or_else(|| bad("a rate comes before its date".into()))?;
                let rate = Rate::parse(&text).map_err(|_| bad(format!("the rate for {code} is '{text}'")))?;
                match code.parse::<Currency>() {
                    Ok(quote) if quote != euro => {
                        rates.push(ExchangeRate { base: euro, quote, rate, source: ECB_SOURCE.into(), as_of })
                    }
                    _ => {} // A currency Paydesk does not price in.
                }
            }
            (Some(code), None) => return Err(bad(format!("{code} has no rate"))),
            (None, Some(_)) => return Err(bad("a rate has no currency".into())),
            (None, None) => {}
        }
    }
    if as_of.is_none() {
        return Err(bad("it has no date".into()));
    }
    if rates.is_empty() {
        return Err(bad("it lists no currency Paydesk can price in".into()));
    }
    Ok(rates)
}

fn attribute(element: &BytesStart<'_>, name: &str) -> Result<Option<String>, FxError> {
    let bad = |e: &dyn fmt::Display| FxError::BadEcbFile(format!("it is not well-formed XML ({e})"));
    match element.try_get_attribute(name).map_err(|e| bad(&e))? {
        Some(attr) => {
            Ok(Some(attr.normalized_value(quick_xml::XmlVersion::Implicit1_0).map_err(|e| bad(&e))?.trim().into()))
        }
        None => Ok(None),
    }
}

/// 16:00 in Frankfurt on `date` ("2026-12-03") as Unix seconds: CET or CEST from the zone
/// database, or a fixed +01:00 where the machine has none.
fn publication_time(date: &str) -> Result<i64, FxError> {
    let bad = || FxError::BadEcbFile(format!("its date '{}' is not a date", date.chars().take(24).collect::<String>()));
    let day = Date::strptime("%Y-%m-%d", date).map_err(|_| bad())?;
    let frankfurt = TimeZone::get("Europe/Berlin").unwrap_or_else(|_| TimeZone::fixed(tz::offset(1)));
    let published = day.at(16, 0, 0, 0).to_zoned_datetime(frankfurt).map_err(|_| bad())?;
    Ok(published.timestamp().as_second())
}

#[cfg(test)]
mod tests;
