//! Shared helpers for the host tests: the fixture manifest and the numerics contract.
//!
//! The fixtures (`tests/fixtures/`) were exported by real exporters with the seeded
//! `export.py` beside them; their references were computed by onnxruntime.

use std::path::{Path, PathBuf};
use tinymtl::npz::{self, Spec};
use tinymtl_codegen::Builder;

/// `tests/fixtures/`.
pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures")
}

/// One fixture model from `manifest.json`.
#[derive(Clone, Debug)]
pub struct Fixture {
    /// Model name (file stem).
    pub name: String,
    /// Exporter that wrote it.
    pub exporter: String,
    /// Inputs with their shapes (symbolic dims as 1, or as given by `input_shape`).
    pub inputs: Vec<Spec>,
    /// The manifest's `input_shape`: shapes to fix symbolic dims other than the batch
    /// (a dynamic time axis), as `--input-shape NAME=D0,D1,...` would.
    pub input_shapes: Vec<(String, Vec<usize>)>,
    /// Outputs with their shapes and whether they are classification heads.
    pub outputs: Vec<(Spec, bool)>,
    /// A benchmark model (`"benchmark": true`, written by `bench_models.py`): its
    /// instruction counts are in `tests/bench/golden.txt`.
    pub benchmark: bool,
    /// The manifest's `macs` (multiply-accumulates of all heads), where it gives one.
    pub macs: Option<u64>,
    /// The manifest's `qemu_targets`: the only emulated targets `tests/qemu` runs it on
    /// (a large model on the soft-float targets costs minutes); `None`: every target.
    pub qemu_targets: Option<Vec<String>>,
}

impl Fixture {
    /// Path of `<name><suffix>` in the fixtures folder.
    pub fn path(&self, suffix: &str) -> PathBuf {
        fixtures_dir().join(format!("{}{suffix}", self.name))
    }

    /// A builder for the model with the manifest's `input_shape` applied.
    pub fn builder(&self) -> Builder {
        self.input_shapes
            .iter()
            .fold(Builder::new(self.path(".onnx")), |b, (n, s)| {
                b.input_shape(n.clone(), s)
            })
    }

    /// Whether `tests/qemu` runs it on the emulated target named `target`.
    pub fn runs_on(&self, target: &str) -> bool {
        self.qemu_targets
            .as_ref()
            .is_none_or(|ts| ts.iter().any(|t| t == target))
    }

    /// Output specs.
    pub fn output_specs(&self) -> Vec<Spec> {
        self.outputs.iter().map(|(s, _)| s.clone()).collect()
    }
}

/// The fixture called `name` in the manifest (panics if there is none).
pub fn fixture_named(name: &str) -> Fixture {
    fixtures()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
}

fn spec(v: &serde_json::Value) -> Spec {
    Spec {
        name: v["name"].as_str().expect("name").to_string(),
        shape: v["shape"]
            .as_array()
            .expect("shape")
            .iter()
            .map(|d| d.as_u64().unwrap_or(1) as usize)
            .collect(),
    }
}

/// Every fixture in the manifest.
pub fn fixtures() -> Vec<Fixture> {
    let text =
        std::fs::read_to_string(fixtures_dir().join("manifest.json")).expect("manifest.json");
    let m: serde_json::Value = serde_json::from_str(&text).expect("manifest parses");
    m["models"]
        .as_array()
        .expect("models")
        .iter()
        .map(|f| Fixture {
            name: f["name"].as_str().unwrap().to_string(),
            exporter: f["exporter"].as_str().unwrap_or("").to_string(),
            inputs: f["inputs"].as_array().unwrap().iter().map(spec).collect(),
            input_shapes: f["input_shape"]
                .as_object()
                .map(|m| {
                    m.iter()
                        .map(|(n, s)| {
                            let dims = s.as_array().expect("input_shape dims");
                            let dims = dims.iter().map(|d| d.as_u64().expect("dim") as usize);
                            (n.clone(), dims.collect())
                        })
                        .collect()
                })
                .unwrap_or_default(),
            outputs: f["outputs"]
                .as_array()
                .unwrap()
                .iter()
                .map(|o| (spec(o), o["kind"] == "classification"))
                .collect(),
            benchmark: f["benchmark"].as_bool().unwrap_or(false),
            macs: f["macs"].as_u64(),
            qemu_targets: f["qemu_targets"].as_array().map(|ts| {
                ts.iter()
                    .map(|t| t.as_str().expect("qemu_targets names").to_string())
                    .collect()
            }),
        })
        .collect()
}

/// Reads an npz of outputs.
pub fn read_outputs(path: &Path, specs: &[Spec]) -> npz::Samples {
    npz::read(path, specs).unwrap_or_else(|e| panic!("{e}"))
}

/// A tolerance `|got - ref| <= abs + rel * |ref|`.
#[derive(Clone, Copy, Debug)]
pub struct Close {
    /// Absolute part.
    pub abs: f32,
    /// Relative part.
    pub rel: f32,
}

impl Close {
    /// Whether `got` is within the tolerance of `want`; equal values (infinities
    /// included) and NaN against NaN count as close (the ONNX test suite's rule).
    pub fn admits(self, got: f32, want: f32) -> bool {
        (got.is_nan() && want.is_nan())
            || got == want
            || (got - want).abs() <= self.abs + self.rel * want.abs()
    }
}

/// Against onnxruntime on the model with f16-rounded weights.
pub const VS_F16_REFERENCE: Close = Close {
    abs: 1e-3,
    rel: 1e-3,
};
/// Against onnxruntime on the original f32 model.
pub const VS_F32_REFERENCE: Close = Close {
    abs: 2e-2,
    rel: 2e-2,
};

/// The worst element of a comparison: its index, values and how much of the
/// tolerance it used (`<= 1` passes).
#[derive(Clone, Copy, Debug)]
pub struct Worst {
    /// Flat index.
    pub index: usize,
    /// Generated code's value.
    pub got: f32,
    /// Reference value.
    pub want: f32,
    /// `|got - want| / (abs + rel * |want|)`.
    pub ratio: f32,
}

/// Compares element by element; NaN anywhere fails.
pub fn compare(got: &[f32], want: &[f32], tol: Close) -> Worst {
    assert_eq!(got.len(), want.len(), "lengths differ");
    let mut worst = Worst {
        index: 0,
        got: 0.0,
        want: 0.0,
        ratio: 0.0,
    };
    for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
        let r = if g.is_nan() || w.is_nan() {
            f32::INFINITY
        } else {
            (g - w).abs() / (tol.abs + tol.rel * w.abs())
        };
        if r > worst.ratio || i == 0 {
            worst = Worst {
                index: i,
                got: g,
                want: w,
                ratio: r,
            };
        }
    }
    worst
}

/// Samples of one head where the reference's top two classes differ by more than
/// `margin` and the generated code's argmax differs from the reference's.
pub fn argmax_mismatches(got: &[f32], want: &[f32], classes: usize, margin: f32) -> Vec<usize> {
    let mut bad = Vec::new();
    for (s, (g, w)) in got.chunks(classes).zip(want.chunks(classes)).enumerate() {
        let arg = |v: &[f32]| {
            v.iter()
                .enumerate()
                .fold(0, |b, (i, &x)| if x > v[b] { i } else { b })
        };
        let mut sorted = w.to_vec();
        sorted.sort_by(|a, b| b.total_cmp(a));
        let decided = sorted.len() < 2 || sorted[0] - sorted[1] > margin;
        if decided && arg(g) != arg(w) {
            bad.push(s);
        }
    }
    bad
}

/// The numerics contract for output `i` of `f` computed as `got`, against the
/// onnxruntime references `r16` (f16-rounded weights) and `r32` (the f32 model): the
/// worst element against each, and what fails (beyond either tolerance, or a
/// classification head whose argmax differs from `r32` where its top two differ by
/// more than 1e-3).
pub fn check_contract(
    f: &Fixture,
    i: usize,
    got: &[f32],
    r16: &[f32],
    r32: &[f32],
) -> (Worst, Worst, Vec<String>) {
    let (spec, classification) = &f.outputs[i];
    let w16 = compare(got, r16, VS_F16_REFERENCE);
    let w32 = compare(got, r32, VS_F32_REFERENCE);
    let mut failures = Vec::new();
    for (what, w) in [("f16 reference", w16), ("f32 reference", w32)] {
        if w.ratio > 1.0 {
            failures.push(format!("{} / {}: vs {what} {w:?}", f.name, spec.name));
        }
    }
    if *classification {
        let classes = *spec.shape.last().unwrap_or(&1);
        let bad = argmax_mismatches(got, r32, classes, 1e-3);
        if !bad.is_empty() {
            failures.push(format!(
                "{} / {}: argmax differs from the f32 reference on samples {bad:?}",
                f.name, spec.name
            ));
        }
    }
    (w16, w32, failures)
}
