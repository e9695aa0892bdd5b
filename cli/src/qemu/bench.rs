//! Counting executed instructions: the TCG plugin (compiled here with gcc) counts
//! the instructions between the firmware's two marker functions around each part and
//! head set; [`bench`] prints them per part and per head set.

use super::firmware::{build, Firmware};
use super::run::run_qemu;
use super::{io_err, require, verify_err, QemuTarget};
use crate::cache::{cache_dir, digest};
use std::path::{Path, PathBuf};
use std::process::Command;
use tinymtl_codegen::{Builder, Error, Result};
use tinymtl_verify::symbol_address;

/// Source of the instruction-counting TCG plugin, compiled on first use.
pub const PLUGIN_SOURCE: &str = include_str!("../../../tools/qemu-insn/insn_count.c");

/// Executed instructions of one measured window, with its multiply-accumulates.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Window {
    /// Part name (from `PARTS`) or head set (`<head> alone`, `all heads`).
    pub name: String,
    /// Guest instructions executed (marker overhead subtracted).
    pub instructions: u64,
    /// Multiply-accumulates the code generator counts for it.
    pub macs: u64,
}

/// Instruction counts of one model on one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Measured {
    /// The target counted on.
    pub target: QemuTarget,
    /// The trunk, each shared branch and each head's own layers, in `PARTS` order.
    pub parts: Vec<Window>,
    /// Each head alone, then all heads (whole `Model::run`).
    pub head_sets: Vec<Window>,
    /// Stack high-water mark of the run, bytes.
    pub stack_used: u64,
}

/// The version of target `t`'s QEMU and the plugin API version to declare for it
/// (`qemu-system-* --version`): 1 up to 8.1, 2 for 8.2, 3 for 9.0 and 9.1, 4 after.
pub fn plugin_api_version(t: &QemuTarget) -> Result<(String, u32)> {
    let qemu = require(t, t.qemu, "QEMU runs the firmware")?;
    let out = Command::new(qemu)
        .arg("--version")
        .output()
        .map_err(|e| Error::new(format!("cannot run {} --version: {e}", t.qemu)))?;
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let version = text
        .split_whitespace()
        .skip_while(|w| *w != "version")
        .nth(1)
        .unwrap_or("")
        .to_string();
    let mut it = version.split('.').map(|x| x.parse::<u32>().unwrap_or(0));
    let (major, minor) = (it.next().unwrap_or(0), it.next().unwrap_or(0));
    let api = match (major, minor) {
        (0..=7, _) | (8, 0..=1) => 1,
        (8, _) => 2,
        (9, 0..=1) => 3,
        _ => 4,
    };
    Ok((version, api))
}

/// Compiles the plugin for target `t`'s QEMU (once per source and API version) and
/// returns its path.
pub fn plugin(t: &QemuTarget) -> Result<PathBuf> {
    let (_, api) = plugin_api_version(t)?;
    let gcc = require(t, "gcc", "it compiles the instruction-counting QEMU plugin")?;
    let dir = cache_dir().join(format!(
        "qemu-insn-{}",
        digest(&[PLUGIN_SOURCE.as_bytes(), &api.to_le_bytes()])
    ));
    let so = dir.join("libinsn_count.so");
    if so.exists() {
        return Ok(so);
    }
    std::fs::create_dir_all(&dir).map_err(io_err("cannot create", &dir))?;
    let src = dir.join("insn_count.c");
    tinymtl_codegen::write_atomic(&src, PLUGIN_SOURCE.as_bytes())?;
    // A unique temporary output, renamed into place: parallel builds never clash.
    let tmp = tempfile::Builder::new()
        .prefix("libinsn_count.")
        .suffix(".so")
        .tempfile_in(&dir)
        .map_err(io_err("cannot create a file in", &dir))?
        .into_temp_path();
    let out = Command::new(gcc)
        .args([
            "-O2",
            "-shared",
            "-fPIC",
            &format!("-DTINYMTL_PLUGIN_API={api}"),
        ])
        .arg("-o")
        .arg(&tmp)
        .arg(&src)
        .output()
        .map_err(|e| Error::new(format!("cannot run gcc: {e}")))?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "the QEMU plugin did not compile:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    tmp.persist(&so)
        .map_err(|e| Error::new(format!("cannot write {}: {e}", so.display())))?;
    Ok(so)
}

/// Runs the firmware's bench mode under the instruction-counting plugin.
pub fn measure_firmware(fw: &Firmware) -> Result<Measured> {
    let c = &fw.generated.compiled;
    let bytes = std::fs::read(&fw.elf).map_err(io_err("cannot read", &fw.elf))?;
    let start = symbol_address(&bytes, "tinymtl_window_start").map_err(verify_err)?;
    let stop = symbol_address(&bytes, "tinymtl_window_stop").map_err(verify_err)?;
    let t = &fw.target;
    let so = plugin(t)?;
    let spec = format!("{},start={start:#x},stop={stop:#x}", so.display());
    let dir = tempfile::tempdir()
        .map_err(|e| Error::new(format!("cannot make a temporary folder: {e}")))?;
    let run = run_qemu(t, &fw.elf, dir.path(), &["bench"], Some(&spec))?.check("the bench")?;
    let counts: Vec<u64> = run
        .stderr
        .lines()
        .filter_map(|l| l.strip_prefix("tinymtl-insn window "))
        .filter_map(|l| l.split(": ").nth(1)?.trim().parse().ok())
        .collect();
    let names = &fw.generated.names;
    let n_parts = c.parts.segments.len();
    let n_heads = c.program.outputs.len();
    if counts.len() != 2 + n_parts + n_heads {
        return Err(Error::new(format!(
            "the plugin reported {} windows, expected {}:\n{}",
            counts.len(),
            2 + n_parts + n_heads,
            run.stderr
        )));
    }
    let base = counts[0];
    let net = |i: usize| counts[i].saturating_sub(base);
    let parts = (0..n_parts)
        .map(|i| Window {
            name: names.segments[i].clone(),
            instructions: net(1 + i),
            macs: c.cost.parts[i].macs,
        })
        .collect();
    let heads = c
        .program
        .outputs
        .iter()
        .map(|&v| tinymtl_codegen::escape::text(&c.program.values[v].name));
    let mut head_sets: Vec<Window> = heads
        .enumerate()
        .map(|(h, name)| Window {
            name: format!("{name} alone"),
            instructions: net(1 + n_parts + h),
            macs: c.cost.head_alone(&c.parts, h).macs,
        })
        .collect();
    head_sets.push(Window {
        name: "all heads".into(),
        instructions: net(1 + n_parts + n_heads),
        macs: c.cost.total.macs,
    });
    Ok(Measured {
        target: *t,
        parts,
        head_sets,
        stack_used: run.stack_used().unwrap_or(0),
    })
}

/// Builds the firmware of `builder`'s model for `t` and counts its instructions.
pub fn measure(t: &QemuTarget, builder: &Builder) -> Result<Measured> {
    measure_firmware(&build(t, builder)?)
}

fn table(out: &mut String, head: &str, rows: &[Window]) {
    use std::fmt::Write;
    let _ = writeln!(
        out,
        "{head:<36} {:>14} {:>12} {:>10}",
        "instructions", "MACs", "instr/MAC"
    );
    for r in rows {
        let per = if r.macs > 0 {
            format!("{:.2}", r.instructions as f64 / r.macs as f64)
        } else {
            "-".into()
        };
        let _ = writeln!(
            out,
            "{:<36} {:>14} {:>12} {:>10}",
            r.name, r.instructions, r.macs, per
        );
    }
}

/// `tinymtl bench --target qemu-*`: executed instructions per part and per head set.
pub fn bench(t: &QemuTarget, builder: &Builder) -> Result<String> {
    let fw = build(t, builder)?;
    bench_text(builder.model_path(), &measure_firmware(&fw)?)
}

/// `tinymtl bench --target qemu-*`'s text for the counts [`measure`] took of `model`
/// (the QEMU version in its title line is asked of QEMU).
pub fn bench_text(model: &Path, m: &Measured) -> Result<String> {
    let t = &m.target;
    let (qemu, _) = plugin_api_version(t)?;
    let mut s = format!(
        "{}: executed instructions per inference on QEMU {qemu} {} ({}, {}), counted by a TCG plugin (deterministic)\n\n",
        model.display(),
        t.machine,
        t.core,
        t.name
    );
    table(&mut s, "part", &m.parts);
    s.push('\n');
    table(&mut s, "head set", &m.head_sets);
    s += &format!(
        "\nstack high-water mark: {} bytes (whole firmware)\n",
        m.stack_used
    );
    Ok(s)
}
