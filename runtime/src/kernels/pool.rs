//! Max and average pooling over the last three axes (NCDHW; 2-D as `d = kd = od = 1`,
//! 1-D also as `h = kh = 1`).

use super::conv::{tap, valid_range, Tap};
use crate::slice::{window, window_mut};

/// The shape of one pooling window sweep, resolved by the code generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolShape {
    /// Planes: batch x channels.
    pub planes: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Window height.
    pub kh: usize,
    /// Window width.
    pub kw: usize,
    /// Output height (already includes `ceil_mode`).
    pub oh: usize,
    /// Output width.
    pub ow: usize,
    /// Stride (height, width).
    pub stride: (usize, usize),
    /// Padding (top, left, bottom, right).
    pub pad: (usize, usize, usize, usize),
    /// Dilation (height, width).
    pub dilation: (usize, usize),
    /// Input depth (1 for 2-D and 1-D pools).
    pub d: usize,
    /// Window depth.
    pub kd: usize,
    /// Output depth.
    pub od: usize,
    /// Depth stride.
    pub stride_d: usize,
    /// Depth padding (front, back).
    pub pad_d: (usize, usize),
    /// Depth dilation.
    pub dilation_d: usize,
}

/// Calls `f(y, x)` for every (output, input) pair of every window, tap by tap with the
/// output column innermost, like the convolution (padding never reaches `f`).
#[inline(always)]
fn sweep(x: &[f32], y: &mut [f32], s: &PoolShape, init: f32, f: impl Fn(&mut f32, f32) + Copy) {
    let (plane_in, plane_out) = (s.h * s.w, s.oh * s.ow);
    let (vol_in, vol_out) = (s.d * plane_in, s.od * plane_out);
    debug_assert_eq!(x.len(), s.planes * vol_in);
    debug_assert_eq!(y.len(), s.planes * vol_out);
    if s.planes == 0 || vol_out == 0 {
        return;
    }
    let y = window_mut(y, 0, s.planes * vol_out);
    y.fill(init);
    if vol_in == 0 {
        return;
    }
    let sd = s.stride_d.max(1);
    let pf = s.pad_d.0;
    for (xv, yv) in x.chunks_exact(vol_in).zip(y.chunks_exact_mut(vol_out)) {
        for kz in 0..s.kd {
            let (oz_lo, oz_hi) = valid_range(kz * s.dilation_d, pf, s.d, sd, s.od);
            for oz in oz_lo..oz_hi {
                let iz = oz * sd + kz * s.dilation_d - pf;
                let xp = window(xv, iz * plane_in, plane_in);
                plane(xp, window_mut(yv, oz * plane_out, plane_out), s, f);
            }
        }
    }
}

/// The taps of the window's (height, width) slice over one input plane into one
/// output plane.
#[inline(always)]
fn plane(xp: &[f32], yp: &mut [f32], s: &PoolShape, f: impl Fn(&mut f32, f32) + Copy) {
    let (sh, sw) = (s.stride.0.max(1), s.stride.1.max(1));
    let (dh, dw) = s.dilation;
    let (pt, pl, _, _) = s.pad;
    if s.oh * s.ow < s.kh * s.kw {
        // Fewer outputs than taps (a global pool): output by output, the same taps in
        // the same order, without a tap sweep per tap.
        return by_output(xp, yp, s, f);
    }
    for ky in 0..s.kh {
        let (oy_lo, oy_hi) = valid_range(ky * dh, pt, s.h, sh, s.oh);
        if oy_lo == oy_hi {
            continue;
        }
        for kx in 0..s.kw {
            let (ox_lo, ox_hi) = valid_range(kx * dw, pl, s.w, sw, s.ow);
            if ox_lo == ox_hi {
                continue;
            }
            let t = Tap {
                rows: (oy_lo, oy_hi),
                cols: (ox_lo, ox_hi),
                iy0: oy_lo * sh + ky * dh - pt,
                ix0: ox_lo * sw + kx * dw - pl,
                ow: s.ow,
                w: s.w,
                stride: (sh, sw),
            };
            tap(yp, xp, t, f);
        }
    }
}

/// [`plane`] output by output: `f(y, x)` for each tap of each window, in tap order.
#[inline(always)]
fn by_output(xp: &[f32], yp: &mut [f32], s: &PoolShape, f: impl Fn(&mut f32, f32) + Copy) {
    let (sh, sw) = (s.stride.0.max(1), s.stride.1.max(1));
    let (dh, dw) = s.dilation;
    let (pt, pl, _, _) = s.pad;
    for (oy, yr) in yp.chunks_exact_mut(s.ow.max(1)).enumerate() {
        for (ox, yv) in yr.iter_mut().enumerate() {
            for ky in 0..s.kh {
                let iy = (oy * sh + ky * dh).wrapping_sub(pt);
                if iy >= s.h {
                    continue;
                }
                let row = window(xp, iy * s.w, s.w);
                for kx in 0..s.kw {
                    let ix = (ox * sw + kx * dw).wrapping_sub(pl);
                    if let Some(&v) = row.get(ix) {
                        f(yv, v);
                    }
                }
            }
        }
    }
}

/// Max over each window; padded positions are ignored (never win).
///
/// NaN inputs never win either (the comparison `x > y` is false for them), as with
/// `f32::max`; a window with no input position gives `-inf`.
pub fn max_pool(x: &[f32], y: &mut [f32], s: &PoolShape) {
    sweep(x, y, s, f32::NEG_INFINITY, |y, x| {
        *y = if x > *y { x } else { *y }
    });
}

/// Mean over each window. With `count_include_pad` the divisor counts padded
/// positions inside `[-pad_begin, size + pad_end)`; positions beyond that (from
/// `ceil_mode`) never count. Without it, only positions inside the input count.
pub fn avg_pool(x: &[f32], y: &mut [f32], s: &PoolShape, count_include_pad: bool) {
    sweep(x, y, s, 0.0, |y, x| *y += x);
    if s.planes == 0 || s.od == 0 || s.oh == 0 || s.ow == 0 {
        return;
    }
    let (sh, sw) = (s.stride.0.max(1), s.stride.1.max(1));
    let (dh, dw) = (s.dilation.0.max(1), s.dilation.1.max(1));
    let (pt, pl, pb, pr) = s.pad;
    let (sd, dd) = (s.stride_d.max(1), s.dilation_d.max(1));
    let (pf, pk) = s.pad_d;
    // The window taps that count for output row `oy` / column `ox` (a valid range over
    // taps: the same arithmetic as over outputs, with the roles swapped).
    let count = |o: usize,
                 stride: usize,
                 dil: usize,
                 k: usize,
                 before: usize,
                 after: usize,
                 size: usize| {
        let (lo, hi) = if count_include_pad {
            valid_range(o * stride, 0, size + before + after, dil, k)
        } else {
            valid_range(o * stride, before, size, dil, k)
        };
        hi - lo
    };
    for yv in y.chunks_exact_mut(s.od * s.oh * s.ow) {
        for (oz, yp) in yv.chunks_exact_mut(s.oh * s.ow).enumerate() {
            let cd = count(oz, sd, dd, s.kd, pf, pk, s.d);
            for (oy, yr) in yp.chunks_exact_mut(s.ow).enumerate() {
                let ch = cd * count(oy, sh, dh, s.kh, pt, pb, s.h);
                for (ox, v) in yr.iter_mut().enumerate() {
                    let cw = count(ox, sw, dw, s.kw, pl, pr, s.w);
                    *v /= (ch * cw) as f32;
                }
            }
        }
    }
}
