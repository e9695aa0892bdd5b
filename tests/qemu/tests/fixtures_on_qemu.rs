//! Every fixture model that fits, on every emulated target (or those its manifest
//! entry's `qemu_targets` names), through `tinymtl run
//! --target qemu-m4|qemu-m0|qemu-m33|qemu-rv32` (generated code compiled for the
//! target's Rust target, run on its QEMU machine): the outputs equal the host run's
//! within 1e-5·(1+|host|) and meet the numerics contract against the onnxruntime
//! references. One test per target.
//!
//! Never skipped: without QEMU (or the Rust target) the test fails and says what to
//! install. One firmware build per model and target; all share one target folder.

use tinymtl::qemu::{QemuTarget, QEMU_M0, QEMU_M33, QEMU_M4, QEMU_RV32, TARGETS};
use tinymtl::{host, qemu};
use tinymtl_codegen::Builder;
use tinymtl_host_tests::*;

/// QEMU against the host: `|qemu - host| <= 1e-5 * (1 + |host|)`.
const VS_HOST: Close = Close {
    abs: 1e-5,
    rel: 1e-5,
};

fn require_tools(t: &QemuTarget) {
    for prog in [t.qemu, "timeout"] {
        qemu::require(t, prog, "the QEMU tests").unwrap_or_else(|e| panic!("{e}"));
    }
}

#[test]
fn qemu_m4_every_fitting_fixture_matches_the_host_and_the_contract() {
    every_fitting_fixture(&QEMU_M4);
}

#[test]
fn qemu_m0_every_fitting_fixture_matches_the_host_and_the_contract() {
    every_fitting_fixture(&QEMU_M0);
}

#[test]
fn qemu_m33_every_fitting_fixture_matches_the_host_and_the_contract() {
    every_fitting_fixture(&QEMU_M33);
}

#[test]
fn qemu_rv32_every_fitting_fixture_matches_the_host_and_the_contract() {
    every_fitting_fixture(&QEMU_RV32);
}

fn every_fitting_fixture(t: &QemuTarget) {
    require_tools(t);
    for f in fixtures() {
        for name in f.qemu_targets.iter().flatten() {
            assert!(
                TARGETS.iter().any(|k| k.name == name),
                "{}: manifest qemu_targets names no emulated target: {name}",
                f.name
            );
        }
    }
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let mut ran = 0;
    for f in fixtures() {
        if !f.runs_on(t.name) {
            println!(
                "{:<34} not run on {}: manifest qemu_targets",
                f.name, t.name
            );
            continue;
        }
        let b = f.builder();
        let g = b.build().unwrap_or_else(|e| panic!("{}: {e}", f.name));
        if let Err(why) = qemu::fits(t, &g.compiled) {
            println!("{:<34} does not fit {}: {why}", f.name, t.name);
            continue;
        }
        let host = dir.path().join(format!("{}.host.npz", f.name));
        let board = dir.path().join(format!("{}.qemu.npz", f.name));
        if let Err(e) = host::run_files(&b, &f.path(".inputs.npz"), &host, &[]) {
            failures.push(format!("{} (host): {e}", f.name));
            continue;
        }
        if let Err(e) = qemu::run_files(t, &b, &f.path(".inputs.npz"), &board, &[]) {
            failures.push(format!("{} ({}): {e}", f.name, t.name));
            continue;
        }
        ran += 1;
        let specs = f.output_specs();
        let got = read_outputs(&board, &specs);
        let want = read_outputs(&host, &specs);
        let r16 = read_outputs(&f.path(".ref_f16.npz"), &specs);
        let r32 = read_outputs(&f.path(".ref_f32.npz"), &specs);
        for (i, (spec, _)) in f.outputs.iter().enumerate() {
            let wh = compare(&got.data[i], &want.data[i], VS_HOST);
            let (w16, w32, bad) = check_contract(&f, i, &got.data[i], &r16.data[i], &r32.data[i]);
            let identical = got.data[i]
                .iter()
                .zip(&want.data[i])
                .all(|(a, b)| a.to_bits() == b.to_bits());
            println!(
                "{:<9} {:<34} {:<16} vs host {:>7.3} of tol{}   vs f16-ref {:>7.3}   vs f32-ref {:>7.3}",
                t.name,
                f.name,
                spec.name,
                wh.ratio,
                if identical { " (bit-identical)" } else { "" },
                w16.ratio,
                w32.ratio
            );
            if wh.ratio > 1.0 {
                failures.push(format!(
                    "{} / {} on {}: vs host {wh:?}",
                    f.name, spec.name, t.name
                ));
            }
            failures.extend(bad);
        }
    }
    assert!(ran >= 10, "only {ran} fixtures ran on {}", t.name);
    assert!(
        failures.is_empty(),
        "{}: {} failure(s):\n{}",
        t.name,
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn selected_heads_and_errors_behave_as_on_the_host() {
    for t in &TARGETS {
        selected_heads_and_errors(t);
    }
}

fn selected_heads_and_errors(t: &QemuTarget) {
    require_tools(t);
    let f = fixtures()
        .into_iter()
        .find(|f| f.name == "residual_layernorm_three_heads")
        .expect("fixture");
    let dir = tempfile::tempdir().unwrap();
    let b = Builder::new(f.path(".onnx"));
    let inputs = f.path(".inputs.npz");
    // Two heads, asked in reverse order: the file holds exactly those.
    let (h2, h0) = (f.outputs[2].0.clone(), f.outputs[0].0.clone());
    let sel = dir.path().join("sel.npz");
    qemu::run_files(t, &b, &inputs, &sel, &[h2.name.clone(), h0.name.clone()])
        .unwrap_or_else(|e| panic!("{}: {e}", t.name));
    let host = dir.path().join("host.npz");
    host::run_files(&b, &inputs, &host, &[h2.name.clone(), h0.name.clone()]).unwrap();
    let specs = [h2.clone(), h0.clone()];
    let (q, h) = (read_outputs(&sel, &specs), read_outputs(&host, &specs));
    for (i, spec) in specs.iter().enumerate() {
        let w = compare(&q.data[i], &h.data[i], VS_HOST);
        assert!(w.ratio <= 1.0, "{} on {}: {w:?}", spec.name, t.name);
    }
    assert!(tinymtl::npz::read(&sel, &f.output_specs()).is_err());

    // The host run's refusals, word for word, and no output file.
    let out = dir.path().join("never.npz");
    for (heads, npz) in [
        (vec!["no_such_head".to_string()], inputs.clone()),
        (vec![], f.path(".ref_f32.npz")),
    ] {
        let hq = qemu::run_files(t, &b, &npz, &out, &heads).unwrap_err();
        let hh = host::run_files(&b, &npz, &out, &heads).unwrap_err();
        assert_eq!(hq.to_string(), hh.to_string());
        assert!(!out.exists());
    }
}
