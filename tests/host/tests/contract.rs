//! The numerics contract on every fixture model, through `tinymtl run` (generated code
//! compiled for the host, not an interpreter):
//! - within 1e-3 + 1e-3·|ref| of onnxruntime on the model with f16-rounded weights;
//! - within 2e-2 + 2e-2·|ref| of onnxruntime on the original f32 model, and the same
//!   argmax on classification heads wherever the reference's top two differ by > 1e-3.

use tinymtl::host;
use tinymtl_codegen::Builder;
use tinymtl_host_tests::*;

#[test]
fn every_fixture_meets_the_numerics_contract() {
    let dir = tempfile::tempdir().unwrap();
    let mut failures = Vec::new();
    let fixtures = fixtures();
    assert!(
        fixtures.len() >= 12,
        "expected a dozen fixtures, found {}",
        fixtures.len()
    );
    for f in &fixtures {
        let out = dir.path().join(format!("{}.out.npz", f.name));
        if let Err(e) = host::run_files(&f.builder(), &f.path(".inputs.npz"), &out, &[]) {
            failures.push(format!("{}: {e}", f.name));
            continue;
        }
        let specs = f.output_specs();
        let got = read_outputs(&out, &specs);
        let r16 = read_outputs(&f.path(".ref_f16.npz"), &specs);
        let r32 = read_outputs(&f.path(".ref_f32.npz"), &specs);
        for (i, (spec, _)) in f.outputs.iter().enumerate() {
            let (w16, w32, bad) = check_contract(f, i, &got.data[i], &r16.data[i], &r32.data[i]);
            println!("{:<34} {:<16} vs f16-ref {:>8.1e} of tol (at {}: {} vs {})   vs f32-ref {:>8.1e} of tol", f.name, spec.name, w16.ratio, w16.index, w16.got, w16.want, w32.ratio);
            failures.extend(bad);
        }
    }
    assert!(
        failures.is_empty(),
        "{} failure(s):\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn selected_heads_only_and_identical_to_the_full_run() {
    let f = fixtures()
        .into_iter()
        .find(|f| f.name == "residual_layernorm_three_heads")
        .expect("fixture");
    let dir = tempfile::tempdir().unwrap();
    let (all, one) = (dir.path().join("all.npz"), dir.path().join("one.npz"));
    let b = Builder::new(f.path(".onnx"));
    host::run_files(&b, &f.path(".inputs.npz"), &all, &[]).unwrap();
    let head = f.outputs[1].0.clone();
    host::run_files(
        &b,
        &f.path(".inputs.npz"),
        &one,
        std::slice::from_ref(&head.name),
    )
    .unwrap();
    let full = read_outputs(&all, &f.output_specs());
    let only = read_outputs(&one, std::slice::from_ref(&head));
    assert_eq!(only.data[0], full.data[1]);
    // The file holds exactly the selected head: reading it as all heads fails.
    assert!(tinymtl::npz::read(&one, &f.output_specs()).is_err());
}
