//! The dev-board firmware crates in `boards/` (each its own workspace, with its own
//! `.cargo/config.toml` naming the target and the flashing runner).
//!
//! - `build-boards [--bless]`: adds the rustup targets, builds every board crate in
//!   release, prints each ELF's flash and RAM, and with `--bless` writes them to
//!   `boards/<board>/size.golden` (`flash <bytes>` and `ram <bytes>` lines; checking
//!   them is `cargo xtask size`'s job). All boards share one target folder
//!   (`target/boards`, or `$TINYMTL_BOARDS_TARGET_DIR`), so the host build of
//!   tinymtl-codegen that their build scripts use is compiled once.
//! - `test-boards`: rustfmt on the board crates, clippy and the host tests of
//!   `boards/imu-pipeline` (mocked I2C register traffic through a model generated
//!   from the IMU fixture).
//!
//! Flash and RAM come from the ELF's section headers, as `arm-none-eabi-size -A`
//! lists them: allocated sections only; flash = code + read-only data + the
//! initial values of `.data`; RAM = `.data` + writable zero-filled sections
//! (`.bss`, `.uninit`). Non-writable NOBITS sections are address-space
//! reservations, not memory used (esp-hal's `.stack` and `*_dummy`), and are left
//! out.

use std::path::{Path, PathBuf};
use std::process::Command;

/// One firmware crate.
pub struct Board {
    /// Folder under `boards/`.
    pub dir: &'static str,
    /// Target triple (also set in the crate's `.cargo/config.toml`).
    pub target: &'static str,
    /// Binary name (the package name).
    pub bin: &'static str,
}

/// Every firmware crate `build-boards` builds.
pub const BOARDS: &[Board] = &[
    Board {
        dir: "nrf52840-dk",
        target: "thumbv7em-none-eabihf",
        bin: "tinymtl-nrf52840-dk",
    },
    Board {
        dir: "stm32f411",
        target: "thumbv7em-none-eabihf",
        bin: "tinymtl-stm32f411",
    },
    Board {
        dir: "rp2350",
        target: "thumbv8m.main-none-eabihf",
        bin: "tinymtl-rp2350",
    },
    Board {
        dir: "esp32c3",
        target: "riscv32imc-unknown-none-elf",
        bin: "tinymtl-esp32c3",
    },
];

/// The board-independent crate and its host tests.
const PIPELINE: &str = "imu-pipeline";

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

/// Flash and static RAM of a firmware ELF.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sizes {
    /// Code, read-only data and `.data` initial values.
    pub flash: u64,
    /// `.data` and zero-filled writable sections (the stack comes on top).
    pub ram: u64,
}

impl Sizes {
    /// The `size.golden` text.
    pub fn golden(&self) -> String {
        format!("flash {}\nram {}\n", self.flash, self.ram)
    }

    /// Parses `size.golden` text (`flash <bytes>` and `ram <bytes>` lines; other
    /// lines are ignored).
    pub fn parse(text: &str) -> Option<Sizes> {
        let mut flash = None;
        let mut ram = None;
        for line in text.lines() {
            let mut w = line.split_whitespace();
            match (w.next(), w.next().and_then(|v| v.parse().ok())) {
                (Some("flash"), Some(v)) => flash = Some(v),
                (Some("ram"), Some(v)) => ram = Some(v),
                _ => {}
            }
        }
        Some(Sizes {
            flash: flash?,
            ram: ram?,
        })
    }
}

/// Reads the section headers of a little-endian 32-bit ELF (every board here).
pub fn elf_sizes(elf: &Path) -> Result<Sizes, String> {
    const SHT_NOBITS: u32 = 8;
    const SHF_WRITE: u32 = 1;
    const SHF_ALLOC: u32 = 2;
    let b = std::fs::read(elf).map_err(|e| format!("cannot read {}: {e}", elf.display()))?;
    let bad = || format!("{}: not a little-endian 32-bit ELF", elf.display());
    if b.len() < 52 || &b[..4] != b"\x7fELF" || b[4] != 1 || b[5] != 1 {
        return Err(bad());
    }
    let u16_at = |o: usize| b.get(o..o + 2).map(|s| u16::from_le_bytes([s[0], s[1]]));
    let u32_at = |o: usize| {
        b.get(o..o + 4)
            .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]))
    };
    let shoff = u32_at(0x20).ok_or_else(bad)? as usize;
    let shentsize = u16_at(0x2E).ok_or_else(bad)? as usize;
    let shnum = u16_at(0x30).ok_or_else(bad)? as usize;
    let mut s = Sizes::default();
    for i in 0..shnum {
        let h = shoff + i * shentsize;
        let (ty, flags, size) = match (u32_at(h + 4), u32_at(h + 8), u32_at(h + 20)) {
            (Some(t), Some(f), Some(z)) => (t, f, u64::from(z)),
            _ => return Err(bad()),
        };
        if flags & SHF_ALLOC == 0 {
            continue;
        }
        let write = flags & SHF_WRITE != 0;
        match (ty == SHT_NOBITS, write) {
            (false, false) => s.flash += size,
            (false, true) => {
                s.flash += size;
                s.ram += size;
            }
            (true, true) => s.ram += size,
            (true, false) => {} // a reservation (esp-hal's .stack, *_dummy)
        }
    }
    Ok(s)
}

/// `--config` value that maps the checkout and the cargo home to fixed names in the
/// panic locations compiled into `.rodata`, so the measured flash does not depend
/// on where the repository is cloned. Appended to the board's own rustflags.
fn remap_paths(target: &str) -> String {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let mut flags = vec![format!(
        "\"--remap-path-prefix={}=/tinymtl\"",
        crate::root().display()
    )];
    if let Some(h) = home {
        flags.push(format!("\"--remap-path-prefix={}=/cargo\"", h.display()));
    }
    format!("target.{target}.rustflags=[{}]", flags.join(","))
}

/// The release ELF of `b`.
pub fn elf(b: &Board) -> PathBuf {
    target_dir().join(b.target).join("release").join(b.bin)
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
        let dir = boards_dir().join(b.dir);
        run_in(
            &dir,
            Command::new(crate::cargo())
                .args(["build", "--release", "--config"])
                .arg(remap_paths(b.target)),
        )?;
        let sizes = elf_sizes(&elf(b))?;
        let golden_path = dir.join("size.golden");
        let golden = std::fs::read_to_string(&golden_path)
            .ok()
            .and_then(|t| Sizes::parse(&t));
        if bless {
            std::fs::write(&golden_path, sizes.golden())
                .map_err(|e| format!("cannot write {}: {e}", golden_path.display()))?;
        }
        report.push((b, sizes, golden));
    }
    eprintln!(
        "\n{:<14} {:>9} {:>9}   size.golden",
        "board", "flash", "ram"
    );
    for (b, s, g) in report {
        let note = match g {
            _ if bless => "written".to_string(),
            Some(g) if g == s => "same".to_string(),
            Some(g) => format!(
                "was flash {} ({:+}), ram {} ({:+})",
                g.flash,
                s.flash as i64 - g.flash as i64,
                g.ram,
                s.ram as i64 - g.ram as i64
            ),
            None => "missing (run with --bless)".to_string(),
        };
        eprintln!("{:<14} {:>9} {:>9}   {note}", b.dir, s.flash, s.ram);
    }
    Ok(())
}

/// `test-boards`: rustfmt on the board crates; clippy and host tests of imu-pipeline.
pub fn test_boards() -> Result<(), String> {
    crate::step("test-boards: imu-pipeline host tests (mocked I2C -> window -> generated model)");
    // Not `--all`: that would also format the path dependencies (runtime, codegen).
    for b in BOARDS {
        run_in(
            &boards_dir().join(b.dir),
            Command::new(crate::cargo()).args(["fmt", "--", "--check"]),
        )?;
    }
    let pipeline = boards_dir().join(PIPELINE);
    run_in(
        &pipeline,
        Command::new(crate::cargo()).args([
            "fmt",
            "-p",
            "imu-pipeline",
            "-p",
            "imu-pipeline-host-tests",
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
        Command::new(crate::cargo()).args(["check", "-p", "imu-pipeline"]),
    )?;
    run_in(
        &pipeline,
        Command::new(crate::cargo()).args(["test", "--workspace", "--all-features"]),
    )
}
