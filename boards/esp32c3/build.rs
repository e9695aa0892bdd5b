//! Generates the model module (`$OUT_DIR/har.rs`) with tinymtl-codegen and adds
//! esp-hal's and defmt's linker scripts.
//!
//! The model defaults to the repository's IMU fixture; set `TINYMTL_MODEL` to
//! another ONNX file with input `imu` [1, 6, 64] and heads `activity` [1, 6],
//! `fall` [1, 2], `cadence` [1, 1] to build with your own weights.

use std::{env, path::PathBuf};

fn main() {
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));

    let model = env::var("TINYMTL_MODEL")
        .unwrap_or_else(|_| "../../tests/fixtures/imu_conv1d_bn_dynamo.onnx".into());
    println!("cargo:rerun-if-env-changed=TINYMTL_MODEL");
    println!("cargo:rerun-if-changed={model}");
    let g = tinymtl_codegen::Builder::new(&model)
        .module_name("har")
        .out_dir(&out)
        .generate()
        .unwrap_or_else(|e| panic!("cannot generate the model from {model}: {e}"));
    for w in &g.warnings {
        println!("cargo:warning={w}");
    }

    println!("cargo:rustc-link-arg-bins=-Tlinkall.x");
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
}
