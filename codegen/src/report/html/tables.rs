//! The tables of the HTML page: summary, parts (and each head alone), arena buffers,
//! steps.

use super::{escape, num, swatch, Looks, HEADS};
use crate::passes::cost::PartCost;
use crate::report::rows::{Rows, Tensor};
use std::fmt::Write;

/// The summary table at the top: inputs, heads, totals, arena, and what the heads
/// would cost as separate models.
pub(super) fn summary(s: &mut String, rows: &Rows) {
    let t = &rows.total;
    let tensors = |ts: &[Tensor]| -> String {
        ts.iter()
            .map(|v| format!("<code>{}</code> {:?}", escape(&v.name), v.shape))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let alone = rows.alone.iter().fold(PartCost::default(), |mut a, &k| {
        a += k;
        a
    });
    let _ = writeln!(
        s,
        "<section id=\"summary\">\n<table class=\"summary\">\n\
         <tr><th>inputs</th><td>{}</td></tr>\n\
         <tr><th>heads</th><td>{}</td></tr>\n\
         <tr><th>parameters</th><td class=\"n\">{}</td></tr>\n\
         <tr><th>weight bytes (flash)</th><td class=\"n\">{}</td></tr>\n\
         <tr><th>MACs per run (all heads)</th><td class=\"n\">{}</td></tr>\n\
         <tr><th>arena bytes (RAM)</th><td class=\"n\">{}</td></tr>\n\
         <tr><th>steps</th><td class=\"n\">{}</td></tr>\n\
         <tr><th>each head as its own model (sum)</th><td class=\"n\">{} weight bytes, {} MACs</td></tr>\n\
         </table>\n</section>",
        tensors(&rows.inputs),
        tensors(&rows.heads),
        num(t.params as u64),
        num(t.weight_bytes as u64),
        num(t.macs),
        num((rows.arena_len * 4) as u64),
        rows.total_steps,
        num(alone.weight_bytes as u64),
        num(alone.macs),
    );
}

/// The parts table (with the total) and the table of each head alone.
pub(super) fn parts(s: &mut String, rows: &Rows, heads: &[&str], lk: &Looks) {
    s.push_str(
        "<table class=\"parts\">\n<tr><th>part</th><th>heads served</th><th>params</th>\
         <th>weight bytes</th><th>MACs</th><th>steps</th></tr>\n",
    );
    for (si, seg) in rows.parts.iter().enumerate() {
        let k = &seg.cost;
        let hs: Vec<String> = (0..heads.len())
            .filter(|&h| seg.serves(h))
            .map(|h| escape(heads[h]))
            .collect();
        let _ = writeln!(
            s,
            "<tr><td>{}{}</td><td>{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>",
            swatch(lk.colour[si]),
            escape(&lk.label[si]),
            hs.join(", "),
            num(k.params as u64),
            num(k.weight_bytes as u64),
            num(k.macs),
            seg.steps
        );
    }
    let t = &rows.total;
    let _ = writeln!(
        s,
        "<tr><th>total</th><td></td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n</table>",
        num(t.params as u64),
        num(t.weight_bytes as u64),
        num(t.macs),
        rows.total_steps
    );
    s.push_str(
        "<table class=\"alone\">\n<tr><th>head alone (trunk + its branches + its part)</th>\
         <th>params</th><th>weight bytes</th><th>MACs</th><th>MACs vs all heads</th></tr>\n",
    );
    for (h, (name, k)) in heads.iter().zip(&rows.alone).enumerate() {
        let pct = if t.macs > 0 {
            format!("{:.0} %", 100.0 * k.macs as f64 / t.macs as f64)
        } else {
            "–".into()
        };
        let _ = writeln!(
            s,
            "<tr><td>{}{}</td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{pct}</td></tr>",
            swatch(HEADS[h % HEADS.len()]),
            escape(name),
            num(k.params as u64),
            num(k.weight_bytes as u64),
            num(k.macs)
        );
    }
    s.push_str("</table>\n");
}

/// The arena's size and the table of its buffers.
pub(super) fn buffers(s: &mut String, rows: &Rows, lk: &Looks) {
    let _ = writeln!(
        s,
        "<p class=\"note\">arena {} bytes; largest simultaneously live set {} bytes.</p>",
        num((rows.arena_len * 4) as u64),
        num((rows.peak_live * 4) as u64)
    );
    s.push_str(
        "<table class=\"buffers\">\n<tr><th>#</th><th>tensors</th><th>written by</th>\
         <th>bytes</th><th>offset (bytes)</th><th>live (steps)</th></tr>\n",
    );
    for (bi, b) in rows.buffers.iter().enumerate() {
        let names: Vec<String> = b
            .tensors
            .iter()
            .map(|v| format!("<code>{}</code>", escape(v)))
            .collect();
        let (colour, part) = lk.writer(b.part);
        let _ = writeln!(
            s,
            "<tr><td class=\"n\">{bi}</td><td>{}</td><td>{}{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}..={}</td></tr>",
            names.join(", "),
            swatch(colour),
            escape(part),
            num((b.len * 4) as u64),
            num((b.offset * 4) as u64),
            b.start,
            b.end
        );
    }
    s.push_str("</table>\n");
}

/// The steps table, in execution order, with the ONNX nodes each step implements.
pub(super) fn steps(s: &mut String, rows: &Rows, lk: &Looks) {
    s.push_str(
        "<section id=\"steps\">\n<h2>Steps</h2>\n<table class=\"steps\">\n<tr><th>#</th>\
         <th>part</th><th>kernel</th><th>output</th><th>shape</th><th>ONNX nodes</th></tr>\n",
    );
    for (t, step) in rows.steps.iter().enumerate() {
        let si = step.part;
        let nodes: Vec<String> = step
            .nodes
            .iter()
            .map(|(nm, op)| format!("{} <code>{}</code>", escape(op), escape(nm)))
            .collect();
        let kernel = if step.in_place {
            format!("{} (in place)", step.kernel)
        } else {
            step.kernel.to_string()
        };
        let _ = writeln!(
            s,
            "<tr><td class=\"n\">{t}</td><td>{}{}</td><td>{kernel}</td><td><code>{}</code></td>\
             <td>{:?}</td><td>{}</td></tr>",
            swatch(lk.colour[si]),
            escape(&lk.label[si]),
            escape(&step.out),
            step.shape,
            nodes.join(" + ")
        );
    }
    s.push_str("</table>\n</section>\n");
}
