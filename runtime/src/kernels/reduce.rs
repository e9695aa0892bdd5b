//! Reductions over one contiguous block of axes: Mean, Sum, Max, Min, L2.
//!
//! Every kernel sees its input as `outer x reduced x inner` and reduces the middle
//! axis. Several non-adjacent axes are reduced by the lowering as one call per run of
//! consecutive axes, each on the previous call's (smaller) output, rather than by a
//! permute first: each of these reductions composes with itself (a max of maxes, a mean
//! of equal-sized means, `sqrt(sum(l2^2))`), so the chain needs no copy of the whole
//! input, only temporaries smaller than it, and the loops stay contiguous.
//!
//! NaN: Sum, Mean and L2 propagate it by arithmetic; Max and Min propagate it too (any
//! NaN in a reduced group gives NaN, whatever its position), as numpy's `max` and the
//! ONNX reference implementation do, and as onnxruntime's elementwise Max/Min do since
//! 1.19. (Its ReduceMax keeps or drops a NaN depending on its position,
//! microsoft/onnxruntime#10514; an order-independent rule is the one a test can pin.)
//! The loops have no data-dependent branch: the NaN test is a select.

use super::dot::{lanes_sum, LANES};
use crate::slice::window_mut;

/// A tensor viewed as `outer x reduced x inner`, reduced over the middle axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ReduceShape {
    /// Product of the axes before the reduced ones.
    pub outer: usize,
    /// Product of the reduced (consecutive) axes.
    pub reduced: usize,
    /// Product of the axes after them.
    pub inner: usize,
}

/// The reductions the runtime has, as the generated code names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReduceOp {
    /// `sum / reduced` (NaN over nothing).
    Mean,
    /// `sum` (0 over nothing).
    Sum,
    /// largest, NaN if any is NaN (`-inf` over nothing).
    Max,
    /// smallest, NaN if any is NaN (`+inf` over nothing).
    Min,
    /// `sqrt(sum x^2)` (0 over nothing).
    L2,
}

impl ReduceOp {
    /// The ONNX op name (`ReduceMax`...).
    pub fn onnx(self) -> &'static str {
        match self {
            ReduceOp::Mean => "ReduceMean",
            ReduceOp::Sum => "ReduceSum",
            ReduceOp::Max => "ReduceMax",
            ReduceOp::Min => "ReduceMin",
            ReduceOp::L2 => "ReduceL2",
        }
    }

    /// The kernel's function name in this module (`reduce_max`...).
    pub fn kernel(self) -> &'static str {
        match self {
            ReduceOp::Mean => "reduce_mean",
            ReduceOp::Sum => "reduce_sum",
            ReduceOp::Max => "reduce_max",
            ReduceOp::Min => "reduce_min",
            ReduceOp::L2 => "reduce_l2",
        }
    }
}

/// Runs `op` (one match per call, outside the loops).
#[inline]
pub fn reduce(x: &[f32], y: &mut [f32], s: ReduceShape, op: ReduceOp) {
    match op {
        ReduceOp::Mean => reduce_mean(x, y, s),
        ReduceOp::Sum => reduce_sum(x, y, s),
        ReduceOp::Max => reduce_max(x, y, s),
        ReduceOp::Min => reduce_min(x, y, s),
        ReduceOp::L2 => reduce_l2(x, y, s),
    }
}

/// `y[o][i] = sum_r x[o][r][i]`.
#[inline(always)]
pub fn reduce_sum(x: &[f32], y: &mut [f32], s: ReduceShape) {
    fold_axis(x, y, s.outer, s.reduced, s.inner, 0.0, |a, v| a + v, |a| a);
}

/// `y[o][i] = max_r x[o][r][i]`, NaN if any of them is NaN.
#[inline(always)]
pub fn reduce_max(x: &[f32], y: &mut [f32], s: ReduceShape) {
    fold_axis(
        x,
        y,
        s.outer,
        s.reduced,
        s.inner,
        f32::NEG_INFINITY,
        max_nan,
        |a| a,
    );
}

/// `y[o][i] = min_r x[o][r][i]`, NaN if any of them is NaN.
#[inline(always)]
pub fn reduce_min(x: &[f32], y: &mut [f32], s: ReduceShape) {
    fold_axis(
        x,
        y,
        s.outer,
        s.reduced,
        s.inner,
        f32::INFINITY,
        min_nan,
        |a| a,
    );
}

/// `y[o][i] = sqrt(sum_r x[o][r][i]^2)`.
#[inline(always)]
pub fn reduce_l2(x: &[f32], y: &mut [f32], s: ReduceShape) {
    fold_axis(
        x,
        y,
        s.outer,
        s.reduced,
        s.inner,
        0.0,
        |a, v| a + v * v,
        libm::sqrtf,
    );
}

/// `a` if it is NaN or larger, else `b`: NaN wins from either side. `|`, not `||`:
/// both comparisons are evaluated, so the select has no short-circuit branch.
#[inline(always)]
fn max_nan(a: f32, b: f32) -> f32 {
    if (a > b) | a.is_nan() {
        a
    } else {
        b
    }
}

/// `a` if it is NaN or smaller, else `b`.
#[inline(always)]
fn min_nan(a: f32, b: f32) -> f32 {
    if (a < b) | a.is_nan() {
        a
    } else {
        b
    }
}

/// `y[o][i] = finish(fold(init, step, x[o][..][i]))` over `outer x r x inner`. The
/// accumulators of one `o` are `y[o]` itself, so nothing is allocated; `r == 0` gives
/// `finish(init)`.
#[inline(always)]
#[allow(clippy::too_many_arguments)]
fn fold_axis(
    x: &[f32],
    y: &mut [f32],
    outer: usize,
    r: usize,
    inner: usize,
    init: f32,
    step: impl Fn(f32, f32) -> f32,
    finish: impl Fn(f32) -> f32,
) {
    debug_assert_eq!(x.len(), outer * r * inner);
    debug_assert_eq!(y.len(), outer * inner);
    if outer == 0 || inner == 0 {
        return;
    }
    let y = window_mut(y, 0, outer * inner);
    if r == 0 {
        y.fill(finish(init));
        return;
    }
    if inner == 1 {
        for (xr, yv) in x.chunks_exact(r).zip(y.iter_mut()) {
            let mut acc = init;
            for &v in xr {
                acc = step(acc, v);
            }
            *yv = finish(acc);
        }
        return;
    }
    // `max(1)`: see `softmax_inplace`; keeps the chunk-size panic unreachable.
    for (xo, yo) in x
        .chunks_exact((r * inner).max(1))
        .zip(y.chunks_exact_mut(inner))
    {
        yo.fill(init);
        for xr in xo.chunks_exact(inner) {
            for (yv, &xv) in yo.iter_mut().zip(xr) {
                *yv = step(*yv, xv);
            }
        }
        for yv in yo.iter_mut() {
            *yv = finish(*yv);
        }
    }
}

/// `y[o][i] = mean_r x[o][r][i]` with `x` viewed as `outer x reduced x inner`.
/// GlobalAveragePool is `inner = 1`, `reduced = h * w`.
///
/// `reduced == 0` gives NaN (`0 / 0`), as a mean over nothing.
#[inline(always)]
pub fn reduce_mean(x: &[f32], y: &mut [f32], s: ReduceShape) {
    reduce_mean_axis(x, y, s.outer, s.reduced, s.inner);
}

/// [`reduce_mean`] with its shape as plain numbers (see `dense::dense_rows` for why the
/// shape struct stops at the inlined wrapper).
fn reduce_mean_axis(x: &[f32], y: &mut [f32], outer: usize, r: usize, inner: usize) {
    debug_assert_eq!(x.len(), outer * r * inner);
    debug_assert_eq!(y.len(), outer * inner);
    if outer == 0 || inner == 0 {
        return;
    }
    let y = window_mut(y, 0, outer * inner);
    if r == 0 {
        y.fill(f32::NAN);
        return;
    }
    let div = r as f32;
    if inner == 1 {
        for (xr, yv) in x.chunks_exact(r).zip(y.iter_mut()) {
            *yv = sum(xr) / div;
        }
        return;
    }
    // `max(1)`: see `softmax_inplace`; keeps the chunk-size panic unreachable.
    for (xo, yo) in x
        .chunks_exact((r * inner).max(1))
        .zip(y.chunks_exact_mut(inner))
    {
        yo.fill(0.0);
        for xr in xo.chunks_exact(inner) {
            for (yv, &xv) in yo.iter_mut().zip(xr) {
                *yv += xv;
            }
        }
        for yv in yo.iter_mut() {
            *yv /= div;
        }
    }
}

/// `sum_i x[i]`, with [`LANES`] partial sums.
#[inline]
pub(crate) fn sum(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    let mut t = 0.0f32;
    for &v in tail {
        t += v;
    }
    lanes_sum(acc) + t
}

/// `max_i x[i]` ignoring NaN (`-inf` when empty or all NaN).
#[inline]
pub(crate) fn max(x: &[f32]) -> f32 {
    #[inline(always)]
    fn mx(a: f32, b: f32) -> f32 {
        if b > a {
            b
        } else {
            a
        }
    }
    let mut acc = [f32::NEG_INFINITY; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a = mx(*a, v);
        }
    }
    let mut t = f32::NEG_INFINITY;
    for &v in tail {
        t = mx(t, v);
    }
    // In lane order, for the same reason as `lanes_sum`.
    let mut m = t;
    for a in acc {
        m = mx(m, a);
    }
    m
}
