//! Running generated code on the emulated Cortex-M4F board (`--target qemu-m4`):
//! the firmware crate in `boards/qemu-m4` embeds the generated module through its
//! `build.rs`, QEMU (`mps2-an386`) runs it, results come back over semihosting.
//!
//! `tinymtl run/bench --target qemu-m4` builds the board's `src/main.rs` in a cache
//! crate per model (`<cache>/qemu-m4-<hash>`, one shared target folder, the board's
//! `Cargo.lock` and `.cargo/config.toml`), with the model, the glue
//! ([`firmware_glue`]) and a demo sample generated here, so any [`Builder`] option
//! applies. Samples go in as raw f32 through a semihosting file (`in.bin`) and the
//! heads come back the same way (`out.bin`): bit-exact. The firmware's defmt log
//! (semihosting stdout) is decoded on the host.
//!
//! Cost is counted, not timed: a TCG plugin (`tools/qemu-insn/insn_count.c`,
//! compiled here with gcc) counts the instructions executed between two marker
//! functions the firmware calls around each part and head set. The same ELF on the
//! same QEMU gives the same counts on every run.
//!
//! The ELF helpers ([`elf_sizes`], [`inference_call_graph`]) back the size goldens and
//! the panic-free check of `tests/host/tests/qemu_size.rs`.
//!
//! This file holds what the board's `build.rs` needs too (built without the `qemu`
//! feature): the board's constants, [`fits`], [`firmware_glue`], [`demo_sample`] and
//! [`write_firmware_files`]. With the feature, one file per concept, all re-exported
//! here: `firmware` (building the firmware of a model or a board crate), `run`
//! (running it on QEMU, decoding its defmt log), `bench` (instruction counts), `elf`
//! (section sizes, symbols) and `callgraph` (the panic-free check).

use crate::npz::Spec;
use crate::passes::Compiled;
use crate::{Builder, Error, Generated, Result};
use std::path::{Path, PathBuf};

/// Rust target of the board.
pub const TARGET: &str = "thumbv7em-none-eabihf";
/// QEMU machine.
pub const MACHINE: &str = "mps2-an386";
/// Code memory of the machine (flash).
pub const FLASH_BYTES: usize = 4 << 20;
/// SRAM of the machine.
pub const RAM_BYTES: usize = 4 << 20;
/// Flash kept for the firmware's own code and the kernels when checking a model fits.
const CODE_RESERVE: usize = 256 << 10;
/// RAM kept for the stack and the firmware's statics when checking a model fits.
const STACK_RESERVE: usize = 256 << 10;

/// How to install what the board needs, for error messages.
pub const INSTALL_HINT: &str = "install the emulated board's tools: `apt-get install qemu-system-arm binutils-arm-none-eabi` and `rustup target add thumbv7em-none-eabihf`";

/// The board crate (`$TINYMTL_BOARDS/qemu-m4`, default `boards/qemu-m4` of this repository).
pub fn board_dir() -> PathBuf {
    std::env::var_os("TINYMTL_BOARDS")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../boards")))
        .join("qemu-m4")
}

/// Whether a compiled model fits the board: weights (flash) and arena plus input
/// buffers (RAM), with room kept for code and stack. `Err` says what does not fit.
pub fn fits(c: &Compiled) -> std::result::Result<(), String> {
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
    if weights + CODE_RESERVE > FLASH_BYTES {
        why.push(format!(
            "weights take {weights} bytes of flash (the board has {FLASH_BYTES}, {CODE_RESERVE} kept for code)"
        ));
    }
    if ram + STACK_RESERVE > RAM_BYTES {
        why.push(format!(
            "arena and buffers take {ram} bytes of RAM (the board has {RAM_BYTES}, {STACK_RESERVE} kept for the stack)"
        ));
    }
    if why.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "the model does not fit the qemu-m4 board: {}",
            why.join("; ")
        ))
    }
}

fn flat(expr: &str, rank: usize, mutable: bool) -> String {
    match (rank, mutable) {
        (0, true) => format!("core::slice::from_mut(&mut {expr})"),
        (0, false) => format!("core::slice::from_ref({expr})"),
        (1, true) => format!("&mut {expr}[..]"),
        (1, false) => format!("&{expr}[..]"),
        (r, m) => {
            let f = if m {
                "as_flattened_mut()"
            } else {
                "as_flattened()"
            };
            let mut s = expr.to_string();
            for _ in 1..r {
                s = format!("{s}.{f}");
            }
            s
        }
    }
}

/// The firmware's `glue.rs` for a compiled model: `InBufs` (one typed buffer per
/// input) with `IN_ZERO`, `N_INPUTS`, `IN_TOTAL`, `slot(b, k)` (input `k` as a flat
/// slice), `inputs(b)` (the model's `Inputs`) and `head(o, h)` (head `h` of an
/// `Outputs` as a flat slice, empty when not computed). Included by
/// `boards/qemu-m4/src/main.rs` inside a module that sees the generated `model`.
pub fn firmware_glue(c: &Compiled) -> String {
    use crate::emit::names::camel;
    let names = crate::emit::names(c);
    let p = &c.program;
    let mut s = String::from(
        "// @generated by tinymtl: firmware glue (typed input buffers, flat outputs).\n\n",
    );
    let shape = |v: usize| p.values[v].shape.clone();
    s += "/// One typed buffer per model input.\npub struct InBufs {\n";
    for (k, n) in names.inputs.iter().enumerate() {
        s += &format!("    pub x{k}: model::Input{}, // {n}\n", camel(n));
    }
    s += "}\n\n/// Zeroed input buffers.\npub const IN_ZERO: InBufs = InBufs {\n";
    for (k, &v) in p.inputs.iter().enumerate() {
        let zeros = shape(v)
            .iter()
            .rev()
            .fold("0.0f32".to_string(), |acc, d| format!("[{acc}; {d}]"));
        s += &format!("    x{k}: {zeros},\n");
    }
    let lens: Vec<usize> = p.inputs.iter().map(|&v| p.values[v].numel()).collect();
    s += "};\n\n";
    s += &format!(
        "/// Number of inputs.\npub const N_INPUTS: usize = {};\n\n",
        lens.len()
    );
    s += &format!(
        "/// f32 values of one sample (all inputs).\npub const IN_TOTAL: usize = {};\n\n",
        lens.iter().sum::<usize>()
    );
    s += "/// Input `k` as a flat slice (empty if there is no such input).\npub fn slot(b: &mut InBufs, k: usize) -> &mut [f32] {\n    match k {\n";
    for (k, &v) in p.inputs.iter().enumerate() {
        s += &format!(
            "        {k} => {},\n",
            flat(&format!("b.x{k}"), shape(v).len(), true)
        );
    }
    s += "        _ => &mut [],\n    }\n}\n\n";
    s += "/// The model's inputs, borrowed from the buffers.\npub fn inputs(b: &InBufs) -> model::Inputs<'_> {\n    model::Inputs {\n";
    for (k, n) in names.inputs.iter().enumerate() {
        s += &format!("        {n}: &b.x{k},\n");
    }
    s += "    }\n}\n\n";
    s += "/// Head `h` as a flat slice; empty when it was not computed.\npub fn head(o: &model::Outputs, h: usize) -> &[f32] {\n    match h {\n";
    for (h, &v) in p.outputs.iter().enumerate() {
        s += &format!(
            "        {h} => match &o.{} {{\n            Some(v) => {},\n            None => &[],\n        }},\n",
            names.heads[h],
            flat("v", shape(v).len(), false)
        );
    }
    s += "        _ => &[],\n    }\n}\n";
    s
}

/// One sample for the firmware's demo and bench modes, as raw little-endian f32:
/// the first sample of `<model stem>.inputs.npz` beside the model when it exists and
/// matches, zeros otherwise.
pub fn demo_sample(model: &Path, inputs: &[Spec]) -> Vec<u8> {
    let npz = model.with_extension("inputs.npz");
    let mut out = Vec::new();
    match crate::npz::read(&npz, inputs) {
        Ok(s) => {
            for (k, spec) in inputs.iter().enumerate() {
                let n = spec.shape.iter().product::<usize>();
                for x in &s.data[k][..n] {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
        }
        Err(_) => {
            let n: usize = inputs
                .iter()
                .map(|s| s.shape.iter().product::<usize>())
                .sum();
            out.resize(n * 4, 0);
        }
    }
    out
}

/// Writes what the firmware includes from `$OUT_DIR`: `model.rs` (the generated
/// module, and its weight blob if it has one), `glue.rs` ([`firmware_glue`]) and `demo.bin` ([`demo_sample`]). Used by
/// the board's `build.rs` and by the cache crates of `tinymtl run/bench`.
pub fn write_firmware_files(builder: &Builder, dir: &Path) -> Result<Generated> {
    let g = builder.build()?;
    write_generated(&g, builder.model_path(), dir)?;
    Ok(g)
}

fn write_generated(g: &Generated, model: &Path, dir: &Path) -> Result<()> {
    let (ins, _) = crate::harness::specs(&g.compiled);
    let io = |e: std::io::Error| {
        Error::new(format!(
            "cannot write the firmware files in {}: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir).map_err(io)?;
    let put = |name: &str, bytes: &[u8]| -> Result<()> {
        crate::harness::put_file(&dir.join(name), bytes).map_err(io)
    };
    for (name, bytes) in g.files("model.rs") {
        put(name, bytes)?;
    }
    put("glue.rs", firmware_glue(&g.compiled).as_bytes())?;
    put("demo.bin", &demo_sample(model, &ins))?;
    Ok(())
}

#[cfg(feature = "qemu")]
mod bench;
#[cfg(feature = "qemu")]
mod callgraph;
#[cfg(feature = "qemu")]
mod elf;
#[cfg(feature = "qemu")]
mod firmware;
#[cfg(feature = "qemu")]
mod run;

#[cfg(feature = "qemu")]
pub use bench::{
    bench, measure, measure_firmware, plugin, plugin_api_version, Measured, Window, PLUGIN_SOURCE,
};
#[cfg(feature = "qemu")]
pub use callgraph::{inference_call_graph, is_panic, CallGraph, PanicPath};
#[cfg(feature = "qemu")]
pub use elf::{elf_sizes, symbol_address, ElfSizes};
#[cfg(feature = "qemu")]
pub use firmware::{build, build_board, Firmware};
#[cfg(feature = "qemu")]
pub use run::{decode_defmt, run_files, run_qemu, run_samples, QemuRun};

#[cfg(not(feature = "qemu"))]
/// `tinymtl run --target qemu-m4` (needs the `qemu` feature).
pub fn run_files(_: &Builder, _: &Path, _: &Path, _: &[String]) -> Result<Generated> {
    Err(Error::new(
        "tinymtl-codegen was built without the `qemu` feature",
    ))
}

#[cfg(not(feature = "qemu"))]
/// `tinymtl bench --target qemu-m4` (needs the `qemu` feature).
pub fn bench(_: &Builder) -> Result<String> {
    Err(Error::new(
        "tinymtl-codegen was built without the `qemu` feature",
    ))
}

#[cfg(feature = "qemu")]
fn io_err(what: &str, path: &Path) -> impl Fn(std::io::Error) -> Error {
    let (what, path) = (what.to_string(), path.display().to_string());
    move |e| Error::new(format!("{what} {path}: {e}"))
}

#[cfg(feature = "qemu")]
/// Finds `prog` on `PATH`.
pub fn which(prog: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|d| d.join(prog))
        .find(|p| p.is_file())
}

#[cfg(feature = "qemu")]
fn require(prog: &str, what: &str) -> Result<PathBuf> {
    which(prog).ok_or_else(|| {
        Error::new(format!(
            "`{prog}` not found on PATH ({what}); {INSTALL_HINT}"
        ))
    })
}
