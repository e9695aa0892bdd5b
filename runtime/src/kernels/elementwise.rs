//! Binary elementwise ops with ONNX (numpy) broadcasting.
//!
//! Operands are activations (`&[f32]`), constant tensors (`&[f16]`, in flash) or
//! scalars ([`Scalar`]); the [`Operand`] trait reads any of them as `f32`.

use super::movement::MAX_RANK;
use half::f16;

/// A binary elementwise op.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum BinOp {
    /// `a + b`
    Add,
    /// `a - b`
    Sub,
    /// `a * b`
    Mul,
    /// `a / b`
    Div,
    /// `a ^ b` (IEEE `powf`)
    Pow,
}

/// A scalar operand, broadcast to every element.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scalar(pub f32);

/// Something a binary op can read element `i` of, as `f32`.
pub trait Operand: Copy {
    /// Element `i` (for a [`Scalar`], always the scalar).
    fn at(self, i: usize) -> f32;
}

impl Operand for &[f32] {
    #[inline(always)]
    fn at(self, i: usize) -> f32 {
        self[i]
    }
}

impl Operand for &[f16] {
    #[inline(always)]
    fn at(self, i: usize) -> f32 {
        crate::f16::widen(self[i])
    }
}

impl Operand for Scalar {
    #[inline(always)]
    fn at(self, _i: usize) -> f32 {
        self.0
    }
}

/// How two operands broadcast to the output: the output shape and, for each operand,
/// its element stride along each output axis (0 where it broadcasts). Rank padded to
/// [`MAX_RANK`] with leading 1s.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Broadcast {
    /// Output shape.
    pub shape: [usize; MAX_RANK],
    /// Strides of `a` in elements.
    pub a: [usize; MAX_RANK],
    /// Strides of `b` in elements.
    pub b: [usize; MAX_RANK],
}

/// `y = a op b`, all three the output's length (no broadcasting; the common case).
pub fn binary<A: Operand, B: Operand>(op: BinOp, a: A, b: B, y: &mut [f32]) {
    todo!("{op:?} {}", y.len())
}

/// `y = a op b` with general broadcasting described by `bc`.
pub fn binary_broadcast<A: Operand, B: Operand>(
    op: BinOp,
    a: A,
    b: B,
    y: &mut [f32],
    bc: &Broadcast,
) {
    todo!("{op:?} {} {bc:?}", y.len())
}

/// In place: `y = y op b` (`lhs == true`) or `y = b op y` (`lhs == false`), where `y`
/// has the output's shape and `b` broadcasts to it with strides `b_strides` over
/// `shape` (contiguous strides when `b` has the output's shape).
pub fn binary_inplace<B: Operand>(
    op: BinOp,
    y: &mut [f32],
    b: B,
    lhs: bool,
    shape: &[usize; MAX_RANK],
    b_strides: &[usize; MAX_RANK],
) {
    todo!("{op:?} {} {lhs} {shape:?} {b_strides:?}", y.len())
}
