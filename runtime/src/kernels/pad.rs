//! Pad of an activation: a constant value, `reflect` or `edge`, on any axes up to
//! [`MAX_RANK`]; a negative pad removes values (a crop).
//!
//! Each output row (the last axis) is found from the output index of the other axes,
//! then filled in three runs: the values before the input's first one, a plain copy
//! of the part that lies inside the input, and the values after it. Every branch
//! depends on the shape only.

use super::movement::MAX_RANK;
use crate::slice::{at, copy, window, window_mut};

/// What the padded positions hold.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum PadMode {
    /// This value.
    Constant(f32),
    /// The input mirrored at its first and last value, which are not repeated.
    Reflect,
    /// The first or last value of the axis.
    Edge,
}

/// A pad of a tensor of rank up to [`MAX_RANK`] (both shapes padded on the left with 1s).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PadShape {
    /// Input shape.
    pub input: [usize; MAX_RANK],
    /// Output shape (`input + begin + end` per axis).
    pub output: [usize; MAX_RANK],
    /// Values added before the first one of each axis (negative: removed).
    pub begin: [i64; MAX_RANK],
}

/// The input index that output index `o` reads on an axis of `len` values with
/// `begin` added before it; `None` where the constant goes.
#[inline(always)]
pub fn source(o: usize, begin: i64, len: usize, mode: PadMode) -> Option<usize> {
    let i = o as i64 - begin;
    let n = len as i64;
    if (0..n).contains(&i) {
        return Some(i as usize);
    }
    match mode {
        PadMode::Constant(_) => None,
        PadMode::Edge if i < 0 => Some(0),
        PadMode::Edge => Some(len.saturating_sub(1)),
        PadMode::Reflect if n <= 1 => Some(0),
        PadMode::Reflect => {
            // Reflection has period 2 (n - 1): 0 1 .. n-1 n-2 .. 1 0 1 ..
            // `max(1)` (n > 1 here) leaves `rem_euclid` no divide-by-zero path.
            let p = (2 * (n - 1)).max(1);
            let m = i.rem_euclid(p);
            Some((if m < n { m } else { p - m }) as usize)
        }
    }
}

/// Row-major strides of a padded-rank shape.
fn strides(shape: &[usize; MAX_RANK]) -> [usize; MAX_RANK] {
    let mut s = [1; MAX_RANK];
    for d in (0..MAX_RANK - 1).rev() {
        s[d] = s[d + 1] * shape[d + 1];
    }
    s
}

/// One output row read from input row `xr`: columns `[lo, hi)` copied from
/// `xr[first..]`, the others by [`source`].
#[inline(always)]
fn row(
    xr: &[f32],
    yrow: &mut [f32],
    (lo, hi, first): (usize, usize, usize),
    b: i64,
    mode: PadMode,
    fill: f32,
) {
    let Some((left, rest)) = yrow.split_at_mut_checked(lo) else {
        return;
    };
    let Some((mid, right)) = rest.split_at_mut_checked(hi - lo) else {
        return;
    };
    let iw = xr.len();
    for (k, yv) in left.iter_mut().enumerate() {
        *yv = source(k, b, iw, mode).map_or(fill, |i| at(xr, i));
    }
    copy(window(xr, first, hi - lo), mid);
    for (k, yv) in right.iter_mut().enumerate() {
        *yv = source(hi + k, b, iw, mode).map_or(fill, |i| at(xr, i));
    }
}

/// `y = pad(x)`.
pub fn pad(x: &[f32], y: &mut [f32], s: &PadShape, mode: PadMode) {
    debug_assert_eq!(x.len(), s.input.iter().product::<usize>());
    debug_assert_eq!(y.len(), s.output.iter().product::<usize>());
    let fill = match mode {
        PadMode::Constant(v) => v,
        _ => 0.0,
    };
    const L: usize = MAX_RANK - 1;
    let (ow, iw, b) = (s.output[L], s.input[L], s.begin[L]);
    if ow == 0 || s.output.contains(&0) {
        return;
    }
    let st = strides(&s.input);
    // The run of output columns that lies inside the input: `[lo, hi)`, read from
    // input column `lo - b`.
    let lo = b.max(0).min(ow as i64) as usize;
    let hi = (b + iw as i64).max(lo as i64).min(ow as i64) as usize;
    let first = (lo as i64 - b).max(0) as usize;
    let rows: usize = s.output[..L].iter().product();
    let y = window_mut(y, 0, rows * ow);
    let mut idx = [0usize; L];
    // `max(1)`: `ow > 0` here; it keeps the chunk-size panic unreachable.
    for yrow in y.chunks_exact_mut(ow.max(1)) {
        let mut off = Some(0usize);
        for d in 0..L {
            off = match (off, source(idx[d], s.begin[d], s.input[d], mode)) {
                (Some(o), Some(i)) => Some(o + i * st[d]),
                _ => None,
            };
        }
        match off {
            None => yrow.fill(fill),
            Some(o) => row(window(x, o, iw), yrow, (lo, hi, first), b, mode, fill),
        }
        // Next row: an odometer over the outer axes, innermost first.
        for d in (0..L).rev() {
            idx[d] += 1;
            if idx[d] < s.output[d] {
                break;
            }
            idx[d] = 0;
        }
    }
}
