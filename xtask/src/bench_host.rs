//! `cargo xtask bench-host [--rounds N] [MODEL...]`: tinymtl, onnxruntime and tract
//! side by side on the host (issue 13).
//!
//! Every fixture of `tests/fixtures/manifest.json` (or the ones named), batch 1, one
//! thread, the first sample of `<model>.inputs.npz`, all heads. The engines run
//! interleaved (round r: tinymtl, onnxruntime, tract for each model), each pinned to
//! one core with `taskset` where it exists, and each times itself the same way (batch
//! doubled until it takes 20 ms, best of 7 batches):
//! - tinymtl: `target/release/tinymtl bench MODEL`, its `all heads` line;
//! - onnxruntime: `tools/bench-host/ort_bench.py` (one intra-op and inter-op thread);
//! - tract: `tools/bench-tract` (its own workspace, `-C target-cpu=native`).
//!
//! The table (stdout) holds the median over the rounds of µs per inference, and the
//! ratio of tinymtl to each engine. An engine that fails on a model shows `-` there
//! with its reason in a footnote; the run goes on. Timing is never a test: this step
//! is not part of `cargo xtask test`.

use crate::{cargo, pip_requirements, python_has, root, run_as_set, step};
use std::path::{Path, PathBuf};
use std::process::Command;
use tinymtl_host_tests::{fixtures, Fixture};

/// The engines, in the order each round runs them and the table shows them.
const ENGINES: [&str; 3] = ["tinymtl", "onnxruntime", "tract"];

/// Reads µs per inference from an engine's stdout.
type Parse = fn(&str) -> Result<f64, String>;

/// What the command line asked for.
#[derive(Debug, PartialEq)]
struct Args {
    rounds: usize,
    models: Vec<String>,
}

fn parse_args(args: &[String]) -> Result<Args, String> {
    let mut rounds = 3;
    let mut models = Vec::new();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--rounds" {
            let n = it.next().ok_or("--rounds needs a number")?;
            rounds = n
                .parse()
                .ok()
                .filter(|&r| r > 0)
                .ok_or_else(|| format!("--rounds {n}: want a whole number of 1 or more"))?;
        } else if a.starts_with('-') {
            return Err(format!(
                "bench-host: unknown option `{a}` (usage: cargo xtask bench-host [--rounds N] [MODEL...])"
            ));
        } else {
            models.push(a.clone());
        }
    }
    Ok(Args { rounds, models })
}

/// The median of `xs` (the mean of the middle two for an even count); `None` if empty.
fn median(xs: &[f64]) -> Option<f64> {
    let mut v: Vec<f64> = xs.iter().copied().filter(|x| x.is_finite()).collect();
    if v.is_empty() {
        return None;
    }
    v.sort_by(f64::total_cmp);
    let m = v.len() / 2;
    Some(if v.len() % 2 == 1 {
        v[m]
    } else {
        (v[m - 1] + v[m]) / 2.0
    })
}

/// µs per inference from `tinymtl bench`'s output: its `all heads` line (ns).
fn parse_tinymtl(stdout: &str) -> Result<f64, String> {
    stdout
        .lines()
        .find_map(|l| l.trim_start().strip_prefix("all heads"))
        .and_then(|rest| rest.split_whitespace().next()?.parse::<f64>().ok())
        .filter(|ns| ns.is_finite() && *ns > 0.0)
        .map(|ns| ns / 1000.0)
        .ok_or_else(|| format!("no `all heads` line with ns/inference in {stdout:?}"))
}

/// µs per inference from the `us/inference <float>` line the ort script and the tract
/// tool print.
fn parse_us(stdout: &str) -> Result<f64, String> {
    stdout
        .lines()
        .find_map(|l| l.trim().strip_prefix("us/inference"))
        .and_then(|rest| rest.trim().parse::<f64>().ok())
        .filter(|us| us.is_finite() && *us > 0.0)
        .ok_or_else(|| format!("no `us/inference <float>` line in {stdout:?}"))
}

/// The version of `package` recorded in a Cargo.lock.
fn lock_version(lock: &str, package: &str) -> Option<String> {
    let want = format!("name = \"{package}\"");
    let mut lines = lock.lines();
    while let Some(l) = lines.next() {
        if l.trim() == want {
            let v = lines.next()?.trim().strip_prefix("version = ")?;
            return Some(v.trim_matches('"').to_string());
        }
    }
    None
}

/// `YYYY-MM-DD` (UTC) of a Unix time in seconds (Howard Hinnant's `civil_from_days`).
fn utc_date(unix_secs: u64) -> String {
    let z = (unix_secs / 86_400) as i64 + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!("{y:04}-{m:02}-{d:02}")
}

/// µs with three significant figures, as the table shows them.
fn fmt_us(us: f64) -> String {
    if us >= 100.0 {
        format!("{us:.0}")
    } else if us >= 10.0 {
        format!("{us:.1}")
    } else {
        format!("{us:.2}")
    }
}

/// One model's row: each engine's median µs, or why it has none.
struct Row {
    model: String,
    us: [Result<f64, String>; 3],
}

/// The markdown table, its footnotes (one per engine that failed on a model) and the
/// worst ratio of tinymtl to the faster of the two other engines.
fn table(rows: &[Row]) -> String {
    let mut s = String::from(
        "| model | tinymtl | onnxruntime | tract | ÷ ort | ÷ tract |\n|---|---:|---:|---:|---:|---:|\n",
    );
    let mut notes: Vec<String> = Vec::new();
    let mut worst: Option<(f64, &str, &str)> = None;
    for r in rows {
        let mut cells: Vec<String> = Vec::new();
        for (e, us) in ENGINES.iter().zip(&r.us) {
            cells.push(match us {
                Ok(us) => fmt_us(*us),
                Err(why) => {
                    notes.push(format!("{e} on {}: {why}", r.model));
                    format!("- [{}]", notes.len())
                }
            });
        }
        for other in &r.us[1..] {
            cells.push(match (&r.us[0], other) {
                (Ok(t), Ok(o)) => format!("{:.2}", t / o),
                _ => "-".into(),
            });
        }
        s += &format!("| {} | {} |\n", r.model, cells.join(" | "));
        if let Ok(t) = r.us[0] {
            let faster = r.us[1..]
                .iter()
                .zip(&ENGINES[1..])
                .filter_map(|(us, e)| us.as_ref().ok().map(|us| (*us, *e)))
                .min_by(|a, b| a.0.total_cmp(&b.0));
            if let Some((o, e)) = faster {
                if worst.is_none_or(|(w, _, _)| t / o > w) {
                    worst = Some((t / o, &r.model, e));
                }
            }
        }
    }
    if !notes.is_empty() {
        s += "\n";
        for (i, n) in notes.iter().enumerate() {
            s += &format!("[{}] {}\n", i + 1, n);
        }
    }
    s += &match worst {
        Some((w, m, e)) => format!(
            "\nworst ratio against the faster engine: {w:.2}× ({m}, against {e}; the goal is ≤ 1.00×)\n"
        ),
        None => "\nworst ratio against the faster engine: none (no model has tinymtl and another engine)\n".into(),
    };
    s
}

/// Runs `cmd` (capturing), with its first word pinned by `pin` if given; µs from
/// `parse`, or one line saying why not.
fn measure(pin: Option<&[String]>, cmd: &[String], parse: Parse) -> Result<f64, String> {
    let mut c = match pin {
        Some(p) => {
            let mut c = Command::new(&p[0]);
            c.args(&p[1..]).args(cmd);
            c
        }
        None => {
            let mut c = Command::new(&cmd[0]);
            c.args(&cmd[1..]);
            c
        }
    };
    let out = c
        .current_dir(root())
        .output()
        .map_err(|e| format!("cannot start {}: {e}", cmd[0]))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    if !out.status.success() {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let why = stderr
            .lines()
            .rev()
            .find(|l| l.contains("error"))
            .or_else(|| stderr.lines().rev().find(|l| !l.trim().is_empty()))
            .unwrap_or("no message");
        return Err(format!("failed ({}): {}", out.status, why.trim()));
    }
    parse(&stdout)
}

/// The folder cargo builds `manifest_dir`'s crate into (`CARGO_TARGET_DIR` wins).
fn target_dir(manifest_dir: &Path) -> PathBuf {
    std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .map(|d| {
            if d.is_absolute() {
                d
            } else {
                manifest_dir.join(d)
            }
        })
        .unwrap_or_else(|| manifest_dir.join("target"))
}

/// One line: the command's stdout, trimmed, or `unknown`.
fn first_line(cmd: &mut Command) -> String {
    cmd.output()
        .ok()
        .filter(|o| o.status.success())
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout)
                .lines()
                .next()
                .map(|l| l.trim().to_string())
        })
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// `/proc/cpuinfo`'s model name and the number of cores.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|t| {
            t.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split_once(':'))
                .map(|(_, v)| v.trim().to_string())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    format!("{cpu}, {cores} cores")
}

/// `cargo xtask bench-host`.
pub fn bench_host(args: &[String]) -> Result<(), String> {
    let args = parse_args(args)?;
    let all = fixtures();
    let chosen: Vec<Fixture> = if args.models.is_empty() {
        all
    } else {
        let mut chosen = Vec::new();
        for m in &args.models {
            match all.iter().find(|f| &f.name == m) {
                Some(f) => chosen.push(f.clone()),
                None => {
                    let names: Vec<&str> = all.iter().map(|f| f.name.as_str()).collect();
                    return Err(format!(
                        "bench-host: no fixture `{m}` in tests/fixtures/manifest.json (there are: {})",
                        names.join(", ")
                    ));
                }
            }
        }
        chosen
    };
    step("bench-host: tinymtl, onnxruntime and tract side by side (build)");
    if !python_has("numpy, onnxruntime") {
        pip_requirements()?;
    }
    let root = root();
    run_as_set(
        Command::new(cargo())
            .args(["build", "--release", "-p", "tinymtl"])
            .current_dir(&root),
    )?;
    let tinymtl = target_dir(&root).join("release/tinymtl");
    // Run from its own folder, so its .cargo/config.toml (target-cpu=native) applies.
    let tract_dir = root.join("tools/bench-tract");
    run_as_set(
        Command::new(cargo())
            .args(["build", "--release", "--locked"])
            .current_dir(&tract_dir),
    )?;
    let tract = target_dir(&tract_dir).join("release/bench-tract");

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let core = if cores > 1 { "1" } else { "0" };
    let pin: Option<Vec<String>> = which::which("taskset")
        .ok()
        .map(|t| vec![t.display().to_string(), "-c".into(), core.into()]);
    let pinned = match &pin {
        Some(_) => format!("each engine pinned to core {core} (taskset -c {core})"),
        None => "not pinned (no taskset on this machine)".into(),
    };
    let ort_version = first_line(
        Command::new("python3")
            .arg("tools/bench-host/ort_bench.py")
            .arg("--version")
            .current_dir(&root),
    );
    let tract_version = std::fs::read_to_string(tract_dir.join("Cargo.lock"))
        .ok()
        .and_then(|l| lock_version(&l, "tract-onnx"))
        .map_or("tract-onnx (version unknown)".into(), |v| {
            format!("tract-onnx {v}")
        });
    let tinymtl_version = first_line(Command::new(&tinymtl).arg("--version"));
    let rev = first_line(
        Command::new("git")
            .args(["rev-parse", "--short", "HEAD"])
            .current_dir(&root),
    );
    let date = utc_date(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs()),
    );

    step(&format!(
        "bench-host: {} models, {} rounds, {pinned}",
        chosen.len(),
        args.rounds
    ));
    let s = |p: &Path| p.display().to_string();
    // Per model, per engine: the figures of each round so far, or why it failed (an
    // engine that failed once on a model is not run on it again).
    let mut got: Vec<[Result<Vec<f64>, String>; 3]> = chosen
        .iter()
        .map(|_| [Ok(vec![]), Ok(vec![]), Ok(vec![])])
        .collect();
    for round in 1..=args.rounds {
        for (f, got) in chosen.iter().zip(got.iter_mut()) {
            let model = s(&f.path(".onnx"));
            let inputs = s(&f.path(".inputs.npz"));
            let mut tm = vec![s(&tinymtl), "bench".into(), model.clone()];
            for (name, dims) in &f.input_shapes {
                let dims: Vec<String> = dims.iter().map(usize::to_string).collect();
                tm.push("--input-shape".into());
                tm.push(format!("{name}={}", dims.join(",")));
            }
            let cmds: [(Vec<String>, Parse); 3] = [
                (tm, parse_tinymtl),
                (
                    vec![
                        "python3".into(),
                        "tools/bench-host/ort_bench.py".into(),
                        model.clone(),
                        inputs.clone(),
                    ],
                    parse_us,
                ),
                (vec![s(&tract), model.clone(), inputs.clone()], parse_us),
            ];
            let mut line = format!("round {round}/{} {:<36}", args.rounds, f.name);
            for ((e, (cmd, parse)), slot) in ENGINES.iter().zip(cmds).zip(got.iter_mut()) {
                let Ok(runs) = slot else {
                    line += &format!(" {e} -");
                    continue;
                };
                match measure(pin.as_deref(), &cmd, parse) {
                    Ok(us) => {
                        runs.push(us);
                        line += &format!(" {e} {}", fmt_us(us));
                    }
                    Err(why) => {
                        line += &format!(" {e} FAILED");
                        *slot = Err(why);
                    }
                }
            }
            eprintln!("{line}");
        }
    }

    let rows: Vec<Row> = chosen
        .iter()
        .zip(got)
        .map(|(f, got)| Row {
            model: f.name.clone(),
            us: got.map(|g| g.and_then(|v| median(&v).ok_or_else(|| "no figure".to_string()))),
        })
        .collect();
    println!(
        "\nHost: {} · {tinymtl_version} (git {rev}), {ort_version}, {tract_version} · {date} · \
         batch 1, one thread, {} interleaved rounds, {pinned}; medians of µs per inference \
         (each engine: best of 7 batches of ≥ 20 ms)\n",
        machine(),
        args.rounds
    );
    print!("{}", table(&rows));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(xs: &[&str]) -> Vec<String> {
        xs.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn args() {
        assert_eq!(
            parse_args(&strings(&[])).unwrap(),
            Args {
                rounds: 3,
                models: vec![]
            }
        );
        assert_eq!(
            parse_args(&strings(&["a", "--rounds", "5", "b"])).unwrap(),
            Args {
                rounds: 5,
                models: strings(&["a", "b"])
            }
        );
        for bad in [
            &["--rounds"][..],
            &["--rounds", "0"],
            &["--rounds", "x"],
            &["-v"],
        ] {
            assert!(parse_args(&strings(bad)).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn medians() {
        assert_eq!(median(&[]), None);
        assert_eq!(median(&[3.0]), Some(3.0));
        assert_eq!(median(&[5.0, 1.0, 3.0]), Some(3.0));
        assert_eq!(median(&[4.0, 1.0, 3.0, 2.0]), Some(2.5));
        assert_eq!(median(&[f64::NAN, 2.0]), Some(2.0));
    }

    #[test]
    fn parsing() {
        let tm = "m.onnx: nanoseconds per inference on this host (release build, best of 7 batches; varies)\n\n\
                  head set                             ns/inference\n\
                  all heads                                 64400.0\n\
                  activity alone                            60000.5\n";
        assert_eq!(parse_tinymtl(tm), Ok(64.4));
        assert!(parse_tinymtl("head set ns/inference\n").is_err());
        assert!(parse_tinymtl("all heads nan\n").is_err());
        assert_eq!(parse_us("us/inference 18.125\n"), Ok(18.125));
        assert_eq!(parse_us("warming up\nus/inference 2\n"), Ok(2.0));
        assert!(parse_us("").is_err());
        assert!(parse_us("us/inference -1").is_err());
        let lock = "[[package]]\nname = \"tract-onnx\"\nversion = \"0.23.9\"\nsource = \"x\"\n";
        assert_eq!(lock_version(lock, "tract-onnx").as_deref(), Some("0.23.9"));
        assert_eq!(lock_version(lock, "tract-core"), None);
    }

    #[test]
    fn dates() {
        assert_eq!(utc_date(0), "1970-01-01");
        assert_eq!(utc_date(951_782_400), "2000-02-29");
        assert_eq!(utc_date(1_767_225_599), "2025-12-31");
    }

    #[test]
    fn the_table() {
        let rows = [
            Row {
                model: "tiny".into(),
                us: [Ok(64.4), Ok(18.1), Ok(19.9)],
            },
            Row {
                model: "big".into(),
                us: [
                    Ok(913.0),
                    Ok(114.0),
                    Err("tract cannot load the model: X".into()),
                ],
            },
            Row {
                model: "fast".into(),
                us: [Ok(1.5), Ok(3.0), Ok(6.0)],
            },
        ];
        let t = table(&rows);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "| model | tinymtl | onnxruntime | tract | ÷ ort | ÷ tract |"
        );
        assert_eq!(lines[2], "| tiny | 64.4 | 18.1 | 19.9 | 3.56 | 3.24 |");
        assert_eq!(lines[3], "| big | 913 | 114 | - [1] | 8.01 | - |");
        assert_eq!(lines[4], "| fast | 1.50 | 3.00 | 6.00 | 0.50 | 0.25 |");
        assert!(t.contains("\n[1] tract on big: tract cannot load the model: X\n"));
        assert!(
            t.contains("worst ratio against the faster engine: 8.01× (big, against onnxruntime")
        );
    }
}
