//! Reductions of constants (ReduceProd here; the constant case of ReduceMean / Sum /
//! Max / Min / L2 comes from [`crate::load::ops`]) and the axes / output shape rules
//! shared with the reductions of activations.

use super::{checked_numel, cin, out_const, shape_values, strided_indices};
use crate::error::Result;
use crate::ir::shape;
use crate::load::node::NodeCtx;
use crate::load::value::{Const, Data, Value};

/// ReduceProd (or any [`reduce`] op) of a constant.
pub(super) fn reduce_op(ctx: &NodeCtx) -> Result<Const> {
    let x = cin(ctx, 0)?.clone();
    let (axes, keepdims) = reduce_axes(ctx, x.shape.len())?;
    match axes {
        None => Ok(out_const(ctx, 0, x.dtype, x.shape.clone(), x.data.clone())),
        Some(axes) => reduce(ctx, &x, &axes, keepdims),
    }
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

/// Evaluates ReduceMax/Min/Prod/Sum/Mean/L2 on a constant (Max/Min: NaN if any is
/// NaN, as the runtime kernels).
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
                    (None, "ReduceL2") => e.wrapping_mul(e),
                    (None, _) => e,
                    (Some(a), "ReduceMax") => a.max(e),
                    (Some(a), "ReduceMin") => a.min(e),
                    (Some(a), "ReduceProd") => a.wrapping_mul(e),
                    (Some(a), "ReduceL2") => a.wrapping_add(e.wrapping_mul(e)),
                    (Some(a), _) => a.wrapping_add(e),
                });
            }
            Data::F(v) => {
                let e = f64::from(v[k]);
                acc[o] = Some(match (acc[o], ctx.op) {
                    (None, "ReduceL2") => e * e,
                    (None, _) => e,
                    (Some(a), "ReduceMax" | "ReduceMin") if a.is_nan() || e.is_nan() => f64::NAN,
                    (Some(a), "ReduceMax") => a.max(e),
                    (Some(a), "ReduceMin") => a.min(e),
                    (Some(a), "ReduceL2") => a + e * e,
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
            let l2 = ctx.op == "ReduceL2";
            Data::I(
                acc_i
                    .into_iter()
                    .map(|a| a.unwrap_or(empty))
                    .map(|a| if l2 { (a as f64).sqrt() as i64 } else { a })
                    .collect(),
            )
        }
        Data::I(_) => Data::I(
            acc_i
                .into_iter()
                .map(|a| (a.unwrap_or(0) as f64 / count) as i64)
                .collect(),
        ),
        Data::F(_) => {
            // The empty set gives the op's identity (ONNX: -inf for Max, +inf for Min).
            let empty = match ctx.op {
                "ReduceProd" => 1.0,
                "ReduceMax" => f64::NEG_INFINITY,
                "ReduceMin" => f64::INFINITY,
                _ => 0.0,
            };
            Data::F(
                acc.into_iter()
                    .map(|a| {
                        let a = a.unwrap_or(empty);
                        (match ctx.op {
                            "ReduceMean" => a / count,
                            "ReduceL2" => a.sqrt(),
                            _ => a,
                        }) as f32
                    })
                    .collect(),
            )
        }
    };
    Ok(out_const(ctx, 0, x.dtype, out_shape, data))
}
