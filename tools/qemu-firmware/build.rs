//! Generates the model the firmware runs: `$TINYMTL_MODEL` (default: the
//! `imu_conv1d_bn_dynamo` fixture) through `tinymtl_codegen::Builder`, plus the
//! model's glue and one demo sample (`tinymtl::qemu::write_firmware_files`, the runner
//! crate without its CLI and QEMU parts), into `$OUT_DIR`; and, for the Rust target
//! being built, `memory.x` and the linker arguments from tinymtl's table of emulated
//! targets (`tinymtl::qemu::QemuTarget`).

use std::path::PathBuf;
use tinymtl::qemu::QemuTarget;

fn main() {
    let here = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").unwrap());
    let out = PathBuf::from(std::env::var_os("OUT_DIR").unwrap());
    println!("cargo:rerun-if-env-changed=TINYMTL_MODEL");
    let model = std::env::var_os("TINYMTL_MODEL")
        .map(PathBuf::from)
        .unwrap_or_else(|| here.join("../../tests/fixtures/imu_conv1d_bn_dynamo.onnx"));
    let model = here.join(model);
    println!("cargo:rerun-if-changed={}", model.display());
    let builder = tinymtl_codegen::Builder::new(&model);
    if let Err(e) = tinymtl::qemu::write_firmware_files(&builder, &out) {
        panic!("cannot generate the model: {e}");
    }
    let triple = std::env::var("TARGET").unwrap();
    let Some(target) = QemuTarget::by_rust_target(&triple) else {
        panic!("{triple} is none of tinymtl's emulated targets");
    };
    std::fs::write(out.join("memory.x"), target.memory_x()).unwrap();
    println!("cargo:rustc-link-search={}", out.display());
    for arg in target.link_args() {
        println!("cargo:rustc-link-arg={arg}");
    }
    println!("cargo:rerun-if-changed=build.rs");
}
