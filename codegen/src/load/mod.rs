//! ONNX -> [`crate::ir::Graph`]: protobuf decoding (prost, official `onnx.proto`),
//! external data, opset checks, op translation, constant folding, shape inference.
//!
//! Modules: `file` (reading the model and external data files: regular files only,
//! bounded), `proto` (decoding, opset, tensor data, external data, declared types),
//! `inline` (node list, names, domains, local functions inlined, node count bounded),
//! `validate` (per-op input/output counts, duplicate attributes), `graph` (wiring
//! checks, dead code, topological order, inputs/outputs, declared-shape checks),
//! `ops` (one translator per op family), `fold` (load-time evaluation of constant
//! subgraphs, by op family too), `patterns` (multi-node patterns the IR has as one op:
//! GELU written with Erf), `builder` (the IR under construction).
//!
//! Beyond the op-for-op translation:
//! - a zero-constant `Pad` of an activation is merged into the pads of the Conv or
//!   AveragePool that consumes it (the IR has no Pad; any other consumer is refused);
//! - inference-mode `Dropout` is removed like Identity;
//! - `0.5 * x * (1 + Erf(x / sqrt 2))` (GELU below opset 20) becomes one
//!   `Op::Unary(Gelu { tanh: false })` node, named after the Erf node (op type `Erf`).
//!
//! Guarantees on the returned graph (beyond those listed in [`crate::ir`]):
//! - every node has exactly one output, an [`crate::ir::TensorKind::Activation`];
//!   every activation and input has rank <= [`MAX_RANK`] and at least one element;
//! - Conv weights/bias and BatchNormalization / LayerNormalization parameters are
//!   [`crate::ir::TensorKind::Const`] tensors; other inputs (MatMul/Gemm operands,
//!   binary operands, Concat inputs) may be activations or constants, constants of any
//!   rank including 0;
//! - graph outputs are activations produced by a node (never an input or a constant),
//!   named as in the file; tensor names are unique; a constant used by several nodes
//!   (tied weights, Identity of a weight) is one tensor;
//! - no node or tensor is unused (dead code removed); graph inputs are kept even if
//!   unused; node names are the ONNX names or `<OpType>_<index>` (`call/inner` inside
//!   an inlined local function).

use std::path::Path;

use prost::Message as _;

use crate::error::Result;
use crate::ir::Graph;

mod file;
mod graph_builder;
pub use file::open_regular;
mod fold;
mod graph;
mod inline;
mod inputs;
mod lerp;
mod node;
mod ops;
mod order;
mod patterns;
mod proto;
mod validate;
mod value;

pub use file::{read_model_file, MAX_MODEL_BYTES};
pub use graph::MAX_RANK;
pub use inline::{MAX_INLINED_BYTES, MAX_NODES};
pub use ops::{FOLD_ONLY_OPS, SUPPORTED_OPS};

/// The prost types generated from `proto/onnx.proto`.
#[allow(missing_docs, clippy::all)]
pub mod onnx {
    include!(concat!(env!("OUT_DIR"), "/onnx.rs"));
}

/// Reads (with [`read_model_file`]) and converts the ONNX model at `path`.
pub fn load(path: &Path) -> Result<Graph> {
    load_bytes(&read_model_file(path)?, path)
}

/// Converts an ONNX model held in memory. `path` names the model in messages and
/// locates external data (relative to its folder).
pub fn load_bytes(bytes: &[u8], path: &Path) -> Result<Graph> {
    load_bytes_with(bytes, path, &[])
}

/// [`load_bytes`] with the sizes of graph inputs given: `(input name, shape)`, each
/// fixing the input's symbolic dims (dims the file fixes must agree).
pub fn load_bytes_with(
    bytes: &[u8],
    path: &Path,
    shapes: &[(String, Vec<usize>)],
) -> Result<Graph> {
    let model = proto::decode(bytes).map_err(|e| e.in_file(path))?;
    graph::convert(&model, path, shapes)
        .and_then(ops::refuse_mask_outputs)
        .map(ops::fuse_softplus_beta)
        .map(ops::fuse_where_leaky)
        .map(ops::fuse_mish)
        .map_err(|e| e.in_file(path))
}

/// Converts an already decoded model (`path` as for [`load_bytes`]).
pub fn load_model(model: &onnx::ModelProto, path: &Path) -> Result<Graph> {
    graph::convert(model, path, &[])
        .and_then(ops::refuse_mask_outputs)
        .map(ops::fuse_softplus_beta)
        .map(ops::fuse_where_leaky)
        .map(ops::fuse_mish)
        .map_err(|e| e.in_file(path))
}

/// Decodes a model (for tools and tests that edit models in code), refusing what
/// [`load_bytes`] refuses at decode time.
pub fn decode_model(bytes: &[u8]) -> Result<onnx::ModelProto> {
    proto::decode(bytes)
}

/// Encodes a model to bytes (for tools and tests that build models in code).
pub fn encode_model(model: &onnx::ModelProto) -> Vec<u8> {
    model.encode_to_vec()
}
