//! The hash and MAC primitives the gateways' signing schemes are built from.

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256, Sha512};

pub fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

pub fn hmac_sha256(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
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

pub fn base64_url_decode(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
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
    }
}
