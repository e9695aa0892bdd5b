//! Elementwise math ops that are not activations: Abs, Neg, Exp, Log, Reciprocal,
//! Softplus, Erf, Mish, in place or from one tensor to another.
//!
//! They are kept out of [`Act`](super::Act) on purpose: every kernel with a fused
//! epilogue dispatches on an `Act` at run time, so each `Act` variant is linked into
//! every firmware. These are only linked into the firmware of a model that uses one.

use crate::math;

/// An elementwise math op (ONNX's op of the same name; none has attributes).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Pointwise {
    /// `|x|`
    Abs,
    /// `-x`
    Neg,
    /// `e^x`
    Exp,
    /// `ln(x)` (NaN below 0, `-inf` at 0)
    Log,
    /// `1 / x`
    Reciprocal,
    /// `ln(1 + e^x)`
    Softplus,
    /// `erf(x)`
    Erf,
    /// `x * tanh(ln(1 + e^x))`
    Mish,
}

/// `x * tanh(softplus(x))`.
#[inline(always)]
fn mish(x: f32) -> f32 {
    x * math::tanh(math::softplus(x))
}

/// Runs `$body` with `$f` bound to `op`'s scalar function; the `match` is outside the
/// loop in `$body`, so each op gets its own (vectorizable) loop.
macro_rules! with_op {
    ($op:expr, $f:ident => $body:expr) => {
        match $op {
            Pointwise::Abs => {
                let $f = f32::abs;
                $body
            }
            Pointwise::Neg => {
                let $f = |x: f32| -x;
                $body
            }
            Pointwise::Exp => {
                let $f = math::exp;
                $body
            }
            Pointwise::Log => {
                let $f = math::ln;
                $body
            }
            Pointwise::Reciprocal => {
                let $f = |x: f32| 1.0 / x;
                $body
            }
            Pointwise::Softplus => {
                let $f = math::softplus;
                $body
            }
            Pointwise::Erf => {
                let $f = math::erf;
                $body
            }
            Pointwise::Mish => {
                let $f = mish;
                $body
            }
        }
    };
}

/// Applies `op` to one value.
#[inline(always)]
pub fn apply(op: Pointwise, x: f32) -> f32 {
    with_op!(op, f => f(x))
}

/// `y = op(y)` over a whole tensor.
pub fn unary_inplace(op: Pointwise, y: &mut [f32]) {
    with_op!(op, f => {
        for v in y.iter_mut() {
            *v = f(*v);
        }
    })
}

/// `y = op(x)`; `x.len() == y.len()`.
pub fn unary(op: Pointwise, x: &[f32], y: &mut [f32]) {
    debug_assert_eq!(x.len(), y.len());
    with_op!(op, f => {
        for (o, &v) in y.iter_mut().zip(x) {
            *o = f(v);
        }
    })
}

/// torch's `softplus(x, beta, threshold)` as the dynamo exporter writes it
/// (`Where(beta·x > threshold, x, Softplus(beta·x) / beta)`), in one pass: `x` where
/// `beta·x > threshold`, else `ln(1 + e^(beta·x)) / beta`. Both sides are computed and
/// one picked by bit masking (no branch on the data).
#[inline(always)]
pub fn softplus_beta(x: f32, beta: f32, threshold: f32) -> f32 {
    let z = x * beta;
    let s = math::softplus(z) / beta;
    super::select::pick(f32::from(u8::from(z > threshold)), x, s)
}

/// `y = softplus_beta(x)`; `x.len() == y.len()`.
pub fn softplus_beta_unary(x: &[f32], y: &mut [f32], beta: f32, threshold: f32) {
    debug_assert_eq!(x.len(), y.len());
    for (o, &v) in y.iter_mut().zip(x) {
        *o = softplus_beta(v, beta, threshold);
    }
}

/// `y = softplus_beta(y)` over a whole tensor.
pub fn softplus_beta_inplace(y: &mut [f32], beta: f32, threshold: f32) {
    for v in y.iter_mut() {
        *v = softplus_beta(*v, beta, threshold);
    }
}
