//! Kernels, one module per op family. Each fast kernel has a scalar reference in
//! [`reference`](mod@reference) and property tests compare the two.
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
#[doc(hidden)]
pub mod dot;
pub mod elementwise;
pub mod gather_nd;
pub mod movement;
pub mod norm;
pub mod pad;
pub mod pointwise;
pub mod pool;
pub mod reduce;
pub mod reference;
pub mod resize;
pub mod rnn;
pub mod select;
pub mod softmax;

pub use act::{Act, Activation};

/// What happens to each output element of a matrix or convolution kernel before it
/// is stored: `y = act(acc * scale[c] + shift[c])` for output channel `c`
/// (the column of a dense layer, the output channel of a convolution). The activation
/// is an [`Act`] (chosen at run time) or one of the [`Activation`] types fixed at
/// compile time.
#[derive(Clone, Copy, Debug)]
pub struct Post<'a, A = Act> {
    /// Per-channel multiplier (folded BatchNorm, Gemm `alpha`); `None` means 1.
    pub scale: Option<&'a [f32]>,
    /// Per-channel addend (bias, folded BatchNorm shift); `None` means 0.
    pub shift: Option<&'a [f32]>,
    /// Activation fused into the store.
    pub act: A,
}

impl Post<'_> {
    /// No scale, no shift, no activation.
    pub const NONE: Post<'static> = Post {
        scale: None,
        shift: None,
        act: Act::Identity,
    };
}

impl<A: Activation> Post<'_, A> {
    /// Output channel `c`'s multiplier and addend.
    #[inline(always)]
    pub(crate) fn coeffs(&self, c: usize) -> (f32, f32) {
        let s = self.scale.map_or(1.0, |s| s.get(c).copied().unwrap_or(1.0));
        let t = self.shift.map_or(0.0, |t| crate::slice::at(t, c));
        (s, t)
    }

    /// Applies the post-op to one row of a dense output, whose element `j` belongs to
    /// channel `j`.
    #[inline]
    pub(crate) fn row(&self, y: &mut [f32]) {
        match (self.scale, self.shift) {
            (None, None) => {}
            (Some(s), None) => {
                debug_assert_eq!(s.len(), y.len());
                for (v, &s) in y.iter_mut().zip(s) {
                    *v *= s;
                }
            }
            (None, Some(t)) => {
                debug_assert_eq!(t.len(), y.len());
                for (v, &t) in y.iter_mut().zip(t) {
                    *v += t;
                }
            }
            (Some(s), Some(t)) => {
                debug_assert_eq!(s.len(), y.len());
                debug_assert_eq!(t.len(), y.len());
                for ((v, &s), &t) in y.iter_mut().zip(s).zip(t) {
                    *v = *v * s + t;
                }
            }
        }
        self.act.apply_slice(y);
    }

    /// Applies the post-op to a block of outputs that all belong to channel `c`.
    #[inline]
    pub(crate) fn channel(&self, c: usize, y: &mut [f32]) {
        if self.scale.is_none() && self.shift.is_none() {
            self.act.apply_slice(y);
        } else {
            let (s, t) = self.coeffs(c);
            self.act.affine_slice(y, s, t);
        }
    }
}
