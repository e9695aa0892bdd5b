//! The select-ops models (`tests/host/models/select/`, written by the seeded
//! `make_models.py` there with both torch exporters): comparisons, Where, Softplus with
//! a threshold, Mish, SiLU, PRelu, clamp by tensors, max over an axis, Gather of a
//! computed tensor, an attention block; and hand-made graphs for what no small export
//! writes (MatMul batch broadcasting, batched and left constant operands,
//! LayerNormalization's Mean / InvStdDev). Each through `tinymtl run` (generated code compiled for the host)
//! within 1e-3 + 1e-3·|ref| of onnxruntime (the weights are f16-exact, so onnxruntime
//! on the file is the f16 reference).

use std::path::{Path, PathBuf};
use tinymtl::host;
use tinymtl::npz::Spec;
use tinymtl_codegen::Builder;
use tinymtl_host_tests::{compare, read_outputs, VS_F16_REFERENCE};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("models/select")
}

/// `(name, output specs)` of every model in the manifest.
fn models() -> Vec<(String, Vec<Spec>)> {
    let text = std::fs::read_to_string(dir().join("manifest.json")).expect("manifest.json");
    let m: serde_json::Value = serde_json::from_str(&text).expect("manifest parses");
    let spec = |o: &serde_json::Value| Spec {
        name: o["name"].as_str().expect("name").to_string(),
        shape: o["shape"]
            .as_array()
            .expect("shape")
            .iter()
            .map(|d| d.as_u64().expect("dim") as usize)
            .collect(),
    };
    m["models"]
        .as_array()
        .expect("models")
        .iter()
        .map(|f| {
            let name = f["name"].as_str().expect("name").to_string();
            let outs = f["outputs"].as_array().expect("outputs").iter().map(spec);
            (name, outs.collect())
        })
        .collect()
}

#[test]
fn every_select_model_matches_onnxruntime() {
    let tmp = tempfile::tempdir().unwrap();
    let models = models();
    assert!(models.len() >= 20, "found {} models", models.len());
    let mut failures = Vec::new();
    for (name, specs) in &models {
        let model = dir().join(format!("{name}.onnx"));
        let inputs = dir().join(format!("{name}.inputs.npz"));
        let out = tmp.path().join(format!("{name}.out.npz"));
        if let Err(e) = host::run_files(&Builder::new(&model), &inputs, &out, &[]) {
            failures.push(format!("{name}: {e}"));
            continue;
        }
        let got = read_outputs(&out, specs);
        let want = read_outputs(&dir().join(format!("{name}.ref.npz")), specs);
        for (i, s) in specs.iter().enumerate() {
            let w = compare(&got.data[i], &want.data[i], VS_F16_REFERENCE);
            println!(
                "{name:<26} {:<12} {:>8.1e} of tol (at {}: {} vs {})",
                s.name, w.ratio, w.index, w.got, w.want
            );
            if w.ratio > 1.0 {
                failures.push(format!(
                    "{name} output '{}': element {} is {}, onnxruntime gives {}",
                    s.name, w.index, w.got, w.want
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
