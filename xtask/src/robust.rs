//! Robustness steps (`docs/reliability.md`):
//!
//! - `miri [--full]`: the runtime's tests (kernel unit tests and every property test,
//!   NaN/infinity and degenerate shapes included) under Miri, which checks for undefined
//!   behaviour, out-of-bounds access and overflow at every operation. Miri interprets
//!   (~1000x slower than native), so property tests run 2 cases each in CI (4 is the
//!   tests' own Miri default; natively they run 256) and the math accuracy sweeps are
//!   sparse (`cfg(miri)`); every test still runs. `--full` runs 64 cases per property
//!   over every runtime test (local use: much longer).
//!
//! The bad-input corpus (`tests/host/tests/bad_inputs.rs`) is an ordinary workspace
//! test (`test-host`); the ONNX conformance suite is `tests/conformance`
//! (`test-conformance`, which installs the Python packages it needs).

use std::process::Command;

use crate::{run, step};

/// `cargo +nightly miri test -p tinymtl-runtime`.
pub fn miri(full: bool) -> Result<(), String> {
    let cases = if full { "64" } else { "2" };
    step(&if full {
        format!("miri --full: the runtime's tests under Miri, {cases} cases per property")
    } else {
        format!("miri: dense, elementwise, movement and degenerate-shape kernel tests under Miri ({cases} cases per property)")
    });
    run(Command::new("rustup").args(["toolchain", "install", "nightly", "--profile", "minimal"]))?;
    run(Command::new("rustup").args(["+nightly", "component", "add", "miri", "rust-src"]))?;
    let mut test = Command::new("cargo");
    // A nightly cargo, not the one running xtask.
    test.env_remove("CARGO")
        .env_remove("RUSTC")
        .env_remove("RUSTUP_TOOLCHAIN")
        .args(["+nightly", "miri", "test", "-p", "tinymtl-runtime"])
        // libm's x86 sqrt is inline assembly, which Miri cannot run: its portable
        // (equally exact) software path instead.
        .args(["--features", "libm/force-soft-floats"]);
    test.env("TINYMTL_MIRI_CASES", cases);
    if !full {
        // CI: the kernel property tests of the dense, elementwise and movement kernels
        // and the degenerate shapes, 2 cases per property (4 took 400 s of CI's
        // budget; the native run checks 256 cases each); `--full` runs every runtime
        // test (unit tests and all kernels).
        test.args([
            "--test",
            "kernels",
            "--",
            "dense",
            "elementwise",
            "movement",
            "degenerate",
        ]);
    }
    run(&mut test)
}
