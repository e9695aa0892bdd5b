//! Resize, Pad and GatherND models as both torch exporters write them
//! (`tests/models/resize/`, made by the seeded `make.py` there), through the generated
//! code (`tinymtl run` on the host): each output within 1e-3 + 1e-3·|ref| of
//! onnxruntime. The dynamo exporter writes linear 1-D `F.interpolate` as Transpose +
//! GatherND + Sub/Mul/Add (with a dynamic time axis, tables computed from the shape,
//! folded once the axis is fixed), the TorchScript exporter as Resize; all must compile.

use std::path::{Path, PathBuf};
use tinymtl::host;
use tinymtl::npz::{read_arrays, Values};
use tinymtl_codegen::Builder;
use tinymtl_host_tests::{compare, VS_F16_REFERENCE};

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../models/resize")
}

fn floats(v: &Values) -> Vec<f32> {
    match v {
        Values::F32(x) => x.clone(),
        other => panic!("expected float32 data, got {other:?}"),
    }
}

#[test]
fn exported_resize_pad_models_match_onnxruntime() {
    let tmp = tempfile::tempdir().unwrap();
    let mut models: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "onnx"))
        .collect();
    models.sort();
    assert!(
        models.len() >= 15,
        "expected 7 models x 2 exporters and a perturbed one"
    );
    let mut failures = Vec::new();
    for m in &models {
        let stem = m.file_stem().unwrap().to_string_lossy().to_string();
        let out = tmp.path().join(format!("{stem}.out.npz"));
        let inputs = m.with_extension("inputs.npz");
        let mut b = Builder::new(m);
        if stem.contains("dyntime") {
            // Exported with a dynamic time axis: fixed as `--input-shape x=1,4,16` would.
            b = b.input_shape("x", &[1, 4, 16]);
        }
        if let Err(e) = host::run_files(&b, &inputs, &out, &[]) {
            failures.push(format!("{stem}: {e}"));
            continue;
        }
        let got = read_arrays(&out).unwrap();
        let want = read_arrays(&m.with_extension("ref.npz")).unwrap();
        assert_eq!(got.len(), want.len(), "{stem}: output count");
        for w in &want {
            let g = got
                .iter()
                .find(|g| g.name == w.name)
                .expect("output present");
            assert_eq!(g.shape, w.shape, "{stem} {}: shape", w.name);
            let worst = compare(&floats(&g.values), &floats(&w.values), VS_F16_REFERENCE);
            println!("{stem:<32} {:<10} {:>8.1e} of tol", w.name, worst.ratio);
            if worst.ratio > 1.0 {
                failures.push(format!("{stem} {}: {worst:?}", w.name));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
