//! What the command-line tests share: the fixtures and the `tinymtl` binary.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A model of `tests/fixtures`.
#[allow(dead_code)] // not every test file uses every helper
pub fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/fixtures")
        .join(name)
}

/// Runs the `tinymtl` binary: (success, stdout, stderr).
pub fn tinymtl(args: &[&str]) -> (bool, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_tinymtl"))
        .args(args)
        .output()
        .expect("runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
