//! The emulated targets and the every-target build:
//!
//! - `setup` (run by `test` before `test-host`): the Rust targets, QEMU (Arm and
//!   RISC-V), binutils and gcc (installed with apt-get as root; else a clear error
//!   naming the packages); rustfmt of the runner firmware and the tools (their own
//!   workspaces, outside `lint`), clippy of the runner firmware for every emulated
//!   target.
//! - `qemu` (run by `test`): the `tests/qemu` crate (`fixtures_on_qemu.rs`: every
//!   fitting fixture on every emulated target vs the host and the references;
//!   `instruction_counts.rs`: deterministic instruction counts; `bench_golden.rs`: the
//!   benchmark models' counts against `tests/bench/golden.txt`; `size_and_panics.rs`:
//!   size goldens and the panic-free check), after `setup` and `dot`.
//! - `dot` (`cargo xtask qemu-dot`, run by `qemu` and `test`): `tests/qemu-dot`, the
//!   property test of the Cortex-M4F assembly dot product against the portable loop.
//! - `target_check` (part of `build-targets`): `tools/target-check`, generated fixture
//!   models with the runtime, built for every embedded target.

use crate::{cargo, root, run, run_as_set, step, TARGETS};
use std::path::PathBuf;
use std::process::Command;

/// Programs the QEMU tests run, with the Debian package that has each.
const PROGRAMS: [(&str, &str); 5] = [
    ("qemu-system-arm", "qemu-system-arm"),
    ("qemu-system-riscv32", "qemu-system-misc"),
    ("arm-none-eabi-objdump", "binutils-arm-none-eabi"),
    ("gcc", "gcc"),
    ("timeout", "coreutils"),
];

/// The target folder shared by the firmware crates and `tools/target-check`
/// (`cargo xtask build-boards` uses it too).
fn boards_target() -> PathBuf {
    crate::boards::target_dir()
}

/// `rustup target add` (a no-op for targets already installed).
pub(crate) fn add_targets(targets: &[&str]) -> Result<(), String> {
    run(Command::new("rustup").args(["target", "add"]).args(targets))
}

/// `Err` naming the missing programs of `programs` and the `apt-get install` line.
pub fn require(programs: &[(&str, &str)]) -> Result<(), String> {
    let missing: Vec<_> = programs
        .iter()
        .filter(|(p, _)| which::which(p).is_err())
        .collect();
    if missing.is_empty() {
        return Ok(());
    }
    let progs: Vec<String> = missing
        .iter()
        .map(|(p, pkg)| format!("{p} (Debian package {pkg})"))
        .collect();
    let mut pkgs: Vec<&str> = missing.iter().map(|(_, pkg)| *pkg).collect();
    pkgs.dedup();
    Err(format!(
        "missing: {}; install with `apt-get install {}`",
        progs.join(", "),
        pkgs.join(" ")
    ))
}

/// [`require`], after installing the missing packages with `apt-get` when this runs
/// as root and apt-get is there (a fresh Debian machine or container).
pub(crate) fn install(programs: &[(&str, &str)]) -> Result<(), String> {
    let mut missing: Vec<&str> = programs
        .iter()
        .filter(|(p, _)| which::which(p).is_err())
        .map(|(_, pkg)| *pkg)
        .collect();
    missing.dedup();
    if !missing.is_empty() && which::which("apt-get").is_ok() && is_root() {
        eprintln!("missing: {}; installing with apt-get", missing.join(" "));
        run(Command::new("apt-get").args(["update", "-qq"]))?;
        run(Command::new("apt-get")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(&missing))?;
    }
    require(programs)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Rust targets and the host programs the embedded tests need (installed with
/// [`install`] where it can); lint of the crates outside the workspace.
pub fn setup() -> Result<(), String> {
    step("qemu setup: Rust targets, QEMU and binutils, lint of tools/qemu-firmware and tools/");
    add_targets(TARGETS)?;
    install(&PROGRAMS)?;
    for dir in [FIRMWARE, "tools/qemu-run", "tools/target-check"] {
        run(Command::new(cargo())
            .args(["fmt", "--manifest-path"])
            .arg(root().join(dir).join("Cargo.toml"))
            .args(["--", "--check"]))?;
    }
    // Clippy on the firmware for every emulated target, from its folder so its
    // configuration applies.
    for t in tinymtl::qemu::TARGETS {
        let status = Command::new(cargo())
            .args(["clippy", "--release", "--quiet", "--target", t.rust_target])
            .args(["--", "-D", "warnings"])
            .current_dir(root().join(FIRMWARE))
            .env("CARGO_TARGET_DIR", boards_target())
            .status()
            .map_err(|e| format!("cannot run cargo clippy: {e}"))?;
        if !status.success() {
            return Err(format!(
                "clippy found problems in {FIRMWARE} for {}",
                t.rust_target
            ));
        }
    }
    Ok(())
}

/// The runner firmware of `tinymtl run/bench --target qemu-*`.
const FIRMWARE: &str = "tools/qemu-firmware";

/// `cargo xtask qemu`: the QEMU tests only.
pub fn qemu() -> Result<(), String> {
    setup()?;
    dot()?;
    step("qemu: fixtures on every emulated target (qemu-m4, qemu-m0, qemu-m33, qemu-rv32), instruction counts, benchmark golden, sizes, panic-free check");
    run(Command::new(cargo()).args(["test", "--release", "-p", "tinymtl-qemu-tests"]))
}

/// `cargo xtask qemu-dot`: `tests/qemu-dot` (its own workspace and target folder,
/// `target/qemu-dot`) checked with rustfmt and clippy, built in release and run on
/// QEMU `mps2-an386` by its cargo runner (`timeout qemu-system-arm ...`, see its
/// `.cargo/config.toml`): every length 0..=300 and start alignment, the assembly
/// against a bit-exact model and the portable loop, NaN/inf rules. Fails if QEMU is
/// missing or any case fails (the firmware's exit status).
pub fn dot() -> Result<(), String> {
    step("qemu-dot: the Cortex-M4F assembly dot product and conv tile vs the portable loops, on QEMU");
    require(&[
        ("qemu-system-arm", "qemu-system-arm"),
        ("timeout", "coreutils"),
    ])?;
    add_targets(&["thumbv7em-none-eabihf"])?;
    let dir = root().join("tests/qemu-dot");
    run(Command::new(cargo())
        .args(["fmt", "--manifest-path"])
        .arg(dir.join("Cargo.toml"))
        .args(["--", "--check"]))?;
    let target = root().join("target/qemu-dot");
    // From its folder, so its target, rustflags and runner apply.
    for args in [
        &["clippy", "--release", "--quiet", "--", "-D", "warnings"][..],
        &["run", "--release"],
    ] {
        run_as_set(
            Command::new(cargo())
                .args(args)
                .current_dir(&dir)
                .env("CARGO_TARGET_DIR", &target),
        )?;
    }
    Ok(())
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
