//! Generates three fixture models into OUT_DIR exactly as a user's `build.rs` would, so
//! the tests can call the generated API directly (trunk, kept features, heads).

fn main() {
    let out = std::env::var("OUT_DIR").expect("OUT_DIR");
    for (model, module) in [
        ("residual_layernorm_three_heads", "residual"),
        ("two_input_concat", "two_inputs"),
        ("lstm_streaming_state_torchscript", "stream"),
    ] {
        let path = format!("../fixtures/{model}.onnx");
        println!("cargo:rerun-if-changed={path}");
        tinymtl_codegen::Builder::new(&path)
            .module_name(module)
            .out_dir(&out)
            .generate()
            .unwrap_or_else(|e| panic!("{e}"));
    }
}
