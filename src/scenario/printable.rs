//! Text from a scenario file (or a command line) made safe for a terminal or a log:
//! control characters, such as a newline, an escape sequence's ESC or a bell, are shown
//! as escapes (`\n`, `\u{1b}`, `\u{7}`), and so are the invisible characters that
//! reorder text (bidirectional overrides). A scenario can then neither clear the screen
//! nor forge a line of its own that looks like chipsim's (`Error: …`).

use std::borrow::Cow;

/// Whether `c` could change what a terminal shows beyond the character itself.
fn is_unsafe(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with every control or reordering character shown as an escape; borrowed when
/// there is none.
pub fn printable(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_unsafe) {
        return Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe(c) {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    Cow::Owned(shown)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_and_reordering_characters_become_escapes() {
        assert!(matches!(printable("fabs.tsmc.yield"), Cow::Borrowed(_)));
        assert_eq!(printable("a\nError: b"), "a\\nError: b");
        assert_eq!(printable("\u{1b}[2J\u{7}"), "\\u{1b}[2J\\u{7}");
        assert_eq!(printable("x\u{202e}y"), "x\\u{202e}y");
        assert_eq!(printable("café \"ok\""), "café \"ok\"");
    }
}
