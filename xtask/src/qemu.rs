//! The emulated board and the every-target build:
//!
//! - `setup` (run by `test` before `test-host`): the Rust targets, and a clear error
//!   naming the packages when QEMU, binutils or gcc is missing; rustfmt and clippy of
//!   the QEMU firmware and the tools (their own workspaces, outside `lint`).
//! - `qemu`: only the QEMU tests of `tests/host` (`qemu.rs`: every fitting fixture on
//!   the board vs the host and the references; `qemu_bench.rs`: deterministic
//!   instruction counts; `qemu_size.rs`: size goldens and the panic-free check).
//!   `test-host` runs them too, with every other test.
//! - `target_check` (part of `build-targets`): `tools/target-check`, generated fixture
//!   models with the runtime, built for every embedded target.

use crate::{cargo, root, run, step, TARGETS};
use std::path::PathBuf;
use std::process::Command;

/// Programs the QEMU tests run, with the Debian package that has each.
const PROGRAMS: [(&str, &str); 4] = [
    ("qemu-system-arm", "qemu-system-arm"),
    ("arm-none-eabi-objdump", "binutils-arm-none-eabi"),
    ("gcc", "gcc"),
    ("timeout", "coreutils"),
];

/// The target folder shared by the firmware crates and `tools/target-check`
/// (`cargo xtask build-boards` uses it too).
fn boards_target() -> PathBuf {
    crate::boards::target_dir()
}

/// Rust targets and the host programs the embedded tests need; lint of the crates
/// outside the workspace.
pub fn setup() -> Result<(), String> {
    step("qemu setup: Rust targets, QEMU and binutils, lint of boards/qemu-m4 and tools/");
    let mut add = Command::new("rustup");
    add.args(["target", "add"]).args(TARGETS);
    run(&mut add)?;
    let missing: Vec<String> = PROGRAMS
        .iter()
        .filter(|(p, _)| which::which(p).is_err())
        .map(|(p, pkg)| format!("{p} (Debian package {pkg})"))
        .collect();
    if !missing.is_empty() {
        return Err(format!(
            "missing: {}; install with `apt-get install qemu-system-arm binutils-arm-none-eabi gcc`",
            missing.join(", ")
        ));
    }
    for dir in ["boards/qemu-m4", "tools/qemu-run", "tools/target-check"] {
        run(Command::new(cargo())
            .args(["fmt", "--manifest-path"])
            .arg(root().join(dir).join("Cargo.toml"))
            .args(["--", "--check"]))?;
    }
    // Clippy on the firmware, from its folder so its target and rustflags apply.
    let status = Command::new(cargo())
        .args(["clippy", "--release", "--quiet", "--", "-D", "warnings"])
        .current_dir(root().join("boards/qemu-m4"))
        .env("CARGO_TARGET_DIR", boards_target())
        .status()
        .map_err(|e| format!("cannot run cargo clippy: {e}"))?;
    if !status.success() {
        return Err("clippy found problems in boards/qemu-m4".into());
    }
    Ok(())
}

/// `cargo xtask qemu`: the QEMU tests only.
pub fn qemu() -> Result<(), String> {
    setup()?;
    step("qemu: fixtures on the emulated Cortex-M4F, instruction counts, sizes, panic-free check");
    run(Command::new(cargo()).args([
        "test",
        "--release",
        "-p",
        "tinymtl-host-tests",
        "--test",
        "qemu",
        "--test",
        "qemu_bench",
        "--test",
        "qemu_size",
    ]))
}

/// Builds `tools/target-check` (three generated fixture models with the runtime) for
/// every embedded target.
pub fn target_check() -> Result<(), String> {
    step("build-targets: generated models (tools/target-check) on every embedded target");
    let dir = root().join("tools/target-check");
    for t in TARGETS {
        let shown = format!("(in tools/target-check) cargo build --release --target {t}");
        eprintln!("\x1b[1m$ {shown}\x1b[0m");
        let status = Command::new(cargo())
            .args(["build", "--release", "--target", t])
            .current_dir(&dir)
            .env("CARGO_TARGET_DIR", boards_target())
            .status()
            .map_err(|e| format!("cannot start {shown}: {e}"))?;
        if !status.success() {
            return Err(format!("failed: {shown}"));
        }
    }
    Ok(())
}
