//! Loads every exported fixture model in `tests/fixtures/` (real exporters: torch
//! dynamo, TorchScript, tf2onnx) and checks input/output names and shapes against
//! `tests/fixtures/manifest.json`.

use std::path::{Path, PathBuf};

use tinymtl_codegen::ir::{Graph, TensorKind};
use tinymtl_codegen::load::{load_bytes_with, read_model_file};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures")
}

fn shape_of(v: &serde_json::Value) -> Vec<usize> {
    v.as_array()
        .expect("shape array")
        .iter()
        .map(|d| d.as_u64().expect("static dim") as usize)
        .collect()
}

fn check_invariants(g: &Graph) {
    for n in &g.nodes {
        // One output per node, except the recurrent layers' `Y`, `Y_h`, `Y_c`.
        let most = if n.op_type == "LSTM" {
            3
        } else if matches!(n.op_type.as_str(), "GRU" | "RNN") {
            2
        } else {
            1
        };
        assert!((1..=most).contains(&n.outputs.len()), "node {}", n.name);
        for &o in &n.outputs {
            assert_eq!(g.tensors[o].kind, TensorKind::Activation);
        }
    }
    let mut names: Vec<&str> = g.tensors.iter().map(|t| t.name.as_str()).collect();
    names.sort_unstable();
    let before = names.len();
    names.dedup();
    assert_eq!(before, names.len(), "tensor names are unique");
}

#[test]
fn fixtures_match_manifest() {
    let dir = fixtures_dir();
    let manifest_path = dir.join("manifest.json");
    let text = std::fs::read_to_string(&manifest_path)
        .unwrap_or_else(|e| panic!("{}: {e}", manifest_path.display()));
    let manifest: serde_json::Value = serde_json::from_str(&text).expect("manifest parses");
    let models = manifest["models"].as_array().expect("models");
    assert!(!models.is_empty());
    let mut failures = Vec::new();
    for m in models {
        let file = dir.join(m["file"].as_str().expect("file"));
        // The size a fixture with a symbolic time axis is run at (`input_shape`).
        let shapes: Vec<(String, Vec<usize>)> = m["input_shape"]
            .as_object()
            .map(|o| o.iter().map(|(k, v)| (k.clone(), shape_of(v))).collect())
            .unwrap_or_default();
        let loaded = read_model_file(&file).and_then(|b| load_bytes_with(&b, &file, &shapes));
        let g = match loaded {
            Ok(g) => g,
            Err(e) => {
                failures.push(format!("{e}"));
                continue;
            }
        };
        check_invariants(&g);
        eprintln!("== {}", file.display());
        for n in &g.nodes {
            let ins: Vec<String> = n
                .inputs
                .iter()
                .map(|&i| format!("{}{:?}", g.tensors[i].name, g.tensors[i].shape))
                .collect();
            let t = &g.tensors[n.outputs[0]];
            eprintln!(
                "  {} ({}) {:?} <- {} -> {}{:?}",
                n.name,
                n.op_type,
                n.op,
                ins.join(", "),
                t.name,
                t.shape
            );
        }
        let got_in: Vec<(String, Vec<usize>)> = g
            .inputs
            .iter()
            .map(|&i| (g.tensors[i].name.clone(), g.tensors[i].shape.clone()))
            .collect();
        let want_in: Vec<(String, Vec<usize>)> = m["inputs"]
            .as_array()
            .expect("inputs")
            .iter()
            .map(|i| {
                (
                    i["name"].as_str().unwrap().to_string(),
                    shape_of(&i["shape"]),
                )
            })
            .collect();
        let got_out: Vec<(String, Vec<usize>)> = g
            .outputs
            .iter()
            .map(|&i| (g.tensors[i].name.clone(), g.tensors[i].shape.clone()))
            .collect();
        let want_out: Vec<(String, Vec<usize>)> = m["outputs"]
            .as_array()
            .expect("outputs")
            .iter()
            .map(|i| {
                (
                    i["name"].as_str().unwrap().to_string(),
                    shape_of(&i["shape"]),
                )
            })
            .collect();
        if got_in != want_in || got_out != want_out {
            failures.push(format!(
                "{}: inputs {got_in:?} vs {want_in:?}, outputs {got_out:?} vs {want_out:?}",
                file.display()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "fixture failures:\n{}",
        failures.join("\n")
    );
}
