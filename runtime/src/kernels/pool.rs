//! Max and average pooling over the last two axes (NCHW; 1-D as `h = kh = 1`).

use super::conv::{tap, valid_range, Tap};
use crate::slice::window_mut;

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
}

/// Calls `f(y, x)` for every (output, input) pair of every window, tap by tap with the
/// output column innermost, like the convolution (padding never reaches `f`).
#[inline(always)]
fn sweep(x: &[f32], y: &mut [f32], s: &PoolShape, init: f32, f: impl Fn(&mut f32, f32) + Copy) {
    let (plane_in, plane_out) = (s.h * s.w, s.oh * s.ow);
    debug_assert_eq!(x.len(), s.planes * plane_in);
    debug_assert_eq!(y.len(), s.planes * plane_out);
    if s.planes == 0 || plane_out == 0 {
        return;
    }
    let y = window_mut(y, 0, s.planes * plane_out);
    y.fill(init);
    if plane_in == 0 {
        return;
    }
    let (sh, sw) = (s.stride.0.max(1), s.stride.1.max(1));
    let (dh, dw) = s.dilation;
    let (pt, pl, _, _) = s.pad;
    for (xp, yp) in x.chunks_exact(plane_in).zip(y.chunks_exact_mut(plane_out)) {
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
    if s.planes == 0 || s.oh == 0 || s.ow == 0 {
        return;
    }
    let (sh, sw) = (s.stride.0.max(1), s.stride.1.max(1));
    let (dh, dw) = (s.dilation.0.max(1), s.dilation.1.max(1));
    let (pt, pl, pb, pr) = s.pad;
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
    for yp in y.chunks_exact_mut(s.oh * s.ow) {
        for (oy, yr) in yp.chunks_exact_mut(s.ow).enumerate() {
            let ch = count(oy, sh, dh, s.kh, pt, pb, s.h);
            for (ox, v) in yr.iter_mut().enumerate() {
                let cw = count(ox, sw, dw, s.kw, pl, pr, s.w);
                *v /= (ch * cw) as f32;
            }
        }
    }
}
