//! Data movement: transpose, the pieces of a concat, plain copies.

/// Maximum rank the movement and broadcasting kernels handle (codegen refuses more).
pub const MAX_RANK: usize = 6;

/// General transpose: for every output index `(i0..i5)` over `out_shape` (rank padded
/// to [`MAX_RANK`] with leading 1s), `y[flat(i)] = x[sum_d i_d * src_strides[d]]`.
pub fn permute(
    x: &[f32],
    y: &mut [f32],
    out_shape: &[usize; MAX_RANK],
    src_strides: &[usize; MAX_RANK],
) {
    todo!("{} {} {out_shape:?} {src_strides:?}", x.len(), y.len())
}

/// One input of a Concat: `x` viewed as `outer x chunk` is copied into `y` viewed as
/// `outer x y_row`, at column `y_col` of each row.
pub fn concat_part(
    x: &[f32],
    y: &mut [f32],
    outer: usize,
    chunk: usize,
    y_row: usize,
    y_col: usize,
) {
    todo!("{} {} {outer} {chunk} {y_row} {y_col}", x.len(), y.len())
}

/// `y = x` (same length).
#[inline(always)]
pub fn copy(x: &[f32], y: &mut [f32]) {
    y.copy_from_slice(x)
}
