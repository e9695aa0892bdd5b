//! `tinymtl bench --steps`: the per-step profile on qemu-m4. One row per kernel step
//! of the program, in execution order; every step with multiply-accumulates counts at
//! least one instruction per MAC; the steps add up to the ordinary firmware's whole
//! run within the code outside the steps (and the markers' effect on the code around
//! them); two runs count the same.

use tinymtl::qemu::{self, QEMU_M4};
use tinymtl_host_tests::fixture_named;

#[test]
fn step_profile_covers_every_step_and_adds_up_to_the_whole_run() {
    let t = &QEMU_M4;
    qemu::require(t, t.qemu, "the QEMU tests").unwrap_or_else(|e| panic!("{e}"));
    for name in ["imu_conv1d_bn_dynamo", "gru_three_heads_torchscript"] {
        let b = fixture_named(name).builder();
        let fw = qemu::build_profiled(t, &b).unwrap_or_else(|e| panic!("{name}: {e}"));
        let first = qemu::profile_firmware(&fw).unwrap_or_else(|e| panic!("{name}: {e}"));
        let second = qemu::profile_firmware(&fw).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(first, second, "{name}: two runs counted differently");
        let p = &fw.generated.compiled.program;
        let mut seen: Vec<usize> = first.steps.iter().map(|s| s.step).collect();
        seen.sort_unstable();
        assert_eq!(
            seen,
            (0..p.steps.len()).collect::<Vec<_>>(),
            "{name}: one row per step"
        );
        for s in &first.steps {
            println!(
                "{name:<30} step {:>3} {:<16} {:>8} MACs {:>9} instructions {:>9?} cycles",
                s.step, s.kernel, s.macs, s.instructions, s.cycles
            );
            assert_eq!(s.kernel, p.steps[s.step].kernel.label(), "{name}");
            assert!(
                s.instructions > 0,
                "{name} step {}: nothing counted",
                s.step
            );
            assert!(
                s.instructions >= s.macs,
                "{name} step {}: {} instructions for {} MACs",
                s.step,
                s.instructions,
                s.macs
            );
            // Every instruction takes at least one cycle in the model.
            let cycles = s
                .cycles
                .unwrap_or_else(|| panic!("{name}: no cycle estimate"));
            assert!(cycles >= s.instructions, "{name} step {}", s.step);
        }
        let m = qemu::measure(t, &b).unwrap_or_else(|e| panic!("{name}: {e}"));
        let whole = m.head_sets.last().unwrap().instructions;
        let sum = first.instructions();
        // Outside the steps: Model::run's own code and output copies; the markers'
        // calls make the code around them differ by a few instructions per step.
        let bound = 200 + 10 * first.steps.len() as u64;
        println!(
            "{name}: steps {sum}, whole run {whole}, marker {}",
            first.marker
        );
        assert!(
            sum.abs_diff(whole) <= bound,
            "{name}: steps sum to {sum}, the whole run is {whole} (bound {bound})"
        );
        assert!(
            first.marker > 0 && first.marker < 40,
            "{name}: marker {}",
            first.marker
        );
    }
}

#[test]
fn bench_steps_prints_the_step_table() {
    let b = fixture_named("dense_two_softmax").builder();
    let r = qemu::bench_steps(&QEMU_M4, &b).unwrap_or_else(|e| panic!("{e}"));
    let text = &r.text;
    println!("{text}");
    for needle in [
        "per kernel step",
        "kernel",
        "instr/MAC",
        "share",
        "est. cycles*",
        "dense",
        "Gemm `",
        "total (steps)",
        "whole run (all heads, ordinary firmware)",
        "an estimate, not a measurement",
    ] {
        assert!(text.contains(needle), "missing `{needle}` in:\n{text}");
    }
    // The HTML page: one profile row per step, after the static report.
    let html = &r.html;
    assert!(html.contains("<section id=\"profile\">"), "{html}");
    assert!(html.find("id=\"steps\"") < html.find("id=\"profile\""));
    let profile = &html[html.find("id=\"profile\"").unwrap()..];
    let rows = profile.matches("<tr><td class=\"n\">").count();
    assert_eq!(rows, 5, "{profile}");
    assert!(
        profile.contains("Gemm <code>node_linear</code>"),
        "{profile}"
    );
}
