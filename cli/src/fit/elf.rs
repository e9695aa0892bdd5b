//! Code and stack of the inference path measured from a firmware ELF built from the
//! model: the functions `tinymtl-verify`'s call graph reaches from the generated
//! module, with their sizes from the symbol table, and its worst-case stack.

use super::CodeStack;
use std::path::Path;
use tinymtl_codegen::{Error, Result};

/// Measures `elf`, whose generated module is `mod <module>` (`model` in the
/// emulated board's firmware, `har` in the board crates'); the code is itemised per
/// [`super::estimate::classify`] part.
pub fn measure(elf: &Path, module: &str) -> Result<CodeStack> {
    let err = |e: tinymtl_verify::Error| Error::new(e.0);
    let sizes = tinymtl_verify::elf_sizes(elf).map_err(err)?;
    let g = tinymtl_verify::module_call_graph(elf, module).map_err(err)?;
    let funcs = tinymtl_verify::code_bytes(elf, &g).map_err(err)?;
    let mut code: Vec<(String, u64)> = Vec::new();
    let mut stack_parts: Vec<(String, u64)> = Vec::new();
    let classify = |name: &str| super::estimate::classify(name, module);
    for ((name, bytes), &depth) in funcs.iter().zip(&g.stack_from) {
        let part = classify(name);
        add(&mut code, part, *bytes, |a, b| a + b);
        if part != "model" {
            add(&mut stack_parts, part, depth, u64::max);
        }
    }
    // The generated module's share of the worst-case stack: its frames on the
    // deepest chain, down to the first function outside it.
    let model: u64 = g
        .deepest
        .iter()
        .zip(&g.deepest_frames)
        .take_while(|(name, _)| classify(name) == "model")
        .map(|(_, f)| f)
        .sum();
    add(&mut stack_parts, "model", model, u64::max);
    Ok(CodeStack {
        code,
        stack: g.max_stack,
        stack_parts,
        measured_from: Some(elf.display().to_string()),
        firmware: Some((sizes.flash(), sizes.ram())),
    })
}

fn add(v: &mut Vec<(String, u64)>, part: &str, x: u64, op: impl Fn(u64, u64) -> u64) {
    match v.iter_mut().find(|c| c.0 == part) {
        Some(c) => c.1 = op(c.1, x),
        None => v.push((part.to_string(), x)),
    }
}
