//! The typed graph every later stage works on.
//!
//! The loader (`crate::load`) produces it from ONNX with:
//! - every tensor's shape static (symbolic batch dims fixed to 1);
//! - every constant subgraph folded (Constant, Shape, Gather, Concat, Cast of
//!   constants...), so constants are plain [`Tensor`]s with [`TensorKind::Const`] data;
//! - no-op nodes (Identity, float-to-float Cast) removed, and Flatten, Squeeze,
//!   Unsqueeze and Reshape all turned into [`Op::Reshape`] (shapes are static);
//! - attributes validated and normalized (negative axes resolved, `auto_pad` turned
//!   into explicit pads, Clip bounds read from their constant inputs);
//! - nodes in a topological order.
//!
//! [`program`] is the level below: the graph lowered to runtime kernel calls, which
//! the passes produce and transform and the emitter and reports read.

pub use tinymtl_runtime::kernels::pad::PadMode;
pub use tinymtl_runtime::kernels::reduce::ReduceOp;
pub use tinymtl_runtime::kernels::resize::{Coord, Cubic, Interp, Nearest};
pub use tinymtl_runtime::kernels::rnn::Cell;

pub mod program;
pub mod shape;

/// Index of a tensor in [`Graph::tensors`].
pub type TensorId = usize;

/// A model graph with static shapes.
#[derive(Clone, Debug, PartialEq)]
pub struct Graph {
    /// Graph name from the file (may be empty).
    pub name: String,
    /// All tensors: inputs, constants and activations.
    pub tensors: Vec<Tensor>,
    /// Nodes in topological order.
    pub nodes: Vec<Node>,
    /// Graph inputs (not constants), in file order.
    pub inputs: Vec<TensorId>,
    /// Graph outputs, in file order. Every output is a head.
    pub outputs: Vec<TensorId>,
}

/// A tensor: its ONNX name, static shape and what it holds.
#[derive(Clone, Debug, PartialEq)]
pub struct Tensor {
    /// ONNX name.
    pub name: String,
    /// Static shape (rank 0 is a scalar).
    pub shape: Vec<usize>,
    /// Input, constant or computed.
    pub kind: TensorKind,
}

impl Tensor {
    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }

    /// The constant data, if this is a constant.
    pub fn data(&self) -> Option<&[f32]> {
        match &self.kind {
            TensorKind::Const(d) => Some(d),
            _ => None,
        }
    }
}

/// What a tensor holds.
#[derive(Clone, Debug, PartialEq)]
pub enum TensorKind {
    /// A graph input, provided by the caller.
    Input,
    /// A float constant (initializer or folded), row-major, exactly as in the file
    /// (f32; rounding to f16 happens when code is emitted).
    Const(Vec<f32>),
    /// Computed by a node.
    Activation,
}

/// One operation.
#[derive(Clone, Debug, PartialEq)]
pub struct Node {
    /// ONNX node name (or a generated `<OpType>_<index>` if the file had none).
    pub name: String,
    /// ONNX op type as written in the file (for messages and reports).
    pub op_type: String,
    /// The operation with its normalized attributes.
    pub op: Op,
    /// Input tensors (constants included), in ONNX order; optional inputs that were
    /// absent are dropped, as documented per op.
    pub inputs: Vec<TensorId>,
    /// Output tensors (exactly one for every supported op; BatchNormalization's
    /// training outputs are refused by the loader).
    pub outputs: Vec<TensorId>,
}

/// Supported operations. Inputs are listed per variant; fields are the ONNX
/// attributes of the same name.
#[allow(missing_docs)]
#[derive(Clone, Debug, PartialEq)]
pub enum Op {
    /// `Y = alpha * A' * B' + beta * C`. Inputs: `[A, B]` or `[A, B, C]`.
    /// A is 2-D; `trans_a`/`trans_b` as in ONNX.
    Gemm {
        alpha: f32,
        beta: f32,
        trans_a: bool,
        trans_b: bool,
    },
    /// numpy `matmul`. Inputs: `[A, B]`, ranks >= 1 (1-D operands as numpy treats them).
    MatMul,
    /// Broadcasting binary op. Inputs: `[A, B]`.
    Binary(BinaryOp),
    /// Elementwise unary op. Inputs: `[X]`.
    Unary(UnaryOp),
    /// Convolution, 1-D or 2-D (`kernel.len()` spatial dims). Inputs: `[X, W]` or `[X, W, B]`.
    Conv(ConvAttrs),
    /// Inference-mode BatchNormalization. Inputs: `[X, scale, B, mean, var]`.
    BatchNorm { epsilon: f32 },
    /// Softmax (`log == false`) or LogSoftmax along `axis` (non-negative), opset-13
    /// semantics. Opset < 13 models (which flatten from `axis` on) are converted by the
    /// loader when the axis is the last, and refused otherwise.
    Softmax { axis: usize, log: bool },
    /// MaxPool or AveragePool, 1-D or 2-D. Inputs: `[X]`.
    Pool(PoolAttrs),
    /// GlobalAveragePool. Inputs: `[X]` (rank >= 3).
    GlobalAveragePool,
    /// ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL2 (and GlobalMaxPool) over
    /// `axes` (sorted, non-negative, non-empty). Inputs: `[X]`.
    Reduce {
        /// Which reduction.
        op: ReduceOp,
        /// The reduced axes.
        axes: Vec<usize>,
        /// Whether they stay as 1s.
        keepdims: bool,
    },
    /// LayerNormalization over axes `axis..rank`. Inputs: `[X, scale]` or `[X, scale, B]`.
    LayerNorm { axis: usize, epsilon: f32 },
    /// Same data, new static shape (Reshape, Flatten, Squeeze, Unsqueeze). Inputs: `[X]`.
    Reshape,
    /// Transpose with `perm` (complete permutation). Inputs: `[X]`.
    Transpose { perm: Vec<usize> },
    /// Concat along `axis` (non-negative). Inputs: two or more.
    Concat { axis: usize },
    /// LSTM, GRU or RNN. Inputs: `[X, W, R]`, then `B`, `initial_h`, `initial_c` and
    /// `P` where [`RnnAttrs`] says they are present; outputs: those of `Y`, `Y_h`, `Y_c`
    /// the file names, in that order.
    Rnn(RnnAttrs),
    /// A strided window of the input (Slice, and each output of Split): for every
    /// output index `i`, input index `starts[d] + i[d] * steps[d]` per dim `d` (full
    /// rank, bounds already clamped by the loader). Inputs: `[X]`.
    Slice { starts: Vec<usize>, steps: Vec<i64> },
    /// `Where(cond, X, Y)`, all three broadcast to the output. The condition is a mask
    /// (1.0 / 0.0, as comparisons compute it). Inputs: `[cond, X, Y]`.
    Where,
    /// Resize of the last one or two axes (the others keep scale 1). Inputs: `[X]`.
    Resize(ResizeAttrs),
    /// Pad (constant, reflect, edge) of an activation; negative pads crop. `begin` and
    /// `end` are full rank. Inputs: `[X]`. (Zero constant pads before a Conv or
    /// AveragePool are merged into its pads by the loader instead.)
    Pad {
        mode: PadMode,
        begin: Vec<i64>,
        end: Vec<i64>,
    },
    /// GatherND with constant indices: the output is `offsets.len()` rows of `row`
    /// values, row `k` copied from the input's element `offsets[k]` on. Inputs: `[X]`.
    GatherRows { offsets: Vec<usize>, row: usize },
}

/// A recurrent layer's attributes (ONNX `LSTM` / `GRU` / `RNN`, default activations).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RnnAttrs {
    /// The cell (and its `input_forget` / `linear_before_reset`).
    pub cell: Cell,
    /// `hidden_size`.
    pub hidden: usize,
    /// 1 or 2 (`bidirectional`).
    pub directions: usize,
    /// `direction = "reverse"`.
    pub reverse: bool,
    /// `layout = 1`.
    pub batch_first: bool,
    /// `clip` (`f32::INFINITY` when absent).
    pub clip: f32,
    /// Which optional inputs follow `[X, W, R]`: `B`, `initial_h`, `initial_c`, `P`.
    pub has: [bool; 4],
    /// Which outputs the node has: `Y`, `Y_h`, `Y_c`.
    pub outputs: [bool; 3],
}

/// Resize attributes, resolved: the interpolation, the coordinate transformation and
/// one scale per axis (`output / input` when the model gave sizes), as onnxruntime
/// uses them.
#[derive(Clone, Debug, PartialEq)]
pub struct ResizeAttrs {
    /// `mode` (with `nearest_mode`, or `cubic_coeff_a` and `exclude_outside`).
    pub mode: Interp,
    /// `coordinate_transformation_mode`.
    pub coord: Coord,
    /// Scale per axis (1 on every axis but the last one or two).
    pub scales: Vec<f32>,
    /// `tf_crop_and_resize` only: the region `(start, end)` of each axis (`coord`
    /// holds the extrapolation value); empty otherwise.
    pub roi: Vec<(f32, f32)>,
}

/// Broadcasting binary ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum BinaryOp {
    /// Add
    Add,
    /// Sub
    Sub,
    /// Mul
    Mul,
    /// Div
    Div,
    /// Pow
    Pow,
    /// Max (variadic Max is a chain of these)
    Max,
    /// Min
    Min,
    /// PRelu: `a` the input, `b` the slope
    PRelu,
    /// Equal: a mask, `1.0` where `a == b` else `0.0` (as the comparisons below)
    Equal,
    /// Less
    Less,
    /// LessOrEqual
    LessOrEqual,
    /// Greater
    Greater,
    /// GreaterOrEqual
    GreaterOrEqual,
}

/// Elementwise unary ops and their attributes (ONNX defaults filled in).
#[allow(missing_docs)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum UnaryOp {
    /// Relu
    Relu,
    /// LeakyRelu(alpha)
    LeakyRelu { alpha: f32 },
    /// Clip with bounds (`-inf`/`inf` where absent)
    Clip { min: f32, max: f32 },
    /// Sigmoid
    Sigmoid,
    /// Tanh
    Tanh,
    /// HardSigmoid(alpha, beta)
    HardSigmoid { alpha: f32, beta: f32 },
    /// HardSwish
    HardSwish,
    /// Elu(alpha)
    Elu { alpha: f32 },
    /// Gelu, `approximate = "none"` (erf) or `"tanh"`
    Gelu { tanh: bool },
    /// Sqrt
    Sqrt,
    /// Abs
    Abs,
    /// Neg
    Neg,
    /// Exp
    Exp,
    /// Log
    Log,
    /// Reciprocal
    Reciprocal,
    /// Softplus
    Softplus,
    /// Erf (standalone; inside the GELU pattern it becomes [`UnaryOp::Gelu`])
    Erf,
    /// Mish
    Mish,
    /// torch's `softplus(x, beta, threshold)`: `x` where `beta * x > threshold`, else
    /// `softplus(beta * x) / beta` (the dynamo exporter's Mul/Softplus/Div/Greater/Where
    /// pattern, recognised as one op)
    SoftplusBeta { beta: f32, threshold: f32 },
}

impl UnaryOp {
    /// Whether the op is a runtime `Act` (so it can be fused into an epilogue); the
    /// others (Abs, Neg, Exp, Log, Reciprocal, Softplus, Erf, Mish) are `Pointwise`
    /// ops, run as steps of their own and linked only into models that use them.
    pub fn is_act(self) -> bool {
        !matches!(
            self,
            UnaryOp::Abs
                | UnaryOp::Neg
                | UnaryOp::Exp
                | UnaryOp::Log
                | UnaryOp::Reciprocal
                | UnaryOp::Softplus
                | UnaryOp::Erf
                | UnaryOp::Mish
                | UnaryOp::SoftplusBeta { .. }
        )
    }
}

/// Convolution attributes, resolved (`auto_pad` turned into explicit pads).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConvAttrs {
    /// Kernel spatial shape (from W when absent in the file).
    pub kernel: Vec<usize>,
    /// Strides per spatial dim.
    pub strides: Vec<usize>,
    /// Pads: begins for each spatial dim, then ends (ONNX order).
    pub pads: Vec<usize>,
    /// Dilations per spatial dim.
    pub dilations: Vec<usize>,
    /// Groups.
    pub group: usize,
}

/// Pooling attributes, resolved.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PoolAttrs {
    /// Max or average.
    pub kind: PoolKind,
    /// Window spatial shape.
    pub kernel: Vec<usize>,
    /// Strides per spatial dim.
    pub strides: Vec<usize>,
    /// Pads: begins then ends.
    pub pads: Vec<usize>,
    /// Dilations per spatial dim.
    pub dilations: Vec<usize>,
    /// `ceil_mode` (already reflected in the output shape).
    pub ceil_mode: bool,
    /// AveragePool's `count_include_pad`.
    pub count_include_pad: bool,
}

/// Which pooling.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PoolKind {
    /// MaxPool
    Max,
    /// AveragePool
    Average,
}
