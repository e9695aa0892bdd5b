//! Data-movement ops: Identity, Cast, Reshape/Flatten/Squeeze/Unsqueeze, Transpose,
//! Concat. Each folds when its data input is a constant.

use super::Outcome;
use crate::error::Result;
use crate::ir::{shape, Op};
use crate::load::fold::{self, out_const, shape_values};
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;
use crate::load::value::{DType, Data, Value};

/// Identity: no computation.
pub(super) fn identity(ctx: &NodeCtx) -> Result<Outcome> {
    ctx.check_attrs(&[])?;
    Ok(Outcome::Alias(ctx.req(0)?.clone()))
}

/// Dropout in inference mode: no computation (its mask output must be unused). The
/// `ratio` attribute (Dropout-10, what opset 11 resolves to) only matters in training.
pub(super) fn dropout(ctx: &NodeCtx) -> Result<Outcome> {
    ctx.check_attrs(&["seed", "ratio"])?;
    if let Some(t) = ctx.const_input(2, "training_mode")? {
        // Training mode drops nothing at ratio 0 (and scales by 1 / (1 - 0)).
        let ratio_zero = match ctx.const_input(1, "ratio")? {
            Some(r) => r.data.len() == 1 && r.data.get_f64(0) == 0.0,
            None => false,
        };
        if (t.data.len() != 1 || t.data.get_f64(0) != 0.0) && !ratio_zero {
            return Err(ctx.err(
                "training_mode is true; only inference-mode Dropout (or ratio 0) is supported \
                 (export the model in eval mode)",
            ));
        }
    }
    Ok(Outcome::Alias(ctx.req(0)?.clone()))
}

/// Cast / CastLike: folded on constants; float-to-float on activations is a no-op;
/// anything else on activations is refused (activations are float).
pub(super) fn cast(ctx: &NodeCtx) -> Result<Outcome> {
    let to = if ctx.op == "Cast" {
        ctx.check_attrs(&["to", "saturate", "round_mode"])?;
        DType(
            ctx.int("to")?
                .ok_or_else(|| ctx.err("attribute 'to' is missing"))? as i32,
        )
    } else {
        ctx.check_attrs(&["saturate", "round_mode"])?;
        match ctx.req(1)? {
            Value::Const(c) => c.dtype,
            Value::Act(_) | Value::Padded(_) => DType::FLOAT,
        }
    };
    match ctx.req(0)? {
        Value::Const(c) if c.dtype == to => Ok(Outcome::Alias(Value::Const(c.clone()))),
        Value::Const(c) => {
            let data = fold::cast_data(ctx, c, to)?;
            Ok(Outcome::Consts(vec![out_const(
                ctx,
                0,
                to,
                c.shape.clone(),
                data,
            )]))
        }
        v @ (Value::Act(_) | Value::Padded(_)) if to.is_float() => Ok(Outcome::Alias(v.clone())),
        Value::Act(_) | Value::Padded(_) => Err(ctx.err(format!(
            "casting an activation to {} is not supported: every activation is float (only \
             casts between float types are removed)",
            to.name()
        ))),
    }
}

/// Resolves axes against `rank`, refusing duplicates.
pub(super) fn resolve_axes(ctx: &NodeCtx, axes: &[i64], rank: usize) -> Result<Vec<usize>> {
    let mut out = Vec::with_capacity(axes.len());
    for &a in axes {
        let r = shape::resolve_axis(a, rank)
            .ok_or_else(|| ctx.err(format!("axis {a} is out of range for rank {rank}")))?;
        if out.contains(&r) {
            return Err(ctx.err(format!("axes {axes:?} contain a repeated axis")));
        }
        out.push(r);
    }
    Ok(out)
}

/// Axes given as an attribute (before opset 13) or a constant input (from 13).
fn axes_attr_or_input(ctx: &NodeCtx) -> Result<Option<Vec<i64>>> {
    if ctx.opset >= 13 {
        ctx.check_attrs(&[])?;
        match ctx.const_input(1, "axes")? {
            None => Ok(None),
            Some(c) => Ok(Some(shape_values(ctx, c, "axes")?)),
        }
    } else {
        ctx.check_attrs(&["axes"])?;
        ctx.ints("axes")
    }
}

/// Output shape of Reshape / Flatten / Squeeze / Unsqueeze.
fn reshaped(ctx: &NodeCtx, input: &[usize]) -> Result<Vec<usize>> {
    let r = input.len();
    let out = match ctx.op {
        "Reshape" => {
            ctx.check_attrs(&["allowzero"])?;
            let allowzero = ctx.int_or("allowzero", 0)? != 0;
            let target = ctx
                .const_input(1, "target shape")?
                .ok_or_else(|| ctx.err("required input #1 (shape) is missing"))?;
            let dims = shape_values(ctx, target, "Reshape's shape")?;
            reshape_target(ctx, input, &dims, allowzero)?
        }
        "Flatten" => {
            ctx.check_attrs(&["axis"])?;
            let a = ctx.int_or("axis", 1)?;
            let axis = if a < 0 { a + r as i64 } else { a };
            if !(0..=r as i64).contains(&axis) {
                return Err(ctx.err(format!("axis {a} is out of range for rank {r}")));
            }
            let axis = axis as usize;
            vec![prod(ctx, &input[..axis])?, prod(ctx, &input[axis..])?]
        }
        "Squeeze" => match axes_attr_or_input(ctx)?.filter(|a| !a.is_empty()) {
            // No (or empty) axes: every dim of size 1, as ONNX Runtime does.
            None => input.iter().copied().filter(|&d| d != 1).collect(),
            Some(axes) => {
                let axes = resolve_axes(ctx, &axes, r)?;
                for &a in &axes {
                    if input[a] != 1 {
                        return Err(ctx.err(format!(
                            "cannot squeeze axis {a} of shape {input:?}: its size is not 1"
                        )));
                    }
                }
                input
                    .iter()
                    .enumerate()
                    .filter(|(i, _)| !axes.contains(i))
                    .map(|(_, &d)| d)
                    .collect()
            }
        },
        _ => {
            let axes = axes_attr_or_input(ctx)?.ok_or_else(|| ctx.err("Unsqueeze needs axes"))?;
            let out_rank = r + axes.len();
            let axes = resolve_axes(ctx, &axes, out_rank)?;
            let mut rest = input.iter();
            (0..out_rank)
                .map(|i| {
                    if axes.contains(&i) {
                        1
                    } else {
                        *rest.next().expect("rank arithmetic")
                    }
                })
                .collect()
        }
    };
    Ok(out)
}

fn prod(ctx: &NodeCtx, dims: &[usize]) -> Result<usize> {
    shape::numel(dims).ok_or_else(|| ctx.err(format!("element count of {dims:?} overflows usize")))
}

/// Reshape's target with ONNX semantics: `0` copies the input dim (unless
/// `allowzero`), one `-1` is inferred.
pub(crate) fn reshape_target(
    ctx: &NodeCtx,
    input: &[usize],
    dims: &[i64],
    allowzero: bool,
) -> Result<Vec<usize>> {
    let total = prod(ctx, input)?;
    let mut out = Vec::with_capacity(dims.len());
    let mut infer = None;
    for (i, &d) in dims.iter().enumerate() {
        match d {
            -1 => {
                if infer.replace(i).is_some() {
                    return Err(ctx.err(format!("shape {dims:?} has more than one -1")));
                }
                out.push(1);
            }
            0 if !allowzero => match input.get(i) {
                Some(&x) => out.push(x),
                None => {
                    return Err(ctx.err(format!(
                        "shape {dims:?}: 0 at position {i} copies a dimension the input \
                         {input:?} does not have"
                    )))
                }
            },
            d if d >= 0 => out.push(d as usize),
            _ => return Err(ctx.err(format!("shape {dims:?} has an invalid dimension {d}"))),
        }
    }
    let known = prod(ctx, &out)?;
    if let Some(i) = infer {
        if known == 0 || total % known != 0 {
            return Err(ctx.err(format!(
                "cannot reshape {input:?} ({total} elements) to {dims:?}"
            )));
        }
        out[i] = total / known;
    } else if known != total {
        return Err(ctx.err(format!(
            "cannot reshape {input:?} ({total} elements) to {dims:?} ({known} elements)"
        )));
    }
    Ok(out)
}

/// Reshape, Flatten, Squeeze, Unsqueeze: `Op::Reshape` with the static output shape.
pub(super) fn reshape(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    let x = g.unpadded(ctx.req(0)?);
    let in_shape = g.shape_of(&x);
    let out_shape = reshaped(ctx, &in_shape)?;
    match x {
        Value::Const(c) => Ok(Outcome::Consts(vec![out_const(
            ctx,
            0,
            c.dtype,
            out_shape,
            c.data.clone(),
        )])),
        Value::Padded(p) => Err(GraphBuilder::pad_misuse(ctx, 0, &p)),
        Value::Act(id) if out_shape == in_shape => Ok(Outcome::Alias(Value::Act(id))),
        Value::Act(id) => Ok(Outcome::Compute {
            op: Op::Reshape,
            inputs: vec![id],
            shape: out_shape,
        }),
    }
}

/// Transpose (default: reversed dims).
pub(super) fn transpose(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&["perm"])?;
    let x = g.unpadded(ctx.req(0)?);
    let in_shape = g.shape_of(&x);
    let r = in_shape.len();
    let perm: Vec<usize> = match ctx.ints("perm")? {
        None => (0..r).rev().collect(),
        Some(p) => {
            let ok = p.len() == r && {
                let mut seen = vec![false; r];
                p.iter().all(|&a| {
                    (0..r as i64).contains(&a) && !std::mem::replace(&mut seen[a as usize], true)
                })
            };
            if !ok {
                return Err(ctx.err(format!(
                    "perm {p:?} is not a permutation of the {r} dims of shape {in_shape:?}"
                )));
            }
            p.iter().map(|&a| a as usize).collect()
        }
    };
    match x {
        Value::Const(c) => {
            let (shape, data) = fold::transpose_data(&c.data, &c.shape, &perm);
            Ok(Outcome::Consts(vec![out_const(
                ctx, 0, c.dtype, shape, data,
            )]))
        }
        Value::Padded(p) => Err(GraphBuilder::pad_misuse(ctx, 0, &p)),
        Value::Act(id) if perm.iter().enumerate().all(|(i, &p)| i == p) => {
            Ok(Outcome::Alias(Value::Act(id)))
        }
        Value::Act(id) => Ok(Outcome::Compute {
            op: Op::Transpose { perm: perm.clone() },
            inputs: vec![id],
            shape: perm.iter().map(|&p| in_shape[p]).collect(),
        }),
    }
}

/// Concat along `axis`.
pub(super) fn concat(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&["axis"])?;
    let n = ctx.inputs.len();
    if n == 0 {
        return Err(ctx.err("Concat needs at least one input"));
    }
    let shapes: Vec<Vec<usize>> = (0..n).map(|i| g.in_shape(ctx, i)).collect::<Result<_>>()?;
    let r = shapes[0].len();
    let a = ctx
        .int("axis")?
        .ok_or_else(|| ctx.err("attribute 'axis' is missing"))?;
    let axis = shape::resolve_axis(a, r)
        .ok_or_else(|| ctx.err(format!("axis {a} is out of range for rank {r}")))?;
    let mut out_shape = shapes[0].clone();
    for s in &shapes[1..] {
        let compatible = s.len() == r && (0..r).all(|d| d == axis || s[d] == shapes[0][d]);
        if !compatible {
            return Err(ctx.err(format!(
                "input shapes {shapes:?} cannot be concatenated along axis {axis}"
            )));
        }
        out_shape[axis] = out_shape[axis]
            .checked_add(s[axis])
            .ok_or_else(|| ctx.err("dimension overflow"))?;
    }
    if n == 1 {
        return Ok(Outcome::Alias(ctx.req(0)?.clone()));
    }
    if ctx.all_const() {
        let consts: Vec<_> = ctx
            .inputs
            .iter()
            .flatten()
            .map(|v| match v {
                Value::Const(c) => c.clone(),
                Value::Act(_) | Value::Padded(_) => unreachable!("all_const"),
            })
            .collect();
        fold::checked_numel(ctx, &out_shape)?;
        let outer: usize = out_shape[..axis].iter().product();
        let inner: usize = out_shape[axis + 1..].iter().product();
        let mut parts: Vec<Data> = Vec::new();
        for o in 0..outer {
            for c in &consts {
                let chunk = c.shape[axis] * inner;
                parts.push(c.data.gather(o * chunk..(o + 1) * chunk));
            }
        }
        let refs: Vec<&Data> = parts.iter().collect();
        let dtype = consts
            .iter()
            .map(|c| c.dtype)
            .find(|d| d.is_float())
            .unwrap_or(consts[0].dtype);
        return Ok(Outcome::Consts(vec![out_const(
            ctx,
            0,
            dtype,
            out_shape,
            Data::concat(&refs),
        )]));
    }
    let inputs = (0..n)
        .map(|i| g.float_input(ctx, i))
        .collect::<Result<_>>()?;
    Ok(Outcome::Compute {
        op: Op::Concat { axis },
        inputs,
        shape: out_shape,
    })
}

/// Slice of an activation (constants fold in [`fold`]): a strided window.
pub(super) fn slice(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    let x = g.unpadded(ctx.req(0)?);
    let in_shape = g.shape_of(&x);
    let (begin, step, shape) = fold::slice_geometry(ctx, &in_shape)?;
    let id = match x {
        Value::Act(id) => id,
        Value::Padded(p) => return Err(GraphBuilder::pad_misuse(ctx, 0, &p)),
        Value::Const(_) => return fold::fold_only(ctx, g).map(Outcome::Consts),
    };
    if shape.contains(&0) {
        return Err(ctx.err(format!("the slice of {in_shape:?} is empty")));
    }
    if shape == in_shape && step.iter().all(|&s| s == 1) {
        return Ok(Outcome::Alias(Value::Act(id)));
    }
    let starts = begin.iter().map(|&b| b as usize).collect();
    let steps = step.iter().map(|&s| s as i64).collect();
    Ok(Outcome::Compute {
        op: Op::Slice { starts, steps },
        inputs: vec![id],
        shape,
    })
}

/// Split of an activation along `axis` into consecutive parts: sizes from the `split`
/// input (opset 13+) or attribute, else `num_outputs` (opset 18+) or the number of
/// outputs, equal parts with a smaller last one. Each part becomes a Slice.
pub(super) fn split(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&["axis", "split", "num_outputs"])?;
    let x = g.unpadded(ctx.req(0)?);
    let in_shape = g.shape_of(&x);
    let r = in_shape.len();
    let a = ctx.int_or("axis", 0)?;
    let axis = shape::resolve_axis(a, r)
        .ok_or_else(|| ctx.err(format!("axis {a} is out of range for rank {r}")))?;
    let dim = in_shape[axis];
    let n = ctx.n_outputs();
    let sizes: Vec<usize> = match (ctx.const_input(1, "Split's split")?, ctx.ints("split")?) {
        (Some(c), _) => fold::int_values(ctx, c, "Split's split")?
            .iter()
            .map(|&v| v.max(0) as usize)
            .collect(),
        (None, Some(s)) => s.iter().map(|&v| v.max(0) as usize).collect(),
        (None, None) => {
            let parts = ctx.int_or("num_outputs", n as i64)?.max(1) as usize;
            let each = dim.div_ceil(parts);
            (0..parts)
                .map(|i| each.min(dim.saturating_sub(i * each)))
                .collect()
        }
    };
    if sizes.len() != n || sizes.iter().sum::<usize>() != dim || sizes.contains(&0) {
        return Err(ctx.err(format!(
            "split sizes {sizes:?} do not cut axis {axis} of {in_shape:?} into {n} non-empty parts"
        )));
    }
    let id = match x {
        Value::Act(id) => id,
        Value::Padded(p) => return Err(GraphBuilder::pad_misuse(ctx, 0, &p)),
        Value::Const(_) => return Err(ctx.err("Split of a constant is not supported")),
    };
    let mut parts = Vec::new();
    let mut at = 0;
    for size in sizes {
        let mut starts = vec![0; r];
        starts[axis] = at;
        let mut shape = in_shape.clone();
        shape[axis] = size;
        parts.push((
            Op::Slice {
                starts,
                steps: vec![1; r],
            },
            vec![id],
            shape,
        ));
        at += size;
    }
    Ok(Outcome::Multi(parts))
}
