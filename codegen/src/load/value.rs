//! What a tensor name stands for while the graph is being converted: a constant
//! known at load time (float or integer, any ONNX numeric type) or an activation
//! of the IR graph.

use std::rc::Rc;

use super::onnx::tensor_proto::DataType;
use crate::ir::TensorId;

/// ONNX element type code (`TensorProto.DataType`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct DType(pub i32);

impl DType {
    pub const FLOAT: DType = DType(DataType::Float as i32);
    pub const INT64: DType = DType(DataType::Int64 as i32);
    pub const BOOL: DType = DType(DataType::Bool as i32);

    /// FLOAT, DOUBLE, FLOAT16, BFLOAT16: held as f32.
    pub fn is_float(self) -> bool {
        matches!(
            DataType::try_from(self.0),
            Ok(DataType::Float | DataType::Double | DataType::Float16 | DataType::Bfloat16)
        )
    }

    /// Integer types and BOOL: held as i64 (constants only).
    pub fn is_int(self) -> bool {
        matches!(
            DataType::try_from(self.0),
            Ok(DataType::Int8
                | DataType::Int16
                | DataType::Int32
                | DataType::Int64
                | DataType::Uint8
                | DataType::Uint16
                | DataType::Uint32
                | DataType::Uint64
                | DataType::Bool)
        )
    }

    /// The ONNX name, e.g. `INT64`.
    pub fn name(self) -> String {
        DataType::try_from(self.0)
            .map(|d| d.as_str_name().to_string())
            .unwrap_or_else(|_| format!("data type {}", self.0))
    }
}

/// Constant data: floats as f32, integers and booleans as i64.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Data {
    F(Vec<f32>),
    I(Vec<i64>),
}

impl Data {
    pub fn len(&self) -> usize {
        match self {
            Data::F(v) => v.len(),
            Data::I(v) => v.len(),
        }
    }

    /// Element `i` as f64.
    pub fn get_f64(&self, i: usize) -> f64 {
        match self {
            Data::F(v) => f64::from(v[i]),
            Data::I(v) => v[i] as f64,
        }
    }

    /// Picks elements by index, keeping the variant.
    pub fn gather(&self, idx: impl Iterator<Item = usize>) -> Data {
        match self {
            Data::F(v) => Data::F(idx.map(|i| v[i]).collect()),
            Data::I(v) => Data::I(idx.map(|i| v[i]).collect()),
        }
    }

    /// Concatenation of same-variant data.
    pub fn concat(parts: &[&Data]) -> Data {
        if parts.iter().any(|p| matches!(p, Data::F(_))) {
            Data::F(
                parts
                    .iter()
                    .flat_map(|p| (0..p.len()).map(|i| p.get_f64(i) as f32))
                    .collect(),
            )
        } else {
            Data::I(
                parts
                    .iter()
                    .flat_map(|p| match p {
                        Data::I(v) => v.clone(),
                        Data::F(_) => unreachable!(),
                    })
                    .collect(),
            )
        }
    }
}

/// A constant known at load time.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Const {
    /// Name of the tensor it was born as (initializer or folded node output).
    pub name: String,
    pub dtype: DType,
    pub shape: Vec<usize>,
    pub data: Data,
}

impl Const {
    /// The data as f32 (integers converted), for float consumers.
    pub fn to_f32(&self) -> Vec<f32> {
        match &self.data {
            Data::F(v) => v.clone(),
            Data::I(v) => v.iter().map(|&x| x as f32).collect(),
        }
    }

    /// The data as i64 (floats truncated), for shape-like consumers.
    pub fn to_i64(&self) -> Vec<i64> {
        match &self.data {
            Data::I(v) => v.clone(),
            Data::F(v) => v.iter().map(|&x| x as i64).collect(),
        }
    }
}

/// The result of a zero-constant Pad of an activation, pending: merged into the pads of
/// the Conv or AveragePool that consumes it, or materialized as an `Op::Pad` for any
/// other consumer.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Padded {
    /// The unpadded activation.
    pub src: TensorId,
    /// Begins for every dim, then ends (ONNX order, full rank).
    pub pads: Vec<usize>,
    /// The padded shape.
    pub shape: Vec<usize>,
    /// Name of the Pad node (for messages).
    pub node: String,
    /// Name of the Pad node's output (the tensor's name once materialized).
    pub out: String,
}

/// What a tensor name refers to during conversion.
#[derive(Clone, Debug)]
pub(crate) enum Value {
    /// Known at load time (shared so aliases of big weights are not copied).
    Const(Rc<Const>),
    /// An IR tensor: graph input or activation.
    Act(TensorId),
    /// A padded activation waiting for a Conv/AveragePool to absorb the padding.
    Padded(Rc<Padded>),
}
