//! Text in code page PC858 (selected with ESC t 19): ASCII below 0x80 and, above, the letters of
//! Western Europe, the box drawing of the PC and, at 0xD5, the euro sign (where PC850 had a
//! dotless i).
//!
//! The escpos crate has a PC858 table too, but it is off in places (0xA8 should be '¿' and 0xA9
//! '®'; 'Ô' is listed twice and 'Ò' is missing) and it sends a character it cannot map as UTF-8
//! bytes, which a printer prints as two or three wrong glyphs. So the mapping lives here, checked
//! against IBM's code page 858, and anything without a glyph becomes '?'.

/// Bytes 0x80 to 0xFF. 0xF0 is a soft hyphen and 0xFF a no-break space.
const HIGH: [char; 128] = [
    'Ç', 'ü', 'é', 'â', 'ä', 'à', 'å', 'ç', 'ê', 'ë', 'è', 'ï', 'î', 'ì', 'Ä', 'Å', // 0x80
    'É', 'æ', 'Æ', 'ô', 'ö', 'ò', 'û', 'ù', 'ÿ', 'Ö', 'Ü', 'ø', '£', 'Ø', '×', 'ƒ', // 0x90
    'á', 'í', 'ó', 'ú', 'ñ', 'Ñ', 'ª', 'º', '¿', '®', '¬', '½', '¼', '¡', '«', '»', // 0xA0
    '░', '▒', '▓', '│', '┤', 'Á', 'Â', 'À', '©', '╣', '║', '╗', '╝', '¢', '¥', '┐', // 0xB0
    '└', '┴', '┬', '├', '─', '┼', 'ã', 'Ã', '╚', '╔', '╩', '╦', '╠', '═', '╬', '¤', // 0xC0
    'ð', 'Ð', 'Ê', 'Ë', 'È', '€', 'Í', 'Î', 'Ï', '┘', '┌', '█', '▄', '¦', 'Ì', '▀', // 0xD0
    'Ó', 'ß', 'Ô', 'Ò', 'õ', 'Õ', 'µ', 'þ', 'Þ', 'Ú', 'Û', 'Ù', 'ý', 'Ý', '¯', '´', // 0xE0
    '\u{AD}', '±', '‗', '¾', '¶', '§', '÷', '¸', '°', '¨', '·', '¹', '³', '²', '■', '\u{A0}', // 0xF0
];

/// The `n` of ESC t n that selects PC858 on Epson printers (and most clones).
pub const PC858: u8 = 19;

/// What is printed for a character the code page has no glyph for.
pub const UNKNOWN: u8 = b'?';

/// The byte for `c`: printable ASCII as is, the table's characters at their place, anything else
/// (control characters included, so text can never smuggle in a command) as '?'.
pub fn to_byte(c: char) -> u8 {
    match c {
        ' '..='~' => c as u8,
        _ => HIGH.iter().position(|&h| h == c).map_or(UNKNOWN, |i| 0x80 + i as u8),
    }
}

/// The character a printable byte shows, `None` for control bytes (below 0x20, and 0x7F).
pub fn to_char(b: u8) -> Option<char> {
    match b {
        0x20..=0x7E => Some(b as char),
        0x80..=0xFF => Some(HIGH[usize::from(b - 0x80)]),
        _ => None,
    }
}

/// `text` as the printer will show it: each character its glyph or '?', one column each.
pub fn printable(text: &str) -> String {
    text.chars().map(|c| to_char(to_byte(c)).unwrap_or('?')).collect()
}

/// `text` (already `printable`) as bytes.
pub fn to_bytes(text: &str) -> Vec<u8> {
    text.chars().map(to_byte).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_letters_a_till_prints_have_their_pc858_bytes() {
        let known = [('é', 0x82), ('ñ', 0xA4), ('á', 0xA0), ('ü', 0x81), ('ß', 0xE1), ('£', 0x9C), ('€', 0xD5)];
        for (c, b) in known.into_iter().chain([('×', 0x9E), ('·', 0xFA), ('¿', 0xA8), ('®', 0xA9), ('Ò', 0xE3)]) {
            assert_eq!(to_byte(c), b, "{c}");
            assert_eq!(to_char(b), Some(c));
        }
    }

    #[test]
    fn every_high_byte_round_trips_and_no_character_is_listed_twice() {
        for b in 0x80..=0xFF_u8 {
            assert_eq!(to_byte(to_char(b).unwrap()), b, "byte {b:#04x}");
        }
        for b in 0x20..0x7F_u8 {
            assert_eq!(to_byte(to_char(b).unwrap()), b);
        }
    }

    #[test]
    fn control_characters_and_unknown_glyphs_become_question_marks() {
        assert_eq!(to_bytes("a\u{1b}@\n\t\u{7f}😀ı"), b"a?@?????".to_vec());
        assert_eq!(printable("Café ñ 5 € 🍕"), "Café ñ 5 € ?");
        assert_eq!(to_char(0x0A), None);
        assert_eq!(to_char(0x7F), None);
    }
}
