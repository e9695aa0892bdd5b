//! Pad (opset >= 11 inputs): modes `constant`, `reflect` and `edge`, negative pads
//! (crops) included.
//!
//! On constants a non-negative constant pad is evaluated. On activations a zero
//! constant pad stays pending ([`Padded`]) so that a Conv or AveragePool reading it
//! merges it into its own pads; any other consumer materializes it as an
//! [`Op::Pad`] (`GraphBuilder::unpadded`). Every other pad of an activation is an
//! [`Op::Pad`] of its own.

use super::layout::resolve_axes;
use super::Outcome;
use crate::error::Result;
use crate::ir::{shape, Op, PadMode};
use crate::load::fold::{self, out_const, shape_values};
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;
use crate::load::value::{Data, Padded, Value};
use std::rc::Rc;

/// Pad.
pub(super) fn pad(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&["mode"])?;
    let mode = ctx.string("mode")?.unwrap_or_else(|| "constant".into());
    if !matches!(mode.as_str(), "constant" | "reflect" | "edge") {
        return Err(ctx.err(format!(
            "attribute 'mode' = '{mode}' is not supported (supported: constant, reflect, edge)"
        )));
    }
    let x = ctx.req(0)?.clone();
    let xs = g.shape_of(&x);
    let r = xs.len();
    let raw = ctx
        .const_input(1, "pads")?
        .ok_or_else(|| ctx.err("required input #1 (pads) is missing"))?;
    let raw = shape_values(ctx, raw, "pads")?;
    let axes: Vec<usize> = match ctx.const_input(3, "axes")? {
        None => (0..r).collect(),
        Some(c) => resolve_axes(ctx, &shape_values(ctx, c, "axes")?, r)?,
    };
    if raw.len() != 2 * axes.len() {
        return Err(ctx.err(format!(
            "pads {raw:?} need {} values (begins then ends for {} axes)",
            2 * axes.len(),
            axes.len()
        )));
    }
    let (mut begin, mut end) = (vec![0i64; r], vec![0i64; r]);
    for (k, &a) in axes.iter().enumerate() {
        begin[a] = raw[k];
        end[a] = raw[axes.len() + k];
    }
    let mut out = Vec::with_capacity(r);
    for d in 0..r {
        let n = i64::try_from(xs[d])
            .ok()
            .and_then(|n| n.checked_add(begin[d]))
            .and_then(|n| n.checked_add(end[d]))
            .ok_or_else(|| ctx.err("padded dimension overflows"))?;
        let crop_too_far = begin[d] < -(xs[d] as i64) || end[d] < -(xs[d] as i64);
        if n < 1 || crop_too_far {
            return Err(ctx.err(format!(
                "pads {raw:?} leave axis {d} of {xs:?} empty (or crop more than it holds)"
            )));
        }
        out.push(usize::try_from(n).map_err(|_| ctx.err("padded dimension overflows"))?);
    }
    let fill = match ctx.const_input(2, "constant_value")? {
        None => 0.0,
        Some(c) if c.data.len() == 1 => c.data.get_f64(0),
        Some(c) => {
            return Err(ctx
                .err(format!(
                    "constant_value must be a scalar, got shape {:?}",
                    c.shape
                ))
                .on_tensor(&c.name))
        }
    };
    if begin.iter().chain(&end).all(|&p| p == 0) {
        return Ok(Outcome::Alias(x));
    }
    let mode = match mode.as_str() {
        "reflect" => PadMode::Reflect,
        "edge" => PadMode::Edge,
        _ => PadMode::Constant(fill as f32),
    };
    let cropping = begin.iter().chain(&end).any(|&p| p < 0);
    match x {
        Value::Const(c) if mode == PadMode::Constant(fill as f32) && !cropping => {
            let pads: Vec<usize> = begin.iter().chain(&end).map(|&p| p as usize).collect();
            fold_constant(ctx, &c, &out, &pads, fill)
        }
        Value::Const(c) => {
            let what = if cropping {
                "a crop (negative pads)"
            } else {
                "a reflect or edge pad"
            };
            Err(ctx
                .err(format!(
                    "{what} of a constant is not supported (a constant pad of a constant is \
                     evaluated at load time)"
                ))
                .on_tensor(&c.name))
        }
        Value::Act(_) | Value::Padded(_) if mode == PadMode::Constant(0.0) && !cropping => {
            let (src, mut pads) = match &x {
                Value::Padded(p) => (p.src, p.pads.clone()),
                _ => (g.float_input(ctx, 0)?, vec![0; 2 * r]),
            };
            for d in 0..r {
                pads[d] += begin[d] as usize;
                pads[r + d] += end[d] as usize;
            }
            Ok(Outcome::Alias(Value::Padded(Rc::new(Padded {
                src,
                pads,
                shape: out,
                node: ctx.name.clone(),
                out: ctx.outputs.first().cloned().unwrap_or_default(),
            }))))
        }
        Value::Act(_) | Value::Padded(_) => {
            if mode == PadMode::Reflect {
                if let Some(d) =
                    (0..r).find(|&d| begin[d] >= xs[d] as i64 || end[d] >= xs[d] as i64)
                {
                    return Err(ctx.err(format!(
                        "reflect pads {raw:?} are not shorter than axis {d} of {xs:?} (ONNX \
                         reflects once: each pad must be at most the axis length - 1)"
                    )));
                }
            }
            Ok(Outcome::Compute {
                op: Op::Pad { mode, begin, end },
                inputs: vec![g.float_input(ctx, 0)?],
                shape: out,
            })
        }
    }
}

/// A constant pad of a constant, evaluated.
fn fold_constant(
    ctx: &NodeCtx,
    c: &crate::load::value::Const,
    out: &[usize],
    pads: &[usize],
    fill: f64,
) -> Result<Outcome> {
    let (xs, r) = (&c.shape, c.shape.len());
    let n = fold::checked_numel(ctx, out)?;
    let out_strides = shape::strides(out).unwrap_or_default();
    let base: usize = (0..r).map(|d| pads[d] * out_strides[d]).sum();
    let dst = fold::strided_indices(xs, &fold::stride_i64(&out_strides), base as i64);
    let data = match &c.data {
        Data::F(v) => {
            let mut o = vec![fill as f32; n];
            for (k, &j) in dst.iter().enumerate() {
                o[j] = v[k];
            }
            Data::F(o)
        }
        Data::I(v) => {
            let mut o = vec![fill as i64; n];
            for (k, &j) in dst.iter().enumerate() {
                o[j] = v[k];
            }
            Data::I(o)
        }
    };
    Ok(Outcome::Consts(vec![out_const(
        ctx,
        0,
        c.dtype,
        out.to_vec(),
        data,
    )]))
}
