//! What the gateways' documents specify below their fields: the hashes, MACs and encodings their
//! signatures use, ISO 4217 decimal places, and amounts as their wires carry them. Written from
//! `../shared/gateways.md`, not taken from Paydesk's core, so the two can disagree.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

/// `lowercase_hex(SHA-256(data))` (Dex3 §1.3).
pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// `lowercase_hex(HMAC-SHA512(key, data))` (TheDex §2.2).
pub fn hmac_sha512_hex(key: &[u8], data: &[u8]) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

/// `HMAC-SHA256(key, data)` (Pay3 §4.3, and the simulator's own access tokens).
pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// `lowercase_hex(HMAC-SHA256(key, data))` (NonStoPay's callback, as guessed: see `callbacks`).
pub fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    hex::encode(hmac_sha256(key, data))
}

/// `HMAC-SHA384(key, data)` (Pay3's HS384 webhook JWT, §4.5).
pub fn hmac_sha384(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha384>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub fn base64(data: &[u8]) -> String {
    STANDARD.encode(data)
}

pub fn base64url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

pub fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Compares what a client sent with what was expected, in constant time.
pub fn same(expected: &[u8], received: &[u8]) -> bool {
    bool::from(expected.ct_eq(received))
}

/// ISO 4217 decimal places of the currencies the simulated accounts take.
pub fn decimals(code: &str) -> Option<u8> {
    const TABLE: &[(&str, u8)] = &[
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
    TABLE.iter().find(|(c, _)| *c == code).map(|(_, d)| *d)
}

/// Reads a decimal amount as a gateway would: digits, at most one '.', at most `max_decimals`
/// decimals, more than zero. Returns minor units at `decimals` places.
pub fn parse_wire_decimal(text: &str, max_decimals: u8, decimals: u8) -> Option<u64> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    let digits_ok = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    if whole.is_empty() || !digits_ok(whole) || !digits_ok(fraction) || fraction.len() > usize::from(max_decimals) {
        return None;
    }
    if text.contains('.') && fraction.is_empty() {
        return None;
    }
    let padded = format!("{whole}{fraction:0<width$}", width = usize::from(decimals));
    let minor: u64 = padded.parse().ok()?;
    (minor > 0).then_some(minor)
}

/// Minor units as decimal text with `decimals` places ("1234" at 2 is "12.34").
pub fn format_minor(minor: u64, decimals: u8) -> String {
    if decimals == 0 {
        return minor.to_string();
    }
    let scale = 10u64.pow(u32::from(decimals));
    format!("{}.{:0width$}", minor / scale, minor % scale, width = usize::from(decimals))
}

/// A callback URL that is not an http(s) URL with a host.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAUrl;

/// A create's per-invoice callback URL in `field`: `Ok(None)` when absent (or null), `Err(())`
/// when it is not an http(s) URL with a host.
pub fn callback_url(fields: &serde_json::Map<String, Value>, field: &str) -> Result<Option<String>, NotAUrl> {
    match fields.get(field) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(url)) => {
            let rest = url.strip_prefix("https://").or_else(|| url.strip_prefix("http://")).ok_or(NotAUrl)?;
            let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
            if host.is_empty() || url.chars().any(char::is_whitespace) {
                return Err(NotAUrl);
            }
            Ok(Some(url.clone()))
        }
        Some(_) => Err(NotAUrl),
    }
}

/// A JSON value a client may send as a string or a number, as its text.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// Decimal text as a JSON number, in its shortest form ("5.00" is 5, "12.30" is 12.3).
pub fn number(text: &str) -> Value {
    let trimmed = match text.split_once('.') {
        Some((whole, fraction)) if fraction.bytes().all(|b| b == b'0') => whole,
        Some(_) => text.trim_end_matches('0'),
        None => text,
    };
    let parsed = match trimmed.parse::<u64>() {
        Ok(whole) => Some(Value::from(whole)),
        Err(_) => trimmed.parse::<f64>().ok().and_then(serde_json::Number::from_f64).map(Value::Number),
    };
    parsed.unwrap_or(Value::Null)
}

/// `YYYY-MM-DD HH:MM:SS` in UTC (NonStoPay's times; Pay3's with a `T` and an offset).
pub fn datetime(unix: i64) -> String {
    let (days, secs) = (unix.div_euclid(86_400), unix.rem_euclid(86_400));
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02}", secs / 3600, secs % 3600 / 60, secs % 60)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn datetimes_are_utc_civil_times() {
        assert_eq!(datetime(0), "1970-01-01 00:00:00");
        assert_eq!(datetime(1_681_326_588), "2023-04-12 19:09:48");
        assert_eq!(datetime(1_780_100_000), "2026-05-30 00:13:20");
    }

    #[test]
    fn wire_decimals_are_read_strictly() {
        assert_eq!(parse_wire_decimal("12.34", 2, 2), Some(1234));
        assert_eq!(parse_wire_decimal("12", 2, 2), Some(1200));
        assert_eq!(parse_wire_decimal("12.5", 2, 2), Some(1250));
        assert_eq!(parse_wire_decimal("0.01", 2, 2), Some(1));
        assert_eq!(parse_wire_decimal("1250", 0, 0), Some(1250));
        for bad in ["12.345", "12.", ".5", "-1", "+1", " 1", "1e3", "1,5", "0.00", "", "99999999999999999999"] {
            assert_eq!(parse_wire_decimal(bad, 2, 2), None, "{bad:?}");
        }
        assert_eq!(parse_wire_decimal("12.5", 0, 0), None, "no decimals in a currency without them");
    }

    #[test]
    fn minor_units_print_in_the_currencys_places() {
        assert_eq!(format_minor(1234, 2), "12.34");
        assert_eq!(format_minor(7, 2), "0.07");
        assert_eq!(format_minor(5, 3), "0.005");
        assert_eq!(format_minor(1500, 0), "1500");
    }

    #[test]
    fn decimal_text_becomes_its_shortest_json_number() {
        assert_eq!(number("5.00").to_string(), "5");
        assert_eq!(number("12.30").to_string(), "12.3");
        assert_eq!(number("409.71").to_string(), "409.71");
        assert_eq!(number("42").to_string(), "42");
    }

    #[test]
    fn amounts_are_read_as_strings_or_numbers() {
        assert_eq!(text(&serde_json::json!("12.30")), Some("12.30".into()));
        assert_eq!(text(&serde_json::json!(12.3)), Some("12.3".into()));
        assert_eq!(text(&serde_json::json!(1234)), Some("1234".into()));
        assert_eq!(text(&serde_json::json!(null)), None);
    }
}
