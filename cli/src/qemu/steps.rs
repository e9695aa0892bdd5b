//! `tinymtl bench --target qemu-* --steps`: a per-step profile. The model is built a
//! second time with [`Builder::profile_steps`], so its generated code calls the
//! runtime's marker `tinymtl_runtime::profile::step` after every kernel step; the
//! firmware's `steps` mode runs every part in order and the plugin closes one interval
//! at each marker. Each step's row is its interval less one marker's own instructions
//! (measured by two bare marker calls): the kernel call with its arena borrows, and
//! for a part's first step the part function's entry.
//!
//! The markers change the code around them a little (registers saved across the
//! call), so the rows are compared with the whole run of the ordinary firmware, the
//! one `tinymtl bench` measures.

use super::bench::{bench_text, count, measure_firmware, Measured, Window};
use super::cycles::{by_group, estimate, has_cycle_model, Mix, FOOTNOTE, GROUPS};
use super::firmware::{build, Firmware};
use super::QemuTarget;
use std::fmt::Write;
use tinymtl_codegen::{escape, report, Builder, Error, Result};

/// One kernel step's share of the profiled run.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StepCount {
    /// Index of the step in the program.
    pub step: usize,
    /// The part it belongs to (its function's name).
    pub part: String,
    /// Index of that part.
    pub segment: usize,
    /// The ONNX nodes it implements, `Op `name`` joined with ` + ` (escaped).
    pub nodes: String,
    /// The kernel variant (the step's kernel label).
    pub kernel: String,
    /// Multiply-accumulates the code generator counts for it.
    pub macs: u64,
    /// Instructions executed for it (one marker's own subtracted).
    pub instructions: u64,
    /// Estimated Cortex-M4 cycles of its mix (`None` off M4-class targets).
    pub cycles: Option<u64>,
    /// Its instruction mix (one marker's subtracted).
    pub mix: Mix,
}

/// The per-step profile of one model on one target.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Profile {
    /// The target counted on.
    pub target: QemuTarget,
    /// Every step, in execution order (parts in order, each part's steps in order).
    pub steps: Vec<StepCount>,
    /// Instructions of one marker call (subtracted from every row).
    pub marker: u64,
    /// Instructions of the profiled run after its last marker (the last part's return).
    pub tail: u64,
}

impl Profile {
    /// Sum of the rows' instructions.
    pub fn instructions(&self) -> u64 {
        self.steps.iter().map(|s| s.instructions).sum()
    }

    /// Sum of the rows' estimated cycles.
    pub fn cycles(&self) -> Option<u64> {
        self.steps.iter().map(|s| s.cycles).sum()
    }
}

/// Builds the profiling firmware of `builder`'s model for `t`.
pub fn build_profiled(t: &QemuTarget, builder: &Builder) -> Result<Firmware> {
    build(t, &builder.clone().profile_steps(true))
}

/// Profiles firmware `fw` (built by [`build_profiled`]) step by step.
pub fn profile_firmware(fw: &Firmware) -> Result<Profile> {
    let t = &fw.target;
    let c = &fw.generated.compiled;
    let names = &fw.generated.names;
    let (counts, _) = count(fw, "steps", true)?;
    let order: Vec<(usize, usize)> = c
        .parts
        .segments
        .iter()
        .enumerate()
        .flat_map(|(si, seg)| seg.steps.iter().map(move |&s| (si, s)))
        .collect();
    if counts.windows.len() != 2 || counts.marks.len() != 2 + order.len() {
        return Err(Error::new(format!(
            "the plugin reported {} windows and {} markers, expected 2 and {} \
             (was the model generated with Builder::profile_steps?)",
            counts.windows.len(),
            counts.marks.len(),
            2 + order.len()
        )));
    }
    let (marker, marker_mix) = counts.marks[1].clone();
    let rows = &counts.marks[2..];
    let steps = order
        .iter()
        .zip(rows)
        .map(|(&(si, s), (n, mix))| {
            let mix = mix.saturating_sub(&marker_mix);
            let st = &c.program.steps[s];
            let nodes: Vec<String> = st
                .nodes
                .iter()
                .map(|(name, op)| format!("{} `{}`", escape::text(op), escape::text(name)))
                .collect();
            StepCount {
                step: s,
                part: names.segments[si].clone(),
                segment: si,
                nodes: nodes.join(" + "),
                kernel: st.kernel.label().to_string(),
                macs: st.kernel.macs(),
                instructions: n.saturating_sub(marker),
                cycles: estimate(t, &mix),
                mix,
            }
        })
        .collect();
    let inside: u64 = rows.iter().map(|r| r.0).sum();
    Ok(Profile {
        target: *t,
        steps,
        marker,
        tail: counts.windows[1].0.saturating_sub(inside),
    })
}

/// Builds the profiling firmware and profiles it.
pub fn profile(t: &QemuTarget, builder: &Builder) -> Result<Profile> {
    profile_firmware(&build_profiled(t, builder)?)
}

fn ratio(a: u64, b: u64) -> String {
    if b > 0 {
        format!("{:.2}", a as f64 / b as f64)
    } else {
        "-".into()
    }
}

fn or_dash(v: Option<u64>) -> String {
    v.map_or("-".into(), |c| c.to_string())
}

/// The per-step table of profile `p`, compared with `whole` (the ordinary firmware's
/// whole run, all heads).
pub fn steps_text(p: &Profile, whole: &Window) -> String {
    let mut s = String::new();
    let total = p.instructions();
    let _ = writeln!(
        s,
        "{:>5}  {:<16} {:>12} {:>14} {:>9} {:>7} {:>14} {:>10}  nodes",
        "step", "kernel", "MACs", "instructions", "instr/MAC", "share", "est. cycles*", "cyc/MAC"
    );
    let mut part = "";
    for r in &p.steps {
        if r.part != part {
            part = &r.part;
            let _ = writeln!(s, "part {part}:");
        }
        let share = if total > 0 {
            format!("{:.1}%", 100.0 * r.instructions as f64 / total as f64)
        } else {
            "-".into()
        };
        let _ = writeln!(
            s,
            "{:>5}  {:<16} {:>12} {:>14} {:>9} {:>7} {:>14} {:>10}  {}",
            r.step,
            r.kernel,
            r.macs,
            r.instructions,
            ratio(r.instructions, r.macs),
            share,
            or_dash(r.cycles),
            r.cycles.map_or("-".into(), |c| ratio(c, r.macs)),
            r.nodes
        );
    }
    let macs: u64 = p.steps.iter().map(|r| r.macs).sum();
    let cycles = p.cycles();
    let _ = writeln!(
        s,
        "{:>5}  {:<16} {:>12} {:>14} {:>9} {:>7} {:>14} {:>10}",
        "",
        "total (steps)",
        macs,
        total,
        ratio(total, macs),
        "100%",
        or_dash(cycles),
        cycles.map_or("-".into(), |c| ratio(c, macs))
    );
    let diff = whole.instructions as i128 - total as i128;
    let _ = writeln!(
        s,
        "\nwhole run (all heads, ordinary firmware): {} instructions, est. cycles {}; \
         steps sum to {total} ({diff:+} outside the steps: Model::run's own code, \
         output copies, and the markers' effect on the code around them)",
        whole.instructions,
        or_dash(whole.cycles),
    );
    let _ = writeln!(
        s,
        "profiling firmware: one marker call is {} instructions (subtracted from every \
         step); {} instructions after the last step",
        p.marker, p.tail
    );
    mix_table(&mut s, p);
    s
}

/// Where each step's estimated cycles go (instructions off M4-class targets), by
/// instruction group, as a share of the step's total.
fn mix_table(s: &mut String, p: &Profile) {
    let what = if has_cycle_model(&p.target) {
        "share of each step's estimated cycles*"
    } else {
        "share of each step's instructions"
    };
    let _ = write!(
        s,
        "\n{what}, by instruction group:\n{:>5}  {:<16}",
        "step", "kernel"
    );
    for (g, _) in GROUPS {
        let _ = write!(s, " {g:>8}");
    }
    s.push('\n');
    for r in &p.steps {
        let groups = by_group(&p.target, &r.mix);
        let sum: u64 = groups.iter().map(|g| g.1).sum();
        let _ = write!(s, "{:>5}  {:<16}", r.step, r.kernel);
        for (_, n) in groups {
            let share = if sum > 0 {
                format!("{:.1}%", 100.0 * n as f64 / sum as f64)
            } else {
                "-".into()
            };
            let _ = write!(s, " {share:>8}");
        }
        s.push('\n');
    }
}

/// What `tinymtl bench --target qemu-* --steps` shows.
#[derive(Clone, Debug)]
pub struct StepsBench {
    /// The ordinary table, then the per-step profile.
    pub text: String,
    /// The `tinymtl inspect --html` page with the per-step profile (`--html FILE`).
    pub html: String,
}

/// `tinymtl bench --target qemu-* --steps`: the ordinary table, then the per-step
/// profile (and the HTML page with it).
pub fn bench_steps(t: &QemuTarget, builder: &Builder) -> Result<StepsBench> {
    let fw = build(t, builder)?;
    let m: Measured = measure_firmware(&fw)?;
    let p = profile(t, builder)?;
    let whole = m
        .head_sets
        .last()
        .ok_or_else(|| Error::new("internal error: no head set measured"))?;
    let mut s = bench_text(builder.model_path(), &m)?;
    s += "\nper kernel step, in execution order (profiling firmware: a marker after every step):\n\n";
    s += &steps_text(&p, whole);
    let (qemu, _) = super::plugin_api_version(t)?;
    let c = &fw.generated.compiled;
    let page = report::StepProfile {
        source: format!("QEMU {qemu} {} ({}, {})", t.machine, t.core, t.name),
        rows: p
            .steps
            .iter()
            .map(|r| report::ProfileRow {
                step: r.step,
                part: r.segment,
                kernel: r.kernel.clone(),
                nodes: c.program.steps[r.step].nodes.clone(),
                macs: r.macs,
                instructions: r.instructions,
                cycles: r.cycles,
            })
            .collect(),
        whole_run: whole.instructions,
        note: FOOTNOTE.trim_start_matches("* ").trim().to_string(),
    };
    let file = builder.model_path().display().to_string();
    let html = report::html_with_profile(&fw.generated, &file, Some(&page));
    Ok(StepsBench { text: s, html })
}
