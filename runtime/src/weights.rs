//! Constant weight storage as generated code declares it.

use half::f16;

/// `N` f16 weights, 4-byte aligned so a 32-bit load fetches two halves (Cortex-M4F
/// converts both with `vcvtb`/`vcvtt`). Generated code declares each weight tensor as
/// a `static` of this type, so it stays in flash.
#[repr(C, align(4))]
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Weights<const N: usize>(pub [f16; N]);

impl<const N: usize> Weights<N> {
    /// From IEEE binary16 bit patterns, at compile time.
    pub const fn from_bits(bits: [u16; N]) -> Self {
        let mut out = [f16::ZERO; N];
        let mut i = 0;
        while i < N {
            out[i] = f16::from_bits(bits[i]);
            i += 1;
        }
        Weights(out)
    }

    /// The weights as a slice.
    #[inline(always)]
    pub const fn as_slice(&self) -> &[f16] {
        &self.0
    }
}
