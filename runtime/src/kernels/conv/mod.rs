//! 1-D and 2-D convolution (NCHW; a 1-D convolution is a 2-D one with `h = kh = 1`),
//! with strides, explicit padding, dilations and groups (depthwise included).

mod blocked;
mod columns;
mod depthwise;
mod gather;
#[doc(hidden)]
pub mod tile;

pub use blocked::{gathered, gathered_applies, pointwise, PANEL_ROWS};
pub use depthwise::{depthwise3x3, depthwise3x3_applies};
pub use tile::{pack, pack_into, packed_len};

use super::{Activation, Post};
use crate::f16::widen;
use crate::slice::{split, tail, window, window_mut};
use half::f16;

/// The shape of one convolution, all resolved by the code generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    /// Batch.
    pub n: usize,
    /// Input channels (all groups).
    pub c_in: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Output channels (all groups).
    pub c_out: usize,
    /// Kernel height.
    pub kh: usize,
    /// Kernel width.
    pub kw: usize,
    /// Output height.
    pub oh: usize,
    /// Output width.
    pub ow: usize,
    /// Stride (height, width).
    pub stride: (usize, usize),
    /// Padding before the first row and column (top, left); padding after is implied by `oh`, `ow`.
    pub pad: (usize, usize),
    /// Dilation (height, width).
    pub dilation: (usize, usize),
    /// Groups; `c_in` and `c_out` are multiples of it.
    pub groups: usize,
}

/// The output positions `o` in `[lo, hi)` (clamped to `[0, out)`) whose input position
/// `o * stride + off - pad` lies inside `[0, size)`.
#[inline(always)]
pub(crate) fn valid_range(
    off: usize,
    pad: usize,
    size: usize,
    stride: usize,
    out: usize,
) -> (usize, usize) {
    let lo = if off >= pad {
        0
    } else {
        (pad - off).div_ceil(stride)
    };
    let hi = if size + pad > off {
        (size + pad - off).div_ceil(stride).min(out)
    } else {
        0
    };
    (lo.min(hi), hi)
}

/// `f(y[i], x[i])` over two runs of the same length; the innermost loop of every
/// convolution and pool.
#[inline(always)]
fn run(y: &mut [f32], x: &[f32], f: impl Fn(&mut f32, f32)) {
    for (yv, &xv) in y.iter_mut().zip(x) {
        f(yv, xv);
    }
}

/// `y = post(conv(x, w))`: `x` is `n x c_in x h x w`, `w` is
/// `c_out x (c_in / groups) x kh x kw`, `y` is `n x c_out x oh x ow`. Padding reads zeros.
///
/// Filters of at least 16 weights (`cig * kh * kw`) go through `columns`: gathered
/// input columns and f16 dot products, the fast path on Cortex-M4F. 1x1 convolutions
/// at stride 1 without padding (pointwise) add four input planes per pass over each
/// output plane instead (4.4 against 5.2 instructions per MAC on the Cortex-M4F for
/// 32 -> 64 channels, and 5x faster on x86, where the planes vectorize). Smaller
/// filters (depthwise, few input channels) use direct convolution, one output plane at
/// a time: for each filter tap (a scalar weight) the valid output rows and columns are
/// computed once, outside the loops, then the tap is added to those outputs in a loop
/// over contiguous output columns (a single contiguous run across rows when the tap
/// covers whole rows at stride 1). Filter rows of width 3 add their three taps in one
/// pass. Depthwise convolution (`groups == c_in`) is the same code with one input
/// channel per output.
pub fn conv2d<A: Activation>(
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
        stride,
        pad,
        groups,
        ..
    } = *s;
    debug_assert!(groups > 0 && c_in % groups == 0 && c_out % groups == 0);
    debug_assert!(stride.0 > 0 && stride.1 > 0);
    let groups = groups.max(1);
    let (cig, cog) = (c_in / groups, c_out / groups);
    let (plane_in, plane_out, taps) = (h * wd, oh * ow, kh * kw);
    debug_assert_eq!(x.len(), n * c_in * plane_in);
    debug_assert_eq!(w.len(), c_out * cig * taps);
    debug_assert_eq!(y.len(), n * c_out * plane_out);
    if n == 0 || cog == 0 || plane_out == 0 {
        return;
    }
    let accumulate = cig > 0 && taps > 0 && plane_in > 0;
    // 1x1, stride 1, no padding: each output plane is a weighted sum of input planes.
    let pointwise = taps == 1 && stride == (1, 1) && pad == (0, 0) && (oh, ow) == (h, wd);
    let y = window_mut(y, 0, n * c_out * plane_out);
    for (b, yb) in y.chunks_exact_mut((c_out * plane_out).max(1)).enumerate() {
        // Output channels group by group (no division to find an output's group).
        let mut oc = 0;
        for (g, yg) in yb.chunks_exact_mut((cog * plane_out).max(1)).enumerate() {
            let xg = window(x, (b * c_in + g * cig) * plane_in, cig * plane_in);
            if accumulate && !pointwise && columns::applies(cig, taps) {
                columns::group(yg, xg, w, g * cog * cig * taps, s, cig, cog);
                for yp in yg.chunks_exact_mut(plane_out) {
                    post.channel(oc, yp);
                    oc += 1;
                }
                continue;
            }
            for yp in yg.chunks_exact_mut(plane_out) {
                yp.fill(0.0);
                if accumulate {
                    let wo = window(w, oc * cig * taps, cig * taps);
                    if pointwise {
                        pointwise_plane(yp, xg, wo);
                    } else {
                        direct_plane(yp, xg, wo, s);
                    }
                }
                post.channel(oc, yp);
                oc += 1;
            }
        }
    }
}

/// Adds every tap of the filter `wo` (`cig x kh x kw`) over the input planes `xg` into
/// the output plane `yp`: filter rows of width 3 through [`row3`], others tap by tap.
#[inline(always)]
fn direct_plane(yp: &mut [f32], xg: &[f32], wo: &[f16], s: &ConvShape) {
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
    let (sh, sw) = (sh.max(1), sw.max(1));
    if h * wd == 0 || kh * kw == 0 || ow == 0 {
        return;
    }
    // Chunk sizes as `max(1)` (also in conv2d's outer loops): they are non-zero
    // (returned above), and the compiler, told so, drops `chunks_exact`'s zero-size
    // panic path where the shape is not a constant (conv2d out of line).
    for (xp, wi) in xg
        .chunks_exact((h * wd).max(1))
        .zip(wo.chunks_exact((kh * kw).max(1)))
    {
        for (ky, wrow) in wi.chunks_exact(kw.max(1)).enumerate() {
            let (oy_lo, oy_hi) = valid_range(ky * dh, ph, h, sh, oh);
            if oy_lo == oy_hi {
                continue;
            }
            let iy0 = oy_lo * sh + ky * dh - ph;
            if let [w0, w1, w2] = *wrow {
                let row = Row3 {
                    rows: (oy_lo, oy_hi),
                    iy0,
                    ow,
                    w: wd,
                    stride: (sh, sw),
                    dw,
                    pw,
                };
                row3(yp, xp, [widen(w0), widen(w1), widen(w2)], row);
                continue;
            }
            for (kx, &wv) in wrow.iter().enumerate() {
                let (ox_lo, ox_hi) = valid_range(kx * dw, pw, wd, sw, ow);
                if ox_lo == ox_hi {
                    continue;
                }
                let wv = widen(wv);
                let t = Tap {
                    rows: (oy_lo, oy_hi),
                    cols: (ox_lo, ox_hi),
                    iy0,
                    ix0: ox_lo * sw + kx * dw - pw,
                    ow,
                    w: wd,
                    stride: (sh, sw),
                };
                tap(yp, xp, t, |y, x| *y += wv * x);
            }
        }
    }
}

/// Input planes folded into one pass over the output plane in [`pointwise_plane`].
const ICBLOCK: usize = 4;

/// `yp += sum_ic wo[ic] * xg[ic]` over whole planes (a 1x1 convolution), [`ICBLOCK`]
/// input planes per pass so the output is loaded and stored a quarter as often.
#[inline(always)]
fn pointwise_plane(yp: &mut [f32], xg: &[f32], wo: &[f16]) {
    let plane = yp.len();
    if plane == 0 {
        return;
    }
    let xc = xg.chunks_exact(ICBLOCK * plane);
    let wc = wo.chunks_exact(ICBLOCK);
    let (x_tail, w_tail) = (xc.remainder(), wc.remainder());
    for (x4, w4) in xc.zip(wc) {
        let (x0, rest) = split(x4, plane);
        let (x1, rest) = split(rest, plane);
        let (x2, x3) = split(rest, plane);
        let &[a, b, c, d] = w4 else { continue };
        let [a, b, c, d] = [widen(a), widen(b), widen(c), widen(d)];
        for ((((yv, &p), &q), &r), &t) in yp.iter_mut().zip(x0).zip(x1).zip(x2).zip(x3) {
            *yv += (a * p + b * q) + (c * r + d * t);
        }
    }
    for (xp, &wv) in x_tail.chunks_exact(plane).zip(w_tail) {
        let wv = widen(wv);
        run(yp, xp, |y, x| *y += wv * x);
    }
}

/// One filter row of width 3 over the output rows it reaches (see [`row3`]).
#[derive(Clone, Copy)]
struct Row3 {
    rows: (usize, usize),
    iy0: usize,
    ow: usize,
    w: usize,
    stride: (usize, usize),
    dw: usize,
    pw: usize,
}

/// `yp[oy][ox] += sum_kx wv[kx] * xp[iy][ox * sw + kx * dw - pw]` for a filter row of
/// width 3 (the common 3x3 and depthwise 3x3 case): three taps per pass over the
/// output, so a third of the output loads, stores and row set-ups of three single-tap
/// passes. In the interior columns, where all three taps read the input, the inner
/// loop runs over contiguous outputs with three scalar weights; the few edge columns
/// (at most the padding on each side) add their valid taps one by one.
#[inline(always)]
fn row3(yp: &mut [f32], xp: &[f32], wv: [f32; 3], r: Row3) {
    let (oy_lo, oy_hi) = r.rows;
    let (sh, sw) = r.stride;
    let ranges: [(usize, usize); 3] =
        core::array::from_fn(|k| valid_range(k * r.dw, r.pw, r.w, sw, r.ow));
    let first = ranges.iter().map(|v| v.0).min().unwrap_or(0);
    let last = ranges.iter().map(|v| v.1).max().unwrap_or(0);
    let lo = ranges.iter().map(|v| v.0).max().unwrap_or(0);
    let hi = ranges.iter().map(|v| v.1).min().unwrap_or(0);
    // No interior: every valid column is an edge column.
    let (lo, hi) = if lo < hi { (lo, hi) } else { (last, last) };
    let n = hi - lo;
    let ix = |k: usize, ox: usize| ox * sw + k * r.dw - r.pw;
    // Each tap's valid columns left of the interior and right of it.
    let left: [(usize, usize); 3] = core::array::from_fn(|k| {
        let (a, b) = ranges[k];
        (a.max(first), b.min(lo).max(a.max(first)))
    });
    let right: [(usize, usize); 3] = core::array::from_fn(|k| {
        let (a, b) = ranges[k];
        (a.max(hi), b.max(a.max(hi)))
    });
    if r.ow == 0 || r.w == 0 {
        return;
    }
    let yrows = yp.chunks_exact_mut(r.ow).skip(oy_lo).take(oy_hi - oy_lo);
    let xrows = xp.chunks_exact(r.w).skip(r.iy0).step_by(sh);
    for (yr, xr) in yrows.zip(xrows) {
        for (k, (&(a, b), &(c, d))) in left.iter().zip(&right).enumerate() {
            for ox in (a..b).chain(c..d) {
                if let (Some(yv), Some(&xv)) = (yr.get_mut(ox), xr.get(ix(k, ox))) {
                    *yv += wv[k] * xv;
                }
            }
        }
        if n == 0 {
            continue;
        }
        let y = window_mut(yr, lo, n);
        let [w0, w1, w2] = wv;
        if sw == 1 {
            let (x0, x1, x2) = (
                window(xr, ix(0, lo), n),
                window(xr, ix(1, lo), n),
                window(xr, ix(2, lo), n),
            );
            for (((yv, &a), &b), &c) in y.iter_mut().zip(x0).zip(x1).zip(x2) {
                *yv += (w0 * a + w1 * b) + w2 * c;
            }
        } else {
            let x0 = tail(xr, ix(0, lo)).iter().step_by(sw);
            let x1 = tail(xr, ix(1, lo)).iter().step_by(sw);
            let x2 = tail(xr, ix(2, lo)).iter().step_by(sw);
            for (((yv, &a), &b), &c) in y.iter_mut().zip(x0).zip(x1).zip(x2) {
                *yv += (w0 * a + w1 * b) + w2 * c;
            }
        }
    }
}

/// Where one filter tap (or pooling window position) lands: output rows and columns `[lo, hi)`, the input row and
/// column of the first of them, the row lengths, and the strides.
#[derive(Clone, Copy)]
pub(crate) struct Tap {
    pub(crate) rows: (usize, usize),
    pub(crate) cols: (usize, usize),
    pub(crate) iy0: usize,
    pub(crate) ix0: usize,
    pub(crate) ow: usize,
    pub(crate) w: usize,
    pub(crate) stride: (usize, usize),
}

/// `f(yp[oy][ox], xp[iy][ix])` over one tap's valid outputs, `ox` innermost.
#[inline(always)]
pub(crate) fn tap(yp: &mut [f32], xp: &[f32], t: Tap, f: impl Fn(&mut f32, f32) + Copy) {
    let (oy_lo, oy_hi) = t.rows;
    let (ox_lo, ox_hi) = t.cols;
    let (sh, sw) = t.stride;
    let cnt = ox_hi - ox_lo;
    if t.ow == 0 || t.w == 0 {
        return;
    }
    if sh == 1 && sw == 1 && cnt == t.ow && t.ow == t.w {
        // Whole rows at stride 1 (then ix0 == 0): one contiguous run.
        let len = (oy_hi - oy_lo) * t.ow;
        run(
            window_mut(yp, oy_lo * t.ow, len),
            window(xp, t.iy0 * t.w, len),
            f,
        );
        return;
    }
    let yrows = yp.chunks_exact_mut(t.ow).skip(oy_lo).take(oy_hi - oy_lo);
    let xrows = xp.chunks_exact(t.w).skip(t.iy0).step_by(sh);
    if sw == 1 {
        for (yr, xr) in yrows.zip(xrows) {
            run(window_mut(yr, ox_lo, cnt), window(xr, t.ix0, cnt), f);
        }
    } else {
        for (yr, xr) in yrows.zip(xrows) {
            for (yv, &xv) in window_mut(yr, ox_lo, cnt)
                .iter_mut()
                .zip(tail(xr, t.ix0).iter().step_by(sw))
            {
                f(yv, xv);
            }
        }
    }
}
