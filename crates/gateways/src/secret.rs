//! A credential value that never prints itself.

use std::fmt;

/// Holds a secret (API key, private key, token). Debug and Display show `[redacted]`, so a secret
/// cannot reach a log line, an error text or an IPC reply through formatting.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    /// The value itself, for signing and for the one header or field that carries it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret([redacted])")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted]")
    }
}

impl Drop for Secret {
    fn drop(&mut self) {
        // Best effort: overwrite the bytes so a freed secret does not linger in the heap.
        // SAFETY: zero bytes are valid UTF-8.
        unsafe { self.0.as_bytes_mut() }.iter_mut().for_each(|b| *b = 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formatting_never_shows_the_value() {
        let s = Secret::new("sk_live_DISTINCTIVE");
        assert_eq!(format!("{s}"), "[redacted]");
        assert!(!format!("{s:?}").contains("DISTINCTIVE"));
        assert!(!format!("{:?}", Some(&s)).contains("DISTINCTIVE"));
        assert_eq!(s.expose(), "sk_live_DISTINCTIVE");
    }
}
