//! Cost on the emulated targets is counted, not timed: executed instructions per
//! part and per head set, from a QEMU TCG plugin, are the same on every run and
//! plausible against the code generator's multiply-accumulate counts, on every
//! target (soft-float targets get a looser upper bound: each f32 operation is a
//! library call).

use tinymtl::qemu::{self, QemuTarget, TARGETS};
use tinymtl_codegen::Builder;
use tinymtl_host_tests::*;

fn fixture(name: &str) -> Builder {
    let f = fixtures()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fixture {name}"));
    Builder::new(f.path(".onnx"))
}

#[test]
fn instruction_counts_are_deterministic_and_plausible() {
    for t in &TARGETS {
        deterministic_and_plausible(t);
    }
}

fn deterministic_and_plausible(t: &QemuTarget) {
    qemu::require(t, t.qemu, "the QEMU tests").unwrap_or_else(|e| panic!("{e}"));
    // Instructions per MAC beyond which a count is implausible.
    let most = if t.soft_float { 1_000 } else { 200 };
    for name in ["residual_layernorm_three_heads", "imu_conv1d_bn_dynamo"] {
        let b = fixture(name);
        let name = &format!("{name} on {}", t.name);
        let fw = qemu::build(t, &b).unwrap_or_else(|e| panic!("{name}: {e}"));
        let first = qemu::measure_firmware(&fw).unwrap_or_else(|e| panic!("{name}: {e}"));
        let second = qemu::measure_firmware(&fw).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(first, second, "{name}: two runs counted differently");
        let c = &fw.generated.compiled;
        assert_eq!(first.parts.len(), c.parts.segments.len());
        assert_eq!(first.head_sets.len(), c.program.outputs.len() + 1);
        for w in first.parts.iter().chain(&first.head_sets) {
            println!(
                "{name:<42} {:<28} {:>10} instructions {:>8} MACs",
                w.name, w.instructions, w.macs
            );
            assert!(w.instructions > 0, "{name} / {}: nothing counted", w.name);
            if w.macs > 0 {
                assert!(
                    w.instructions >= w.macs,
                    "{name} / {}: {} instructions for {} MACs",
                    w.name,
                    w.instructions,
                    w.macs
                );
                assert!(
                    w.instructions <= most * w.macs + 20_000,
                    "{name} / {}: {} instructions for {} MACs is implausibly many",
                    w.name,
                    w.instructions,
                    w.macs
                );
            }
        }
        // All heads cost more than any head alone, and at least the sum of the parts
        // minus nothing: parts are the whole inference except input/output copies.
        let all = first.head_sets.last().unwrap().instructions;
        let parts: u64 = first.parts.iter().map(|w| w.instructions).sum();
        for w in &first.head_sets[..first.head_sets.len() - 1] {
            assert!(all >= w.instructions, "{name}: all heads < {}", w.name);
        }
        assert!(
            all >= parts && all <= parts + parts / 5 + 2_000,
            "{name}: all heads {all} vs sum of parts {parts}"
        );
        assert!(first.stack_used > 0, "{name}: no stack measured");
    }
}

#[test]
fn bench_prints_a_table_of_parts_and_head_sets() {
    for t in &TARGETS {
        bench_table(t);
    }
}

fn bench_table(t: &QemuTarget) {
    let b = fixture("dense_two_softmax");
    let text = qemu::bench(t, &b).unwrap_or_else(|e| panic!("{}: {e}", t.name));
    println!("{text}");
    for needle in [
        t.machine,
        t.core,
        "instructions",
        "instr/MAC",
        "trunk",
        "head_digit_probs",
        "digit_probs alone",
        "group_probs alone",
        "all heads",
        "stack high-water mark",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
}
