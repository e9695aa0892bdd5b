//! The tile's inner loop in Cortex-M FPU assembly (FPv4-SP and later), for the same
//! reasons as the dot product's (`kernels::dot`'s `m_fpu`: `vcvtb`/`vcvtt` and `vfma`
//! are out of portable Rust's reach, and inline `asm!` cannot name single-precision
//! registers on stable Rust, so this is a `global_asm!` function).
//!
//! Per step of `k`: `vldmia` of four packed weights (two words) and of four inputs,
//! the input pointer moved to the next row, four conversions, sixteen `vfma` into
//! `s16`-`s31`, `subs`/`bne`: 25 instructions for 16 multiply-adds.
#![allow(unsafe_code)]

use super::{Acc, MR, NR};
use half::f16;

core::arch::global_asm!(
    ".syntax unified",
    ".fpu fpv4-sp-d16",
    ".section .text.__tinymtl_tile4x4,\"ax\",%progbits",
    ".global __tinymtl_tile4x4",
    ".type __tinymtl_tile4x4,%function",
    ".thumb",
    ".thumb_func",
    ".p2align 2",
    // fn(acc: *mut f32 /* r0: 16 values, in and out */, x: *const f32 /* r1 */,
    //    w: *const u16 /* r2, 4-aligned */, k: usize /* r3, >= 1 */,
    //    stride: usize /* [sp]: bytes between rows of x */)
    "__tinymtl_tile4x4:",
    "    ldr r12, [sp]",
    "    vpush {{s16-s31}}",
    "    vldmia r0, {{s16-s31}}",
    "1:",
    "    vldmia r2!, {{s4-s5}}",
    "    vldmia r1, {{s0-s3}}",
    "    add r1, r1, r12",
    "    vcvtb.f32.f16 s6, s4",
    "    vcvtt.f32.f16 s7, s4",
    "    vcvtb.f32.f16 s8, s5",
    "    vcvtt.f32.f16 s9, s5",
    "    vfma.f32 s16, s6, s0",
    "    vfma.f32 s17, s6, s1",
    "    vfma.f32 s18, s6, s2",
    "    vfma.f32 s19, s6, s3",
    "    vfma.f32 s20, s7, s0",
    "    vfma.f32 s21, s7, s1",
    "    vfma.f32 s22, s7, s2",
    "    vfma.f32 s23, s7, s3",
    "    vfma.f32 s24, s8, s0",
    "    vfma.f32 s25, s8, s1",
    "    vfma.f32 s26, s8, s2",
    "    vfma.f32 s27, s8, s3",
    "    vfma.f32 s28, s9, s0",
    "    vfma.f32 s29, s9, s1",
    "    vfma.f32 s30, s9, s2",
    "    vfma.f32 s31, s9, s3",
    "    subs r3, r3, #1",
    "    bne 1b",
    "    vstmia r0, {{s16-s31}}",
    "    vpop {{s16-s31}}",
    "    bx lr",
    ".size __tinymtl_tile4x4, . - __tinymtl_tile4x4",
);

extern "C" {
    fn __tinymtl_tile4x4(acc: *mut f32, x: *const f32, w: *const u16, k: usize, stride: usize);
}

/// The tile through the assembly, if its operands allow (`k >= 1`, `w` 4-byte aligned
/// and `k` rows long, `x` holding `k` rows of [`NR`] values `stride` apart, the byte
/// stride representable); `false` (nothing done) otherwise.
#[inline(always)]
pub(super) fn tile(acc: &mut Acc, x: &[f32], stride: usize, w: &[f16], k: usize) -> bool {
    let x_needed = k
        .checked_sub(1)
        .and_then(|rows| rows.checked_mul(stride))
        .and_then(|v| v.checked_add(NR));
    let stride_bytes = stride.checked_mul(4);
    let (Some(x_needed), Some(stride_bytes)) = (x_needed, stride_bytes) else {
        return false;
    };
    let w_needed = k.checked_mul(MR);
    if x.len() < x_needed || w_needed.is_none_or(|n| w.len() < n) || w.as_ptr().align_offset(4) != 0
    {
        return false;
    }
    // SAFETY: the function reads `k` rows of `NR` f32 from `x`, `stride_bytes` apart
    // (the last ending at `(k - 1) * stride + NR <= x.len()`, checked above), and `k *
    // MR` u16 from `w` (checked above), through 4-byte aligned `vldmia` (`f32` is
    // 4-aligned; `w`'s alignment is checked). It reads and writes the 16 `f32` of
    // `acc` (`[[f32; 4]; 4]` is 16 contiguous `f32`) and its own stack frame
    // (`vpush`/`vpop` of the callee-saved s16-s31). It clobbers only caller-saved
    // registers (r0-r3, r12, s0-s15), takes its fifth argument from the stack and
    // returns nothing, as the AAPCS-VFP (`extern "C"` on `eabihf`) requires. `f16` is
    // `repr(transparent)` over `u16`.
    unsafe {
        __tinymtl_tile4x4(
            acc.as_mut_ptr().cast(),
            x.as_ptr(),
            w.as_ptr().cast(),
            k,
            stride_bytes,
        )
    };
    true
}
