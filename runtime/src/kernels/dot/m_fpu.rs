//! The f16 x f32 dot product's inner loop in Cortex-M FPU assembly (FPv4-SP and later).
//!
//! One of the runtime's `unsafe` modules (with the convolution tile's,
//! `kernels/conv/tile/m_fpu.rs`, and their x86 counterparts). Portable Rust cannot reach the two instructions that
//! make this loop fast on a Cortex-M4F: `vcvtb`/`vcvtt` (the FPU's own f16 -> f32
//! conversion of the bottom/top half of a register: two weights per 32-bit load) and
//! `vfma` (Rust does not contract `a += x * w` into a fused multiply-add, and
//! `f32::mul_add` needs `std`). Inline `asm!` cannot name FPU registers on these
//! targets in stable Rust (the `sreg` class asks for `vfp2`, which single-precision
//! FPUs lack), so the loop is a `global_asm!` function called through the AAPCS-VFP ABI.
//!
//! Per 8 multiply-adds: 3 `vldmia` (8 weights, 8 inputs), 8 conversions, 8 `vfma`, and
//! the loop's `subs`/`bne`: 2.6 instructions per MAC, against ~9 for the portable loop
//! (measured with `tinymtl bench MODEL.onnx --target qemu-m4`; README, "QEMU"). Eight
//! independent accumulators hide the `vfma` latency.
#![allow(unsafe_code)]

use half::f16;

core::arch::global_asm!(
    ".syntax unified",
    ".fpu fpv4-sp-d16",
    ".section .text.__tinymtl_dot_f16x8,\"ax\",%progbits",
    ".global __tinymtl_dot_f16x8",
    ".type __tinymtl_dot_f16x8,%function",
    ".thumb",
    ".thumb_func",
    ".p2align 2",
    // fn(x: *const f32 /* r0, 4-aligned */, w: *const u16 /* r1, 4-aligned */,
    //    blocks: usize /* r2, >= 1 */) -> f32 /* s0 */
    "__tinymtl_dot_f16x8:",
    "    vpush {{s16-s19}}",
    "    movs r3, #0",
    "    vmov s0, s1, r3, r3",
    "    vmov s2, s3, r3, r3",
    "    vmov s4, s5, r3, r3",
    "    vmov s6, s7, r3, r3",
    "1:",
    "    vldmia r1!, {{s8-s11}}",
    "    vldmia r0!, {{s12-s15}}",
    "    vcvtb.f32.f16 s16, s8",
    "    vcvtt.f32.f16 s17, s8",
    "    vcvtb.f32.f16 s18, s9",
    "    vcvtt.f32.f16 s19, s9",
    "    vfma.f32 s0, s12, s16",
    "    vfma.f32 s1, s13, s17",
    "    vfma.f32 s2, s14, s18",
    "    vfma.f32 s3, s15, s19",
    "    vldmia r0!, {{s12-s15}}",
    "    vcvtb.f32.f16 s16, s10",
    "    vcvtt.f32.f16 s17, s10",
    "    vcvtb.f32.f16 s18, s11",
    "    vcvtt.f32.f16 s19, s11",
    "    vfma.f32 s4, s12, s16",
    "    vfma.f32 s5, s13, s17",
    "    vfma.f32 s6, s14, s18",
    "    vfma.f32 s7, s15, s19",
    "    subs r2, r2, #1",
    "    bne 1b",
    // The lanes in order, as `lanes_sum` adds them.
    "    vadd.f32 s0, s0, s1",
    "    vadd.f32 s0, s0, s2",
    "    vadd.f32 s0, s0, s3",
    "    vadd.f32 s0, s0, s4",
    "    vadd.f32 s0, s0, s5",
    "    vadd.f32 s0, s0, s6",
    "    vadd.f32 s0, s0, s7",
    "    vpop {{s16-s19}}",
    "    bx lr",
    ".size __tinymtl_dot_f16x8, . - __tinymtl_dot_f16x8",
);

extern "C" {
    fn __tinymtl_dot_f16x8(x: *const f32, w: *const u16, blocks: usize) -> f32;
}

/// `sum_i x[i] * w[i]` over whole blocks of 8 (`x` and `w` of the same number of
/// blocks; `w` 4-byte aligned), the lanes summed in order.
#[inline(always)]
pub(super) fn blocks(x: &[[f32; 8]], w: &[[f16; 8]]) -> f32 {
    let n = x.len().min(w.len());
    if n == 0 || w.as_ptr().align_offset(4) != 0 {
        return super::portable::blocks(x, w);
    }
    // SAFETY: the function reads `n` blocks of 8 `f32` from `x` and 8 `u16` from `w`
    // (both at least that long: `n` is the shorter length), through 4-byte aligned
    // `vldmia` (`f32` is 4-aligned; `w`'s alignment is checked above). It writes no
    // memory but its own stack frame (`vpush`/`vpop` of the callee-saved s16-s19),
    // clobbers only caller-saved registers (r0-r3, s0-s15) and returns in s0, as the
    // AAPCS-VFP (`extern "C"` on `eabihf`) requires. `f16` is `repr(transparent)` over
    // `u16`.
    unsafe { __tinymtl_dot_f16x8(x.as_ptr().cast(), w.as_ptr().cast(), n) }
}
