//! Order ids and the limits on text a sale carries: what every gateway, the ledger and a receipt
//! can hold.

use crate::clock::{civil_date, unix_now};

/// The longest description a sale may carry (every gateway takes at least this many).
pub const MAX_DESCRIPTION_CHARS: usize = 200;
/// Order ids travel in URLs and signed strings: kept short.
pub const MAX_ORDER_ID_CHARS: usize = 64;

/// Text or an order id that cannot be used, with what to type instead.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct InputError(pub String);

/// Text for a person to read back: no control characters, bounded length.
pub fn check_text<'a>(what: &str, text: &'a str, max_chars: usize) -> Result<&'a str, InputError> {
    if text.chars().any(char::is_control) {
        return Err(InputError(format!("the {what} must not contain control characters")));
    }
    if text.chars().count() > max_chars {
        return Err(InputError(format!("the {what} is longer than {max_chars} characters")));
    }
    Ok(text)
}

/// Order ids travel in URLs, JSON and signed strings of every gateway, so they are kept plain.
pub fn check_order_id(id: &str) -> Result<&str, InputError> {
    let ok_chars = id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if id.is_empty() || id.len() > MAX_ORDER_ID_CHARS || !ok_chars {
        return Err(InputError(format!(
            "order id '{}' must be 1 to {MAX_ORDER_ID_CHARS} letters, digits, '-' or '_'",
            printable(id)
        )));
    }
    Ok(id)
}

/// Echoes user input in an error without letting it smuggle control characters or a novel.
pub fn printable(text: &str) -> String {
    text.chars().filter(|c| !c.is_control()).take(40).collect()
}

/// `<TILL>-YYYYMMDD-XXXXXXXX` (`PD` without a terminal label): sortable by day, readable over the
/// phone, random enough that two tills (or a reinstalled one) never collide, and the label says
/// which till took the sale at the gateway, in History and in exports.
pub fn new_order_id(terminal_label: Option<&str>) -> String {
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
    let mut random = [0u8; 8];
    getrandom::fill(&mut random).expect("the OS random source works");
    let suffix: String = random.iter().map(|b| ALPHABET[usize::from(b & 31)] as char).collect();
    let (y, m, d) = civil_date(unix_now());
    format!("{}-{y:04}{m:02}{d:02}-{suffix}", terminal_label.unwrap_or("PD"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_ids_are_plain_and_distinct() {
        let a = new_order_id(None);
        assert!(check_order_id(&a).is_ok(), "{a}");
        assert_eq!(a.len(), "PD-20261123-ABCDEFGH".len());
        assert_ne!(a, new_order_id(None));
        let labelled = new_order_id(Some("TILL2"));
        assert!(labelled.starts_with("TILL2-") && check_order_id(&labelled).is_ok(), "{labelled}");
    }

    #[test]
    fn order_ids_and_descriptions_are_checked() {
        assert!(check_order_id("till-2_0001").is_ok());
        assert!(check_order_id("").is_err());
        assert!(check_order_id("a b").is_err());
        assert!(check_order_id(&"x".repeat(65)).is_err());
        assert!(check_text("description", "Table 4 ☕", 200).is_ok());
        assert!(check_text("description", "bad\u{7}", 200).is_err());
        assert!(check_text("description", &"x".repeat(201), 200).is_err());
    }
}
