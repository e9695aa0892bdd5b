//! Does a model fit a board? (`tinymtl inspect --board` / `--flash --ram`.)
//!
//! Flash is the model's weights plus the code of its inference path; RAM is its arena,
//! the input buffers the application fills, the copies of the heads' outputs it gets
//! back, and the worst-case stack of the inference path. Code and stack are measured
//! from a firmware ELF built from the model when one is given ([`elf`], with the
//! `qemu` feature), estimated otherwise ([`estimate`]). When the model does not fit,
//! the largest sets of heads that would (each planned as its own model,
//! [`Compiled::with_heads`]) are listed.
//!
//! [`fit`] is a library function a `build.rs` can call too:
//! ```
//! use tinymtl::{board, fit};
//! # let model = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/har/har_mtl.onnx");
//! let g = tinymtl_codegen::Builder::new(model).build()?;
//! let memory = fit::Memory::board(board::board("stm32f411")?);
//! let f = fit::fit(&g.compiled, &memory, &fit::estimate_code(&g.compiled));
//! assert!(f.fits(), "{}", f.render());
//! # Ok::<(), tinymtl_codegen::Error>(())
//! ```

#[cfg(feature = "qemu")]
pub mod elf;
pub mod estimate;

use crate::board::Board;
use tinymtl_codegen::passes::Compiled;
use tinymtl_codegen::{escape, Error, Result};

/// The memory the application may use.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Memory {
    /// What it is (`nrf52840-dk (Nordic nRF52840-DK)`, or `--flash/--ram`).
    pub name: String,
    /// Rust target, when a board names it.
    pub target: Option<&'static str>,
    /// Flash in bytes.
    pub flash: u64,
    /// RAM in bytes.
    pub ram: u64,
}

impl Memory {
    /// A board's application flash and RAM.
    pub fn board(b: &Board) -> Memory {
        Memory {
            name: format!("{} ({})", b.name, b.title),
            target: Some(b.target),
            flash: b.flash as u64,
            ram: b.ram as u64,
        }
    }

    /// Flash and RAM given as numbers of bytes.
    pub fn custom(flash: u64, ram: u64) -> Memory {
        Memory {
            name: "the given memory".into(),
            target: None,
            flash,
            ram,
        }
    }
}

/// A byte count as `--flash`/`--ram` take it: digits, optionally followed by `K`
/// (1024) or `M` (1024²), upper or lower case, with an optional `B` or `iB`.
pub fn parse_bytes(s: &str) -> Result<u64> {
    let t = s.trim();
    let t = t
        .strip_suffix("iB")
        .or_else(|| t.strip_suffix('B'))
        .or_else(|| t.strip_suffix('b'))
        .unwrap_or(t);
    let (digits, mult) = match t.char_indices().last() {
        Some((i, 'k' | 'K')) => (&t[..i], 1u64 << 10),
        Some((i, 'm' | 'M')) => (&t[..i], 1 << 20),
        _ => (t, 1),
    };
    digits
        .parse::<u64>()
        .ok()
        .filter(|_| !digits.starts_with('+'))
        .and_then(|n| n.checked_mul(mult))
        .ok_or_else(|| {
            Error::new(format!(
                "'{}' is not a byte count (e.g. 262144, 256K, 1M)",
                escape::line(s)
            ))
        })
}

/// Code and stack of the inference path, measured or estimated.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CodeStack {
    /// Code, itemised (part, bytes).
    pub code: Vec<(String, u64)>,
    /// Worst-case stack of the inference path in bytes.
    pub stack: u64,
    /// Measured: the deepest stack from each part's functions on (`model`: the
    /// generated module's frames on the deepest chain). Empty for the estimate.
    pub stack_parts: Vec<(String, u64)>,
    /// `Some(elf)` when measured from that firmware; `None` for the estimate.
    pub measured_from: Option<String>,
    /// The whole firmware's flash and static RAM, when measured.
    pub firmware: Option<(u64, u64)>,
}

impl CodeStack {
    fn code_total(&self) -> u64 {
        self.code.iter().map(|c| c.1).sum()
    }
}

/// The estimate of [`estimate`] for `c`: the committed per-family table.
pub fn estimate_code(c: &Compiled) -> CodeStack {
    let t = estimate::Table::committed();
    let f = estimate::families(c);
    CodeStack {
        code: t.code(&f, estimate::steps(c)),
        stack: t.stack(&f),
        stack_parts: Vec::new(),
        measured_from: None,
        firmware: None,
    }
}

/// One line of the report.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Item {
    /// What it is.
    pub label: String,
    /// Bytes.
    pub bytes: u64,
}

/// A set of heads and what it would take.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Alternative {
    /// Head names.
    pub heads: Vec<String>,
    /// Flash: weights + code.
    pub flash: u64,
    /// RAM: arena + buffers + stack.
    pub ram: u64,
}

/// The fit of one model on one memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fit {
    /// The memory.
    pub memory: Memory,
    /// Flash lines.
    pub flash: Vec<Item>,
    /// RAM lines.
    pub ram: Vec<Item>,
    /// How code and stack were obtained.
    pub code: CodeStack,
    /// When it does not fit: the largest head sets that would (largest first).
    pub would_fit: Vec<Alternative>,
    /// Whether `would_fit` looked at every head set (else single heads only).
    pub searched_all_sets: bool,
}

/// Most heads for which every head set is tried; beyond, single heads only.
const ALL_SETS_UP_TO: usize = 8;

fn sum(items: &[Item]) -> u64 {
    items.iter().map(|i| i.bytes).sum()
}

fn names(c: &Compiled, vs: &[usize]) -> Vec<String> {
    vs.iter()
        .map(|&v| escape::text(&c.program.values[v].name))
        .collect()
}

fn lines(c: &Compiled, cs: &CodeStack) -> (Vec<Item>, Vec<Item>) {
    let p = &c.program;
    let bytes = |vs: &[usize]| vs.iter().map(|&v| p.values[v].numel() as u64 * 4).sum();
    let est = if cs.measured_from.is_some() {
        "measured"
    } else {
        "estimate"
    };
    let flash = vec![
        Item {
            label: "weights".into(),
            bytes: c.cost.total.weight_bytes as u64,
        },
        Item {
            label: format!("code of the inference path ({est})"),
            bytes: cs.code_total(),
        },
    ];
    let ram = vec![
        Item {
            label: "arena".into(),
            bytes: c.plan.arena_len as u64 * 4,
        },
        Item {
            label: format!("input buffers ({})", names(c, &p.inputs).join(", ")),
            bytes: bytes(&p.inputs),
        },
        Item {
            label: format!("output copies ({})", names(c, &p.outputs).join(", ")),
            bytes: bytes(&p.outputs),
        },
        Item {
            label: format!("stack of the inference path ({est})"),
            bytes: cs.stack,
        },
    ];
    (flash, ram)
}

/// How `c` fits `memory`, with code and stack from `cs` (measured or
/// [`estimate_code`]).
pub fn fit(c: &Compiled, memory: &Memory, cs: &CodeStack) -> Fit {
    let (flash, ram) = lines(c, cs);
    let mut f = Fit {
        memory: memory.clone(),
        flash,
        ram,
        code: cs.clone(),
        would_fit: Vec::new(),
        searched_all_sets: c.program.outputs.len() <= ALL_SETS_UP_TO,
    };
    if f.fits() {
        return f;
    }
    let n = c.program.outputs.len();
    let sets: Vec<Vec<usize>> = if f.searched_all_sets {
        (1u64..(1 << n) - 1)
            .map(|m| (0..n).filter(|h| m & (1 << h) != 0).collect())
            .collect()
    } else {
        (0..n).map(|h| vec![h]).collect()
    };
    let mut fitting: Vec<(Vec<usize>, Alternative)> = Vec::new();
    for set in sets {
        let sub = c.with_heads(&set);
        // Measured code and stack are those of every head: an upper bound for fewer.
        let sub_cs = match cs.measured_from {
            Some(_) => cs.clone(),
            None => estimate_code(&sub),
        };
        let (fl, ra) = lines(&sub, &sub_cs);
        let a = Alternative {
            heads: names(c, &sub.program.outputs),
            flash: sum(&fl),
            ram: sum(&ra),
        };
        if a.flash <= memory.flash && a.ram <= memory.ram {
            fitting.push((set, a));
        }
    }
    // Keep the maximal sets: none of their supersets fits.
    let sets: Vec<Vec<usize>> = fitting.iter().map(|x| x.0.clone()).collect();
    fitting.retain(|(s, _)| {
        !sets
            .iter()
            .any(|o| o.len() > s.len() && s.iter().all(|h| o.contains(h)))
    });
    fitting.sort_by(|a, b| b.0.len().cmp(&a.0.len()).then(a.0.cmp(&b.0)));
    f.would_fit = fitting.into_iter().map(|x| x.1).collect();
    f
}

impl Fit {
    /// Total flash.
    pub fn flash_total(&self) -> u64 {
        sum(&self.flash)
    }

    /// Total RAM.
    pub fn ram_total(&self) -> u64 {
        sum(&self.ram)
    }

    /// Whether flash and RAM both fit.
    pub fn fits(&self) -> bool {
        self.flash_total() <= self.memory.flash && self.ram_total() <= self.memory.ram
    }

    /// The verdict in one line: `fits: flash N bytes (x %) free, RAM ...` or `does not
    /// fit: RAM short by N bytes`.
    pub fn verdict(&self) -> String {
        let m = &self.memory;
        let (fl, ra) = (self.flash_total(), self.ram_total());
        if self.fits() {
            let free = |used: u64, have: u64| {
                let f = have - used;
                format!(
                    "{f} bytes ({:.1} %) free",
                    100.0 * f as f64 / have.max(1) as f64
                )
            };
            format!("fits: flash {}, RAM {}", free(fl, m.flash), free(ra, m.ram))
        } else {
            let mut short = Vec::new();
            if fl > m.flash {
                short.push(format!("flash short by {} bytes", fl - m.flash));
            }
            if ra > m.ram {
                short.push(format!("RAM short by {} bytes", ra - m.ram));
            }
            format!("does not fit: {}", short.join(", "))
        }
    }

    /// The report section `tinymtl inspect` prints.
    pub fn render(&self) -> String {
        use std::fmt::Write;
        let m = &self.memory;
        let mut s = String::new();
        let _ = writeln!(
            s,
            "fit on {}: {} bytes flash, {} bytes RAM for the application",
            escape::line(&m.name),
            m.flash,
            m.ram
        );
        let code = &self.code.code;
        let block = |s: &mut String, title: &str, items: &[Item], have: u64| {
            let _ = writeln!(s, "  {title}");
            for i in items {
                let _ = writeln!(s, "    {:<52} {:>10}", i.label, i.bytes);
                if i.label.starts_with("code") {
                    for (part, b) in code {
                        let _ = writeln!(s, "      {:<50} {:>10}", format!("{part}"), b);
                    }
                }
            }
            let total = sum(items);
            let state = if total <= have {
                format!("of {have}: {} free", have - total)
            } else {
                format!("of {have}: short by {}", total - have)
            };
            let _ = writeln!(s, "    {:<52} {:>10}   {state}", "total", total);
        };
        block(&mut s, "flash", &self.flash, m.flash);
        block(&mut s, "RAM", &self.ram, m.ram);
        let _ = writeln!(s, "  {}", self.verdict());
        if !self.fits() {
            if self.would_fit.is_empty() {
                let what = if self.searched_all_sets {
                    "no set of heads"
                } else {
                    "no single head"
                };
                let _ = writeln!(s, "  {what} fits either (the trunk alone is too large)");
            } else {
                let _ = writeln!(
                    s,
                    "  would fit (as a model with only these heads: weights and arena planned again):"
                );
                for a in &self.would_fit {
                    let _ = writeln!(
                        s,
                        "    {:<40} flash {:>10}  RAM {:>10}",
                        a.heads.join(" + "),
                        a.flash,
                        a.ram
                    );
                }
            }
        }
        match &self.code.measured_from {
            Some(elf) => {
                let _ = writeln!(
                    s,
                    "  code and stack measured from {} (functions reachable from the generated module, worst-case stack from their prologues)",
                    escape::line(elf)
                );
                if let Some((fl, ra)) = self.code.firmware {
                    let _ = writeln!(
                        s,
                        "  that whole firmware: flash {fl} bytes, static RAM {ra} bytes (+ stack)"
                    );
                }
            }
            None => {
                let arch = match m.target {
                    Some(t) if t != "thumbv7em-none-eabihf" && t.starts_with("thumb") => {
                        format!("; {t} is close (Thumb-2 with FPU)")
                    }
                    Some(t) if !t.starts_with("thumb") => format!(
                        "; {t} has no FPU: its soft-float code is larger (the call graph reads Arm firmware only)"
                    ),
                    _ => String::new(),
                };
                let _ = writeln!(
                    s,
                    "  code and stack are ESTIMATES: the largest figures per kernel family measured on the fixture models' firmware for thumbv7em-none-eabihf (cli/src/fit/kernel_code.txt, `cargo xtask code-table`){arch}; --elf FIRMWARE measures them"
                );
            }
        }
        let _ = writeln!(
            s,
            "  the rest of the application (HAL, drivers, start-up, its own statics) comes on top"
        );
        s
    }
}

#[cfg(test)]
mod tests;
