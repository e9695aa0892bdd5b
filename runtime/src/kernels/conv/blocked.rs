//! Convolutions as a register-blocked matrix product ([`tile`](super::tile)): the
//! pointwise (1x1) convolution reads its input planes in place, the gathered one
//! copies the input under the filter for [`NR`] output positions into a panel first.
//! Both apply the epilogue (scale, shift, activation) as each tile is stored, and
//! take their filters packed ([`pack`](super::tile::pack)).

use super::gather::gather;
use super::tile::{tile, wide, Acc, HAS_WIDE, MR, NR, WIDE_MR, WIDE_NR};
use super::ConvShape;
use crate::kernels::{Activation, Post};
use crate::slice::{tail, window, window_mut};
use half::f16;

/// Rows (input values under the filter, per position) of one gathered panel:
/// `PANEL_ROWS x NR` values, 1 KiB of stack (as much as the dot-product column it
/// replaced). Longer filters are summed panel by panel, whole filter rows at a time.
pub const PANEL_ROWS: usize = 64;

/// Stores one tile: `y[oc][p0 + j] = act(acc[i][j] * scale[oc] + shift[oc])` for the
/// tile's channels `oc = oc0 + i` below `y.len() / plane` and its first `n_p`
/// positions.
#[inline(always)]
fn store<A: Activation>(
    acc: &Acc,
    y: &mut [f32],
    plane: usize,
    (oc0, p0, n_p): (usize, usize, usize),
    post: &Post<'_, A>,
) {
    for (i, row) in acc.iter().enumerate() {
        let oc = oc0 + i;
        let out = window_mut(y, oc * plane + p0, n_p);
        let (s, t) = post.coeffs(oc);
        for (o, &a) in out.iter_mut().zip(row) {
            *o = post.act.apply(a * s + t);
        }
    }
}

/// Output channel blocks whose accumulators stay live while a filter longer than a
/// panel is summed (16 channels, 256 bytes of stack); each further group gathers the
/// input again.
const GROUP: usize = 4;

/// `y = post(conv(x, w))` for a 1x1 convolution at stride 1 without padding or groups:
/// `x` is `n x c_in x (h w)`, `y` is `n x c_out x (h w)`, `w` is the `c_out x c_in`
/// filter packed with `k = c_in`. Every output channel block reads the input planes in
/// place, [`NR`] positions per tile; the last tile of a plane whose size is not a
/// multiple of [`NR`] overlaps the one before it, and a plane smaller than [`NR`] is
/// copied into a zero-padded panel.
pub fn pointwise<A: Activation>(
    x: &[f32],
    w: &[f16],
    y: &mut [f32],
    s: &ConvShape,
    post: Post<'_, A>,
) {
    let ConvShape {
        n,
        c_in: k,
        h,
        w: wd,
        c_out,
        ..
    } = *s;
    let plane = h * wd;
    debug_assert_eq!(x.len(), n * k * plane);
    debug_assert_eq!(y.len(), n * c_out * plane);
    for b in 0..n {
        let xb = window(x, b * k * plane, k * plane);
        let yb = window_mut(y, b * c_out * plane, c_out * plane);
        let wide_from = pointwise_wide(xb, w, yb, (k, plane, c_out), &post);
        for oc0 in (wide_from..c_out).step_by(MR) {
            let wb = window(w, oc0 * k, MR * k);
            let mut p0 = 0;
            while p0 + NR <= plane {
                let mut acc = [[0.0; NR]; MR];
                tile(&mut acc, tail(xb, p0), plane, wb, k);
                store(&acc, yb, plane, (oc0, p0, NR), &post);
                p0 += NR;
            }
            if p0 < plane && plane >= NR {
                // The last positions: one more tile ending at the plane's end, which
                // recomputes (bit for bit) a few outputs of the previous one.
                let p0 = plane - NR;
                let mut acc = [[0.0; NR]; MR];
                tile(&mut acc, tail(xb, p0), plane, wb, k);
                store(&acc, yb, plane, (oc0, p0, NR), &post);
            } else if p0 < plane {
                let n_p = plane - p0;
                let mut acc = [[0.0; NR]; MR];
                let mut panel = [0.0f32; PANEL_ROWS * NR];
                for kk0 in (0..k).step_by(PANEL_ROWS) {
                    let rows = (k - kk0).min(PANEL_ROWS);
                    for (r, dst) in panel.chunks_exact_mut(NR).take(rows).enumerate() {
                        let src = window(xb, (kk0 + r) * plane + p0, n_p);
                        for (d, &v) in dst.iter_mut().zip(src) {
                            *d = v;
                        }
                    }
                    tile(&mut acc, &panel, NR, tail(wb, kk0 * MR), rows);
                }
                store(&acc, yb, plane, (oc0, p0, n_p), &post);
            }
        }
    }
}

/// The output position tiles of [`gathered`], `(first position, positions)`: row by
/// row when a row holds a whole tile and little is recomputed (the last tile of a row
/// overlapping the one before it, so every panel is gathered from one output row, the
/// cheap case), else
/// [`NR`] consecutive positions across rows.
fn position_tiles(oh: usize, ow: usize) -> impl Iterator<Item = (usize, usize)> {
    // By rows when that computes at most a third more positions than there are, or
    // always with the 16-wide x86 tile, whose multiply-adds cost less than the gather.
    let by_rows = ow >= NR && (NR > 4 || ow.div_ceil(NR) * NR * 3 <= ow * 4);
    let per_row = if by_rows { ow.div_ceil(NR) } else { 0 };
    let tiles = if by_rows {
        oh * per_row
    } else {
        (oh * ow).div_ceil(NR)
    };
    (0..tiles).map(move |t| {
        if by_rows {
            let (oy, i) = (t / per_row, t % per_row);
            (oy * ow + (i * NR).min(ow - NR), NR)
        } else {
            (t * NR, (oh * ow - t * NR).min(NR))
        }
    })
}

/// The [`wide`] tiles of one batch of [`pointwise`] (on targets that have them, planes
/// of at least [`WIDE_NR`] positions): every whole group of [`WIDE_MR`] output
/// channels, [`WIDE_NR`] positions per tile, the last tile of the plane overlapping
/// the one before it. Returns the first channel left to the ordinary tiles (0 when
/// there is no wide tile).
#[inline(always)]
fn pointwise_wide<A: Activation>(
    xb: &[f32],
    w: &[f16],
    yb: &mut [f32],
    (k, plane, c_out): (usize, usize, usize),
    post: &Post<'_, A>,
) -> usize {
    if !HAS_WIDE || plane < WIDE_NR {
        return 0;
    }
    let groups = c_out / WIDE_MR;
    for g in 0..groups {
        let oc0 = g * WIDE_MR;
        let wg = window(w, oc0 * k, WIDE_MR * k);
        for t in 0..plane.div_ceil(WIDE_NR) {
            let p0 = (t * WIDE_NR).min(plane - WIDE_NR);
            let mut acc = [[0.0; WIDE_MR]; WIDE_NR];
            if !wide(&mut acc, tail(xb, p0), plane, wg, k) {
                return oc0;
            }
            for (c, oc) in (oc0..oc0 + WIDE_MR).enumerate() {
                let (s, t) = post.coeffs(oc);
                let out = window_mut(yb, oc * plane + p0, WIDE_NR);
                for (o, a) in out.iter_mut().zip(&acc) {
                    *o = post.act.apply(a[c] * s + t);
                }
            }
        }
    }
    groups * WIDE_MR
}

/// Whether [`gathered`] handles a convolution: no groups, and one filter row fits a
/// panel.
pub const fn gathered_applies(s: &ConvShape) -> bool {
    s.groups == 1 && s.kw <= PANEL_ROWS && s.kh * s.kw > 0
}

/// `y = post(conv(x, w))` for a convolution without groups whose filter taps fit a
/// panel ([`gathered_applies`]): `x` is `n x c_in x h x w`, `y` is `n x c_out x oh x
/// ow`, `w` the `c_out x (c_in kh kw)` filter packed with `k = c_in * kh * kw`. For
/// every [`NR`] consecutive output positions (row-major over `oh x ow`) the input under
/// the filter (zeros for padding) is gathered into a panel, whole input channels at a
/// time, and every output channel block multiplies it.
pub fn gathered<A: Activation>(
    x: &[f32],
    w: &[f16],
    y: &mut [f32],
    s: &ConvShape,
    post: Post<'_, A>,
) {
    let ConvShape {
        n,
        c_in,
        h,
        w: wd,
        c_out,
        kh,
        kw,
        oh,
        ow,
        ..
    } = *s;
    let (taps, plane_in, plane) = (kh * kw, h * wd, oh * ow);
    let k = c_in * taps;
    debug_assert_eq!(x.len(), n * c_in * plane_in);
    debug_assert_eq!(y.len(), n * c_out * plane);
    if taps == 0 || kw > PANEL_ROWS {
        return;
    }
    // A panel holds whole filter rows (`kw` taps of one input channel), as many as fit.
    let units = c_in * kh;
    let per_panel = (PANEL_ROWS / kw.max(1)).max(1);
    let mut panel = [0.0f32; PANEL_ROWS * NR];
    for b in 0..n {
        let xb = window(x, b * c_in * plane_in, c_in * plane_in);
        let yb = window_mut(y, b * c_out * plane, c_out * plane);
        for (p0, n_p) in position_tiles(oh, ow) {
            if units <= per_panel {
                // The whole filter in one panel, shared by every output channel block.
                gather(&mut panel, xb, s, p0, (0, units));
                for oc0 in (0..c_out).step_by(MR) {
                    let mut acc = [[0.0; NR]; MR];
                    tile(&mut acc, &panel, NR, window(w, oc0 * k, k * MR), k);
                    store(&acc, yb, plane, (oc0, p0, n_p), &post);
                }
                continue;
            }
            // Longer filters: panel by panel into the accumulators of GROUP blocks.
            for g0 in (0..c_out).step_by(MR * GROUP) {
                let mut accs = [[[0.0; NR]; MR]; GROUP];
                let mut u0 = 0;
                while u0 < units {
                    let u1 = (u0 + per_panel).min(units);
                    let rows = (u1 - u0) * kw;
                    gather(&mut panel, xb, s, p0, (u0, u1));
                    for (g, acc) in accs.iter_mut().enumerate() {
                        let oc0 = g0 + g * MR;
                        if oc0 < c_out {
                            let wb = window(w, oc0 * k + u0 * kw * MR, rows * MR);
                            tile(acc, &panel, NR, wb, rows);
                        }
                    }
                    u0 = u1;
                }
                for (g, acc) in accs.iter().enumerate() {
                    let oc0 = g0 + g * MR;
                    if oc0 < c_out {
                        store(acc, yb, plane, (oc0, p0, n_p), &post);
                    }
                }
            }
        }
    }
}
