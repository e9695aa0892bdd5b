//! Widening f16 weights to f32.
//!
//! `half::f16::to_f32` is a branchy software routine on targets without a hardware
//! path (all Cortex-M under stable Rust); in a matrix-vector inner loop it costs
//! ~5x the multiply-add itself. The code generator refuses non-finite weights, so
//! every weight is a finite f16 and the exact conversion is a few integer ops and
//! one multiply that vectorizes on x86 and stays branch-free on Cortex-M.

use half::f16;

/// 2^112: rebias an f16 exponent (bias 15) to f32 (bias 127).
const REBIAS: f32 = 5.192_297e33;

/// Exact f16 -> f32 for every finite f16 (normal, subnormal, ±0). Infinities and
/// NaN are not produced correctly; codegen never stores them.
#[inline(always)]
pub fn widen(h: f16) -> f32 {
    // Sign to bit 31 and exponent/mantissa to bits 30..16, then an arithmetic shift by
    // 3 puts exponent/mantissa at f32's 27..13 and smears the sign over 31..28; the
    // mask keeps bit 31 only. Three integer ops (on x86 `punpcklwd` does the first).
    let b = (h.to_bits() as u32) << 16;
    f32::from_bits((((b as i32) >> 3) as u32) & 0x8fff_ffff) * REBIAS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widen_is_exact_for_every_finite_f16() {
        for bits in 0u16..=u16::MAX {
            let h = f16::from_bits(bits);
            if h.is_finite() {
                assert_eq!(widen(h).to_bits(), h.to_f32().to_bits(), "bits {bits:#06x}");
            }
        }
    }
}
