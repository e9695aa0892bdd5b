//! Running a firmware ELF on QEMU and reading back what it did: the decoded defmt
//! log, the exit status, and the heads' outputs over semihosting files.

use super::firmware::{build_generated, Firmware};
use super::{io_err, require, Arch, QemuTarget};
use crate::npz::Samples;
use std::path::Path;
use std::process::{Command, Stdio};
use tinymtl_codegen::{Builder, Error, Generated, Result};

/// What one QEMU run gave back.
#[derive(Clone, Debug)]
pub struct QemuRun {
    /// The target it ran on.
    pub target: QemuTarget,
    /// QEMU's exit status (the firmware's semihosting exit code; 124: timed out).
    pub status: i32,
    /// The decoded defmt log, one line per frame.
    pub log: Vec<String>,
    /// QEMU's standard error (plugin output, QEMU's own errors).
    pub stderr: String,
}

impl QemuRun {
    /// The value `N` of the first log line `prefix N ...`.
    pub fn value(&self, prefix: &str) -> Option<u64> {
        self.log.iter().find_map(|l| {
            l.strip_prefix(prefix)?
                .split_whitespace()
                .next()?
                .trim_end_matches(',')
                .parse()
                .ok()
        })
    }

    /// Bytes of stack the firmware used (high-water mark of the painted stack).
    pub fn stack_used(&self) -> Option<u64> {
        self.value("stack: used ")
    }

    pub(super) fn check(self, what: &str) -> Result<Self> {
        if self.status == 0 && self.log.iter().any(|l| l == "done") {
            return Ok(self);
        }
        let why = match self.status {
            124 => "QEMU timed out (TINYMTL_QEMU_TIMEOUT, default 300 s)".to_string(),
            101 => "the firmware panicked".to_string(),
            102 => "the firmware faulted".to_string(),
            s => format!("exit status {s}"),
        };
        Err(Error::new(format!(
            "{what} failed on QEMU {} ({}): {why}\nfirmware log:\n  {}\n{}",
            self.target.machine,
            self.target.name,
            self.log.join("\n  "),
            self.stderr.trim()
        )))
    }
}

/// Decodes the defmt frames in `bytes` with the table of `elf`.
pub fn decode_defmt(elf: &[u8], bytes: &[u8]) -> Result<Vec<String>> {
    let table = defmt_decoder::Table::parse(elf)
        .map_err(|e| Error::new(format!("cannot read the ELF's defmt table: {e}")))?
        .ok_or_else(|| Error::new("the ELF has no defmt table"))?;
    let mut dec = table.new_stream_decoder();
    dec.received(bytes);
    let mut lines = Vec::new();
    loop {
        match dec.decode() {
            Ok(f) => lines.push(f.display_message().to_string()),
            Err(defmt_decoder::DecodeError::UnexpectedEof) => break,
            Err(defmt_decoder::DecodeError::Malformed) => {
                lines.push("(malformed defmt frame)".into());
                break;
            }
        }
    }
    Ok(lines)
}

/// Runs `elf` on target `t`'s QEMU machine in folder `cwd` (semihosting files
/// resolve there) with `args` on its semihosting command line, optionally under a
/// TCG plugin (`-plugin SPEC -d plugin`), and decodes its log.
pub fn run_qemu(
    t: &QemuTarget,
    elf: &Path,
    cwd: &Path,
    args: &[&str],
    plugin: Option<&str>,
) -> Result<QemuRun> {
    let qemu = require(t, t.qemu, "QEMU runs the firmware")?;
    let timeout = require(t, "timeout", "coreutils' timeout bounds QEMU")?;
    let bytes = std::fs::read(elf).map_err(io_err("cannot read", elf))?;
    let mut semi = String::from("enable=on,target=native,arg=firmware");
    for a in args {
        semi += &format!(",arg={}", a.replace(',', ",,"));
    }
    let secs = std::env::var("TINYMTL_QEMU_TIMEOUT").unwrap_or_else(|_| "300".into());
    let mut cmd = Command::new(timeout);
    cmd.arg(&secs)
        .arg(qemu)
        .args(["-machine", t.machine, "-cpu", t.cpu, "-nographic"])
        .args(["-monitor", "none", "-serial", "none"]);
    if t.arch == Arch::RiscV {
        // No firmware of QEMU's own: the reset vector jumps straight to the ELF.
        cmd.args(["-bios", "none"]);
    }
    cmd.args(["-semihosting-config", &semi, "-kernel"]).arg(elf);
    if let Some(p) = plugin {
        cmd.args(["-plugin", p, "-d", "plugin"]);
    }
    let out = cmd
        .current_dir(cwd)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| Error::new(format!("cannot start QEMU: {e}")))?;
    Ok(QemuRun {
        target: *t,
        status: out.status.code().unwrap_or(-1),
        log: decode_defmt(&bytes, &out.stdout)?,
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    })
}

/// `tinymtl run --target qemu-*`: like [`crate::host::run_files`], but the
/// generated code runs on emulated target `t`. Same npz contract and errors;
/// nothing is written on any error.
pub fn run_files(
    t: &QemuTarget,
    builder: &Builder,
    inputs: &Path,
    output: &Path,
    heads: &[String],
) -> Result<Generated> {
    let model = builder.model_path();
    crate::contract::run(builder, inputs, output, heads, |g, samples, selected| {
        let fw = build_generated(t, g, model)?;
        let outs = run_samples(&fw, samples, selected)?;
        Ok((outs, fw.generated))
    })
}

/// Runs `samples` through the firmware computing `heads` (indices, in order);
/// returns one `n * numel` vector per head, bit for bit what the target computed.
pub fn run_samples(fw: &Firmware, samples: &Samples, heads: &[usize]) -> Result<Vec<Vec<f32>>> {
    let p = &fw.generated.compiled.program;
    let lens: Vec<usize> = p.inputs.iter().map(|&v| p.values[v].numel()).collect();
    let mut input = Vec::new();
    for i in 0..samples.n {
        for (k, len) in lens.iter().enumerate() {
            for x in &samples.data[k][i * len..(i + 1) * len] {
                input.extend_from_slice(&x.to_le_bytes());
            }
        }
    }
    let dir = tempfile::tempdir()
        .map_err(|e| Error::new(format!("cannot make a temporary folder: {e}")))?;
    let in_path = dir.path().join("in.bin");
    std::fs::write(&in_path, &input).map_err(io_err("cannot write", &in_path))?;
    let mut sorted = heads.to_vec();
    sorted.sort_unstable();
    let mask: u64 = heads.iter().map(|&h| 1u64 << h).fold(0, |a, b| a | b);
    run_qemu(
        &fw.target,
        &fw.elf,
        dir.path(),
        &["run", &mask.to_string(), &samples.n.to_string()],
        None,
    )?
    .check("the inference")?;
    let out_path = dir.path().join("out.bin");
    let bytes = std::fs::read(&out_path).map_err(io_err("cannot read", &out_path))?;
    let floats: Vec<f32> = bytes
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    // The firmware writes the heads of each sample in head order.
    let len = |h: usize| p.values[p.outputs[h]].numel();
    let per: usize = sorted.iter().map(|&h| len(h)).sum();
    if bytes.len() % 4 != 0 || floats.len() != per * samples.n {
        return Err(Error::new(format!(
            "the firmware wrote {} bytes, expected {}",
            bytes.len(),
            per * samples.n * 4
        )));
    }
    let mut by_head: Vec<Vec<f32>> = sorted
        .iter()
        .map(|&h| Vec::with_capacity(len(h) * samples.n))
        .collect();
    for s in floats.chunks_exact(per.max(1)) {
        let mut at = 0;
        for (j, &h) in sorted.iter().enumerate() {
            by_head[j].extend_from_slice(&s[at..at + len(h)]);
            at += len(h);
        }
    }
    Ok(heads
        .iter()
        .map(|h| by_head[sorted.iter().position(|s| s == h).expect("sorted")].clone())
        .collect())
}
