//! ONNX backend conformance: the `onnx` package's node tests of every op the loader
//! claims, run through the generated code on the host.
//!
//! `tests/conformance/make_cases.py` writes the cases (model, inputs, expected outputs,
//! or a reason why a case cannot apply) into `<target>/conformance-cases/`; this test
//! compiles every model with the code generator, builds all generated modules into one
//! harness binary (`host::build_many`: one compiler run instead of hundreds; code that
//! does not compile fails the test), runs each case and compares with the expected
//! outputs. The per-op table goes to
//! `<target>/conformance.md`; it must equal the checked-in `docs/conformance.md`, made
//! with the same (pinned) onnx version, so the document stays true and any regression
//! fails the test; another onnx version fails too.
//! `CONFORMANCE_BLESS=1` writes the new table to `docs/conformance.md` instead.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use tinymtl::host;
use tinymtl::npz::{self, Spec};
use tinymtl_codegen::{load, Builder, Generated};
use tinymtl_host_tests::Close;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn target_dir() -> PathBuf {
    // <target>/<profile>/deps/conformance-<hash>
    std::env::current_exe()
        .expect("test binary path")
        .ancestors()
        .nth(3)
        .expect("the test binary sits in <target>/<profile>/deps")
        .to_path_buf()
}

fn specs(v: &serde_json::Value) -> Vec<Spec> {
    v.as_array()
        .expect("array")
        .iter()
        .map(|s| Spec {
            name: s["name"].as_str().expect("name").into(),
            shape: s["shape"]
                .as_array()
                .expect("shape")
                .iter()
                .map(|d| d.as_u64().expect("dim") as usize)
                .collect(),
        })
        .collect()
}

/// Outcome of one case.
#[derive(Clone, Debug, PartialEq)]
enum Outcome {
    Passed,
    /// Not passed, with the reason shown in the table.
    Not(String),
}

struct Case {
    name: String,
    op: String,
    dir: PathBuf,
    tolerance: Close,
    outputs: Vec<Spec>,
    outcome: Option<Outcome>,
}

/// Shortens a refusal to its gist for the table: the message without file and node,
/// numbers and quoted names replaced so that alike refusals group together.
fn gist(message: &str) -> String {
    let mut s = String::new();
    let mut quoted = false;
    let mut word = String::new();
    let mut depth = 0i32;
    for ch in message.chars() {
        match ch {
            '\'' => {
                quoted = !quoted;
                if !quoted {
                    // Op and attribute names stay; tensor and node names vary per case.
                    let keep = word.chars().all(|c| c.is_ascii_alphabetic() || c == '_')
                        && !word.is_empty()
                        && word.len() <= 20;
                    s.push('\'');
                    s.push_str(if keep { &word } else { "…" });
                    s.push('\'');
                    word.clear();
                }
            }
            _ if quoted => word.push(ch),
            // Numbers in shapes and input indices vary per case.
            '0'..='9' if depth > 0 || s.ends_with('#') || s.ends_with('N') => {
                if !s.ends_with('N') {
                    s.push('N');
                }
            }
            '[' => {
                depth += 1;
                s.push(ch);
            }
            ']' => {
                depth -= 1;
                s.push(ch);
            }
            _ => s.push(ch),
        }
    }
    let s = s.split(". Supported ops").next().unwrap_or(&s).to_string();
    let s = s.split(" (supported").next().unwrap_or(&s).to_string();
    if s.chars().count() > 110 {
        s.chars().take(107).collect::<String>() + "..."
    } else {
        s
    }
}

fn compare(got: &[Vec<f32>], want: &[Vec<f32>], outs: &[Spec], tol: Close) -> Outcome {
    for (k, (g, w)) in got.iter().zip(want).enumerate() {
        let mut worst: Option<(usize, f32, f32)> = None;
        for (i, (&a, &b)) in g.iter().zip(w).enumerate() {
            if !tol.admits(a, b) && worst.is_none() {
                worst = Some((i, a, b));
            }
        }
        if let Some((i, a, b)) = worst {
            let what = if b.is_nan() || a.is_nan() {
                "NaN handling differs"
            } else if b.is_infinite() || a.is_infinite() {
                "infinity handling differs"
            } else {
                "values differ beyond tolerance"
            };
            return Outcome::Not(format!(
                "{what} (output '{}'[{i}] = {a}, expected {b})",
                outs[k].name
            ));
        }
    }
    Outcome::Passed
}

#[test]
fn onnx_backend_node_tests() {
    let cases_dir = std::env::var_os("CONFORMANCE_CASES")
        .map(PathBuf::from)
        .unwrap_or_else(|| target_dir().join("conformance-cases"));
    let status = Command::new("python3")
        .arg(root().join("tests/conformance/make_cases.py"))
        .arg("--out")
        .arg(&cases_dir)
        .arg("--ops")
        .arg(load::SUPPORTED_OPS.join(","))
        .arg("--fold-ops")
        .arg(load::FOLD_ONLY_OPS.join(","))
        .status()
        .expect("python3 runs (pip install -r tests/fixtures/requirements-check.txt)");
    assert!(status.success(), "make_cases.py failed");
    let meta: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(cases_dir.join("cases.json")).expect("cases.json"),
    )
    .expect("cases.json parses");
    let onnx_version = meta["onnx"].as_str().expect("onnx version").to_string();

    // Generate code for every case that applies.
    let mut cases: Vec<Case> = Vec::new();
    let mut built: Vec<(usize, Generated)> = Vec::new();
    for e in meta["cases"].as_array().expect("cases") {
        let mut case = Case {
            name: e["name"].as_str().expect("name").into(),
            op: e["op"].as_str().expect("op").into(),
            dir: PathBuf::new(),
            tolerance: Close { abs: 0.0, rel: 0.0 },
            outputs: Vec::new(),
            outcome: None,
        };
        if e["status"] != "run" {
            case.outcome = Some(Outcome::Not(format!(
                "not applicable: {}",
                e["reason"].as_str().unwrap_or("")
            )));
            cases.push(case);
            continue;
        }
        case.dir = cases_dir.join(e["dir"].as_str().expect("dir"));
        case.tolerance = Close {
            rel: e["tolerance"]["rtol"].as_f64().expect("rtol") as f32,
            abs: e["tolerance"]["atol"].as_f64().expect("atol") as f32,
        };
        case.outputs = specs(&e["outputs"]);
        let model = case.dir.join("model.onnx");
        let r = std::panic::catch_unwind(|| Builder::new(&model).build());
        match r {
            Err(_) => panic!("{}: the code generator panicked", case.name),
            Ok(Err(err)) => {
                case.outcome = Some(Outcome::Not(format!("refused: {}", gist(&err.message))))
            }
            Ok(Ok(g)) => built.push((cases.len(), g)),
        }
        cases.push(case);
    }

    // One harness for all. Every model the tool accepts must generate code that
    // compiles: a build failure fails the test (never a table row).
    let models: Vec<&Generated> = built.iter().map(|(_, g)| g).collect();
    let bin = match models.is_empty() {
        true => None,
        false => Some(host::build_many(&models).unwrap_or_else(|e| {
            panic!("generated code of an accepted case does not compile (src/m<index> is built[index]):\n{e}")
        })),
    };
    if let Some(bin) = &bin {
        for (i, (ci, g)) in built.iter().enumerate() {
            let c = &g.compiled;
            let case = &mut cases[*ci];
            let (in_specs, out_specs) = tinymtl::contract::specs(c);
            let outcome = (|| {
                let samples = npz::read(&case.dir.join("inputs.npz"), &in_specs)
                    .map_err(|e| format!("inputs: {e}"))?;
                let heads: Vec<usize> = (0..out_specs.len()).collect();
                let got = host::run_many(c, bin, i, &samples, &heads).map_err(|e| {
                    format!("run failed: {}", e.message.lines().next().unwrap_or(""))
                })?;
                let want = npz::read(&case.dir.join("expected.npz"), &case.outputs)
                    .map_err(|e| format!("expected: {e}"))?;
                // Outputs come in graph order in both.
                Ok(compare(&got, &want.data, &case.outputs, case.tolerance))
            })();
            case.outcome = Some(outcome.unwrap_or_else(Outcome::Not));
        }
    }

    let table = render(&cases, &onnx_version);
    std::fs::write(target_dir().join("conformance.md"), &table).expect("write the table");
    let doc = root().join("docs/conformance.md");
    if std::env::var_os("CONFORMANCE_BLESS").is_some() {
        std::fs::write(&doc, &table).expect("write docs/conformance.md");
        return;
    }
    let old = std::fs::read_to_string(&doc).unwrap_or_default();
    let doc_version = old
        .lines()
        .find_map(|l| l.strip_prefix("onnx version: "))
        .map(|v| v.trim_matches('`').to_string());
    // The cases come from the installed onnx package: the table is only true for the
    // version it was made with, pinned in requirements-check.txt.
    assert_eq!(
        doc_version.as_deref(),
        Some(onnx_version.as_str()),
        "docs/conformance.md is for onnx {doc_version:?}, the installed one is {onnx_version}: \
         `pip install -r tests/fixtures/requirements-check.txt` (or bless a new table with \
         CONFORMANCE_BLESS=1 after a deliberate upgrade)"
    );
    assert!(
        old == table,
        "conformance results differ from docs/conformance.md (new table in {}); \
         if the change is intended, run with CONFORMANCE_BLESS=1",
        target_dir().join("conformance.md").display()
    );
}

fn render(cases: &[Case], onnx_version: &str) -> String {
    let mut by_op: BTreeMap<&str, Vec<&Case>> = BTreeMap::new();
    for c in cases {
        by_op.entry(&c.op).or_default().push(c);
    }
    let total = cases.len();
    let passed = cases
        .iter()
        .filter(|c| c.outcome == Some(Outcome::Passed))
        .count();
    let applicable: Vec<&Case> = cases
        .iter()
        .filter(|c| !matches!(&c.outcome, Some(Outcome::Not(r)) if r.starts_with("not applicable")))
        .collect();
    let mut s = String::new();
    s += "# ONNX backend conformance\n\n";
    s += "<!-- @generated by tests/conformance/tests/conformance.rs (`cargo xtask test-conformance`, `CONFORMANCE_BLESS=1` to update) -->\n\n";
    s += &format!("onnx version: `{onnx_version}`\n\n");
    s += "The `onnx` package's backend node tests (`onnx.backend.test.case.node`) of every op \
          in `tinymtl_codegen::load::SUPPORTED_OPS`, each run through the **generated code** on \
          the host: `tests/conformance/make_cases.py` turns each test into a `tinymtl run` case \
          (graph inputs after the first, for Where the first float one, become constants, \
          except the float operands of Add/Sub/Mul/Div/Pow/MatMul/Concat, the comparisons and \
          Where; expected outputs recomputed with f16-rounded \
          constants where rounding changes them); a case passes when every output is within \
          the test's tolerance (at least rtol 1e-3, atol 1e-5). A case belongs to the op it \
          tests (`*_expanded` variants to the op they expand).\n\n";
    s += &format!(
        "**{passed} of {} applicable cases pass.** {total} cases test the claimed ops; {} \
         are not applicable, each with its reason (non-float32 inputs or outputs, sequences, \
         empty tensors, `_expanded` forms built of ops tinymtl does not claim). Cases \
         refused are features tinymtl does not support; the refusal is the loader's own \
         message.\n\n",
        applicable.len(),
        total - applicable.len()
    );
    s += "| op | passed | applicable | all cases | why not passed (cases) |\n|---|---:|---:|---:|---|\n";
    for (op, cs) in &by_op {
        let p = cs
            .iter()
            .filter(|c| c.outcome == Some(Outcome::Passed))
            .count();
        let a = cs
            .iter()
            .filter(
                |c| !matches!(&c.outcome, Some(Outcome::Not(r)) if r.starts_with("not applicable")),
            )
            .count();
        let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
        for c in cs {
            if let Some(Outcome::Not(r)) = &c.outcome {
                let key = if let Some(rest) = r.strip_prefix("not applicable: ") {
                    let cat = rest.rsplit_once(": ").map_or(rest, |(c, _)| c);
                    if cat.starts_with("expanded form") {
                        format!("not applicable: {rest}")
                    } else {
                        format!("not applicable: {cat}")
                    }
                } else if r.starts_with("values differ") {
                    "values differ beyond tolerance".to_string()
                } else if r.starts_with("NaN handling") {
                    "NaN handling differs".into()
                } else if r.starts_with("infinity handling") {
                    "infinity handling differs".into()
                } else {
                    r.clone()
                };
                *reasons.entry(key).or_default() += 1;
            }
        }
        let mut reasons: Vec<(String, usize)> = reasons.into_iter().collect();
        reasons.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let why: Vec<String> = reasons
            .iter()
            .map(|(r, n)| format!("{} ({n})", r.replace('|', "\\|")))
            .collect();
        s += &format!("| {op} | {p} | {a} | {} | {} |\n", cs.len(), why.join("; "));
    }
    s += "\n## Cases not passed\n\n";
    for c in cases {
        if let Some(Outcome::Not(r)) = &c.outcome {
            if !r.starts_with("not applicable") {
                s += &format!("- `{}` ({}): {}\n", c.name, c.op, r);
            }
        }
    }
    s
}
