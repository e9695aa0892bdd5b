//! The convolution tile with AVX2, FMA and F16C (x86-64 built with them:
//! `cfg(tinymtl_x86_avx2)`, see `build.rs`).
//!
//! One of the runtime's `unsafe` modules: the intrinsics that load and store take raw
//! pointers. The tile is [`MR`] = 4 output channels by [`NR`] = 16 positions, eight
//! 256-bit accumulators. Per step of `k`: two loads of 8 inputs, one `vcvtph2ps` of the
//! 4 packed weights, four in-lane broadcasts (`vpermilps`) and eight `vfmadd` (eight
//! independent accumulators). Every accumulator adds its products in the portable
//! loop's order; only the fused rounding differs.
#![allow(unsafe_code)]

use super::{Acc, MR, NR, WIDE_MR, WIDE_NR};
use core::arch::x86_64::{
    __m128i, __m256, _mm256_castps128_ps256, _mm256_fmadd_ps, _mm256_insertf128_ps,
    _mm256_loadu_ps, _mm256_permute_ps, _mm256_storeu_ps, _mm_cvtph_ps, _mm_loadl_epi64,
};
use half::f16;

const _: () = assert!(MR == 4 && NR == 16 && WIDE_MR == 16 && WIDE_NR == 6);

/// Whether `x` holds `k >= 1` rows of `per_row` values `stride` apart (the last ending
/// at `(k - 1) * stride + per_row`) and `w` at least `k * per_k` weights.
#[inline(always)]
fn fits(
    (x, stride, per_row): (&[f32], usize, usize),
    (w, per_k): (&[f16], usize),
    k: usize,
) -> bool {
    let x_needed = (k - 1)
        .checked_mul(stride)
        .and_then(|v| v.checked_add(per_row));
    let w_needed = k.checked_mul(per_k);
    x_needed.is_some_and(|n| x.len() >= n) && w_needed.is_some_and(|n| w.len() >= n)
}

/// The tile through the intrinsics, if its operands allow (`x` holding `k` rows of
/// [`NR`] values `stride` apart, `w` at least `k` rows of [`MR`]); `false` (nothing
/// done) otherwise.
#[inline(always)]
pub(super) fn tile(acc: &mut Acc, x: &[f32], stride: usize, w: &[f16], k: usize) -> bool {
    if k == 0 {
        return true;
    }
    if !fits((x, stride, NR), (w, MR), k) {
        return false;
    }
    // SAFETY: row `kk < k` reads `x[kk * stride .. kk * stride + NR]` (the last ends at
    // `(k - 1) * stride + NR <= x.len()`, checked above) and `w[kk * MR .. kk * MR + 4]`
    // (`k * MR <= w.len()`, checked above); the loads are unaligned ones
    // (`loadu`, `loadl_epi64`), so no alignment is assumed. `acc` is `MR` rows of `NR`
    // contiguous `f32`, read and written as two 8-lane halves each. `f16` is
    // `repr(transparent)` over `u16`. The target features the intrinsics need are
    // enabled at compile time (`cfg(tinymtl_x86_avx2)` is set only then).
    unsafe {
        let mut a: [[__m256; 2]; MR] = [[_mm256_loadu_ps(acc[0].as_ptr()); 2]; MR];
        for (ai, row) in a.iter_mut().zip(acc.iter()) {
            ai[0] = _mm256_loadu_ps(row.as_ptr());
            ai[1] = _mm256_loadu_ps(row.as_ptr().add(8));
        }
        let xp = x.as_ptr();
        let wp = w.as_ptr().cast::<u16>();
        for kk in 0..k {
            let xr = xp.add(kk * stride);
            let x0 = _mm256_loadu_ps(xr);
            let x1 = _mm256_loadu_ps(xr.add(8));
            let h = _mm_cvtph_ps(_mm_loadl_epi64(wp.add(kk * MR).cast::<__m128i>()));
            let both = _mm256_insertf128_ps::<1>(_mm256_castps128_ps256(h), h);
            let w0 = _mm256_permute_ps::<0x00>(both);
            let w1 = _mm256_permute_ps::<0x55>(both);
            let w2 = _mm256_permute_ps::<0xaa>(both);
            let w3 = _mm256_permute_ps::<0xff>(both);
            a[0][0] = _mm256_fmadd_ps(w0, x0, a[0][0]);
            a[0][1] = _mm256_fmadd_ps(w0, x1, a[0][1]);
            a[1][0] = _mm256_fmadd_ps(w1, x0, a[1][0]);
            a[1][1] = _mm256_fmadd_ps(w1, x1, a[1][1]);
            a[2][0] = _mm256_fmadd_ps(w2, x0, a[2][0]);
            a[2][1] = _mm256_fmadd_ps(w2, x1, a[2][1]);
            a[3][0] = _mm256_fmadd_ps(w3, x0, a[3][0]);
            a[3][1] = _mm256_fmadd_ps(w3, x1, a[3][1]);
        }
        for (ai, row) in a.iter().zip(acc.iter_mut()) {
            _mm256_storeu_ps(row.as_mut_ptr(), ai[0]);
            _mm256_storeu_ps(row.as_mut_ptr().add(8), ai[1]);
        }
    }
    true
}

/// Accumulators of a [`wide`] tile: `acc[j][c]` for position `j`, channel `c`.
type WideAcc = [[f32; WIDE_MR]; WIDE_NR];

/// The pointwise tile turned around for small planes: [`WIDE_MR`] = 16 output channels
/// (four packed blocks of `w`, each `k x MR`, one after the other) by [`WIDE_NR`] = 6
/// positions, twelve 256-bit accumulators along the channels. Per step of `k`: four
/// 8-byte weight loads widened by two `vcvtph2ps`, six broadcast loads of one input
/// each, twelve `vfmadd`. `acc[j][c] += sum_kk w[c][kk] * x[kk * stride + j]`, each
/// accumulator's products added in `k` order with one rounding each (a fused
/// multiply-add), like [`tile`]. `false` (nothing done) if the operands are short.
#[inline(always)]
pub(crate) fn wide(acc: &mut WideAcc, x: &[f32], stride: usize, w: &[f16], k: usize) -> bool {
    if k == 0 {
        return true;
    }
    if !fits((x, stride, WIDE_NR), (w, WIDE_MR), k) {
        return false;
    }
    // SAFETY: step `kk < k` reads `x[kk * stride + j]` for `j < WIDE_NR` (the last at
    // `(k - 1) * stride + WIDE_NR - 1 < x.len()`, checked above) and 4 halves at
    // `w[b * k * MR + kk * MR ..]` for blocks `b < 4` (the last ending at
    // `4 * k * MR = k * WIDE_MR <= w.len()`, checked above), all through unaligned
    // loads. `acc` is `WIDE_NR` rows of 16 contiguous `f32`, read and written as two
    // 8-lane halves each. `f16` is `repr(transparent)` over `u16`. The target features
    // are enabled at compile time (`cfg(tinymtl_x86_avx2)`).
    unsafe {
        use core::arch::x86_64::{_mm256_broadcast_ss, _mm256_cvtph_ps, _mm_unpacklo_epi64};
        let mut a: [[__m256; 2]; WIDE_NR] = [[_mm256_loadu_ps(acc[0].as_ptr()); 2]; WIDE_NR];
        for (aj, row) in a.iter_mut().zip(acc.iter()) {
            aj[0] = _mm256_loadu_ps(row.as_ptr());
            aj[1] = _mm256_loadu_ps(row.as_ptr().add(8));
        }
        let xp = x.as_ptr();
        let wp = w.as_ptr().cast::<u16>();
        let block = k * MR;
        for kk in 0..k {
            let half = |b: usize| _mm_loadl_epi64(wp.add(b * block + kk * MR).cast::<__m128i>());
            let w0 = _mm256_cvtph_ps(_mm_unpacklo_epi64(half(0), half(1)));
            let w1 = _mm256_cvtph_ps(_mm_unpacklo_epi64(half(2), half(3)));
            let xr = xp.add(kk * stride);
            for (j, aj) in a.iter_mut().enumerate() {
                let xv = _mm256_broadcast_ss(&*xr.add(j));
                aj[0] = _mm256_fmadd_ps(w0, xv, aj[0]);
                aj[1] = _mm256_fmadd_ps(w1, xv, aj[1]);
            }
        }
        for (aj, row) in a.iter().zip(acc.iter_mut()) {
            _mm256_storeu_ps(row.as_mut_ptr(), aj[0]);
            _mm256_storeu_ps(row.as_mut_ptr().add(8), aj[1]);
        }
    }
    true
}
