//! Which base URLs and pay links are allowed, and ids kept inside one path segment.

use crate::error::GatewayError;
use std::net::IpAddr;
use url::Url;

/// Refuses anything but https, except plain http to this machine (simulator, local proxies).
pub fn check_base_url(text: &str) -> Result<Url, String> {
    let mut url = Url::parse(text.trim()).map_err(|e| format!("'{text}' is not a URL: {e}"))?;
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(format!("'{text}' uses plain http: only https is allowed, except to 127.0.0.1/localhost"))
        }
        other => return Err(format!("'{text}' uses '{other}': only https (or http to loopback) is allowed")),
    }
    if url.host().is_none() {
        return Err(format!("'{text}' has no host"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(format!("'{text}' must not carry a query or fragment"));
    }
    // Paths are joined onto the base, so the base always ends in '/'.
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

/// Pay links shown to customers follow the same rule as base URLs.
pub fn check_pay_link(text: &str) -> Result<(), GatewayError> {
    pay_link_url(text).map(|_| ())
}

/// The pay link as the URL that was checked (https, or http to this machine). What is opened is
/// this URL's text, not the stored one: a parser that reads the stored text otherwise (spaces,
/// tabs or line breaks that URL parsing drops) cannot make the OS open something else.
pub fn pay_link_url(text: &str) -> Result<Url, GatewayError> {
    let url = Url::parse(text).map_err(|_| GatewayError::BadResponse("the pay link is not a URL".into()))?;
    match url.scheme() {
        "https" => Ok(url),
        "http" if is_loopback(&url) => Ok(url),
        _ => Err(GatewayError::BadResponse("the pay link is not an https link".into())),
    }
}

/// Percent-encodes an id for use as one path segment, so an id from a gateway can never
/// change which endpoint a request goes to.
pub fn path_segment(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for b in id.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'~' => out.push(b as char),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_must_be_https_unless_loopback() {
        assert!(check_base_url("https://api.dex3.io/api/v1/").is_ok());
        assert_eq!(
            check_base_url("https://app.thedex.cloud/api/v1").unwrap().as_str(),
            "https://app.thedex.cloud/api/v1/"
        );
        assert!(check_base_url("http://127.0.0.1:8787/dex3/").is_ok());
        assert!(check_base_url("http://127.9.9.9/").is_ok());
        assert!(check_base_url("http://localhost:1/").is_ok());
        assert!(check_base_url("http://[::1]:1/").is_ok());
        assert!(check_base_url("http://api.dex3.io/").unwrap_err().contains("plain http"));
        assert!(check_base_url("http://10.0.0.1/").is_err());
        assert!(check_base_url("http://127.0.0.1.evil.com/").is_err());
        assert!(check_base_url("ftp://127.0.0.1/").is_err());
        assert!(check_base_url("not a url").is_err());
        assert!(check_base_url("https://x.io/?a=1").is_err());
    }

    #[test]
    fn hardening_10_a_pay_link_is_opened_only_as_the_checked_url() {
        for bad in [
            "http://pay.example.com/x",
            "javascript:alert(1)",
            "file:///etc/passwd",
            "data:text/html,<script>alert(1)</script>",
            "ftp://127.0.0.1/x",
            "smb://pay.example.com/x",
            "HTTP://pay.example.com/x",
            "http://127.0.0.1.evil.example/x",
            "/relative/path",
            "",
        ] {
            assert!(pay_link_url(bad).is_err(), "{bad:?} would be opened");
        }
        // What is opened is the URL as checked, not the stored text around it.
        assert_eq!(pay_link_url("  https://pay.example/p/1\n").unwrap().as_str(), "https://pay.example/p/1");
        assert_eq!(pay_link_url("https://pay.example/p/\t1").unwrap().as_str(), "https://pay.example/p/1");
        assert_eq!(pay_link_url("HTTPS://Pay.Example/p/1").unwrap().as_str(), "https://pay.example/p/1");
        assert_eq!(pay_link_url("http://localhost:9/pay/x").unwrap().as_str(), "http://localhost:9/pay/x");
        assert_eq!(pay_link_url("http://[::1]:9/pay/x").unwrap().as_str(), "http://[::1]:9/pay/x");
    }

    #[test]
    fn pay_links_must_be_https_unless_loopback() {
        assert!(check_pay_link("https://pay.dex3.io/pay/abc").is_ok());
        assert!(check_pay_link("http://127.0.0.1:9/pay/abc").is_ok());
        assert!(check_pay_link("http://pay.dex3.io/pay/abc").is_err());
        assert!(check_pay_link("javascript:alert(1)").is_err());
    }

    #[test]
    fn ids_cannot_escape_their_path_segment() {
        assert_eq!(path_segment("EKKlnN7Q-x_1"), "EKKlnN7Q-x_1");
        assert_eq!(path_segment("../admin?x=1"), "%2E%2E%2Fadmin%3Fx%3D1");
    }
}
