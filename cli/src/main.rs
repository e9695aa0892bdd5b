//! `tinymtl`: the command line over the same [`tinymtl_codegen::Builder`] `build.rs` uses.

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;
use tinymtl::{firmware, fit, host, qemu};
use tinymtl_codegen::{report, Builder, Error, Result};

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
        /// The shape of a graph input whose dims are symbolic (a dynamic time axis):
        /// `NAME=D0,D1,...`, repeatable. A leading symbolic dim alone defaults to 1.
        #[arg(long = "input-shape", value_name = "NAME=D0,D1,...", value_parser = parse_shape)]
        input_shape: Vec<(String, Vec<usize>)>,
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
        /// The shape of a graph input whose dims are symbolic (a dynamic time axis):
        /// `NAME=D0,D1,...`, repeatable. A leading symbolic dim alone defaults to 1.
        #[arg(long = "input-shape", value_name = "NAME=D0,D1,...", value_parser = parse_shape)]
        input_shape: Vec<(String, Vec<usize>)>,
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
        /// The shape of a graph input whose dims are symbolic (a dynamic time axis):
        /// `NAME=D0,D1,...`, repeatable. A leading symbolic dim alone defaults to 1.
        #[arg(long = "input-shape", value_name = "NAME=D0,D1,...", value_parser = parse_shape)]
        input_shape: Vec<(String, Vec<usize>)>,
        /// With a qemu target: also profile every kernel step (ONNX nodes, kernel,
        /// MACs, instructions, estimated Cortex-M4 cycles), from a second firmware
        /// whose generated code marks the end of every step.
        #[arg(long)]
        steps: bool,
        /// With --steps: also write the `inspect --html` page with the per-step
        /// profile to this file (atomically).
        #[arg(long, requires = "steps")]
        html: Option<PathBuf>,
    },
    /// Write a standalone firmware crate for a model and a board: `cargo build --release`
    /// in it builds the firmware, `cargo run --release` flashes it (or, for qemu-m4,
    /// runs it in QEMU on a sample and prints every head).
    Firmware {
        /// The ONNX model (copied into the crate, with its .onnx.data).
        model: PathBuf,
        /// The board: qemu-m4, nrf52840-dk, stm32f411, rp2350, esp32c3.
        #[arg(long)]
        board: String,
        /// The crate's folder (created; must be empty or absent unless --force).
        #[arg(short, long)]
        output: PathBuf,
        /// The tinymtl crates: a path to a tinymtl checkout (written as given), or a git
        /// URL (`git+https://...`, optionally `#REV`). Default: this checkout, by
        /// absolute path.
        #[arg(long)]
        tinymtl: Option<String>,
        /// An npz of samples (keyed by input name) whose first one is compiled in.
        /// Default: `<model>.inputs.npz` beside the model, if there is one.
        #[arg(long)]
        sample: Option<PathBuf>,
        /// A tinymtl.toml to start from (labels, rates, channels); the rest is derived.
        #[arg(long)]
        config: Option<PathBuf>,
        /// Reference the model and sample where they are instead of copying them in.
        #[arg(long)]
        no_copy: bool,
        /// Overwrite the files tinymtl writes in a folder that is not empty.
        #[arg(long)]
        force: bool,
        /// Clamp weights beyond f16's range instead of refusing them.
        #[arg(long)]
        saturate: bool,
        /// The shape of a graph input whose dims are symbolic (a dynamic time axis):
        /// `NAME=D0,D1,...`, repeatable. A leading symbolic dim alone defaults to 1.
        #[arg(long = "input-shape", value_name = "NAME=D0,D1,...", value_parser = parse_shape)]
        input_shape: Vec<(String, Vec<usize>)>,
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
        /// The shape of a graph input whose dims are symbolic (a dynamic time axis):
        /// `NAME=D0,D1,...`, repeatable. A leading symbolic dim alone defaults to 1.
        #[arg(long = "input-shape", value_name = "NAME=D0,D1,...", value_parser = parse_shape)]
        input_shape: Vec<(String, Vec<usize>)>,
        /// Add a fit report against this board's application flash and RAM
        /// (qemu-m4, nrf52840-dk, stm32f411, rp2350, esp32c3).
        #[arg(long, conflicts_with_all = ["flash", "ram"])]
        board: Option<String>,
        /// Add a fit report against this much flash (bytes; K and M suffixes: 512K).
        #[arg(long, requires = "ram")]
        flash: Option<String>,
        /// RAM for the fit report (bytes; K and M suffixes: 128K).
        #[arg(long, requires = "flash")]
        ram: Option<String>,
        /// A firmware ELF built from this model: the fit report measures code and
        /// stack of the inference path from it instead of estimating them.
        #[arg(long)]
        elf: Option<PathBuf>,
        /// The generated module's name in that firmware (`mod har`); default: the
        /// model's file stem.
        #[arg(long, requires = "elf")]
        module: Option<String>,
    },
}

/// Code and stack measured from a firmware ELF (`inspect --elf`).
#[cfg(feature = "qemu")]
fn fit_elf(elf: &std::path::Path, module: &str) -> Result<fit::CodeStack> {
    fit::elf::measure(elf, module)
}

#[cfg(not(feature = "qemu"))]
fn fit_elf(_: &std::path::Path, _: &str) -> Result<fit::CodeStack> {
    Err(Error::new(
        "tinymtl was built without the `qemu` feature (--elf reads firmware with it)",
    ))
}

/// `NAME=D0,D1,...` of `--input-shape`.
fn parse_shape(s: &str) -> std::result::Result<(String, Vec<usize>), String> {
    let (name, dims) = s
        .rsplit_once('=')
        .ok_or_else(|| "expected NAME=D0,D1,... (e.g. imu=1,6,100)".to_string())?;
    let dims = dims
        .split(',')
        .map(|d| {
            d.trim()
                .parse::<usize>()
                .map_err(|_| format!("'{}' is not a size", d.trim()))
        })
        .collect::<std::result::Result<Vec<_>, _>>()?;
    Ok((name.to_string(), dims))
}

/// The builder of `model` with the options every command shares.
fn builder(model: &std::path::Path, saturate: bool, shapes: &[(String, Vec<usize>)]) -> Builder {
    shapes
        .iter()
        .fold(Builder::new(model).saturate(saturate), |b, (n, d)| {
            b.input_shape(n, d)
        })
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
            input_shape,
        } => {
            let mut b = builder(&model, saturate, &input_shape);
            if let Some(stem) = output.file_stem() {
                b = b.module_name(stem.to_string_lossy());
            }
            let g = b.build()?;
            warn(&g.warnings);
            g.write(&output)
        }
        Cmd::Firmware {
            model,
            board,
            output,
            tinymtl,
            sample,
            config,
            no_copy,
            force,
            saturate,
            input_shape,
        } => {
            let tinymtl = match tinymtl {
                None => firmware::Source::this_checkout(),
                Some(t) => match t.strip_prefix("git+") {
                    Some(url) => {
                        let (url, rev) = match url.split_once('#') {
                            Some((u, r)) => (u.to_string(), Some(r.to_string())),
                            None => (url.to_string(), None),
                        };
                        firmware::Source::Git { url, rev }
                    }
                    None => firmware::Source::Path(PathBuf::from(t)),
                },
            };
            let o = firmware::CrateOptions {
                model,
                board: tinymtl::board::board(&board)?,
                dir: output.clone(),
                tinymtl,
                sample,
                config,
                no_copy,
                force,
                saturate,
                input_shapes: input_shape,
            };
            let files = firmware::write_crate(&o)?;
            println!(
                "wrote {} files in {}; build with `cargo build --release` there ({})",
                files.len(),
                tinymtl_codegen::escape::line(&output.display().to_string()),
                o.board.title
            );
            // What the build and `cargo run` need, named with the command that installs it.
            let target = o.board.target;
            let installed = std::process::Command::new("rustup")
                .args(["target", "list", "--installed"])
                .output()
                .map(|out| {
                    String::from_utf8_lossy(&out.stdout)
                        .lines()
                        .any(|l| l == target)
                })
                .unwrap_or(true);
            if !installed {
                eprintln!(
                    "note: the Rust target is not installed: rustup target add {}",
                    o.board.target
                );
            }
            let runner_found = std::env::var_os("PATH").is_some_and(|paths| {
                std::env::split_paths(&paths).any(|d| d.join(o.board.runner).is_file())
            });
            if !runner_found {
                eprintln!(
                    "note: `cargo run --release` needs {}: {}",
                    o.board.runner, o.board.runner_install
                );
            }
            Ok(())
        }
        Cmd::Inspect {
            model,
            html,
            saturate,
            input_shape,
            board,
            flash,
            ram,
            elf,
            module,
        } => {
            let memory = match (board, flash, ram) {
                (Some(b), _, _) => Some(fit::Memory::board(tinymtl::board::board(&b)?)),
                (None, Some(f), Some(r)) => Some(fit::Memory::custom(
                    fit::parse_bytes(&f).map_err(|e| Error::new(format!("--flash: {e}")))?,
                    fit::parse_bytes(&r).map_err(|e| Error::new(format!("--ram: {e}")))?,
                )),
                _ => None,
            };
            let b = builder(&model, saturate, &input_shape);
            let g = b.build()?;
            let name = model.display().to_string();
            let fit = match &memory {
                Some(m) => {
                    let cs = match &elf {
                        Some(e) => fit_elf(e, module.as_deref().unwrap_or(&b.module_stem()))?,
                        None => fit::estimate_code(&g.compiled),
                    };
                    Some(fit::fit(&g.compiled, m, &cs))
                }
                None if elf.is_some() => {
                    return Err(Error::new("--elf needs --board or --flash/--ram"))
                }
                None => None,
            };
            print!("{}", report::text(&g, &name));
            if let Some(f) = &fit {
                print!("\n{}", f.render());
            }
            if let Some(path) = html {
                tinymtl_codegen::write_atomic(&path, report::html(&g, &name).as_bytes())?;
            }
            match fit {
                // The report is printed; the exit code says it does not fit.
                Some(f) if !f.fits() => Err(Error::new(f.verdict()).in_file(&model)),
                _ => Ok(()),
            }
        }
        Cmd::Run {
            model,
            inputs,
            output,
            heads,
            saturate,
            input_shape,
            target,
        } => {
            let b = builder(&model, saturate, &input_shape);
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
            input_shape,
            steps,
            html,
        } => {
            let b = builder(&model, saturate, &input_shape);
            let text = match target.qemu() {
                None if steps => {
                    return Err(Error::new("--steps needs a qemu target (--target qemu-m4)"))
                }
                None => host::bench(&b)?,
                Some(q) if steps => {
                    let r = qemu::bench_steps(&q, &b)?;
                    if let Some(path) = &html {
                        tinymtl_codegen::write_atomic(path, r.html.as_bytes())?;
                    }
                    r.text
                }
                Some(q) => qemu::bench(&q, &b)?,
            };
            print!("{text}");
            Ok(())
        }
    }
}
