//! `tinymtl-codegen`: compiles a trained multi-task ONNX model into `no_std` Rust.
//!
//! The pipeline, one module per stage:
//! [`load`] (ONNX -> typed graph) -> [`ir`] -> [`passes`] (fold, partition trunk /
//! branches / heads, plan the arena, count costs) -> [`emit`] (tokens -> formatted
//! `@generated` Rust). [`Builder`] drives it from `build.rs`; the `tinymtl` CLI
//! wraps the same builder.
#![deny(missing_docs)]

mod builder;
pub mod emit;
pub mod error;
pub mod escape;
pub mod harness;
pub mod ir;
pub mod load;
pub mod npz;
pub mod passes;
pub mod qemu;
pub mod report;

pub use builder::{write_atomic, Builder, Generated};
pub use error::{Error, Result};
