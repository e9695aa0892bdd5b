//! Running generated code on the emulated targets (`--target qemu-m4`, `qemu-m0`,
//! `qemu-m33`, `qemu-rv32`; their facts are in [`targets`], one row each): the runner
//! firmware in `tools/qemu-firmware` embeds the generated module through its
//! `build.rs`, QEMU runs it, results come back over semihosting.
//!
//! `tinymtl run/bench --target qemu-*` builds the firmware's `src/main.rs` in a cache
//! crate per model and target (`<cache>/qemu-m4-<hash>`, one shared target folder, the
//! firmware's `Cargo.lock`), with the model, its glue
//! ([`tinymtl_codegen::emit::glue::firmware_glue`]), a demo sample and `memory.x`
//! generated here, so any [`Builder`] option applies. Samples go in as raw f32
//! through a semihosting file (`in.bin`) and the heads come back the same way
//! (`out.bin`): bit-exact. The firmware's defmt log (semihosting stdout) is decoded
//! on the host.
//!
//! Cost is counted, not timed: a TCG plugin (`tools/qemu-insn/insn_count.c`,
//! compiled here with gcc) counts the instructions executed between two marker
//! functions the firmware calls around each part and head set, by instruction class,
//! which [`cycles`] turns into estimated Cortex-M4 cycles; `steps` cuts the run at the
//! profile marker profiled code calls after every kernel step. The same ELF on the
//! same QEMU gives the same counts on every run.
//!
//! This file holds what the firmware's `build.rs` needs too (built without the `qemu`
//! feature): the target table, [`fits`] and [`write_firmware_files`]. With the
//! feature, one file per concept, all re-exported here: `firmware` (building the
//! firmware of a model), `run` (running it on QEMU, decoding its defmt log),
//! `bench` (instruction counts), `cycles` (the cycle estimate) and `steps` (the
//! per-step profile). ELF sizes, symbols and the panic-free check are
//! `tinymtl-verify`'s.

use std::path::{Path, PathBuf};
use tinymtl_codegen::passes::Compiled;
use tinymtl_codegen::{Builder, Error, Generated, Result};

pub mod targets;
pub use targets::{Arch, QemuTarget, QEMU_M0, QEMU_M33, QEMU_M4, QEMU_RV32, TARGETS};

/// Flash kept for the firmware's own code and the kernels when checking a model fits.
const CODE_RESERVE: usize = 256 << 10;
/// RAM kept for the stack and the firmware's statics when checking a model fits.
const STACK_RESERVE: usize = 256 << 10;

/// The runner firmware crate: `$TINYMTL_QEMU_FIRMWARE`, default `tools/qemu-firmware`
/// of this repository.
pub fn firmware_dir() -> PathBuf {
    std::env::var_os("TINYMTL_QEMU_FIRMWARE")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/../tools/qemu-firmware"
            ))
        })
}

/// Whether a compiled model fits target `t`: weights (flash) and arena plus input
/// buffers (RAM), with room kept for code and stack. `Err` says what does not fit.
pub fn fits(t: &QemuTarget, c: &Compiled) -> std::result::Result<(), String> {
    let (flash, ram_size) = (t.flash_bytes, t.ram_bytes);
    let p = &c.program;
    let weights = c.cost.total.weight_bytes;
    let io: usize = p
        .inputs
        .iter()
        .chain(&p.outputs)
        .map(|&v| p.values[v].numel() * 4)
        .sum();
    let ram = c.plan.arena_len * 4 + 2 * io;
    let mut why = Vec::new();
    if weights + CODE_RESERVE > flash {
        why.push(format!(
            "weights take {weights} bytes of flash (the target has {flash}, {CODE_RESERVE} kept for code)"
        ));
    }
    if ram + STACK_RESERVE > ram_size {
        why.push(format!(
            "arena and buffers take {ram} bytes of RAM (the target has {ram_size}, {STACK_RESERVE} kept for the stack)"
        ));
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the model does not fit {}: {}",
            t.name,
            why.join("; ")
        ))
    }
}

/// Writes what the firmware includes from `$OUT_DIR`: `model.rs` (the generated
/// module, and its weight blob if it has one), `glue.rs` (its glue) and `demo.bin`
/// ([`crate::contract::demo_sample`]). Used by
/// the firmware's `build.rs` and by the cache crates of `tinymtl run/bench`.
pub fn write_firmware_files(builder: &Builder, dir: &Path) -> Result<Generated> {
    let g = builder.build()?;
    let (ins, _) = crate::contract::specs(&g.compiled);
    let demo = crate::contract::demo_sample(builder.model_path(), &ins);
    write_generated(&g, &g.glue(), &demo, dir)?;
    Ok(g)
}

/// Writes `g`'s files, its `glue` and the `demo` sample into `dir`.
fn write_generated(g: &Generated, glue: &str, demo: &[u8], dir: &Path) -> Result<()> {
    let io = |e: std::io::Error| {
        Error::new(format!(
            "cannot write the firmware files in {}: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let put = |name: &str, bytes: &[u8]| -> Result<()> {
        crate::cache::put_file(&dir.join(name), bytes).map_err(io)
    };
    for (name, bytes) in g.files("model.rs") {
        put(name, bytes)?;
    }
    put("glue.rs", glue.as_bytes())?;
    put("demo.bin", demo)?;
    Ok(())
}

#[cfg(feature = "qemu")]
mod bench;
#[cfg(feature = "qemu")]
pub mod cycles;
#[cfg(feature = "qemu")]
mod firmware;
#[cfg(feature = "qemu")]
mod run;
#[cfg(feature = "qemu")]
mod steps;

#[cfg(feature = "qemu")]
pub use bench::{
    bench, bench_text, measure, measure_firmware, plugin, plugin_api_version, Measured, Window,
    PLUGIN_SOURCE,
};
#[cfg(feature = "qemu")]
pub use firmware::{build, Firmware};
#[cfg(feature = "qemu")]
pub use run::{decode_defmt, run_files, run_qemu, run_samples, QemuRun};
#[cfg(feature = "qemu")]
pub use steps::{
    bench_steps, build_profiled, profile, profile_firmware, steps_text, Profile, StepCount,
    StepsBench,
};

#[cfg(not(feature = "qemu"))]
/// `tinymtl run --target qemu-*` (needs the `qemu` feature).
pub fn run_files(
    _: &QemuTarget,
    _: &Builder,
    _: &Path,
    _: &Path,
    _: &[String],
) -> Result<Generated> {
    Err(Error::new("tinymtl was built without the `qemu` feature"))
}

#[cfg(not(feature = "qemu"))]
/// `tinymtl bench --target qemu-*` (needs the `qemu` feature).
pub fn bench(_: &QemuTarget, _: &Builder) -> Result<String> {
    Err(Error::new("tinymtl was built without the `qemu` feature"))
}

#[cfg(not(feature = "qemu"))]
/// What `tinymtl bench --target qemu-* --steps` shows (needs the `qemu` feature).
pub struct StepsBench {
    /// The tables.
    pub text: String,
    /// The HTML page.
    pub html: String,
}

#[cfg(not(feature = "qemu"))]
/// `tinymtl bench --target qemu-* --steps` (needs the `qemu` feature).
pub fn bench_steps(_: &QemuTarget, _: &Builder) -> Result<StepsBench> {
    Err(Error::new("tinymtl was built without the `qemu` feature"))
}

#[cfg(feature = "qemu")]
fn io_err(what: &str, path: &Path) -> impl Fn(std::io::Error) -> Error {
    let (what, path) = (what.to_string(), path.display().to_string());
    move |e| Error::new(format!("{what} {path}: {e}"))
}

#[cfg(feature = "qemu")]
/// `prog` on `PATH`, or an error saying `what` needs it and how to install what
/// target `t` needs.
pub fn require(t: &QemuTarget, prog: &str, what: &str) -> Result<PathBuf> {
    tinymtl_verify::require_program(prog, what, &t.install_hint()).map_err(verify_err)
}

#[cfg(feature = "qemu")]
/// A `tinymtl-verify` error as ours.
fn verify_err(e: tinymtl_verify::Error) -> Error {
    Error::new(e.0)
}
