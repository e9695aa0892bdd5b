//! ONNX `Where`: `y = cond ? a : b` elementwise, with numpy broadcasting of all three.
//!
//! The condition is a mask as comparisons write it (`1.0` true, `0.0` false; any
//! non-zero value counts as true). Both branches are read and one is picked by bit
//! masking, so the time does not depend on the data.

use super::elementwise::Operand;
use super::movement::{Coalesced, MAX_RANK};

/// How the three operands broadcast to the output: the output shape and each
/// operand's element stride along each output axis (0 where it broadcasts). Rank
/// padded to [`MAX_RANK`] with leading 1s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SelectShape {
    /// Output shape.
    pub shape: [usize; MAX_RANK],
    /// Strides of the condition.
    pub cond: [usize; MAX_RANK],
    /// Strides of `a` (picked where the condition holds).
    pub a: [usize; MAX_RANK],
    /// Strides of `b` (picked elsewhere).
    pub b: [usize; MAX_RANK],
}

/// `a` where `c != 0`, else `b`, bit for bit (NaNs and signed zeros kept), without a
/// branch.
#[inline(always)]
pub fn pick(c: f32, a: f32, b: f32) -> f32 {
    let m = u32::from(c != 0.0).wrapping_neg();
    f32::from_bits((a.to_bits() & m) | (b.to_bits() & !m))
}

/// `y = cond ? a : b` over the output described by `s`.
pub fn select<C: Operand, A: Operand, B: Operand>(
    cond: C,
    a: A,
    b: B,
    y: &mut [f32],
    s: &SelectShape,
) {
    debug_assert_eq!(y.len(), s.shape.iter().product::<usize>());
    let Some(c) = Coalesced::new(&s.shape, [&s.cond, &s.a, &s.b]) else {
        return;
    };
    let (len, [sc, sa, sb]) = c.inner();
    if len == 0 {
        return;
    }
    for (yr, [oc, oa, ob]) in y.chunks_exact_mut(len).zip(c.rows()) {
        if (sc, sa, sb) == (1, 1, 1) {
            let (cv, av, bv) = (
                cond.window(oc, len).values(),
                a.window(oa, len).values(),
                b.window(ob, len).values(),
            );
            for (((v, p), q), r) in yr.iter_mut().zip(cv).zip(av).zip(bv) {
                *v = pick(p, q, r);
            }
        } else {
            for (i, v) in yr.iter_mut().enumerate() {
                *v = pick(cond.at(oc + i * sc), a.at(oa + i * sa), b.at(ob + i * sb));
            }
        }
    }
}
