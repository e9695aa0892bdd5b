//! `cargo xtask size [--bless]`: the firmware size goldens (`boards/*/size.golden`,
//! `tools/qemu-firmware/size.golden`): flash and RAM of every board's release ELF, and
//! for the runner firmware the stack high-water mark measured under QEMU, against the
//! goldens with their tolerance (`tests/qemu/tests/size_and_panics.rs`, which `qemu`
//! runs as well). `--bless` rewrites the goldens with the measured figures.

use crate::{cargo, run, step};
use std::process::Command;

/// Checks (or with `bless`, rewrites) the size goldens.
pub fn size(bless: bool) -> Result<(), String> {
    crate::qemu::setup()?;
    step(if bless {
        "size --bless: measuring every board and rewriting boards/*/size.golden and tools/qemu-firmware/size.golden"
    } else {
        "size: every board against boards/*/size.golden and tools/qemu-firmware/size.golden"
    });
    let mut cmd = Command::new(cargo());
    cmd.args([
        "test",
        "--release",
        "-p",
        "tinymtl-qemu-tests",
        "--test",
        "size_and_panics",
        "--",
        "--nocapture",
        "firmware_sizes",
    ]);
    if bless {
        cmd.env("TINYMTL_BLESS", "1");
    }
    run(&mut cmd)
}
