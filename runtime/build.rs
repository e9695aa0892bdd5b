//! Sets `cfg(tinymtl_m_fpu_asm)` on Cortex-M targets with a single-precision FPU that has
//! fused multiply-add and half-precision conversions (FPv4-SP on Cortex-M4F, FPv5 on
//! M7/M33/M35P, and the M55/M85 FPU): there the dot-product inner loop is hand-written
//! assembly (`src/kernels/dot/m_fpu.rs`). `rustc --print cfg` does not expose Arm FPU
//! features on stable Rust, so the target name decides, as in the `cortex-m` crate.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(tinymtl_m_fpu_asm)");
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
}
