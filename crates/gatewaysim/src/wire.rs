//! What the gateways' documents specify below their fields: the hashes, MACs and encodings their
//! signatures use, ISO 4217 decimal places, and amounts as their wires carry them. Written from
//! `../shared/gateways.md`, not taken from Paydesk's core, so the two can disagree.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};
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

/// A JSON value a client may send as a string or a number, as its text.
pub fn text(value: &Value) -> Option<String> {
    match value {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
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
    #[test]
    fn datetimes_are_utc_civil_times() {
        assert_eq!(super::datetime(0), "1970-01-01 00:00:00");
        assert_eq!(super::datetime(1_681_326_588), "2023-04-12 19:09:48");
        assert_eq!(super::datetime(1_780_100_000), "2026-05-30 00:13:20");
    }

    use super::*;

    #[test]
    fn wire_decimals_are_read_strictly() {
        assert_eq!(parse_wire_decimal("12.34", 2, 2), Some(1234));
        assert_eq!(parse_wire_decimal("12", 2, 2), Some(1200));
        assert_eq!(parse_wire_decimal("12.5", 2, 2), Some(1250));
        assert_eq!(parse_wire_decimal("12.345", 2, 2), None);
        assert_eq!(parse_wire_decimal("12.", 2, 2), None);
        assert_eq!(parse_wire_decimal("-1", 2, 2), None);
        assert_eq!(parse_wire_decimal("1e3", 2, 2), None);
        assert_eq!(parse_wire_decimal("0.00", 2, 2), None);
        assert_eq!(parse_wire_decimal("1250", 0, 0), Some(1250));
        assert_eq!(format_minor(1234, 2), "12.34");
        assert_eq!(format_minor(5, 3), "0.005");
        assert_eq!(format_minor(1500, 0), "1500");
    }

    #[test]
    fn the_documents_test_vectors() {
        // Dex3 §1.3
        let dex3 = sha256_hex(b"1001PUBLIC_TEST_KEY10000PRIVATE_TEST_KEY");
        assert_eq!(dex3, "a9ce41fdd59057fce95320192538ec67da8028d9d49c79a97ab576533189a33c");
        // TheDex §2.2
        let body = r#"{"amount":"10.00","currency":"USD","merchantId":"ABCDEFGH","orderId":"POS-0001","title":"Table 4","request":"/api/v1/invoices/create","nonce":1700000000000}"#;
        let payload = base64(body.as_bytes());
        assert!(payload.starts_with("eyJhbW91bnQiOiIxMC4wMCIs"));
        assert_eq!(
            hmac_sha512_hex(b"TEST_SECRET", payload.as_bytes()),
            "1be494ad8ddd4a07bf657c403439fc058aee4416ac47adff114a93b9027a675d81cbc864f132e374dfc5f72e2e3df9b1ca95f86bf558f4c8d89f741849424d6d"
        );
        // Pay3 §4.3, checkout row
        let signed = "currencyId=USD-USA&fiatAmount=1.00&requestId=5a3566b0-b0a9-4329-b48f-2921c715ce44";
        assert_eq!(
            base64(&hmac_sha256(b"TEST_PAY3_SECRET", signed.as_bytes())),
            "j5qyZa0NBrMfxKYoFg92fgaWEZB/yqbz5w9Ty6wcEE0="
        );
    }
}
