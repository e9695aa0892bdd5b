//! Counting executed instructions: the TCG plugin (compiled here with gcc) counts
//! the instructions between the firmware's two marker functions around each part and
//! head set, and their mix by class; [`bench`] prints them per part and per head set,
//! with the estimated Cortex-M4 cycles of the mix ([`super::cycles`]).

use super::cycles::{estimate, Mix};
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
    /// Estimated Cortex-M4 cycles of its instruction mix (`None` off M4-class targets).
    pub cycles: Option<u64>,
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

/// What the plugin counted in one run: each window and each mark interval, as
/// (instructions, mix), in order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(super) struct Counts {
    /// `tinymtl-insn window K: N` and its mix.
    pub windows: Vec<(u64, Mix)>,
    /// `tinymtl-insn mark K: N` and its mix.
    pub marks: Vec<(u64, Mix)>,
}

/// Parses the plugin's lines out of QEMU's standard error.
pub(super) fn parse_counts(stderr: &str) -> Result<Counts> {
    let mut c = Counts::default();
    for line in stderr.lines() {
        let Some(rest) = line.strip_prefix("tinymtl-insn ") else {
            continue;
        };
        let (mix, rest) = match rest.strip_prefix("mix ") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let (list, rest) = if let Some(r) = rest.strip_prefix("window ") {
            (&mut c.windows, r)
        } else if let Some(r) = rest.strip_prefix("mark ") {
            (&mut c.marks, r)
        } else {
            continue;
        };
        let bad = || Error::new(format!("the QEMU plugin printed `{line}`"));
        let (k, value) = rest.split_once(':').ok_or_else(bad)?;
        let k: usize = k.trim().parse().map_err(|_| bad())?;
        if mix {
            let entry = list.get_mut(k).ok_or_else(bad)?;
            entry.1 = Mix::parse(value)?;
        } else if k == list.len() {
            list.push((value.trim().parse().map_err(|_| bad())?, Mix::default()));
        } else {
            return Err(bad());
        }
    }
    Ok(c)
}

/// Runs firmware `fw` in `mode` under the instruction-counting plugin (with the
/// profile marker `tinymtl_runtime::profile::step` as `mark` when `marks`), and
/// returns the counts and the stack high-water mark.
pub(super) fn count(fw: &Firmware, mode: &str, marks: bool) -> Result<(Counts, u64)> {
    let bytes = std::fs::read(&fw.elf).map_err(io_err("cannot read", &fw.elf))?;
    let start = symbol_address(&bytes, "tinymtl_window_start").map_err(verify_err)?;
    let stop = symbol_address(&bytes, "tinymtl_window_stop").map_err(verify_err)?;
    let t = &fw.target;
    let so = plugin(t)?;
    let mut spec = format!("{},start={start:#x},stop={stop:#x}", so.display());
    if marks {
        let mark = tinymtl_verify::function_address(&bytes, "tinymtl_runtime::profile::step")
            .map_err(verify_err)?;
        spec += &format!(",mark={mark:#x}");
    }
    let dir = tempfile::tempdir()
        .map_err(|e| Error::new(format!("cannot make a temporary folder: {e}")))?;
    let run = run_qemu(t, &fw.elf, dir.path(), &[mode], Some(&spec))?.check("the bench")?;
    let counts =
        parse_counts(&run.stderr).map_err(|e| Error::new(format!("{e}\n{}", run.stderr.trim())))?;
    Ok((counts, run.stack_used().unwrap_or(0)))
}

/// Runs the firmware's bench mode under the instruction-counting plugin.
pub fn measure_firmware(fw: &Firmware) -> Result<Measured> {
    let c = &fw.generated.compiled;
    let t = &fw.target;
    let (counts, stack_used) = count(fw, "bench", false)?;
    let counts = counts.windows;
    let names = &fw.generated.names;
    let n_parts = c.parts.segments.len();
    let n_heads = c.program.outputs.len();
    if counts.len() != 2 + n_parts + n_heads {
        return Err(Error::new(format!(
            "the plugin reported {} windows, expected {}",
            counts.len(),
            2 + n_parts + n_heads,
        )));
    }
    let (base, base_mix) = &counts[0];
    let net = |i: usize| counts[i].0.saturating_sub(*base);
    let cycles = |i: usize| estimate(t, &counts[i].1.saturating_sub(base_mix));
    let parts = (0..n_parts)
        .map(|i| Window {
            name: names.segments[i].clone(),
            instructions: net(1 + i),
            macs: c.cost.parts[i].macs,
            cycles: cycles(1 + i),
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
            cycles: cycles(1 + n_parts + h),
        })
        .collect();
    head_sets.push(Window {
        name: "all heads".into(),
        instructions: net(1 + n_parts + n_heads),
        macs: c.cost.total.macs,
        cycles: cycles(1 + n_parts + n_heads),
    });
    Ok(Measured {
        target: *t,
        parts,
        head_sets,
        stack_used,
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
        "{head:<36} {:>14} {:>12} {:>10} {:>14}",
        "instructions", "MACs", "instr/MAC", "est. cycles*"
    );
    for r in rows {
        let per = if r.macs > 0 {
            format!("{:.2}", r.instructions as f64 / r.macs as f64)
        } else {
            "-".into()
        };
        let cycles = r.cycles.map_or("-".into(), |c| c.to_string());
        let _ = writeln!(
            out,
            "{:<36} {:>14} {:>12} {:>10} {:>14}",
            r.name, r.instructions, r.macs, per, cycles
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
    s += super::cycles::FOOTNOTE;
    Ok(s)
}
