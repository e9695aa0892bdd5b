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
mod tests;
