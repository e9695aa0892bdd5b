//! The f16 x f32 dot product's blocks with AVX2, FMA and F16C (x86-64 built with them:
//! `cfg(tinymtl_x86_avx2)`, see `build.rs`).
//!
//! One of the runtime's `unsafe` modules: the intrinsics that load take raw pointers.
//! Per block of [`LANES`] = 8: one `vcvtph2ps` (8 weights widened by the hardware, a
//! 16-byte load), one load of 8 inputs, one `vfmadd`. Four accumulators (32 lanes) on
//! four consecutive blocks hide the multiply-add latency; they are summed pairwise and
//! the 8 lanes of the result in [`lanes_sum`]'s order.
#![allow(unsafe_code)]

use super::{lanes_sum, LANES};
use core::arch::x86_64::{
    __m128i, __m256, _mm256_add_ps, _mm256_cvtph_ps, _mm256_fmadd_ps, _mm256_loadu_ps,
    _mm256_setzero_ps, _mm256_storeu_ps, _mm_loadu_si128,
};
use half::f16;

const _: () = assert!(LANES == 8);

/// `sum_i x[i] * w[i]` over whole blocks of [`LANES`].
#[inline(always)]
pub(super) fn blocks(x: &[[f32; LANES]], w: &[[f16; LANES]]) -> f32 {
    let n = x.len().min(w.len());
    // SAFETY: block `b < n` reads the 8 `f32` of `x[b]` and the 8 `f16` (16 bytes) of
    // `w[b]`, both in bounds (`n` is the shorter length); the loads are unaligned ones
    // (`loadu`), so no alignment is assumed. `f16` is `repr(transparent)` over `u16`.
    // The target features the intrinsics need are enabled at compile time
    // (`cfg(tinymtl_x86_avx2)` is set only then).
    unsafe {
        let xp = x.as_ptr().cast::<f32>();
        let wp = w.as_ptr().cast::<__m128i>();
        let mut a: [__m256; 4] = [_mm256_setzero_ps(); 4];
        let whole = n / 4 * 4;
        let mut b = 0;
        while b < whole {
            for (j, aj) in a.iter_mut().enumerate() {
                let wv = _mm256_cvtph_ps(_mm_loadu_si128(wp.add(b + j)));
                *aj = _mm256_fmadd_ps(_mm256_loadu_ps(xp.add((b + j) * LANES)), wv, *aj);
            }
            b += 4;
        }
        while b < n {
            let wv = _mm256_cvtph_ps(_mm_loadu_si128(wp.add(b)));
            a[0] = _mm256_fmadd_ps(_mm256_loadu_ps(xp.add(b * LANES)), wv, a[0]);
            b += 1;
        }
        let s = _mm256_add_ps(_mm256_add_ps(a[0], a[1]), _mm256_add_ps(a[2], a[3]));
        let mut lanes = [0.0f32; LANES];
        _mm256_storeu_ps(lanes.as_mut_ptr(), s);
        lanes_sum(lanes)
    }
}
