//! Softmax and LogSoftmax along one axis, numerically stable (max subtracted).

use super::reduce::{max, sum};
use crate::math;
use crate::slice::{window, window_mut};

/// A tensor viewed as `outer x axis x inner`, normalized along the middle axis.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SoftmaxShape {
    /// Product of the axes before the softmax axis.
    pub outer: usize,
    /// Length of the softmax axis.
    pub axis: usize,
    /// Product of the axes after it.
    pub inner: usize,
}

/// In place over `y` viewed as `outer x axis x inner`, along the middle axis;
/// `log` selects LogSoftmax.
///
/// NaN anywhere along an axis makes that whole slice NaN; a slice of `-inf` only is NaN
/// too (`-inf - -inf`), as in onnxruntime.
#[inline(always)]
pub fn softmax_inplace(y: &mut [f32], s: SoftmaxShape, log: bool) {
    softmax_axis(y, s.outer, s.axis, s.inner, log);
}

/// [`softmax_inplace`] with its shape as plain numbers (see `dense::dense_rows` for
/// why the shape struct stops at the inlined wrapper).
fn softmax_axis(y: &mut [f32], outer: usize, n: usize, inner: usize, log: bool) {
    debug_assert_eq!(y.len(), outer * n * inner);
    if outer == 0 || n == 0 || inner == 0 {
        return;
    }
    let y = window_mut(y, 0, outer * n * inner);
    if inner == 1 {
        for row in y.chunks_exact_mut(n) {
            row_softmax(row, log);
        }
        return;
    }
    // `max(1)`: the product cannot be 0 here, but a wrapped product could be for all
    // the compiler knows once the shape is not a constant; this keeps the
    // chunk-size panic out of the inference path (no data-dependent cost).
    for yo in y.chunks_exact_mut((n * inner).max(1)) {
        let mut i0 = 0;
        while i0 < inner {
            let bw = BLOCK.min(inner - i0);
            column_block(yo, inner, i0, bw, log);
            i0 += bw;
        }
    }
}

/// Columns handled together when the softmax axis is not the last one: the stack
/// holds their running max and sum, and each row pass is a short contiguous loop.
const BLOCK: usize = 16;

/// Softmax of one contiguous row.
#[inline]
fn row_softmax(row: &mut [f32], log: bool) {
    let m = max(row);
    if log {
        let mut s = 0.0f32;
        for &v in row.iter() {
            s += math::exp(v - m);
        }
        let ls = math::ln(s);
        for v in row.iter_mut() {
            *v = (*v - m) - ls;
        }
    } else {
        for v in row.iter_mut() {
            *v = math::exp(*v - m);
        }
        let s = sum(row);
        for v in row.iter_mut() {
            *v /= s;
        }
    }
}

/// Softmax along the rows of `yo` (`n x inner`) for columns `i0..i0 + bw`.
#[inline]
fn column_block(yo: &mut [f32], inner: usize, i0: usize, bw: usize, log: bool) {
    let mut mx = [f32::NEG_INFINITY; BLOCK];
    let mut s = [0.0f32; BLOCK];
    let (mx, s) = (&mut mx[..bw], &mut s[..bw]);
    for r in yo.chunks_exact(inner) {
        for (m, &v) in mx.iter_mut().zip(window(r, i0, bw)) {
            *m = if v > *m { v } else { *m };
        }
    }
    if log {
        for r in yo.chunks_exact(inner) {
            for ((a, &m), &v) in s.iter_mut().zip(mx.iter()).zip(window(r, i0, bw)) {
                *a += math::exp(v - m);
            }
        }
        for a in s.iter_mut() {
            *a = math::ln(*a);
        }
        for r in yo.chunks_exact_mut(inner) {
            for ((v, &ls), &m) in window_mut(r, i0, bw)
                .iter_mut()
                .zip(s.iter())
                .zip(mx.iter())
            {
                *v = (*v - m) - ls;
            }
        }
    } else {
        for r in yo.chunks_exact_mut(inner) {
            for ((a, &m), v) in s.iter_mut().zip(mx.iter()).zip(window_mut(r, i0, bw)) {
                *v = math::exp(*v - m);
                *a += *v;
            }
        }
        for r in yo.chunks_exact_mut(inner) {
            for (v, &a) in window_mut(r, i0, bw).iter_mut().zip(s.iter()) {
                *v /= a;
            }
        }
    }
}
