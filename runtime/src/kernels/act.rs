//! Elementwise unary operations (activations), in place or from one tensor to another.

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

/// Applies `act` to one value.
#[inline(always)]
pub fn apply(act: Act, x: f32) -> f32 {
    todo!("runtime helper: {act:?} {x}")
}

/// `y = act(y)` over a whole tensor.
pub fn unary_inplace(act: Act, y: &mut [f32]) {
    todo!("{act:?} {}", y.len())
}

/// `y = act(x)`; `x.len() == y.len()`.
pub fn unary(act: Act, x: &[f32], y: &mut [f32]) {
    todo!("{act:?} {} {}", x.len(), y.len())
}
