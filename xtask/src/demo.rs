//! `cargo xtask demo [--host]`: the example multi-task sensor model end to end.
//!
//! Takes the checked-in files of `examples/har` (no torch needed): the shared model
//! `har_mtl.onnx` (activity + intensity heads), the single-task models
//! `har_<task>.onnx`, the held-out windows and their labels. It builds the `tinymtl`
//! CLI, generates the Rust module and the HTML report, runs every held-out window
//! through the generated code on the emulated Cortex-M4F (QEMU `mps2-an386`; with
//! `--host`, compiled for this machine), and prints per task the predictions against
//! the labels and the accuracy or error, the instructions of the trunk and each head
//! (`tinymtl bench --target qemu-m4`), flash and RAM, and what running each task as
//! its own model would cost instead. It fails if the generated code disagrees with
//! the onnxruntime outputs checked in next to the models.
//!
//! Set-up it does itself: `rustup target add thumbv7em-none-eabihf`, and
//! `apt-get install qemu-system-arm` when QEMU is missing (as root, if apt-get is
//! there). No Python, no network beyond that.

use crate::{cargo, root, run, step};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

/// The example's folder, relative to the workspace root.
const DIR: &str = "examples/har";
/// The shared model's file stem.
const SHARED: &str = "har_mtl";
/// The Rust target of the emulated Cortex-M4F.
const M4_TARGET: &str = "thumbv7em-none-eabihf";
/// Largest |generated - onnxruntime| accepted on a regression output (f16 weights).
const REG_TOL: f32 = 0.05;

struct Opts {
    host: bool,
    dir: PathBuf,
    out: PathBuf,
}

fn usage() -> String {
    "usage: cargo xtask demo [--host] [--dir DIR] [--out DIR]\n  \
     --host     run the generated code on this machine instead of the emulated Cortex-M4F\n  \
     --dir DIR  the example's files (default examples/har)\n  \
     --out DIR  where generated code, report and outputs go (default <target>/demo)"
        .into()
}

fn target_dir() -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|p| if p.is_absolute() { p } else { root().join(p) })
        .unwrap_or_else(|| root().join("target"))
}

fn parse(args: &[String]) -> Result<Opts, String> {
    let mut o = Opts {
        host: false,
        dir: root().join(DIR),
        out: target_dir().join("demo"),
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--host" => o.host = true,
            "--dir" => o.dir = PathBuf::from(it.next().ok_or_else(usage)?),
            "--out" => o.out = PathBuf::from(it.next().ok_or_else(usage)?),
            "-h" | "--help" => return Err(usage()),
            _ => return Err(format!("unknown argument {a}\n{}", usage())),
        }
    }
    Ok(o)
}

/// `path` relative to the workspace root when it is inside it.
fn show(path: &Path) -> String {
    path.strip_prefix(root())
        .unwrap_or(path)
        .display()
        .to_string()
}

/// Runs `cmd` (echoed), showing its stderr live (cargo's progress); returns its
/// stdout, or on failure its last stderr line.
fn capture(cmd: &mut Command) -> Result<String, String> {
    capture_ticking(cmd, false)
}

/// [`capture`]; with `tick`, prints the elapsed time every 10 s while the command is
/// silent (a firmware build, QEMU).
fn capture_ticking(cmd: &mut Command, tick: bool) -> Result<String, String> {
    use std::io::BufRead;
    cmd.current_dir(root());
    let shown = format!("{cmd:?}").replace('"', "");
    eprintln!("\x1b[1m$ {shown}\x1b[0m");
    let start = Instant::now();
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {shown}: {e}"))?;
    let stderr = child.stderr.take().expect("piped stderr");
    let done = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let ticker = tick.then(|| {
        let done = done.clone();
        std::thread::spawn(move || {
            let mut secs = 0;
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                std::thread::sleep(std::time::Duration::from_millis(250));
                if start.elapsed().as_secs() >= secs + 10 {
                    secs = start.elapsed().as_secs();
                    eprintln!("  ... {secs}s");
                }
            }
        })
    });
    let tee = std::thread::spawn(move || {
        let mut last = String::new();
        for line in std::io::BufReader::new(stderr)
            .lines()
            .map_while(Result::ok)
        {
            eprintln!("{line}");
            if !line.trim().is_empty() {
                last = line;
            }
        }
        last
    });
    let out = child
        .wait_with_output()
        .map_err(|e| format!("{shown}: {e}"))?;
    let last = tee.join().unwrap_or_default();
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    if let Some(t) = ticker {
        let _ = t.join();
    }
    eprintln!("  ({:.1}s)", start.elapsed().as_secs_f32());
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        Err(format!("{last} ({shown})"))
    }
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// The Rust target and QEMU for the emulated board.
fn setup_qemu() -> Result<(), String> {
    step("demo: set-up for the emulated Cortex-M4F");
    run(Command::new("rustup").args(["target", "add", M4_TARGET]))?;
    if which::which("qemu-system-arm").is_err() {
        if which::which("apt-get").is_ok() && is_root() {
            eprintln!("qemu-system-arm is missing: installing it with apt-get");
            run(Command::new("apt-get").args(["update", "-qq"]))?;
            run(Command::new("apt-get").args([
                "install",
                "-y",
                "-qq",
                "--no-install-recommends",
                "qemu-system-arm",
            ]))?;
        }
        if which::which("qemu-system-arm").is_err() {
            return Err(
                "qemu-system-arm is missing and could not be installed (Debian: \
                 `apt-get install qemu-system-arm`); or run `cargo xtask demo --host`"
                    .into(),
            );
        }
    }
    let v = capture(Command::new("qemu-system-arm").arg("--version"))?;
    eprintln!("  {}", v.lines().next().unwrap_or("").trim());
    Ok(())
}

/// Builds the CLI (cargo's progress shows) and returns the binary's path.
fn build_cli() -> Result<PathBuf, String> {
    step("demo: build the tinymtl CLI");
    let out = capture(Command::new(cargo()).args([
        "build",
        "--release",
        "-p",
        "tinymtl",
        "--bin",
        "tinymtl",
        "--message-format=json-render-diagnostics",
    ]))?;
    let key = "\"executable\":\"";
    out.lines()
        .filter_map(|l| {
            let at = l.find(key)? + key.len();
            let end = at + l[at..].find('"')?;
            Some(PathBuf::from(&l[at..end]))
        })
        .find(|p| p.file_stem().is_some_and(|s| s == "tinymtl"))
        .ok_or_else(|| "cargo did not report the tinymtl binary".to_string())
}

// ---------------------------------------------------------------------------
// npz (stored zip of .npy files, as numpy's savez and tinymtl write them)
// ---------------------------------------------------------------------------

/// One array of an npz file.
#[derive(Clone, Debug, PartialEq)]
struct Array {
    shape: Vec<usize>,
    data: Data,
}

#[derive(Clone, Debug, PartialEq)]
enum Data {
    F32(Vec<f32>),
    F64(Vec<f64>),
    I64(Vec<i64>),
    I32(Vec<i32>),
    Str(Vec<String>),
}

impl Array {
    fn floats(&self) -> Vec<f32> {
        match &self.data {
            Data::F32(v) => v.clone(),
            Data::F64(v) => v.iter().map(|&x| x as f32).collect(),
            Data::I64(v) => v.iter().map(|&x| x as f32).collect(),
            Data::I32(v) => v.iter().map(|&x| x as f32).collect(),
            Data::Str(_) => Vec::new(),
        }
    }

    fn is_int(&self) -> bool {
        matches!(self.data, Data::I64(_) | Data::I32(_))
    }

    /// Elements per sample (all but the leading axis).
    fn per_sample(&self) -> usize {
        self.shape.iter().skip(1).product::<usize>().max(1)
    }
}

fn u16_at(b: &[u8], at: usize) -> Result<usize, String> {
    b.get(at..at + 2)
        .map(|s| u16::from_le_bytes([s[0], s[1]]) as usize)
        .ok_or_else(|| "truncated zip".to_string())
}

fn u32_at(b: &[u8], at: usize) -> Result<usize, String> {
    b.get(at..at + 4)
        .map(|s| u32::from_le_bytes([s[0], s[1], s[2], s[3]]) as usize)
        .ok_or_else(|| "truncated zip".to_string())
}

fn u64_at(b: &[u8], at: usize) -> Result<usize, String> {
    b.get(at..at + 8)
        .map(|s| u64::from_le_bytes(s.try_into().expect("8 bytes")) as usize)
        .ok_or_else(|| "truncated zip".to_string())
}

/// Entries of a zip archive whose members are stored uncompressed.
fn unzip(b: &[u8]) -> Result<Vec<(String, &[u8])>, String> {
    let eocd = (0..b.len().saturating_sub(21))
        .rev()
        .find(|&i| b[i..].starts_with(&[0x50, 0x4b, 0x05, 0x06]))
        .ok_or("not a zip file (no end of central directory)")?;
    let entries = u16_at(b, eocd + 10)?;
    let mut at = u32_at(b, eocd + 16)?;
    let mut out = Vec::new();
    for _ in 0..entries {
        if u32_at(b, at)? != 0x0201_4b50 {
            return Err("corrupt zip central directory".into());
        }
        let method = u16_at(b, at + 10)?;
        let mut size = u32_at(b, at + 20)?;
        let (name_len, extra_len, comment_len) = (
            u16_at(b, at + 28)?,
            u16_at(b, at + 30)?,
            u16_at(b, at + 32)?,
        );
        let mut local = u32_at(b, at + 42)?;
        let name = String::from_utf8_lossy(
            b.get(at + 46..at + 46 + name_len)
                .ok_or("truncated zip entry name")?,
        )
        .into_owned();
        // Zip64: sizes and offset that do not fit are in extra field 0x0001.
        let extra = b
            .get(at + 46 + name_len..at + 46 + name_len + extra_len)
            .ok_or("truncated zip extra field")?;
        let mut e = 0;
        while e + 4 <= extra.len() {
            let (id, len) = (u16_at(extra, e)?, u16_at(extra, e + 2)?);
            if id == 1 {
                let mut f = e + 4;
                if u32_at(b, at + 24)? == 0xffff_ffff {
                    f += 8; // uncompressed size
                }
                if size == 0xffff_ffff {
                    size = u64_at(extra, f)?;
                    f += 8;
                }
                if local == 0xffff_ffff {
                    local = u64_at(extra, f)?;
                }
            }
            e += 4 + len;
        }
        if method != 0 {
            return Err(format!(
                "{name}: compressed zip members are not supported (use np.savez)"
            ));
        }
        if u32_at(b, local)? != 0x0403_4b50 {
            return Err("corrupt zip local header".into());
        }
        let data = local + 30 + u16_at(b, local + 26)? + u16_at(b, local + 28)?;
        out.push((
            name,
            b.get(data..data + size).ok_or("truncated zip member")?,
        ));
        at += 46 + name_len + extra_len + comment_len;
    }
    Ok(out)
}

/// The value of `'key': ` in an npy header dict (up to the next `,` at depth 0).
fn header_field<'a>(h: &'a str, key: &str) -> Result<&'a str, String> {
    let k = format!("'{key}':");
    let at = h.find(&k).ok_or(format!("npy header without {key}"))? + k.len();
    let rest = h[at..].trim_start();
    let mut depth = 0;
    for (i, ch) in rest.char_indices() {
        match ch {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    return Ok(&rest[..=i]);
                }
            }
            ',' | '}' if depth == 0 => return Ok(rest[..i].trim()),
            _ => {}
        }
    }
    Err(format!("npy header: unterminated {key}"))
}

fn parse_npy(b: &[u8]) -> Result<Array, String> {
    if !b.starts_with(b"\x93NUMPY") || b.len() < 10 {
        return Err("not an .npy array".into());
    }
    let (hlen, start) = if b[6] == 1 {
        (u16_at(b, 8)?, 10)
    } else {
        (u32_at(b, 8)?, 12)
    };
    let h = std::str::from_utf8(b.get(start..start + hlen).ok_or("truncated npy header")?)
        .map_err(|_| "npy header is not text")?;
    let descr = header_field(h, "descr")?.trim_matches('\'');
    if header_field(h, "fortran_order")? != "False" {
        return Err("Fortran-ordered arrays are not supported".into());
    }
    let shape: Vec<usize> = header_field(h, "shape")?
        .trim_matches(|c| c == '(' || c == ')')
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|_| format!("npy shape {s}")))
        .collect::<Result<_, String>>()?;
    let n: usize = shape.iter().product();
    let raw = &b[start + hlen..];
    let take = |size: usize| -> Result<&[u8], String> {
        raw.get(..n * size).ok_or("truncated npy data".to_string())
    };
    let data = match descr {
        "<f4" => Data::F32(
            take(4)?
                .chunks_exact(4)
                .map(|c| f32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        ),
        "<f8" => Data::F64(
            take(8)?
                .chunks_exact(8)
                .map(|c| f64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        ),
        "<i8" => Data::I64(
            take(8)?
                .chunks_exact(8)
                .map(|c| i64::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        ),
        "<i4" => Data::I32(
            take(4)?
                .chunks_exact(4)
                .map(|c| i32::from_le_bytes(c.try_into().unwrap()))
                .collect(),
        ),
        d if d.starts_with("<U") => {
            let chars: usize = d[2..].parse().map_err(|_| format!("npy dtype {d}"))?;
            Data::Str(
                take(4 * chars)?
                    .chunks_exact(4 * chars.max(1))
                    .map(|s| {
                        s.chunks_exact(4)
                            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
                            .take_while(|&c| c != 0)
                            .filter_map(char::from_u32)
                            .collect()
                    })
                    .collect(),
            )
        }
        d => return Err(format!("npy dtype {d} is not supported")),
    };
    Ok(Array { shape, data })
}

fn read_npz(path: &Path) -> Result<BTreeMap<String, Array>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", show(path)))?;
    let mut out = BTreeMap::new();
    for (name, data) in unzip(&bytes).map_err(|e| format!("{}: {e}", show(path)))? {
        let key = name.strip_suffix(".npy").unwrap_or(&name).to_string();
        let arr = parse_npy(data).map_err(|e| format!("{}/{name}: {e}", show(path)))?;
        out.insert(key, arr);
    }
    Ok(out)
}

// ---------------------------------------------------------------------------
// what the CLI prints
// ---------------------------------------------------------------------------

/// Costs of one part (or of the whole model) as `tinymtl inspect` reports them.
#[derive(Clone, Debug, Default, PartialEq)]
struct Cost {
    params: u64,
    weight_bytes: u64,
    macs: u64,
}

/// `tinymtl inspect`'s text, parsed.
#[derive(Clone, Debug, Default, PartialEq)]
struct Inspect {
    /// (`trunk` / `branch X` / `head X`, cost, steps).
    parts: Vec<(String, Cost, u64)>,
    total: Cost,
    /// Per head: trunk + its branches + its own part.
    alone: Vec<(String, Cost)>,
    arena_bytes: u64,
}

fn nums(tokens: &[&str]) -> Option<Vec<u64>> {
    tokens.iter().map(|t| t.parse().ok()).collect()
}

fn parse_inspect(text: &str) -> Result<Inspect, String> {
    let mut r = Inspect::default();
    let mut in_parts = false;
    for line in text.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.first() == Some(&"part") && t.get(1) == Some(&"heads") {
            in_parts = true;
            continue;
        }
        if in_parts && t.len() >= 5 {
            let Some(n) = nums(&t[t.len() - 4..]) else {
                continue;
            };
            let cost = Cost {
                params: n[0],
                weight_bytes: n[1],
                macs: n[2],
            };
            if t[0] == "total" {
                r.total = cost;
                in_parts = false;
            } else if t.len() >= 6 {
                r.parts.push((t[..t.len() - 5].join(" "), cost, n[3]));
            }
            continue;
        }
        if let Some(at) = line.find(" params ") {
            let rest: Vec<&str> = line[at..].split_whitespace().collect();
            // params N weight B N MACs N
            if let (Some(p), Some(w), Some(m)) = (rest.get(1), rest.get(4), rest.get(6)) {
                if let (Ok(p), Ok(w), Ok(m)) = (p.parse(), w.parse(), m.parse()) {
                    r.alone.push((
                        line[..at].trim().to_string(),
                        Cost {
                            params: p,
                            weight_bytes: w,
                            macs: m,
                        },
                    ));
                }
            }
        }
        if let Some(rest) = line.strip_prefix("arena: ") {
            r.arena_bytes = rest
                .split_whitespace()
                .next()
                .and_then(|n| n.parse().ok())
                .unwrap_or(0);
        }
    }
    if r.parts.is_empty() {
        return Err(format!("cannot read tinymtl inspect's report:\n{text}"));
    }
    Ok(r)
}

/// `tinymtl bench --target qemu-m4`'s tables: row name -> executed instructions.
fn parse_bench(text: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for line in text.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() < 4 {
            continue;
        }
        let n = t.len();
        let per_ok = t[n - 1] == "-" || t[n - 1].parse::<f64>().is_ok();
        if let (Ok(instr), Ok(_macs), true) =
            (t[n - 3].parse::<u64>(), t[n - 2].parse::<u64>(), per_ok)
        {
            m.insert(t[..n - 3].join(" "), instr);
        }
    }
    m
}

/// `tinymtl bench`'s host table: row name -> nanoseconds per inference.
fn parse_bench_ns(text: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for line in text.lines() {
        let t: Vec<&str> = line.split_whitespace().collect();
        if t.len() < 2 || t[..t.len() - 1].iter().any(|w| w.parse::<f64>().is_ok()) {
            continue;
        }
        if let Ok(ns) = t[t.len() - 1].parse::<f64>() {
            m.insert(t[..t.len() - 1].join(" "), ns.round() as u64);
        }
    }
    m
}

/// The number after the word `key` (case-insensitive, `:` and `,` ignored) in `line`.
fn number_after(line: &str, key: &str) -> Option<u64> {
    let t: Vec<String> = line
        .split_whitespace()
        .map(|w| {
            w.trim_matches(|c| c == ':' || c == ',' || c == '=')
                .to_lowercase()
        })
        .collect();
    let at = t.iter().position(|w| w == key)?;
    t.get(at + 1)?.replace('_', "").parse().ok()
}

/// Whole-firmware flash and RAM, from a bench line naming both (e.g.
/// `firmware: flash 30804 bytes, RAM 6680 bytes`), when the CLI reports them.
fn firmware_sizes(text: &str) -> Option<(u64, u64)> {
    text.lines()
        .find_map(|l| Some((number_after(l, "flash")?, number_after(l, "ram")?)))
}

// ---------------------------------------------------------------------------
// the demo
// ---------------------------------------------------------------------------

/// `12345` -> `12 345`.
fn group(n: u64) -> String {
    let s = n.to_string();
    let mut o = String::new();
    for (i, ch) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            o.push(' ');
        }
        o.push(ch);
    }
    o
}

fn pct(part: f64, whole: f64) -> String {
    if whole > 0.0 {
        format!("{:.0} %", 100.0 * part / whole)
    } else {
        "-".into()
    }
}

/// One model of the demo: compiled, run and measured.
struct ModelRun {
    stem: String,
    inspect: Inspect,
    outputs: BTreeMap<String, Array>,
    /// Instructions per bench row (`trunk`, `head_x`, `x alone`, `all heads`), when measured.
    instructions: BTreeMap<String, u64>,
    /// Host nanoseconds per head set (`all heads`, `x alone`), when measured.
    ns: BTreeMap<String, u64>,
    bench_text: Result<String, String>,
}

/// Metrics of one task on the held-out windows.
#[derive(Clone, Debug)]
enum Score {
    Class { correct: usize, n: usize },
    Reg { mae: f64, rmse: f64, r2: f64 },
}

impl Score {
    fn short(&self) -> String {
        match self {
            Score::Class { correct, n } => format!(
                "accuracy {correct}/{n} = {:.1} %",
                100.0 * *correct as f64 / (*n).max(1) as f64
            ),
            Score::Reg { mae, rmse, r2 } => {
                format!("MAE {mae:.3}, RMSE {rmse:.3}, R² {r2:.3}")
            }
        }
    }
}

fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &x)| {
            if x > bv {
                (i, x)
            } else {
                (bi, bv)
            }
        })
        .0
}

fn score(pred: &Array, label: &Array) -> Result<Score, String> {
    let p = pred.floats();
    let k = pred.per_sample();
    let y = label.floats();
    if p.len() != y.len() * if label.is_int() { k } else { 1 } {
        return Err(format!(
            "{} predictions for {} labels",
            p.len() / k.max(1),
            y.len()
        ));
    }
    if label.is_int() {
        let correct = p
            .chunks_exact(k)
            .zip(&y)
            .filter(|(c, &l)| argmax(c) == l as usize)
            .count();
        Ok(Score::Class {
            correct,
            n: y.len(),
        })
    } else {
        let n = y.len() as f64;
        let e: Vec<f64> = p.iter().zip(&y).map(|(a, b)| (a - b) as f64).collect();
        let mean = y.iter().map(|&v| v as f64).sum::<f64>() / n;
        let ss = y.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>();
        Ok(Score::Reg {
            mae: e.iter().map(|x| x.abs()).sum::<f64>() / n,
            rmse: (e.iter().map(|x| x * x).sum::<f64>() / n).sqrt(),
            r2: 1.0 - e.iter().map(|x| x * x).sum::<f64>() / ss.max(f64::MIN_POSITIVE),
        })
    }
}

/// Checks the generated code's outputs against the onnxruntime references.
fn against_reference(
    outputs: &BTreeMap<String, Array>,
    reference: &BTreeMap<String, Array>,
    labels: &BTreeMap<String, Array>,
) -> Result<String, String> {
    let mut notes = Vec::new();
    for (name, r) in reference {
        let g = outputs
            .get(name)
            .ok_or(format!("the generated code wrote no output {name}"))?;
        let (gv, rv) = (g.floats(), r.floats());
        if g.shape != r.shape {
            return Err(format!(
                "{name}: shape {:?}, onnxruntime {:?}",
                g.shape, r.shape
            ));
        }
        let diff = gv
            .iter()
            .zip(&rv)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        if !gv.iter().all(|x| x.is_finite()) {
            return Err(format!("{name}: non-finite outputs"));
        }
        if labels.get(name).is_some_and(Array::is_int) {
            let k = g.per_sample();
            let same = gv
                .chunks_exact(k)
                .zip(rv.chunks_exact(k))
                .filter(|(a, b)| argmax(a) == argmax(b))
                .count();
            let n = gv.len() / k;
            if same != n {
                return Err(format!(
                    "{name}: the generated code's class differs from onnxruntime's on {} of {n} windows",
                    n - same
                ));
            }
            notes.push(format!("{name}: same class on {n}/{n}, max |Δ| {diff:.1e}"));
        } else {
            if diff > REG_TOL {
                return Err(format!(
                    "{name}: the generated code differs from onnxruntime by {diff} (> {REG_TOL})"
                ));
            }
            notes.push(format!("{name}: max |Δ| {diff:.1e}"));
        }
    }
    Ok(notes.join("; "))
}

fn model_run(cli: &Path, o: &Opts, stem: &str, html: bool) -> Result<ModelRun, String> {
    let model = o.dir.join(format!("{stem}.onnx"));
    let mut inspect = Command::new(cli);
    inspect.arg("inspect").arg(&model);
    if html {
        inspect
            .arg("--html")
            .arg(o.out.join(format!("{stem}.html")));
    }
    let text = capture(&mut inspect)?;
    let inspect = parse_inspect(&text)?;
    if html {
        let code = o.out.join(format!("{stem}.rs"));
        capture(
            Command::new(cli)
                .arg("generate")
                .arg(&model)
                .arg("-o")
                .arg(&code),
        )?;
        let src = std::fs::read_to_string(&code).unwrap_or_default();
        eprintln!(
            "  generated {} ({} lines); report {}",
            show(&code),
            src.lines().count(),
            show(&o.out.join(format!("{stem}.html")))
        );
    }
    let target = if o.host { "host" } else { "qemu-m4" };
    let out = o.out.join(format!("{stem}.{target}.npz"));
    eprintln!(
        "  running the held-out windows through {stem}'s generated code on {} \
         (the first run also builds the runtime for it: about a minute) ...",
        if o.host {
            "this machine"
        } else {
            "the emulated Cortex-M4F"
        }
    );
    capture_ticking(
        Command::new(cli)
            .arg("run")
            .arg(&model)
            .arg("--inputs")
            .arg(o.dir.join("heldout.inputs.npz"))
            .arg("--output")
            .arg(&out)
            .args(["--target", target]),
        true,
    )
    .map_err(|e| {
        if o.host {
            e
        } else {
            format!("{e}\n(`cargo xtask demo --host` runs the generated code on this machine)")
        }
    })?;
    let outputs = read_npz(&out)?;
    let bench_text = capture_ticking(
        Command::new(cli)
            .arg("bench")
            .arg(&model)
            .args(["--target", target]),
        true,
    );
    let ns = match (&bench_text, o.host) {
        (Ok(t), true) => parse_bench_ns(t),
        _ => BTreeMap::new(),
    };
    let instructions = match (&bench_text, o.host) {
        (Ok(t), false) => parse_bench(t),
        _ => BTreeMap::new(),
    };
    Ok(ModelRun {
        stem: stem.into(),
        inspect,
        outputs,
        instructions,
        ns,
        bench_text,
    })
}

/// `cargo xtask demo [--host]`.
pub fn demo(args: &[String]) -> Result<(), String> {
    let o = parse(args)?;
    let start = Instant::now();
    if !o.host {
        setup_qemu()?;
    }
    let cli = build_cli()?;
    std::fs::create_dir_all(&o.out).map_err(|e| format!("cannot create {}: {e}", show(&o.out)))?;
    let labels = read_npz(&o.dir.join("heldout.labels.npz"))?;
    let tasks: Vec<String> = labels
        .keys()
        .filter(|k| !k.ends_with("_classes"))
        .cloned()
        .collect();

    step(&format!(
        "demo: {SHARED}.onnx (shared trunk, heads {}) -> Rust, report, run, bench",
        tasks.join(", ")
    ));
    let shared = model_run(&cli, &o, SHARED, true)?;
    let mut singles = Vec::new();
    for t in &tasks {
        let stem = format!("har_{t}");
        if o.dir.join(format!("{stem}.onnx")).exists() {
            step(&format!(
                "demo: single-task model {stem}.onnx (task {t} alone)"
            ));
            singles.push((t.clone(), model_run(&cli, &o, &stem, false)?));
        }
    }

    // Agreement with onnxruntime (checked-in references).
    let mut agreement = Vec::new();
    for m in std::iter::once(&shared).chain(singles.iter().map(|(_, m)| m)) {
        let r = o.dir.join(format!("{}.heldout_ref.npz", m.stem));
        if r.exists() {
            let note = against_reference(&m.outputs, &read_npz(&r)?, &labels)
                .map_err(|e| format!("{}: {e}", m.stem))?;
            agreement.push(format!("{}: {note}", m.stem));
        }
    }

    let report = render(&o, &shared, &singles, &labels, &tasks, &agreement)?;
    println!("{report}");
    eprintln!("demo done in {:.0}s", start.elapsed().as_secs_f32());
    Ok(())
}

fn render(
    o: &Opts,
    shared: &ModelRun,
    singles: &[(String, ModelRun)],
    labels: &BTreeMap<String, Array>,
    tasks: &[String],
    agreement: &[String],
) -> Result<String, String> {
    let mut s = String::new();
    let board = if o.host {
        "this machine (x86 host; no instruction counts)"
    } else {
        "the emulated Cortex-M4F (QEMU mps2-an386)"
    };
    let n = labels.values().next().map(|a| a.shape[0]).unwrap_or(0);
    let _ = writeln!(
        s,
        "\n=== tinymtl demo: {SHARED}.onnx, {n} held-out windows, generated code run on {board} ===\n\
         data: BasicMotions test recordings (smart watch, acc + gyro, 10 Hz), 5 s windows, \
         never seen in training\n"
    );
    // Per task: predictions against labels.
    for t in tasks {
        let label = &labels[t];
        let pred = shared
            .outputs
            .get(t)
            .ok_or(format!("the shared model has no output {t}"))?;
        let sc = score(pred, label)?;
        let p = pred.floats();
        let k = pred.per_sample();
        let y = label.floats();
        if label.is_int() {
            let classes: Vec<String> = match labels.get(&format!("{t}_classes")).map(|a| &a.data) {
                Some(Data::Str(c)) => c.clone(),
                _ => (0..k).map(|i| format!("class {i}")).collect(),
            };
            let _ = writeln!(
                s,
                "task `{t}` (real label, {} classes): window: label -> predicted (probability)",
                classes.len()
            );
            let mut line = String::new();
            for (i, (c, &l)) in p.chunks_exact(k).zip(&y).enumerate() {
                let a = argmax(c);
                let mark = if a == l as usize { ' ' } else { '✗' };
                let _ = write!(
                    line,
                    "  {i:>3}: {:>9} -> {:<9} {:.2}{mark}",
                    classes.get(l as usize).map_or("?", String::as_str),
                    classes.get(a).map_or("?", String::as_str),
                    c[a]
                );
                if i % 3 == 2 {
                    let _ = writeln!(s, "{}", line.trim_end());
                    line.clear();
                }
            }
            if !line.is_empty() {
                let _ = writeln!(s, "{}", line.trim_end());
            }
            // Confusion matrix.
            let w = classes.iter().map(|c| c.len()).max().unwrap_or(5).max(5);
            let _ = write!(
                s,
                "  confusion (rows: label, columns: predicted)\n  {:w$}",
                ""
            );
            for c in &classes {
                let _ = write!(s, " {c:>w$}");
            }
            s.push('\n');
            for (ci, c) in classes.iter().enumerate() {
                let _ = write!(s, "  {c:w$}");
                for cj in 0..classes.len() {
                    let cnt = p
                        .chunks_exact(k)
                        .zip(&y)
                        .filter(|(pc, &l)| l as usize == ci && argmax(pc) == cj)
                        .count();
                    let _ = write!(s, " {cnt:>w$}");
                }
                s.push('\n');
            }
        } else {
            let _ = writeln!(
                s,
                "task `{t}` (DERIVED from the signal: log(1 + mean |acc|)): window: label -> predicted"
            );
            let mut line = String::new();
            for (i, (pv, &l)) in p.iter().zip(&y).enumerate() {
                let _ = write!(line, "  {i:>3}: {l:4.2} -> {pv:4.2}");
                if i % 6 == 5 {
                    let _ = writeln!(s, "{}", line.trim_end());
                    line.clear();
                }
            }
            if !line.is_empty() {
                let _ = writeln!(s, "{}", line.trim_end());
            }
        }
        let own = singles
            .iter()
            .find(|(st, _)| st == t)
            .map(|(_, m)| m.outputs.get(t).map(|a| score(a, label)))
            .and_then(|x| x)
            .transpose()?;
        let _ = writeln!(
            s,
            "  => {t}: {}{}\n",
            sc.short(),
            own.map(|o| format!("   (its own single-task model: {})", o.short()))
                .unwrap_or_default()
        );
    }
    if !agreement.is_empty() {
        let _ = writeln!(
            s,
            "generated code vs onnxruntime (f16 weights): {}\n",
            agreement.join("; ")
        );
    }

    // Parts of the shared model.
    let ins = |m: &ModelRun, key: &str| m.instructions.get(key).copied();
    let fmt_ins = |v: Option<u64>| v.map(group).unwrap_or_else(|| "n/a".into());
    let measured = !shared.instructions.is_empty();
    let _ = writeln!(
        s,
        "shared model, per part           params   weight B       MACs{}",
        if measured {
            "   instructions (Cortex-M4F)"
        } else {
            ""
        }
    );
    for (label, cost, _) in &shared.inspect.parts {
        // Bench rows are named like the generated functions: `trunk`, `head_x`, `branch_x_y`.
        let key = label.replace(' ', "_");
        let _ = writeln!(
            s,
            "  {label:<28} {:>9} {:>10} {:>10}{}",
            group(cost.params),
            group(cost.weight_bytes),
            group(cost.macs),
            if measured {
                format!("   {:>12}", fmt_ins(ins(shared, &key)))
            } else {
                String::new()
            }
        );
    }
    let t = &shared.inspect.total;
    let _ = writeln!(
        s,
        "  {:<28} {:>9} {:>10} {:>10}{}\n",
        "all heads (one run)",
        group(t.params),
        group(t.weight_bytes),
        group(t.macs),
        if measured {
            format!("   {:>12}", fmt_ins(ins(shared, "all heads")))
        } else {
            String::new()
        }
    );

    // Shared vs separate.
    let sum = |f: &dyn Fn(&ModelRun) -> Option<u64>| -> Option<u64> {
        singles.iter().map(|(_, m)| f(m)).sum::<Option<u64>>()
    };
    let mut cols: Vec<(String, Vec<Option<u64>>)> = Vec::new();
    // Row 3: instructions on the board, or nanoseconds on the host.
    let time = |m: &ModelRun| {
        if o.host {
            m.ns.get("all heads").copied()
        } else {
            ins(m, "all heads")
        }
    };
    let timed = !o.host && measured || o.host && shared.ns.contains_key("all heads");
    let row = |m: &ModelRun| {
        vec![
            Some(m.inspect.total.params),
            Some(m.inspect.total.weight_bytes),
            Some(m.inspect.total.macs),
            time(m),
            Some(m.inspect.arena_bytes),
        ]
    };
    cols.push(("shared".into(), row(shared)));
    for (t, m) in singles {
        cols.push((format!("{t} model"), row(m)));
    }
    if singles.len() >= 2 {
        let arena = singles.iter().map(|(_, m)| m.inspect.arena_bytes).max();
        cols.push((
            "separate total".into(),
            vec![
                sum(&|m| Some(m.inspect.total.params)),
                sum(&|m| Some(m.inspect.total.weight_bytes)),
                sum(&|m| Some(m.inspect.total.macs)),
                sum(&time),
                arena,
            ],
        ));
    }
    let _ = write!(s, "every task, shared vs each task as its own model");
    for (c, _) in &cols {
        let _ = write!(s, " {c:>16}");
    }
    s.push('\n');
    let names = [
        "  parameters",
        "  weight bytes (flash)",
        "  MACs per inference",
        if o.host {
            "  ns per inference (this host, noisy)"
        } else {
            "  instructions (Cortex-M4F)"
        },
        "  arena bytes (RAM)",
    ];
    for (ri, name) in names.iter().enumerate() {
        if ri == 3 && !timed {
            continue;
        }
        let _ = write!(s, "{name:<48}");
        for (_, v) in &cols {
            let _ = write!(s, " {:>16}", fmt_ins(v[ri]));
        }
        s.push('\n');
    }
    if singles.len() >= 2 {
        let sep = &cols[cols.len() - 1].1;
        let sh = &cols[0].1;
        let saved = |i: usize| match (sh[i], sep[i]) {
            (Some(a), Some(b)) if b > 0 => pct(b.saturating_sub(a) as f64, b as f64),
            _ => "n/a".into(),
        };
        let _ = writeln!(
            s,
            "  (separate models run one after the other, so they can share one arena)\n\
             sharing the trunk saves {} of the weight bytes, {} of the MACs{}",
            saved(1),
            saved(2),
            match (timed, o.host) {
                (true, false) => format!(" and {} of the instructions", saved(3)),
                (true, true) => format!(" and {} of the time on this host", saved(3)),
                _ => String::new(),
            }
        );
    }
    // Flash and RAM of the shared model.
    let stack = shared.bench_text.as_ref().ok().and_then(|t| {
        t.lines()
            .find_map(|l| l.trim().strip_prefix("stack high-water mark:"))
            .and_then(|r| r.split_whitespace().next()?.parse::<u64>().ok())
    });
    let _ = writeln!(
        s,
        "\nflash and RAM of the shared model: weights {} B in flash; arena {} B{} of RAM",
        group(shared.inspect.total.weight_bytes),
        group(shared.inspect.arena_bytes),
        stack
            .map(|b| format!(" + stack high-water mark {} B (whole firmware)", group(b)))
            .unwrap_or_default()
    );
    if let Some((flash, ram)) = shared.bench_text.as_deref().ok().and_then(firmware_sizes) {
        let _ = writeln!(
            s,
            "whole firmware on the board (model, runtime, start-up, I/O): flash {} B, static RAM {} B",
            group(flash),
            group(ram)
        );
    }
    // Each head alone, inside the shared model.
    let _ = writeln!(
        s,
        "\none head alone in the shared model (trunk + its head):"
    );
    for (h, cost) in &shared.inspect.alone {
        let _ = writeln!(
            s,
            "  {h:<26} weight B {:>8}  MACs {:>9}{}",
            group(cost.weight_bytes),
            group(cost.macs),
            if measured {
                format!(
                    "  instructions {:>10}",
                    fmt_ins(ins(shared, &format!("{h} alone")))
                )
            } else {
                String::new()
            }
        );
    }
    // The bench as the CLI prints it (flash/RAM/stack of the firmware, or host timings).
    let _ = writeln!(
        s,
        "\n{}",
        if o.host {
            "tinymtl bench (host):"
        } else {
            "tinymtl bench --target qemu-m4:"
        }
    );
    match &shared.bench_text {
        Ok(t) => {
            for l in t.lines() {
                let _ = writeln!(s, "  {l}");
            }
        }
        Err(e) => {
            let _ = writeln!(s, "  not available: {}", e.trim());
        }
    }
    let _ = writeln!(
        s,
        "\nfiles: {}/{SHARED}.rs (generated), {}/{SHARED}.html (report)",
        show(&o.out),
        show(&o.out)
    );
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_checked_in_npz_files() {
        let dir = root().join(DIR);
        let x = read_npz(&dir.join("heldout.inputs.npz")).unwrap();
        let imu = &x["imu"];
        assert_eq!(imu.shape[1..], [1, 6, 50]);
        let l = read_npz(&dir.join("heldout.labels.npz")).unwrap();
        assert!(l["activity"].is_int());
        assert_eq!(l["activity"].shape, [imu.shape[0]]);
        assert_eq!(l["intensity"].shape, [imu.shape[0]]);
        match &l["activity_classes"].data {
            Data::Str(c) => assert_eq!(c, &["badminton", "running", "standing", "walking"]),
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn parses_inspect_and_bench_tables() {
        let text = "model `m` (m.onnx): inputs imu [1, 6, 50]; 2 head(s)\n\n\
            part                         heads                            params     weight B         MACs  steps\n\
            trunk                        activity,intensity                 9284        18800       191904      5\n\
            head activity                activity                           1276         2608         1248      3\n\
            total                                                          11761        23860       194328     10\n\n\
            each head alone (trunk + its branches + its own part):\n  \
            activity                   params     10560  weight B     21408  MACs      193152\n\n\
            arena: 8000 bytes (2000 f32); largest simultaneously live set: 8000 bytes\n";
        let r = parse_inspect(text).unwrap();
        assert_eq!(r.parts.len(), 2);
        assert_eq!(r.parts[1].0, "head activity");
        assert_eq!(r.parts[1].1.macs, 1248);
        assert_eq!(r.total.weight_bytes, 23860);
        assert_eq!(r.alone[0].0, "activity");
        assert_eq!(r.alone[0].1.macs, 193152);
        assert_eq!(r.arena_bytes, 8000);
        let b = parse_bench(
            "x: executed instructions\n\npart   instructions   MACs  instr/MAC\n\
             trunk  1000  500  2.00\nhead_activity  10  0  -\n\nhead set  instructions  MACs  instr/MAC\n\
             activity alone  1010  500  2.02\nall heads 1020 510 2.00\n",
        );
        assert_eq!(b["trunk"], 1000);
        assert_eq!(b["head_activity"], 10);
        assert_eq!(b["activity alone"], 1010);
        assert_eq!(b["all heads"], 1020);
        let ns = parse_bench_ns(
            "m: nanoseconds per inference on this host (best of 7; varies)\n\n\
             head set                               ns/inference\n\
             all heads                                  271037.9\n\
             activity alone                             270940.7\n",
        );
        assert_eq!(ns.len(), 2);
        assert_eq!(ns["all heads"], 271038);
        assert_eq!(
            firmware_sizes("x\nfirmware: flash 30804 bytes, RAM 6680 bytes\n"),
            Some((30804, 6680))
        );
        assert_eq!(firmware_sizes("stack high-water mark: 1424 bytes"), None);
    }

    #[test]
    fn scores() {
        let pred = Array {
            shape: vec![2, 1, 2],
            data: Data::F32(vec![0.9, 0.1, 0.2, 0.8]),
        };
        let lab = Array {
            shape: vec![2],
            data: Data::I64(vec![0, 0]),
        };
        match score(&pred, &lab).unwrap() {
            Score::Class { correct, n } => assert_eq!((correct, n), (1, 2)),
            s => panic!("{s:?}"),
        }
    }
}
