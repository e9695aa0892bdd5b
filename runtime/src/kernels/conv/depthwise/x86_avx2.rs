//! The stride-1 3x3 depthwise filter over a zero-padded plane with AVX2
//! (`cfg(tinymtl_x86_avx2)`, see `build.rs`).
//!
//! One of the runtime's `unsafe` modules: the loads and stores take raw pointers. The
//! padded plane is read as one flat array (`wp` values per row), so 8 consecutive
//! outputs of the flat index are 9 unaligned loads, 9 multiplies and 8 adds, however
//! narrow the plane's rows are (DS-CNN's are 5 wide); the outputs that fall in the
//! padding columns are computed and dropped by the caller. The products and sums are
//! those of [`dot9`](super::dot9), in its order, without fused multiply-adds, so the
//! vector blocks and the scalar remainder round alike.
#![allow(unsafe_code)]

use core::arch::x86_64::{
    __m256, _mm256_add_ps, _mm256_loadu_ps, _mm256_mul_ps, _mm256_set1_ps, _mm256_storeu_ps,
};

/// Values per block: one 256-bit register.
const LANES: usize = 8;

/// `z[i] = dot9(taps, P[i + r * wp + c])` for the first whole blocks of [`LANES`]
/// indices `i < z.len()` whose window lies inside `p`; returns how many were written
/// (the caller does the rest).
#[inline(always)]
pub(super) fn flat_s1(z: &mut [f32], p: &[f32], wp: usize, taps: &[f32; 9]) -> usize {
    // Index i reads up to p[i + 2 * wp + 2].
    let reach = 2 * wp + 2;
    let fit = p.len().saturating_sub(reach).min(z.len());
    let whole = fit / LANES * LANES;
    // SAFETY: for `i < whole` (a multiple of 8), the loads read `p[i + off .. i + off +
    // 8]` with `off <= 2 * wp + 2`, so the last value read is `p[whole - 1 + reach]`,
    // and `whole + reach <= p.len()` (`whole <= fit`); the store writes `z[i .. i + 8]`
    // with `whole <= z.len()`. All loads and stores are unaligned ones. The target
    // features are enabled at compile time (`cfg(tinymtl_x86_avx2)`).
    unsafe {
        let w: [__m256; 9] = taps.map(|t| _mm256_set1_ps(t));
        let pp = p.as_ptr();
        let mut i = 0;
        while i < whole {
            let at = |r: usize, c: usize| _mm256_loadu_ps(pp.add(i + r * wp + c));
            let m = |t: usize, r: usize, c: usize| _mm256_mul_ps(w[t], at(r, c));
            // dot9's order: a = column 0, b = column 1, c = column 2 (rows 0..3).
            let s1 = _mm256_add_ps(
                _mm256_add_ps(m(0, 0, 0), m(3, 1, 0)),
                _mm256_add_ps(m(6, 2, 0), m(1, 0, 1)),
            );
            let s2 = _mm256_add_ps(
                _mm256_add_ps(m(4, 1, 1), m(7, 2, 1)),
                _mm256_add_ps(m(2, 0, 2), m(5, 1, 2)),
            );
            let v = _mm256_add_ps(_mm256_add_ps(s1, s2), m(8, 2, 2));
            _mm256_storeu_ps(z.as_mut_ptr().add(i), v);
            i += LANES;
        }
    }
    whole
}
