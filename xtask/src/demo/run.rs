//! Running one model of the demo through the `tinymtl` library: compiled (costs per
//! part), generated (module and HTML report), the held-out windows run through the
//! generated code (host or emulated board), measured (host nanoseconds, or board
//! instructions, stack and the firmware's flash and RAM).

use super::score::Output;
use super::{show, Opts};
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};
use tinymtl::{contract, host, npz, qemu};
use tinymtl_codegen::passes::cost::PartCost;
use tinymtl_codegen::passes::partition::Kind;
use tinymtl_codegen::{escape, report, Builder, Generated};
use tinymtl_verify::ElfSizes;

/// One part of a model: `tinymtl inspect`'s label, the generated function's name
/// (what the bench calls it), its cost.
pub(super) struct Part {
    pub label: String,
    pub key: String,
    pub cost: PartCost,
}

/// One model of the demo: compiled, run and measured.
pub(super) struct ModelRun {
    pub stem: String,
    /// The trunk, the shared branches and the heads, in execution order.
    pub parts: Vec<Part>,
    pub total: PartCost,
    /// Per head: trunk + its branches + its own part.
    pub alone: Vec<(String, PartCost)>,
    pub arena_bytes: usize,
    /// The model's outputs (name and per-window shape).
    pub specs: Vec<npz::Spec>,
    /// Per output: what the generated code computed for the held-out windows.
    pub outputs: BTreeMap<String, Output>,
    /// Instructions per bench row (`trunk`, `head_x`, `x alone`, `all heads`), when measured.
    pub instructions: BTreeMap<String, u64>,
    /// Host nanoseconds per head set (`all heads`, `x alone`), when measured.
    pub ns: BTreeMap<String, u64>,
    /// Stack high-water mark of the whole firmware, when measured on the board.
    pub stack: Option<u64>,
    /// Flash and RAM of the firmware ELF, on the board.
    pub firmware: Option<ElfSizes>,
    /// The bench as `tinymtl bench` prints it, or why it is not available.
    pub bench_text: Result<String, String>,
}

fn err(e: tinymtl_codegen::Error) -> String {
    e.to_string()
}

/// `f()`, printing the elapsed time every 10 s while it runs (a firmware build,
/// QEMU) and its duration at the end.
fn ticking<T>(f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let done = AtomicBool::new(false);
    std::thread::scope(|s| {
        s.spawn(|| {
            let mut shown = 0;
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(250));
                let secs = start.elapsed().as_secs();
                if secs >= shown + 10 {
                    shown = secs;
                    eprintln!("  ... {secs}s");
                }
            }
        });
        let r = f();
        done.store(true, Ordering::Relaxed);
        eprintln!("  ({:.1}s)", start.elapsed().as_secs_f32());
        r
    })
}

fn warn(g: &Generated) {
    for w in &g.warnings {
        eprintln!("warning: {}", escape::line(w));
    }
}

/// Costs of `g`'s parts, labelled as `tinymtl inspect` labels them.
fn parts(g: &Generated) -> Vec<Part> {
    let c = &g.compiled;
    let p = &c.program;
    let head = |h: usize| escape::text(&p.values[p.outputs[h]].name);
    c.parts
        .segments
        .iter()
        .enumerate()
        .map(|(si, seg)| {
            let key = g.names.segments[si].clone();
            let label = match seg.kind {
                Kind::Trunk => "trunk".to_string(),
                Kind::Branch => format!("branch {}", key.trim_start_matches("branch_")),
                Kind::Head(h) => format!("head {}", head(h)),
            };
            Part {
                label,
                key,
                cost: c.cost.parts[si],
            }
        })
        .collect()
}

/// Writes `<stem>.rs` (the generated module) and `<stem>.html` (the report) to the
/// output folder.
fn write_files(o: &Opts, b: &Builder, stem: &str) -> Result<(), String> {
    let g = b.build().map_err(err)?;
    let name = b.model_path().display().to_string();
    let html = o.out.join(format!("{stem}.html"));
    tinymtl_codegen::write_atomic(&html, report::html(&g, &name).as_bytes()).map_err(err)?;
    let code = o.out.join(format!("{stem}.rs"));
    g.write(&code).map_err(err)?;
    eprintln!(
        "  generated {} ({} lines); report {}",
        show(&code),
        g.code.lines().count(),
        show(&html)
    );
    Ok(())
}

/// What the bench measured.
#[derive(Default)]
struct Bench {
    instructions: BTreeMap<String, u64>,
    ns: BTreeMap<String, u64>,
    stack: Option<u64>,
    text: String,
}

/// Host nanoseconds per head set, or board instructions per part and head set.
fn bench(b: &Builder, fw: Option<&qemu::Firmware>) -> Result<Bench, String> {
    let model = b.model_path();
    let Some(fw) = fw else {
        let ns = host::measure(b).map_err(err)?;
        return Ok(Bench {
            text: host::bench_text(model, &ns),
            ns: ns.into_iter().map(|(k, v)| (k, v.round() as u64)).collect(),
            ..Bench::default()
        });
    };
    let m = qemu::measure_firmware(fw).map_err(err)?;
    Ok(Bench {
        text: qemu::bench_text(model, &m).map_err(err)?,
        instructions: m
            .parts
            .iter()
            .chain(&m.head_sets)
            .map(|w| (w.name.clone(), w.instructions))
            .collect(),
        stack: Some(m.stack_used),
        ..Bench::default()
    })
}

/// Compiles, runs and measures `<stem>.onnx` of the example; with `files`, also
/// writes its generated module and report.
pub(super) fn model(o: &Opts, stem: &str, files: bool) -> Result<ModelRun, String> {
    let model = o.dir.join(format!("{stem}.onnx"));
    let b = Builder::new(&model).module_name(stem);
    if files {
        write_files(o, &b, stem)?;
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
    let inputs = o.dir.join("heldout.inputs.npz");
    let g = ticking(|| {
        if o.host {
            host::run_files(&b, &inputs, &out, &[])
        } else {
            qemu::run_files(&qemu::QEMU_M4, &b, &inputs, &out, &[])
        }
    })
    .map_err(|e| {
        if o.host {
            err(e)
        } else {
            format!("{e}\n(`cargo xtask demo --host` runs the generated code on this machine)")
        }
    })?;
    warn(&g);
    let (_, specs) = contract::specs(&g.compiled);
    let samples = npz::read(&out, &specs).map_err(err)?;
    let outputs = specs
        .iter()
        .zip(samples.data)
        .map(|(s, values)| {
            let per = s.shape.iter().product::<usize>().max(1);
            (s.name.clone(), Output { per, values })
        })
        .collect();
    eprintln!("  measuring {stem}'s generated code ...");
    // The board's firmware: built by the run already, so found in the cache.
    let fw = if o.host {
        None
    } else {
        qemu::build(&qemu::QEMU_M4, &b).ok()
    };
    let firmware = fw
        .as_ref()
        .and_then(|fw| tinymtl_verify::elf_sizes(&fw.elf).ok());
    let measured = ticking(|| bench(&b, fw.as_ref()));
    let (bench, bench_text) = match measured {
        Ok(mut m) => {
            let text = std::mem::take(&mut m.text);
            (m, Ok(text))
        }
        Err(e) => (Bench::default(), Err(e)),
    };
    let c = &g.compiled;
    Ok(ModelRun {
        stem: stem.into(),
        parts: parts(&g),
        total: c.cost.total,
        alone: (0..c.program.outputs.len())
            .map(|h| (escape::text(&specs[h].name), c.cost.head_alone(&c.parts, h)))
            .collect(),
        arena_bytes: c.plan.arena_len * 4,
        specs,
        outputs,
        instructions: bench.instructions,
        ns: bench.ns,
        stack: bench.stack,
        firmware,
        bench_text,
    })
}
