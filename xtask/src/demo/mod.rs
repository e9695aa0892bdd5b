//! `cargo xtask demo [--host]`: the example multi-task sensor model end to end — the
//! options and the sequence.
//!
//! Takes the checked-in files of `examples/har` (no torch needed): the shared model
//! `har_mtl.onnx` (activity + intensity heads), the single-task models
//! `har_<task>.onnx`, the held-out windows and their labels. Through the `tinymtl`
//! library ([`run`]) it generates the Rust module and the HTML report, runs every
//! held-out window through the generated code on the emulated Cortex-M4F (QEMU
//! `mps2-an386`; with `--host`, compiled for this machine) and measures it. It prints
//! ([`render`]) per task the predictions against the labels and the accuracy or error
//! ([`score`]), the instructions of the trunk and each head, flash and RAM, and what
//! running each task as its own model would cost instead. It fails if the generated
//! code disagrees with the onnxruntime outputs checked in next to the models.
//!
//! Set-up it does itself: `rustup target add thumbv7em-none-eabihf`, and
//! `apt-get install qemu-system-arm` when QEMU is missing (as root, if apt-get is
//! there; [`crate::qemu::install`]). No Python, no network beyond that.

mod render;
mod run;
mod score;

use crate::{root, run as run_cmd, step};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;
use tinymtl::npz;

/// The example's folder, relative to the workspace root.
const DIR: &str = "examples/har";
/// The shared model's file stem.
const SHARED: &str = "har_mtl";

struct Opts {
    host: bool,
    dir: PathBuf,
    out: PathBuf,
}

fn usage() -> String {
    "usage: cargo xtask demo [--host] [--dir DIR] [--out DIR]\n  \
     --host     run the generated code on this machine instead of the emulated Cortex-M4F\n  \
     --dir DIR  the example's files (default examples/har)\n  \
     --out DIR  where generated code, report and outputs go (default <target>/demo)"
        .into()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root().join(p) })
        .unwrap_or_else(|| root().join("target"))
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        host: false,
        dir: root().join(DIR),
        out: target_dir().join("demo"),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--host" => o.host = true,
            "--dir" => o.dir = PathBuf::from(it.next().ok_or_else(usage)?),
            "--out" => o.out = PathBuf::from(it.next().ok_or_else(usage)?),
            "-h" | "--help" => return Err(usage()),
            _ => return Err(format!("unknown argument {a}\n{}", usage())),
        }
    }
    Ok(o)
}

/// `path` relative to the workspace root when it is inside it.
fn show(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// The Rust target and QEMU for the emulated Cortex-M4F (qemu-m4).
fn setup_board() -> Result<(), String> {
    step("demo: set-up for the emulated Cortex-M4F");
    crate::qemu::add_targets(&[tinymtl::qemu::QEMU_M4.rust_target])?;
    crate::qemu::install(&[
        ("qemu-system-arm", "qemu-system-arm"),
        ("timeout", "coreutils"),
    ])
    .map_err(|e| format!("{e}; or run `cargo xtask demo --host`"))?;
    // The version on stderr: stdout is the demo's report.
    run_cmd(
        Command::new("qemu-system-arm")
            .arg("--version")
            .stdout(std::io::stderr()),
    )
}

/// The labels file: per task its labels, and `<task>_classes` the class names.
fn read_labels(path: &Path) -> Result<BTreeMap<String, npz::Array>, String> {
    Ok(npz::read_arrays(path)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|a| (a.name.clone(), a))
        .collect())
}

/// `cargo xtask demo [--host]`.
pub fn demo(args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    let start = Instant::now();
    if !o.host {
        setup_board()?;
    }
    std::fs::create_dir_all(&o.out).map_err(|e| format!("cannot create {}: {e}", show(&o.out)))?;
    let labels = read_labels(&o.dir.join("heldout.labels.npz"))?;
    let tasks: Vec<String> = labels
        .keys()
        .filter(|k| !k.ends_with("_classes"))
        .cloned()
        .collect();

    step(&format!(
        "demo: {SHARED}.onnx (shared trunk, heads {}) -> Rust, report, run, bench",
        tasks.join(", ")
    ));
    let shared = run::model(&o, SHARED, true)?;
    let mut singles = Vec::new();
    for t in &tasks {
        let stem = format!("har_{t}");
        if o.dir.join(format!("{stem}.onnx")).exists() {
            step(&format!(
                "demo: single-task model {stem}.onnx (task {t} alone)"
            ));
            singles.push((t.clone(), run::model(&o, &stem, false)?));
        }
    }

    // Agreement with onnxruntime (checked-in references).
    let mut agreement = Vec::new();
    for m in std::iter::once(&shared).chain(singles.iter().map(|(_, m)| m)) {
        let r = o.dir.join(format!("{}.heldout_ref.npz", m.stem));
        if r.exists() {
            let reference = npz::read(&r, &m.specs).map_err(|e| e.to_string())?;
            let note = score::against_reference(&m.outputs, &m.specs, &reference, &labels)
                .map_err(|e| format!("{}: {e}", m.stem))?;
            agreement.push(format!("{}: {note}", m.stem));
        }
    }

    let report = render::render(&o, &shared, &singles, &labels, &tasks, &agreement)?;
    println!("{report}");
    eprintln!("demo done in {:.0}s", start.elapsed().as_secs_f32());
    Ok(())
}
