//! Reductions over one contiguous block of axes.

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
