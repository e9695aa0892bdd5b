//! Elementwise unary operations (activations), in place or from one tensor to another.

use crate::math;

/// An elementwise unary op. Parameters are ONNX's attributes.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Act {
    /// `x`
    Identity,
    /// `max(x, 0)`
    Relu,
    /// `x` if `x >= 0` else `alpha * x`
    LeakyRelu(f32),
    /// `min(max(x, lo), hi)`
    Clip(f32, f32),
    /// `1 / (1 + exp(-x))`
    Sigmoid,
    /// `tanh(x)`
    Tanh,
    /// `max(0, min(1, alpha * x + beta))` (alpha, beta)
    HardSigmoid(f32, f32),
    /// `x * max(0, min(1, x / 6 + 1 / 2))`
    HardSwish,
    /// `x` if `x > 0` else `alpha * (exp(x) - 1)`
    Elu(f32),
    /// `x / 2 * (1 + erf(x / sqrt 2))`
    Gelu,
    /// `x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x^3)))`
    GeluTanh,
    /// `sqrt(x)`
    Sqrt,
}

/// `x` if `x >= 0` else `0`; NaN passes through (`maxps(0, x)` on x86).
#[inline(always)]
fn relu(x: f32) -> f32 {
    if x < 0.0 {
        0.0
    } else {
        x
    }
}

#[inline(always)]
fn leaky_relu(alpha: f32, x: f32) -> f32 {
    let neg = alpha * x;
    if x < 0.0 {
        neg
    } else {
        x
    }
}

/// `min(max(x, lo), hi)`; NaN passes through.
#[inline(always)]
fn clip(lo: f32, hi: f32, x: f32) -> f32 {
    let v = if x < lo { lo } else { x };
    if v > hi {
        hi
    } else {
        v
    }
}

#[inline(always)]
fn hard_sigmoid(alpha: f32, beta: f32, x: f32) -> f32 {
    clip(0.0, 1.0, alpha * x + beta)
}

#[inline(always)]
fn hard_swish(x: f32) -> f32 {
    x * hard_sigmoid(1.0 / 6.0, 0.5, x)
}

#[inline(always)]
fn elu(alpha: f32, x: f32) -> f32 {
    // Both sides computed, then selected: no value-dependent branch in the kernel.
    let neg = alpha * math::expm1(x);
    if x > 0.0 {
        x
    } else {
        neg
    }
}

/// `x / 2 * (1 + erf(x / sqrt 2)) = x / 2 * erfc(-x / sqrt 2)`: the `erfc` form has no
/// cancellation for negative `x`.
#[inline(always)]
fn gelu(x: f32) -> f32 {
    0.5 * x * math::erfc(-x * core::f32::consts::FRAC_1_SQRT_2)
}

/// `x / 2 * (1 + tanh(u)) = x * sigmoid(2u)`: one `exp`, no cancellation.
#[inline(always)]
fn gelu_tanh(x: f32) -> f32 {
    // sqrt(2 / pi)
    const C: f32 = 0.797_884_6;
    let u = C * (x + 0.044_715 * x * x * x);
    x * math::sigmoid(2.0 * u)
}

/// Runs `$body` with `$f` bound to `act`'s scalar function: the `match` is outside the
/// loop in `$body`, so each activation gets its own (vectorizable) loop.
macro_rules! with_act {
    ($act:expr, $f:ident => $body:expr) => {
        match $act {
            Act::Identity => {
                let $f = |x: f32| x;
                $body
            }
            Act::Relu => {
                let $f = relu;
                $body
            }
            Act::LeakyRelu(a) => {
                let $f = move |x| leaky_relu(a, x);
                $body
            }
            Act::Clip(lo, hi) => {
                let $f = move |x| clip(lo, hi, x);
                $body
            }
            Act::Sigmoid => {
                let $f = math::sigmoid;
                $body
            }
            Act::Tanh => {
                let $f = math::tanh;
                $body
            }
            Act::HardSigmoid(a, b) => {
                let $f = move |x| hard_sigmoid(a, b, x);
                $body
            }
            Act::HardSwish => {
                let $f = hard_swish;
                $body
            }
            Act::Elu(a) => {
                let $f = move |x| elu(a, x);
                $body
            }
            Act::Gelu => {
                let $f = gelu;
                $body
            }
            Act::GeluTanh => {
                let $f = gelu_tanh;
                $body
            }
            Act::Sqrt => {
                let $f = math::sqrt;
                $body
            }
        }
    };
}

/// Applies `act` to one value.
#[inline(always)]
pub fn apply(act: Act, x: f32) -> f32 {
    with_act!(act, f => f(x))
}

/// `y = act(y)` over a whole tensor.
pub fn unary_inplace(act: Act, y: &mut [f32]) {
    if act == Act::Identity {
        return;
    }
    with_act!(act, f => {
        for v in y.iter_mut() {
            *v = f(*v);
        }
    })
}

/// `y = act(x)`; `x.len() == y.len()`.
pub fn unary(act: Act, x: &[f32], y: &mut [f32]) {
    debug_assert_eq!(x.len(), y.len());
    with_act!(act, f => {
        for (o, &v) in y.iter_mut().zip(x) {
            *o = f(v);
        }
    })
}

/// `y = act(y * scale + shift)` with one scale and shift for the whole slice (one
/// output channel of a convolution, one channel of a standalone BatchNorm).
#[inline]
pub(crate) fn affine_act_inplace(y: &mut [f32], scale: f32, shift: f32, act: Act) {
    for v in y.iter_mut() {
        *v = *v * scale + shift;
    }
    unary_inplace(act, y);
}

/// An activation as a kernel's fused epilogue applies it. [`Act`] itself is one (a
/// run-time choice: every activation is linked into the firmware); the unit types
/// [`Identity`], [`Relu`], [`Clip`] and [`LeakyRelu`] are the same activations fixed at
/// compile time, so a model whose epilogues are only those links none of the others
/// (no `exp` in a ReLU-only firmware). Generated code names the fixed type when there is
/// one.
pub trait Activation: Copy {
    /// The activation of one value.
    fn apply(self, x: f32) -> f32;

    /// `y = act(y)` over a slice.
    #[inline(always)]
    fn apply_slice(self, y: &mut [f32]) {
        for v in y.iter_mut() {
            *v = self.apply(*v);
        }
    }

    /// `y = act(y * scale + shift)` over a slice.
    #[inline(always)]
    fn affine_slice(self, y: &mut [f32], scale: f32, shift: f32) {
        for v in y.iter_mut() {
            *v = self.apply(*v * scale + shift);
        }
    }
}

impl Activation for Act {
    #[inline(always)]
    fn apply(self, x: f32) -> f32 {
        apply(self, x)
    }

    #[inline(always)]
    fn apply_slice(self, y: &mut [f32]) {
        unary_inplace(self, y);
    }

    #[inline(always)]
    fn affine_slice(self, y: &mut [f32], scale: f32, shift: f32) {
        affine_act_inplace(y, scale, shift, self);
    }
}

/// [`Act::Identity`] fixed at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Identity;

impl Activation for Identity {
    #[inline(always)]
    fn apply(self, x: f32) -> f32 {
        x
    }
}

/// [`Act::Relu`] fixed at compile time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Relu;

impl Activation for Relu {
    #[inline(always)]
    fn apply(self, x: f32) -> f32 {
        relu(x)
    }
}

/// [`Act::Clip`] fixed at compile time: `min(max(x, .0), .1)` (ReLU6 is `Clip(0.0, 6.0)`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Clip(pub f32, pub f32);

impl Activation for Clip {
    #[inline(always)]
    fn apply(self, x: f32) -> f32 {
        clip(self.0, self.1, x)
    }
}

/// [`Act::LeakyRelu`] fixed at compile time.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct LeakyRelu(pub f32);

impl Activation for LeakyRelu {
    #[inline(always)]
    fn apply(self, x: f32) -> f32 {
        leaky_relu(self.0, x)
    }
}
