//! The panic-free check of the inference path: a call graph of a firmware ELF built
//! from its disassembly and walked from `tinymtl_infer` and every function of the
//! generated `model` module. It reports the calls into panic entry points reached,
//! recursion, indirect calls and the worst-case stack depth (from the prologues).
//!
//! `analyze` is the pure part (objdump's text in, the graph out) and is unit-tested
//! on hand-written listings; [`inference_call_graph`] runs `arm-none-eabi-objdump`
//! before it and `arm-none-eabi-addr2line` after it.

use crate::{require, Error, Result};
use std::collections::HashMap;
use std::path::Path;
use std::process::Command;

/// The call graph of the inference path of a firmware ELF.
#[derive(Clone, Debug, Default)]
pub struct CallGraph {
    /// Functions the walk started from (`tinymtl_infer` and the model's functions).
    pub roots: Vec<String>,
    /// Functions reachable from them.
    pub reachable: usize,
    /// Call chains from a root to a panicking function.
    pub panics: Vec<PanicPath>,
    /// Cycles (recursion) among reachable functions, each closed on its first
    /// function (`a -> b -> a`).
    pub recursion: Vec<Vec<String>>,
    /// Reachable functions with indirect calls (their callees are unknown).
    pub indirect: Vec<String>,
    /// Worst-case stack of the inference path in bytes, from the functions'
    /// prologues (`push`, `vpush`, `sub sp`), and the chain that needs it.
    pub max_stack: u64,
    /// The deepest chain.
    pub deepest: Vec<String>,
    /// The frame of each function of `deepest`, in bytes.
    pub deepest_frames: Vec<u64>,
    /// Every reachable function, as the ELF's symbol table names it (mangled), for
    /// [`code_bytes`].
    pub functions: Vec<String>,
    /// The deepest stack from each of `functions` on (its frame and its deepest
    /// callee chain), in bytes.
    pub stack_from: Vec<u64>,
}

/// One way the inference path can reach a panic.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PanicPath {
    /// Functions from a root to the panic entry point (demangled, no hashes).
    pub chain: Vec<String>,
    /// Source of the call into the panic entry point, innermost inlined frame
    /// first (`arm-none-eabi-addr2line -i`), when debug info has it.
    pub site: Vec<String>,
}

impl PanicPath {
    /// `caller -> panic entry point`, the two last functions of the chain.
    pub fn edge(&self) -> String {
        let n = self.chain.len();
        self.chain[n.saturating_sub(2)..].join(" -> ")
    }
}

/// Whether a (demangled) function name is a panic entry point.
pub fn is_panic(name: &str) -> bool {
    const PATTERNS: [&str; 11] = [
        "panic",
        "unwrap_failed",
        "expect_failed",
        "index_fail",
        "index_len_fail",
        "len_mismatch_fail",
        "assert_failed",
        "rust_begin_unwind",
        "slice_error_fail",
        "index_order_fail",
        "str_index_overflow_fail",
    ];
    PATTERNS.iter().any(|p| name.contains(p))
}

/// Disassembles `elf` with `arm-none-eabi-objdump` and walks the calls (`bl`,
/// tail-call branches) from `tinymtl_infer` and every function of the generated
/// `model` module: panicking functions reached, recursion, indirect calls, and the
/// worst-case stack depth.
pub fn inference_call_graph(elf: &Path) -> Result<CallGraph> {
    call_graph(elf, Roots::Inference)
}

/// [`inference_call_graph`] of any firmware: the walk starts from the functions of
/// the generated module included as `mod <module>` (a board crate's `mod har`), and
/// needs no `tinymtl_infer`.
pub fn module_call_graph(elf: &Path, module: &str) -> Result<CallGraph> {
    call_graph(elf, Roots::Module(module))
}

/// Where the walk starts.
#[derive(Clone, Copy)]
enum Roots<'a> {
    /// `tinymtl_infer` (required) and the functions of `mod model`.
    Inference,
    /// The functions of `mod <name>`.
    Module(&'a str),
}

fn call_graph(elf: &Path, roots: Roots<'_>) -> Result<CallGraph> {
    let objdump = require(
        "arm-none-eabi-objdump",
        "the call-graph check disassembles the firmware",
    )?;
    let out = Command::new(objdump)
        .args(["-d", "--no-show-raw-insn"])
        .arg(elf)
        .output()
        .map_err(|e| Error::new(format!("cannot run arm-none-eabi-objdump: {e}")))?;
    if !out.status.success() {
        return Err(Error::new(format!(
            "arm-none-eabi-objdump failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    let (mut g, sites) = analyze_from(&String::from_utf8_lossy(&out.stdout), roots)
        .map_err(|e| Error::new(format!("{}: {e}", elf.display())))?;
    for (p, lines) in g.panics.iter_mut().zip(source_lines(elf, &sites)) {
        p.site = lines;
    }
    Ok(g)
}

/// Bytes of code of `g`'s reachable functions (their sizes in `elf`'s symbol
/// table), each as (demangled name without its hash, bytes), in `functions` order.
pub fn code_bytes(elf: &Path, g: &CallGraph) -> Result<Vec<(String, u64)>> {
    let sizes = crate::elf::symbol_sizes(elf)?;
    Ok(g.functions
        .iter()
        .map(|f| (demangle(f), sizes.get(f).copied().unwrap_or(0)))
        .collect())
}

/// The call graph of the inference path from the text of `arm-none-eabi-objdump -d
/// --no-show-raw-insn`, and the address of each panic path's call into its panic
/// entry point (in `panics` order; the paths' `site` is left empty).
#[cfg(test)]
fn analyze(disassembly: &str) -> Result<(CallGraph, Vec<u64>)> {
    analyze_from(disassembly, Roots::Inference)
}

fn analyze_from(disassembly: &str, from: Roots<'_>) -> Result<(CallGraph, Vec<u64>)> {
    let funcs = parse(disassembly);
    let names: Vec<String> = funcs.iter().map(|f| demangle(&f.name)).collect();
    let module = match from {
        Roots::Inference => "::model::".to_string(),
        Roots::Module(m) => format!("::{m}::"),
    };
    let mut roots: Vec<usize> = (0..funcs.len())
        .filter(|&i| {
            (matches!(from, Roots::Inference) && names[i] == "tinymtl_infer")
                || names[i].contains(&module)
        })
        .collect();
    // The entry point first: panic chains start there when it reaches them.
    roots.sort_by_key(|&i| names[i] != "tinymtl_infer");
    match from {
        Roots::Inference if roots.first().is_none_or(|&i| names[i] != "tinymtl_infer") => {
            return Err(Error::new(
                "no `tinymtl_infer` function (not a tinymtl firmware?)",
            ));
        }
        Roots::Module(m) if roots.is_empty() => {
            return Err(Error::new(format!(
                "no function of a module `{m}` (the generated module as the firmware names it)"
            )));
        }
        _ => {}
    }
    let mut walk = Walk::new(&funcs, &names);
    for &r in &roots {
        if walk.state[r] == NEW {
            walk.visit(r);
        }
    }
    let mut g = CallGraph {
        roots: roots.iter().map(|&i| names[i].clone()).collect(),
        reachable: walk.state.iter().filter(|&&s| s == DONE).count(),
        functions: (0..funcs.len())
            .filter(|&i| walk.state[i] == DONE)
            .map(|i| funcs[i].name.clone())
            .collect(),
        stack_from: (0..funcs.len())
            .filter(|&i| walk.state[i] == DONE)
            .map(|i| walk.depth[i].0)
            .collect(),
        indirect: (0..funcs.len())
            .filter(|&i| walk.state[i] == DONE && funcs[i].indirect)
            .map(|i| names[i].clone())
            .collect(),
        ..CallGraph::default()
    };
    let mut sites = Vec::new();
    for &(caller, p) in &walk.panicking {
        let mut chain = vec![short_name(&names[p]), short_name(&names[caller])];
        let mut u = caller;
        while let Some(q) = walk.parent[u] {
            chain.push(short_name(&names[q]));
            u = q;
        }
        chain.reverse();
        let site = funcs[caller].sites.iter().find(|s| s.0 == p).map(|s| s.1);
        sites.push(site.unwrap_or(0));
        g.panics.push(PanicPath {
            chain,
            site: Vec::new(),
        });
    }
    if let Some(&top) = roots.iter().max_by_key(|&&r| walk.depth[r].0) {
        g.max_stack = walk.depth[top].0;
        let mut u = Some(top);
        while let Some(v) = u {
            g.deepest
                .push(format!("{} ({} B)", names[v], funcs[v].frame));
            g.deepest_frames.push(funcs[v].frame);
            u = walk.depth[v].1;
        }
    }
    g.recursion = walk.cycles;
    Ok((g, sites))
}

/// One function of the disassembly.
#[derive(Default)]
struct Func {
    /// Its symbol as objdump prints it (mangled).
    name: String,
    /// Bytes its prologue takes off the stack.
    frame: u64,
    /// Functions it calls (`bl`, `blx <f>`).
    calls: Vec<usize>,
    /// Functions it branches to: tail calls, made once its own frame is gone.
    tail: Vec<usize>,
    /// Callee and address of each call and branch to another function.
    sites: Vec<(usize, u64)>,
    /// Whether it calls or branches through a register (`blx r3`, `bx r2`).
    indirect: bool,
}

/// Instructions at the start of a function that may belong to its prologue.
const PROLOGUE_LEN: usize = 8;

/// The functions of an objdump listing with their frames and resolved calls.
fn parse(disassembly: &str) -> Vec<Func> {
    let mut funcs: Vec<Func> = Vec::new();
    let mut index: HashMap<String, usize> = HashMap::new();
    // Caller, callee symbol, whether a branch (tail call), address.
    let mut edges: Vec<(usize, String, bool, u64)> = Vec::new();
    let mut prologue = 0;
    for line in disassembly.lines() {
        // `00001e0c <tinymtl_infer>:` starts a function.
        if let Some(name) = line
            .strip_suffix(">:")
            .and_then(|l| l.split_once(" <"))
            .filter(|(a, _)| a.chars().all(|c| c.is_ascii_hexdigit()))
            .map(|(_, n)| n.to_string())
        {
            index.insert(name.clone(), funcs.len());
            funcs.push(Func {
                name,
                ..Func::default()
            });
            prologue = PROLOGUE_LEN;
            continue;
        }
        let Some(f) = funcs.len().checked_sub(1) else {
            continue;
        };
        // `    1e1e:\tbl\t12a0 <callee>`, maybe with a `\t@ comment` after the operands.
        let Some((addr, insn)) = line.split_once(":\t") else {
            continue;
        };
        let addr = u64::from_str_radix(addr.trim(), 16).unwrap_or(0);
        let mut fields = insn.split('\t');
        let op = fields.next().unwrap_or("").trim();
        let args = fields.next().unwrap_or("").trim();
        if prologue > 0 {
            prologue -= 1;
            funcs[f].frame += frame_bytes(op, args);
        }
        let is_call = op == "bl" || op == "blx";
        let is_branch = op.starts_with('b') && !is_call && !op.starts_with("bic");
        if (is_call || is_branch) && args.contains('<') {
            let target = args
                .split_once('<')
                .map(|x| x.1.trim_end_matches('>'))
                .unwrap_or("");
            // `<f+0x1a>` is a branch inside a function; a branch to the function's
            // own entry is a loop, a call to it is recursion.
            if !target.contains('+') && (is_call || target != funcs[f].name) {
                edges.push((f, target.to_string(), is_branch, addr));
            }
        } else if (op == "blx" || op == "bx") && !args.starts_with("lr") {
            funcs[f].indirect = true;
        }
    }
    for (f, target, tail, addr) in edges {
        if let Some(&t) = index.get(&target) {
            funcs[f].sites.push((t, addr));
            if tail {
                funcs[f].tail.push(t);
            } else {
                funcs[f].calls.push(t);
            }
        }
    }
    funcs
}

/// Bytes one prologue instruction takes off the stack (0 for any other instruction).
fn frame_bytes(op: &str, args: &str) -> u64 {
    let regs = args.split_once('{').map(|x| x.1).unwrap_or("");
    match op {
        "push" | "push.w" => 4 * reg_count(regs),
        "stmdb" | "stmdb.w" if args.starts_with("sp!") => 4 * reg_count(regs),
        "vpush" | "vpush.64" | "vpush.32" | "vstmdb" => {
            let size = if regs.trim_start().starts_with('d') {
                8
            } else {
                4
            };
            size * reg_count(regs)
        }
        "sub" | "sub.w" | "subw" if args.starts_with("sp,") => {
            args.rsplit(',').next().and_then(imm).unwrap_or(0)
        }
        _ => 0,
    }
}

fn reg_count(list: &str) -> u64 {
    // "{r4, r5, r6, r7, lr}" or "{d8-d15}": ranges count every register.
    list.trim_matches(|c| c == '{' || c == '}' || c == ' ')
        .split(',')
        .map(|r| {
            let r = r.trim();
            match r.split_once('-') {
                Some((a, b)) => {
                    let n = |x: &str| {
                        x.trim_start_matches(|c: char| c.is_ascii_alphabetic())
                            .parse::<u64>()
                            .unwrap_or(0)
                    };
                    n(b).saturating_sub(n(a)) + 1
                }
                None if r.is_empty() => 0,
                None => 1,
            }
        })
        .sum()
}

fn imm(s: &str) -> Option<u64> {
    let s = s.trim().trim_start_matches('#');
    match s.strip_prefix("0x") {
        Some(h) => u64::from_str_radix(h, 16).ok(),
        None => s.parse().ok(),
    }
}

/// Walk state of a function: not reached yet.
const NEW: u8 = 0;
/// Walk state of a function: on the current call path.
const ON_PATH: u8 = 1;
/// Walk state of a function: reached and finished.
const DONE: u8 = 2;

/// Depth-first walk of the call graph: colours for cycle detection, memoized stack
/// depth, the first caller of each function for the panic chains.
struct Walk<'a> {
    funcs: &'a [Func],
    names: &'a [String],
    state: Vec<u8>,
    /// Deepest stack from each function on, and the callee on that path.
    depth: Vec<(u64, Option<usize>)>,
    /// The caller each function was first reached from.
    parent: Vec<Option<usize>>,
    /// Calls into panic entry points (caller, panic entry point), in walk order.
    panicking: Vec<(usize, usize)>,
    cycles: Vec<Vec<String>>,
}

impl<'a> Walk<'a> {
    fn new(funcs: &'a [Func], names: &'a [String]) -> Self {
        let n = funcs.len();
        Walk {
            funcs,
            names,
            state: vec![NEW; n],
            depth: vec![(0, None); n],
            parent: vec![None; n],
            panicking: Vec::new(),
            cycles: Vec::new(),
        }
    }

    fn visit(&mut self, v: usize) {
        self.state[v] = ON_PATH;
        let (funcs, names) = (self.funcs, self.names);
        let f = &funcs[v];
        let mut best: (u64, Option<usize>) = (f.frame, None);
        let succ = f.calls.iter().map(|&c| (c, true));
        for (c, call) in succ.chain(f.tail.iter().map(|&c| (c, false))) {
            if is_panic(&names[c]) {
                // Every call into a panic entry point is reported; what the panic
                // machinery calls (formatting, the handler) is not walked.
                if !self.panicking.contains(&(v, c)) {
                    self.panicking.push((v, c));
                }
                continue;
            }
            match self.state[c] {
                NEW => {
                    self.parent[c] = Some(v);
                    self.visit(c);
                }
                ON_PATH => {
                    self.cycles.push(self.cycle(v, c));
                    continue;
                }
                _ => {}
            }
            // A tail call runs once the caller's frame is popped.
            let d = if call { f.frame } else { 0 } + self.depth[c].0;
            if d > best.0 {
                best = (d, Some(c));
            }
        }
        self.depth[v] = best;
        self.state[v] = DONE;
    }

    /// The cycle closed by `v` calling `c`, which is on the current path:
    /// `c -> ... -> v -> c`.
    fn cycle(&self, v: usize, c: usize) -> Vec<String> {
        let mut cycle = vec![self.names[c].clone()];
        let mut u = v;
        while u != c {
            cycle.push(self.names[u].clone());
            match self.parent[u] {
                Some(p) => u = p,
                None => break,
            }
        }
        cycle.push(self.names[c].clone());
        cycle.reverse();
        cycle
    }
}

/// `file:line (function)` of every inlined frame at each of `addrs`, innermost first.
fn source_lines(elf: &Path, addrs: &[u64]) -> Vec<Vec<String>> {
    let Ok(tool) = which::which("arm-none-eabi-addr2line") else {
        return vec![Vec::new(); addrs.len()];
    };
    let mut cmd = Command::new(tool);
    cmd.args(["-i", "-f", "-C", "-a", "-e"]).arg(elf);
    for a in addrs {
        cmd.arg(format!("{a:#x}"));
    }
    let Ok(out) = cmd.output() else {
        return vec![Vec::new(); addrs.len()];
    };
    let text = String::from_utf8_lossy(&out.stdout);
    let mut res: Vec<Vec<String>> = Vec::new();
    let mut lines = text.lines().peekable();
    while let Some(l) = lines.next() {
        if l.starts_with("0x") {
            res.push(Vec::new());
            continue;
        }
        let loc = lines.next().unwrap_or("?");
        let loc = loc.split(" (discriminator").next().unwrap_or(loc);
        // `<crate>/src/<file>:<line>` for crates, the file name for generated files.
        let short = match loc.rsplit_once("/src/") {
            Some((dir, file)) => {
                format!("{}/src/{file}", dir.rsplit('/').next().unwrap_or(""))
            }
            None => loc.rsplit('/').next().unwrap_or(loc).to_string(),
        };
        if let Some(r) = res.last_mut() {
            r.push(format!("{short} ({})", l.trim()));
        }
    }
    res.resize(addrs.len(), Vec::new());
    res
}

fn demangle(s: &str) -> String {
    format!("{:#}", rustc_demangle::demangle(s))
}

/// A function name without the per-model firmware crate's name
/// (`tinymtl_qemu_m4_<hash>::model::trunk`, `tinymtl_qemu_firmware::model::trunk` -> `model::trunk`).
fn short_name(s: &str) -> String {
    match s.split_once("::") {
        Some((krate, rest)) if krate.starts_with("tinymtl_qemu") => rest.to_string(),
        _ => s.to_string(),
    }
}

#[cfg(test)]
mod tests {
    //! `analyze` on hand-written listings in the format of `arm-none-eabi-objdump -d
    //! --no-show-raw-insn` (symbols as the firmware has them: legacy-mangled crate
    //! functions, v0-mangled `core`), showing that each check can fail.

    use super::*;

    /// `tinymtl_infer` calling the trunk, the entry of several listings.
    const INFER_CALLS_TRUNK: &str = "
00001e0c <tinymtl_infer>:
    1e0c:\tpush\t{r7, lr}
    1e0e:\tbl\t12a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>
    1e12:\tpop\t{r7, pc}
";

    /// `analyze` on the listing made of `parts`.
    fn graph(parts: &[&str]) -> (CallGraph, Vec<u64>) {
        analyze(&parts.concat()).unwrap_or_else(|e| panic!("{e}"))
    }

    fn path(chain: &[&str]) -> PanicPath {
        PanicPath {
            chain: chain.iter().map(|s| s.to_string()).collect(),
            site: Vec::new(),
        }
    }

    #[test]
    fn a_bounds_check_in_the_trunk_is_reported_with_its_chain() {
        // The trunk comes first in the ELF, as it does in the real firmware: the
        // chain still starts at the entry point.
        let listing = "
/work/main/target/boards/thumbv7em-none-eabihf/release/tinymtl-qemu-m4:     file format elf32-littlearm


Disassembly of section .text:

000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
    12a0:\tpush\t{r7, lr}
    12a2:\tmov\tr7, sp
    12a4:\tcmp\tr1, #15
    12a6:\tbhi.n\t12ae <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E+0xe>
    12a8:\tldr.w\tr0, [r0, r1, lsl #2]
    12ac:\tpop\t{r7, pc}
    12ae:\tmovs\tr2, #16
    12b0:\tldr\tr3, [pc, #4]\t@ (12b8 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E+0x18>)
    12b2:\tbl\t2238 <_RNvNtCs7ldSeZOOJos_4core9panicking18panic_bounds_check>
    12b6:\tnop

00001e0c <tinymtl_infer>:
    1e0c:\tpush\t{r7, lr}
    1e0e:\tmov\tr7, sp
    1e10:\tbl\t12a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>
    1e14:\tpop\t{r7, pc}

00001eee <_RNvNtCs7ldSeZOOJos_4core9panicking9panic_fmt>:
    1eee:\tb.n\t1eee <_RNvNtCs7ldSeZOOJos_4core9panicking9panic_fmt>

00002238 <_RNvNtCs7ldSeZOOJos_4core9panicking18panic_bounds_check>:
    2238:\tpush\t{r7, lr}
    223a:\tmov\tr7, sp
    223c:\tbl\t1eee <_RNvNtCs7ldSeZOOJos_4core9panicking9panic_fmt>
";
        let (g, sites) = graph(&[listing]);
        assert_eq!(g.roots, ["tinymtl_infer", "tinymtl_qemu_m4::model::trunk"]);
        assert_eq!(
            g.panics,
            [path(&[
                "tinymtl_infer",
                "model::trunk",
                "core::panicking::panic_bounds_check"
            ])]
        );
        assert_eq!(
            g.panics[0].edge(),
            "model::trunk -> core::panicking::panic_bounds_check"
        );
        assert_eq!(sites, [0x12b2]);
        // The panic machinery itself is not walked.
        assert_eq!(g.reachable, 2);
        assert_eq!(
            g.functions,
            [
                "_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E",
                "tinymtl_infer"
            ]
        );
    }

    #[test]
    fn b_a_panic_behind_a_tail_call_is_reported() {
        // The trunk tail-calls the dense kernel, which can fail a slice index; the
        // head branches straight into `core::panicking::panic`.
        let listing = "
00001cb8 <_ZN15tinymtl_qemu_m45model9head_fall17hd651b4d8cbd9bc7fE>:
    1cb8:\tcmp\tr1, #0
    1cba:\tbeq.n\t1cc0 <_ZN15tinymtl_qemu_m45model9head_fall17hd651b4d8cbd9bc7fE+0x8>
    1cbc:\tvldr\ts0, [r0]
    1cbe:\tbx\tlr
    1cc0:\tldr\tr0, [pc, #4]\t@ (1cc8 <_ZN15tinymtl_qemu_m45model9head_fall17hd651b4d8cbd9bc7fE+0x10>)
    1cc2:\tb.w\t2238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>

00001e0c <tinymtl_infer>:
    1e0c:\tpush\t{r4, r6, r7, lr}
    1e0e:\tadd\tr7, sp, #8
    1e10:\tmov\tr4, r0
    1e12:\tbl\t12a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>
    1e16:\tmov\tr0, r4
    1e18:\tbl\t1cb8 <_ZN15tinymtl_qemu_m45model9head_fall17hd651b4d8cbd9bc7fE>
    1e1c:\tpop\t{r4, r6, r7, pc}

000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
    12a0:\tmovs\tr2, #64\t@ 0x40
    12a2:\tb.w\t3000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>

00003000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>:
    3000:\tpush\t{r7, lr}
    3002:\tmov\tr7, sp
    3004:\tcmp\tr2, r3
    3006:\tbhi.n\t300c <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E+0xc>
    3008:\tpop\t{r7, pc}
    300a:\tnop
    300c:\tbl\t2200 <_RNvNtNtCs7ldSeZOOJos_4core5slice5index16slice_index_fail>

00002200 <_RNvNtNtCs7ldSeZOOJos_4core5slice5index16slice_index_fail>:
    2200:\tbl\t2238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>

00002238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>:
    2238:\tb.n\t2238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>
";
        let (g, sites) = graph(&[listing]);
        assert_eq!(
            g.panics,
            [
                path(&[
                    "tinymtl_infer",
                    "model::trunk",
                    "tinymtl_runtime::kernels::dense::dense",
                    "core::slice::index::slice_index_fail"
                ]),
                path(&[
                    "tinymtl_infer",
                    "model::head_fall",
                    "core::panicking::panic"
                ]),
            ]
        );
        assert_eq!(sites, [0x300c, 0x1cc2]);
    }

    #[test]
    fn c_recursion_is_reported() {
        // unary_inplace -> expf -> unary_inplace, and expm1f calling itself; a branch
        // back to a function's own entry is a loop, not recursion.
        let listing = "
000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
    12a0:\tpush\t{r7, lr}
    12a2:\tbl\t3100 <_ZN15tinymtl_runtime7kernels3act13unary_inplace17h87a58b481d60bec1E>
    12a6:\tbl\t3300 <_ZN4libm4math6expm1f6expm1f17h7b8952820c1d4863E>
    12aa:\tpop\t{r7, pc}

00003100 <_ZN15tinymtl_runtime7kernels3act13unary_inplace17h87a58b481d60bec1E>:
    3100:\tpush\t{r7, lr}
    3102:\tbl\t3200 <_ZN4libm4math4expf4expf17h4b8868481f3c000cE>
    3106:\tsubs\tr1, #1
    3108:\tbne.n\t3100 <_ZN15tinymtl_runtime7kernels3act13unary_inplace17h87a58b481d60bec1E>
    310a:\tpop\t{r7, pc}

00003200 <_ZN4libm4math4expf4expf17h4b8868481f3c000cE>:
    3200:\tpush\t{r7, lr}
    3202:\tbl\t3100 <_ZN15tinymtl_runtime7kernels3act13unary_inplace17h87a58b481d60bec1E>
    3206:\tpop\t{r7, pc}

00003300 <_ZN4libm4math6expm1f6expm1f17h7b8952820c1d4863E>:
    3300:\tpush\t{r7, lr}
    3302:\tbl\t3300 <_ZN4libm4math6expm1f6expm1f17h7b8952820c1d4863E>
    3306:\tpop\t{r7, pc}
";
        let (g, _) = graph(&[INFER_CALLS_TRUNK, listing]);
        let act = "tinymtl_runtime::kernels::act::unary_inplace";
        let expm1f = "libm::math::expm1f::expm1f";
        assert_eq!(
            g.recursion,
            [
                vec![act, "libm::math::expf::expf", act],
                vec![expm1f, expm1f]
            ]
        );
        assert!(g.panics.is_empty());
    }

    #[test]
    fn d_an_indirect_call_is_reported() {
        // `bx lr` returns; `blx r3` calls something unknown. The same in a function
        // the inference does not reach is not reported.
        let listing = "
00000a00 <_ZN15tinymtl_qemu_m44demo17h64521122d610bb39E>:
    a00:\tldr\tr2, [r0, #12]
    a02:\tblx\tr2
    a04:\tbl\t1e0c <tinymtl_infer>

000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
    12a0:\tpush\t{r7, lr}
    12a2:\tldr\tr3, [r0, #12]
    12a4:\tblx\tr3
    12a6:\tbl\t1f00 <_ZN15tinymtl_runtime7kernels3act13unary_inplace17h87a58b481d60bec1E>
    12aa:\tpop\t{r7, pc}

00001f00 <_ZN15tinymtl_runtime7kernels3act13unary_inplace17h87a58b481d60bec1E>:
    1f00:\tvmul.f32\ts0, s0, s1
    1f04:\tbx\tlr
";
        let (g, _) = graph(&[listing, INFER_CALLS_TRUNK]);
        assert_eq!(g.indirect, ["tinymtl_qemu_m4::model::trunk"]);
        assert!(g.panics.is_empty() && g.recursion.is_empty());
    }

    #[test]
    fn e_stack_depth_sums_the_frames_of_the_deepest_chain() {
        // Frames: tinymtl_infer 20 + 24 = 44; trunk 8 + 16 = 24; dense 20 + 16 + 36
        // (objdump comments the immediate: `#36\t@ 0x24`) = 72; head_fall 20 + 8 = 28,
        // popped before its tail call into dense. Deepest: 44 + 24 + 72 = 140 (had the
        // tail call kept head_fall's frame: 44 + 28 + 72 = 144).
        let listing = "
00001e0c <tinymtl_infer>:
    1e0c:\tpush\t{r4, r5, r6, r7, lr}
    1e0e:\tadd\tr7, sp, #12
    1e10:\tsub\tsp, #24
    1e12:\tbl\t12a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>
    1e16:\tbl\t1cb8 <_ZN15tinymtl_qemu_m45model9head_fall17hd651b4d8cbd9bc7fE>
    1e1a:\tadd\tsp, #24
    1e1c:\tpop\t{r4, r5, r6, r7, pc}

000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
    12a0:\tpush\t{r7, lr}
    12a2:\tmov\tr7, sp
    12a4:\tvpush\t{d8-d9}
    12a8:\tbl\t3000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>
    12ac:\tvpop\t{d8-d9}
    12b0:\tpop\t{r7, pc}

00001cb8 <_ZN15tinymtl_qemu_m45model9head_fall17hd651b4d8cbd9bc7fE>:
    1cb8:\tpush\t{r4, r5, r6, r7, lr}
    1cba:\tadd\tr7, sp, #12
    1cbc:\tsub\tsp, #8
    1cbe:\tstr\tr0, [sp, #4]
    1cc0:\tadd\tsp, #8
    1cc2:\tpop.w\t{r4, r5, r6, r7, lr}
    1cc6:\tb.w\t3000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>

00003000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>:
    3000:\tpush\t{r4, r5, r6, r7, lr}
    3002:\tadd\tr7, sp, #12
    3004:\tstmdb\tsp!, {r8, r9, sl, fp}
    3008:\tsub\tsp, #36\t@ 0x24
    300a:\tadd\tsp, #36\t@ 0x24
    300c:\tldmia.w\tsp!, {r8, r9, sl, fp}
    3010:\tpop\t{r4, r5, r6, r7, pc}
";
        let frames: Vec<u64> = parse(listing).iter().map(|f| f.frame).collect();
        assert_eq!(frames, [44, 24, 28, 72]);
        let (g, _) = graph(&[listing]);
        assert_eq!(g.max_stack, 140);
        assert_eq!(
            g.deepest,
            [
                "tinymtl_infer (44 B)",
                "tinymtl_qemu_m4::model::trunk (24 B)",
                "tinymtl_runtime::kernels::dense::dense (72 B)"
            ]
        );
    }

    #[test]
    fn frame_bytes_of_prologue_instructions() {
        assert_eq!(
            frame_bytes("push.w", "{r4, r5, r6, r7, r8, r9, sl, fp, lr}"),
            36
        );
        assert_eq!(frame_bytes("stmdb", "sp!, {r8, r9, fp}"), 12);
        assert_eq!(frame_bytes("stmdb", "r0!, {r1, r2}"), 0);
        assert_eq!(frame_bytes("vpush", "{d8-d15}"), 64);
        assert_eq!(frame_bytes("vpush", "{s16-s17}"), 8);
        assert_eq!(frame_bytes("sub.w", "sp, sp, #4096"), 4096);
        assert_eq!(frame_bytes("sub", "r0, #8"), 0);
        assert_eq!(frame_bytes("mov", "r7, sp"), 0);
    }

    #[test]
    fn f_a_clean_graph_reports_nothing() {
        // `main` can panic, but the inference path does not reach it.
        let listing = "
00000500 <main>:
    500:\tbl\t1e0c <tinymtl_infer>
    504:\tbl\t2238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>
";
        let rest = "
000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
    12a0:\tpush\t{r7, lr}
    12a2:\tbl\t3000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>
    12a6:\tpop\t{r7, pc}

00002238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>:
    2238:\tb.n\t2238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>

00003000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>:
    3000:\tvadd.f32\ts0, s0, s1
    3004:\tbx\tlr
";
        let (g, sites) = graph(&[listing, INFER_CALLS_TRUNK, rest]);
        assert!(g.panics.is_empty() && sites.is_empty());
        assert!(g.recursion.is_empty() && g.indirect.is_empty());
        assert_eq!(g.reachable, 3);
        assert_eq!(g.max_stack, 16);
    }

    #[test]
    fn g_no_tinymtl_infer_is_an_error() {
        let listing = "
000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
    12a0:\tpush\t{r7, lr}
    12a2:\tpop\t{r7, pc}
";
        for text in [listing, ""] {
            let e = analyze(text).unwrap_err();
            assert!(e.0.contains("no `tinymtl_infer`"), "{e}");
        }
    }

    #[test]
    fn h_a_board_firmware_is_walked_from_its_module() {
        // A board crate's `mod har`: no `tinymtl_infer`, the module's functions are
        // the roots; what they call is reached, other functions are not.
        let listing = "
000011c2 <_ZN19tinymtl_nrf52840_dk3har5trunk17h0123456789abcdefE>:
    11c2:\tpush\t{r4, r5, r7, lr}
    11c4:\tsub\tsp, #8
    11c6:\tbl\t1300 <_ZN15tinymtl_runtime7kernels5dense5dense17h0123456789abcdefE>
    11ca:\tpop\t{r4, r5, r7, pc}

00001300 <_ZN15tinymtl_runtime7kernels5dense5dense17h0123456789abcdefE>:
    1300:\tpush\t{r7, lr}
    1302:\tpop\t{r7, pc}

00001400 <main>:
    1400:\tpush\t{r4, r5, r6, r7, lr}
    1402:\tbl\t11c2 <_ZN19tinymtl_nrf52840_dk3har5trunk17h0123456789abcdefE>
";
        let (g, _) = analyze_from(listing, Roots::Module("har")).unwrap();
        assert_eq!(g.roots, ["tinymtl_nrf52840_dk::har::trunk"]);
        assert_eq!(g.reachable, 2);
        assert_eq!(g.max_stack, 24 + 8);
        assert_eq!(g.deepest_frames, [24, 8]);
        assert_eq!(g.stack_from, [32, 8]);
        let e = analyze_from(listing, Roots::Module("model")).unwrap_err();
        assert!(e.0.contains("no function of a module `model`"), "{e}");
        assert!(analyze(listing).is_err());
    }

    #[test]
    fn panic_entry_points() {
        for name in [
            "core::panicking::panic_bounds_check",
            "core::option::unwrap_failed",
            "core::slice::index::slice_end_index_len_fail",
            "core::slice::<impl [T]>::copy_from_slice::len_mismatch_fail",
            "rust_begin_unwind",
        ] {
            assert!(is_panic(name), "{name}");
        }
        assert!(!is_panic("tinymtl_runtime::kernels::dense::dense"));
    }
}
