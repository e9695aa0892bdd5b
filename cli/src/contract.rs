//! The `run --inputs IN --output OUT [--heads ...]` contract, the same on every
//! target: the model's input and output specs, the heads selected by name, the
//! samples read and checked against the model, the outputs written. Nothing is written
//! on any error.

use crate::npz::{Samples, Spec};
use std::path::Path;
use tinymtl_codegen::passes::Compiled;
use tinymtl_codegen::{Builder, Error, Generated, Result};

/// Input and output specs of a compiled model, in graph order.
pub fn specs(c: &Compiled) -> (Vec<Spec>, Vec<Spec>) {
    let p = &c.program;
    let spec = |&v: &usize| Spec {
        name: p.values[v].name.clone(),
        shape: p.values[v].shape.clone(),
    };
    (
        p.inputs.iter().map(spec).collect(),
        p.outputs.iter().map(spec).collect(),
    )
}

/// The head names given on the command line (`--heads a,b`), cleaned: each trimmed
/// of surrounding whitespace, repeats dropped (first occurrence kept, in order). An
/// empty name (`a,,b`, `""`) is refused, blamed on `model`. No names means all heads.
pub fn head_names(heads: &[String], model: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = Vec::with_capacity(heads.len());
    for h in heads {
        let h = h.trim();
        if h.is_empty() {
            return Err(Error::new(format!(
                "empty head name in --heads '{}' (expected ONNX output names separated by commas)",
                heads.join(",")
            ))
            .in_file(model));
        }
        if !names.iter().any(|n| n == h) {
            names.push(h.to_string());
        }
    }
    Ok(names)
}

/// Indices of the heads named in `heads` (ONNX output names, cleaned by
/// [`head_names`]; all when empty), or an error naming the unknown one and the
/// model's heads.
pub fn select_heads(
    out_specs: &[Spec],
    heads: &[String],
    model: &std::path::Path,
) -> Result<Vec<usize>> {
    let heads = head_names(heads, model)?;
    if heads.is_empty() {
        return Ok((0..out_specs.len()).collect());
    }
    heads
        .iter()
        .map(|h| {
            out_specs.iter().position(|s| &s.name == h).ok_or_else(|| {
                let known: Vec<&str> = out_specs.iter().map(|s| s.name.as_str()).collect();
                Error::new(format!(
                    "unknown head '{h}' (the model's heads are: {})",
                    known.join(", ")
                ))
                .in_file(model)
            })
        })
        .collect()
}

/// The `run --inputs IN --output OUT [--heads ...]` contract, on any target: generates
/// the code, selects the heads (ONNX output names; all when empty), reads and checks
/// the inputs against the model, has `run` compute the selected heads (in order) for
/// every sample, and writes them. Nothing is written on any error.
pub fn run(
    builder: &Builder,
    inputs: &Path,
    output: &Path,
    heads: &[String],
    run: impl FnOnce(Generated, &Samples, &[usize]) -> Result<(Vec<Vec<f32>>, Generated)>,
) -> Result<Generated> {
    let model = builder.model_path();
    // Malformed head names are refused before any work.
    let heads = head_names(heads, model)?;
    let g = builder.build()?;
    let (in_specs, out_specs) = specs(&g.compiled);
    let selected = select_heads(&out_specs, &heads, model)?;
    let samples = crate::npz::read(inputs, &in_specs)?;
    let (outs, g) = run(g, &samples, &selected).map_err(|e| e.in_file(model))?;
    let specs: Vec<Spec> = selected.iter().map(|&h| out_specs[h].clone()).collect();
    crate::npz::write(
        output,
        &specs,
        &Samples {
            n: samples.n,
            data: outs,
        },
    )?;
    Ok(g)
}

/// One sample for the firmware's demo and bench modes, as raw little-endian f32:
/// the first sample of `<model stem>.inputs.npz` beside the model when it exists and
/// matches, zeros otherwise.
pub fn demo_sample(model: &Path, inputs: &[Spec]) -> Vec<u8> {
    let npz = model.with_extension("inputs.npz");
    let mut out = Vec::new();
    match crate::npz::read(&npz, inputs) {
        Ok(s) => {
            for (k, spec) in inputs.iter().enumerate() {
                let n = spec.shape.iter().product::<usize>();
                for x in &s.data[k][..n] {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
        }
        Err(_) => {
            let n: usize = inputs
                .iter()
                .map(|s| s.shape.iter().product::<usize>())
                .sum();
            out.resize(n * 4, 0);
        }
    }
    out
}
