//! Text a terminal would act on: control characters (C0, DEL, C1) and the bidirectional
//! overrides and isolates. The engine refuses them in input; the CLI escapes them in output
//! (the TUI never prints them: ratatui's buffer drops control and zero-width characters).

use std::borrow::Cow;

/// Whether a terminal could act on `c` instead of showing it: a control character (C0,
/// DEL, C1) or a bidirectional embedding, override or isolate (U+202A–U+202E, U+2066–U+2069).
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// The first character of `s` a terminal would act on, with its position in characters.
pub fn first_unsafe(s: &str) -> Option<(usize, char)> {
    s.chars().enumerate().find(|(_, c)| is_unsafe(*c))
}

/// `U+001B` for a character, as error messages name it.
pub fn code_point(c: char) -> String {
    format!("U+{:04X}", u32::from(c))
}

/// `s` with every unsafe character escaped (`\u{1b}`, `\n`), for one line of a terminal.
pub fn printable(s: &str) -> Cow<'_, str> {
    escape(s, |_| false)
}

/// Like `printable`, but keeps line breaks: for multi-line messages (errors, notes).
pub fn printable_lines(s: &str) -> Cow<'_, str> {
    escape(s, |c| c == '\n')
}

fn escape(s: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !s.chars().any(|c| is_unsafe(c) && !keep(c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        if is_unsafe(c) && !keep(c) {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// JSON text with the unsafe characters serde leaves raw (DEL, C1, bidi controls) written as
/// `\uXXXX` escapes: the same JSON value, harmless on a terminal. They can only occur inside
/// strings, where the escape means the very same character.
pub fn json_escape_unsafe(json: &str) -> Cow<'_, str> {
    if !json.chars().any(is_unsafe) {
        return Cow::Borrowed(json);
    }
    let mut out = String::with_capacity(json.len() + 8);
    for c in json.chars() {
        // serde_json already escapes C0 inside strings; C0 outside strings is JSON whitespace.
        if is_unsafe(c) && u32::from(c) >= 0x7F {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unsafe_characters() {
        for c in [
            '\0', '\t', '\n', '\r', '\x1b', '\x7f', '\u{9b}', '\u{202e}', '\u{2066}',
        ] {
            assert!(is_unsafe(c), "{c:?}");
        }
        for c in ['a', ' ', 'é', '→', '\u{200d}', '日'] {
            assert!(!is_unsafe(c), "{c:?}");
        }
        assert_eq!(first_unsafe("ab\x1bc"), Some((2, '\x1b')));
        assert_eq!(code_point('\x1b'), "U+001B");
    }

    #[test]
    fn printable_escapes_what_a_terminal_would_act_on() {
        assert!(matches!(printable("plain → text"), Cow::Borrowed(_)));
        assert_eq!(printable("a\x1b]0;pwned\x07b"), "a\\u{1b}]0;pwned\\u{7}b");
        assert_eq!(printable("x\ny\r"), "x\\ny\\r");
        assert_eq!(printable("\u{202e}txt"), "\\u{202e}txt");
        assert_eq!(printable_lines("x\ny\x1b[2J"), "x\ny\\u{1b}[2J");
    }

    #[test]
    fn json_escapes_keep_the_value() {
        let v = serde_json::json!({"note": "a\u{9b}2J\u{7f}\u{202e}\x1b"});
        let text = serde_json::to_string(&v).unwrap();
        let safe = json_escape_unsafe(&text);
        assert!(!safe.chars().any(is_unsafe), "{safe}");
        let back: serde_json::Value = serde_json::from_str(&safe).unwrap();
        assert_eq!(back, v);
    }
}
