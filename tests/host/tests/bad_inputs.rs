//! The bad-input corpus (`tests/bad-inputs/`, written by its seeded `make_corpus.py`)
//! through the real `tinymtl` binary: every refusal is one `error: ` line naming the
//! file (and node, op, tensor where there is one), a non-zero exit, no panic and no
//! output file left behind; the cases that must succeed (saturated or flushed weights,
//! names that collide as Rust identifiers) succeed with their warnings and outputs.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use tinymtl::npz::{self, Spec};

fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bad-inputs")
}

/// The release `tinymtl` binary of this workspace, built once (it usually is already:
/// `cargo test --workspace --release` builds it for the codegen crate's CLI tests).
fn tinymtl() -> &'static Path {
    static BIN: OnceLock<PathBuf> = OnceLock::new();
    BIN.get_or_init(|| {
        if let Some(p) = std::env::var_os("TINYMTL_BIN") {
            return PathBuf::from(p);
        }
        // <target>/<profile>/deps/bad_inputs-<hash>
        let exe = std::env::current_exe().expect("test binary path");
        let target = exe
            .ancestors()
            .nth(3)
            .expect("the test binary sits in <target>/<profile>/deps")
            .to_path_buf();
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let status = Command::new(cargo)
            .args([
                "build",
                "--release",
                "--quiet",
                "-p",
                "tinymtl",
                "--bin",
                "tinymtl",
            ])
            .env("CARGO_TARGET_DIR", &target)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .status()
            .expect("cargo runs");
        assert!(status.success(), "building tinymtl failed");
        target
            .join("release")
            .join(format!("tinymtl{}", std::env::consts::EXE_SUFFIX))
    })
}

/// Longest a case may run (the bound for a refusal; the largest accepted
/// models compile well within it).
const TIME_LIMIT: Duration = Duration::from_secs(120);
/// Most memory (peak resident set) the `tinymtl` process may use on any case.
const MAX_RSS: u64 = 2 << 30;

/// Runs `cmd` to completion with [`TIME_LIMIT`] (killed beyond it: an error), and
/// returns its output and its peak resident set in bytes (read from `/proc` while it
/// runs; 0 where there is no `/proc`).
fn run_bounded(cmd: &mut Command) -> Result<(Output, u64), String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run tinymtl: {e}"))?;
    // Drain the pipes on threads so a chatty child never blocks on a full pipe.
    let mut out = child.stdout.take().expect("piped");
    let mut err = child.stderr.take().expect("piped");
    let out_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = out.read_to_end(&mut v);
        v
    });
    let err_t = std::thread::spawn(move || {
        let mut v = Vec::new();
        let _ = err.read_to_end(&mut v);
        v
    });
    let start = Instant::now();
    let status_path = format!("/proc/{}/status", child.id());
    let mut peak = 0u64;
    let status = loop {
        if let Ok(text) = std::fs::read_to_string(&status_path) {
            if let Some(kb) = text
                .lines()
                .find_map(|l| l.strip_prefix("VmHWM:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
            {
                peak = peak.max(kb << 10);
            }
        }
        if let Some(st) = child.try_wait().map_err(|e| e.to_string())? {
            break st;
        }
        if start.elapsed() > TIME_LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {TIME_LIMIT:?}: killed"));
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    let output = Output {
        status,
        stdout: out_t.join().unwrap_or_default(),
        stderr: err_t.join().unwrap_or_default(),
    };
    Ok((output, peak))
}

struct Case {
    name: String,
    args: Vec<String>,
    expect_ok: bool,
    contains: Vec<String>,
    warnings: Vec<String>,
    reference: Option<serde_json::Value>,
}

fn strings(v: &serde_json::Value) -> Vec<String> {
    v.as_array()
        .map(|a| {
            a.iter()
                .map(|s| s.as_str().expect("string").to_string())
                .collect()
        })
        .unwrap_or_default()
}

fn cases() -> Vec<Case> {
    let text = std::fs::read_to_string(corpus().join("manifest.json")).expect("manifest.json");
    let m: serde_json::Value = serde_json::from_str(&text).expect("manifest parses");
    m["cases"]
        .as_array()
        .expect("cases")
        .iter()
        .map(|c| Case {
            name: c["name"].as_str().expect("name").to_string(),
            args: strings(&c["args"]),
            expect_ok: c["expect"] == "ok",
            contains: strings(&c["contains"]),
            warnings: strings(&c["warnings"]),
            reference: Some(c["reference"].clone()).filter(|r| !r.is_null()),
        })
        .collect()
}

/// Runs one case; `Err` says what broke the contract.
fn check(case: &Case) -> Result<(), String> {
    let out = tempfile::tempdir().map_err(|e| e.to_string())?;
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| a.replace("{out}", &out.path().display().to_string()))
        .collect();
    let (res, peak) = run_bounded(
        Command::new(tinymtl())
            .args(&args)
            .current_dir(corpus())
            // Generated harnesses (`run`) share one cache per test run.
            .env(
                "TINYMTL_CACHE",
                std::env::var_os("TINYMTL_CACHE")
                    .unwrap_or_else(|| std::env::temp_dir().join("tinymtl-cache").into()),
            ),
    )?;
    let stderr = String::from_utf8_lossy(&res.stderr);
    let shown = format!("tinymtl {:?}\n--- stderr:\n{stderr:?}", args);
    if stderr.contains("panicked") || stderr.contains("RUST_BACKTRACE") {
        return Err(format!("panicked: {shown}"));
    }
    if peak > MAX_RSS {
        return Err(format!(
            "used {} MiB (limit {} MiB): {shown}",
            peak >> 20,
            MAX_RSS >> 20
        ));
    }
    // Whatever the model's names hold, the terminal sees printable lines only.
    if let Some(c) = stderr
        .chars()
        .find(|&c| (c.is_control() && c != '\n') || ('\u{202a}'..='\u{202e}').contains(&c))
    {
        return Err(format!("stderr holds the control character {c:?}: {shown}"));
    }
    let errors: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("error: "))
        .collect();
    let warnings: Vec<&str> = stderr
        .lines()
        .filter(|l| l.starts_with("warning: "))
        .collect();
    if !case.expect_ok {
        if res.status.success() {
            return Err(format!("expected a refusal, got success: {shown}"));
        }
        if res.status.code().is_none() {
            return Err(format!("killed by a signal: {shown}"));
        }
        if errors.len() != 1 {
            return Err(format!("expected one `error: ` line: {shown}"));
        }
        // The message is one line: nothing but the error line on stderr.
        if stderr.trim_end().lines().count() != 1 {
            return Err(format!("expected nothing but the error line: {shown}"));
        }
        for n in &case.contains {
            if !errors[0].contains(n.as_str()) {
                return Err(format!("error lacks {n:?}: {shown}"));
            }
        }
        let left: Vec<_> = std::fs::read_dir(out.path())
            .map_err(|e| e.to_string())?
            .filter_map(|e| e.ok())
            .map(|e| e.file_name())
            .collect();
        if !left.is_empty() {
            return Err(format!("files left behind {left:?}: {shown}"));
        }
        return Ok(());
    }
    if !res.status.success() || !errors.is_empty() {
        return Err(format!("expected success: {shown}"));
    }
    for n in &case.warnings {
        if !warnings.iter().any(|w| w.contains(n.as_str())) {
            return Err(format!("no warning contains {n:?}: {shown}"));
        }
    }
    if let Some(r) = &case.reference {
        let specs: Vec<Spec> = r["outputs"]
            .as_array()
            .expect("outputs")
            .iter()
            .map(|o| Spec {
                name: o["name"].as_str().expect("name").into(),
                shape: o["shape"]
                    .as_array()
                    .expect("shape")
                    .iter()
                    .map(|d| d.as_u64().expect("dim") as usize)
                    .collect(),
            })
            .collect();
        let tol = r["tolerance"].as_f64().unwrap_or(1e-3) as f32;
        let want = npz::read(&corpus().join(r["file"].as_str().expect("file")), &specs)
            .map_err(|e| e.to_string())?;
        let got = npz::read(&out.path().join("o.npz"), &specs).map_err(|e| e.to_string())?;
        if got.n != want.n {
            return Err(format!("{} samples, expected {}", got.n, want.n));
        }
        for (k, (g, w)) in got.data.iter().zip(&want.data).enumerate() {
            for (i, (a, b)) in g.iter().zip(w).enumerate() {
                // A non-finite reference must be matched exactly (inf by inf, NaN by NaN).
                let off = if b.is_finite() {
                    // NaN from the generated code is off too.
                    (a - b).abs().is_nan() || (a - b).abs() > tol * (1.0 + b.abs())
                } else {
                    !(a == b || (a.is_nan() && b.is_nan()))
                };
                if off {
                    return Err(format!(
                        "output '{}'[{i}] = {a}, expected {b}: {shown}",
                        specs[k].name
                    ));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn corpus_is_refused_cleanly() {
    let cases = cases();
    assert!(
        cases.len() >= 30,
        "the corpus has {} cases; run make_corpus.py",
        cases.len()
    );
    let only = std::env::var("BAD_INPUTS_ONLY").ok();
    let mut failures = Vec::new();
    let mut ran = 0;
    for case in cases
        .iter()
        .filter(|c| only.as_deref().is_none_or(|o| c.name.contains(o)))
    {
        ran += 1;
        if let Err(e) = check(case) {
            failures.push(format!("[{}] {e}", case.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {ran} cases broke the contract:\n\n{}",
        failures.len(),
        failures.join("\n\n")
    );
    eprintln!("{ran} bad-input cases refused (or accepted) as specified");
}

#[test]
fn every_corpus_file_has_a_case() {
    let cases = cases();
    let mentioned: std::collections::HashSet<&str> = cases
        .iter()
        .flat_map(|c| c.args.iter().map(String::as_str))
        .collect();
    for dir in [corpus(), corpus().join("fuzz-crashes")] {
        let Ok(rd) = std::fs::read_dir(&dir) else {
            continue;
        };
        for e in rd.filter_map(|e| e.ok()) {
            let name = e.file_name().to_string_lossy().into_owned();
            let rel = if dir == corpus() {
                name.clone()
            } else {
                format!("fuzz-crashes/{name}")
            };
            let is_input = name.ends_with(".onnx") || name.ends_with(".npz");
            // Inputs and references of the success cases, and external data files,
            // are read by the cases that name their models.
            let helper = name.ends_with(".ref.npz")
                || name.ends_with(".inputs.npz")
                || name == "npz_good.npz";
            if is_input && !helper {
                assert!(mentioned.contains(rel.as_str()), "{rel} is in no case");
            }
        }
    }
}
