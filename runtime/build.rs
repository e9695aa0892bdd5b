//! Sets `cfg(tinymtl_m_fpu_asm)` on Cortex-M targets with a single-precision FPU that has
//! fused multiply-add and half-precision conversions (FPv4-SP on Cortex-M4F, FPv5 on
//! M7/M33/M35P, and the M55/M85 FPU): there the dot-product inner loop is hand-written
//! assembly (`src/kernels/dot/m_fpu.rs`). `rustc --print cfg` does not expose Arm FPU
//! features on stable Rust, so the target name decides, as in the `cortex-m` crate.
//!
//! Sets `cfg(tinymtl_x86_avx2)` on x86-64 built with AVX2, FMA and F16C enabled
//! (`-C target-cpu=native` on a machine that has them, as the `tinymtl` CLI builds its
//! host harness, or `-C target-feature=+avx2,+fma,+f16c`): there the dot product and
//! the convolution tile use those instructions (`src/kernels/*/x86_avx2.rs`).
//! `TINYMTL_NO_ASM=1` turns both off, to compare with the portable kernels.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tinymtl_m_fpu_asm)");
    println!("cargo::rustc-check-cfg=cfg(tinymtl_x86_avx2)");
    println!("cargo::rerun-if-env-changed=TINYMTL_NO_ASM");
    let target = std::env::var("TARGET").unwrap_or_default();
    let m_fpu = ["thumbv7em-", "thumbv8m.main-", "thumbv8.1m.main-"]
        .iter()
        .any(|p| target.starts_with(p))
        && target.ends_with("-eabihf");
    // `TINYMTL_NO_ASM=1` builds the portable kernels on those targets too (to compare).
    if m_fpu && std::env::var_os("TINYMTL_NO_ASM").is_none() {
        println!("cargo::rustc-cfg=tinymtl_m_fpu_asm");
    }
    let arch = std::env::var("CARGO_CFG_TARGET_ARCH").unwrap_or_default();
    let features = std::env::var("CARGO_CFG_TARGET_FEATURE").unwrap_or_default();
    let has = |f: &str| features.split(',').any(|x| x == f);
    if arch == "x86_64"
        && has("avx2")
        && has("fma")
        && has("f16c")
        && std::env::var_os("TINYMTL_NO_ASM").is_none()
    {
        println!("cargo::rustc-cfg=tinymtl_x86_avx2");
    }
}
