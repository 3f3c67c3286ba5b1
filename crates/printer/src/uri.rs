//! Where a printer lives, as the cashier types it in Settings.

use crate::PrintError;
use std::fmt;
use std::net::Ipv6Addr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

/// The raw printing port of network receipt printers (HP JetDirect, "port 9100").
pub const DEFAULT_TCP_PORT: u16 = 9100;

/// A printer's address.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum PrinterUri {
    /// `tcp://HOST[:PORT]`: a network printer; HOST is a name, an IPv4 address or `[IPv6]`.
    Tcp { host: String, port: u16 },
    /// `file:///dev/usb/lp0` or `/dev/usb/lp0`: a device file (USB or parallel printer).
    Device(PathBuf),
    /// `lp://NAME`: a queue of the operating system's print system, printed to raw with CUPS'
    /// `lp -d NAME -o raw`.
    Queue(String),
}

const FORMS: &str = "tcp://HOST:PORT (port 9100 if left out), file:///dev/usb/lp0 (or just the path), or lp://QUEUE";

fn bad(text: &str, why: &str) -> PrintError {
    PrintError::BadUri(format!("\"{text}\" is not a printer address ({why}); use {FORMS}"))
}

impl FromStr for PrinterUri {
    type Err = PrintError;

    fn from_str(s: &str) -> Result<PrinterUri, PrintError> {
        let text = s.trim();
        if let Some(rest) = strip_scheme(text, "tcp://") {
            let rest = rest.strip_suffix('/').unwrap_or(rest);
            let (host, port) = split_host_port(rest).ok_or_else(|| bad(text, "no host, or a bad port"))?;
            if !valid_host(host) {
                return Err(bad(text, "the host is not a name or an IP address"));
            }
            let port = match port {
                None => DEFAULT_TCP_PORT,
                Some(p) => p.parse::<u16>().ok().filter(|&p| p != 0).ok_or_else(|| bad(text, "bad port"))?,
            };
            return Ok(PrinterUri::Tcp { host: host.to_string(), port });
        }
        if let Some(name) = strip_scheme(text, "lp://") {
            if !valid_queue(name) {
                return Err(bad(text, "a queue name is letters, digits, '-', '_', '.' and '@'"));
            }
            return Ok(PrinterUri::Queue(name.to_string()));
        }
        let path = strip_scheme(text, "file://").unwrap_or(text);
        if text.contains("://") && path == text {
            return Err(bad(text, "unknown kind of address"));
        }
        if path.is_empty() || !(path.starts_with('/') || Path::new(path).is_absolute()) {
            return Err(bad(text, "a device must be an absolute path"));
        }
        Ok(PrinterUri::Device(PathBuf::from(path)))
    }
}

fn strip_scheme<'a>(text: &'a str, scheme: &str) -> Option<&'a str> {
    let head = text.get(..scheme.len())?;
    head.eq_ignore_ascii_case(scheme).then(|| &text[scheme.len()..])
}

/// "host", "host:port", "[v6]" or "[v6]:port".
fn split_host_port(rest: &str) -> Option<(&str, Option<&str>)> {
    if let Some(v6) = rest.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        host.parse::<Ipv6Addr>().ok()?;
        return match after {
            "" => Some((host, None)),
            _ => Some((host, Some(after.strip_prefix(':')?))),
        };
    }
    let (host, port) = match rest.split_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    (!host.is_empty()).then_some((host, port))
}

fn valid_host(host: &str) -> bool {
    host.parse::<Ipv6Addr>().is_ok()
        || (host.len() <= 253
            && host.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && !label.starts_with('-')
                    && label.chars().all(|c| c.is_ascii_alphanumeric() || c == '-')
            }))
}

/// CUPS queue names, kept to characters that cannot be read as an `lp` option or a path.
fn valid_queue(name: &str) -> bool {
    name.len() <= 127
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || "-_.@".contains(c))
}

impl PrinterUri {
    /// How error messages name the printer: "192.168.1.50:9100", "/dev/usb/lp0", "lp://Kitchen".
    pub fn label(&self) -> String {
        match self {
            PrinterUri::Tcp { .. } => self.to_string().trim_start_matches("tcp://").to_string(),
            PrinterUri::Device(path) => path.display().to_string(),
            PrinterUri::Queue(_) => self.to_string(),
        }
    }
}

impl fmt::Display for PrinterUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PrinterUri::Tcp { host, port } if host.contains(':') => write!(f, "tcp://[{host}]:{port}"),
            PrinterUri::Tcp { host, port } => write!(f, "tcp://{host}:{port}"),
            PrinterUri::Device(path) => write!(f, "file://{}", path.display()),
            PrinterUri::Queue(name) => write!(f, "lp://{name}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str) -> PrinterUri {
        s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn good_addresses_parse_and_print_back() {
        let tcp = |h: &str, port| PrinterUri::Tcp { host: h.into(), port };
        assert_eq!(parse("tcp://192.168.1.50:9100"), tcp("192.168.1.50", 9100));
        assert_eq!(parse(" tcp://192.168.1.50 "), tcp("192.168.1.50", 9100));
        assert_eq!(parse("TCP://printer-1.shop.lan:9101/"), tcp("printer-1.shop.lan", 9101));
        assert_eq!(parse("tcp://[fe80::1]:9100"), tcp("fe80::1", 9100));
        assert_eq!(parse("tcp://[::1]"), tcp("::1", 9100));
        assert_eq!(parse("file:///dev/usb/lp0"), PrinterUri::Device("/dev/usb/lp0".into()));
        assert_eq!(parse("/dev/usb/lp0"), PrinterUri::Device("/dev/usb/lp0".into()));
        assert_eq!(parse("lp://Kitchen_Printer"), PrinterUri::Queue("Kitchen_Printer".into()));
        for s in ["tcp://192.168.1.50:9100", "tcp://[::1]:9100", "file:///dev/usb/lp0", "lp://Front.desk@host"] {
            assert_eq!(parse(s).to_string(), s);
            assert_eq!(parse(&parse(s).to_string()), parse(s));
        }
        assert_eq!(parse("tcp://10.0.0.2").label(), "10.0.0.2:9100");
        assert_eq!(parse("/dev/usb/lp0").label(), "/dev/usb/lp0");
    }

    #[test]
    fn bad_addresses_are_refused_with_the_forms_that_work() {
        for s in [
            "",
            "printer",
            "dev/usb/lp0",
            "file://dev/usb/lp0",
            "tcp://",
            "tcp://:9100",
            "tcp://host:0",
            "tcp://host:70000",
            "tcp://host:abc",
            "tcp://ho st:9100",
            "tcp://host:9100/path",
            "tcp://[zz::1]:9100",
            "tcp://-host",
            "lp://",
            "lp://-o raw",
            "lp://a/b",
            "ipp://printer/queue",
            "http://192.168.1.50",
        ] {
            match s.parse::<PrinterUri>() {
                Err(PrintError::BadUri(msg)) => {
                    assert!(msg.contains("tcp://HOST:PORT") && msg.contains("lp://"), "{msg}")
                }
                other => panic!("{s:?} gave {other:?}"),
            }
        }
    }
}
