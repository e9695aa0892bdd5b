//! Human-readable reports of a compiled model (`tinymtl inspect`).

mod html;
pub use html::html;

use crate::emit::names;
use crate::escape;
use crate::passes::partition::Kind;
use crate::passes::Compiled;
use std::fmt::Write;

/// The parts table, per-head costs, arena and the step list.
pub fn text(c: &Compiled, file: &str) -> String {
    let p = &c.program;
    let n = names(c);
    let mut s = String::new();
    // Every name from the model is shown through `escape::text`: one printable line.
    let heads: Vec<String> = p
        .outputs
        .iter()
        .map(|&v| escape::text(&p.values[v].name))
        .collect();
    let inputs: Vec<String> = p
        .inputs
        .iter()
        .map(|&v| {
            format!(
                "{} {:?}",
                escape::text(&p.values[v].name),
                p.values[v].shape
            )
        })
        .collect();
    let _ = writeln!(
        s,
        "model `{}` ({}): inputs {}; {} head(s)\n",
        escape::text(&p.name),
        escape::line(file),
        inputs.join(", "),
        heads.len()
    );
    let _ = writeln!(
        s,
        "{:<28} {:<28} {:>10} {:>12} {:>12} {:>6}",
        "part", "heads", "params", "weight B", "MACs", "steps"
    );
    for (si, seg) in c.parts.segments.iter().enumerate() {
        let k = &c.cost.parts[si];
        let hs: Vec<&str> = (0..heads.len())
            .filter(|h| seg.heads & (1 << h) != 0)
            .map(|h| heads[h].as_str())
            .collect();
        let label = match seg.kind {
            Kind::Trunk => "trunk".to_string(),
            Kind::Branch => format!("branch {}", n.segments[si].trim_start_matches("branch_")),
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
            seg.steps.len()
        );
    }
    let t = &c.cost.total;
    let _ = writeln!(
        s,
        "{:<28} {:<28} {:>10} {:>12} {:>12} {:>6}\n",
        "total",
        "",
        t.params,
        t.weight_bytes,
        t.macs,
        p.steps.len()
    );
    let _ = writeln!(s, "each head alone (trunk + its branches + its own part):");
    for (h, name) in heads.iter().enumerate() {
        let k = c.cost.head_alone(&c.parts, h);
        let _ = writeln!(
            s,
            "  {:<26} params {:>9}  weight B {:>9}  MACs {:>11}",
            name, k.params, k.weight_bytes, k.macs
        );
    }
    let _ = writeln!(
        s,
        "\narena: {} bytes ({} f32); largest simultaneously live set: {} bytes",
        c.plan.arena_len * 4,
        c.plan.arena_len,
        c.plan.peak_live * 4
    );
    let kept: Vec<String> = p
        .inputs
        .iter()
        .zip(&c.plan.input_in_arena)
        .filter(|(_, &k)| k)
        .map(|(&v, _)| escape::text(&p.values[v].name))
        .collect();
    if !kept.is_empty() {
        let _ = writeln!(
            s,
            "inputs copied into the arena (read outside the trunk): {}",
            kept.join(", ")
        );
    }
    let _ = writeln!(s, "\nsteps:");
    for (si, seg) in c.parts.segments.iter().enumerate() {
        for &st in &seg.steps {
            let step = &p.steps[st];
            let nodes: Vec<String> = step
                .nodes
                .iter()
                .map(|(nm, op)| format!("{} `{}`", escape::text(op), escape::text(nm)))
                .collect();
            let place = if c.plan.in_place[st].is_some() {
                " (in place)"
            } else {
                ""
            };
            let _ = writeln!(
                s,
                "  {:<20} {:<15} {:?}{place}  <- {}",
                n.segments[si],
                step.kernel.label(),
                p.values[step.out].shape,
                nodes.join(" + ")
            );
        }
    }
    for w in &c.warnings {
        let _ = writeln!(s, "warning: {}", escape::line(w));
    }
    s
}
