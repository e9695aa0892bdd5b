//! `code-table [--check]`: the figures `tinymtl inspect --board` estimates code size
//! and stack from when it has no ELF. Builds the emulated board's firmware
//! (thumbv7em-none-eabihf, release) for every fixture model and the demo model,
//! measures each inference path (functions reachable from the generated module, their
//! symbol sizes, the worst-case stack: `tinymtl::fit::elf::measure`), derives the
//! per-family table (`tinymtl::fit::estimate::Table::derive`), checks that its
//! estimate bounds every measured firmware, and writes `cli/src/fit/kernel_code.txt`
//! (`--check`: fails if the committed file differs instead).

use tinymtl::fit::estimate::{self, Sample, Table};
use tinymtl_codegen::Builder;

/// The models measured: the fixtures (as `manifest.json` lists them, with any
/// `input_shape` it gives) and the demo, by name.
fn models() -> Result<Vec<(String, Builder)>, String> {
    let mut v: Vec<(String, Builder)> = tinymtl_host_tests::fixtures()
        .into_iter()
        .map(|f| (f.name.clone(), f.builder()))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    let demo = crate::root().join("examples/har/har_mtl.onnx");
    v.push(("har_mtl".to_string(), Builder::new(demo)));
    Ok(v)
}

/// `cargo xtask code-table [--check]`.
pub fn code_table(check: bool) -> Result<(), String> {
    crate::step(
        "code-table: inference-path code and stack per kernel family, measured on fixture firmware",
    );
    let mut samples = Vec::new();
    for (name, b) in models()? {
        eprintln!("  building the qemu-m4 firmware of {name}");
        let fw = tinymtl::qemu::build(&tinymtl::qemu::QEMU_M4, &b).map_err(|e| e.to_string())?;
        let cs = tinymtl::fit::elf::measure(&fw.elf, "model").map_err(|e| e.to_string())?;
        let c = &fw.generated.compiled;
        samples.push(Sample {
            name,
            families: estimate::families(c)
                .iter()
                .map(|f| f.to_string())
                .collect(),
            steps: estimate::steps(c),
            functions: cs.code,
            stack: cs.stack,
            stacks: cs.stack_parts,
        });
    }
    let table = Table::derive(&samples);
    eprintln!(
        "\n{:<32} {:>6} {:>10} {:>10} {:>8} {:>8}",
        "model", "steps", "code", "estimate", "stack", "est."
    );
    let mut low = Vec::new();
    for s in &samples {
        let fams: Vec<&str> = s.families.iter().map(String::as_str).collect();
        let est: u64 = table.code(&fams, s.steps).iter().map(|r| r.1).sum();
        let st = table.stack(&fams);
        eprintln!(
            "{:<32} {:>6} {:>10} {:>10} {:>8} {:>8}",
            s.name,
            s.steps,
            s.code(),
            est,
            s.stack,
            st
        );
        if est < s.code() || st < s.stack {
            low.push(s.name.clone());
        }
    }
    if !low.is_empty() {
        return Err(format!(
            "the estimate is below the measured figures for {}",
            low.join(", ")
        ));
    }
    let header = format!(
        "# Code and worst-case stack of the inference path per kernel family, the largest\n\
         # measured over the emulated board's firmware (thumbv7em-none-eabihf, release) of\n\
         # {} models (tests/fixtures/manifest.json, examples/har/har_mtl.onnx). Written by\n\
         # `cargo xtask code-table`; read by `tinymtl inspect --board` (cli/src/fit/estimate.rs).\n\
         # per-step: bytes of the generated module per kernel step (kernels inlined into it\n\
         # included) and, as stack, the module's own frames on a deepest chain (frames-conv:\n\
         # the same for models with a convolution); base: memcpy, memset and the rest;\n\
         # math: libm; a family's stack is the deepest measured below\n\
         # one of its functions.\n",
        samples.len()
    );
    let text = table.render(&header);
    let path = crate::root().join("cli/src/fit/kernel_code.txt");
    if check {
        let old = std::fs::read_to_string(&path).unwrap_or_default();
        if old != text {
            return Err(format!(
                "{} is out of date: run `cargo xtask code-table`",
                path.display()
            ));
        }
        Ok(())
    } else {
        std::fs::write(&path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }
}
