//! The cache folder the runners build their crates in (`$TINYMTL_CACHE`, default
//! `<tmp>/tinymtl-cache`, one shared target folder per kind so the runtime is compiled
//! once), the files written into it, and the `cargo build` of a crate there.
//!
//! The runtime is the one this tool was built with (`$TINYMTL_RUNTIME` overrides its
//! path) and the workspace's `Cargo.lock` pins its dependencies.

use std::path::{Path, PathBuf};
use std::process::Command;
use tinymtl_codegen::{Error, Result};

/// Path of the runtime crate the generated code is built against.
pub fn runtime_path() -> PathBuf {
    std::env::var_os("TINYMTL_RUNTIME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime")))
}

/// Writes `bytes` to `path` unless it already holds exactly them (so cargo does not
/// rebuild an unchanged crate), through a temporary file in the same folder renamed
/// into place: tests and users running `tinymtl run` on one model at once share the
/// crate folder, and a reader sees the old file or the new one, never half of one.
pub fn put_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if std::fs::read(path).ok().as_deref() == Some(bytes) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    tinymtl_codegen::write_atomic_io(path, |f| f.write_all(bytes))
}

/// Cache folder for harness crates and their target folder: `$TINYMTL_CACHE` (a
/// relative path is taken from the current folder; empty counts as unset), else
/// `<tmp>/tinymtl-cache`. Always absolute, as cargo runs in the crates inside it.
pub fn cache_dir() -> PathBuf {
    let dir = std::env::var_os("TINYMTL_CACHE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("tinymtl-cache"));
    std::path::absolute(&dir).unwrap_or(dir)
}

/// A short hex digest (16 hex digits) of `parts`, each length-prefixed: names cache
/// crates after what they hold.
pub fn digest(parts: &[&[u8]]) -> String {
    let mut all = Vec::new();
    for p in parts {
        all.extend_from_slice(&(p.len() as u64).to_le_bytes());
        all.extend_from_slice(p);
    }
    tinymtl_codegen::escape::sha256_hex(&all)[..16].to_string()
}

/// `cargo build --release --quiet` of the crate in `dir` (so its own
/// `.cargo/config.toml` applies) into the target folder `target`. The caller's build
/// flags and target do not leak in. On failure the error says `what` and carries
/// cargo's output.
pub fn cargo_build(dir: &Path, target: &Path, what: &str) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .args(["build", "--release", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .map_err(|e| {
            Error::new(format!(
                "cannot run cargo ({}): {e}",
                cargo.to_string_lossy()
            ))
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::new(format!(
            "{what} (crate in {}):\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}
