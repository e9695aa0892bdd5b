//! Generates two models with their firmware app, as a firmware crate's build script
//! does: `$OUT_DIR/har/` (channels-first IMU fixture) and `$OUT_DIR/keras/`
//! (channels-last Keras fixture), each from its `models/*.toml`.

fn main() {
    let out = std::path::PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for name in ["har", "keras"] {
        let toml = format!("models/{name}.toml");
        if let Err(e) = tinymtl::firmware::generate(toml.as_ref(), None, &out.join(name)) {
            eprintln!("error: {e}");
            std::process::exit(1);
        }
    }
}
