//! The goldens checked on the emulated targets, each a test of `tests/qemu` run with
//! `TINYMTL_BLESS=1` to rewrite it (`cargo xtask qemu` runs the same tests):
//!
//! - `cargo xtask size [--bless]`: the firmware size goldens (`boards/*/size.golden`,
//!   `tools/qemu-firmware/size.golden`): flash and RAM of every board's release ELF, and
//!   for the runner firmware the stack high-water mark measured under QEMU, against the
//!   goldens with their tolerance (`tests/qemu/tests/size_and_panics.rs`).
//! - `cargo xtask bench-golden [--bless]`: the benchmark models'
//!   (`tests/fixtures/bench_models.py`) executed instructions on qemu-m4 against
//!   `tests/bench/golden.txt`, 1 % either way (`tests/qemu/tests/bench_golden.rs`).

use crate::{cargo, run, step};
use std::process::Command;

/// Checks (or with `bless`, rewrites) the size goldens.
pub fn size(bless: bool) -> Result<(), String> {
    golden_test(
        if bless {
            "size --bless: measuring every board and rewriting boards/*/size.golden and tools/qemu-firmware/size.golden"
        } else {
            "size: every board against boards/*/size.golden and tools/qemu-firmware/size.golden"
        },
        &["size_and_panics", "--", "--nocapture", "firmware_sizes"],
        bless,
    )
}

/// Checks (or with `bless`, rewrites) `tests/bench/golden.txt`.
pub fn bench_golden(bless: bool) -> Result<(), String> {
    golden_test(
        if bless {
            "bench-golden --bless: counting the benchmark models on qemu-m4 and rewriting tests/bench/golden.txt"
        } else {
            "bench-golden: the benchmark models on qemu-m4 against tests/bench/golden.txt"
        },
        &["bench_golden", "--", "--nocapture"],
        bless,
    )
}

/// `cargo test --release -p tinymtl-qemu-tests --test <test_args...>` after the QEMU
/// set-up, with `TINYMTL_BLESS=1` when blessing.
fn golden_test(what: &str, test_args: &[&str], bless: bool) -> Result<(), String> {
    crate::qemu::setup()?;
    step(what);
    let mut cmd = Command::new(cargo());
    cmd.args(["test", "--release", "-p", "tinymtl-qemu-tests", "--test"])
        .args(test_args);
    if bless {
        cmd.env("TINYMTL_BLESS", "1");
    }
    run(&mut cmd)
}
