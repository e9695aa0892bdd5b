//! Data movement: transpose, the pieces of a concat, plain copies.

/// Maximum rank the movement and broadcasting kernels handle (codegen refuses more).
pub const MAX_RANK: usize = 6;

use crate::slice::{at, copy as copy_run, tail, window, window_mut};

/// An operand read along the output's axes: the output shape (rank padded to
/// [`MAX_RANK`] with leading 1s) and the operand's element stride along each of them
/// (0 where it broadcasts; any order for a transpose).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Strided {
    /// Output shape.
    pub shape: [usize; MAX_RANK],
    /// The operand's stride along each output axis, in elements.
    pub strides: [usize; MAX_RANK],
}

/// General transpose (and strided slice): for every output index `(i0..i5)` over
/// `s.shape`, `y[flat(i)] = x[sum_d i_d * s.strides[d]]`.
///
/// Axes of size 1 are dropped and neighbouring axes that are contiguous in `x` merged
/// first, so the inner loop runs over the longest possible stretch (a plain copy when
/// it is contiguous in `x`).
pub fn permute(x: &[f32], y: &mut [f32], s: &Strided) {
    let (out_shape, src_strides) = (&s.shape, &s.strides);
    debug_assert_eq!(y.len(), out_shape.iter().product::<usize>());
    let Some(c) = Coalesced::new(out_shape, [src_strides]) else {
        return;
    };
    let (len, [s]) = c.inner();
    if len == 0 {
        return;
    }
    for (yr, [o]) in y.chunks_exact_mut(len).zip(c.rows()) {
        match s {
            0 => yr.fill(at(x, o)),
            1 => copy_run(window(x, o, len), yr),
            _ => {
                for (yv, &xv) in yr.iter_mut().zip(tail(x, o).iter().step_by(s)) {
                    *yv = xv;
                }
            }
        }
    }
}

/// Where one input of a Concat goes: `x` viewed as `rows x width` lands in `y` viewed
/// as `rows x out_width`, at column `col` of each row.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConcatShape {
    /// Rows (the product of the axes before the concat axis).
    pub rows: usize,
    /// Values per row of this input.
    pub width: usize,
    /// Values per row of the output (all inputs).
    pub out_width: usize,
    /// Column of the output row where this input starts.
    pub col: usize,
}

/// One input of a Concat: `x` viewed as `rows x width` is copied into `y` viewed as
/// `rows x out_width`, at column `col` of each row.
#[inline(always)]
pub fn concat_part(x: &[f32], y: &mut [f32], s: ConcatShape) {
    concat_rows(x, y, s.rows, s.width, s.out_width, s.col);
}

/// [`concat_part`] with its shape as plain numbers (see `dense::dense_rows` for why the
/// shape struct stops at the inlined wrapper).
fn concat_rows(x: &[f32], y: &mut [f32], outer: usize, chunk: usize, y_row: usize, y_col: usize) {
    debug_assert_eq!(x.len(), outer * chunk);
    debug_assert_eq!(y.len(), outer * y_row);
    debug_assert!(y_col + chunk <= y_row);
    if outer == 0 || chunk == 0 {
        return;
    }
    for (xr, yr) in x.chunks_exact(chunk).zip(y.chunks_exact_mut(y_row)) {
        copy_run(xr, window_mut(yr, y_col, chunk));
    }
}

/// `y = x` (same length).
#[inline(always)]
pub fn copy(x: &[f32], y: &mut [f32]) {
    copy_run(x, y)
}

/// A row-major iteration space (the output's shape) together with `S` stride sets
/// (one per operand, in elements), after dropping size-1 axes and merging each axis
/// into the next when every operand is contiguous across the two. The output is
/// contiguous, so the innermost axis is a run of consecutive outputs.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Coalesced<const S: usize> {
    rank: usize,
    shape: [usize; MAX_RANK],
    strides: [[usize; MAX_RANK]; S],
}

impl<const S: usize> Coalesced<S> {
    /// `None` when the shape has no element.
    pub(crate) fn new(shape: &[usize; MAX_RANK], strides: [&[usize; MAX_RANK]; S]) -> Option<Self> {
        if shape.contains(&0) {
            return None;
        }
        let mut c = Coalesced {
            rank: 0,
            shape: [1; MAX_RANK],
            strides: [[0; MAX_RANK]; S],
        };
        for d in 0..MAX_RANK {
            let n = shape[d];
            if n == 1 {
                continue;
            }
            // `c.rank <= d < MAX_RANK` here: `min` only tells the compiler so.
            if c.rank > 0 {
                let p = c.rank.min(MAX_RANK) - 1;
                if c.strides
                    .iter()
                    .zip(strides)
                    .all(|(cs, s)| cs[p] == s[d] * n)
                {
                    c.shape[p] *= n;
                    for (cs, s) in c.strides.iter_mut().zip(strides) {
                        cs[p] = s[d];
                    }
                    continue;
                }
            }
            let r = c.rank.min(MAX_RANK - 1);
            c.shape[r] = n;
            for (cs, s) in c.strides.iter_mut().zip(strides) {
                cs[r] = s[d];
            }
            c.rank += 1;
        }
        if c.rank == 0 {
            c.rank = 1;
        }
        Some(c)
    }

    /// Length of the innermost run and each operand's stride along it.
    pub(crate) fn inner(&self) -> (usize, [usize; S]) {
        let d = self.rank.saturating_sub(1).min(MAX_RANK - 1);
        (self.shape[d], self.strides.map(|s| s[d]))
    }

    /// Each operand's offset at the start of every innermost run, in output order.
    pub(crate) fn rows(&self) -> Rows<S> {
        let outer = self.rank.saturating_sub(1).min(MAX_RANK - 1);
        Rows {
            c: *self,
            idx: [0; MAX_RANK],
            off: [0; S],
            left: self.shape.iter().take(outer).product(),
        }
    }
}

/// Iterator behind [`Coalesced::rows`]: an odometer over the outer axes.
pub(crate) struct Rows<const S: usize> {
    c: Coalesced<S>,
    idx: [usize; MAX_RANK],
    off: [usize; S],
    left: usize,
}

impl<const S: usize> Iterator for Rows<S> {
    type Item = [usize; S];

    #[inline]
    fn next(&mut self) -> Option<[usize; S]> {
        if self.left == 0 {
            return None;
        }
        self.left -= 1;
        let cur = self.off;
        // Advance the odometer over axes 0..rank-1, innermost first.
        let mut d = self.c.rank.saturating_sub(1).min(MAX_RANK - 1);
        while d > 0 {
            d -= 1;
            self.idx[d] += 1;
            for k in 0..S {
                self.off[k] += self.c.strides[k][d];
            }
            if self.idx[d] < self.c.shape[d] {
                break;
            }
            self.idx[d] = 0;
            for k in 0..S {
                self.off[k] -= self.c.strides[k][d] * self.c.shape[d];
            }
        }
        Some(cur)
    }
}
