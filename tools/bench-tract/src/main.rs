//! `bench-tract MODEL.onnx INPUTS.npz`: microseconds per inference of one ONNX model in
//! tract, batch 1, one thread (the tract side of `cargo xtask bench-host`).
//!
//! Every model input is fixed to the shape of the first sample of its array in the
//! npz (`[samples, ...input shape]`; the file's other shapes are left to tract to
//! infer), the model is optimized and made runnable, then
//! timed as `tinymtl bench`'s harness times the generated code: the batch size is
//! doubled until one batch takes 20 ms, and the best of 7 batches is printed as
//! `us/inference <float>`. One state is spawned and reused, so the figure is the
//! model's own cost, not a state's set-up per call. Errors: one `error:` line on
//! stderr, exit code 1.

use std::hint::black_box;
use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};
use tract_onnx::prelude::*;

/// The first sample of the array called `name` in the npz: its shape (without the
/// leading samples axis) and values.
fn first_sample(
    npz: &mut npyz::npz::NpzArchive<std::io::BufReader<std::fs::File>>,
    name: &str,
) -> Result<(Vec<usize>, Vec<f32>), String> {
    let arr = npz
        .by_name(name)
        .map_err(|e| format!("reading array `{name}`: {e}"))?
        .ok_or_else(|| format!("no array `{name}` (the model's input) in the npz"))?;
    let shape: Vec<usize> = arr.shape().iter().map(|&d| d as usize).collect();
    if shape.len() < 2 || shape[0] == 0 {
        return Err(format!(
            "array `{name}` has shape {shape:?}: want [samples, ...input shape] with at least one sample"
        ));
    }
    if arr.order() != npyz::Order::C {
        return Err(format!("array `{name}` is in Fortran order: want C order"));
    }
    let values: Vec<f32> = arr
        .into_vec()
        .map_err(|e| format!("array `{name}` is not float32: {e}"))?;
    let per: usize = shape[1..].iter().product();
    Ok((shape[1..].to_vec(), values[..per].to_vec()))
}

/// Loads, fixes the input shapes, optimizes and times the model; µs per inference.
fn bench(model: &Path, inputs: &Path) -> Result<f64, String> {
    // The file's output and intermediate shapes (value_info) may name a batch symbol
    // the fixed inputs no longer have: tract infers them from the inputs instead.
    let mut m = tract_onnx::onnx()
        .with_ignore_output_shapes(true)
        .with_ignore_value_info(true)
        .model_for_path(model)
        .map_err(|e| format!("tract cannot load the model: {e:#}"))?;
    let mut npz = npyz::npz::NpzArchive::open(inputs)
        .map_err(|e| format!("{}: cannot open: {e}", inputs.display()))?;
    let names: Vec<String> = m
        .input_outlets()
        .map_err(|e| format!("{e:#}"))?
        .iter()
        .map(|o| m.node(o.node).name.clone())
        .collect();
    let mut values = TVec::new();
    for (i, name) in names.iter().enumerate() {
        let (shape, data) = first_sample(&mut npz, name)?;
        m = m
            .with_input_fact(i, f32::fact(&shape).into())
            .map_err(|e| format!("input `{name}` as {shape:?}: {e:#}"))?;
        let t = Tensor::from_shape(&shape, &data).map_err(|e| format!("{e:#}"))?;
        values.push(TValue::from(t));
    }
    let plan = m
        .into_optimized()
        .map_err(|e| format!("tract cannot optimize the model: {e:#}"))?
        .into_runnable()
        .map_err(|e| format!("tract cannot plan the model: {e:#}"))?;
    let mut state = plan.spawn().map_err(|e| format!("{e:#}"))?;
    let mut run = |n: u64| -> Result<Duration, String> {
        let t = Instant::now();
        for _ in 0..n {
            let out = state
                .run(black_box(values.clone()))
                .map_err(|e| format!("tract cannot run the model: {e:#}"))?;
            black_box(out);
        }
        Ok(t.elapsed())
    };
    let mut n = 1u64;
    while run(n)? < Duration::from_millis(20) && n < 1 << 30 {
        n *= 2;
    }
    let mut best = f64::MAX;
    for _ in 0..7 {
        best = best.min(run(n)?.as_secs_f64() * 1e6 / n as f64);
    }
    Ok(best)
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [model, inputs] = args.as_slice() else {
        eprintln!("usage: bench-tract MODEL.onnx INPUTS.npz");
        return ExitCode::from(2);
    };
    match bench(Path::new(model), Path::new(inputs)) {
        Ok(us) => {
            println!("us/inference {us:.3}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            // One line, whatever the error chain held.
            eprintln!("error: {model}: {}", e.replace('\n', " "));
            ExitCode::FAILURE
        }
    }
}
