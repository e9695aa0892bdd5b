//! `--input-shape`: a model exported with a dynamic time axis is refused until the
//! axis gets a size (the error names the input, the dim and the flag), then compiles,
//! runs and goes into a firmware crate at that size.

use std::path::{Path, PathBuf};

mod common;
use common::{fixture, tinymtl};
use tinymtl_codegen::load::onnx::tensor_shape_proto::dimension;
use tinymtl_codegen::load::onnx::type_proto;

/// The IMU fixture with its time axis (dim 2 of `imu`) made symbolic, `time`, as
/// `dynamic_axes` writes it.
fn dynamic_time(dir: &Path) -> PathBuf {
    let bytes = std::fs::read(fixture("imu_conv1d_bn_dynamo.onnx")).unwrap();
    let mut m = tinymtl_codegen::load::decode_model(&bytes).unwrap();
    let g = m.graph.as_mut().unwrap();
    let Some(type_proto::Value::TensorType(t)) = g.input[0].r#type.as_mut().unwrap().value.as_mut()
    else {
        panic!("tensor input")
    };
    let dims = &mut t.shape.as_mut().unwrap().dim;
    assert_eq!(dims.len(), 3);
    dims[2].value = Some(dimension::Value::DimParam("time".into()));
    // What the exporter inferred for the intermediates was for the traced length.
    g.value_info.clear();
    let p = dir.join("dynamic.onnx");
    std::fs::write(&p, tinymtl_codegen::load::encode_model(&m)).unwrap();
    p
}

#[test]
fn a_dynamic_time_axis_needs_a_size_then_works() {
    let tmp = tempfile::tempdir().unwrap();
    let model = dynamic_time(tmp.path());
    let m = model.to_str().unwrap();
    let (ok, _, err) = tinymtl(&["inspect", m]);
    assert!(!ok);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("dynamic.onnx")
            && err.contains("tensor 'imu'")
            && err.contains("dim 2 ('time')")
            && err.contains("--input-shape imu=1,6,N"),
        "{err}"
    );
    // Another length than the fixture's 64: the trunk is planned for it.
    let (ok, out, err) = tinymtl(&["inspect", m, "--input-shape", "imu=1,6,100"]);
    assert!(ok, "{err}");
    assert!(out.contains("inputs imu [1, 6, 100]"), "{out}");
    let (ok, _, err) = tinymtl(&["inspect", m, "--input-shape", "imu=1,6"]);
    assert!(!ok && err.contains("rank 3"), "{err}");
    let (ok, _, err) = tinymtl(&["inspect", m, "--input-shape", "imu=1,x,3"]);
    assert!(!ok && err.contains("'x' is not a size"), "{err}");

    // At the fixture's length it computes what the fixture does.
    let out_a = tmp.path().join("a.npz");
    let out_b = tmp.path().join("b.npz");
    let inputs = fixture("imu_conv1d_bn_dynamo.inputs.npz");
    let (ok, _, err) = tinymtl(&[
        "run",
        m,
        "--input-shape",
        "imu=1,6,64",
        "--inputs",
        inputs.to_str().unwrap(),
        "--output",
        out_a.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let original = fixture("imu_conv1d_bn_dynamo.onnx");
    let (ok, _, err) = tinymtl(&[
        "run",
        original.to_str().unwrap(),
        "--inputs",
        inputs.to_str().unwrap(),
        "--output",
        out_b.to_str().unwrap(),
    ]);
    assert!(ok, "{err}");
    let a = tinymtl::npz::read_arrays(&out_a).unwrap();
    let b = tinymtl::npz::read_arrays(&out_b).unwrap();
    assert_eq!(a, b);

    // A firmware crate keeps the size for its build script.
    let dir = tmp.path().join("fw");
    let (ok, _, err) = tinymtl(&[
        "firmware",
        m,
        "--board",
        "qemu-m4",
        "-o",
        dir.to_str().unwrap(),
        "--input-shape",
        "imu=1,6,100",
    ]);
    assert!(ok, "{err}");
    let cfg = tinymtl::firmware::config::Config::read(&dir.join("tinymtl.toml")).unwrap();
    assert_eq!(cfg.input_shape.get("imu"), Some(&vec![1, 6, 100]));
    let out = tmp.path().join("out");
    let g = tinymtl::firmware::generate(&dir.join("tinymtl.toml"), None, &out).unwrap();
    assert_eq!(
        g.compiled.program.values[g.compiled.program.inputs[0]].shape,
        [1, 6, 100]
    );
    assert!(std::fs::read_to_string(out.join("app.rs"))
        .unwrap()
        .contains("pub const STEPS: usize = 100;"));
}
