//! Running generated code on the host: the generated module goes into a tiny binary
//! crate next to the runtime (in the [cache](crate::cache)), built in release mode;
//! samples stream through it. The numbers come from the generated code itself, never
//! from an interpreter. [`measure`] times it, [`bench()`] prints the timings.

mod bench;

pub use bench::{bench, bench_text, measure};

use crate::cache::{cache_dir, cargo_build, digest, put_file, runtime_path};
use crate::npz::Samples;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use tinymtl_codegen::passes::Compiled;
use tinymtl_codegen::{Builder, Error, Generated, Result};

/// Builds the harness for `g` (the generated module) and returns the binary's path.
pub fn build(g: &Generated) -> Result<PathBuf> {
    build_many(&[g])
}

/// Each model's files in a folder of their own (`m<i>/`: the module as `model.rs`,
/// its weight blob under its own name, `glue.rs`), as the emitted harnesses expect.
fn model_files(models: &[&Generated]) -> Vec<(String, Vec<u8>)> {
    let mut files = Vec::new();
    for (i, g) in models.iter().enumerate() {
        for (name, bytes) in g.files("model.rs") {
            files.push((format!("m{i}/{name}"), bytes.to_vec()));
        }
        files.push((format!("m{i}/glue.rs"), g.glue().into_bytes()));
    }
    files
}

/// Builds one harness for many models at once (one crate, one compiler run: much
/// faster than a harness each, for test suites of many small models). The binary takes
/// the model's index in `models` as its first argument, then the head indices;
/// [`run_many`] drives it. If the generated code of some models does not compile, the
/// error lists them as `src/m<index>/model.rs`.
pub fn build_many(models: &[&Generated]) -> Result<PathBuf> {
    let main = tinymtl_codegen::emit::glue::host_runner(models.len());
    build_crate(main, &model_files(models))
}

/// [`run`] for model `index` of a [`build_many`] harness.
pub fn run_many(
    c: &Compiled,
    bin: &Path,
    index: usize,
    samples: &Samples,
    heads: &[usize],
) -> Result<Vec<Vec<f32>>> {
    run_with(c, bin, index, samples, heads)
}

/// Runs `samples` through the harness binary, computing `heads` (indices); returns one
/// `n * numel` vector per head.
pub fn run(c: &Compiled, bin: &Path, samples: &Samples, heads: &[usize]) -> Result<Vec<Vec<f32>>> {
    run_with(c, bin, 0, samples, heads)
}

fn run_with(
    c: &Compiled,
    bin: &Path,
    model: usize,
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
    let args: Vec<String> = std::iter::once(&model)
        .chain(heads)
        .map(|h| h.to_string())
        .collect();
    let stdout = pipe(bin, &args, input, "the generated code")?;
    let floats: Vec<f32> = stdout
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

/// `tinymtl run`: compiles `builder`'s model for the host, runs every sample of the
/// `inputs` npz through the generated code and writes the selected heads (ONNX output
/// names; all when empty) to `output`. Nothing is written on any error.
pub fn run_files(
    builder: &Builder,
    inputs: &std::path::Path,
    output: &std::path::Path,
    heads: &[String],
) -> Result<Generated> {
    crate::contract::run(builder, inputs, output, heads, |g, samples, selected| {
        let bin = build(&g)?;
        let outs = run(&g.compiled, &bin, samples, selected)?;
        Ok((outs, g))
    })
}

/// The harness crate's `.cargo/config.toml`: code for this machine's vector units.
const HOST_CONFIG: &str = "[build]\nrustflags = [\"-C\", \"target-cpu=native\"]\n";

/// Builds a harness crate with `main` as `src/main.rs` and `files` (paths relative to
/// `src/`, e.g. the generated module as `model.rs`) beside it; returns the binary's path.
fn build_crate(main: String, files: &[(String, Vec<u8>)]) -> Result<PathBuf> {
    let runtime = runtime_path();
    let runtime = runtime.canonicalize().map_err(|e| {
        Error::new(format!(
            "runtime crate not found at {} ({e}); set TINYMTL_RUNTIME",
            runtime.display()
        ))
    })?;
    let runtime_text = runtime.display().to_string();
    let mut parts: Vec<&[u8]> = vec![main.as_bytes(), runtime_text.as_bytes()];
    for (name, bytes) in files {
        parts.push(name.as_bytes());
        parts.push(bytes);
    }
    let hash = digest(&parts);
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
    // Built for the machine it runs on: the runtime's x86 kernels need AVX2, FMA and
    // F16C at compile time (`cfg(target_feature)`), and this binary never leaves here.
    put_file(&dir.join(".cargo/config.toml"), HOST_CONFIG.as_bytes()).map_err(io)?;
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

/// Runs `bin` with `args`, `input` on its stdin; its stdout, or an error naming `what`
/// with its stderr.
fn pipe(bin: &Path, args: &[String], input: Vec<u8>, what: &str) -> Result<Vec<u8>> {
    let mut child = Command::new(bin)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| Error::new(format!("cannot start {what} ({}): {e}", bin.display())))?;
    let mut stdin = child.stdin.take().expect("piped stdin");
    let writer = std::thread::spawn(move || stdin.write_all(&input));
    let out = child
        .wait_with_output()
        .map_err(|e| Error::new(format!("{what} failed: {e}")))?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(Error::new(format!(
            "{what} failed at run time:\n{}",
            String::from_utf8_lossy(&out.stderr)
        )));
    }
    Ok(out.stdout)
}
