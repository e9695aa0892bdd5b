//! The emitter under fuzzed names: the input bytes, split at 0xFF and read as UTF-8
//! (lossily), become the input, output, node and tensor names, doc strings, graph
//! name and file name of one fixed multi-task model (`cli/tests/emit_support`).
//! The generated module must parse, hold no control or bidi character, and have
//! exactly the token structure of the same model with plain names.
#![no_main]

#[path = "../../cli/tests/emit_support/mod.rs"]
mod emit_support;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let strings: Vec<String> = data
        .split(|&b| b == 0xFF)
        .take(emit_support::N_STRINGS)
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect();
    let names = emit_support::Names::from_strings(strings);
    if let Err(e) = emit_support::check(&names) {
        panic!("{e}\n{names:?}");
    }
});
