//! ONNX -> [`crate::ir::Graph`]: protobuf decoding (prost, official `onnx.proto`),
//! external data, opset checks, op translation, constant folding, shape inference.

/// The prost types generated from `proto/onnx.proto`.
#[allow(missing_docs, clippy::all)]
pub mod onnx {
    include!(concat!(env!("OUT_DIR"), "/onnx.rs"));
}
