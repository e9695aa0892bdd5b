//! The benchmark models' instruction counts on qemu-m4 against the committed golden
//! `tests/bench/golden.txt`.
//!
//! The benchmark models are the fixtures with `"benchmark": true` in the manifest
//! (`tests/fixtures/bench_models.py`: TinyConv, MobileNet v1 0.25 with one and two
//! heads, DS-CNN, a 1 M-parameter MLP). Each one's firmware is built for qemu-m4 and
//! counted (`tinymtl::qemu::measure_firmware`, what `tinymtl bench MODEL --target
//! qemu-m4` prints): every head alone and all heads. QEMU counts are deterministic, so a
//! count more than 1 % above its golden is a regression and fails; more than 1 % below
//! fails too, so the golden stays current: `cargo xtask bench-golden --bless`
//! (`TINYMTL_BLESS=1`) rewrites it. The MACs of all heads must equal the manifest's.

use std::path::{Path, PathBuf};
use tinymtl::qemu::{self, QEMU_M4};
use tinymtl_host_tests::*;

/// Allowed drift either way, percent.
const TOLERANCE_PERCENT: u64 = 1;

/// What rewrites the golden.
const BLESS: &str = "cargo xtask bench-golden --bless";

fn golden_path() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/golden.txt")
}

/// One measured head set of one model.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    model: String,
    /// `all` (the whole inference) or the name of the head run alone.
    heads: String,
    macs: u64,
    instructions: u64,
}

fn render(target: &str, rows: &[Row]) -> String {
    let mut s = format!(
        "# Executed instructions of the benchmark models (tests/fixtures/bench_models.py) on\n\
         # {target}, per head set: `all` = every head (Model::run), else that head alone.\n\
         # Checked by tests/qemu/tests/bench_golden.rs (`cargo xtask test`, `cargo xtask\n\
         # bench-golden`): a count more than {TOLERANCE_PERCENT} % away from its golden fails either way.\n\
         # Rewrite with `{BLESS}`. Columns: model, head set, MACs,\n\
         # instructions, instructions per MAC (for the reader).\n"
    );
    for r in rows {
        s += &format!(
            "{:<34} {:<8} {:>10} {:>12} {:>7.2}\n",
            r.model,
            r.heads,
            r.macs,
            r.instructions,
            r.instructions as f64 / r.macs.max(1) as f64
        );
    }
    s
}

/// Reads `model heads macs instructions ...` lines; comments and other lines are skipped.
fn parse(text: &str) -> Vec<Row> {
    text.lines()
        .filter(|l| !l.trim_start().starts_with('#'))
        .filter_map(|l| {
            let w: Vec<&str> = l.split_whitespace().collect();
            Some(Row {
                model: w.first()?.to_string(),
                heads: w.get(1)?.to_string(),
                macs: w.get(2)?.parse().ok()?,
                instructions: w.get(3)?.parse().ok()?,
            })
        })
        .collect()
}

/// What differs between `measured` and `golden` beyond the tolerance, one line each.
fn check(measured: &[Row], golden: &[Row]) -> Vec<String> {
    let mut failures = Vec::new();
    let key = |r: &Row| format!("{} / {}", r.model, r.heads);
    for m in measured {
        let Some(g) = golden
            .iter()
            .find(|g| g.model == m.model && g.heads == m.heads)
        else {
            failures.push(format!("{} is not in the golden: run `{BLESS}`", key(m)));
            continue;
        };
        let (v, gv, tol) = (m.instructions, g.instructions, TOLERANCE_PERCENT);
        if v * 100 > gv * (100 + tol) {
            failures.push(format!(
                "{}: {v} instructions, {:+.2} % over the golden {gv} (tolerance {tol} %): a regression; \
                 if intended, run `{BLESS}`",
                key(m),
                (v as f64 / gv as f64 - 1.0) * 100.0
            ));
        } else if v * 100 < gv * (100 - tol) {
            failures.push(format!(
                "{}: {v} instructions, {:.2} % under the golden {gv}: faster, lock it in with `{BLESS}`",
                key(m),
                (v as f64 / gv as f64 - 1.0) * 100.0
            ));
        }
        if m.macs != g.macs {
            failures.push(format!(
                "{}: {} MACs, the golden has {}: run `{BLESS}`",
                key(m),
                m.macs,
                g.macs
            ));
        }
    }
    for g in golden {
        if !measured
            .iter()
            .any(|m| m.model == g.model && m.heads == g.heads)
        {
            failures.push(format!(
                "{} is in the golden but was not measured: run `{BLESS}`",
                key(g)
            ));
        }
    }
    failures
}

/// Every head set of every benchmark model on qemu-m4.
fn measure_all() -> Vec<Row> {
    let models: Vec<Fixture> = fixtures().into_iter().filter(|f| f.benchmark).collect();
    assert!(models.len() >= 5, "only {} benchmark models", models.len());
    let mut rows = Vec::new();
    for f in &models {
        let fw = qemu::build(&QEMU_M4, &f.builder()).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        let m = qemu::measure_firmware(&fw).unwrap_or_else(|e| panic!("{}: {e}", f.name));
        let all = m.head_sets.last().expect("all heads");
        assert_eq!(
            Some(all.macs),
            f.macs,
            "{}: the code generator counts {} MACs, the manifest says {:?}",
            f.name,
            all.macs,
            f.macs
        );
        for w in &m.head_sets {
            let heads = match w.name.strip_suffix(" alone") {
                Some(head) => head.to_string(),
                None => "all".to_string(),
            };
            rows.push(Row {
                model: f.name.clone(),
                heads,
                macs: w.macs,
                instructions: w.instructions,
            });
        }
    }
    rows
}

#[test]
fn benchmark_instruction_counts_match_the_golden() {
    for prog in [QEMU_M4.qemu, "timeout", "gcc"] {
        qemu::require(&QEMU_M4, prog, "the benchmark golden").unwrap_or_else(|e| panic!("{e}"));
    }
    let rows = measure_all();
    let text = render(QEMU_M4.name, &rows);
    print!("{text}");
    if std::env::var_os("TINYMTL_BLESS").is_some() {
        std::fs::write(golden_path(), &text).unwrap();
        println!("blessed {}", golden_path().display());
        return;
    }
    let golden = std::fs::read_to_string(golden_path())
        .unwrap_or_else(|e| panic!("{}: {e}; run `{BLESS}`", golden_path().display()));
    let failures = check(&rows, &parse(&golden));
    assert!(
        failures.is_empty(),
        "{} difference(s) from {}:\n{}",
        failures.len(),
        golden_path().display(),
        failures.join("\n")
    );
}

#[test]
fn the_golden_check_fails_beyond_one_percent_either_way() {
    let row = |heads: &str, instructions| Row {
        model: "m".into(),
        heads: heads.into(),
        macs: 1000,
        instructions,
    };
    let golden = parse(&render("qemu-m4", &[row("all", 10_000), row("a", 6_000)]));
    assert_eq!(golden, vec![row("all", 10_000), row("a", 6_000)]);
    assert!(check(&[row("all", 10_100), row("a", 5_940)], &golden).is_empty());
    let over = check(&[row("all", 10_101), row("a", 6_000)], &golden);
    assert!(
        over.len() == 1 && over[0].contains("regression"),
        "{over:?}"
    );
    let under = check(&[row("all", 9_899), row("a", 6_000)], &golden);
    assert!(under.len() == 1 && under[0].contains(BLESS), "{under:?}");
    let missing = check(&[row("all", 10_000)], &golden);
    assert!(
        missing.len() == 1 && missing[0].contains("not measured"),
        "{missing:?}"
    );
    let mut macs = row("all", 10_000);
    macs.macs = 999;
    assert_eq!(check(&[macs, row("a", 6_000)], &golden).len(), 1);
}
