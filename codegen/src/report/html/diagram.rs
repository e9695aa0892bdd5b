//! The parts diagram of the HTML page (`<svg class="parts">`): inputs -> trunk ->
//! shared branches -> heads, one box per input and per part with its parameters,
//! weight bytes, MACs and steps; branches nested by the heads they share.

use super::{clip, escape, num, Looks, INPUT};
use crate::passes::partition::Kind;
use crate::report::rows::Rows;
use std::fmt::Write;

/// Node of the parts diagram.
struct Node {
    col: usize,
    title: String,
    lines: Vec<String>,
    colour: &'static str,
    tip: String,
}

/// The parts diagram: one box per input and per part, drawn as a tree from left to
/// right, edges from each part to what it feeds.
pub(super) fn diagram(s: &mut String, rows: &Rows, lk: &Looks) {
    let segs = &rows.parts;
    // Branch depth: 0 under the trunk, +1 under each enclosing branch.
    let branches: Vec<usize> = (0..segs.len())
        .filter(|&i| segs[i].kind == Kind::Branch)
        .collect();
    let contains = |a: u64, b: u64| a & b == b && a != b;
    let minimal = |cands: Vec<usize>| -> Vec<usize> {
        cands
            .iter()
            .copied()
            .filter(|&a| {
                !cands
                    .iter()
                    .any(|&b| contains(segs[a].heads, segs[b].heads))
            })
            .collect()
    };
    let mut depth = vec![0usize; segs.len()];
    let mut by_size = branches.clone();
    by_size.sort_by_key(|&b| std::cmp::Reverse(segs[b].heads.count_ones()));
    for &b in &by_size {
        depth[b] = branches
            .iter()
            .filter(|&&a| contains(segs[a].heads, segs[b].heads))
            .map(|&a| depth[a] + 1)
            .max()
            .unwrap_or(0);
    }
    let max_depth = branches.iter().map(|&b| depth[b] + 1).max().unwrap_or(0);
    // Nodes: inputs, then one per segment.
    let mut nodes: Vec<Node> = Vec::new();
    for val in &rows.inputs {
        nodes.push(Node {
            col: 0,
            title: format!("input {}", val.name),
            lines: vec![format!("{:?}", val.shape), format!("{} f32", val.numel)],
            colour: INPUT,
            tip: format!("input {} {:?}", val.name, val.shape),
        });
    }
    let first_seg = nodes.len();
    let heads_col = 2 + max_depth;
    for (si, seg) in segs.iter().enumerate() {
        let k = &seg.cost;
        let col = match seg.kind {
            Kind::Trunk => 1,
            Kind::Branch => 2 + depth[si],
            Kind::Head(_) => heads_col,
        };
        let mut lines = vec![
            format!(
                "{} params · {} B",
                num(k.params as u64),
                num(k.weight_bytes as u64)
            ),
            format!("{} MACs", num(k.macs)),
            format!(
                "{} step{}",
                seg.steps,
                if seg.steps == 1 { "" } else { "s" }
            ),
        ];
        if let Kind::Head(h) = seg.kind {
            lines.push(format!("out {:?}", rows.heads[h].shape));
        }
        nodes.push(Node {
            col,
            title: lk.label[si].clone(),
            tip: format!(
                "{}: {} params, {} weight bytes, {} MACs, {} steps",
                lk.label[si], k.params, k.weight_bytes, k.macs, seg.steps
            ),
            lines,
            colour: lk.colour[si],
        });
    }
    // Edges (node indices).
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for i in 0..rows.inputs.len() {
        edges.push((i, first_seg));
    }
    for (si, seg) in segs.iter().enumerate() {
        let parents = match seg.kind {
            Kind::Trunk => continue,
            Kind::Branch => minimal(
                branches
                    .iter()
                    .copied()
                    .filter(|&a| contains(segs[a].heads, seg.heads))
                    .collect(),
            ),
            Kind::Head(h) => minimal(
                branches
                    .iter()
                    .copied()
                    .filter(|&a| segs[a].heads & (1 << h) != 0)
                    .collect(),
            ),
        };
        if parents.is_empty() {
            edges.push((first_seg, first_seg + si));
        }
        for a in parents {
            edges.push((first_seg + a, first_seg + si));
        }
    }
    // Layout, as a tree drawn left to right: heads one per row, grouped by the
    // branches they share; each branch and the trunk centred on what they feed;
    // inputs centred on the trunk.
    let (bw, bh, gap_x, gap_y, pad) = (210.0, 92.0, 56.0, 18.0, 14.0);
    let cols = heads_col + 1;
    let mut row = vec![0f64; nodes.len()];
    let mut order: Vec<usize> = (0..rows.heads.len()).collect();
    order.sort_by_key(|&h| {
        branches
            .iter()
            .map(|&b| segs[b].heads & (1 << h) == 0)
            .collect::<Vec<bool>>()
    });
    for (r, &h) in order.iter().enumerate() {
        let own = segs
            .iter()
            .position(|seg| seg.kind == Kind::Head(h))
            .expect("every head has a segment");
        row[first_seg + own] = r as f64;
    }
    let children = |parent: usize| -> Vec<usize> {
        edges
            .iter()
            .filter(|&&(a, _)| a == parent)
            .map(|&(_, b)| b)
            .collect()
    };
    let mut inner: Vec<usize> = branches.clone();
    inner.sort_by_key(|&b| segs[b].heads.count_ones());
    inner.push(0); // the trunk last
    for si in inner {
        let ch = children(first_seg + si);
        let ch: Vec<usize> = ch.into_iter().filter(|&b| b >= first_seg).collect();
        if !ch.is_empty() {
            row[first_seg + si] = ch.iter().map(|&b| row[b]).sum::<f64>() / ch.len() as f64;
        }
    }
    let n_in = rows.inputs.len() as f64;
    for i in 0..rows.inputs.len() {
        row[i] = row[first_seg] - (n_in - 1.0) / 2.0 + i as f64;
    }
    let lowest = row.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    for r in &mut row {
        *r -= lowest;
    }
    let n_rows = row.iter().copied().fold(0.0, f64::max) + 1.0;
    let height = pad * 2.0 + n_rows * bh + (n_rows - 1.0) * gap_y;
    let width = pad * 2.0 + cols as f64 * bw + (cols as f64 - 1.0) * gap_x;
    let pos = |i: usize| -> (f64, f64) {
        let x = pad + nodes[i].col as f64 * (bw + gap_x);
        let y = pad + row[i] * (bh + gap_y);
        (x, y)
    };
    let _ = writeln!(
        s,
        "<svg class=\"parts\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" \
         height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" \
         aria-label=\"trunk, branches and heads\">\n<defs><marker id=\"arrow\" \
         viewBox=\"0 0 10 10\" refX=\"9\" refY=\"5\" markerWidth=\"7\" markerHeight=\"7\" \
         orient=\"auto-start-reverse\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#777\"/>\
         </marker></defs>"
    );
    for &(a, b) in &edges {
        let (ax, ay) = pos(a);
        let (bx, by) = pos(b);
        let (x1, y1, x2, y2) = (ax + bw, ay + bh / 2.0, bx - 2.0, by + bh / 2.0);
        let mx = (x1 + x2) / 2.0;
        let _ = writeln!(
            s,
            "<path class=\"edge\" d=\"M{x1:.1},{y1:.1} C{mx:.1},{y1:.1} {mx:.1},{y2:.1} \
             {x2:.1},{y2:.1}\" marker-end=\"url(#arrow)\"/>"
        );
    }
    for (i, n) in nodes.iter().enumerate() {
        let (x, y) = pos(i);
        let kind = if i < first_seg { "input" } else { "part" };
        let _ = writeln!(
            s,
            "<g class=\"node {kind}\"><title>{}</title>\
             <rect class=\"box\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{bw}\" height=\"{bh}\" \
             rx=\"7\" fill=\"{}\"/>\
             <text class=\"box-title\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
            escape(&n.tip),
            n.colour,
            x + 10.0,
            y + 19.0,
            escape(&clip(&n.title, 27))
        );
        for (li, line) in n.lines.iter().enumerate() {
            let _ = writeln!(
                s,
                "<text class=\"box-line\" x=\"{:.1}\" y=\"{:.1}\">{}</text>",
                x + 10.0,
                y + 37.0 + li as f64 * 14.5,
                escape(&clip(line, 32))
            );
        }
        s.push_str("</g>\n");
    }
    s.push_str("</svg>\n");
}
