//! The page's measured per-step profile (`tinymtl bench --target qemu-* --steps
//! --html`): one row per kernel step in execution order, with its executed
//! instructions and estimated cycles. The codegen knows no emulator: the caller
//! passes the counts in a [`StepProfile`].

use super::{escape, num, swatch, Looks};
use std::fmt::Write;

/// Measured cost of every step of one run, for [`super::html_with_profile`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StepProfile {
    /// Where and how it was counted (`QEMU 7.2 mps2-an386 (Cortex-M4F)`), shown as is
    /// (escaped).
    pub source: String,
    /// Every step, in execution order.
    pub rows: Vec<ProfileRow>,
    /// Instructions of the whole run of the ordinary firmware, for comparison.
    pub whole_run: u64,
    /// What the estimated cycles are (shown under the table, escaped).
    pub note: String,
}

/// One step's counts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ProfileRow {
    /// Index of the step in the program.
    pub step: usize,
    /// Index of its part.
    pub part: usize,
    /// Kernel label.
    pub kernel: String,
    /// The ONNX nodes it implements, `(name, op_type)`.
    pub nodes: Vec<(String, String)>,
    /// Multiply-accumulates.
    pub macs: u64,
    /// Executed instructions.
    pub instructions: u64,
    /// Estimated cycles, if the target has a cycle model.
    pub cycles: Option<u64>,
}

fn per(a: u64, b: u64) -> String {
    if b > 0 {
        format!("{:.2}", a as f64 / b as f64)
    } else {
        "-".into()
    }
}

/// The profile section.
pub(super) fn profile(s: &mut String, lk: &Looks, p: &StepProfile) {
    let total: u64 = p.rows.iter().map(|r| r.instructions).sum();
    let _ = writeln!(
        s,
        "<section id=\"profile\">\n<h2>Per-step profile</h2>\n<p class=\"note\">Executed \
         instructions per kernel step on {}, in execution order; the steps sum to {} \
         instructions, the whole run to {}.</p>\n<table class=\"profile\">\n<tr><th>#</th>\
         <th>part</th><th>kernel</th><th>MACs</th><th>instructions</th><th>instr/MAC</th>\
         <th>share</th><th>est. cycles*</th><th>cycles/MAC</th><th>ONNX nodes</th></tr>",
        escape(&p.source),
        num(total),
        num(p.whole_run)
    );
    for r in &p.rows {
        let nodes: Vec<String> = r
            .nodes
            .iter()
            .map(|(nm, op)| format!("{} <code>{}</code>", escape(op), escape(nm)))
            .collect();
        let share = if total > 0 {
            100.0 * r.instructions as f64 / total as f64
        } else {
            0.0
        };
        let (colour, label) = (
            lk.colour.get(r.part).copied().unwrap_or("#999"),
            lk.label.get(r.part).map_or("?", String::as_str),
        );
        let _ = writeln!(
            s,
            "<tr><td class=\"n\">{}</td><td>{}{}</td><td>{}</td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td class=\"n\">{}</td><td class=\"n\">{share:.1}&#8239;%\
             <span style=\"display:inline-block;height:9px;margin-left:6px;\
             background:#4e79a7;width:{:.0}px\"></span></td><td class=\"n\">{}</td>\
             <td class=\"n\">{}</td><td>{}</td></tr>",
            r.step,
            swatch(colour),
            escape(label),
            escape(&r.kernel),
            num(r.macs),
            num(r.instructions),
            per(r.instructions, r.macs),
            share.round(),
            r.cycles.map_or("-".into(), num),
            r.cycles.map_or("-".into(), |c| per(c, r.macs)),
            nodes.join(" + ")
        );
    }
    let _ = writeln!(
        s,
        "</table>\n<p class=\"note\">* {}</p>\n</section>",
        escape(&p.note)
    );
}
