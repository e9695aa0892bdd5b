//! The emitter's two text markers: a step's `//` comment and a weight array's values
//! are tokens (`__tmc_<tag>!(i);`, `__tmd_<tag>!(i)`) until the module is formatted,
//! then replaced in the text, so comments can sit between statements and arrays print
//! 16 values per line.

use super::SourceInfo;
use crate::ir::program::Storage;
use crate::passes::Compiled;

/// Names of the two text markers the emitter puts in the token stream and replaces
/// after formatting (a step's `//` comment, a weight array's values). They carry a
/// tag derived from the model file's SHA-256, so text from the model (a name, a doc
/// string) matches them only by contriving a file that names part of its own hash;
/// and [`expand_markers`] counts them, so even then the model is refused, never a
/// stray marker expanded.
pub(super) struct Markers {
    /// Macro name of a step comment marker.
    pub comment: String,
    /// Macro name of a weight-data marker.
    pub data: String,
}

impl Markers {
    pub(super) fn new(src: &SourceInfo) -> Self {
        let tag: String = src
            .sha256
            .chars()
            .filter(char::is_ascii_alphanumeric)
            .take(8)
            .collect();
        // As long as the names the snapshots were made with, so formatting is unchanged.
        Markers {
            comment: format!("__tmc_{tag}"),
            data: format!("__tmd_{tag}"),
        }
    }
}

/// Expands comment and weight-data markers in the formatted text (`data_markers`: how
/// many weight markers the emitter wrote). Every marker the emitter wrote is expanded
/// exactly once; any other occurrence of a marker name (it
/// could only come from model text) is an error, never expanded.
pub(super) fn expand_markers(
    text: &str,
    c: &Compiled,
    comments: &[String],
    data_markers: usize,
    mk: &Markers,
) -> crate::Result<String> {
    if text.matches(mk.data.as_str()).count() != data_markers
        || text.matches(mk.comment.as_str()).count() != comments.len()
    {
        return Err(crate::Error::new(
            "a name or doc string in the model contains one of the code generator's internal markers",
        ));
    }
    let stray = || crate::Error::new("internal error: a weight marker was not expanded");
    // Weight markers first: prettyplease may have wrapped `__tmd_<tag>!(N)`.
    let data = format!("{}!(", mk.data);
    let mut text = text.to_string();
    while let Some(pos) = text.find(&data) {
        let close = pos + text[pos..].find(')').ok_or_else(stray)?;
        let id: usize = text[pos + data.len()..close]
            .trim()
            .trim_end_matches(',')
            .trim()
            .parse()
            .map_err(|_| stray())?;
        if id >= c.program.consts.len() {
            return Err(stray());
        }
        let line_start = text[..pos].rfind('\n').map_or(0, |i| i + 1);
        let line = &text[line_start..];
        let indent = &line[..line.len() - line.trim_start().len()];
        let lit = data_literal(c, id, indent);
        text.replace_range(pos..=close, &lit);
    }
    let mut out = String::with_capacity(text.len());
    let mut prev = "";
    for line in text.lines() {
        let trimmed = line.trim_start();
        let indent = &line[..line.len() - trimmed.len()];
        if starts_item(trimmed, mk)
            && !prev.is_empty()
            && !prev.starts_with("///")
            && !prev.starts_with("#[")
            && !prev.ends_with('{')
            && !prev.starts_with("//")
            && !prev.ends_with(']')
        {
            out.push('\n');
        }
        prev = trimmed;
        if let Some(doc) = trimmed.strip_prefix("///") {
            if !doc.is_empty() && !doc.starts_with([' ', '/']) {
                out.push_str(indent);
                out.push_str("/// ");
                out.push_str(doc);
                out.push('\n');
                continue;
            }
        }
        if let Some(rest) = trimmed
            .strip_prefix(mk.comment.as_str())
            .and_then(|r| r.strip_prefix("!("))
        {
            let comment = rest
                .trim_end_matches(");")
                .parse::<usize>()
                .ok()
                .and_then(|id| comments.get(id))
                .ok_or_else(stray)?;
            out.push_str(indent);
            out.push_str("// ");
            out.push_str(comment);
            out.push('\n');
            continue;
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(out)
}

/// Whether a line opens an item (or a step's comment) that reads better after a blank line.
fn starts_item(t: &str, mk: &Markers) -> bool {
    [
        "///", "#[", "pub ", "fn ", "impl", "mod ", "struct ", "const ", "static ",
    ]
    .iter()
    .any(|p| t.starts_with(p))
        || t.starts_with(mk.comment.as_str())
}

/// `[0x3c00, ...]` (f16 bits) or `[1.0, ...]` (f32), 16 or 8 per line.
fn data_literal(c: &Compiled, id: usize, indent: &str) -> String {
    let k = &c.program.consts[id];
    let items: Vec<String> = match k.storage {
        Storage::F16 => k
            .data
            .iter()
            .map(|&v| format!("0x{:04x}", crate::passes::consts::f16_bits(v)))
            .collect(),
        Storage::F32 => k.data.iter().map(|&v| format!("{v:?}")).collect(),
    };
    let per_line = if k.storage == Storage::F16 { 16 } else { 8 };
    if items.len() <= per_line {
        return format!("[{}]", items.join(", "));
    }
    let mut s = String::from("[\n");
    for chunk in items.chunks(per_line) {
        s.push_str(indent);
        s.push_str("    ");
        s.push_str(&chunk.join(", "));
        s.push_str(",\n");
    }
    s.push_str(indent);
    s.push(']');
    s
}
