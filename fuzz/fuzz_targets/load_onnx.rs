//! ONNX importer: any bytes -> IR (`load::load_bytes`), and when that succeeds the
//! whole pipeline (`passes::compile`, `emit::emit`), with and without `--saturate`.
//! Every outcome must be `Ok` or a clean `Err`: no panic, no abort, no runaway memory.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::path::Path;
use tinymtl_codegen::{emit, load, passes};

fuzz_target!(|data: &[u8]| {
    // A folder that does not exist: external data references fail cleanly instead of
    // reading whatever lies beside the fuzzer.
    let path = Path::new("/nonexistent-tinymtl-fuzz/model.onnx");
    let Ok(graph) = load::load_bytes(data, path) else {
        return;
    };
    for saturate in [false, true] {
        let opts = passes::Options { saturate };
        if let Ok(c) = passes::compile(&graph, &opts) {
            let src = emit::SourceInfo {
                file_name: "model.onnx".into(),
                sha256: tinymtl_codegen::escape::sha256_hex(data),
                module_name: "model".into(),
            };
            // Emission refuses (a clean `Err`) only a model imitating its markers.
            if let Ok(m) = emit::emit(&c, &src) {
                assert!(m.code.starts_with("// @generated"));
            }
        }
    }
});
