//! `tinymtl inspect --html`: a self-contained page picturing the model.
//!
//! One HTML file with inline CSS and SVG, no scripts and no external resources:
//! - a diagram of the parts (`diagram`): inputs -> trunk -> shared branches -> heads,
//!   each box labelled with its parameters, weight bytes, MACs and steps;
//! - the arena's memory timeline (`timeline`): x = schedule position (step), y = arena
//!   offset, one rectangle (`class="buf"`) per arena buffer, labelled with its tensor
//!   and coloured by the part that writes it;
//! - tables (`tables`): summary, parts, each head alone, arena buffers, steps;
//! - with [`html_with_profile`], the measured per-step profile (`profile`).
//!
//! This module assembles the page and holds what its pieces share: escaping, number
//! formatting, colours and part labels. Everything is laid out from the rows shared
//! with the text report ([`super::rows`]). Every name from the model is escaped.

mod diagram;
mod profile;
mod tables;
mod timeline;

pub use profile::{ProfileRow, StepProfile};

use super::rows::Rows;
use crate::passes::partition::Kind;
use crate::Generated;
use std::fmt::Write;

/// Colour of the trunk.
const TRUNK: &str = "#4e79a7";
/// Colour of graph inputs.
const INPUT: &str = "#9d9d9d";
/// Colours of branches, in order.
const BRANCHES: &[&str] = &["#b07aa1", "#9c755f", "#ff9da7", "#76b7b2"];
/// Colours of heads, in order.
const HEADS: &[&str] = &[
    "#59a14f", "#e15759", "#f28e2b", "#edc948", "#17becf", "#bcbd22", "#8c564b", "#e377c2",
];

/// Escapes text for HTML and SVG (element content and quoted attributes): each line
/// through [`crate::escape::line`] first (control and bidi characters from model names
/// shown as `\u{..}`, as everywhere else; line breaks of tooltips kept), then the
/// HTML metacharacters.
pub fn escape(s: &str) -> String {
    let s: Vec<String> = s.split('\n').map(crate::escape::line).collect();
    let s = s.join("\n");
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(ch),
        }
    }
    o
}

/// At most `n` characters of `s`, with an ellipsis when cut (not escaped).
fn clip(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut o: String = s.chars().take(n.saturating_sub(1)).collect();
        o.push('…');
        o
    }
}

/// `12345` -> `12 345`.
fn num(n: impl Into<u64>) -> String {
    let s = n.into().to_string();
    let mut o = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i) % 3 == 0 {
            o.push('\u{202f}');
        }
        o.push(ch);
    }
    o
}

/// Per part: display label and colour.
struct Looks {
    label: Vec<String>,
    colour: Vec<&'static str>,
}

fn looks(rows: &Rows, heads: &[&str]) -> Looks {
    let mut label = Vec::new();
    let mut colour = Vec::new();
    let mut nb = 0;
    for part in &rows.parts {
        match part.kind {
            Kind::Trunk => {
                label.push("trunk".to_string());
                colour.push(TRUNK);
            }
            Kind::Branch => {
                let hs: Vec<&str> = (0..heads.len())
                    .filter(|&h| part.serves(h))
                    .map(|h| heads[h])
                    .collect();
                label.push(format!("branch ({})", hs.join(", ")));
                colour.push(BRANCHES[nb % BRANCHES.len()]);
                nb += 1;
            }
            Kind::Head(h) => {
                label.push(format!("head {}", heads[h]));
                colour.push(HEADS[h % HEADS.len()]);
            }
        }
    }
    Looks { label, colour }
}

impl Looks {
    /// Colour and label of what writes a buffer: its part, or `input` for a graph
    /// input copied into the arena.
    fn writer(&self, part: Option<usize>) -> (&'static str, &str) {
        match part {
            Some(si) => (self.colour[si], self.label[si].as_str()),
            None => (INPUT, "input"),
        }
    }
}

/// The colour swatch before a part's name in the tables.
fn swatch(colour: &str) -> String {
    format!("<span class=\"sw\" style=\"background:{colour}\"></span>")
}

/// The page for a compiled model read from `file`.
pub fn html(g: &Generated, file: &str) -> String {
    html_with_profile(g, file, None)
}

/// [`html`] with a measured per-step profile section after the steps, when `profile`
/// is given (`tinymtl bench --target qemu-* --steps --html`).
pub fn html_with_profile(g: &Generated, file: &str, profile: Option<&StepProfile>) -> String {
    let rows = Rows::of(g);
    let heads: Vec<&str> = rows.heads.iter().map(|t| t.name.as_str()).collect();
    let lk = looks(&rows, &heads);
    let mut s = String::new();
    let title = format!("tinymtl: {}", rows.name);
    let _ = write!(
        s,
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"generator\" content=\"tinymtl inspect --html\">\n\
         <title>{}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(&title)
    );
    let _ = writeln!(
        s,
        "<h1>model <code>{}</code></h1>\n<p class=\"meta\">from <code>{}</code></p>",
        escape(&rows.name),
        escape(file)
    );
    tables::summary(&mut s, &rows);
    let _ = writeln!(
        s,
        "<section id=\"parts\">\n<h2>Trunk, branches and heads</h2>\n\
         <p class=\"note\">Every head runs the trunk, the shared branches it belongs to, \
         and its own part. Weight bytes are counted once, in the first part that reads them.</p>"
    );
    diagram::diagram(&mut s, &rows, &lk);
    tables::parts(&mut s, &rows, &heads, &lk);
    s.push_str("</section>\n");
    let _ = writeln!(
        s,
        "<section id=\"arena\">\n<h2>Arena: memory timeline</h2>\n\
         <p class=\"note\">x: position in the schedule (one column per step, in execution \
         order); y: offset in the arena. One rectangle per buffer, from the step that writes \
         it to its last reader, coloured by the part that writes it. Buffers read by a later \
         part live to the end.</p>"
    );
    timeline::timeline(&mut s, &rows, &lk);
    tables::buffers(&mut s, &rows, &lk);
    s.push_str("</section>\n");
    tables::steps(&mut s, &rows, &lk);
    if let Some(p) = profile {
        profile::profile(&mut s, &lk, p);
    }
    if !rows.warnings.is_empty() {
        s.push_str("<section id=\"warnings\">\n<h2>Warnings</h2>\n<ul>\n");
        for w in &rows.warnings {
            let _ = writeln!(s, "<li>{}</li>", escape(w));
        }
        s.push_str("</ul>\n</section>\n");
    }
    s.push_str("</body>\n</html>\n");
    s
}

const CSS: &str = "
body{font:14px/1.4 system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif;
margin:24px auto;max-width:1100px;padding:0 16px;color:#1d1d1f;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #ddd}
code{font:12.5px ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.meta,.note{color:#555;margin:4px 0 10px}
table{border-collapse:collapse;margin:8px 0 16px;font-size:13px}
th,td{border:1px solid #d5d5d5;padding:3px 8px;text-align:left;vertical-align:top}
th{background:#f3f3f3}td.n{text-align:right;font-variant-numeric:tabular-nums}
.sw{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:6px;vertical-align:-1px}
svg{display:block;max-width:100%;height:auto}
svg text{font-family:system-ui,-apple-system,'Segoe UI',Roboto,Helvetica,Arial,sans-serif}
.box-title{font-weight:600;font-size:13px;fill:#fff}.box-line{font-size:11.5px;fill:#fff}
.edge{fill:none;stroke:#777;stroke-width:1.6}
.axis{stroke:#444;stroke-width:1}.tick{font-size:10.5px;fill:#444}
.seglabel{font-size:11px;fill:#333}.buflabel{font-size:10.5px;fill:#fff}
rect.buf{stroke:#fff;stroke-width:0.8}
";

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Builder;

    fn compiled(fixture: &str) -> Generated {
        let path = format!(
            "{}/../tests/fixtures/{fixture}.onnx",
            env!("CARGO_MANIFEST_DIR")
        );
        Builder::new(path).build().expect("fixture compiles")
    }

    fn count(hay: &str, needle: &str) -> usize {
        hay.matches(needle).count()
    }

    #[test]
    fn escapes_everything_html_cares_about() {
        assert_eq!(
            escape("<a href=\"x\">'&'</a>"),
            "&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;"
        );
        assert_eq!(escape("a\u{202e}b\x1bc\nd"), "a\\u{202e}b\\u{1b}c\nd");
        assert_eq!(clip("abcdef", 4), "abc…");
        assert_eq!(num(1234567u64), "1\u{202f}234\u{202f}567");
    }

    #[test]
    fn page_structure_for_a_model_with_a_branch() {
        let g = compiled("residual_layernorm_three_heads");
        let c = &g.compiled;
        let page = html(&g, "dir/model <1>.onnx");
        assert!(page.starts_with("<!doctype html>"));
        assert!(page.trim_end().ends_with("</html>"));
        // Self-contained: no scripts, no external resources.
        for bad in ["<script", "<link", "src=", "@import", "url(http"] {
            assert!(!page.contains(bad), "page contains {bad}");
        }
        assert!(page.contains("dir/model &lt;1&gt;.onnx"));
        assert_eq!(count(&page, "<svg class=\"parts\""), 1);
        assert_eq!(count(&page, "<svg class=\"timeline\""), 1);
        // One box per input and per part; edges input->trunk, trunk->branch,
        // branch->head_a, branch->head_b, trunk->head_c.
        assert_eq!(
            count(&page, "<rect class=\"box\""),
            1 + c.parts.segments.len()
        );
        assert_eq!(count(&page, "<path class=\"edge\""), 5);
        assert!(page.contains(">branch (head_a, head_b)<"));
        for h in ["head_a", "head_b", "head_c"] {
            assert!(page.contains(&format!(">head {h}<")), "{h}");
        }
        // One rectangle per arena buffer, one table row per buffer and per step.
        assert_eq!(count(&page, "<rect class=\"buf\""), c.plan.buffers.len());
        assert_eq!(count(&page, "<g class=\"buffer\">"), c.plan.buffers.len());
        let rows = |table: &str| {
            let start = page.find(&format!("<table class=\"{table}\">")).unwrap();
            let end = start + page[start..].find("</table>").unwrap();
            count(&page[start..end], "<tr>") - 1
        };
        assert_eq!(rows("buffers"), c.plan.buffers.len());
        assert_eq!(rows("steps"), c.program.steps.len());
        assert_eq!(rows("parts"), c.parts.segments.len() + 1);
        assert_eq!(rows("alone"), 3);
        // Tags balance (a cheap well-formedness check).
        for tag in ["svg", "g", "table", "section", "text", "title", "tr"] {
            assert_eq!(
                count(&page, &format!("<{tag}>")) + count(&page, &format!("<{tag} ")),
                count(&page, &format!("</{tag}>")),
                "<{tag}>"
            );
        }
    }

    #[test]
    fn empty_trunk_and_inputs() {
        let g = compiled("bilinear_matmul");
        let c = &g.compiled;
        assert!(c.parts.segments[0].steps.is_empty());
        let page = html(&g, "m.onnx");
        assert_eq!(count(&page, "<rect class=\"buf\""), c.plan.buffers.len());
        assert!(page.contains(">input x<"));
        // Heads hang off the (empty) trunk.
        assert_eq!(count(&page, "<path class=\"edge\""), 1 + 2);
    }

    #[test]
    fn hostile_names_are_escaped() {
        let mut g = compiled("dense_two_softmax");
        let evil = "<script>alert('x')</script>&\"";
        let c = &mut g.compiled;
        let out = c.program.outputs[0];
        c.program.values[out].name = evil.into();
        c.program.name = evil.into();
        let page = html(&g, evil);
        assert!(!page.contains("<script"));
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
    }
}
