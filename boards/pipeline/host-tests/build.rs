//! Generates `har.rs` from the repository's IMU fixture, as a firmware crate would.

fn main() {
    let model = "../../../tests/fixtures/imu_conv1d_bn_dynamo.onnx";
    println!("cargo:rerun-if-changed={model}");
    let out = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    tinymtl_codegen::Builder::new(model)
        .module_name("har")
        .out_dir(out)
        .generate()
        .unwrap_or_else(|e| panic!("cannot generate the model: {e}"));
}
