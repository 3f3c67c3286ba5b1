//! The hash and MAC primitives the gateways' signing schemes are built from.

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

/// `lowercase_hex(HMAC-SHA256(key, data))`.
pub fn hmac_sha256_hex(key: &[u8], data: &[u8]) -> String {
    hex::encode(hmac_sha256(key, data))
}

/// `HMAC-SHA384(key, data)` (HS384 JWTs).
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

pub fn base64_url_encode(data: &[u8]) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

pub fn base64_url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Whether what a gateway sent equals what was expected, compared in constant time (a length
/// difference is told at once: lengths are public).
pub fn same(expected: &[u8], received: &[u8]) -> bool {
    bool::from(expected.ct_eq(received))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_documents_vectors() {
        // gateways.md §1.3 (Dex3) and §2.2 (TheDex)
        let dex3 = sha256_hex(b"1001PUBLIC_TEST_KEY10000PRIVATE_TEST_KEY");
        assert_eq!(dex3, "a9ce41fdd59057fce95320192538ec67da8028d9d49c79a97ab576533189a33c");
        assert_eq!(base64_std(b"{}"), "e30=");
        assert_eq!(base64_url_decode("__4").as_deref(), Some(&b"\xff\xfe"[..]));
        // RFC 4231 test case 2 ("Jefe"), SHA-384
        assert_eq!(
            hex::encode(hmac_sha384(b"Jefe", b"what do ya want for nothing?")),
            "af45d2e376484031617f78d2b58a6b1b9c7ef464f5a01b47e42ec3736322445e8e2240ca5e69e2c78b3239ecfab21649"
        );
        assert_eq!(
            hmac_sha256_hex(b"Jefe", b"what do ya want for nothing?"),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
        assert!(same(b"abc", b"abc") && !same(b"abc", b"abd") && !same(b"abc", b"ab"));
    }
}
