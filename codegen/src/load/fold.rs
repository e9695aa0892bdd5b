//! Constant folding: evaluates at load time the nodes whose inputs are all constants
//! (and Shape/Size of activations, whose shapes are static). Integers are exact
//! (i64); floats are computed in f32 (f64 where it is free).

use super::builder::Builder;
use super::node::NodeCtx;
use super::onnx::tensor_proto::DataType;
use super::proto;
use super::value::{Const, DType, Data, Value};
use crate::error::Result;
use crate::ir::shape;

/// Ops that are only evaluated at load time.
pub(crate) const FOLD_ONLY_OPS: &[&str] = &[
    "Abs",
    "And",
    "Ceil",
    "ConstantOfShape",
    "Equal",
    "Expand",
    "Floor",
    "Gather",
    "Greater",
    "GreaterOrEqual",
    "Less",
    "LessOrEqual",
    "Max",
    "Min",
    "Neg",
    "Not",
    "Or",
    "Range",
    "ReduceMax",
    "ReduceMin",
    "ReduceProd",
    "ReduceSum",
    "Shape",
    "Size",
    "Sum",
    "Where",
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
pub(crate) fn fold_only(ctx: &NodeCtx, g: &Builder) -> Result<Vec<Const>> {
    let one = |c: Const| Ok(vec![c]);
    match ctx.op {
        "Shape" => {
            ctx.check_attrs(&["start", "end"])?;
            let s = g.in_shape(ctx, 0)?;
            let r = s.len() as i64;
            let clampi = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
            let start = clampi(ctx.int_or("start", 0)?);
            let end = clampi(ctx.int_or("end", r)?);
            let dims: Vec<i64> = s[start..end.max(start)].iter().map(|&d| d as i64).collect();
            one(out_const(
                ctx,
                0,
                DType::INT64,
                vec![dims.len()],
                Data::I(dims),
            ))
        }
        "Size" => {
            ctx.check_attrs(&[])?;
            let n = checked_numel(ctx, &g.in_shape(ctx, 0)?)?;
            one(out_const(
                ctx,
                0,
                DType::INT64,
                vec![],
                Data::I(vec![n as i64]),
            ))
        }
        "Gather" => one(gather(ctx)?),
        "Slice" => one(slice(ctx)?),
        "ConstantOfShape" => one(constant_of_shape(ctx)?),
        "Range" => one(range(ctx)?),
        "Neg" | "Abs" | "Floor" | "Ceil" | "Not" => {
            ctx.check_attrs(&[])?;
            let x = cin(ctx, 0)?;
            let data = match &x.data {
                Data::F(v) => Data::F(
                    v.iter()
                        .map(|&a| match ctx.op {
                            "Neg" => -a,
                            "Abs" => a.abs(),
                            "Floor" => a.floor(),
                            "Ceil" => a.ceil(),
                            _ => f32::from(u8::from(a == 0.0)),
                        })
                        .collect(),
                ),
                Data::I(v) => Data::I(
                    v.iter()
                        .map(|&a| match ctx.op {
                            "Neg" => a.wrapping_neg(),
                            "Abs" => a.wrapping_abs(),
                            "Not" => i64::from(a == 0),
                            _ => a,
                        })
                        .collect(),
                ),
            };
            one(out_const(ctx, 0, x.dtype, x.shape.clone(), data))
        }
        "Equal" | "Less" | "Greater" | "LessOrEqual" | "GreaterOrEqual" | "And" | "Or" => {
            ctx.check_attrs(&[])?;
            one(binary(ctx, cin(ctx, 0)?, cin(ctx, 1)?)?)
        }
        "Where" => one(where_(ctx)?),
        "Expand" => one(expand(ctx)?),
        "Min" | "Max" | "Sum" => {
            ctx.check_attrs(&[])?;
            let present: Vec<&Const> = (0..ctx.inputs.len())
                .filter(|&i| ctx.input(i).is_some())
                .map(|i| cin(ctx, i))
                .collect::<Result<_>>()?;
            let Some(first) = present.first() else {
                return Err(ctx.err(format!("{} needs at least one input", ctx.op)));
            };
            let mut acc = (*first).clone();
            for c in &present[1..] {
                acc = binary(ctx, &acc, c)?;
            }
            acc.name = ctx.outputs.first().cloned().unwrap_or_default();
            one(acc)
        }
        "ReduceMax" | "ReduceMin" | "ReduceProd" | "ReduceSum" => {
            let x = cin(ctx, 0)?.clone();
            let (axes, keepdims) = reduce_axes(ctx, x.shape.len())?;
            match axes {
                None => one(out_const(ctx, 0, x.dtype, x.shape.clone(), x.data.clone())),
                Some(axes) => one(reduce(ctx, &x, &axes, keepdims)?),
            }
        }
        op => Err(ctx.err(format!("internal: no evaluator for {op}"))),
    }
}

/// Element-wise binary op on constants with numpy broadcasting (Add, Sub, Mul,
/// Div, Pow, comparisons, And/Or, Min/Max/Sum). Integer arithmetic stays integer.
pub(crate) fn binary(ctx: &NodeCtx, a: &Const, b: &Const) -> Result<Const> {
    let out_shape = shape::broadcast(&a.shape, &b.shape).ok_or_else(|| {
        ctx.err(format!(
            "shapes {:?} and {:?} do not broadcast",
            a.shape, b.shape
        ))
    })?;
    let n = checked_numel(ctx, &out_shape)?;
    let ia = strided_indices(
        &out_shape,
        &stride_i64(&shape::broadcast_strides(&a.shape, &out_shape)),
        0,
    );
    let ib = strided_indices(
        &out_shape,
        &stride_i64(&shape::broadcast_strides(&b.shape, &out_shape)),
        0,
    );
    debug_assert_eq!(ia.len(), n);
    let op = ctx.op;
    let is_cmp = matches!(
        op,
        "Equal" | "Less" | "Greater" | "LessOrEqual" | "GreaterOrEqual" | "And" | "Or"
    );
    let both_int = matches!(a.data, Data::I(_)) && matches!(b.data, Data::I(_));
    if is_cmp {
        let v = (0..n)
            .map(|k| {
                let (x, y) = (a.data.get_f64(ia[k]), b.data.get_f64(ib[k]));
                let r = match op {
                    "Equal" => x == y,
                    "Less" => x < y,
                    "Greater" => x > y,
                    "LessOrEqual" => x <= y,
                    "GreaterOrEqual" => x >= y,
                    "And" => x != 0.0 && y != 0.0,
                    _ => x != 0.0 || y != 0.0,
                };
                i64::from(r)
            })
            .collect();
        return Ok(out_const(ctx, 0, DType::BOOL, out_shape, Data::I(v)));
    }
    if both_int {
        let (Data::I(va), Data::I(vb)) = (&a.data, &b.data) else {
            unreachable!()
        };
        let mut v = Vec::with_capacity(n);
        for k in 0..n {
            let (x, y) = (va[ia[k]], vb[ib[k]]);
            v.push(match op {
                "Add" | "Sum" => x.wrapping_add(y),
                "Sub" => x.wrapping_sub(y),
                "Mul" => x.wrapping_mul(y),
                "Div" => {
                    if y == 0 {
                        return Err(ctx.err("integer division by zero in a constant"));
                    }
                    x.wrapping_div(y)
                }
                "Pow" => (x as f64).powf(y as f64) as i64,
                "Min" => x.min(y),
                "Max" => x.max(y),
                _ => return Err(ctx.err(format!("internal: no integer evaluator for {op}"))),
            });
        }
        return Ok(out_const(ctx, 0, a.dtype, out_shape, Data::I(v)));
    }
    let dtype = if op == "Pow" || a.dtype.is_float() {
        if a.dtype.is_float() {
            a.dtype
        } else {
            DType::FLOAT
        }
    } else {
        b.dtype
    };
    let f = |x: f32, y: f32| -> f32 {
        match op {
            "Add" | "Sum" => x + y,
            "Sub" => x - y,
            "Mul" => x * y,
            "Div" => x / y,
            "Pow" => x.powf(y),
            "Min" => {
                if x.is_nan() || y.is_nan() {
                    f32::NAN
                } else {
                    x.min(y)
                }
            }
            _ => {
                if x.is_nan() || y.is_nan() {
                    f32::NAN
                } else {
                    x.max(y)
                }
            }
        }
    };
    if !matches!(
        op,
        "Add" | "Sum" | "Sub" | "Mul" | "Div" | "Pow" | "Min" | "Max"
    ) {
        return Err(ctx.err(format!("internal: no float evaluator for {op}")));
    }
    let fa = a.to_f32();
    let fb = b.to_f32();
    let v = (0..n).map(|k| f(fa[ia[k]], fb[ib[k]])).collect();
    Ok(out_const(ctx, 0, dtype, out_shape, Data::F(v)))
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

/// Transposes constant data: output dim `i` is input dim `perm[i]`.
pub(crate) fn transpose_data(
    data: &Data,
    in_shape: &[usize],
    perm: &[usize],
) -> (Vec<usize>, Data) {
    let in_strides = shape::strides(in_shape).unwrap_or_default();
    let out_shape: Vec<usize> = perm.iter().map(|&p| in_shape[p]).collect();
    let st: Vec<i64> = perm.iter().map(|&p| in_strides[p] as i64).collect();
    let idx = strided_indices(&out_shape, &st, 0);
    (out_shape, data.gather(idx.into_iter()))
}

fn gather(ctx: &NodeCtx) -> Result<Const> {
    ctx.check_attrs(&["axis"])?;
    let data = cin(ctx, 0)?;
    let ind = cin(ctx, 1)?;
    let indices = int_values(ctx, ind, "Gather indices")?;
    let r = data.shape.len();
    let axis_attr = ctx.int_or("axis", 0)?;
    let axis = shape::resolve_axis(axis_attr, r)
        .ok_or_else(|| ctx.err(format!("axis {axis_attr} is out of range for rank {r}")))?;
    let dim = data.shape[axis];
    let idx: Vec<usize> = indices
        .iter()
        .map(|&i| {
            let j = if i < 0 { i + dim as i64 } else { i };
            if j < 0 || j >= dim as i64 {
                Err(ctx.err(format!(
                    "index {i} is out of range for axis {axis} of size {dim}"
                )))
            } else {
                Ok(j as usize)
            }
        })
        .collect::<Result<_>>()?;
    let mut out_shape = data.shape[..axis].to_vec();
    out_shape.extend_from_slice(&ind.shape);
    out_shape.extend_from_slice(&data.shape[axis + 1..]);
    checked_numel(ctx, &out_shape)?;
    let outer: usize = data.shape[..axis].iter().product();
    let inner: usize = data.shape[axis + 1..].iter().product();
    let mut src = Vec::new();
    for o in 0..outer {
        for &k in &idx {
            for i in 0..inner {
                src.push((o * dim + k) * inner + i);
            }
        }
    }
    Ok(out_const(
        ctx,
        0,
        data.dtype,
        out_shape,
        data.data.gather(src.into_iter()),
    ))
}

/// Start, step and output shape per dim of a Slice over an input of `shape`; `starts`,
/// `ends`, `axes` and `steps` (inputs 1-4) must be constants.
pub(crate) fn slice_geometry(
    ctx: &NodeCtx,
    data_shape: &[usize],
) -> Result<(Vec<i128>, Vec<i128>, Vec<usize>)> {
    ctx.check_attrs(&[])?;
    let r = data_shape.len();
    let starts = int_values(ctx, cin(ctx, 1)?, "Slice starts")?;
    let ends = int_values(ctx, cin(ctx, 2)?, "Slice ends")?;
    let axes = match ctx.input(3) {
        Some(_) => int_values(ctx, cin(ctx, 3)?, "Slice axes")?,
        None => (0..starts.len() as i64).collect(),
    };
    let steps = match ctx.input(4) {
        Some(_) => int_values(ctx, cin(ctx, 4)?, "Slice steps")?,
        None => vec![1; starts.len()],
    };
    if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
        return Err(ctx.err(format!(
            "starts, ends, axes and steps have different lengths ({}, {}, {}, {})",
            starts.len(),
            ends.len(),
            axes.len(),
            steps.len()
        )));
    }
    let mut begin = vec![0i128; r];
    let mut step = vec![1i128; r];
    let mut out_shape = data_shape.to_vec();
    let mut seen = vec![false; r];
    for k in 0..starts.len() {
        let axis = shape::resolve_axis(axes[k], r)
            .ok_or_else(|| ctx.err(format!("axis {} is out of range for rank {r}", axes[k])))?;
        if std::mem::replace(&mut seen[axis], true) {
            return Err(ctx.err(format!("axis {axis} is repeated")));
        }
        let dim = data_shape[axis] as i128;
        let s = i128::from(steps[k]);
        if s == 0 {
            return Err(ctx.err("step 0 is invalid"));
        }
        let mut st = i128::from(starts[k]);
        let mut en = i128::from(ends[k]);
        if st < 0 {
            st += dim;
        }
        if en < 0 {
            en += dim;
        }
        let count = if s > 0 {
            st = st.clamp(0, dim);
            en = en.clamp(0, dim);
            ((en - st).max(0) + s - 1) / s
        } else {
            st = st.clamp(0, (dim - 1).max(0));
            en = en.clamp(-1, dim - 1);
            ((st - en).max(0) + (-s) - 1) / (-s)
        };
        begin[axis] = st;
        step[axis] = s;
        out_shape[axis] = count as usize;
    }
    Ok((begin, step, out_shape))
}

fn slice(ctx: &NodeCtx) -> Result<Const> {
    let data = cin(ctx, 0)?;
    let r = data.shape.len();
    let (begin, step, out_shape) = slice_geometry(ctx, &data.shape)?;
    let in_strides = shape::strides(&data.shape).unwrap_or_default();
    let base: i128 = (0..r).map(|d| begin[d] * in_strides[d] as i128).sum();
    let st: Vec<i64> = (0..r)
        .map(|d| (step[d] * in_strides[d] as i128) as i64)
        .collect();
    checked_numel(ctx, &out_shape)?;
    let idx = strided_indices(&out_shape, &st, base as i64);
    Ok(out_const(
        ctx,
        0,
        data.dtype,
        out_shape,
        data.data.gather(idx.into_iter()),
    ))
}

/// A constant used as a shape (1-D, integer, non-negative dims).
pub(crate) fn shape_values(ctx: &NodeCtx, c: &Const, what: &str) -> Result<Vec<i64>> {
    if c.shape.len() > 1 {
        return Err(ctx
            .err(format!("{what} must be 1-D, got shape {:?}", c.shape))
            .on_tensor(&c.name));
    }
    int_values(ctx, c, what)
}

fn constant_of_shape(ctx: &NodeCtx) -> Result<Const> {
    ctx.check_attrs(&["value"])?;
    let dims = shape_values(ctx, cin(ctx, 0)?, "ConstantOfShape's shape")?;
    let out_shape: Vec<usize> = dims
        .iter()
        .map(|&d| {
            usize::try_from(d)
                .map_err(|_| ctx.err(format!("negative dimension {d} in shape {dims:?}")))
        })
        .collect::<Result<_>>()?;
    let n = checked_numel(ctx, &out_shape)?;
    let (dtype, data) = match ctx.tensor("value")? {
        None => (DType::FLOAT, Data::F(vec![0.0; n])),
        Some(t) => {
            let v = proto::tensor_to_const(t, "value", ctx.model_path)
                .map_err(|e| e.at_node(&ctx.name, ctx.op))?;
            if v.data.len() != 1 {
                return Err(ctx.err("attribute 'value' must hold exactly one element"));
            }
            let data = match v.data {
                Data::F(x) => Data::F(vec![x[0]; n]),
                Data::I(x) => Data::I(vec![x[0]; n]),
            };
            (v.dtype, data)
        }
    };
    Ok(out_const(ctx, 0, dtype, out_shape, data))
}

fn range(ctx: &NodeCtx) -> Result<Const> {
    ctx.check_attrs(&[])?;
    let (s, l, d) = (cin(ctx, 0)?, cin(ctx, 1)?, cin(ctx, 2)?);
    for c in [s, l, d] {
        if c.data.len() != 1 {
            return Err(ctx
                .err(format!(
                    "Range inputs must be scalars, got shape {:?}",
                    c.shape
                ))
                .on_tensor(&c.name));
        }
    }
    match (&s.data, &l.data, &d.data) {
        (Data::I(a), Data::I(b), Data::I(c)) => {
            let (a, b, c) = (a[0], b[0], c[0]);
            if c == 0 {
                return Err(ctx.err("Range delta is 0"));
            }
            let n = ((i128::from(b) - i128::from(a)) as f64 / c as f64)
                .ceil()
                .max(0.0) as usize;
            checked_numel(ctx, &[n])?;
            let v = (0..n as i64).map(|i| a + i * c).collect();
            Ok(out_const(ctx, 0, s.dtype, vec![n], Data::I(v)))
        }
        _ => {
            let (a, b, c) = (s.data.get_f64(0), l.data.get_f64(0), d.data.get_f64(0));
            if c == 0.0 {
                return Err(ctx.err("Range delta is 0"));
            }
            let n = ((b - a) / c).ceil().max(0.0) as usize;
            checked_numel(ctx, &[n])?;
            let v = (0..n).map(|i| (a + i as f64 * c) as f32).collect();
            Ok(out_const(ctx, 0, s.dtype, vec![n], Data::F(v)))
        }
    }
}

fn where_(ctx: &NodeCtx) -> Result<Const> {
    ctx.check_attrs(&[])?;
    let (c, x, y) = (cin(ctx, 0)?, cin(ctx, 1)?, cin(ctx, 2)?);
    let out_shape =
        shape::broadcast_all([&c.shape[..], &x.shape[..], &y.shape[..]]).ok_or_else(|| {
            ctx.err(format!(
                "shapes {:?}, {:?} and {:?} do not broadcast",
                c.shape, x.shape, y.shape
            ))
        })?;
    checked_numel(ctx, &out_shape)?;
    let ix = |s: &[usize]| {
        strided_indices(
            &out_shape,
            &stride_i64(&shape::broadcast_strides(s, &out_shape)),
            0,
        )
    };
    let (ic, ixx, iy) = (ix(&c.shape), ix(&x.shape), ix(&y.shape));
    let pick = |k: usize| c.data.get_f64(ic[k]) != 0.0;
    let data = match (&x.data, &y.data) {
        (Data::I(a), Data::I(b)) => Data::I(
            (0..ic.len())
                .map(|k| if pick(k) { a[ixx[k]] } else { b[iy[k]] })
                .collect(),
        ),
        _ => {
            let (a, b) = (x.to_f32(), y.to_f32());
            Data::F(
                (0..ic.len())
                    .map(|k| if pick(k) { a[ixx[k]] } else { b[iy[k]] })
                    .collect(),
            )
        }
    };
    Ok(out_const(ctx, 0, x.dtype, out_shape, data))
}

fn expand(ctx: &NodeCtx) -> Result<Const> {
    ctx.check_attrs(&[])?;
    let x = cin(ctx, 0)?;
    let dims = shape_values(ctx, cin(ctx, 1)?, "Expand's shape")?;
    let target: Vec<usize> = dims
        .iter()
        .map(|&d| {
            usize::try_from(d).map_err(|_| ctx.err(format!("negative dimension in {dims:?}")))
        })
        .collect::<Result<_>>()?;
    let out_shape = shape::broadcast(&x.shape, &target).ok_or_else(|| {
        ctx.err(format!(
            "shape {:?} cannot be expanded to {target:?}",
            x.shape
        ))
    })?;
    checked_numel(ctx, &out_shape)?;
    let idx = strided_indices(
        &out_shape,
        &stride_i64(&shape::broadcast_strides(&x.shape, &out_shape)),
        0,
    );
    Ok(out_const(
        ctx,
        0,
        x.dtype,
        out_shape,
        x.data.gather(idx.into_iter()),
    ))
}

/// Axes of a Reduce* op (attribute before opset 18 — 13 for ReduceSum —, input
/// after) with `keepdims`. `None` axes means a no-op (`noop_with_empty_axes`).
pub(crate) fn reduce_axes(ctx: &NodeCtx, rank: usize) -> Result<(Option<Vec<usize>>, bool)> {
    let axes_from_input = if ctx.op == "ReduceSum" {
        ctx.opset >= 13
    } else {
        ctx.opset >= 18
    };
    let raw: Option<Vec<i64>> = if axes_from_input {
        ctx.check_attrs(&["keepdims", "noop_with_empty_axes"])?;
        match ctx.input(1) {
            None => None,
            Some(Value::Const(c)) => Some(shape_values(ctx, c, "axes")?),
            Some(Value::Act(_) | Value::Padded(_)) => {
                ctx.const_input(1, "axes")?;
                None
            }
        }
    } else {
        ctx.check_attrs(&["axes", "keepdims"])?;
        ctx.ints("axes")?
    };
    let keepdims = match ctx.int_or("keepdims", 1)? {
        0 => false,
        1 => true,
        v => return Err(ctx.err(format!("attribute 'keepdims' = {v} is invalid (0 or 1)"))),
    };
    let noop = ctx.int_or("noop_with_empty_axes", 0)? != 0;
    let raw = raw.unwrap_or_default();
    if raw.is_empty() {
        return Ok((
            if noop {
                None
            } else {
                Some((0..rank).collect())
            },
            keepdims,
        ));
    }
    let mut axes = raw
        .iter()
        .map(|&a| {
            shape::resolve_axis(a, rank)
                .ok_or_else(|| ctx.err(format!("axis {a} is out of range for rank {rank}")))
        })
        .collect::<Result<Vec<_>>>()?;
    axes.sort_unstable();
    if axes.windows(2).any(|w| w[0] == w[1]) {
        return Err(ctx.err(format!("axes {raw:?} contain a repeated axis")));
    }
    Ok((Some(axes), keepdims))
}

/// Output shape of a reduction.
pub(crate) fn reduced_shape(shape: &[usize], axes: &[usize], keepdims: bool) -> Vec<usize> {
    shape
        .iter()
        .enumerate()
        .filter_map(|(i, &d)| {
            if axes.contains(&i) {
                keepdims.then_some(1)
            } else {
                Some(d)
            }
        })
        .collect()
}

/// Evaluates ReduceMax/Min/Prod/Sum/Mean on a constant.
pub(crate) fn reduce(ctx: &NodeCtx, x: &Const, axes: &[usize], keepdims: bool) -> Result<Const> {
    let kept = reduced_shape(&x.shape, axes, true);
    let out_n = checked_numel(ctx, &kept)?;
    let kept_strides = shape::strides(&kept).unwrap_or_default();
    let st: Vec<i64> = (0..x.shape.len())
        .map(|d| {
            if axes.contains(&d) {
                0
            } else {
                kept_strides[d] as i64
            }
        })
        .collect();
    let dst = strided_indices(&x.shape, &st, 0);
    let count = (x.data.len() / out_n.max(1)).max(1) as f64;
    let mut acc: Vec<Option<f64>> = vec![None; out_n];
    let mut acc_i: Vec<Option<i64>> = vec![None; out_n];
    for (k, &o) in dst.iter().enumerate() {
        match &x.data {
            Data::I(v) => {
                let e = v[k];
                acc_i[o] = Some(match (acc_i[o], ctx.op) {
                    (None, _) => e,
                    (Some(a), "ReduceMax") => a.max(e),
                    (Some(a), "ReduceMin") => a.min(e),
                    (Some(a), "ReduceProd") => a.wrapping_mul(e),
                    (Some(a), _) => a.wrapping_add(e),
                });
            }
            Data::F(v) => {
                let e = f64::from(v[k]);
                acc[o] = Some(match (acc[o], ctx.op) {
                    (None, _) => e,
                    (Some(a), "ReduceMax") => a.max(e),
                    (Some(a), "ReduceMin") => a.min(e),
                    (Some(a), "ReduceProd") => a * e,
                    (Some(a), _) => a + e,
                });
            }
        }
    }
    let out_shape = reduced_shape(&x.shape, axes, keepdims);
    let data = match &x.data {
        Data::I(_) if ctx.op != "ReduceMean" => {
            let empty = if ctx.op == "ReduceProd" { 1 } else { 0 };
            Data::I(acc_i.into_iter().map(|a| a.unwrap_or(empty)).collect())
        }
        Data::I(_) => Data::I(
            acc_i
                .into_iter()
                .map(|a| (a.unwrap_or(0) as f64 / count) as i64)
                .collect(),
        ),
        Data::F(_) => {
            let empty = if ctx.op == "ReduceProd" { 1.0 } else { 0.0 };
            Data::F(
                acc.into_iter()
                    .map(|a| {
                        let a = a.unwrap_or(empty);
                        (if ctx.op == "ReduceMean" { a / count } else { a }) as f32
                    })
                    .collect(),
            )
        }
    };
    Ok(out_const(ctx, 0, x.dtype, out_shape, data))
}

/// Converts constant data to the ONNX type `to` (Cast).
pub(crate) fn cast_data(ctx: &NodeCtx, c: &Const, to: DType) -> Result<Data> {
    let dt = DataType::try_from(to.0).ok();
    if to.is_float() {
        let v = c.to_f32();
        return Ok(Data::F(match dt {
            Some(DataType::Float16) => v.iter().map(|&x| half::f16::from_f32(x).to_f32()).collect(),
            Some(DataType::Bfloat16) => v
                .iter()
                .map(|&x| half::bf16::from_f32(x).to_f32())
                .collect(),
            _ => v,
        }));
    }
    if !to.is_int() {
        return Err(ctx.err(format!("Cast to {} is not supported", to.name())));
    }
    let ints: Vec<i64> = match &c.data {
        Data::I(v) => v.clone(),
        Data::F(v) => v
            .iter()
            .map(|&x| {
                if dt == Some(DataType::Bool) {
                    i64::from(x != 0.0)
                } else {
                    x as i64
                }
            })
            .collect(),
    };
    Ok(Data::I(
        ints.into_iter()
            .map(|x| match dt {
                Some(DataType::Int8) => i64::from(x as i8),
                Some(DataType::Uint8) => i64::from(x as u8),
                Some(DataType::Int16) => i64::from(x as i16),
                Some(DataType::Uint16) => i64::from(x as u16),
                Some(DataType::Int32) => i64::from(x as i32),
                Some(DataType::Uint32) => i64::from(x as u32),
                Some(DataType::Bool) => i64::from(x != 0),
                _ => x,
            })
            .collect(),
    ))
}
