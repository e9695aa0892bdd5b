//! `tinymtl-codegen`: compiles a trained multi-task ONNX model into `no_std` Rust.
//!
//! The pipeline, one module per stage:
//! [`load`] (ONNX -> typed graph) -> [`ir`] -> [`passes`] (fold, partition trunk /
//! branches / heads, plan the arena, count costs) -> [`emit`] (tokens -> formatted
//! `@generated` Rust, and the glue that runs it). [`Builder`] drives it from
//! `build.rs`; the `tinymtl` crate (the CLI and the runners) wraps the same builder.
#![deny(missing_docs)]

mod builder;
pub mod emit;
pub mod error;
pub mod escape;
pub mod ir;
pub mod load;
pub mod passes;
pub mod report;

pub use builder::{write_atomic, write_atomic_io, write_atomic_with, Builder, Generated};
pub use error::{Error, Result};
