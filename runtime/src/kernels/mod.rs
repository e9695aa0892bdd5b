//! Kernels, one module per op family. Each fast kernel has a scalar reference in
//! [`reference`] and property tests compare the two.
//!
//! Conventions shared by all kernels:
//! - activations are `f32`, row-major (ONNX's NCHW for convolutions and pools);
//! - weight matrices and filters are `half::f16`; per-channel vectors (bias, folded
//!   BatchNorm scale and shift, LayerNorm scale and bias) are `f32`;
//! - every length is fixed by the caller (generated code); slices whose lengths do
//!   not agree are a caller bug caught by `debug_assert!`, never a runtime error.

pub mod act;
pub mod conv;
pub mod dense;
pub mod elementwise;
pub mod movement;
pub mod norm;
pub mod pool;
pub mod reduce;
pub mod reference;
pub mod softmax;

pub use act::Act;

/// What happens to each output element of a matrix or convolution kernel before it
/// is stored: `y = act(acc * scale[c] + shift[c])` for output channel `c`
/// (the column of a dense layer, the output channel of a convolution).
#[derive(Clone, Copy, Debug)]
pub struct Post<'a> {
    /// Per-channel multiplier (folded BatchNorm, Gemm `alpha`); `None` means 1.
    pub scale: Option<&'a [f32]>,
    /// Per-channel addend (bias, folded BatchNorm shift); `None` means 0.
    pub shift: Option<&'a [f32]>,
    /// Activation fused into the store.
    pub act: Act,
}

impl Post<'_> {
    /// No scale, no shift, no activation.
    pub const NONE: Post<'static> = Post {
        scale: None,
        shift: None,
        act: Act::Identity,
    };
}
