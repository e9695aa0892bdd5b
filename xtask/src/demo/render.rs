//! The demo's printed report: per task the predictions against the labels and the
//! score, the parts of the shared model with their costs and instructions, shared vs
//! each task as its own model, flash and RAM, and the bench as `tinymtl bench` prints
//! it.

use super::run::ModelRun;
use super::score::{argmax, label_values, score};
use super::{show, Opts, SHARED};
use std::collections::BTreeMap;
use std::fmt::Write as _;
use tinymtl::npz::{Array, Values};

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

pub(super) fn render(
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
        let (p, k) = (&pred.values, pred.per);
        let (y, is_int) = label_values(label);
        if is_int {
            let classes: Vec<String> = match labels.get(&format!("{t}_classes")).map(|a| &a.values)
            {
                Some(Values::Text(c)) => c.clone(),
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
    for part in &shared.parts {
        // Bench rows are named like the generated functions: `trunk`, `head_x`, `branch_x_y`.
        let cost = &part.cost;
        let _ = writeln!(
            s,
            "  {:<28} {:>9} {:>10} {:>10}{}",
            part.label,
            group(cost.params as u64),
            group(cost.weight_bytes as u64),
            group(cost.macs),
            if measured {
                format!("   {:>12}", fmt_ins(ins(shared, &part.key)))
            } else {
                String::new()
            }
        );
    }
    let t = &shared.total;
    let _ = writeln!(
        s,
        "  {:<28} {:>9} {:>10} {:>10}{}\n",
        "all heads (one run)",
        group(t.params as u64),
        group(t.weight_bytes as u64),
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
            Some(m.total.params as u64),
            Some(m.total.weight_bytes as u64),
            Some(m.total.macs),
            time(m),
            Some(m.arena_bytes as u64),
        ]
    };
    cols.push(("shared".into(), row(shared)));
    for (t, m) in singles {
        cols.push((format!("{t} model"), row(m)));
    }
    if singles.len() >= 2 {
        let arena = singles.iter().map(|(_, m)| m.arena_bytes as u64).max();
        cols.push((
            "separate total".into(),
            vec![
                sum(&|m| Some(m.total.params as u64)),
                sum(&|m| Some(m.total.weight_bytes as u64)),
                sum(&|m| Some(m.total.macs)),
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
    let _ = writeln!(
        s,
        "\nflash and RAM of the shared model: weights {} B in flash; arena {} B{} of RAM",
        group(shared.total.weight_bytes as u64),
        group(shared.arena_bytes as u64),
        shared
            .stack
            .map(|b| format!(" + stack high-water mark {} B (whole firmware)", group(b)))
            .unwrap_or_default()
    );
    if let Some(fw) = &shared.firmware {
        let _ = writeln!(
            s,
            "whole firmware on the board (model, runtime, start-up, I/O): flash {} B, static RAM {} B",
            group(fw.flash()),
            group(fw.ram())
        );
    }
    // Each head alone, inside the shared model.
    let _ = writeln!(
        s,
        "\none head alone in the shared model (trunk + its head):"
    );
    for (h, cost) in &shared.alone {
        let _ = writeln!(
            s,
            "  {h:<26} weight B {:>8}  MACs {:>9}{}",
            group(cost.weight_bytes as u64),
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
