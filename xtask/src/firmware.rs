//! `tinymtl firmware` end to end:
//!
//! - `gen-boards [--check]`: the crates in `boards/<board>/` are what `tinymtl
//!   firmware` writes for the example model (`examples/har/har_mtl.onnx`, shown as
//!   `examples/har/tinymtl.toml` says), referencing the model and this checkout by
//!   relative path. Without `--check` they are rewritten; with it (part of
//!   `test-boards`) any difference is an error naming the files.
//! - `test-firmware`: for each model of [`MODELS`] (shapes none of the demos has: a
//!   channels-last Keras export of 3 channels, a model with a branch shared by two
//!   heads, and one whose input is no IMU window, read from a `Source`), a crate for
//!   each of its boards written into a temporary folder outside the checkout, checked
//!   with rustfmt and built in release; the `qemu-m4` one is run (`cargo run
//!   --release`, QEMU) and must print every head by its ONNX name with the values the
//!   host build computes for the same sample, within 1e-5 * (1 + |host|).

use std::path::{Path, PathBuf};
use std::process::Command;
use tinymtl::board::{Board, BOARDS};
use tinymtl::firmware::{self, CrateOptions, Source};
use tinymtl_codegen::Builder;

/// Models `test-firmware` writes crates for (fixtures under `tests/fixtures/`) and
/// on which boards (`None`: all). The `Source` model is built on one board per main
/// loop template (embassy, esp-hal) and the emulated one.
const MODELS: &[(&str, Option<&[&str]>)] = &[
    ("keras_imu_channels_last", None),
    ("imu_shared_branch_dynamo", None),
    (
        "residual_layernorm_three_heads",
        Some(&["qemu-m4", "nrf52840-dk", "esp32c3"]),
    ),
];

/// The example model and its firmware configuration, from the root.
const DEMO: &str = "examples/har/har_mtl.onnx";
const DEMO_CONFIG: &str = "examples/har/tinymtl.toml";
const DEMO_SAMPLE: &str = "examples/har/heldout.inputs.npz";

fn demo_options(b: &'static Board) -> CrateOptions {
    let root = crate::root();
    CrateOptions {
        model: root.join(DEMO),
        board: b,
        dir: root.join("boards").join(b.name),
        tinymtl: Source::Path(PathBuf::from("../..")),
        sample: Some(root.join(DEMO_SAMPLE)),
        config: Some(root.join(DEMO_CONFIG)),
        no_copy: true,
        force: true,
        saturate: false,
        input_shapes: Vec::new(),
    }
}

/// `gen-boards [--check]`.
pub fn gen_boards(check: bool) -> Result<(), String> {
    crate::step(if check {
        "gen-boards --check: boards/* are what `tinymtl firmware` writes for the example model"
    } else {
        "gen-boards: boards/* rewritten by `tinymtl firmware` for the example model"
    });
    let mut stale = Vec::new();
    for b in &BOARDS {
        let o = demo_options(b);
        if !check {
            firmware::write_crate(&o).map_err(|e| e.to_string())?;
            eprintln!("boards/{}: written", b.name);
            continue;
        }
        for (rel, bytes) in firmware::render_crate(&o).map_err(|e| e.to_string())? {
            if rel == Path::new("Cargo.lock") {
                continue; // the board's own, as cargo maintains it
            }
            let on_disk = std::fs::read(o.dir.join(&rel)).unwrap_or_default();
            if on_disk != bytes {
                stale.push(format!("boards/{}/{}", b.name, rel.display()));
            }
        }
    }
    if stale.is_empty() {
        Ok(())
    } else {
        Err(format!(
            "{} differ from what `tinymtl firmware` writes (run `cargo xtask gen-boards` and review the diff): {}",
            stale.len(),
            stale.join(", ")
        ))
    }
}

/// A temporary folder outside the checkout, removed on drop.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// `test-firmware`.
pub fn test_firmware() -> Result<(), String> {
    crate::step("test-firmware: `tinymtl firmware` crates for every board, from a folder outside the checkout");
    let mut targets: Vec<&str> = BOARDS.iter().map(|b| b.target).collect();
    targets.sort();
    targets.dedup();
    crate::qemu::add_targets(&targets)?;
    crate::qemu::require(&[("qemu-system-arm", "apt-get install qemu-system-arm")])?;
    let tmp =
        TempDir(std::env::temp_dir().join(format!("tinymtl-firmware-{}", std::process::id())));
    let root = crate::root();
    if tmp.0.starts_with(&root) {
        return Err(format!(
            "the temporary folder {} is inside the checkout",
            tmp.0.display()
        ));
    }
    for &(m, boards) in MODELS {
        let model = root.join("tests/fixtures").join(format!("{m}.onnx"));
        for b in BOARDS
            .iter()
            .filter(|b| boards.is_none_or(|l| l.contains(&b.name)))
        {
            let dir = tmp.0.join(m).join(b.name);
            let o = CrateOptions {
                model: model.clone(),
                board: b,
                dir: dir.clone(),
                tinymtl: Source::this_checkout(),
                sample: None,
                config: None,
                no_copy: false,
                force: false,
                saturate: false,
                input_shapes: Vec::new(),
            };
            firmware::write_crate(&o).map_err(|e| e.to_string())?;
            eprintln!(
                "\x1b[1m$ (in {}) cargo fmt --check && cargo build --release\x1b[0m",
                dir.display()
            );
            let cargo = |args: &[&str]| {
                let mut c = Command::new(crate::cargo());
                c.args(args)
                    .current_dir(&dir)
                    // One target folder per board, shared with build-boards.
                    .env("CARGO_TARGET_DIR", crate::boards::target_dir());
                c
            };
            crate::run_as_set(&mut cargo(&["fmt", "--", "--check"]))?;
            crate::run_as_set(&mut cargo(&["build", "--release"]))?;
            if b.name == "qemu-m4" {
                let out = cargo(&["run", "--release"])
                    .output()
                    .map_err(|e| format!("cannot run cargo: {e}"))?;
                let text = String::from_utf8_lossy(&out.stdout);
                if !out.status.success() {
                    return Err(format!(
                        "{m} on qemu-m4: `cargo run --release` failed ({}):\n{text}{}",
                        out.status,
                        String::from_utf8_lossy(&out.stderr)
                    ));
                }
                check_heads(&model, &text)?;
                eprint!("{text}");
            }
        }
    }
    Ok(())
}

/// Every head of `model` is printed (`head NAME: [v, ...]`) with the values the host
/// build computes for the first sample of the model's fixture inputs.
fn check_heads(model: &Path, text: &str) -> Result<(), String> {
    let e = |e: tinymtl_codegen::Error| e.to_string();
    let g = Builder::new(model).build().map_err(e)?;
    let (ins, outs) = tinymtl::contract::specs(&g.compiled);
    let all = tinymtl::npz::read(&model.with_extension("inputs.npz"), &ins).map_err(e)?;
    let first = tinymtl::npz::Samples {
        n: 1,
        data: ins
            .iter()
            .zip(&all.data)
            .map(|(s, d)| d[..s.shape.iter().product::<usize>()].to_vec())
            .collect(),
    };
    let bin = tinymtl::host::build(&g).map_err(e)?;
    let heads: Vec<usize> = (0..outs.len()).collect();
    let host = tinymtl::host::run(&g.compiled, &bin, &first, &heads).map_err(e)?;
    for (h, spec) in outs.iter().enumerate() {
        let prefix = format!("head {}: [", spec.name);
        let line = text
            .lines()
            .find(|l| l.starts_with(&prefix))
            .ok_or_else(|| format!("{}: head {} not printed", model.display(), spec.name))?;
        let got: Vec<f32> = line[prefix.len()..]
            .trim_end_matches(']')
            .split(", ")
            .map(|v| {
                v.parse::<f32>()
                    .map_err(|_| format!("bad value {v:?} in {line:?}"))
            })
            .collect::<Result<_, _>>()?;
        let want = &host[h];
        let close = got.len() == want.len()
            && got
                .iter()
                .zip(want)
                .all(|(g, w)| (g - w).abs() <= 1e-5 * (1.0 + w.abs()));
        if !close {
            return Err(format!(
                "{}: head {} on qemu-m4 {got:?}, on the host {want:?}",
                model.display(),
                spec.name
            ));
        }
    }
    Ok(())
}
