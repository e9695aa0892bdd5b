//! Building a board crate the way its sizes are measured: `cargo build --release` in
//! its folder (its own `.cargo/config.toml` and `build.rs`, its default model), all
//! boards sharing one target folder, the checkout and the cargo home remapped to
//! fixed names in panic locations so the sizes do not depend on where the
//! repository is cloned. `cargo xtask build-boards` and the size goldens use it.

use crate::{io_err, Error, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The target folder board crates share: `$TINYMTL_BOARDS_TARGET_DIR`, default
/// `target/boards` of the repository at `root`.
pub fn target_dir(root: &Path) -> PathBuf {
    std::env::var_os("TINYMTL_BOARDS_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target").join("boards"))
}

/// `--config` value that maps the checkout (`root`) and the cargo home to fixed names
/// in the panic locations compiled into `.rodata`; appended to the board's rustflags.
pub fn remap_paths(root: &Path, target: &str) -> String {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo")));
    let mut flags = vec![format!(
        "\"--remap-path-prefix={}=/tinymtl\"",
        root.display()
    )];
    if let Some(h) = home {
        flags.push(format!("\"--remap-path-prefix={}=/cargo\"", h.display()));
    }
    format!("target.{target}.rustflags=[{}]", flags.join(","))
}

/// Whether the Rust target `target` is installed (its `core` is in the sysroot);
/// `Err` names the `rustup target add` command.
pub fn require_target(target: &str) -> Result<()> {
    let rustc = std::env::var_os("RUSTC").unwrap_or_else(|| "rustc".into());
    let out = Command::new(&rustc)
        .args(["--print", "target-libdir", "--target", target])
        .output()
        .map_err(|e| Error::new(format!("cannot run rustc: {e}")))?;
    let dir = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    if out.status.success() && dir.join("libcore.rlib").exists()
        || std::fs::read_dir(&dir)
            .map(|d| {
                d.flatten()
                    .any(|e| e.file_name().to_string_lossy().starts_with("libcore-"))
            })
            .unwrap_or(false)
    {
        Ok(())
    } else {
        Err(Error::new(format!(
            "the Rust target {target} is not installed: `rustup target add {target}`"
        )))
    }
}

/// Builds the firmware crate in `dir` (`cargo build --release` there, so its own
/// `.cargo/config.toml` and `build.rs` apply, with their default model) and
/// returns its ELF. Like `cargo xtask build-boards`: all boards share
/// `$TINYMTL_BOARDS_TARGET_DIR` (default `target/boards` of this repository) and
/// the checkout and cargo home are remapped to fixed names in panic locations,
/// so sizes do not depend on where the repository is cloned.
pub fn build(dir: &Path) -> Result<PathBuf> {
    let root = PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
        .canonicalize()
        .map_err(|e| Error::new(format!("cannot find the repository: {e}")))?;
    let config = dir.join(".cargo/config.toml");
    let text = std::fs::read_to_string(&config).map_err(io_err("cannot read", &config))?;
    let target = text
        .lines()
        .find_map(|l| {
            let v = l.trim().strip_prefix("target")?.trim().strip_prefix('=')?;
            Some(v.trim().trim_matches('"').to_string())
        })
        .ok_or_else(|| Error::new(format!("{}: no build target", config.display())))?;
    require_target(&target)?;
    let target_dir = target_dir(&root);
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .args([
            "build",
            "--release",
            "--message-format=json-render-diagnostics",
        ])
        .arg("--config")
        .arg(remap_paths(&root, &target))
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target_dir)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .env_remove("TINYMTL_MODEL")
        .stderr(Stdio::piped())
        .output()
        .map_err(|e| Error::new(format!("cannot run cargo: {e}")))?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "the firmware in {} did not build:\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let stdout = String::from_utf8_lossy(&out.stdout);
    stdout
        .lines()
        .filter(|l| l.contains("\"reason\":\"compiler-artifact\""))
        .filter_map(|l| {
            let rest = l.split("\"executable\":\"").nth(1)?;
            Some(PathBuf::from(rest.split('"').next()?))
        })
        .next_back()
        .ok_or_else(|| Error::new(format!("{}: cargo built no executable", dir.display())))
}
