//! The dev-board firmware crates in `boards/` (each its own workspace, with its own
//! `.cargo/config.toml` naming the target and the flashing runner).
//!
//! - `build-boards [--bless]`: adds the rustup targets, builds every board crate in
//!   release (`tinymtl_verify::board::build`), prints each ELF's flash and RAM, and
//!   with `--bless` writes them to `boards/<board>/size.golden`
//!   (`tinymtl_verify::golden`; checking them is `cargo xtask size`'s job). All boards share one target folder
//!   (`target/boards`, or `$TINYMTL_BOARDS_TARGET_DIR`), so the host build of
//!   tinymtl-codegen that their build scripts use is compiled once.
//! - `test-boards`: the board crates are what `tinymtl firmware` writes for the example
//!   model (`gen-boards --check`) and rustfmt-clean; clippy and the host tests of
//!   `boards/pipeline` (mocked I2C register traffic through two generated models).
//!
//! Flash and RAM come from the ELF's section headers (`tinymtl_verify::elf`).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use tinymtl_verify::{board, elf_sizes, golden};

/// Every firmware crate `build-boards` builds: one per board of `tinymtl::board`
/// (the folder is the board's name).
pub use tinymtl::board::BOARDS;

/// The board-independent crate and its host tests.
const PIPELINE: &str = "pipeline";

fn boards_dir() -> PathBuf {
    crate::root().join("boards")
}

/// The target folder the board crates share.
pub fn target_dir() -> PathBuf {
    std::env::var_os("TINYMTL_BOARDS_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::root().join("target").join("boards"))
}

/// Runs `cmd` in `dir` (so that folder's `.cargo/config.toml` applies), echoing it.
fn run_in(dir: &Path, cmd: &mut Command) -> Result<(), String> {
    crate::run_as_set(cmd.current_dir(dir).env("CARGO_TARGET_DIR", target_dir()))
}

/// `build-boards`: builds every board crate in release and reports (with `bless`,
/// records) its flash and RAM.
pub fn build_boards(bless: bool) -> Result<(), String> {
    crate::step("build-boards: every firmware crate in boards/, release");
    let mut targets: Vec<&str> = BOARDS.iter().map(|b| b.target).collect();
    targets.dedup();
    let mut add = Command::new("rustup");
    add.args(["target", "add"]).args(&targets);
    run_in(&crate::root(), &mut add)?;
    let mut report = Vec::new();
    for b in BOARDS {
        let dir = boards_dir().join(b.name);
        eprintln!(
            "\x1b[1m$ (in boards/{}) cargo build --release\x1b[0m",
            b.name
        );
        let elf = board::build(&dir).map_err(|e| e.to_string())?;
        let s = elf_sizes(&elf).map_err(|e| e.to_string())?;
        let measured: BTreeMap<String, u64> = [
            ("flash".to_string(), s.flash()),
            ("ram".to_string(), s.ram()),
        ]
        .into();
        let golden_path = dir.join("size.golden");
        let old = golden::parse(&std::fs::read_to_string(&golden_path).unwrap_or_default());
        if bless {
            // Keys this step does not measure (the QEMU board's stack) are kept.
            let mut values = old.values.clone();
            values.extend(measured.clone());
            std::fs::write(
                &golden_path,
                golden::render(
                    &format!("boards/{}", b.name),
                    &values,
                    old.tolerance_percent,
                ),
            )
            .map_err(|e| format!("cannot write {}: {e}", golden_path.display()))?;
        }
        report.push((b, measured, old));
    }
    eprintln!(
        "\n{:<14} {:>9} {:>9}   size.golden",
        "board", "flash", "ram"
    );
    for (b, m, g) in report {
        let was = |k: &str| {
            let (v, old) = (m[k], g.values.get(k).copied());
            match old {
                Some(o) if o == v => String::new(),
                Some(o) => format!(" {k} was {o} ({:+})", v as i64 - o as i64),
                None => format!(" {k} missing"),
            }
        };
        let note = match (bless, was("flash") + &was("ram")) {
            (true, _) => "written".to_string(),
            (false, n) if n.is_empty() => "same".to_string(),
            (false, n) => n.trim().to_string(),
        };
        eprintln!("{:<14} {:>9} {:>9}   {note}", b.name, m["flash"], m["ram"]);
    }
    Ok(())
}

/// `test-boards`: the board crates are fresh (`gen-boards --check`) and rustfmt-clean;
/// clippy and host tests of `boards/pipeline`.
pub fn test_boards() -> Result<(), String> {
    crate::firmware::gen_boards(true)?;
    crate::step("test-boards: tinymtl-pipeline host tests (mocked I2C -> window in the model's layout -> two generated models)");
    // Not `--all`: that would also format the path dependencies (runtime, codegen).
    for b in BOARDS {
        run_in(
            &boards_dir().join(b.name),
            Command::new(crate::cargo()).args(["fmt", "--", "--check"]),
        )?;
    }
    let pipeline = boards_dir().join(PIPELINE);
    run_in(
        &pipeline,
        Command::new(crate::cargo()).args([
            "fmt",
            "-p",
            "tinymtl-pipeline",
            "-p",
            "tinymtl-pipeline-host-tests",
            "--",
            "--check",
        ]),
    )?;
    run_in(
        &pipeline,
        Command::new(crate::cargo()).args([
            "clippy",
            "--workspace",
            "--all-targets",
            "--all-features",
            "--",
            "-D",
            "warnings",
        ]),
    )?;
    // The lib on its own, as the firmware crates see it (no driver, no defmt).
    run_in(
        &pipeline,
        Command::new(crate::cargo()).args(["check", "-p", "tinymtl-pipeline"]),
    )?;
    run_in(
        &pipeline,
        Command::new(crate::cargo()).args(["test", "--workspace", "--all-features"]),
    )
}
