//! Gathering the panel of [`gathered`](super::gathered): the input values under the
//! filter for [`NR`] consecutive output positions, one row per (input channel, filter
//! row, filter column), zeros for padding and for positions past the last.
//!
//! Three cases, cheapest first: the positions lie in one output row and every filter
//! column reads inside the input (each panel row is a strided copy from one input row,
//! or zeros when that input row is padding); one output row with some columns in the
//! padding (each value is bounds-checked against its input row); positions spanning
//! output rows (each value checked in both axes).

use super::blocked::PANEL_ROWS;
use super::tile::NR;
use super::ConvShape;
use crate::slice::{at, split_mut, tail, window};

/// A panel: [`PANEL_ROWS`] rows of [`NR`] values.
pub(super) type Panel = [f32; PANEL_ROWS * NR];

/// Fills the panel's rows for the filter rows `units` (unit `u` is input channel `u /
/// kh`, filter row `u % kh`) of the batch's input `xb` and the output positions
/// `p0..p0 + NR`.
#[inline(always)]
pub(super) fn gather(
    panel: &mut Panel,
    xb: &[f32],
    s: &ConvShape,
    p0: usize,
    units: (usize, usize),
) {
    let ConvShape {
        h,
        w: wd,
        kw,
        oh,
        ow,
        stride: (sh, sw),
        pad: (ph, pw),
        ..
    } = *s;
    let ow1 = ow.max(1);
    let (oy, ox0) = (p0 / ow1, p0 % ow1);
    if ox0 + NR > ow || p0 + NR > oh * ow {
        return scattered(panel, xb, s, p0, units);
    }
    let iy0 = (oy * sh).wrapping_sub(ph);
    let ix0 = (ox0 * sw).wrapping_sub(pw);
    // Every column of every position inside the input: `ix0 >= 0` and the last
    // position's last tap `< wd`.
    let last = (NR - 1) * sw + (kw - 1) * s.dilation.1;
    let columns_inside = (ox0 * sw) >= pw && ix0 + last < wd;
    let mut rows = panel.chunks_exact_mut(NR);
    let kh = s.kh.max(1);
    for u in units.0..units.1 {
        let (ic, ky) = (u / kh, u % kh);
        let xp = window(xb, ic * h * wd, h * wd);
        let iy = iy0.wrapping_add(ky * s.dilation.0);
        let row = if iy < h { window(xp, iy * wd, wd) } else { &[] };
        for kx in 0..kw {
            let Some(dst) = rows.next() else { return };
            let ix = ix0.wrapping_add(kx * s.dilation.1);
            if row.is_empty() {
                dst.fill(0.0);
            } else if columns_inside {
                copy_strided(dst, tail(row, ix), sw);
            } else if NR > 4 {
                copy_clipped(dst, row, ix as isize, sw);
            } else {
                // Four values: checking each costs less than finding the clipped range.
                for (j, d) in dst.iter_mut().enumerate() {
                    *d = at(row, ix.wrapping_add(j * sw));
                }
            }
        }
    }
}

/// `dst[j] = src[j * stride]` (0 past the end of `src`).
#[inline(always)]
fn copy_strided(dst: &mut [f32], src: &[f32], stride: usize) {
    match stride {
        1 => {
            if let (Some(d), Some(v)) = (dst.first_chunk_mut::<NR>(), src.first_chunk::<NR>()) {
                *d = *v;
                return;
            }
        }
        2 => {
            if let (Some(d), Some(v)) = (
                dst.first_chunk_mut::<NR>(),
                src.first_chunk::<{ 2 * NR - 1 }>(),
            ) {
                *d = core::array::from_fn(|j| v[2 * j]);
                return;
            }
        }
        _ => {}
    }
    for (j, d) in dst.iter_mut().enumerate() {
        *d = at(src, j * stride);
    }
}

/// `dst[j] = row[ix + j * stride]` where that is inside `row`, else 0 (`ix` may be
/// negative: left padding): the zeros on either side, one strided copy between.
#[inline(always)]
fn copy_clipped(dst: &mut [f32], row: &[f32], ix: isize, stride: usize) {
    let (n, st) = (row.len() as isize, stride.max(1) as isize);
    // Positions j with 0 <= ix + j * st < n: from `lo` (first at or right of 0) to `hi`.
    let lo = if ix < 0 { (-ix + st - 1) / st } else { 0 };
    let hi = if ix >= n { 0 } else { (n - ix + st - 1) / st };
    let (lo, hi) = (lo as usize, (hi as usize).clamp(lo as usize, dst.len()));
    let lo = lo.min(hi);
    let first = (ix + lo as isize * st) as usize;
    let (before, rest) = split_mut(dst, lo);
    let (inside, after) = split_mut(rest, hi - lo);
    before.fill(0.0);
    after.fill(0.0);
    for (d, &v) in inside
        .iter_mut()
        .zip(tail(row, first).iter().step_by(stride.max(1)))
    {
        *d = v;
    }
}

/// [`gather`] for positions that span output rows (or run past the last): each value
/// checked in both axes.
fn scattered(panel: &mut Panel, xb: &[f32], s: &ConvShape, p0: usize, units: (usize, usize)) {
    let ConvShape {
        h,
        w: wd,
        kh,
        kw,
        oh,
        ow,
        stride: (sh, sw),
        pad: (ph, pw),
        dilation: (dh, dw),
        ..
    } = *s;
    let plane = oh * ow;
    let ow1 = ow.max(1);
    // Input row and column of each position's first tap (wrapping below zero: such
    // taps read padding; past the last position, far outside the input).
    const FAR: usize = usize::MAX / 2;
    let mut base = [(FAR, FAR); NR];
    for (j, b) in base.iter_mut().enumerate() {
        let p = p0 + j;
        if p < plane {
            *b = (
                ((p / ow1) * sh).wrapping_sub(ph),
                ((p % ow1) * sw).wrapping_sub(pw),
            );
        }
    }
    let mut rows = panel.chunks_exact_mut(NR);
    let kh = kh.max(1);
    for u in units.0..units.1 {
        let (ic, ky) = (u / kh, u % kh);
        let xp = window(xb, ic * h * wd, h * wd);
        for kx in 0..kw {
            let Some(dst) = rows.next() else { return };
            for (d, &(by, bx)) in dst.iter_mut().zip(&base) {
                let (iy, ix) = (by.wrapping_add(ky * dh), bx.wrapping_add(kx * dw));
                let i = if iy < h && ix < wd {
                    iy * wd + ix
                } else {
                    usize::MAX
                };
                *d = at(xp, i);
            }
        }
    }
}
