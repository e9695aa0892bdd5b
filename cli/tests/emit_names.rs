//! Property test of the emitter under hostile names (issue 8): random names, doc
//! strings, graph and file names built from adversarial pieces (CR, LF, bidi
//! controls, ANSI escapes, comment delimiters, quotes, backslashes, `r#`, keywords,
//! the emitter's own marker prefixes, emoji, 5 kB runs, names equal after sanitising)
//! give a module that parses, holds no control or bidi character, and has exactly the
//! tokens of the same model with plain names (`emit_support::check`). One generated
//! module per run is also compiled and run by rustc through the host harness.

mod emit_support;

use emit_support::{check, Names, N_STRINGS};
use proptest::prelude::*;
use std::sync::atomic::{AtomicBool, Ordering};

const PIECES: &[&str] = &[
    "\n",
    "\r",
    "\r\n",
    "\t",
    "\u{0}",
    "\x1b[31m",
    "\x1b]0;title\x07",
    "\u{202a}",
    "\u{202b}",
    "\u{202c}",
    "\u{202d}",
    "\u{202e}",
    "\u{2066}",
    "\u{2067}",
    "\u{2068}",
    "\u{2069}",
    "\u{200b}",
    "\u{200f}",
    "\u{2028}",
    "\u{feff}",
    "\u{85}",
    "*/",
    "/*",
    "//",
    "///",
    "//!",
    "*",
    "/",
    "\"",
    "'",
    "\\",
    "\\u{a}",
    "`",
    "``",
    "r#",
    "r#\"",
    "\"#",
    "#",
    "!",
    "{",
    "}",
    "(",
    ")",
    "[",
    "]",
    ";",
    ",",
    ".",
    ":",
    "::",
    "<",
    ">",
    "&",
    "=",
    "fn",
    "type",
    "self",
    "Self",
    "crate",
    "super",
    "mod",
    "Model",
    "Heads",
    "ALL",
    "NONE",
    "trunk",
    "run_part",
    "MACS",
    "weights",
    "BLOB",
    "__tmd_",
    "__tmc_",
    "__tinymtl_data!(0)",
    "include_bytes!",
    "std::process::exit(42);",
    "a",
    "A",
    "_",
    "0",
    "9",
    "-",
    " ",
    "é",
    "ß",
    "\u{301}",
    "\u{1F680}",
    "\u{10FFFF}",
    "\u{E000}",
    "<script>",
    "&amp;",
    "%s",
    "{}",
    "$",
];

fn piece() -> impl Strategy<Value = String> {
    prop_oneof![
        8 => proptest::sample::select(PIECES).prop_map(str::to_string),
        1 => "[a-z_]{1,8}",
        1 => any::<char>().prop_map(|c| c.to_string()),
        1 => (1usize..6).prop_map(|k| "x".repeat(k * 1000)),
    ]
}

fn name() -> impl Strategy<Value = String> {
    prop::collection::vec(piece(), 0..6).prop_map(|v| v.concat())
}

/// A list of strings where some are equal after sanitising (`a-b`, `a_b`, `a.b`).
fn names() -> impl Strategy<Value = Names> {
    (
        prop::collection::vec(name(), N_STRINGS),
        prop::collection::vec(0..N_STRINGS, 0..4),
    )
        .prop_map(|(mut s, twins)| {
            for (k, &i) in twins.iter().enumerate() {
                s[i] = format!("a{}b", ["-", "_", ".", " "][k % 4]);
            }
            Names::from_strings(s)
        })
}

static COMPILED: AtomicBool = AtomicBool::new(false);

/// Compiles (and runs on one sample) the module of `n` through the host harness, as
/// `tinymtl run` does: rustc refuses bidi characters in comments and literals and
/// bare CRs in doc comments, which `syn` accepts.
fn compile_and_run(n: &Names) {
    let dir = tempfile::tempdir().unwrap();
    // The file name as given, where the file system takes it.
    let file = n.file.replace(['/', '\0'], "_");
    let file = if file.is_empty() || file == "." || file == ".." || file.len() > 200 {
        "model.onnx".to_string()
    } else {
        file
    };
    let path = dir.path().join(file);
    let model = emit_support::model(n);
    std::fs::write(&path, tinymtl_codegen::load::encode_model(&model)).unwrap();
    let g = tinymtl_codegen::Builder::new(&path)
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    let bin = tinymtl::host::build(&g).unwrap_or_else(|e| panic!("{n:?}: {e}"));
    let samples = tinymtl::npz::Samples {
        n: 1,
        data: vec![vec![0.5; 4], vec![-0.25; 4]],
    };
    let out = tinymtl::host::run(&g.compiled, &bin, &samples, &[0, 1, 2, 3])
        .unwrap_or_else(|e| panic!("{n:?}: {e}"));
    // o1 = sigmoid(0.25), o2 = tanh(relu(0.25)).
    assert!((out[1][0] - 1.0 / (1.0 + (-0.25f32).exp())).abs() < 1e-5);
    assert!((out[2][0] - 0.25f32.tanh()).abs() < 1e-5);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn hostile_names_never_reach_code(n in names()) {
        if let Err(e) = check(&n) {
            prop_assert!(false, "{e}\nnames: {n:?}");
        }
        if !COMPILED.swap(true, Ordering::SeqCst) {
            compile_and_run(&n);
        }
    }
}

#[test]
fn the_worst_names_compile_and_run() {
    let mut s: Vec<String> = PIECES.iter().map(|p| format!("n{p}")).collect();
    s.truncate(N_STRINGS);
    s[0] = "x\n".into();
    s[1] = "x\r".into();
    s[N_STRINGS - 1] = "evil\n\u{202e}*/ file.onnx".into();
    let n = Names::from_strings(s);
    check(&n).unwrap();
    compile_and_run(&n);
}
