//! Generates the fixture models this crate compiles for every target, with the
//! glue (typed input buffers, `tinymtl_codegen::emit::glue`).

use std::path::PathBuf;

/// A dense-only model and a convolutional one: between them every kernel family the
/// fixtures use most (dense, conv, pools, norms, softmax).
const MODELS: [&str; 3] = [
    "dense_two_softmax",
    "imu_conv1d_bn_dynamo",
    "residual_layernorm_three_heads",
];

fn main() {
    let here = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    for m in MODELS {
        let model = here.join(format!("../../tests/fixtures/{m}.onnx"));
        println!("cargo:rerun-if-changed={}", model.display());
        let dir = out.join(m);
        std::fs::create_dir_all(&dir).unwrap();
        let g = tinymtl_codegen::Builder::new(&model)
            .module_name("model")
            .out_dir(&dir)
            .generate()
            .unwrap_or_else(|e| panic!("{m}: {e}"));
        std::fs::write(dir.join("glue.rs"), g.glue()).unwrap();
    }
    println!("cargo:rerun-if-changed=build.rs");
}
