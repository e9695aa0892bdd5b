//! Code size and stack of a model's inference path when no ELF is at hand: estimated
//! from figures measured on firmware built from the fixture models, per kernel family
//! (`kernel_code.txt`, written by `cargo xtask code-table`).
//!
//! A firmware's inference path (the functions reachable from the generated module,
//! from `tinymtl-verify`'s call graph) is split by symbol: the generated module's own
//! functions (`model`: the steps' calls, with whatever kernel code the compiler
//! inlined into them), each runtime kernel module (`dense`, `conv`, `dot`, ...),
//! `libm` and the runtime's math (`math`) and everything else (`base`: memcpy, memset,
//! the entry). The table keeps, over every measured firmware, the largest `base`,
//! `math` and per-family bytes and the largest `model` bytes per kernel step; the
//! estimate for a model is `base + math (if it has activations, softmax, norms or
//! elementwise math) + the bytes of each family it uses + per-step bytes x steps`:
//! an upper bound on every measured firmware (`code-table` checks it on each). The
//! stack estimate is the largest stack the generated module's own frames take on a
//! measured deepest chain (`per-step`; `frames-conv` for models with a convolution,
//! whose gathered column the compiler may inline into the module) plus the largest stack measured below a function
//! of any family the model uses (`base` included).

use tinymtl_codegen::ir::program::Kernel;
use tinymtl_codegen::passes::Compiled;

/// The committed table (see the module docs).
pub const TABLE: &str = include_str!("kernel_code.txt");

/// The runtime's kernel modules, as families.
pub const FAMILIES: [&str; 12] = [
    "act",
    "conv",
    "dense",
    "dot",
    "elementwise",
    "movement",
    "norm",
    "pool",
    "reduce",
    "rnn",
    "select",
    "softmax",
];

/// The families (runtime kernel modules, and `math`) the steps of `c` use.
pub fn families(c: &Compiled) -> Vec<&'static str> {
    let mut f: Vec<&'static str> = Vec::new();
    for seg in &c.parts.segments {
        for &s in &seg.steps {
            f.extend(step_families(&c.program.steps[s].kernel));
        }
    }
    if f.iter()
        .any(|x| matches!(*x, "act" | "softmax" | "norm" | "elementwise" | "rnn"))
    {
        f.push("math");
    }
    f.sort_unstable();
    f.dedup();
    f
}

fn step_families(k: &Kernel) -> Vec<&'static str> {
    let act = |post: &tinymtl_codegen::ir::program::Post| post.act.map(|_| "act");
    match k {
        Kernel::Dense { post, .. } => [Some("dense"), Some("dot"), act(post)]
            .into_iter()
            .flatten()
            .collect(),
        Kernel::Conv { post, .. } => [Some("conv"), Some("dot"), act(post)]
            .into_iter()
            .flatten()
            .collect(),
        Kernel::MatMul(_) => vec!["dense"],
        Kernel::Pool { .. } => vec!["pool"],
        Kernel::Reduce(..) => vec!["reduce"],
        Kernel::Softmax { .. } => vec!["softmax"],
        Kernel::LayerNorm { .. } => vec!["norm"],
        Kernel::ChannelAffine { act: a, .. } => [Some("norm"), a.map(|_| "act")]
            .into_iter()
            .flatten()
            .collect(),
        Kernel::Unary(_) => vec!["act"],
        Kernel::Binary { .. } => vec!["elementwise"],
        Kernel::Select(_) => vec!["select"],
        Kernel::Permute(_) | Kernel::Slice { .. } | Kernel::Concat { .. } | Kernel::Materialize => {
            vec!["movement"]
        }
        Kernel::Rnn { .. } => vec!["rnn", "dot"],
        // Not measured yet (`cargo xtask code-table` needs firmware with them): counted
        // as the closest measured family, data movement.
        Kernel::Resize { .. } | Kernel::Pad { .. } | Kernel::GatherRows { .. } => {
            vec!["movement"]
        }
    }
}

/// Kernel steps the inference path runs (all heads).
pub fn steps(c: &Compiled) -> usize {
    c.parts.segments.iter().map(|s| s.steps.len()).sum()
}

/// Which part of the table a function of the inference path counts in: `model` for
/// the generated module's functions (`module` is its Rust module name), a family
/// for the runtime's kernel modules, `math` for libm and the runtime's math, `base`
/// for the rest.
pub fn classify(demangled: &str, module: &str) -> &'static str {
    if demangled.contains(&format!("::{module}::")) {
        return "model";
    }
    if demangled.starts_with("__tinymtl_dot") {
        return "dot";
    }
    if let Some((_, rest)) = demangled.split_once("tinymtl_runtime::kernels::") {
        let m = rest.split("::").next().unwrap_or("");
        if let Some(f) = FAMILIES.iter().find(|f| **f == m) {
            return f;
        }
    }
    if demangled.starts_with("libm::") || demangled.contains("tinymtl_runtime::math::") {
        return "math";
    }
    "base"
}

/// The table: bytes per part, stack per family.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Table {
    /// Rows `(part, code bytes, stack bytes)`; `per-step` is the generated module's
    /// bytes per kernel step, and its stack column the module's own frames.
    pub rows: Vec<(String, u64, u64)>,
}

impl Table {
    /// Parses the text of `kernel_code.txt`: `#` comments, then `part code stack` per line.
    pub fn parse(text: &str) -> Result<Table, String> {
        let mut rows = Vec::new();
        for (n, line) in text.lines().enumerate() {
            let line = line.split('#').next().unwrap_or("").trim();
            if line.is_empty() {
                continue;
            }
            let f: Vec<&str> = line.split_whitespace().collect();
            let num = |s: &str| {
                s.parse::<u64>()
                    .map_err(|_| format!("line {}: `{s}` is not a number", n + 1))
            };
            match f.as_slice() {
                [part, code, stack] => rows.push((part.to_string(), num(code)?, num(stack)?)),
                _ => return Err(format!("line {}: expected `part code stack`", n + 1)),
            }
        }
        Ok(Table { rows })
    }

    /// The committed table.
    pub fn committed() -> Table {
        Table::parse(TABLE).expect("kernel_code.txt parses (a unit test checks it)")
    }

    fn get(&self, part: &str) -> (u64, u64) {
        self.rows
            .iter()
            .find(|r| r.0 == part)
            .map_or((0, 0), |r| (r.1, r.2))
    }

    /// Estimated code bytes of a model using `families` in `steps` kernel steps,
    /// itemised as (part, bytes).
    pub fn code(&self, families: &[&str], steps: usize) -> Vec<(String, u64)> {
        let mut v = vec![("base".to_string(), self.get("base").0)];
        v.extend(families.iter().map(|f| (f.to_string(), self.get(f).0)));
        v.push((
            format!("generated code, {steps} steps"),
            self.get("per-step").0 * steps as u64,
        ));
        v
    }

    /// Estimated worst-case stack of a model using `families`.
    pub fn stack(&self, families: &[&str]) -> u64 {
        let below = families
            .iter()
            .map(|f| self.get(f).1)
            .chain([self.get("base").1])
            .max()
            .unwrap_or(0);
        let mut frames = self.get("per-step").1;
        if families.contains(&"conv") {
            frames = frames.max(self.get("frames-conv").1);
        }
        frames + below
    }

    /// Table text from measured firmware: for each, its families, its steps, its
    /// inference-path functions classified `(part, bytes)`, and its worst-case stack.
    pub fn derive(samples: &[Sample]) -> Table {
        let mut t = Table::default();
        let mut put =
            |part: &str, code: u64, stack: u64| match t.rows.iter_mut().find(|r| r.0 == part) {
                Some(r) => {
                    r.1 = r.1.max(code);
                    r.2 = r.2.max(stack);
                }
                None => t.rows.push((part.to_string(), code, stack)),
            };
        for s in samples {
            put("base", s.bytes("base"), s.stack_of("base"));
            // A convolution's gathered column (1 KiB) sits in the module's frame
            // when the compiler inlines the kernel: its own row for those frames.
            let conv = s.families.iter().any(|f| f == "conv");
            let frames = s.stack_of("model");
            let steps = s.steps.max(1) as u64;
            put(
                "per-step",
                s.bytes("model").div_ceil(steps),
                if conv { 0 } else { frames },
            );
            if conv {
                put("frames-conv", 0, frames);
            }
            let measured = s.functions.iter().chain(&s.stacks).map(|x| &x.0);
            for part in s.families.iter().chain(measured) {
                // Also parts the step rule does not predict for this model: the
                // check of `code-table` then reports it.
                if part != "model" && part != "base" {
                    put(part, s.bytes(part), s.stack_of(part));
                }
            }
        }
        // A family no measured firmware uses (every use fused away) still gets its row.
        for f in FAMILIES {
            put(f, 0, 0);
        }
        let order = |p: &str| match p {
            "base" => 0,
            "per-step" => 1,
            "frames-conv" => 2,
            _ => 3,
        };
        t.rows
            .sort_by(|a, b| order(&a.0).cmp(&order(&b.0)).then(a.0.cmp(&b.0)));
        t
    }

    /// The table as `kernel_code.txt` text, after `header` (comment lines).
    pub fn render(&self, header: &str) -> String {
        let mut s = String::from(header);
        s.push_str(&format!(
            "# {:<12} {:>10} {:>10}\n",
            "part", "code B", "stack B"
        ));
        for (p, c, st) in &self.rows {
            s.push_str(&format!("{p:<14} {c:>10} {st:>10}\n"));
        }
        s
    }
}

/// One measured firmware, for [`Table::derive`].
#[derive(Clone, Debug, Default)]
pub struct Sample {
    /// What was measured (the fixture's name).
    pub name: String,
    /// [`families`] of its model.
    pub families: Vec<String>,
    /// [`steps`] of its model.
    pub steps: usize,
    /// Its inference path's functions, each as ([`classify`] part, bytes).
    pub functions: Vec<(String, u64)>,
    /// Its worst-case stack (the call graph's `max_stack`).
    pub stack: u64,
    /// Its stack per part (`tinymtl::fit::CodeStack::stack_parts`).
    pub stacks: Vec<(String, u64)>,
}

impl Sample {
    /// Bytes of the functions in `part`.
    pub fn bytes(&self, part: &str) -> u64 {
        self.functions
            .iter()
            .filter(|f| f.0 == part)
            .map(|f| f.1)
            .sum()
    }

    /// Measured stack below the functions of `part`.
    pub fn stack_of(&self, part: &str) -> u64 {
        self.stacks
            .iter()
            .filter(|f| f.0 == part)
            .map(|f| f.1)
            .max()
            .unwrap_or(0)
    }

    /// Measured code bytes of the inference path.
    pub fn code(&self) -> u64 {
        self.functions.iter().map(|f| f.1).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_committed_table_parses_and_has_every_part() {
        let t = Table::parse(TABLE).unwrap();
        for p in FAMILIES
            .iter()
            .chain(&["base", "per-step", "frames-conv", "math"])
        {
            assert!(t.rows.iter().any(|r| r.0 == *p), "{p} missing");
        }
        assert!(t.get("per-step").0 > 0 && t.get("base").0 > 0);
    }

    #[test]
    fn bad_table_lines_are_refused_with_their_line() {
        assert_eq!(
            Table::parse("# x\nbase 10\n").unwrap_err(),
            "line 2: expected `part code stack`"
        );
        assert!(Table::parse("base ten 0").unwrap_err().contains("`ten`"));
    }

    #[test]
    fn functions_are_classified_by_module() {
        let c = |n| classify(n, "har");
        assert_eq!(c("tinymtl_nrf52840_dk::har::trunk"), "model");
        assert_eq!(c("tinymtl_runtime::kernels::dense::dense_rows"), "dense");
        assert_eq!(
            c("<tinymtl_runtime::kernels::elementwise::Scalar as tinymtl_runtime::kernels::elementwise::Operand>::at"),
            "elementwise"
        );
        assert_eq!(c("__tinymtl_dot_f16x8"), "dot");
        assert_eq!(c("libm::math::expf::expf"), "math");
        assert_eq!(c("compiler_builtins::mem::memcpy"), "base");
        assert_eq!(c("tinymtl_qemu_m4::model::trunk"), "base");
    }

    #[test]
    fn the_derived_table_bounds_every_sample() {
        let own = |v: &[(&str, u64)]| -> Vec<(String, u64)> {
            v.iter().map(|(p, b)| (p.to_string(), *b)).collect()
        };
        let s = |name: &str, fams: &[&str], steps, f: &[(&str, u64)], st: &[(&str, u64)]| {
            // The module's frames, then the deepest part below them.
            let below = st[1..].iter().map(|x| x.1).max().unwrap_or(0);
            Sample {
                name: name.into(),
                families: fams.iter().map(|x| x.to_string()).collect(),
                steps,
                functions: own(f),
                stack: st[0].1 + below,
                stacks: own(st),
            }
        };
        let a = s(
            "a",
            &["dense", "dot"],
            2,
            &[("base", 100), ("model", 300), ("dense", 50)],
            &[("model", 100), ("dense", 300), ("base", 40)],
        );
        let b = s(
            "b",
            &["conv", "dot"],
            4,
            &[("base", 120), ("model", 200), ("dot", 80)],
            &[("model", 120), ("dot", 1280)],
        );
        let t = Table::derive(&[a.clone(), b.clone()]);
        assert_eq!(t.get("per-step").0, 150);
        assert_eq!(t.get("base").0, 120);
        for x in [&a, &b] {
            let fams: Vec<&str> = x.families.iter().map(String::as_str).collect();
            let est: u64 = t.code(&fams, x.steps).iter().map(|r| r.1).sum();
            assert!(est >= x.code(), "{}: {est} < {}", x.name, x.code());
            assert!(t.stack(&fams) >= x.stack);
        }
        assert_eq!((a.stack, b.stack), (400, 1400));
        assert_eq!(t.stack(&["dense"]), 100 + 300);
        assert_eq!(t.stack(&["conv", "dot"]), 120 + 1280);
        assert_eq!(t.get("frames-conv"), (0, 120));
        assert_eq!(Table::parse(&t.render("# h\n")).unwrap(), t);
    }
}
