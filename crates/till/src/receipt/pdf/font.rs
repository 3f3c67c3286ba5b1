//! Text on the page: the standard Helvetica fonts' widths, the WinAnsi encoding they use, PDF
//! string escaping, and line wrapping to the paper.

use std::fmt::Write as _;

#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Font {
    Regular,
    Bold,
}

impl Font {
    pub(super) fn resource(self) -> &'static str {
        match self {
            Font::Regular => "F1",
            Font::Bold => "F2",
        }
    }

    /// Width of one WinAnsi byte in thousandths of the font size (Adobe's Helvetica metrics for
    /// ASCII; the widest likely glyph for the rest, so a line never runs off the paper).
    pub(super) fn width(self, byte: u8) -> u16 {
        match byte {
            b' '..=b'~' => match self {
                Font::Regular => HELVETICA[usize::from(byte - b' ')],
                Font::Bold => HELVETICA_BOLD[usize::from(byte - b' ')],
            },
            // Æ æ Œ œ … ‰ — ™ ¼ ½ ¾
            0xC6 | 0xE6 | 0x8C | 0x9C | 0x85 | 0x89 | 0x97 | 0x99 | 0xBC..=0xBE => 1000,
            _ => 722,
        }
    }

    pub(super) fn text_width(self, size: f32, text: &[u8]) -> f32 {
        text.iter().map(|&b| f32::from(self.width(b))).sum::<f32>() * size / 1000.0
    }
}

#[rustfmt::skip]
const HELVETICA: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556,
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556,
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556,
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

#[rustfmt::skip]
const HELVETICA_BOLD: [u16; 95] = [
    278, 333, 474, 556, 556, 889, 722, 238, 333, 333, 389, 584, 278, 333, 278, 278,
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 333, 333, 584, 584, 584, 611,
    975, 722, 722, 722, 722, 667, 611, 778, 722, 278, 556, 722, 611, 833, 722, 778,
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 333, 278, 333, 584, 556,
    333, 556, 611, 556, 611, 556, 333, 611, 611, 278, 278, 556, 278, 889, 611, 611,
    611, 611, 389, 556, 333, 611, 556, 778, 556, 556, 500, 389, 280, 389, 584,
];

/// `text` in WinAnsiEncoding, the standard fonts' encoding: Latin-1 as is, the typographic
/// characters Windows-1252 adds (€, curly quotes, dashes...) at their codes, control characters
/// as spaces, and `?` for anything the font cannot show.
pub(super) fn win_ansi(text: &str) -> Vec<u8> {
    const EXTRA: [(char, u8); 27] = [
        ('€', 0x80),
        ('‚', 0x82),
        ('ƒ', 0x83),
        ('„', 0x84),
        ('…', 0x85),
        ('†', 0x86),
        ('‡', 0x87),
        ('ˆ', 0x88),
        ('‰', 0x89),
        ('Š', 0x8A),
        ('‹', 0x8B),
        ('Œ', 0x8C),
        ('Ž', 0x8E),
        ('‘', 0x91),
        ('’', 0x92),
        ('“', 0x93),
        ('”', 0x94),
        ('•', 0x95),
        ('–', 0x96),
        ('—', 0x97),
        ('˜', 0x98),
        ('™', 0x99),
        ('š', 0x9A),
        ('›', 0x9B),
        ('œ', 0x9C),
        ('ž', 0x9E),
        ('Ÿ', 0x9F),
    ];
    text.chars()
        .map(|c| match c {
            ' '..='~' | '\u{A0}'..='\u{FF}' => c as u8,
            c if c.is_control() => b' ',
            c => EXTRA.iter().find(|(x, _)| *x == c).map_or(b'?', |&(_, code)| code),
        })
        .collect()
}

/// A PDF literal string: parentheses and backslashes escaped, everything outside printable ASCII
/// as an octal escape, so no byte of the text can end the string or start an operator.
pub(super) fn pdf_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('(');
    for &b in bytes {
        match b {
            b'(' | b')' | b'\\' => {
                out.push('\\');
                out.push(char::from(b));
            }
            b' '..=b'~' => out.push(char::from(b)),
            _ => {
                let _ = write!(out, "\\{b:03o}");
            }
        }
    }
    out.push(')');
    out
}

/// Breaks `text` into lines at most `width` wide: at spaces, and inside a word only when the word
/// alone is wider than a line (a pay link, a long order id).
pub(super) fn wrap(font: Font, size: f32, width: f32, text: &[u8]) -> Vec<Vec<u8>> {
    let fits = |line: &[u8]| font.text_width(size, line) <= width;
    let mut lines: Vec<Vec<u8>> = Vec::new();
    let mut current: Vec<u8> = Vec::new();
    for word in text.split(|&b| b == b' ').filter(|w| !w.is_empty()) {
        let joined = if current.is_empty() { word.to_vec() } else { [&current[..], b" ", word].concat() };
        if fits(&joined) {
            current = joined;
            continue;
        }
        if !current.is_empty() {
            lines.push(std::mem::take(&mut current));
        }
        for &b in word {
            current.push(b);
            if !fits(&current) && current.len() > 1 {
                let last = current.pop().unwrap_or(b);
                lines.push(std::mem::replace(&mut current, vec![last]));
            }
        }
    }
    if !current.is_empty() || lines.is_empty() {
        lines.push(current);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::receipt::fixtures::LINK;
    use crate::receipt::pdf::TEXT_WIDTH;

    #[test]
    fn long_words_wrap_within_the_paper() {
        for font in [Font::Regular, Font::Bold] {
            let text = win_ansi(&format!("A {} B WWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWWW", LINK));
            let lines = wrap(font, 9.0, TEXT_WIDTH, &text);
            assert!(lines.len() > 2);
            assert!(lines.iter().all(|l| font.text_width(9.0, l) <= TEXT_WIDTH && !l.is_empty()));
            let rejoined: Vec<u8> = lines.concat().into_iter().filter(|&b| b != b' ').collect();
            let original: Vec<u8> = text.into_iter().filter(|&b| b != b' ').collect();
            assert_eq!(rejoined, original, "nothing lost or repeated");
        }
        assert_eq!(wrap(Font::Regular, 9.0, TEXT_WIDTH, b""), [Vec::<u8>::new()]);
    }
}
