//! The kernel-level program: runtime kernel calls over activation values and
//! constants, as `passes::lower` produces it and the emitter prints it.

use crate::ir::{BinaryOp, UnaryOp};
// The runtime kernels' own shape structs, held as they will be passed.
pub use tinymtl_runtime::kernels::conv::ConvShape;
pub use tinymtl_runtime::kernels::dense::{DenseShape, MatMulShape};
pub use tinymtl_runtime::kernels::elementwise::Broadcast;
pub use tinymtl_runtime::kernels::movement::{Strided, MAX_RANK};
pub use tinymtl_runtime::kernels::norm::{ChannelShape, LayerNormShape};
pub use tinymtl_runtime::kernels::pad::{PadMode, PadShape};
pub use tinymtl_runtime::kernels::pool::PoolShape;
pub use tinymtl_runtime::kernels::reduce::{ReduceOp, ReduceShape};
pub use tinymtl_runtime::kernels::resize::{Interp, Nearest, ResizeAxis, ResizeShape};
pub use tinymtl_runtime::kernels::rnn::{Cell, RnnShape};
pub use tinymtl_runtime::kernels::select::SelectShape;
pub use tinymtl_runtime::kernels::softmax::SoftmaxShape;

/// Index into [`Program::values`].
pub type ValueId = usize;
/// Index into [`Program::consts`].
pub type ConstId = usize;

/// The whole model as kernel calls.
#[derive(Clone, Debug, Default)]
pub struct Program {
    /// Model name (graph name or file stem).
    pub name: String,
    /// Activation values: graph inputs, step outputs and aliases.
    pub values: Vec<Value>,
    /// Constants, already validated and rounded as they will be stored.
    pub consts: Vec<Const>,
    /// Kernel calls in a topological order.
    pub steps: Vec<Step>,
    /// Graph inputs, in file order.
    pub inputs: Vec<ValueId>,
    /// Graph outputs (heads), in file order.
    pub outputs: Vec<ValueId>,
}

/// An activation tensor.
#[derive(Clone, Debug)]
pub struct Value {
    /// ONNX tensor name (synthetic values get a derived name).
    pub name: String,
    /// Static shape.
    pub shape: Vec<usize>,
    /// Where its data comes from.
    pub source: Source,
}

impl Value {
    /// Number of elements.
    pub fn numel(&self) -> usize {
        self.shape.iter().product()
    }
}

/// Where a value's data comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Source {
    /// Graph input number `i`.
    Input(usize),
    /// Written by a step.
    Step,
    /// The same data as another value, another shape (Reshape and friends).
    Alias(ValueId),
}

/// How a constant is stored on the device.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Storage {
    /// `half::f16`: weight matrices, filters, elementwise operands.
    F16,
    /// `f32`: per-channel vectors (bias, folded BatchNorm, LayerNorm scale/bias).
    F32,
}

/// A constant as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Const {
    /// Source name (ONNX initializer, or derived, e.g. `conv1.weight` or `bn1:scale`).
    pub name: String,
    /// Shape as the kernel uses it.
    pub shape: Vec<usize>,
    /// Values exactly as stored (already rounded to f16 for [`Storage::F16`]).
    pub data: Vec<f32>,
    /// Storage type.
    pub storage: Storage,
}

impl Const {
    /// Bytes in flash.
    pub fn bytes(&self) -> usize {
        self.data.len()
            * match self.storage {
                Storage::F16 => 2,
                Storage::F32 => 4,
            }
    }
}

/// An argument of a step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Arg {
    /// An activation.
    Value(ValueId),
    /// A constant tensor in flash.
    Const(ConstId),
    /// A scalar immediate (a one-element constant).
    Scalar(f32),
}

/// Per-output-channel epilogue of a dense or convolution kernel:
/// `y = act(acc * scale[c] + shift[c])`.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Post {
    /// f32 constant of length channels.
    pub scale: Option<ConstId>,
    /// f32 constant of length channels.
    pub shift: Option<ConstId>,
    /// Fused activation.
    pub act: Option<UnaryOp>,
}

/// Which runtime convolution a convolution step calls: chosen by the code generator
/// from the layer's shape, so a firmware links only the variants its model uses.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ConvKind {
    /// `conv::pointwise`: 1x1, stride 1, no padding, no groups; filter packed
    /// (`conv::pack`, `k = c_in`).
    Pointwise,
    /// `conv::gathered`: no groups, one channel's taps within a panel; filter packed
    /// (`k = c_in * kh * kw`).
    Gathered,
    /// `conv::depthwise3x3`: 3x3 depthwise at stride 1 or 2; filter as ONNX stores it.
    Depthwise3x3,
    /// `conv::conv2d`: every other convolution (groups, depthwise, few output
    /// channels); filter as ONNX stores it.
    Direct,
}

impl ConvKind {
    /// The variant for a convolution of shape `s`.
    pub fn choose(s: &ConvShape) -> ConvKind {
        use tinymtl_runtime::kernels::conv::{depthwise3x3_applies, gathered_applies, tile::MR};
        let pointwise = s.kh == 1
            && s.kw == 1
            && s.stride == (1, 1)
            && s.pad == (0, 0)
            && (s.oh, s.ow) == (s.h, s.w);
        // A tile computes MR output channels at once: with fewer, most of it is waste.
        if depthwise3x3_applies(s) {
            ConvKind::Depthwise3x3
        } else if s.groups != 1 || s.c_out < MR {
            ConvKind::Direct
        } else if pointwise {
            ConvKind::Pointwise
        } else if gathered_applies(s) {
            ConvKind::Gathered
        } else {
            ConvKind::Direct
        }
    }

    /// Whether the filter is stored packed in output-channel blocks.
    pub fn packed(self) -> bool {
        matches!(self, ConvKind::Pointwise | ConvKind::Gathered)
    }
}

/// One runtime kernel call. Arguments are listed per variant; shapes are the runtime
/// kernel's own shape structs, printed as struct literals into the generated code.
#[derive(Clone, Debug, PartialEq)]
pub enum Kernel {
    /// `[x]`, weights `w` (outputs x inputs, f16).
    Dense {
        /// Rows, inputs and outputs.
        shape: DenseShape,
        /// The weight matrix.
        w: ConstId,
        /// Epilogue.
        post: Post,
    },
    /// `[a, b]` both activations.
    MatMul(MatMulShape),
    /// `[x]`, filter `w` (f16, laid out as `kind` reads it).
    Conv {
        /// Geometry.
        shape: ConvShape,
        /// Which runtime convolution runs it.
        kind: ConvKind,
        /// The filter.
        w: ConstId,
        /// Epilogue.
        post: Post,
    },
    /// `[x]`.
    Pool {
        /// Max pooling (else average).
        max: bool,
        /// Geometry.
        shape: PoolShape,
        /// Average pooling: whether padded positions count in the divisor.
        count_include_pad: bool,
    },
    /// `[x]`: one reduction of `x` viewed as `outer x reduced x inner`.
    Reduce(ReduceOp, ReduceShape),
    /// `[x]`.
    Softmax {
        /// The axis and what lies around it.
        shape: SoftmaxShape,
        /// LogSoftmax.
        log: bool,
    },
    /// `[x]`; `scale`/`bias` f32 of length `shape.features`.
    LayerNorm {
        /// Rows and features.
        shape: LayerNormShape,
        /// Per-feature scale.
        scale: ConstId,
        /// Per-feature bias.
        bias: Option<ConstId>,
        /// Added to the variance.
        eps: f32,
    },
    /// `[x]`; `y = act(x * scale[c] + shift[c])` over `outer x channels x inner`.
    ChannelAffine {
        /// Channels and what lies around them.
        shape: ChannelShape,
        /// Per-channel multiplier.
        scale: ConstId,
        /// Per-channel addend.
        shift: ConstId,
        /// Fused activation.
        act: Option<UnaryOp>,
    },
    /// `[x]`.
    Unary(UnaryOp),
    /// `[a, b]`, each an activation, a constant or a scalar; `bcast` is `None` when
    /// both have the output's shape (or are scalars).
    Binary {
        /// The op.
        op: BinaryOp,
        /// How the operands broadcast to the output.
        bcast: Option<Broadcast>,
    },
    /// `[x]`: the output's shape and the input's stride along each of its axes.
    Permute(Strided),
    /// `[x]`: a strided window starting at element `offset` (Slice, Split parts).
    Slice {
        /// First element read.
        offset: usize,
        /// Output shape and strides of the input along it.
        view: Strided,
    },
    /// `[x0, x1, ...]`: each input viewed as `outer x chunks[i]`, the output as `outer x row`.
    Concat {
        /// Rows.
        outer: usize,
        /// Values per row of each input.
        chunks: Vec<usize>,
        /// Values per row of the output.
        row: usize,
    },
    /// `[c]`: copies a constant (widened) into an activation.
    Materialize,
    /// `[x]`, then `h0` and `c0` where present: a recurrent layer writing
    /// [`RnnShape::out_len`] values (`Y`, `Y_h`, `Y_c`, scratch).
    Rnn {
        /// Geometry.
        shape: RnnShape,
        /// `directions x (gates·hidden) x row` f16: rows `[W_j, 0.., R_j, 0..]`.
        w: ConstId,
        /// `directions x (gates·hidden)` f32: `Wb + Rb`.
        bias: ConstId,
        /// Linear-before-reset GRU: `directions x hidden` f32, `Rb_h`.
        rb_h: Option<ConstId>,
        /// LSTM peepholes, `directions x 3·hidden` f32.
        peephole: Option<ConstId>,
        /// Whether the arguments hold an initial hidden state (after `x`).
        h0: bool,
        /// Whether they hold an initial cell state (last).
        c0: bool,
    },
    /// `[cond, a, b]` (each an activation, a constant or a scalar): `Where`.
    Select(SelectShape),
    /// `[x]`: nearest, linear or cubic resize of the last two axes.
    Resize {
        /// Geometry.
        shape: ResizeShape,
        /// Interpolation.
        mode: Interp,
    },
    /// `[x]`.
    Pad {
        /// Shapes and pads.
        shape: PadShape,
        /// What the padded positions hold.
        mode: PadMode,
    },
    /// `[x]`: rows of `row` values copied from the element offsets in `offsets` (f32).
    GatherRows {
        /// The offsets.
        offsets: ConstId,
        /// Values per row.
        row: usize,
    },
}

impl Kernel {
    /// Short name for reports.
    pub fn label(&self) -> &'static str {
        match self {
            Kernel::Dense { .. } => "dense",
            Kernel::MatMul { .. } => "matmul",
            Kernel::Conv { kind, .. } => match kind {
                ConvKind::Pointwise => "conv_pointwise",
                ConvKind::Gathered => "conv_gathered",
                ConvKind::Depthwise3x3 => "conv_depthwise3x3",
                ConvKind::Direct => "conv",
            },
            Kernel::Pool { max: true, .. } => "max_pool",
            Kernel::Pool { max: false, .. } => "avg_pool",
            Kernel::Reduce(op, _) => op.kernel(),
            Kernel::Softmax { log: false, .. } => "softmax",
            Kernel::Softmax { log: true, .. } => "log_softmax",
            Kernel::LayerNorm { .. } => "layer_norm",
            Kernel::ChannelAffine { .. } => "channel_affine",
            Kernel::Unary(_) => "unary",
            Kernel::Binary { .. } => "binary",
            Kernel::Permute { .. } => "permute",
            Kernel::Slice { .. } => "slice",
            Kernel::Concat { .. } => "concat",
            Kernel::Materialize => "materialize",
            Kernel::Rnn { shape, .. } => match shape.cell {
                Cell::Lstm { .. } => "lstm",
                Cell::Gru { .. } => "gru",
                Cell::Simple => "rnn",
            },
            Kernel::Select(_) => "select",
            Kernel::Resize { mode, .. } => match mode {
                Interp::Nearest(_) => "resize_nearest",
                Interp::Linear => "resize_linear",
                Interp::Cubic(_) => "resize_cubic",
            },
            Kernel::Pad { .. } => "pad",
            Kernel::GatherRows { .. } => "gather_rows",
        }
    }

    /// Whether the kernel may write its output over its first argument.
    pub fn can_run_in_place(&self) -> bool {
        matches!(
            self,
            Kernel::Unary(_)
                | Kernel::Binary { .. }
                | Kernel::Softmax { .. }
                | Kernel::LayerNorm { .. }
                | Kernel::ChannelAffine { .. }
        )
    }

    /// Multiply-accumulates per run.
    pub fn macs(&self) -> u64 {
        match *self {
            Kernel::Dense { shape: s, .. } => (s.rows * s.inputs * s.outputs) as u64,
            Kernel::MatMul(s) => (s.batch * s.rows * s.depth * s.cols) as u64,
            Kernel::Conv { shape: g, .. } => {
                (g.n * g.c_out * g.oh * g.ow * (g.c_in / g.groups) * g.kh * g.kw) as u64
            }
            Kernel::Rnn { shape: s, .. } => {
                // The real products, not the zero padding of the rows.
                let row = s.inputs + s.hidden;
                (s.directions * s.batch * s.steps * s.cell.gates() * s.hidden * row) as u64
            }
            _ => 0,
        }
    }
}

/// One kernel call: where it came from, what it computes, from what, into what.
#[derive(Clone, Debug, PartialEq)]
pub struct Step {
    /// The ONNX nodes it implements, `(name, op_type)` (several after fusion).
    pub nodes: Vec<(String, String)>,
    /// The kernel and its constants.
    pub kernel: Kernel,
    /// Arguments.
    pub args: Vec<Arg>,
    /// Output value.
    pub out: ValueId,
}

/// The normalization a value ends in, when it is one a firmware would otherwise
/// apply to show the value (a class probability, a yes/no probability).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// Softmax (not LogSoftmax): the values are probabilities.
    Softmax,
    /// Sigmoid, alone or fused into the step's epilogue.
    Sigmoid,
}

impl Program {
    /// What the step writing value `v` (through any aliases) ends in.
    pub fn ending(&self, v: ValueId) -> Option<Ending> {
        let mut v = v;
        // Aliases point to earlier values; the bound only guards malformed programs.
        for _ in 0..self.values.len() {
            match self.values.get(v)?.source {
                Source::Alias(a) => v = a,
                _ => break,
            }
        }
        let step = self.steps.iter().rev().find(|s| s.out == v)?;
        let sigmoid = Some(UnaryOp::Sigmoid);
        match &step.kernel {
            Kernel::Softmax { log: false, .. } => Some(Ending::Softmax),
            Kernel::Unary(UnaryOp::Sigmoid) => Some(Ending::Sigmoid),
            Kernel::Dense { post, .. } | Kernel::Conv { post, .. } if post.act == sigmoid => {
                Some(Ending::Sigmoid)
            }
            Kernel::ChannelAffine { act, .. } if *act == sigmoid => Some(Ending::Sigmoid),
            _ => None,
        }
    }
}
