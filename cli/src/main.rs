//! `tinymtl`: the command line over the same [`tinymtl_codegen::Builder`] `build.rs` uses.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tinymtl::{host, qemu};
use tinymtl_codegen::{report, Builder, Result};

#[derive(Parser)]
#[command(
    name = "tinymtl",
    version,
    about = "Compile multi-task ONNX models into no_std Rust for microcontrollers"
)]
struct Cli {
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Target {
    /// x86/ARM host, generated code compiled natively.
    Host,
    /// QEMU mps2-an386 (Cortex-M4F), the default embedded target.
    #[value(name = "qemu-m4")]
    QemuM4,
    /// ARMv6-M code (Cortex-M0, soft float) on QEMU mps2-an385.
    #[value(name = "qemu-m0")]
    QemuM0,
    /// QEMU mps2-an505 (Cortex-M33).
    #[value(name = "qemu-m33")]
    QemuM33,
    /// RV32IMC (soft float) on QEMU virt.
    #[value(name = "qemu-rv32")]
    QemuRv32,
}

impl Target {
    /// The emulated target, `None` for the host.
    fn qemu(self) -> Option<qemu::QemuTarget> {
        match self {
            Target::Host => None,
            Target::QemuM4 => Some(qemu::QEMU_M4),
            Target::QemuM0 => Some(qemu::QEMU_M0),
            Target::QemuM33 => Some(qemu::QEMU_M33),
            Target::QemuRv32 => Some(qemu::QEMU_RV32),
        }
    }
}

#[derive(Subcommand)]
enum Cmd {
    /// Generate the Rust module for a model.
    Generate {
        /// The ONNX model.
        model: PathBuf,
        /// Output file (written atomically).
        #[arg(short, long)]
        output: PathBuf,
        /// Clamp weights beyond f16's range (±65504) instead of refusing them.
        #[arg(long)]
        saturate: bool,
    },
    /// Run samples through the generated code (compiled for the host) and write the outputs.
    Run {
        /// The ONNX model.
        model: PathBuf,
        /// Samples: one float32 array per ONNX input, keyed by input name, shaped [N, *input shape].
        #[arg(long)]
        inputs: PathBuf,
        /// Where to write the outputs (same layout, keyed by output name).
        #[arg(long)]
        output: PathBuf,
        /// Heads to run (ONNX output names, comma separated); all by default.
        #[arg(long, value_delimiter = ',')]
        heads: Vec<String>,
        /// Clamp weights beyond f16's range instead of refusing them.
        #[arg(long)]
        saturate: bool,
        /// Where the generated code runs: the host, or an emulated target under QEMU.
        #[arg(long, value_enum, default_value_t = Target::Host)]
        target: Target,
    },
    /// Measure the generated code: ns per inference per head set on the host, or
    /// executed instructions per part on an emulated target.
    Bench {
        /// The ONNX model.
        model: PathBuf,
        /// Where to measure.
        #[arg(long, value_enum, default_value_t = Target::Host)]
        target: Target,
        /// Clamp weights beyond f16's range instead of refusing them.
        #[arg(long)]
        saturate: bool,
    },
    /// Show the trunk, branches and heads with their parameters, MACs, bytes and arena.
    Inspect {
        /// The ONNX model.
        model: PathBuf,
        /// Also write a self-contained HTML page (diagram of the parts, arena timeline).
        #[arg(long)]
        html: Option<PathBuf>,
        /// Clamp weights beyond f16's range instead of refusing them.
        #[arg(long)]
        saturate: bool,
    },
}

fn warn(ws: &[String]) {
    for w in ws {
        eprintln!("warning: {}", tinymtl_codegen::escape::line(w));
    }
}

fn main() -> ExitCode {
    match real_main(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn real_main(cli: Cli) -> Result<()> {
    match cli.cmd {
        Cmd::Generate {
            model,
            output,
            saturate,
        } => {
            let mut b = Builder::new(&model).saturate(saturate);
            if let Some(stem) = output.file_stem() {
                b = b.module_name(stem.to_string_lossy());
            }
            let g = b.build()?;
            warn(&g.warnings);
            g.write(&output)
        }
        Cmd::Inspect {
            model,
            html,
            saturate,
        } => {
            let g = Builder::new(&model).saturate(saturate).build()?;
            let name = model.display().to_string();
            print!("{}", report::text(&g, &name));
            match html {
                Some(path) => {
                    tinymtl_codegen::write_atomic(&path, report::html(&g, &name).as_bytes())
                }
                None => Ok(()),
            }
        }
        Cmd::Run {
            model,
            inputs,
            output,
            heads,
            saturate,
            target,
        } => {
            let b = Builder::new(&model).saturate(saturate);
            let g = match target.qemu() {
                None => host::run_files(&b, &inputs, &output, &heads)?,
                Some(q) => qemu::run_files(&q, &b, &inputs, &output, &heads)?,
            };
            warn(&g.warnings);
            Ok(())
        }
        Cmd::Bench {
            model,
            target,
            saturate,
        } => {
            let b = Builder::new(&model).saturate(saturate);
            let text = match target.qemu() {
                None => host::bench(&b)?,
                Some(q) => qemu::bench(&q, &b)?,
            };
            print!("{text}");
            Ok(())
        }
    }
}
