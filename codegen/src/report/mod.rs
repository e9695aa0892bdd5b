//! Human-readable reports of a compiled model (`tinymtl inspect`): [`text`] for the
//! terminal and [`html()`] for a page, both laid out from the same rows (`rows`);
//! [`html_with_profile`] adds measured per-step counts.

mod html;
mod rows;
pub use html::{html, html_with_profile, ProfileRow, StepProfile};

use crate::escape;
use crate::passes::partition::Kind;
use crate::Generated;
use rows::Rows;
use std::fmt::Write;

/// The parts table, per-head costs, arena and the step list.
pub fn text(g: &Generated, file: &str) -> String {
    let rows = Rows::of(g);
    let mut s = String::new();
    // Every name from the model is shown through `escape::text`: one printable line.
    let heads: Vec<String> = rows.heads.iter().map(|t| escape::text(&t.name)).collect();
    let inputs: Vec<String> = rows
        .inputs
        .iter()
        .map(|t| format!("{} {:?}", escape::text(&t.name), t.shape))
        .collect();
    let _ = writeln!(
        s,
        "model `{}` ({}): inputs {}; {} head(s)\n",
        escape::text(&rows.name),
        escape::line(file),
        inputs.join(", "),
        heads.len()
    );
    let _ = writeln!(
        s,
        "{:<28} {:<28} {:>10} {:>12} {:>12} {:>6}",
        "part", "heads", "params", "weight B", "MACs", "steps"
    );
    for part in &rows.parts {
        let k = &part.cost;
        let hs: Vec<&str> = (0..heads.len())
            .filter(|&h| part.serves(h))
            .map(|h| heads[h].as_str())
            .collect();
        let label = match part.kind {
            Kind::Trunk => "trunk".to_string(),
            Kind::Branch => format!("branch {}", part.fn_name.trim_start_matches("branch_")),
            Kind::Head(h) => format!("head {}", heads[h]),
        };
        let _ = writeln!(
            s,
            "{:<28} {:<28} {:>10} {:>12} {:>12} {:>6}",
            label,
            hs.join(","),
            k.params,
            k.weight_bytes,
            k.macs,
            part.steps
        );
    }
    let t = &rows.total;
    let _ = writeln!(
        s,
        "{:<28} {:<28} {:>10} {:>12} {:>12} {:>6}\n",
        "total", "", t.params, t.weight_bytes, t.macs, rows.total_steps
    );
    let _ = writeln!(s, "each head alone (trunk + its branches + its own part):");
    for (name, k) in heads.iter().zip(&rows.alone) {
        let _ = writeln!(
            s,
            "  {:<26} params {:>9}  weight B {:>9}  MACs {:>11}",
            name, k.params, k.weight_bytes, k.macs
        );
    }
    let _ = writeln!(
        s,
        "\narena: {} bytes ({} f32); largest simultaneously live set: {} bytes",
        rows.arena_len * 4,
        rows.arena_len,
        rows.peak_live * 4
    );
    let kept: Vec<String> = rows
        .inputs
        .iter()
        .filter(|t| t.in_arena)
        .map(|t| escape::text(&t.name))
        .collect();
    if !kept.is_empty() {
        let _ = writeln!(
            s,
            "inputs copied into the arena (read outside the trunk): {}",
            kept.join(", ")
        );
    }
    let _ = writeln!(s, "\nsteps:");
    for step in &rows.steps {
        let nodes: Vec<String> = step
            .nodes
            .iter()
            .map(|(nm, op)| format!("{} `{}`", escape::text(op), escape::text(nm)))
            .collect();
        let place = if step.in_place { " (in place)" } else { "" };
        let _ = writeln!(
            s,
            "  {:<20} {:<15} {:?}{place}  <- {}",
            rows.parts[step.part].fn_name,
            step.kernel,
            step.shape,
            nodes.join(" + ")
        );
    }
    for w in &rows.warnings {
        let _ = writeln!(s, "warning: {}", escape::line(w));
    }
    s
}
