//! GatherND with constant indices: the output is a sequence of rows of `row` values,
//! row `k` copied from the input at element offset `offsets[k]`.
//!
//! The offsets are computed by the code generator from the model's constant indices
//! (`sum_d index[d] * stride[d]`), so the kernel is a list of copies whose addresses
//! depend on the model only, not on the data. They are stored as `f32` (exact for the
//! offsets below 2^24 the code generator accepts).

use crate::slice::{copy, window};

/// `y[k * row .. (k + 1) * row] = x[offsets[k] .. offsets[k] + row]` for each `k`.
pub fn gather_rows(x: &[f32], y: &mut [f32], offsets: &[f32], row: usize) {
    debug_assert_eq!(y.len(), offsets.len() * row);
    if row == 0 {
        return;
    }
    for (yr, &o) in y.chunks_exact_mut(row.max(1)).zip(offsets) {
        copy(window(x, o as usize, row), yr);
    }
}
