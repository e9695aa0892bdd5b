//! Generates the model from `tinymtl.toml` (the ONNX file it names, how its input is
//! read and how each head is shown) into `$OUT_DIR`: `model.rs` (the generated module,
//! weights in flash), `glue.rs`, `app.rs` (this model's side of the board pipeline)
//! and `sample.bin` (one sample compiled in). `TINYMTL_MODEL=path.onnx` overrides the
//! model for one build. Warnings of the compiler show as `cargo:warning`.

fn main() {
    if let Err(e) = tinymtl::firmware::build_script() {
        eprintln!("error: {e}");
        std::process::exit(1);
    }
    println!("cargo:rustc-link-arg-bins=--nmagic");
    println!("cargo:rustc-link-arg-bins=-Tlink.x");
    println!("cargo:rustc-link-arg-bins=-Tdefmt.x");
}
