//! Borrowing tensors out of one activation arena.
//!
//! Generated code keeps every intermediate tensor in a single `[f32; ARENA_LEN]` and
//! refers to a tensor by `(offset, len)`, both constants chosen by the memory planner,
//! which also guarantees that the output of a step never overlaps its inputs (unless
//! the step is in place). These helpers hand out one `&mut` output slice and shared
//! input slices; with constant arguments and `#[inline(always)]` the compiler proves
//! the ranges in bounds and no check survives. A range outside the arena (a planner
//! bug) gives an empty slice, never a panic (see `slice`).

/// A tensor's place in the arena: `(offset, len)` in `f32` elements.
pub type Span = (usize, usize);

use crate::slice::{window, window_mut};

/// The output slice of an in-place step.
#[inline(always)]
pub fn inplace(arena: &mut [f32], out: Span) -> &mut [f32] {
    window_mut(arena, out.0, out.1)
}

/// A read-only view of one tensor.
#[inline(always)]
pub fn view(arena: &[f32], t: Span) -> &[f32] {
    window(arena, t.0, t.1)
}

/// `K` read-only inputs and one disjoint output.
///
/// Each input must lie entirely before or entirely after the output (the planner
/// guarantees it); inputs may overlap each other.
#[inline(always)]
pub fn split<const K: usize>(
    arena: &mut [f32],
    ins: [Span; K],
    out: Span,
) -> ([&[f32]; K], &mut [f32]) {
    let (lo, rest) = arena
        .split_at_mut_checked(out.0)
        .unwrap_or((&mut [], &mut []));
    let (o, hi) = rest
        .split_at_mut_checked(out.1)
        .unwrap_or((&mut [], &mut []));
    let hi_base = out.0 + out.1;
    let lo: &[f32] = lo;
    let hi: &[f32] = hi;
    let ins = ins.map(|(off, len)| {
        if off + len <= out.0 {
            window(lo, off, len)
        } else {
            window(hi, off.wrapping_sub(hi_base), len)
        }
    });
    (ins, o)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_gives_disjoint_views() {
        let mut a: [f32; 10] = core::array::from_fn(|i| i as f32);
        let ([x, y], o) = split(&mut a, [(0, 2), (7, 3)], (3, 4));
        assert_eq!(x, &[0.0, 1.0]);
        assert_eq!(y, &[7.0, 8.0, 9.0]);
        o.copy_from_slice(&[0.5; 4]);
        assert_eq!(a[3..7], [0.5; 4]);
    }
}
