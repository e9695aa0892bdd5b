//! `tinymtl inspect --html`: a self-contained page picturing the model.
//!
//! One HTML file with inline CSS and SVG, no scripts and no external resources:
//! - a diagram of the parts: inputs -> trunk -> shared branches -> heads, each box
//!   labelled with its parameters, weight bytes, MACs and steps;
//! - the arena's memory timeline: x = schedule position (step), y = arena offset,
//!   one rectangle (`class="buf"`) per arena buffer, labelled with its tensor and
//!   coloured by the part that writes it;
//! - tables: parts, each head alone, arena buffers, steps.
//!
//! Every name from the model is escaped.

use crate::ir::program::Source;
use crate::passes::partition::Kind;
use crate::passes::Compiled;
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

/// Per segment: display label and colour.
struct Looks {
    label: Vec<String>,
    colour: Vec<&'static str>,
}

fn looks(c: &Compiled, heads: &[&str]) -> Looks {
    let mut label = Vec::new();
    let mut colour = Vec::new();
    let mut nb = 0;
    for seg in &c.parts.segments {
        match seg.kind {
            Kind::Trunk => {
                label.push("trunk".to_string());
                colour.push(TRUNK);
            }
            Kind::Branch => {
                let hs: Vec<&str> = (0..heads.len())
                    .filter(|h| seg.heads & (1 << h) != 0)
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

/// The page for a compiled model read from `file`.
pub fn html(c: &Compiled, file: &str) -> String {
    let p = &c.program;
    let heads: Vec<&str> = p
        .outputs
        .iter()
        .map(|&v| p.values[v].name.as_str())
        .collect();
    let lk = looks(c, &heads);
    let mut s = String::new();
    let title = format!("tinymtl: {}", p.name);
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
        escape(&p.name),
        escape(file)
    );
    summary(&mut s, c, &heads);
    let _ = writeln!(
        s,
        "<section id=\"parts\">\n<h2>Trunk, branches and heads</h2>\n\
         <p class=\"note\">Every head runs the trunk, the shared branches it belongs to, \
         and its own part. Weight bytes are counted once, in the first part that reads them.</p>"
    );
    diagram(&mut s, c, &heads, &lk);
    parts_table(&mut s, c, &heads, &lk);
    s.push_str("</section>\n");
    let _ = writeln!(
        s,
        "<section id=\"arena\">\n<h2>Arena: memory timeline</h2>\n\
         <p class=\"note\">x: position in the schedule (one column per step, in execution \
         order); y: offset in the arena. One rectangle per buffer, from the step that writes \
         it to its last reader, coloured by the part that writes it. Buffers read by a later \
         part live to the end.</p>"
    );
    timeline(&mut s, c, &lk);
    buffers_table(&mut s, c, &lk);
    s.push_str("</section>\n");
    steps_table(&mut s, c, &lk);
    if !c.warnings.is_empty() {
        s.push_str("<section id=\"warnings\">\n<h2>Warnings</h2>\n<ul>\n");
        for w in &c.warnings {
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

fn summary(s: &mut String, c: &Compiled, heads: &[&str]) {
    let p = &c.program;
    let t = &c.cost.total;
    let inputs: Vec<String> = p
        .inputs
        .iter()
        .map(|&v| {
            format!(
                "<code>{}</code> {:?}",
                escape(&p.values[v].name),
                p.values[v].shape
            )
        })
        .collect();
    let hs: Vec<String> = p
        .outputs
        .iter()
        .map(|&v| {
            format!(
                "<code>{}</code> {:?}",
                escape(&p.values[v].name),
                p.values[v].shape
            )
        })
        .collect();
    let alone = (0..heads.len()).fold(crate::passes::cost::PartCost::default(), |mut a, h| {
        a += c.cost.head_alone(&c.parts, h);
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
        inputs.join(", "),
        hs.join(", "),
        num(t.params as u64),
        num(t.weight_bytes as u64),
        num(t.macs),
        num((c.plan.arena_len * 4) as u64),
        p.steps.len(),
        num(alone.weight_bytes as u64),
        num(alone.macs),
    );
}

/// Node of the parts diagram.
struct Node {
    col: usize,
    title: String,
    lines: Vec<String>,
    colour: &'static str,
    tip: String,
}

fn diagram(s: &mut String, c: &Compiled, heads: &[&str], lk: &Looks) {
    let p = &c.program;
    let segs = &c.parts.segments;
    // Branch depth: 0 under the trunk, +1 under each enclosing branch.
    let branches: Vec<usize> = c.parts.branches().map(|(i, _)| i).collect();
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
    for &v in &p.inputs {
        let val = &p.values[v];
        nodes.push(Node {
            col: 0,
            title: format!("input {}", val.name),
            lines: vec![format!("{:?}", val.shape), format!("{} f32", val.numel())],
            colour: INPUT,
            tip: format!("input {} {:?}", val.name, val.shape),
        });
    }
    let first_seg = nodes.len();
    let heads_col = 2 + max_depth;
    for (si, seg) in segs.iter().enumerate() {
        let k = &c.cost.parts[si];
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
                seg.steps.len(),
                if seg.steps.len() == 1 { "" } else { "s" }
            ),
        ];
        if let Kind::Head(h) = seg.kind {
            lines.push(format!("out {:?}", p.values[p.outputs[h]].shape));
        }
        nodes.push(Node {
            col,
            title: lk.label[si].clone(),
            tip: format!(
                "{}: {} params, {} weight bytes, {} MACs, {} steps",
                lk.label[si],
                k.params,
                k.weight_bytes,
                k.macs,
                seg.steps.len()
            ),
            lines,
            colour: lk.colour[si],
        });
    }
    // Edges (node indices).
    let mut edges: Vec<(usize, usize)> = Vec::new();
    for i in 0..p.inputs.len() {
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
    let mut order: Vec<usize> = (0..heads.len()).collect();
    order.sort_by_key(|&h| {
        branches
            .iter()
            .map(|&b| segs[b].heads & (1 << h) == 0)
            .collect::<Vec<bool>>()
    });
    for (r, &h) in order.iter().enumerate() {
        row[first_seg + c.parts.head_segment(h)] = r as f64;
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
    let n_in = p.inputs.len() as f64;
    for i in 0..p.inputs.len() {
        row[i] = row[first_seg] - (n_in - 1.0) / 2.0 + i as f64;
    }
    let lowest = row.iter().copied().fold(f64::INFINITY, f64::min).min(0.0);
    for r in &mut row {
        *r -= lowest;
    }
    let rows = row.iter().copied().fold(0.0, f64::max) + 1.0;
    let height = pad * 2.0 + rows * bh + (rows - 1.0) * gap_y;
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

fn swatch(colour: &str) -> String {
    format!("<span class=\"sw\" style=\"background:{colour}\"></span>")
}

fn parts_table(s: &mut String, c: &Compiled, heads: &[&str], lk: &Looks) {
    s.push_str(
        "<table class=\"parts\">\n<tr><th>part</th><th>heads served</th><th>params</th>\
         <th>weight bytes</th><th>MACs</th><th>steps</th></tr>\n",
    );
    for (si, seg) in c.parts.segments.iter().enumerate() {
        let k = &c.cost.parts[si];
        let hs: Vec<String> = (0..heads.len())
            .filter(|h| seg.heads & (1 << h) != 0)
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
            seg.steps.len()
        );
    }
    let t = &c.cost.total;
    let _ = writeln!(
        s,
        "<tr><th>total</th><td></td><td class=\"n\">{}</td><td class=\"n\">{}</td>\
         <td class=\"n\">{}</td><td class=\"n\">{}</td></tr>\n</table>",
        num(t.params as u64),
        num(t.weight_bytes as u64),
        num(t.macs),
        c.program.steps.len()
    );
    s.push_str(
        "<table class=\"alone\">\n<tr><th>head alone (trunk + its branches + its part)</th>\
         <th>params</th><th>weight bytes</th><th>MACs</th><th>MACs vs all heads</th></tr>\n",
    );
    for (h, name) in heads.iter().enumerate() {
        let k = c.cost.head_alone(&c.parts, h);
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

/// Segment writing each buffer (`None`: a graph input copied into the arena).
fn buffer_parts(c: &Compiled) -> Vec<Option<usize>> {
    let p = &c.program;
    let mut writer = vec![None; p.values.len()];
    for (i, st) in p.steps.iter().enumerate() {
        writer[st.out] = Some(c.parts.step_segment[i]);
    }
    c.plan
        .buffers
        .iter()
        .map(|b| match b.values.first() {
            Some(&v) if !matches!(p.values[v].source, Source::Input(_)) => writer[v],
            _ => None,
        })
        .collect()
}

fn buffer_name(c: &Compiled, bi: usize) -> String {
    let p = &c.program;
    let b = &c.plan.buffers[bi];
    match b.values.as_slice() {
        [] => format!("buffer {bi}"),
        [v] => p.values[*v].name.clone(),
        [v, rest @ ..] => format!("{} (+{} in place)", p.values[*v].name, rest.len()),
    }
}

fn timeline(s: &mut String, c: &Compiled, lk: &Looks) {
    let plan = &c.plan;
    let n = c.parts.schedule().len();
    let bparts = buffer_parts(c);
    let (left, right, top, bottom) = (78.0, 16.0, 30.0, 44.0);
    let plot_w = 880.0;
    let plot_h = 320.0;
    let width = left + plot_w + right;
    let height = top + plot_h + bottom;
    let _ = writeln!(
        s,
        "<svg class=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{width:.0}\" \
         height=\"{height:.0}\" viewBox=\"0 0 {width:.0} {height:.0}\" role=\"img\" \
         aria-label=\"arena memory timeline\">"
    );
    if n == 0 || plan.arena_len == 0 {
        let _ = writeln!(
            s,
            "<text class=\"tick\" x=\"{left}\" y=\"{:.0}\">no arena buffers</text>",
            top + 20.0
        );
        s.push_str("</svg>\n");
        return;
    }
    let sx = plot_w / n as f64;
    let sy = plot_h / plan.arena_len as f64;
    // Segment bands with their names.
    let mut at = 0usize;
    for (si, seg) in c.parts.segments.iter().enumerate() {
        let len = seg.steps.len();
        if len == 0 {
            continue;
        }
        let x = left + at as f64 * sx;
        let w = len as f64 * sx;
        let _ = writeln!(
            s,
            "<rect class=\"band\" x=\"{x:.2}\" y=\"{top}\" width=\"{w:.2}\" height=\"{plot_h}\" \
             fill=\"{}\" fill-opacity=\"0.08\"/>\
             <svg x=\"{x:.2}\" y=\"4\" width=\"{w:.2}\" height=\"{:.0}\">\
             <text class=\"seglabel\" x=\"3\" y=\"14\">{}</text></svg>",
            lk.colour[si],
            top - 6.0,
            escape(&lk.label[si])
        );
        at += len;
    }
    // Buffers.
    for (bi, b) in plan.buffers.iter().enumerate() {
        let x = left + b.start as f64 * sx;
        let w = (b.end + 1 - b.start) as f64 * sx;
        let y = top + b.offset as f64 * sy;
        let h = (b.len as f64 * sy).max(1.0);
        let (colour, part) = match bparts[bi] {
            Some(si) => (lk.colour[si], lk.label[si].as_str()),
            None => (INPUT, "input"),
        };
        let name = buffer_name(c, bi);
        let _ = write!(
            s,
            "<g class=\"buffer\"><rect class=\"buf\" x=\"{x:.2}\" y=\"{y:.2}\" width=\"{w:.2}\" \
             height=\"{h:.2}\" fill=\"{colour}\" data-name=\"{}\"><title>{}: {} bytes at offset \
             {} bytes, live at steps {}..={} ({})</title></rect>",
            escape(&name),
            escape(&name),
            b.len * 4,
            b.offset * 4,
            b.start,
            b.end,
            escape(part)
        );
        if h >= 11.0 && w >= 24.0 {
            let _ = write!(
                s,
                "<svg x=\"{x:.2}\" y=\"{y:.2}\" width=\"{w:.2}\" height=\"{h:.2}\">\
                 <text class=\"buflabel\" x=\"3\" y=\"{:.1}\">{}</text></svg>",
                (h / 2.0 + 4.0).min(13.0),
                escape(&name)
            );
        }
        s.push_str("</g>\n");
    }
    // Axes.
    let (x0, y0, x1, y1) = (left, top, left + plot_w, top + plot_h);
    let _ = writeln!(
        s,
        "<line class=\"axis\" x1=\"{x0}\" y1=\"{y0}\" x2=\"{x0}\" y2=\"{y1}\"/>\
         <line class=\"axis\" x1=\"{x0}\" y1=\"{y1}\" x2=\"{x1}\" y2=\"{y1}\"/>"
    );
    let every = n.div_ceil(40).max(1);
    for t in (0..n).step_by(every) {
        let x = left + (t as f64 + 0.5) * sx;
        let _ = writeln!(
            s,
            "<text class=\"tick\" x=\"{x:.1}\" y=\"{:.0}\" text-anchor=\"middle\">{t}</text>",
            y1 + 14.0
        );
    }
    let _ = writeln!(
        s,
        "<text class=\"tick\" x=\"{:.1}\" y=\"{:.0}\" text-anchor=\"middle\">schedule position \
         (step)</text>",
        left + plot_w / 2.0,
        y1 + 34.0
    );
    for k in 0..=4 {
        let off = plan.arena_len * k / 4;
        let y = top + off as f64 * sy;
        let _ = writeln!(
            s,
            "<line class=\"axis\" x1=\"{:.0}\" y1=\"{y:.1}\" x2=\"{x0}\" y2=\"{y:.1}\"/>\
             <text class=\"tick\" x=\"{:.0}\" y=\"{:.1}\" text-anchor=\"end\">{} B</text>",
            x0 - 4.0,
            x0 - 6.0,
            y + 3.5,
            num((off * 4) as u64)
        );
    }
    s.push_str("</svg>\n");
}

fn buffers_table(s: &mut String, c: &Compiled, lk: &Looks) {
    let bparts = buffer_parts(c);
    let _ = writeln!(
        s,
        "<p class=\"note\">arena {} bytes; largest simultaneously live set {} bytes.</p>",
        num((c.plan.arena_len * 4) as u64),
        num((c.plan.peak_live * 4) as u64)
    );
    s.push_str(
        "<table class=\"buffers\">\n<tr><th>#</th><th>tensors</th><th>written by</th>\
         <th>bytes</th><th>offset (bytes)</th><th>live (steps)</th></tr>\n",
    );
    for (bi, b) in c.plan.buffers.iter().enumerate() {
        let names: Vec<String> = b
            .values
            .iter()
            .map(|&v| format!("<code>{}</code>", escape(&c.program.values[v].name)))
            .collect();
        let (colour, part) = match bparts[bi] {
            Some(si) => (lk.colour[si], lk.label[si].as_str()),
            None => (INPUT, "input"),
        };
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

fn steps_table(s: &mut String, c: &Compiled, lk: &Looks) {
    let p = &c.program;
    s.push_str(
        "<section id=\"steps\">\n<h2>Steps</h2>\n<table class=\"steps\">\n<tr><th>#</th>\
         <th>part</th><th>kernel</th><th>output</th><th>shape</th><th>ONNX nodes</th></tr>\n",
    );
    for (t, &st) in c.parts.schedule().iter().enumerate() {
        let step = &p.steps[st];
        let si = c.parts.step_segment[st];
        let nodes: Vec<String> = step
            .nodes
            .iter()
            .map(|(nm, op)| format!("{} <code>{}</code>", escape(op), escape(nm)))
            .collect();
        let kernel = if c.plan.in_place[st].is_some() {
            format!("{} (in place)", step.kernel.label())
        } else {
            step.kernel.label().to_string()
        };
        let _ = writeln!(
            s,
            "<tr><td class=\"n\">{t}</td><td>{}{}</td><td>{kernel}</td><td><code>{}</code></td>\
             <td>{:?}</td><td>{}</td></tr>",
            swatch(lk.colour[si]),
            escape(&lk.label[si]),
            escape(&p.values[step.out].name),
            p.values[step.out].shape,
            nodes.join(" + ")
        );
    }
    s.push_str("</table>\n</section>\n");
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Builder;

    fn compiled(fixture: &str) -> Compiled {
        let path = format!(
            "{}/../tests/fixtures/{fixture}.onnx",
            env!("CARGO_MANIFEST_DIR")
        );
        Builder::new(path)
            .build()
            .expect("fixture compiles")
            .compiled
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
        let c = compiled("residual_layernorm_three_heads");
        let page = html(&c, "dir/model <1>.onnx");
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
        let c = compiled("bilinear_matmul");
        assert!(c.parts.segments[0].steps.is_empty());
        let page = html(&c, "m.onnx");
        assert_eq!(count(&page, "<rect class=\"buf\""), c.plan.buffers.len());
        assert!(page.contains(">input x<"));
        // Heads hang off the (empty) trunk.
        assert_eq!(count(&page, "<path class=\"edge\""), 1 + 2);
    }

    #[test]
    fn hostile_names_are_escaped() {
        let mut c = compiled("dense_two_softmax");
        let evil = "<script>alert('x')</script>&\"";
        let out = c.program.outputs[0];
        c.program.values[out].name = evil.into();
        c.program.name = evil.into();
        let page = html(&c, evil);
        assert!(!page.contains("<script"));
        assert!(page.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&amp;&quot;"));
    }
}
