//! The one rule for showing text that came from a model file (node, tensor, input
//! and output names, the graph name, doc strings, the model's file name) anywhere it
//! is not data: in comments and doc comments of generated Rust, and on the terminal.
//!
//! [`text`] makes any string one printable line (and [`line()`] a whole message, for
//! the terminal): control characters (CR, LF, tab,
//! ESC, ...), Unicode format characters (the bidi embeddings, overrides and isolates
//! U+202A–U+202E, U+2066–U+2069, zero-width and invisible marks) and anything else
//! Rust's `{:?}` would not print as itself are written as `\u{..}` escapes; `*/` and
//! `/*` are broken up so no comment can be closed or opened; a string longer than
//! [`MAX_SHOWN`] characters is shortened and tagged with a hash of the whole, so two
//! long names that differ only at the end stay distinguishable.
//!
//! Identifiers come from [`crate::emit::names()`] (ASCII letters, digits and `_` only);
//! string literals are built as tokens (`proc_macro2::Literal::string`, which
//! escapes like `{:?}`). HTML has its own escaping in `report/html/mod.rs`, applied
//! after this function. Nothing else puts model text into generated code or output.

use sha2::{Digest, Sha256};

/// Longest model string shown whole, in characters.
pub const MAX_SHOWN: usize = 96;

/// `s` as one printable line with nothing that can end or open a comment, shortened
/// with a hash beyond [`MAX_SHOWN`] characters.
pub fn text(s: &str) -> String {
    escaped(s, MAX_SHOWN)
}

/// [`text`] without the shortening: a whole message (an error, a warning) that may
/// quote model text, as one printable line for the terminal.
pub fn line(s: &str) -> String {
    escaped(s, usize::MAX)
}

fn escaped(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(4 * MAX_SHOWN));
    let mut prev = '\0';
    for (shown, c) in s.chars().enumerate() {
        if shown == max {
            let hash = &sha256_hex(s.as_bytes())[..8];
            out.push_str(&format!("...({} chars, sha256 {hash})", s.chars().count()));
            return out;
        }
        if needs_escape(c) {
            out.extend(c.escape_unicode());
        } else if (prev == '*' && c == '/') || (prev == '/' && c == '*') {
            // `*/` and `/*` become `*\/` and `/\*`.
            out.push('\\');
            out.push(c);
        } else {
            out.push(c);
        }
        prev = c;
    }
    out
}

/// [`text`] as a Markdown code span for doc comments: the fence is one backtick
/// longer than the longest run of backticks inside, so the name cannot close it (and
/// rustdoc shows `<`, `[` and `]` inside as they are, never as HTML or links).
pub fn code_span(s: &str) -> String {
    let t = text(s);
    let mut longest = 0;
    let mut run = 0;
    for c in t.chars() {
        run = if c == '`' { run + 1 } else { 0 };
        longest = longest.max(run);
    }
    let fence = "`".repeat(longest + 1);
    if longest == 0 {
        format!("{fence}{t}{fence}")
    } else {
        format!("{fence} {t} {fence}")
    }
}

/// Lowercase hex SHA-256 of `bytes` (model files and weight blobs are named by it).
pub fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Whether `c` is shown as an escape: anything `{:?}` escapes (control and format
/// characters, unassigned and private-use code points, lone combining marks, line and
/// paragraph separators), except the quote characters and backslash, which print as
/// themselves.
fn needs_escape(c: char) -> bool {
    if matches!(c, '"' | '\'' | '\\') {
        return false;
    }
    // `escape_debug` leaves printable characters alone: one char out means printable.
    let mut e = c.escape_debug();
    e.next();
    e.next().is_some() || is_bidi_or_invisible(c)
}

/// Bidi controls and invisible format characters, listed explicitly so the rule does
/// not rest on the standard library's printability tables alone (rustc's
/// `text_direction_codepoint_*` lints name U+202A–U+202E and U+2066–U+2069).
fn is_bidi_or_invisible(c: char) -> bool {
    matches!(c,
        '\u{061C}' | '\u{200B}'..='\u{200F}' | '\u{2028}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{FEFF}' | '\u{FFF9}'..='\u{FFFB}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_printable_line() {
        assert_eq!(text("fc_1/Gemm"), "fc_1/Gemm");
        assert_eq!(text("a\nb\rc\td"), "a\\u{a}b\\u{d}c\\u{9}d");
        assert_eq!(text("\x1b[31mred"), "\\u{1b}[31mred");
        assert_eq!(text("x\u{202e}y\u{2066}z"), "x\\u{202e}y\\u{2066}z");
        assert_eq!(text("a */ b /* c"), "a *\\/ b /\\* c");
        assert_eq!(text("**//**"), "**\\//\\**");
        assert_eq!(text("ünïcødé 🚀 \"q\" 'a' \\"), "ünïcødé 🚀 \"q\" 'a' \\");
        assert_eq!(text("\u{feff}\u{200b}"), "\\u{feff}\\u{200b}");
    }

    #[test]
    fn code_spans_hold_backticks() {
        assert_eq!(code_span("fc"), "`fc`");
        assert_eq!(code_span("a`b"), "`` a`b ``");
        assert_eq!(code_span("``x`"), "``` ``x` ```");
    }

    #[test]
    fn comment_delimiters_never_survive() {
        for s in ["*/", "/*", "**/", "//*", "*//*", "/**/", "a*\u{0}/"] {
            let t = text(s);
            assert!(!t.contains("*/") && !t.contains("/*"), "{s:?} -> {t:?}");
        }
    }

    #[test]
    fn messages_are_one_line_and_not_cut() {
        let m = format!("node '{}': bad\n\x1b[32mok", "n".repeat(500));
        let l = line(&m);
        assert!(l.contains(&"n".repeat(500)));
        assert!(!l.contains('\n') && !l.contains('\x1b'));
    }

    #[test]
    fn long_strings_are_cut_with_a_hash() {
        let a = "n".repeat(5000) + "a";
        let b = "n".repeat(5000) + "b";
        let (ta, tb) = (text(&a), text(&b));
        assert_ne!(ta, tb);
        assert!(ta.len() < 200, "{ta}");
        assert!(ta.contains("5001 chars"));
        assert_eq!(text(&"x".repeat(MAX_SHOWN)), "x".repeat(MAX_SHOWN));
    }
}
