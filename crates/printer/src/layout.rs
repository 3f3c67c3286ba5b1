//! Fitting text to the paper: wrapping, left/right rows and the tax table. Every function takes
//! text already mapped to the code page (`codepage::printable`), so one char is one column.

/// A left side narrower than this next to its value is unreadable; the value gets its own line.
const MIN_LEFT: usize = 8;

/// `text` in lines of at most `width` columns, broken at spaces where it can be and inside a word
/// (a link) where it must. Whitespace runs count as one space; no text gives no lines.
pub fn wrap(text: &str, width: usize) -> Vec<String> {
    let width = width.max(1);
    let mut lines = Vec::new();
    let mut line = String::new();
    for word in text.split_whitespace() {
        let mut word: Vec<char> = word.chars().collect();
        let line_len = line.chars().count();
        if !line.is_empty() && line_len + 1 + word.len() <= width {
            line.push(' ');
            line.extend(&word);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        while word.len() > width {
            lines.push(word.drain(..width).collect());
        }
        line.extend(&word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

/// `left` and `right` on one line `width` wide, `right` flush right. A long left side wraps
/// beside the value (which stays on the first line); a value too wide to sit beside anything
/// gets lines of its own, flush right, wrapped but never cut.
pub fn row(left: &str, right: &str, width: usize) -> Vec<String> {
    let (left, right) = (left.trim(), right.trim());
    let (left_len, right_len) = (left.chars().count(), right.chars().count());
    if right_len == 0 {
        return wrap(left, width);
    }
    let room = width.saturating_sub(right_len + 1);
    if left_len == 0 && right_len <= width {
        return vec![format!("{right:>width$}")];
    }
    if right_len < width && room >= MIN_LEFT.min(left_len) {
        let mut lines = wrap(left, room);
        let first = &mut lines[0];
        let pad = width - right_len - first.chars().count();
        first.push_str(&" ".repeat(pad));
        first.push_str(right);
        return lines;
    }
    let mut lines = wrap(left, width);
    lines.extend(wrap(right, width).into_iter().map(|r| format!("{r:>width$}")));
    lines
}

/// One tax rate: its name on a row, then its figures as "Net x  Tax y  Gross z", as many of the
/// three on a line as fit. `headings` name net, tax and gross (missing ones leave the figure bare).
pub fn tax_rows(rate: &str, figures: [&str; 3], headings: &[String], width: usize) -> Vec<String> {
    let mut lines = wrap(rate, width);
    let mut line = String::new();
    for (i, figure) in figures.iter().enumerate() {
        let chunk = match headings.get(i).map(|h| h.trim()).filter(|h| !h.is_empty()) {
            Some(heading) => format!("{heading} {figure}"),
            None => figure.to_string(),
        };
        let chunk_len = chunk.chars().count();
        if !line.is_empty() && line.chars().count() + 2 + chunk_len <= width {
            line.push_str("  ");
            line.push_str(&chunk);
            continue;
        }
        if !line.is_empty() {
            lines.push(std::mem::take(&mut line));
        }
        if chunk_len <= width {
            line = chunk;
        } else {
            lines.extend(wrap(&chunk, width));
        }
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrap_breaks_at_spaces_and_inside_overlong_words() {
        assert_eq!(wrap("one two three", 7), ["one two", "three"]);
        assert_eq!(wrap("  a \n b ", 10), ["a b"]);
        assert_eq!(wrap("http://127.0.0.1:8787/pay/abc", 10), ["http://127", ".0.0.1:878", "7/pay/abc"]);
        assert!(wrap("   ", 10).is_empty());
    }

    #[test]
    fn a_row_is_exactly_as_wide_as_the_paper_with_the_value_flush_right() {
        assert_eq!(row("Tea", "3.00", 12), ["Tea     3.00"]);
        assert_eq!(row("Green tea with mint", "3.00", 16), ["Green tea   3.00", "with mint"]);
        assert_eq!(row("", "3.00", 8), ["    3.00"]);
        assert_eq!(row("Left", "", 8), ["Left"]);
    }

    #[test]
    fn a_value_too_wide_to_share_a_line_is_wrapped_not_cut() {
        assert_eq!(row("Rate", "1 EUR = 1.0842 USD (ECB)", 16), ["Rate", "  1 EUR = 1.0842", "       USD (ECB)"]);
        for l in row("Rate", "1 EUR = 1.0842 USD (ECB)", 16) {
            assert!(l.chars().count() <= 16);
        }
    }

    #[test]
    fn tax_figures_share_lines_as_far_as_they_fit() {
        let h = ["Net".to_string(), "Tax".into(), "Gross".into()];
        let f = ["4.13 USD", "0.29 USD", "4.42 USD"];
        assert_eq!(tax_rows("Reduced 7 %", f, &h, 48), ["Reduced 7 %", "Net 4.13 USD  Tax 0.29 USD  Gross 4.42 USD"]);
        assert_eq!(tax_rows("Reduced 7 %", f, &h, 32), ["Reduced 7 %", "Net 4.13 USD  Tax 0.29 USD", "Gross 4.42 USD"]);
        assert_eq!(tax_rows("R", f, &[], 32), ["R", "4.13 USD  0.29 USD  4.42 USD"]);
    }
}
