//! Constant weight storage as generated code declares it.
//!
//! Small tensors are `static` arrays in the generated module ([`Weights`] for f16,
//! plain `[f32; N]` for per-channel vectors). Large ones live in one binary file
//! written beside the module and included with `include_bytes!` into an aligned
//! [`Blob`]; each tensor is a [`F16Data`] or [`F32Data`] view of its bytes, fixed at
//! compile time. Both stay in flash; kernels see `&[f16]` / `&[f32]` either way.

use half::f16;

/// `N` f16 weights, 4-byte aligned so a 32-bit load fetches two halves (Cortex-M4F
/// converts both with `vcvtb`/`vcvtt`). Generated code declares each small weight
/// tensor as a `static` of this type, so it stays in flash.
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

/// Alignment of a [`Blob`] and of every tensor inside it, in bytes.
pub const BLOB_ALIGN: usize = 16;

/// A model's large tensors as one little-endian byte array, 16-byte aligned (each
/// tensor starts at a multiple of [`BLOB_ALIGN`]). Generated code declares it as
/// `static BLOB: Blob<N> = Blob(*include_bytes!("<module>.weights.bin"));`: the bytes
/// are read by `rustc` as one literal, so a tensor of millions of weights compiles in
/// seconds (an array literal of that size would not).
#[repr(C, align(16))]
pub struct Blob<const N: usize>(pub [u8; N]);

/// `bytes[offset..offset + len]` at compile time (a range outside the blob is a
/// compile error in the `static` that asks for it, never a run-time panic).
const fn range(bytes: &'static [u8], offset: usize, len: usize) -> &'static [u8] {
    let (_, rest) = bytes.split_at(offset);
    let (mid, _) = rest.split_at(len);
    mid
}

impl<const N: usize> Blob<N> {
    /// The `len` f16 values stored at byte `offset`.
    pub const fn f16s(&'static self, offset: usize, len: usize) -> F16Data {
        F16Data(range(&self.0, offset, 2 * len))
    }

    /// The `len` f32 values stored at byte `offset`.
    pub const fn f32s(&'static self, offset: usize, len: usize) -> F32Data {
        F32Data(range(&self.0, offset, 4 * len))
    }
}

/// A tensor of f16 values inside a [`Blob`].
#[derive(Clone, Copy, Debug)]
pub struct F16Data(&'static [u8]);

impl F16Data {
    /// The values. The blob's alignment and the generator's offsets make the cast
    /// exact; were it not (a blob edited by hand), the slice is empty and the kernels
    /// compute nothing rather than panic.
    #[inline(always)]
    pub fn as_slice(&self) -> &'static [f16] {
        use half::slice::HalfBitsSliceExt;
        bytemuck::try_cast_slice::<u8, u16>(self.0)
            .unwrap_or(&[])
            .reinterpret_cast()
    }
}

/// A tensor of f32 values inside a [`Blob`].
#[derive(Clone, Copy, Debug)]
pub struct F32Data(&'static [u8]);

impl F32Data {
    /// The values (see [`F16Data::as_slice`]).
    #[inline(always)]
    pub fn as_slice(&self) -> &'static [f32] {
        bytemuck::try_cast_slice(self.0).unwrap_or(&[])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    static BLOB: Blob<24> = Blob([
        0x00, 0x3c, 0x00, 0xc0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, // 1.0, -2.0, padding
        0x00, 0x00, 0x80, 0x3f, 0x00, 0x00, 0x00, 0x40, // 1.0f32, 2.0f32
    ]);
    static A: F16Data = BLOB.f16s(0, 2);
    static B: F32Data = BLOB.f32s(16, 2);

    #[test]
    fn views_read_little_endian_values() {
        assert_eq!(A.as_slice(), &[f16::from_f32(1.0), f16::from_f32(-2.0)]);
        assert_eq!(B.as_slice(), &[1.0, 2.0]);
    }

    #[test]
    fn misaligned_views_are_empty() {
        static C: F16Data = BLOB.f16s(1, 2);
        static D: F32Data = BLOB.f32s(2, 1);
        assert!(C.as_slice().is_empty());
        assert!(D.as_slice().is_empty());
    }
}
