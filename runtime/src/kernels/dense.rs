//! Dense layers (Gemm / MatMul with a constant matrix) and activation x activation MatMul.

use super::Post;
use half::f16;

/// `y[i][j] = post_j(sum_k x[i][k] * w[j][k])` for `i < m`, `j < n`.
///
/// `x` is `m x k`, `w` is `n x k` (one row per output: the inner loop is a straight
/// dot product), `y` is `m x n`, all row-major.
pub fn dense(x: &[f32], w: &[f16], y: &mut [f32], m: usize, k: usize, n: usize, post: Post<'_>) {
    todo!("{} {} {} {m} {k} {n} {post:?}", x.len(), w.len(), y.len())
}

/// Batched matrix product of two activations: for each `b < batch`,
/// `y[b] (m x n) = a[b] (m x k) . bm[b] (k x n)`, where `a[b]` starts at
/// `b * a_stride` and `bm[b]` at `b * b_stride` (a stride of 0 broadcasts).
#[allow(clippy::too_many_arguments)]
pub fn matmul(
    a: &[f32],
    bm: &[f32],
    y: &mut [f32],
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    a_stride: usize,
    b_stride: usize,
) {
    todo!(
        "{} {} {} {batch} {m} {k} {n} {a_stride} {b_stride}",
        a.len(),
        bm.len(),
        y.len()
    )
}
