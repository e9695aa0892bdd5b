//! The arena's memory timeline of the HTML page (`<svg class="timeline">`): x is the
//! schedule position (step), y the arena offset; one rectangle (`class="buf"`) per
//! buffer from the step that writes it to its last reader, coloured by its part.

use super::{escape, num, Looks};
use crate::report::rows::{Buffer, Rows};
use std::fmt::Write;

/// How a buffer is labelled: its first tensor, and how many more share it in place.
fn buffer_name(b: &Buffer, bi: usize) -> String {
    match b.tensors.as_slice() {
        [] => format!("buffer {bi}"),
        [v] => v.clone(),
        [v, rest @ ..] => format!("{} (+{} in place)", v, rest.len()),
    }
}

/// The arena's memory timeline: x = schedule position, y = arena offset.
pub(super) fn timeline(s: &mut String, rows: &Rows, lk: &Looks) {
    let n = rows.steps.len();
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
    if n == 0 || rows.arena_len == 0 {
        let _ = writeln!(
            s,
            "<text class=\"tick\" x=\"{left}\" y=\"{:.0}\">no arena buffers</text>",
            top + 20.0
        );
        s.push_str("</svg>\n");
        return;
    }
    let sx = plot_w / n as f64;
    let sy = plot_h / rows.arena_len as f64;
    // Segment bands with their names.
    let mut at = 0usize;
    for (si, seg) in rows.parts.iter().enumerate() {
        let len = seg.steps;
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
    for (bi, b) in rows.buffers.iter().enumerate() {
        let x = left + b.start as f64 * sx;
        let w = (b.end + 1 - b.start) as f64 * sx;
        let y = top + b.offset as f64 * sy;
        let h = (b.len as f64 * sy).max(1.0);
        let (colour, part) = lk.writer(b.part);
        let name = buffer_name(b, bi);
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
        let off = rows.arena_len * k / 4;
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
