//! ONNX -> [`crate::ir::Graph`]: protobuf decoding (prost, official `onnx.proto`),
//! external data, opset checks, op translation, constant folding, shape inference.
//!
//! Modules: `proto` (decoding, opset, tensor data, external data, declared types),
//! `inline` (node list, domains, local functions), `graph` (wiring checks, dead code,
//! topological order, inputs/outputs), `ops` (one translator per op family),
//! `fold` (load-time evaluation of constant subgraphs).
//!
//! Guarantees on the returned graph (beyond those listed in [`crate::ir`]):
//! - every activation and input has rank <= [`MAX_RANK`] and at least one element;
//! - Conv weights/bias, BatchNormalization, and LayerNormalization parameters are
//!   [`crate::ir::TensorKind::Const`] tensors; other inputs may be activations or
//!   constants;
//! - graph outputs are activations produced by a node (never an input or a constant),
//!   with their ONNX names; tensor names are unique;
//! - no node or tensor is unused (dead code removed); inputs are kept even if unused.

use std::path::Path;

use prost::Message as _;

use crate::error::{Error, Result};
use crate::ir::Graph;

mod builder;
mod fold;
mod fuse;
mod graph;
mod inline;
mod node;
mod ops;
mod proto;
mod value;

pub use graph::MAX_RANK;
pub use ops::{FOLD_ONLY_OPS, SUPPORTED_OPS};

/// The prost types generated from `proto/onnx.proto`.
#[allow(missing_docs, clippy::all)]
pub mod onnx {
    include!(concat!(env!("OUT_DIR"), "/onnx.rs"));
}

/// Reads and converts the ONNX model at `path`.
pub fn load(path: &Path) -> Result<Graph> {
    let bytes = std::fs::read(path)
        .map_err(|e| Error::new(format!("cannot read the model: {e}")).in_file(path))?;
    load_bytes(&bytes, path)
}

/// Converts an ONNX model held in memory. `path` names the model in messages and
/// locates external data (relative to its folder).
pub fn load_bytes(bytes: &[u8], path: &Path) -> Result<Graph> {
    let model = proto::decode(bytes).map_err(|e| e.in_file(path))?;
    load_model(&model, path)
}

/// Converts an already decoded model (`path` as for [`load_bytes`]).
pub fn load_model(model: &onnx::ModelProto, path: &Path) -> Result<Graph> {
    graph::convert(model, path).map_err(|e| e.in_file(path))
}

/// Encodes a model to bytes (for tools and tests that build models in code).
pub fn encode_model(model: &onnx::ModelProto) -> Vec<u8> {
    model.encode_to_vec()
}
