//! Binary elementwise ops with ONNX (numpy) broadcasting.
//!
//! Operands are activations (`&[f32]`), constant tensors (`&[f16]`, in flash) or
//! scalars ([`Scalar`]); the [`Operand`] trait reads any of them as `f32`.

use super::movement::{Coalesced, Strided, MAX_RANK};
use crate::slice::{at, window};
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
    /// `max(a, b)`; NaN if either is NaN (numpy's `maximum`, as ONNX `Max`)
    Max,
    /// `min(a, b)`; NaN if either is NaN (numpy's `minimum`, as ONNX `Min`)
    Min,
    /// `a` if `a >= 0` else `a * b` (ONNX `PRelu`, `b` the slope); NaN passes through
    PRelu,
    /// `1.0` if `a == b` else `0.0` (a mask, as the comparisons below)
    Equal,
    /// `1.0` if `a < b` else `0.0`
    Less,
    /// `1.0` if `a <= b` else `0.0`
    LessOrEqual,
    /// `1.0` if `a > b` else `0.0`
    Greater,
    /// `1.0` if `a >= b` else `0.0`
    GreaterOrEqual,
}

/// A scalar operand, broadcast to every element.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Scalar(pub f32);

/// Something a binary op can read element `i` of, as `f32`.
pub trait Operand: Copy {
    /// Element `i` (for a [`Scalar`], always the scalar; `0.0` past the end).
    fn at(self, i: usize) -> f32;

    /// The elements `start..start + len`, re-indexed from 0 (for a [`Scalar`], itself;
    /// empty when the range is not inside the operand).
    fn window(self, start: usize, len: usize) -> Self;

    /// The elements in order, as `f32` (for a [`Scalar`], the scalar without end).
    /// Kernels zip this with the output: no index, no bounds check, and LLVM
    /// vectorizes the loop.
    fn values(self) -> impl Iterator<Item = f32>;

    /// `Some(v)` when every element is `v` (a [`Scalar`]); lets kernels pick a cheaper
    /// loop (e.g. `x ^ 2` as `x * x`).
    #[inline(always)]
    fn constant(self) -> Option<f32> {
        None
    }
}

impl Operand for &[f32] {
    #[inline(always)]
    fn at(self, i: usize) -> f32 {
        at(self, i)
    }

    #[inline(always)]
    fn window(self, start: usize, len: usize) -> Self {
        window(self, start, len)
    }

    #[inline(always)]
    fn values(self) -> impl Iterator<Item = f32> {
        self.iter().copied()
    }
}

impl Operand for &[f16] {
    #[inline(always)]
    fn at(self, i: usize) -> f32 {
        self.get(i).map_or(0.0, |&h| crate::f16::widen(h))
    }

    #[inline(always)]
    fn window(self, start: usize, len: usize) -> Self {
        window(self, start, len)
    }

    #[inline(always)]
    fn values(self) -> impl Iterator<Item = f32> {
        self.iter().map(|&h| crate::f16::widen(h))
    }
}

impl Operand for Scalar {
    #[inline(always)]
    fn at(self, _i: usize) -> f32 {
        self.0
    }

    #[inline(always)]
    fn window(self, _start: usize, _len: usize) -> Self {
        self
    }

    #[inline(always)]
    fn values(self) -> impl Iterator<Item = f32> {
        core::iter::repeat(self.0)
    }

    #[inline(always)]
    fn constant(self) -> Option<f32> {
        Some(self.0)
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

/// Runs `$body` with `$f` bound to the scalar function of `$op`; `x ^ 2` (a constant
/// exponent of exactly 2) becomes `x * x`, which is what `powf` returns for it.
macro_rules! with_op {
    ($op:expr, $b:expr, $f:ident => $body:expr) => {
        match $op {
            BinOp::Add => {
                let $f = |p: f32, q: f32| p + q;
                $body
            }
            BinOp::Sub => {
                let $f = |p: f32, q: f32| p - q;
                $body
            }
            BinOp::Mul => {
                let $f = |p: f32, q: f32| p * q;
                $body
            }
            BinOp::Div => {
                let $f = |p: f32, q: f32| p / q;
                $body
            }
            BinOp::Pow if $b == Some(2.0) => {
                let $f = |p: f32, _q: f32| p * p;
                $body
            }
            BinOp::Pow => {
                let $f = crate::math::powf;
                $body
            }
            BinOp::Max => {
                let $f = max;
                $body
            }
            BinOp::Min => {
                let $f = min;
                $body
            }
            BinOp::PRelu => {
                let $f = prelu;
                $body
            }
            BinOp::Equal => {
                let $f = |p: f32, q: f32| mask(p == q);
                $body
            }
            BinOp::Less => {
                let $f = |p: f32, q: f32| mask(p < q);
                $body
            }
            BinOp::LessOrEqual => {
                let $f = |p: f32, q: f32| mask(p <= q);
                $body
            }
            BinOp::Greater => {
                let $f = |p: f32, q: f32| mask(p > q);
                $body
            }
            BinOp::GreaterOrEqual => {
                let $f = |p: f32, q: f32| mask(p >= q);
                $body
            }
        }
    };
}

/// A comparison's result as a mask value: `1.0` or `0.0`, converted from the flag
/// (no branch on the data).
#[inline(always)]
fn mask(b: bool) -> f32 {
    f32::from(u8::from(b))
}

/// `max(p, q)`, NaN if either is (`f32::max` would drop a NaN).
#[inline(always)]
fn max(p: f32, q: f32) -> f32 {
    if p > q || p.is_nan() {
        p
    } else {
        q
    }
}

/// `min(p, q)`, NaN if either is.
#[inline(always)]
fn min(p: f32, q: f32) -> f32 {
    if p < q || p.is_nan() {
        p
    } else {
        q
    }
}

/// `p` if `p >= 0` else `p * slope`; both computed, then selected (no branch).
#[inline(always)]
fn prelu(p: f32, slope: f32) -> f32 {
    let neg = p * slope;
    if p < 0.0 {
        neg
    } else {
        p
    }
}

/// `y[i] = f(a[i], b[i])` over all of `y`.
#[inline(always)]
fn zip_map<A: Operand, B: Operand>(a: A, b: B, y: &mut [f32], f: impl Fn(f32, f32) -> f32) {
    let n = y.len();
    let (a, b) = (a.window(0, n).values(), b.window(0, n).values());
    for ((v, p), q) in y.iter_mut().zip(a).zip(b) {
        *v = f(p, q);
    }
}

/// `y[i] = f(y[i], b[i])` over all of `y`.
#[inline(always)]
fn zip_map_inplace<B: Operand>(y: &mut [f32], b: B, f: impl Fn(f32, f32) -> f32) {
    let b = b.window(0, y.len()).values();
    for (v, q) in y.iter_mut().zip(b) {
        *v = f(*v, q);
    }
}

/// `y = a op b`, all three the output's length (no broadcasting; the common case).
pub fn binary<A: Operand, B: Operand>(op: BinOp, a: A, b: B, y: &mut [f32]) {
    with_op!(op, b.constant(), f => zip_map(a, b, y, f))
}

/// `y = a op b` with general broadcasting described by `bc`.
///
/// Size-1 axes are dropped and axes contiguous in both operands merged, so the inner
/// loop runs over the longest run of outputs; along it each operand is contiguous or
/// broadcast (read once, as a [`Scalar`]), or, rarely, strided.
pub fn binary_broadcast<A: Operand, B: Operand>(
    op: BinOp,
    a: A,
    b: B,
    y: &mut [f32],
    bc: &Broadcast,
) {
    debug_assert_eq!(y.len(), bc.shape.iter().product::<usize>());
    let Some(c) = Coalesced::new(&bc.shape, [&bc.a, &bc.b]) else {
        return;
    };
    let (len, [sa, sb]) = c.inner();
    if len == 0 {
        return;
    }
    with_op!(op, b.constant(), f => {
        for (yr, [oa, ob]) in y.chunks_exact_mut(len).zip(c.rows()) {
            match (sa, sb) {
                (1, 1) => zip_map(a.window(oa, len), b.window(ob, len), yr, f),
                (1, 0) => zip_map(a.window(oa, len), Scalar(b.at(ob)), yr, f),
                (0, 1) => zip_map(Scalar(a.at(oa)), b.window(ob, len), yr, f),
                (0, 0) => yr.fill(f(a.at(oa), b.at(ob))),
                _ => {
                    for (i, v) in yr.iter_mut().enumerate() {
                        *v = f(a.at(oa + i * sa), b.at(ob + i * sb));
                    }
                }
            }
        }
    })
}

/// In place: `y = y op b` (`lhs == true`) or `y = b op y` (`lhs == false`), where `y`
/// has the output's shape `s.shape` and `b` broadcasts to it with strides `s.strides`
/// (contiguous strides when `b` has the output's shape).
pub fn binary_inplace<B: Operand>(op: BinOp, y: &mut [f32], b: B, lhs: bool, s: &Strided) {
    let (shape, b_strides) = (&s.shape, &s.strides);
    debug_assert_eq!(y.len(), shape.iter().product::<usize>());
    let Some(c) = Coalesced::new(shape, [b_strides]) else {
        return;
    };
    let (len, [sb]) = c.inner();
    if len == 0 {
        return;
    }
    // `b` as the left operand of `x ^ 2` is not a square of `y`.
    let exponent = if lhs { b.constant() } else { None };
    with_op!(op, exponent, f => {
        if lhs {
            inplace_rows(y, b, &c, len, sb, f);
        } else {
            inplace_rows(y, b, &c, len, sb, |p, q| f(q, p));
        }
    })
}

/// The row loop of [`binary_inplace`] for one `y[i] = f(y[i], b[..])`.
#[inline(always)]
fn inplace_rows<B: Operand>(
    y: &mut [f32],
    b: B,
    c: &Coalesced<1>,
    len: usize,
    sb: usize,
    f: impl Fn(f32, f32) -> f32 + Copy,
) {
    for (yr, [ob]) in y.chunks_exact_mut(len).zip(c.rows()) {
        match sb {
            1 => zip_map_inplace(yr, b.window(ob, len), f),
            0 => zip_map_inplace(yr, Scalar(b.at(ob)), f),
            _ => {
                for (i, v) in yr.iter_mut().enumerate() {
                    *v = f(*v, b.at(ob + i * sb));
                }
            }
        }
    }
}
