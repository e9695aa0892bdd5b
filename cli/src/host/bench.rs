//! `tinymtl bench` on the host: nanoseconds per inference for each head set.

use super::{build_crate, model_files, pipe};
use crate::contract::specs;
use std::path::Path;
use tinymtl_codegen::{Builder, Error, Result};

/// `tinymtl bench` on the host: [`measure`], printed by [`bench_text`].
pub fn bench(builder: &Builder) -> Result<String> {
    Ok(bench_text(builder.model_path(), &measure(builder)?))
}

/// Nanoseconds per inference for each head set (`all heads`, then `<head> alone` for
/// each head), measured by the generated code's own harness on one sample (the first
/// of `<model>.inputs.npz` beside the model, else zeros). Timing depends on the
/// machine and its load: for comparisons on one machine only.
pub fn measure(builder: &Builder) -> Result<Vec<(String, f64)>> {
    let g = builder.build()?;
    let model = builder.model_path();
    let (in_specs, out_specs) = specs(&g.compiled);
    let sample = crate::contract::demo_sample(model, &in_specs);
    let main = tinymtl_codegen::emit::glue::host_bench();
    let bin = build_crate(main, &model_files(&[&g])).map_err(|e| e.in_file(model))?;
    let n = out_specs.len();
    let mut sets: Vec<(String, u64)> = vec![("all heads".into(), u64::MAX >> (64 - n))];
    for (h, s) in out_specs.iter().enumerate() {
        sets.push((
            format!("{} alone", tinymtl_codegen::escape::text(&s.name)),
            1 << h,
        ));
    }
    let args: Vec<String> = sets.iter().map(|(_, m)| m.to_string()).collect();
    let stdout = pipe(&bin, &args, sample, "the bench").map_err(|e| e.in_file(model))?;
    let text = String::from_utf8_lossy(&stdout);
    let ns: Vec<f64> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect();
    if ns.len() != sets.len() {
        return Err(Error::new(format!("the bench printed {text:?}")));
    }
    Ok(sets.into_iter().map(|(name, _)| name).zip(ns).collect())
}

/// `tinymtl bench`'s text for the timings [`measure`] took of `model`.
pub fn bench_text(model: &Path, ns: &[(String, f64)]) -> String {
    let mut s = format!(
        "{}: nanoseconds per inference on this host (release build, best of 7 batches; varies with the machine and its load)\n\n{:<36} {:>14}\n",
        model.display(),
        "head set",
        "ns/inference"
    );
    for (name, t) in ns {
        s += &format!("{name:<36} {t:>14.1}\n");
    }
    s
}
