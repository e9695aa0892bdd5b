//! Ops that read or make shapes, evaluated at load time: Shape and Size (of any value,
//! shapes being static), ConstantOfShape and Range.

use super::{checked_numel, cin, int_values, out_const};
use crate::error::Result;
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;
use crate::load::proto;
use crate::load::value::{Const, DType, Data};

/// Shape (with its `start` / `end` attributes).
pub(super) fn shape_of(ctx: &NodeCtx, g: &GraphBuilder) -> Result<Const> {
    ctx.check_attrs(&["start", "end"])?;
    let s = g.in_shape(ctx, 0)?;
    let r = s.len() as i64;
    let clampi = |v: i64| (if v < 0 { v + r } else { v }).clamp(0, r) as usize;
    let start = clampi(ctx.int_or("start", 0)?);
    let end = clampi(ctx.int_or("end", r)?);
    let dims: Vec<i64> = s[start..end.max(start)].iter().map(|&d| d as i64).collect();
    Ok(out_const(
        ctx,
        0,
        DType::INT64,
        vec![dims.len()],
        Data::I(dims),
    ))
}

/// Size: the element count.
pub(super) fn size(ctx: &NodeCtx, g: &GraphBuilder) -> Result<Const> {
    ctx.check_attrs(&[])?;
    let n = checked_numel(ctx, &g.in_shape(ctx, 0)?)?;
    Ok(out_const(
        ctx,
        0,
        DType::INT64,
        vec![],
        Data::I(vec![n as i64]),
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

/// ConstantOfShape: one value repeated.
pub(super) fn constant_of_shape(ctx: &NodeCtx) -> Result<Const> {
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

/// Range: `start, start + delta, ...` below `limit`.
pub(super) fn range(ctx: &NodeCtx) -> Result<Const> {
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
