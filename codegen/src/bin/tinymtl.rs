//! `tinymtl`: the command line over the same [`tinymtl_codegen::Builder`] `build.rs` uses.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tinymtl_codegen::{harness, report, Builder, Result};

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
    },
    /// Show the trunk, branches and heads with their parameters, MACs, bytes and arena.
    Inspect {
        /// The ONNX model.
        model: PathBuf,
        /// Clamp weights beyond f16's range instead of refusing them.
        #[arg(long)]
        saturate: bool,
    },
}

fn warn(ws: &[String]) {
    for w in ws {
        eprintln!("warning: {w}");
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
            let g = Builder::new(&model).saturate(saturate).build()?;
            warn(&g.warnings);
            tinymtl_codegen::write_atomic(&output, g.code.as_bytes())?;
            Ok(())
        }
        Cmd::Inspect { model, saturate } => {
            let g = Builder::new(&model).saturate(saturate).build()?;
            print!(
                "{}",
                report::text(&g.compiled, &model.display().to_string())
            );
            Ok(())
        }
        Cmd::Run {
            model,
            inputs,
            output,
            heads,
            saturate,
        } => {
            let g = harness::run_files(
                &Builder::new(&model).saturate(saturate),
                &inputs,
                &output,
                &heads,
            )?;
            warn(&g.warnings);
            Ok(())
        }
    }
}
