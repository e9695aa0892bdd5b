// examples/own-model/build.rs
use std::path::Path;

fn main() {
    let model = Path::new("../har/har_mtl.onnx");
    println!("cargo:rerun-if-changed={}", model.display());
    // Initializers may live in an external data file beside the model.
    let data = model.with_extension("onnx.data");
    if data.exists() {
        println!("cargo:rerun-if-changed={}", data.display());
    }
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let generated = tinymtl_codegen::Builder::new(model)
        .module_name("har")
        .out_dir(out_dir)
        .generate()
        .unwrap_or_else(|e| panic!("{e}")); // one line naming the model file
    for w in &generated.warnings {
        // Saturated or flushed weights; model text made one printable line.
        println!("cargo:warning={}", tinymtl_codegen::escape::line(w));
    }
}
