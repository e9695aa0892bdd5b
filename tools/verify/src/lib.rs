//! `tinymtl-verify`: checks on built firmware, without running it. Used by `xtask`,
//! the emulated-board tests and the runner's instruction counts.
//!
//! - [`elf`]: the flash and RAM an ELF's sections take, symbol addresses.
//! - [`callgraph`]: the inference path's call graph from the disassembly: reachable
//!   panics, recursion, indirect calls, worst-case stack.
//! - [`board`]: building a board crate as its sizes are measured.
//! - [`golden`]: the `size.golden` files the sizes are checked against.
#![deny(missing_docs)]

pub mod board;
pub mod callgraph;
pub mod elf;
pub mod golden;

pub use callgraph::{
    code_bytes, inference_call_graph, is_panic, module_call_graph, CallGraph, PanicPath,
};
pub use elf::{elf_sizes, function_address, symbol_address, symbol_sizes, ElfSizes};

use std::path::{Path, PathBuf};

/// What went wrong, in one line for the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Error(pub String);

impl std::fmt::Display for Error {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl Error {
    fn new(msg: impl Into<String>) -> Self {
        Error(msg.into())
    }
}

/// Result with [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

/// How to install the Arm binutils the call graph reads the disassembly with.
pub const INSTALL_HINT: &str = "install them with `apt-get install binutils-arm-none-eabi`";

fn io_err(what: &str, path: &Path) -> impl Fn(std::io::Error) -> Error {
    let (what, path) = (what.to_string(), path.display().to_string());
    move |e| Error::new(format!("{what} {path}: {e}"))
}

/// `prog` on `PATH`, or an error saying `what` needs it and how to install it
/// (`install_hint`).
pub fn require_program(prog: &str, what: &str, install_hint: &str) -> Result<PathBuf> {
    which::which(prog).map_err(|_| {
        Error::new(format!(
            "`{prog}` not found on PATH ({what}); {install_hint}"
        ))
    })
}

fn require(prog: &str, what: &str) -> Result<PathBuf> {
    require_program(prog, what, INSTALL_HINT)
}
