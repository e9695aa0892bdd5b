//! One translator per op family: validates attributes, infers the output shape and
//! produces an [`crate::ir::Op`], an alias (no-op nodes) or folded constants.

mod conv;
mod elementwise;
mod gather;
mod layout;
mod linear;
mod minmax;
mod mish;
mod norm;
mod norm_stats;
mod pad;
mod resize;
mod rnn;
mod select;
mod softplus_beta;
mod where_leaky;

use super::fold;
use super::graph_builder::GraphBuilder;
use super::node::NodeCtx;
use super::value::{Const, Value};
use crate::error::Result;
use crate::ir::{Op, ReduceOp, TensorId};

/// What converting a node gives.
pub(crate) enum Outcome {
    /// A compute node with one output of `shape`.
    Compute {
        op: Op,
        inputs: Vec<TensorId>,
        shape: Vec<usize>,
    },
    /// No computation: the (single) output is this value (Identity, float Cast...).
    Alias(Value),
    /// Evaluated at load time: one constant per output, in output order.
    Consts(Vec<Const>),
    /// One compute node per output (Split), in output order.
    Multi(Vec<(Op, Vec<TensorId>, Vec<usize>)>),
    /// One compute node with several outputs (LSTM, GRU): the shape of each output
    /// slot, `None` for a slot the file leaves unnamed.
    Node {
        op: Op,
        inputs: Vec<TensorId>,
        shapes: Vec<Option<Vec<usize>>>,
    },
}

/// Ops translated to IR nodes (or folded when their inputs are constants).
pub const SUPPORTED_OPS: &[&str] = &[
    "Abs",
    "Add",
    "And",
    "AveragePool",
    "BatchNormalization",
    "Cast",
    "CastLike",
    "Clip",
    "Concat",
    "Constant",
    "Conv",
    "Div",
    "Dropout",
    "Elu",
    "Equal",
    "Erf",
    "Exp",
    "Flatten",
    "GRU",
    "Gelu",
    "Gather",
    "GatherND",
    "Gemm",
    "Greater",
    "GreaterOrEqual",
    "GlobalAveragePool",
    "GlobalMaxPool",
    "HardSigmoid",
    "HardSwish",
    "Identity",
    "LSTM",
    "LayerNormalization",
    "LeakyRelu",
    "Less",
    "LessOrEqual",
    "Log",
    "LogSoftmax",
    "MatMul",
    "Max",
    "MaxPool",
    "Min",
    "Mish",
    "Mul",
    "Neg",
    "Not",
    "Or",
    "PRelu",
    "Pad",
    "Pow",
    "RNN",
    "Reciprocal",
    "ReduceL2",
    "ReduceMax",
    "ReduceMean",
    "ReduceMin",
    "ReduceSum",
    "Relu",
    "Reshape",
    "Resize",
    "Sigmoid",
    "Slice",
    "Softmax",
    "Softplus",
    "Split",
    "Sqrt",
    "Squeeze",
    "Sub",
    "Tanh",
    "Transpose",
    "Unsqueeze",
    "Where",
];

/// Ops only evaluated at load time: all their inputs must be constants (Shape and
/// Size only need a static shape).
pub const FOLD_ONLY_OPS: &[&str] = fold::FOLD_ONLY_OPS;

pub(crate) use mish::fuse_mish;
pub(crate) use select::refuse_mask_outputs;
pub(crate) use softplus_beta::fuse_softplus_beta;
pub(crate) use where_leaky::fuse_where_leaky;

/// Converts one node.
pub(crate) fn convert(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    match ctx.op {
        "Constant" => fold::constant(ctx).map(|c| Outcome::Consts(vec![c])),
        "Identity" => layout::identity(ctx),
        "Dropout" => layout::dropout(ctx),
        "Cast" | "CastLike" => layout::cast(ctx),
        "Reshape" | "Flatten" | "Squeeze" | "Unsqueeze" => layout::reshape(ctx, g),
        "Transpose" => layout::transpose(ctx, g),
        "Pad" => pad::pad(ctx, g),
        "Resize" => resize::resize(ctx, g),
        "GatherND" => resize::gather_nd(ctx, g),
        "Concat" => layout::concat(ctx, g),
        "Slice" => layout::slice(ctx, g),
        "Split" => layout::split(ctx, g),
        "Add" | "Sub" | "Mul" | "Div" | "Pow" => elementwise::binary(ctx, g),
        "Relu" | "LeakyRelu" | "Sigmoid" | "Tanh" | "HardSigmoid" | "HardSwish" | "Elu"
        | "Gelu" | "Sqrt" | "Clip" | "Abs" | "Neg" | "Exp" | "Log" | "Reciprocal" | "Softplus"
        | "Erf" | "Mish" => elementwise::unary(ctx, g),
        "Max" | "Min" => minmax::max_min(ctx, g),
        "PRelu" => minmax::prelu(ctx, g),
        "Where" => select::where_(ctx, g),
        "Gather" => gather::gather(ctx, g),
        op if select::MASK_OPS.contains(&op) => select::mask_op(ctx, g),
        "Gemm" => linear::gemm(ctx, g),
        "MatMul" => linear::matmul(ctx, g),
        "Conv" => conv::conv(ctx, g),
        "MaxPool" | "AveragePool" => conv::pool(ctx, g),
        "GlobalAveragePool" => conv::global_average_pool(ctx, g),
        "GlobalMaxPool" => conv::global_max_pool(ctx, g),
        "BatchNormalization" => norm::batch_norm(ctx, g),
        "LayerNormalization" => norm::layer_norm(ctx, g),
        "Softmax" | "LogSoftmax" => norm::softmax(ctx, g),
        "LSTM" | "GRU" | "RNN" => rnn::rnn(ctx, g),
        "ReduceMean" => norm::reduce(ctx, g, ReduceOp::Mean),
        "ReduceSum" => norm::reduce(ctx, g, ReduceOp::Sum),
        "ReduceMax" => norm::reduce(ctx, g, ReduceOp::Max),
        "ReduceMin" => norm::reduce(ctx, g, ReduceOp::Min),
        "ReduceL2" => norm::reduce(ctx, g, ReduceOp::L2),
        op if FOLD_ONLY_OPS.contains(&op) => fold::fold_only(ctx, g).map(Outcome::Consts),
        op => Err(ctx.err(format!(
            "op '{op}' is not supported. Supported ops: {}; evaluated at load time when their \
             inputs are constants: {}",
            SUPPORTED_OPS.join(", "),
            FOLD_ONLY_OPS.join(", ")
        ))),
    }
}
