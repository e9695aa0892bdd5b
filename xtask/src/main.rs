//! `cargo xtask <step>`: the project's named jobs.
//!
//! - `test`: every test: `lint`, `test-host`, `qemu`, `test-browser`,
//!   `test-conformance`, `miri`, `fixtures`, `build-targets`, `test-boards`,
//!   `build-boards`, `test-firmware`, `own-model`, then `demo` (fails if the generated code disagrees with
//!   onnxruntime on the board).
//! - `lint`: `cargo fmt --check`, `clippy -D warnings`, rustdoc with `-D warnings`.
//! - `test-host`: the tests that need nothing but cargo (`cargo test --release`: the
//!   workspace's default members: kernels, codegen, runners, fixture contract, bad
//!   inputs).
//! - `test-browser`: the HTML report in headless Chromium (`tests/browser`).
//! - `test-conformance`: ONNX backend node tests (`tests/conformance`, Python `onnx`).
//! - `fixtures`: re-runs onnxruntime on the checked-in fixtures and compares with the
//!   checked-in references (provenance check; installs numpy/onnx/onnxruntime with pip
//!   if they are missing).
//! - `build-targets`: builds the runtime, and generated fixture models with it
//!   (`tools/target-check`), for every embedded target it claims.
//! - `qemu`: the emulated-target tests (`tests/qemu`: fixtures on QEMU vs host on
//!   qemu-m4, qemu-m0, qemu-m33 and qemu-rv32,
//!   instruction counts, size goldens, panic-free inference path), after its set-up
//!   (targets, QEMU and binutils, installed with apt-get as root) and `qemu-dot`.
//! - `qemu-dot`: the Cortex-M4F assembly dot product against the portable loop on
//!   QEMU (`tests/qemu-dot`: every length 0..=300 and alignment, NaN/inf); `test` and
//!   `qemu` run it.
//! - `bench-golden [--bless]`: the benchmark models' (`tests/fixtures/bench_models.py`)
//!   instruction counts on qemu-m4 against `tests/bench/golden.txt` (1 % either way;
//!   `qemu` runs the same test); `--bless` rewrites the golden (`size.rs`).
//! - `size [--bless]`: firmware sizes (flash, RAM, QEMU stack) against
//!   `boards/*/size.golden` and `tools/qemu-firmware/size.golden`; `--bless` rewrites
//!   the goldens.
//! - `demo [--host]`: the example multi-task sensor model (`examples/har`) end to end:
//!   generated code run on the emulated Cortex-M4F (or the host) on held-out windows,
//!   accuracy per task, instructions per part, shared vs single-task costs (`demo/`).
//! - `build-boards [--bless]`: builds every dev-board firmware crate in `boards/` and
//!   reports flash/RAM (`--bless` writes `boards/<board>/size.golden`).
//! - `own-model`: the README's "Using your own model" crate (`examples/own-model`:
//!   `build.rs` with `Builder`, a static model, `run` and `trunk` + `features`),
//!   rustfmt, clippy, built and run; `cargo test` checks the README shows its files.
//! - `code-table [--check]`: measures the inference-path code and stack of every
//!   fixture model's firmware (emulated board) and writes the per-kernel-family table
//!   `tinymtl inspect --board` estimates from (`cli/src/fit/kernel_code.txt`).
//! - `miri [--full]`: the runtime's tests under Miri (`robust.rs`); `test` runs it.
//! - `bench-host [--rounds N] [MODEL...]`: tinymtl, onnxruntime and tract side by side
//!   on this host (every fixture, or those named; batch 1, one thread, interleaved
//!   rounds, pinned to one core): a markdown table of median µs per inference and the
//!   ratios (`bench_host.rs`). Timing, not a test: `test` does not run it.
//! - `test-boards`: `gen-boards --check`, the board-independent `boards/pipeline` host
//!   tests (mocked I2C sensors through two generated models), clippy, rustfmt of the
//!   board crates.
//! - `gen-boards [--check]`: `boards/*` written (or checked) as `tinymtl firmware`
//!   writes them for the example model (`firmware.rs`).
//! - `test-firmware`: `tinymtl firmware` crates of three fixture models for every board,
//!   in a folder outside the checkout, rustfmt-checked and built; the qemu-m4 ones run
//!   and compared with the host (`firmware.rs`).
//!
//! Each step does its own set-up (rustup components and targets, pip packages). At the
//! end, every job prints the wall time of each step it ran.

mod bench_host;
mod boards;
mod codetable;
mod demo;
mod example;
mod firmware;
mod qemu;
mod robust;
mod size;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

/// Embedded targets the runtime and generated models build for.
const TARGETS: &[&str] = &[
    "thumbv6m-none-eabi",
    "thumbv7em-none-eabihf",
    "thumbv8m.main-none-eabihf",
    "riscv32imc-unknown-none-elf",
];

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".into())
}

/// Runs a command in the workspace root, echoing it; `Err` names it on failure.
fn run(cmd: &mut Command) -> Result<(), String> {
    run_as_set(cmd.current_dir(root()))
}

/// Runs a command in the folder it already names, echoing it with its duration; `Err`
/// names it on failure.
fn run_as_set(cmd: &mut Command) -> Result<(), String> {
    let shown = format!("{cmd:?}").replace('"', "");
    eprintln!("\x1b[1m$ {shown}\x1b[0m");
    let start = Instant::now();
    let status = cmd
        .status()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    eprintln!("  ({:.1}s)", start.elapsed().as_secs_f32());
    if status.success() {
        Ok(())
    } else {
        Err(format!("failed: {shown}"))
    }
}

/// The steps started so far, with when each started: `main` prints how long each took.
static STEPS: std::sync::Mutex<Vec<(String, Instant)>> = std::sync::Mutex::new(Vec::new());

fn step(name: &str) {
    eprintln!("\n\x1b[1;36m==> {name}\x1b[0m");
    if let Ok(mut steps) = STEPS.lock() {
        steps.push((name.chars().take(72).collect(), Instant::now()));
    }
}

/// One line per step: its wall time and its heading (the first 72 characters, enough
/// to tell apart the two steps `build-targets` and `demo` each have), so a CI log
/// shows where the time goes.
fn print_step_times() {
    let Ok(steps) = STEPS.lock() else { return };
    if steps.len() < 2 {
        return;
    }
    eprintln!("\nstep times:");
    let end = Instant::now();
    for (i, (name, start)) in steps.iter().enumerate() {
        let until = steps.get(i + 1).map_or(end, |next| next.1);
        eprintln!("  {:>7.1}s  {name}", (until - *start).as_secs_f32());
    }
}

fn lint() -> Result<(), String> {
    step("lint: rustfmt, clippy, rustdoc");
    run(Command::new("rustup").args(["component", "add", "rustfmt", "clippy"]))?;
    run(Command::new(cargo()).args(["fmt", "--all", "--", "--check"]))?;
    run(Command::new(cargo()).args([
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ]))?;
    runtime_native("clippy")?;
    run(Command::new(cargo())
        .args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings"))
}

/// The tests that need nothing but cargo: the workspace's default members.
fn test_host() -> Result<(), String> {
    step("test-host: kernels, codegen, runners, fixture contract, bad inputs (cargo only)");
    run(Command::new(cargo()).args(["test", "--release"]))?;
    runtime_native("test")
}

/// `cargo <verb> -p tinymtl-runtime` (its tests, or for clippy every target) built for this machine
/// (`-C target-cpu=native`, its own target folder): on x86-64 with AVX2, FMA and F16C
/// the kernels' intrinsics modules (`cfg(tinymtl_x86_avx2)`), which the host harness
/// the CLI builds uses, against the portable loops and the scalar reference.
fn runtime_native(verb: &str) -> Result<(), String> {
    step(&format!(
        "{verb} the runtime built with -C target-cpu=native (the host harness's kernels)"
    ));
    let mut cmd = Command::new(cargo());
    let targets: &[&str] = if verb == "test" {
        &["--lib", "--tests"]
    } else {
        &["--all-targets"]
    };
    cmd.args([verb, "--release", "-p", "tinymtl-runtime"])
        .args(targets)
        .env("RUSTFLAGS", "-C target-cpu=native")
        .env("CARGO_TARGET_DIR", "target/native");
    if verb == "clippy" {
        cmd.args(["--", "-D", "warnings"]);
    }
    run(&mut cmd)
}

/// The HTML report in headless Chromium (`tests/browser`).
fn test_browser() -> Result<(), String> {
    step("test-browser: the HTML report in headless Chromium");
    if std::env::var_os("CHROMIUM").is_none() {
        qemu::require(&[("chromium", "chromium")])?;
    }
    run(Command::new(cargo()).args(["test", "--release", "-p", "tinymtl-browser-tests"]))
}

/// ONNX backend conformance (`tests/conformance`; the cases come from the `onnx`
/// Python package).
fn test_conformance() -> Result<(), String> {
    step("test-conformance: ONNX backend node tests through the generated code");
    if !python_has("numpy, onnx, onnxruntime") {
        pip_requirements()?;
    }
    run(Command::new(cargo()).args(["test", "--release", "-p", "tinymtl-conformance-tests"]))
}

fn python_has(modules: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {modules}")])
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

fn fixtures() -> Result<(), String> {
    step("fixtures: references re-computed by onnxruntime match the checked-in files");
    if !python_has("numpy, onnx, onnxruntime") {
        pip_requirements()?;
    }
    run(Command::new("python3").arg("tests/fixtures/check_fixtures.py"))
}

/// `pip install -r tests/fixtures/requirements-check.txt`: numpy, onnx and onnxruntime
/// at the versions the fixture checks and conformance cases were made with.
fn pip_requirements() -> Result<(), String> {
    run(Command::new("python3").args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "-r",
        "tests/fixtures/requirements-check.txt",
    ]))
}

fn build_targets() -> Result<(), String> {
    step("build-targets: the runtime on every embedded target");
    let mut add = Command::new("rustup");
    add.args(["target", "add"]).args(TARGETS);
    run(&mut add)?;
    for t in TARGETS {
        run(Command::new(cargo()).args([
            "build",
            "--release",
            "-p",
            "tinymtl-runtime",
            "--target",
            t,
        ]))?;
    }
    qemu::target_check()
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let start = Instant::now();
    let result = match args.first().map(String::as_str) {
        Some("test") => lint()
            .and_then(|_| test_host())
            .and_then(|_| qemu::qemu())
            .and_then(|_| test_browser())
            .and_then(|_| test_conformance())
            .and_then(|_| robust::miri(false))
            .and_then(|_| fixtures())
            .and_then(|_| build_targets())
            .and_then(|_| boards::test_boards())
            .and_then(|_| boards::build_boards(false))
            .and_then(|_| firmware::test_firmware())
            .and_then(|_| example::own_model())
            .and_then(|_| demo::demo(&[])),
        Some("lint") => lint(),
        Some("test-host") => test_host(),
        Some("test-browser") => test_browser(),
        Some("test-conformance") => test_conformance(),
        Some("miri") => robust::miri(args.iter().any(|a| a == "--full")),
        Some("fixtures") => fixtures(),
        Some("build-targets") => build_targets(),
        Some("qemu") => qemu::qemu(),
        Some("qemu-dot") => qemu::dot(),
        Some("bench-golden") => size::bench_golden(args.iter().any(|a| a == "--bless")),
        Some("size") => size::size(args.iter().any(|a| a == "--bless")),
        Some("demo") => demo::demo(&args[1..]),
        Some("build-boards") => boards::build_boards(args.iter().any(|a| a == "--bless")),
        Some("test-boards") => boards::test_boards(),
        Some("own-model") => example::own_model(),
        Some("gen-boards") => firmware::gen_boards(args.iter().any(|a| a == "--check")),
        Some("test-firmware") => firmware::test_firmware(),
        Some("code-table") => codetable::code_table(args.iter().any(|a| a == "--check")),
        Some("bench-host") => bench_host::bench_host(&args[1..]),
        _ => {
            eprintln!("usage: cargo xtask <test | lint | test-host | test-browser | test-conformance | fixtures | build-targets | qemu | qemu-dot | bench-golden [--bless] | size [--bless] | build-boards [--bless] | test-boards | gen-boards [--check] | test-firmware | own-model | code-table [--check] | demo [--host] | miri [--full] | bench-host [--rounds N] [MODEL...]>");
            return ExitCode::from(2);
        }
    };
    print_step_times();
    match result {
        Ok(()) => {
            eprintln!(
                "\n\x1b[1;32mok\x1b[0m ({:.0}s)",
                start.elapsed().as_secs_f32()
            );
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("\n\x1b[1;31merror:\x1b[0m {e}");
            ExitCode::FAILURE
        }
    }
}
