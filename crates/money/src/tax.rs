//! VAT and sales tax, exact: a sale's lines split into net, tax and gross per rate, rounded the way
//! the shop's tax office wants (per line or once per rate, half-up or half-even). See the README's
//! "Tax rounding, worked example".

use crate::rounding::round_div;
pub use crate::rounding::RoundingMode;
use serde::{Deserialize, Serialize};
use ts_rs::TS;

/// Basis points in 100 %.
const FULL: u32 = 10_000;

/// A named tax rate ("VAT 19 %").
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TaxRate {
    pub name: String,
    /// Hundredths of a percent: 2000 = 20 %, 770 = 7.7 %; 0 to 10000.
    pub basis_points: u32,
    /// The tax is inside the price (gross pricing, as on European shelves) rather than added on
    /// top of it (net pricing, as in US sales tax or UK trade prices).
    pub inclusive: bool,
}

/// Where the tax is rounded to whole minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[serde(rename_all = "snake_case")]
#[ts(export)]
pub enum RoundingLevel {
    /// Each line's tax is rounded, and the rounded amounts are summed per rate.
    Line,
    /// Per rate, the lines are summed first and the tax is rounded once on that sum.
    #[default]
    Total,
}

/// The shop's tax rounding setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct Rounding {
    pub level: RoundingLevel,
    pub mode: RoundingMode,
}

/// One line of a sale: quantity × unit price, in minor units of the sale's currency. With an
/// inclusive rate the amount is gross (tax inside); with an exclusive one it is net (tax added on
/// top). `rate: None`: untaxed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[ts(export)]
pub struct TaxLine {
    #[ts(type = "number")]
    pub amount_minor: u64,
    pub rate: Option<TaxRate>,
}

/// Per rate: what the receipt prints and the report sums.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct RateTotal {
    pub rate: TaxRate,
    #[ts(type = "number")]
    pub net_minor: u64,
    #[ts(type = "number")]
    pub tax_minor: u64,
    #[ts(type = "number")]
    pub gross_minor: u64,
}

/// A sale's tax, per rate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
#[ts(export)]
pub struct TaxBreakdown {
    /// In the order each rate first appears in the lines.
    pub rates: Vec<RateTotal>,
    /// The lines without a rate.
    #[ts(type = "number")]
    pub untaxed_minor: u64,
    /// Everything the customer pays for the lines: the sum of each rate's gross, plus untaxed.
    #[ts(type = "number")]
    pub gross_minor: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TaxError {
    #[error("the tax rate '{name}' is {}: a tax rate must be between 0 and 100 %", percent_or_raw(*basis_points))]
    RateOutOfRange { name: String, basis_points: u32 },
    #[error("two different tax rates are both called '{name}': give each rate its own name")]
    ConflictingRate { name: String },
    #[error("the sale is too large to work out its tax: split it into smaller sales")]
    TooLarge,
    #[error("enter a tax rate, such as 20 or 7.7")]
    EmptyPercent,
    #[error("'{0}' is not a tax rate: type a percentage such as 20 or 7.7")]
    NotAPercent(String),
    #[error("'{0}' uses a comma: type the tax rate with a '.', such as 5.5")]
    CommaInPercent(String),
    #[error("a tax rate takes at most 2 decimal places, such as 7.75")]
    TooManyDecimals,
    #[error("a tax rate must be between 0 and 100 %")]
    PercentOutOfRange,
}

fn percent_or_raw(basis_points: u32) -> String {
    format!("{} %", format_percent(basis_points))
}

/// Net, tax and gross of one amount under one rate (the amount is gross for an inclusive rate and
/// net for an exclusive one).
fn split(amount: u128, rate: &TaxRate, mode: RoundingMode) -> Result<(u128, u128, u128), TaxError> {
    let bp = u128::from(rate.basis_points);
    let scaled = amount.checked_mul(bp).ok_or(TaxError::TooLarge)?;
    if rate.inclusive {
        // tax = gross × bp / (10000 + bp) ≤ gross, since bp / (10000 + bp) ≤ 1/2.
        let tax = round_div(scaled, u128::from(FULL) + bp, mode);
        Ok((amount - tax, tax, amount))
    } else {
        let tax = round_div(scaled, u128::from(FULL), mode);
        Ok((amount, tax, amount.checked_add(tax).ok_or(TaxError::TooLarge)?))
    }
}

fn add(a: u128, b: u128) -> Result<u128, TaxError> {
    a.checked_add(b).ok_or(TaxError::TooLarge)
}

fn to_u64(value: u128) -> Result<u64, TaxError> {
    u64::try_from(value).map_err(|_| TaxError::TooLarge)
}

/// Splits a sale's lines into net, tax and gross per rate. Lines with the same rate (name,
/// percentage and inclusive) share one total; two different rates under one name are refused.
pub fn compute(lines: &[TaxLine], rounding: Rounding) -> Result<TaxBreakdown, TaxError> {
    struct Group<'a> {
        rate: &'a TaxRate,
        /// Level total: the summed line amounts.
        amount: u128,
        /// Level line: the summed rounded splits.
        net: u128,
        tax: u128,
        gross: u128,
    }
    let mut groups: Vec<Group> = Vec::new();
    let mut untaxed: u128 = 0;
    for line in lines {
        let amount = u128::from(line.amount_minor);
        let Some(rate) = &line.rate else {
            untaxed = add(untaxed, amount)?;
            continue;
        };
        if rate.basis_points > FULL {
            return Err(TaxError::RateOutOfRange { name: rate.name.clone(), basis_points: rate.basis_points });
        }
        let index = match groups.iter().position(|g| g.rate.name == rate.name) {
            Some(i) if groups[i].rate != rate => return Err(TaxError::ConflictingRate { name: rate.name.clone() }),
            Some(i) => i,
            None => {
                groups.push(Group { rate, amount: 0, net: 0, tax: 0, gross: 0 });
                groups.len() - 1
            }
        };
        let group = &mut groups[index];
        group.amount = add(group.amount, amount)?;
        if rounding.level == RoundingLevel::Line {
            let (net, tax, gross) = split(amount, rate, rounding.mode)?;
            group.net = add(group.net, net)?;
            group.tax = add(group.tax, tax)?;
            group.gross = add(group.gross, gross)?;
        }
    }
    let mut rates = Vec::with_capacity(groups.len());
    let mut gross_total = untaxed;
    for group in groups {
        let (net, tax, gross) = match rounding.level {
            RoundingLevel::Line => (group.net, group.tax, group.gross),
            RoundingLevel::Total => split(group.amount, group.rate, rounding.mode)?,
        };
        gross_total = add(gross_total, gross)?;
        rates.push(RateTotal {
            rate: group.rate.clone(),
            net_minor: to_u64(net)?,
            tax_minor: to_u64(tax)?,
            gross_minor: to_u64(gross)?,
        });
    }
    Ok(TaxBreakdown { rates, untaxed_minor: to_u64(untaxed)?, gross_minor: to_u64(gross_total)? })
}

/// Reads a typed percentage into basis points: "20" → 2000, "7.7" → 770, "0.01" → 1, "19 %" →
/// 1900. Digits and at most one '.', at most two decimals, 0 to 100; a decimal comma is refused
/// with its own message (tax rates are typed the same way in every shop).
pub fn parse_percent(text: &str) -> Result<u32, TaxError> {
    let trimmed = text.trim();
    let number = trimmed.strip_suffix('%').unwrap_or(trimmed).trim_end();
    if number.is_empty() {
        return Err(TaxError::EmptyPercent);
    }
    let shown = || trimmed.chars().take(24).collect::<String>();
    if number.starts_with('-') || number.starts_with('\u{2212}') {
        return Err(TaxError::PercentOutOfRange);
    }
    if number.contains(',') {
        return Err(TaxError::CommaInPercent(shown()));
    }
    let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
    let digits = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || !digits(fraction) || (whole.is_empty() && fraction.is_empty()) {
        return Err(TaxError::NotAPercent(shown()));
    }
    // Zeros after the second decimal carry no value: "7.700" is 7.7 %.
    let fraction = fraction.trim_end_matches('0');
    if fraction.len() > 2 {
        return Err(TaxError::TooManyDecimals);
    }
    let whole = whole.trim_start_matches('0');
    if whole.len() > 3 {
        return Err(TaxError::PercentOutOfRange);
    }
    let whole: u32 = if whole.is_empty() { 0 } else { whole.parse().map_err(|_| TaxError::NotAPercent(shown()))? };
    let hundredths: u32 = format!("{fraction:0<2}").parse().map_err(|_| TaxError::NotAPercent(shown()))?;
    let basis_points = whole * 100 + hundredths;
    if basis_points > FULL {
        return Err(TaxError::PercentOutOfRange);
    }
    Ok(basis_points)
}

/// Basis points as the shortest exact percentage: 2000 → "20", 770 → "7.7", 1 → "0.01".
pub fn format_percent(basis_points: u32) -> String {
    let (whole, hundredths) = (basis_points / 100, basis_points % 100);
    match hundredths {
        0 => whole.to_string(),
        h if h % 10 == 0 => format!("{whole}.{}", h / 10),
        h => format!("{whole}.{h:02}"),
    }
}

#[cfg(test)]
mod tests;
