//! Constant folding: evaluates at load time the nodes whose inputs are all constants
//! (and Shape/Size of activations, whose shapes are static). Integers are exact
//! (i64); floats are computed in f32 (f64 where it is free).
//!
//! This module holds the list of fold-only ops, their dispatcher and the helpers every
//! evaluator shares (constant inputs, output constants, size limit, strided reads).
//! The evaluators live by op family, as in [`super::ops`]: `elementwise`
//! (broadcasting arithmetic and comparisons, Where, Expand, Cast), `layout` (Gather,
//! Slice, Transpose: elements moved, not computed), `shapes` (Shape, Size,
//! ConstantOfShape, Range) and `reduce` (Reduce*).

mod elementwise;
mod layout;
mod reduce;
mod shapes;

pub(crate) use elementwise::{binary, cast_data};
pub(crate) use layout::{slice_geometry, transpose_data};
pub(crate) use reduce::{reduce, reduce_axes, reduced_shape};
pub(crate) use shapes::shape_values;

use super::graph_builder::GraphBuilder;
use super::node::NodeCtx;
use super::proto;
use super::value::{Const, DType, Data, Value};
use crate::error::Result;
use crate::ir::shape;

/// Ops that are only evaluated at load time. ([`fold_only`] also evaluates Abs, Neg,
/// Max and Min, which run at run time too, on integer constants.)
pub(crate) const FOLD_ONLY_OPS: &[&str] = &[
    "Ceil",
    "ConstantOfShape",
    "Expand",
    "Floor",
    "Range",
    "ReduceProd",
    "Shape",
    "Size",
    "Sum",
];

/// Largest folded constant, in elements.
const MAX_FOLD_ELEMS: usize = 1 << 26;

/// Builds the constant for output `slot` of the node.
pub(crate) fn out_const(
    ctx: &NodeCtx,
    slot: usize,
    dtype: DType,
    shape: Vec<usize>,
    data: Data,
) -> Const {
    Const {
        name: ctx.outputs.get(slot).cloned().unwrap_or_default(),
        dtype,
        shape,
        data,
    }
}

/// Checked element count of a shape a folded op would produce.
pub(crate) fn checked_numel(ctx: &NodeCtx, shape: &[usize]) -> Result<usize> {
    match shape::numel(shape) {
        Some(n) if n <= MAX_FOLD_ELEMS => Ok(n),
        _ => Err(ctx.err(format!(
            "constant of shape {shape:?} is too large to evaluate at load time"
        ))),
    }
}

/// Evaluates a `Constant` node.
pub(crate) fn constant(ctx: &NodeCtx) -> Result<Const> {
    ctx.check_attrs(&[
        "value",
        "value_float",
        "value_floats",
        "value_int",
        "value_ints",
        "sparse_value",
        "value_string",
        "value_strings",
    ])?;
    if ctx.attrs.len() != 1 {
        return Err(ctx.err(format!(
            "Constant needs exactly one value attribute, found {}",
            ctx.attrs.len()
        )));
    }
    let name = ctx.outputs.first().cloned().unwrap_or_default();
    let c = |dtype, shape, data| Const {
        name: name.clone(),
        dtype,
        shape,
        data,
    };
    if let Some(t) = ctx.tensor("value")? {
        return proto::tensor_to_const(t, &name, ctx.model_path)
            .map_err(|e| e.at_node(&ctx.name, ctx.op));
    }
    if ctx.has_attr("value_float") {
        let v = ctx.float_or("value_float", 0.0)?;
        return Ok(c(DType::FLOAT, vec![], Data::F(vec![v])));
    }
    if let Some(v) = ctx.floats("value_floats")? {
        return Ok(c(DType::FLOAT, vec![v.len()], Data::F(v)));
    }
    if let Some(v) = ctx.int("value_int")? {
        return Ok(c(DType::INT64, vec![], Data::I(vec![v])));
    }
    if let Some(v) = ctx.ints("value_ints")? {
        return Ok(c(DType::INT64, vec![v.len()], Data::I(v)));
    }
    Err(ctx.err(format!(
        "Constant attribute '{}' is not supported (supported: value, value_float, value_floats, \
         value_int, value_ints)",
        ctx.attrs[0].name()
    )))
}

/// The required input in `slot` as a constant (error if computed at run time).
fn cin<'a>(ctx: &'a NodeCtx, slot: usize) -> Result<&'a Const> {
    match ctx.input(slot) {
        Some(Value::Const(c)) => Ok(c),
        Some(Value::Act(_) | Value::Padded(_)) => Err(ctx
            .err(format!(
                "{} is only supported when evaluated at load time, but input #{slot} '{}' is \
                 computed at run time",
                ctx.op,
                ctx.input_name(slot)
            ))
            .on_tensor(ctx.input_name(slot))),
        None => Err(ctx.err(format!("required input #{slot} is missing"))),
    }
}

/// A constant input that must be integer-typed (shape, indices, axes...).
pub(crate) fn int_values(ctx: &NodeCtx, c: &Const, what: &str) -> Result<Vec<i64>> {
    if !c.dtype.is_int() {
        return Err(ctx
            .err(format!(
                "{what} must be an integer tensor, got {}",
                c.dtype.name()
            ))
            .on_tensor(&c.name));
    }
    Ok(c.to_i64())
}

/// Evaluates a fold-only op.
pub(crate) fn fold_only(ctx: &NodeCtx, g: &GraphBuilder) -> Result<Vec<Const>> {
    let c = match ctx.op {
        "Shape" => shapes::shape_of(ctx, g)?,
        "Size" => shapes::size(ctx, g)?,
        "Gather" => layout::gather(ctx)?,
        "Slice" => layout::slice(ctx)?,
        "ConstantOfShape" => shapes::constant_of_shape(ctx)?,
        "Range" => shapes::range(ctx)?,
        "Neg" | "Abs" | "Floor" | "Ceil" | "Not" => elementwise::unary(ctx)?,
        "Equal" | "Less" | "Greater" | "LessOrEqual" | "GreaterOrEqual" | "And" | "Or" => {
            ctx.check_attrs(&[])?;
            binary(ctx, cin(ctx, 0)?, cin(ctx, 1)?)?
        }
        "Where" => elementwise::where_(ctx)?,
        "Expand" => elementwise::expand(ctx)?,
        "Min" | "Max" | "Sum" => elementwise::variadic(ctx)?,
        "ReduceProd" => reduce::reduce_op(ctx)?,
        op => return Err(ctx.err(format!("internal: no evaluator for {op}"))),
    };
    Ok(vec![c])
}

/// Converts strides to i64.
pub(crate) fn stride_i64(s: &[usize]) -> Vec<i64> {
    s.iter().map(|&x| x as i64).collect()
}

/// Source offsets of every element of an `out_shape` tensor read with `strides`
/// (one per output dim, may be 0 or negative) from `base`, in row-major order.
pub(crate) fn strided_indices(out_shape: &[usize], strides: &[i64], base: i64) -> Vec<usize> {
    let n: usize = out_shape.iter().product();
    let mut out = Vec::with_capacity(n);
    if n == 0 {
        return out;
    }
    let rank = out_shape.len();
    let mut idx = vec![0usize; rank];
    let mut off = base;
    for _ in 0..n {
        out.push(off as usize);
        for d in (0..rank).rev() {
            idx[d] += 1;
            off += strides[d];
            if idx[d] < out_shape[d] {
                break;
            }
            off -= strides[d] * idx[d] as i64;
            idx[d] = 0;
        }
    }
    out
}
