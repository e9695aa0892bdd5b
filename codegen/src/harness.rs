//! Running generated code on the host: `tinymtl run` writes the generated module
//! into a tiny binary crate next to the runtime, builds it in release mode and
//! streams samples through it. The numbers come from the generated code itself,
//! never from an interpreter.
//!
//! The crate lives in a cache folder (`$TINYMTL_CACHE`, default
//! `<tmp>/tinymtl-cache`) with one shared target folder, so the runtime is compiled
//! once. The runtime is the one this tool was built with (`$TINYMTL_RUNTIME`
//! overrides its path) and the workspace's `Cargo.lock` pins its dependencies.

use crate::npz::{Samples, Spec};
use crate::passes::Compiled;
use crate::{Error, Result};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// Path of the runtime crate the generated code is built against.
pub fn runtime_path() -> PathBuf {
    std::env::var_os("TINYMTL_RUNTIME")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(concat!(env!("CARGO_MANIFEST_DIR"), "/../runtime")))
}

/// Writes `bytes` to `path` unless it already holds exactly them (so cargo does not
/// rebuild an unchanged crate), through a temporary file in the same folder renamed
/// into place: tests and users running `tinymtl run` on one model at once share the
/// crate folder, and a reader sees the old file or the new one, never half of one.
pub(crate) fn put_file(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    if std::fs::read(path).ok().as_deref() == Some(bytes) {
        return Ok(());
    }
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    crate::builder::write_atomic_io(path, |f| f.write_all(bytes))
}

/// Cache folder for harness crates and their target folder: `$TINYMTL_CACHE` (a
/// relative path is taken from the current folder; empty counts as unset), else
/// `<tmp>/tinymtl-cache`. Always absolute, as cargo runs in the crates inside it.
pub fn cache_dir() -> PathBuf {
    let dir = std::env::var_os("TINYMTL_CACHE")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| std::env::temp_dir().join("tinymtl-cache"));
    std::path::absolute(&dir).unwrap_or(dir)
}

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

/// The harness's `main.rs`: reads samples as little-endian f32 on stdin, runs
/// `Model::run` with the heads given as arguments (indices), writes their outputs.
pub fn main_rs(c: &Compiled) -> String {
    let mut s = String::from("// @generated harness for `tinymtl run`.\n#![allow(clippy::all)]\n");
    s += &runner_rs(c, "model.rs");
    s += "\nfn main() {\n    run_heads(std::env::args().skip(1).map(|a| a.parse().expect(\"head index\")).collect());\n}\n";
    s
}

/// `run_heads(heads)`: the model (`include!`d from `model_file`, as build.rs users
/// include it) run on the samples read from stdin, the heads' outputs written to stdout.
fn runner_rs(c: &Compiled, model_file: &str) -> String {
    let names = crate::emit::names(c);
    let p = &c.program;
    let mut s = format!(
        "mod model {{\n    include!({model_file:?});\n}}\nuse std::io::{{Read, Write}};\n\n"
    );
    s += "pub fn run_heads(heads: Vec<usize>) {\n";
    s += "    let sel = heads.iter().fold(model::Heads::NONE, |s, &h| s | model::Heads::nth(h));\n";
    s += "    let mut bytes = Vec::new();\n    std::io::stdin().read_to_end(&mut bytes).expect(\"stdin\");\n";
    s += "    let floats: Vec<f32> = bytes.chunks_exact(4).map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]])).collect();\n";
    let lens: Vec<usize> = p.inputs.iter().map(|&v| p.values[v].numel()).collect();
    s += &format!(
        "    let per_sample = {};\n",
        lens.iter().sum::<usize>().max(1)
    );
    s += "    let mut m = Box::new(model::Model::new());\n    let mut out = std::io::BufWriter::new(std::io::stdout().lock());\n";
    s += "    for sample in floats.chunks_exact(per_sample) {\n        let mut at = 0;\n";
    for (k, &v) in p.inputs.iter().enumerate() {
        let shape = &p.values[v].shape;
        let zeros = shape
            .iter()
            .rev()
            .fold("0.0f32".to_string(), |acc, d| format!("[{acc}; {d}]"));
        let flat = flatten_text(&format!("x{k}"), shape.len(), true);
        s += &format!(
            "        let mut x{k}: model::Input{} = {zeros};\n",
            crate::emit::names::camel(&names.inputs[k])
        );
        if shape.is_empty() {
            s += &format!("        x{k} = sample[at];\n");
        } else {
            s += &format!(
                "        {flat}.copy_from_slice(&sample[at..at + {}]);\n",
                lens[k]
            );
        }
        s += &format!("        at += {};\n", lens[k]);
    }
    s += "        let _ = at;\n";
    let fields: Vec<String> = names
        .inputs
        .iter()
        .enumerate()
        .map(|(k, n)| format!("{n}: &x{k}"))
        .collect();
    s += &format!(
        "        let o = m.run(&model::Inputs {{ {} }}, sel);\n",
        fields.join(", ")
    );
    s += "        for &h in &heads {\n            let v: Vec<f32> = match h {\n";
    for (h, &v) in p.outputs.iter().enumerate() {
        let rank = p.values[v].shape.len();
        let field = &names.heads[h];
        let expr = if rank == 0 {
            format!("vec![o.{field}.expect(\"selected\")]")
        } else {
            format!(
                "{}.to_vec()",
                flatten_text(
                    &format!("o.{field}.as_ref().expect(\"selected\")"),
                    rank,
                    false
                )
            )
        };
        s += &format!("                {h} => {expr},\n");
    }
    s += "                _ => panic!(\"no head {h}\"),\n            };\n";
    s += "            for x in v {\n                out.write_all(&x.to_le_bytes()).expect(\"stdout\");\n            }\n        }\n    }\n}\n";
    s
}

fn flatten_text(x: &str, rank: usize, mutable: bool) -> String {
    let f = if mutable {
        ".as_flattened_mut()"
    } else {
        ".as_flattened()"
    };
    let mut s = x.to_string();
    if rank == 1 && mutable {
        return s;
    }
    for _ in 1..rank.max(1) {
        s += f;
    }
    if rank == 1 {
        s = format!("{s}[..]");
    }
    s
}

/// Builds the harness for `g` (the generated module) and returns the binary's path.
pub fn build(g: &crate::Generated) -> Result<PathBuf> {
    let files = g.files("model.rs");
    build_crate(main_rs(&g.compiled), &files)
}

/// Builds one harness for many models at once (one crate, one compiler run: much
/// faster than a harness each, for test suites of many small models). The binary takes
/// the model's index in `models` as its first argument, then the head indices, like
/// [`build`]'s; [`run_many`] drives it. If the generated code of some models does not
/// compile, the error lists them as `src/m<index>.rs`.
pub fn build_many(models: &[&crate::Generated]) -> Result<PathBuf> {
    let mut main = String::from("// @generated multi-model harness.\n#![allow(clippy::all)]\n");
    let mut extra: Vec<(String, Vec<u8>)> = Vec::new();
    for (i, g) in models.iter().enumerate() {
        main += &format!("mod m{i};\n");
        let mut runner = String::from("#![allow(clippy::all, dead_code)]\n");
        // Each model's files in a folder of their own: weight blobs keep their names.
        runner += &runner_rs(&g.compiled, &format!("m{i}/model.rs"));
        extra.push((format!("m{i}.rs"), runner.into_bytes()));
        for (name, bytes) in g.files("model.rs") {
            extra.push((format!("m{i}/{name}"), bytes.to_vec()));
        }
    }
    main += "\nfn main() {\n    let mut args = std::env::args().skip(1).map(|a| a.parse::<usize>().expect(\"index\"));\n    let model = args.next().expect(\"model index\");\n    let heads: Vec<usize> = args.collect();\n    match model {\n";
    for i in 0..models.len() {
        main += &format!("        {i} => m{i}::run_heads(heads),\n");
    }
    main += "        _ => panic!(\"no model {model}\"),\n    }\n}\n";
    let extra: Vec<(&str, &[u8])> = extra
        .iter()
        .map(|(n, t)| (n.as_str(), t.as_slice()))
        .collect();
    build_crate(main, &extra)
}

/// [`run`] for model `index` of a [`build_many`] harness.
pub fn run_many(
    c: &Compiled,
    bin: &PathBuf,
    index: usize,
    samples: &Samples,
    heads: &[usize],
) -> Result<Vec<Vec<f32>>> {
    run_with(c, bin, Some(index), samples, heads)
}

/// Builds a harness crate with `main` as `src/main.rs` and `files` (paths relative to
/// `src/`, e.g. the generated module as `model.rs`) beside it; returns the binary's path.
fn build_crate(main: String, files: &[(&str, &[u8])]) -> Result<PathBuf> {
    use sha2::{Digest, Sha256};
    let runtime = runtime_path();
    let runtime = runtime.canonicalize().map_err(|e| {
        Error::new(format!(
            "runtime crate not found at {} ({e}); set TINYMTL_RUNTIME",
            runtime.display()
        ))
    })?;
    let mut hasher = Sha256::new();
    hasher.update(format!("{main}\0{}\0", runtime.display()));
    for (name, bytes) in files {
        hasher.update(format!("{name}\0{}\0", bytes.len()));
        hasher.update(bytes);
    }
    let hash: String = hasher
        .finalize()
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect();
    let cache = cache_dir();
    let dir = cache.join(format!("harness-{hash}"));
    let io = |e: std::io::Error| {
        Error::new(format!(
            "cannot prepare the harness in {}: {e}",
            dir.display()
        ))
    };
    std::fs::create_dir_all(dir.join("src")).map_err(io)?;
    // A distinct package per harness: they share one target folder.
    let package = format!("tinymtl-harness-{hash}");
    let manifest = format!(
        "[package]\nname = \"{package}\"\nversion = \"0.0.0\"\nedition = \"2021\"\npublish = false\n\n[dependencies]\ntinymtl-runtime = {{ path = {:?} }}\n\n[profile.release]\ndebug = false\n\n[workspace]\n",
        runtime.display().to_string()
    );
    put_file(&dir.join("Cargo.toml"), manifest.as_bytes()).map_err(io)?;
    put_file(&dir.join("src/main.rs"), main.as_bytes()).map_err(io)?;
    for (name, bytes) in files {
        put_file(&dir.join("src").join(name), bytes).map_err(io)?;
    }
    let lock = runtime.join("../Cargo.lock");
    if lock.exists() && !dir.join("Cargo.lock").exists() {
        put_file(&dir.join("Cargo.lock"), &std::fs::read(&lock).map_err(io)?).map_err(io)?;
    }
    let target = cache.join("target");
    cargo_build(&dir, &target, "the generated code did not compile")?;
    Ok(target
        .join("release")
        .join(format!("{package}{}", std::env::consts::EXE_SUFFIX)))
}

/// `cargo build --release --quiet` of the crate in `dir` (so its own
/// `.cargo/config.toml` applies) into the target folder `target`. The caller's build
/// flags and target do not leak in. On failure the error says `what` and carries
/// cargo's output.
pub(crate) fn cargo_build(dir: &Path, target: &Path, what: &str) -> Result<()> {
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = Command::new(&cargo)
        .args(["build", "--release", "--quiet"])
        .current_dir(dir)
        .env("CARGO_TARGET_DIR", target)
        .env_remove("RUSTFLAGS")
        .env_remove("CARGO_ENCODED_RUSTFLAGS")
        .env_remove("CARGO_BUILD_TARGET")
        .output()
        .map_err(|e| {
            Error::new(format!(
                "cannot run cargo ({}): {e}",
                cargo.to_string_lossy()
            ))
        })?;
    if out.status.success() {
        Ok(())
    } else {
        Err(Error::new(format!(
            "{what} (crate in {}):\n{}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        )))
    }
}

/// Runs `samples` through the harness binary, computing `heads` (indices); returns one
/// `n * numel` vector per head.
pub fn run(
    c: &Compiled,
    bin: &PathBuf,
    samples: &Samples,
    heads: &[usize],
) -> Result<Vec<Vec<f32>>> {
    run_with(c, bin, None, samples, heads)
}

fn run_with(
    c: &Compiled,
    bin: &PathBuf,
    model: Option<usize>,
    samples: &Samples,
    heads: &[usize],
) -> Result<Vec<Vec<f32>>> {
    let p = &c.program;
    let mut input = Vec::new();
    let lens: Vec<usize> = p.inputs.iter().map(|&v| p.values[v].numel()).collect();
    for i in 0..samples.n {
        for (k, len) in lens.iter().enumerate() {
            for x in &samples.data[k][i * len..(i + 1) * len] {
                input.extend_from_slice(&x.to_le_bytes());
            }
        }
    }
    let mut child = Command::new(bin)
        .args(model.iter().chain(heads).map(|h| h.to_string()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::new(format!("cannot start the harness {}: {e}", bin.display())))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .map_err(|e| Error::new(format!("harness failed: {e}")))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(Error::new(format!(
            "the generated code failed at run time:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    let floats: Vec<f32> = out
        .stdout
        .chunks_exact(4)
        .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect();
    let out_lens: Vec<usize> = heads
        .iter()
        .map(|&h| p.values[p.outputs[h]].numel())
        .collect();
    let per = out_lens.iter().sum::<usize>();
    if floats.len() != per * samples.n {
        return Err(Error::new(format!(
            "the harness wrote {} values, expected {}",
            floats.len(),
            per * samples.n
        )));
    }
    let mut res: Vec<Vec<f32>> = out_lens
        .iter()
        .map(|l| Vec::with_capacity(l * samples.n))
        .collect();
    for s in floats.chunks_exact(per.max(1)) {
        let mut at = 0;
        for (j, l) in out_lens.iter().enumerate() {
            res[j].extend_from_slice(&s[at..at + l]);
            at += l;
        }
    }
    Ok(res)
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

/// `tinymtl run`: compiles `builder`'s model for the host, runs every sample of the
/// `inputs` npz through the generated code and writes the selected heads (ONNX output
/// names; all when empty) to `output`. Nothing is written on any error.
pub fn run_files(
    builder: &crate::Builder,
    inputs: &std::path::Path,
    output: &std::path::Path,
    heads: &[String],
) -> Result<crate::Generated> {
    run_npz(builder, inputs, output, heads, |g, samples, selected| {
        let bin = build(&g)?;
        let outs = run(&g.compiled, &bin, samples, selected)?;
        Ok((outs, g))
    })
}

/// The `run --inputs IN --output OUT [--heads ...]` contract, on any target: generates
/// the code, selects the heads (ONNX output names; all when empty), reads and checks
/// the inputs against the model, has `run` compute the selected heads (in order) for
/// every sample, and writes them. Nothing is written on any error.
pub(crate) fn run_npz(
    builder: &crate::Builder,
    inputs: &Path,
    output: &Path,
    heads: &[String],
    run: impl FnOnce(crate::Generated, &Samples, &[usize]) -> Result<(Vec<Vec<f32>>, crate::Generated)>,
) -> Result<crate::Generated> {
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

/// The bench binary's `main.rs`: one sample on stdin (raw little-endian f32, inputs
/// in order); for each head-set bit mask given as argument, times `Model::run` (batches
/// long enough for the clock, best of 7) and prints `mask nanoseconds-per-inference`.
fn bench_main_rs() -> String {
    String::from(
        r#"// @generated bench harness for `tinymtl bench`.
#![allow(clippy::all, dead_code)]
mod model {
    include!("model.rs");
}
mod glue {
    use super::model;
    include!("glue.rs");
}
use std::hint::black_box;
use std::io::Read;
use std::time::Instant;

fn main() {
    let masks: Vec<u64> = std::env::args().skip(1).map(|a| a.parse().expect("mask")).collect();
    let mut bytes = Vec::new();
    std::io::stdin().read_to_end(&mut bytes).expect("stdin");
    let mut x = Box::new(glue::IN_ZERO);
    let mut at = 0;
    for k in 0..glue::N_INPUTS {
        for v in glue::slot(&mut x, k).iter_mut() {
            *v = f32::from_le_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
            at += 4;
        }
    }
    let mut m = Box::new(model::Model::new());
    for mask in masks {
        let mut sel = model::Heads::NONE;
        for h in 0..model::HEADS {
            if mask >> h & 1 == 1 {
                sel = sel | model::Heads::nth(h);
            }
        }
        let mut n = 1u64;
        loop {
            let t = Instant::now();
            for _ in 0..n {
                black_box(m.run(&glue::inputs(black_box(&x)), black_box(sel)));
            }
            if t.elapsed().as_millis() >= 20 || n >= 1 << 30 {
                break;
            }
            n *= 2;
        }
        let mut best = f64::MAX;
        for _ in 0..7 {
            let t = Instant::now();
            for _ in 0..n {
                black_box(m.run(&glue::inputs(black_box(&x)), black_box(sel)));
            }
            best = best.min(t.elapsed().as_nanos() as f64 / n as f64);
        }
        println!("{mask} {best:.1}");
    }
}
"#,
    )
}

/// `tinymtl bench` on the host: nanoseconds per inference for each head set
/// (all heads, each head alone), measured by the generated code's own harness on one
/// sample (the first of `<model>.inputs.npz` beside the model, else zeros). Timing
/// depends on the machine and its load: for comparisons on one machine only.
pub fn bench(builder: &crate::Builder) -> Result<String> {
    let g = builder.build()?;
    let model = builder.model_path();
    let (in_specs, out_specs) = specs(&g.compiled);
    let sample = crate::qemu::demo_sample(model, &in_specs);
    let glue = crate::qemu::firmware_glue(&g.compiled);
    let mut files = g.files("model.rs");
    files.push(("glue.rs", glue.as_bytes()));
    let bin = build_crate(bench_main_rs(), &files).map_err(|e| e.in_file(model))?;
    let n = out_specs.len();
    let mut sets: Vec<(String, u64)> = vec![("all heads".into(), u64::MAX >> (64 - n))];
    for (h, s) in out_specs.iter().enumerate() {
        sets.push((format!("{} alone", crate::escape::text(&s.name)), 1 << h));
    }
    let mut child = Command::new(&bin)
        .args(sets.iter().map(|(_, m)| m.to_string()))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::new(format!("cannot start the bench {}: {e}", bin.display())))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&sample));
    let out = child
        .wait_with_output()
        .map_err(|e| Error::new(format!("bench failed: {e}")))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(Error::new(format!(
            "the bench failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        ))
        .in_file(model));
    }
    let text = String::from_utf8_lossy(&out.stdout);
    let ns: Vec<f64> = text
        .lines()
        .filter_map(|l| l.split_whitespace().nth(1)?.parse().ok())
        .collect();
    if ns.len() != sets.len() {
        return Err(Error::new(format!("the bench printed {text:?}")));
    }
    let mut s = format!(
        "{}: nanoseconds per inference on this host (release build, best of 7 batches; varies with the machine and its load)\n\n{:<36} {:>14}\n",
        model.display(),
        "head set",
        "ns/inference"
    );
    for ((name, _), t) in sets.iter().zip(ns) {
        s += &format!("{name:<36} {t:>14.1}\n");
    }
    Ok(s)
}
