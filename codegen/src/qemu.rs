//! Running generated code on the emulated Cortex-M4F board (`--target qemu-m4`):
//! the firmware crate in `boards/qemu-m4` embeds the generated module through its
//! `build.rs`, QEMU (`mps2-an386`) runs it, results come back over semihosting.

use crate::{Builder, Error, Generated, Result};
use std::path::Path;

/// `tinymtl run --target qemu-m4`: like [`crate::harness::run_files`], but the
/// generated code runs on the emulated Cortex-M4F.
pub fn run_files(
    builder: &Builder,
    inputs: &Path,
    output: &Path,
    heads: &[String],
) -> Result<Generated> {
    let _ = (builder, inputs, output, heads);
    Err(Error::new("--target qemu-m4 is not implemented yet"))
}

/// `tinymtl bench --target qemu-m4`: executed instructions per part and per head set.
pub fn bench(builder: &Builder) -> Result<String> {
    let _ = builder;
    Err(Error::new("bench --target qemu-m4 is not implemented yet"))
}
