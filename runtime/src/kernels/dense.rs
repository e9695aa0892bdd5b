//! Dense layers (Gemm / MatMul with a constant matrix) and activation x activation MatMul.

use super::dot::dot_f16;
use super::{Activation, Post};
use crate::slice::{split, window, window_mut};
use half::f16;

/// Rows of `bm` folded into one pass over an output row in [`matmul`].
const KBLOCK: usize = 4;

/// The shape of a dense layer: `rows` input vectors of `inputs` values each, mapped to
/// `outputs` values each.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DenseShape {
    /// Rows of `x` and `y` (the batch, or every leading axis of a MatMul).
    pub rows: usize,
    /// Values per input row (columns of `x`, of `w`).
    pub inputs: usize,
    /// Values per output row (columns of `y`, rows of `w`).
    pub outputs: usize,
}

/// `y[i][j] = post_j(sum_k x[i][k] * w[j][k])` for `i < rows`, `j < outputs`.
///
/// `x` is `rows x inputs`, `w` is `outputs x inputs` (one row per output: the inner
/// loop is a straight dot product), `y` is `rows x outputs`, all row-major.
#[inline(always)]
pub fn dense<A: Activation>(x: &[f32], w: &[f16], y: &mut [f32], s: DenseShape, post: Post<'_, A>) {
    dense_rows(x, w, y, s.rows, s.inputs, s.outputs, post);
}

/// [`dense`] with its shape as plain numbers. The named shape stops at the always
/// inlined [`dense`]: passed on as a struct, LLVM kept it in memory and reloaded it
/// (`dense_two_softmax` went from 4.50 to 4.77 instructions per MAC on Cortex-M4F);
/// as numbers the call costs what it did before shapes were named.
fn dense_rows<A: Activation>(
    x: &[f32],
    w: &[f16],
    y: &mut [f32],
    m: usize,
    k: usize,
    n: usize,
    post: Post<'_, A>,
) {
    debug_assert_eq!(x.len(), m * k);
    debug_assert_eq!(w.len(), n * k);
    debug_assert_eq!(y.len(), m * n);
    if m == 0 || n == 0 {
        return;
    }
    let y = window_mut(y, 0, m * n);
    if k == 0 {
        y.fill(0.0);
    } else {
        let w = window(w, 0, n * k);
        for (xr, yr) in x.chunks_exact(k).zip(y.chunks_exact_mut(n)) {
            for (yv, wr) in yr.iter_mut().zip(w.chunks_exact(k)) {
                *yv = dot_f16(xr, wr);
            }
        }
    }
    for yr in y.chunks_exact_mut(n) {
        post.row(yr);
    }
}

/// The shape of a batched product of two activations, `y[b] = a[b] . bm[b]`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct MatMulShape {
    /// Products computed (the batch).
    pub batch: usize,
    /// Rows of `a[b]` and `y[b]`.
    pub rows: usize,
    /// Columns of `a[b]`, rows of `bm[b]`: the length of each dot product.
    pub depth: usize,
    /// Columns of `bm[b]` and `y[b]`.
    pub cols: usize,
    /// Elements from one `a[b]` to the next (0: one `a` for every product).
    pub a_stride: usize,
    /// Elements from one `bm[b]` to the next (0: one `bm` for every product).
    pub b_stride: usize,
}

/// Batched matrix product of two activations: for each `b < batch`,
/// `y[b] (rows x cols) = a[b] (rows x depth) . bm[b] (depth x cols)`, where `a[b]`
/// starts at `b * a_stride` and `bm[b]` at `b * b_stride` (a stride of 0 broadcasts).
///
/// Each output row is built by scaled additions of rows of `bm[b]` (the inner loop runs
/// over `cols` contiguous outputs with a scalar from `a`), four rows per pass.
pub fn matmul(a: &[f32], bm: &[f32], y: &mut [f32], s: &MatMulShape) {
    let MatMulShape {
        batch,
        rows: m,
        depth: k,
        cols: n,
        a_stride,
        b_stride,
    } = *s;
    debug_assert_eq!(y.len(), batch * m * n);
    if batch == 0 || m == 0 || n == 0 {
        return;
    }
    debug_assert!(a.len() >= (batch - 1) * a_stride + m * k);
    debug_assert!(bm.len() >= (batch - 1) * b_stride + k * n);
    let y = window_mut(y, 0, batch * m * n);
    if k == 0 {
        y.fill(0.0);
        return;
    }
    // Chunk sizes as `max(1)`: the sizes are non-zero here (returned above), and the
    // compiler, told so, drops `chunks_exact`'s zero-size panic path.
    for (b, yb) in y.chunks_exact_mut((m * n).max(1)).enumerate() {
        let ab = window(a, b * a_stride, m * k);
        let bb = window(bm, b * b_stride, k * n);
        for (ar, yr) in ab.chunks_exact(k.max(1)).zip(yb.chunks_exact_mut(n.max(1))) {
            yr.fill(0.0);
            let ak = ar.chunks_exact(KBLOCK);
            let bk = bb.chunks_exact((KBLOCK * n).max(1));
            let (a_tail, b_tail) = (ak.remainder(), bk.remainder());
            for (a4, b4) in ak.zip(bk) {
                let (b0, rest) = split(b4, n);
                let (b1, rest) = split(rest, n);
                let (b2, b3) = split(rest, n);
                let &[a0, a1, a2, a3] = a4 else { continue };
                for ((((yv, &p0), &p1), &p2), &p3) in yr.iter_mut().zip(b0).zip(b1).zip(b2).zip(b3)
                {
                    *yv += (a0 * p0 + a1 * p1) + (a2 * p2 + a3 * p3);
                }
            }
            for (&av, br) in a_tail.iter().zip(b_tail.chunks_exact(n.max(1))) {
                for (yv, &p) in yr.iter_mut().zip(br) {
                    *yv += av * p;
                }
            }
        }
    }
}
