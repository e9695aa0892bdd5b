//! Size and safety of the firmware:
//!
//! - Size goldens: every `boards/*/size.golden` and `tools/qemu-firmware/size.golden`
//!   name the limits of that crate's firmware (built with `cargo build --release` in
//!   its folder): flash (text + rodata + data) and static RAM (data + bss) from the
//!   ELF, and for the runner firmware (qemu-m4, its default target) the stack
//!   high-water mark measured under QEMU (painted stack). Growth beyond the golden's
//!   tolerance fails; `cargo xtask size --bless` (`TINYMTL_BLESS=1`) rewrites the
//!   goldens.
//! - Panic-free inference: in the qemu-m4 ELF of the runner firmware and in every
//!   fixture model's firmware for qemu-m4, qemu-m0 and qemu-m33, no panicking
//!   function is reachable from `tinymtl_infer` or the model's functions, there is no
//!   recursion nor indirect call, and the worst-case stack of the inference path
//!   (from the prologues) is reported. The call-graph reader reads Arm disassembly;
//!   qemu-rv32 runs the same Rust.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use tinymtl::qemu::{self, QEMU_M0, QEMU_M33, QEMU_M4};
use tinymtl_host_tests::*;
use tinymtl_verify::{board, elf_sizes, golden, inference_call_graph};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The runner firmware's crate, as `tinymtl run --target qemu-*` finds it.
const RUNNER: &str = "tools/qemu-firmware";

/// Measured figures of one crate's firmware (`krate`: its path in the repository).
fn measure(krate: &str) -> BTreeMap<String, u64> {
    let elf = board::build(&repo().join(krate)).unwrap_or_else(|e| panic!("{e}"));
    let s = elf_sizes(&elf).unwrap_or_else(|e| panic!("{e}"));
    let mut m = BTreeMap::new();
    m.insert("flash".to_string(), s.flash());
    m.insert("ram".to_string(), s.ram());
    if krate == RUNNER {
        let dir = tempfile::tempdir().unwrap();
        let run = qemu::run_qemu(&QEMU_M4, &elf, dir.path(), &["demo"], None).unwrap();
        println!("{}", run.log.join("\n"));
        assert_eq!(run.status, 0, "the demo failed:\n{}", run.log.join("\n"));
        m.insert(
            "stack".into(),
            run.stack_used().expect("the firmware reports its stack"),
        );
        let model = run
            .log
            .iter()
            .find(|l| l.starts_with("model:"))
            .expect("model line");
        for key in ["WEIGHT_BYTES", "ARENA_BYTES"] {
            let v = model
                .split(&format!("{key} "))
                .nth(1)
                .and_then(|r| r.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok())
                .expect("model sizes in the log");
            m.insert(key.to_ascii_lowercase(), v);
        }
    }
    m
}

#[test]
fn firmware_sizes_match_their_goldens() {
    let bless = std::env::var_os("TINYMTL_BLESS").is_some();
    let mut crates: Vec<String> = std::fs::read_dir(repo().join("boards"))
        .expect("boards/")
        .flatten()
        .filter(|e| e.path().join("size.golden").exists())
        .map(|e| format!("boards/{}", e.file_name().to_string_lossy()))
        .collect();
    crates.sort();
    assert!(
        bless || repo().join(RUNNER).join("size.golden").exists(),
        "{RUNNER}/size.golden is missing: run `cargo xtask size --bless`"
    );
    crates.push(RUNNER.to_string());
    let mut failures = Vec::new();
    for name in &crates {
        let golden_path = repo().join(name).join("size.golden");
        let golden = golden::parse(&std::fs::read_to_string(&golden_path).unwrap_or_default());
        let m = measure(name);
        println!("{name}:");
        for (k, v) in &m {
            let g = golden.values.get(k);
            println!(
                "  {k:<14} {v:>10}   golden {:>10}",
                g.map(|g| g.to_string()).unwrap_or_else(|| "-".into())
            );
        }
        if bless {
            let text = golden::render(name, &m, golden.tolerance_percent);
            std::fs::write(&golden_path, text).unwrap();
            println!("  blessed {}", golden_path.display());
            continue;
        }
        let c = golden::check(name, &golden, &m, &golden::CHECKED);
        for n in &c.notes {
            println!("  note: {n}");
        }
        failures.extend(c.failures);
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

fn check_graph(what: &str, elf: &Path, failures: &mut Vec<String>) {
    let g = inference_call_graph(elf).unwrap_or_else(|e| panic!("{what}: {e}"));
    println!(
        "{what:<34} {:>3} functions reachable, max stack of the inference path {:>5} bytes, {} panic path(s)",
        g.reachable,
        g.max_stack,
        g.panics.len()
    );
    for p in &g.panics {
        failures.push(format!(
            "{what}: can panic: {}\n    at {}",
            p.chain.join(" -> "),
            p.site.join("\n       ")
        ));
    }
    for cycle in &g.recursion {
        failures.push(format!("{what}: recursion: {}", cycle.join(" -> ")));
    }
    for f in &g.indirect {
        failures.push(format!("{what}: indirect call in {f} (callees unknown)"));
    }
    if g.max_stack == 0 {
        failures.push(format!("{what}: no stack frames found"));
    }
}

/// Calls in generated code that may evaluate `exp`: a run-time `Act` (its dispatch
/// links every activation), softmax, the recurrent cells, the elementwise math ops.
const EXP_USERS: [&str; 4] = ["Act::", "softmax::", "rnn::", "pointwise::"];

/// A model whose generated code calls nothing that evaluates `exp` (a ReLU-only CNN:
/// its epilogues name `act::Relu`) links no `exp`: the code generator chose the
/// kernels and activations, so nothing else is linked.
/// Returns whether the firmware links `exp` (a symbol named `expf`; the caller checks
/// that models that need it show one, so the check can fail).
fn check_no_exp(what: &str, code: &str, elf: &Path, failures: &mut Vec<String>) -> bool {
    let syms = tinymtl_verify::symbol_sizes(elf).unwrap_or_else(|e| panic!("{what}: {e}"));
    let exp: Vec<&String> = syms.keys().filter(|n| n.contains("expf")).collect();
    if EXP_USERS.iter().any(|u| code.contains(u)) {
        return !exp.is_empty();
    }
    println!(
        "{what:<34} calls nothing that needs exp; exp symbols linked: {}",
        exp.len()
    );
    if !exp.is_empty() {
        failures.push(format!(
            "{what}: links exp although no step needs it: {exp:?}"
        ));
    }
    false
}

#[test]
fn inference_path_cannot_panic_and_does_not_recurse() {
    let mut failures = Vec::new();
    let elf = board::build(&repo().join(RUNNER)).unwrap_or_else(|e| panic!("{e}"));
    check_graph(&format!("{RUNNER} (default model)"), &elf, &mut failures);
    // The Arm targets (the call-graph reader reads Arm disassembly); the firmware of
    // each fixture is the one fixtures_on_qemu.rs runs.
    let mut exp_seen = false;
    for t in [QEMU_M4, QEMU_M0, QEMU_M33] {
        for f in fixtures() {
            let b = f.builder();
            let g = b.build().unwrap_or_else(|e| panic!("{}: {e}", f.name));
            if qemu::fits(&t, &g.compiled).is_err() {
                continue;
            }
            let what = format!("{} on {}", f.name, t.name);
            let fw = qemu::build(&t, &b).unwrap_or_else(|e| panic!("{what}: {e}"));
            check_graph(&what, &fw.elf, &mut failures);
            if t.name == QEMU_M4.name {
                exp_seen |= check_no_exp(&what, &g.code, &fw.elf, &mut failures);
            }
        }
    }
    assert!(
        exp_seen,
        "no fixture that needs exp shows an `expf` symbol: the exp check cannot fail"
    );
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}
