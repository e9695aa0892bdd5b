//! `tinymtl`: the command line and the runners around the compiler
//! ([`tinymtl_codegen`]).
//!
//! The compiler turns a model into a Rust module; this crate runs that module:
//! [`npz`] reads and writes samples, [`contract`] is the `run --inputs --output
//! [--heads]` contract every target keeps, [`host`] builds the generated code for this
//! machine and runs or benches it, [`qemu`] does the same on the emulated targets
//! (Cortex-M4F, M0, M33, RV32). [`board`] is the table of the boards; [`firmware`]
//! writes a firmware crate for a model and one of them (and is the build script such
//! crates run); [`fit`] says whether a model fits one. [`cache`] owns the cache folder
//! the runners build their crates in.
//!
//! With `default-features = false` (how the runner firmware's `build.rs` takes it) the
//! crate is npz I/O, the host runner and the firmware files, without clap, QEMU or
//! defmt decoding.
#![deny(missing_docs)]

pub mod board;
pub mod cache;
pub mod contract;
pub mod firmware;
pub mod fit;
pub mod host;
pub mod npz;
pub mod qemu;
