//! The hash and MAC primitives the gateways' signing schemes are built from, and a
//! constant-time comparison for checking signatures we receive.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha384, Sha512};
use subtle::ConstantTimeEq;

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub fn hmac_sha384(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha384>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

pub fn hmac_sha512_hex(key: &[u8], data: &[u8]) -> String {
    let mut mac = Hmac::<Sha512>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(data);
    hex::encode(mac.finalize().into_bytes())
}

pub fn base64_std(data: &[u8]) -> String {
    STANDARD.encode(data)
}

pub fn base64_std_decode(text: &str) -> Option<Vec<u8>> {
    STANDARD.decode(text).ok()
}

pub fn base64_url(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

pub fn base64_url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Compares two signatures in constant time. Hex is compared case-insensitively by lowering
/// `received` first, since some senders upper-case their hex.
pub fn hex_eq(expected_lower_hex: &str, received: &str) -> bool {
    let received = received.trim().to_ascii_lowercase();
    bool::from(expected_lower_hex.as_bytes().ct_eq(received.as_bytes()))
}

pub fn bytes_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_eq_rejects_one_byte_off_and_other_lengths() {
        let good = sha256_hex(b"x");
        assert!(hex_eq(&good, &good.to_ascii_uppercase()));
        let mut bad = good.clone().into_bytes();
        bad[10] = if bad[10] == b'a' { b'b' } else { b'a' };
        assert!(!hex_eq(&good, std::str::from_utf8(&bad).unwrap()));
        assert!(!hex_eq(&good, &good[..62]));
        assert!(!hex_eq(&good, ""));
    }
}
