//! Normalizations and reductions: BatchNormalization (inference), LayerNormalization,
//! Softmax / LogSoftmax, ReduceMean / Sum / Max / Min / L2.

use super::Outcome;
use crate::error::Result;
use crate::ir::{shape, Op, ReduceOp};
use crate::load::fold;
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;
use crate::load::value::Value;

/// BatchNormalization in inference mode: `[X, scale, B, mean, var]`, all parameters
/// float constants of shape `[C]`.
pub(super) fn batch_norm(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&["epsilon", "momentum", "training_mode"])?;
    let training = ctx.int_or("training_mode", 0)?;
    if training != 0 {
        return Err(ctx.err(format!(
            "attribute 'training_mode' = {training} is not supported (supported: 0, inference; \
             export the model in eval mode)"
        )));
    }
    if ctx.n_outputs() > 1 {
        return Err(ctx.err(format!(
            "{} outputs (training-mode running statistics) are not supported: only the first \
             output, in inference mode (export the model in eval mode)",
            ctx.n_outputs()
        )));
    }
    let epsilon = ctx.float_or("epsilon", 1e-5)?;
    if !(epsilon.is_finite() && epsilon >= 0.0) {
        return Err(ctx.err(format!(
            "attribute 'epsilon' = {epsilon} must be finite and non-negative"
        )));
    }
    let xs = g.in_shape(ctx, 0)?;
    if xs.len() < 2 {
        return Err(ctx.err(format!("input of shape {xs:?} needs rank >= 2 (N, C, ...)")));
    }
    let c = xs[1];
    let mut inputs = vec![g.float_input(ctx, 0)?];
    for (slot, what) in [(1, "scale"), (2, "bias"), (3, "mean"), (4, "var")] {
        let (id, s) = g
            .const_float_input(ctx, slot, what)?
            .ok_or_else(|| ctx.err(format!("required input #{slot} ({what}) is missing")))?;
        if s != [c] {
            return Err(ctx
                .err(format!(
                    "{what} of shape {s:?} does not match the {c} channels of input {xs:?}"
                ))
                .on_tensor(ctx.input_name(slot)));
        }
        inputs.push(id);
    }
    Ok(Outcome::Compute {
        op: Op::BatchNorm { epsilon },
        inputs,
        shape: xs,
    })
}

fn strip_leading_ones(s: &[usize]) -> &[usize] {
    let k = s.iter().take_while(|&&d| d == 1).count();
    &s[k..]
}

/// LayerNormalization over `axis..rank`; scale and bias are float constants shaped
/// like the normalized dims. Only the first output may be used (checked by the driver).
pub(super) fn layer_norm(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&["axis", "epsilon", "stash_type"])?;
    let xs = g.in_shape(ctx, 0)?;
    let a = ctx.int_or("axis", -1)?;
    let axis = shape::resolve_axis(a, xs.len())
        .ok_or_else(|| ctx.err(format!("axis {a} is out of range for input {xs:?}")))?;
    let epsilon = ctx.float_or("epsilon", 1e-5)?;
    if !(epsilon.is_finite() && epsilon >= 0.0) {
        return Err(ctx.err(format!(
            "attribute 'epsilon' = {epsilon} must be finite and non-negative"
        )));
    }
    let norm = &xs[axis..];
    let mut inputs = vec![g.float_input(ctx, 0)?];
    for (slot, what) in [(1, "scale"), (2, "bias")] {
        let Some((id, s)) = g.const_float_input(ctx, slot, what)? else {
            if slot == 1 {
                return Err(ctx.err("required input #1 (scale) is missing"));
            }
            continue;
        };
        if strip_leading_ones(&s) != strip_leading_ones(norm) {
            return Err(ctx
                .err(format!(
                    "{what} of shape {s:?} does not match the normalized dims {norm:?} of input \
                     {xs:?} (axis {axis})"
                ))
                .on_tensor(ctx.input_name(slot)));
        }
        inputs.push(id);
    }
    if ctx.outputs.iter().skip(1).all(String::is_empty) {
        return Ok(Outcome::Compute {
            op: Op::LayerNorm { axis, epsilon },
            inputs,
            shape: xs,
        });
    }
    let [mean, inv] = super::norm_stats::mean_inv_std(ctx, g, inputs[0], &xs, axis, epsilon);
    Ok(Outcome::Multi(vec![
        (Op::LayerNorm { axis, epsilon }, inputs, xs),
        mean,
        inv,
    ]))
}

/// Softmax / LogSoftmax. Before opset 13 the op flattens dims `axis..` into one; that
/// equals a softmax along a single axis only if at most one of those dims exceeds 1.
pub(super) fn softmax(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&["axis"])?;
    let xs = g.in_shape(ctx, 0)?;
    let r = xs.len();
    if r == 0 {
        return Err(ctx.err("input is a scalar; Softmax needs rank >= 1"));
    }
    let log = ctx.op == "LogSoftmax";
    let default = if ctx.opset >= 13 { -1 } else { 1 };
    let a = ctx.int_or("axis", default)?;
    let axis = if ctx.opset >= 13 {
        shape::resolve_axis(a, r)
            .ok_or_else(|| ctx.err(format!("axis {a} is out of range for input {xs:?}")))?
    } else {
        // Opset < 13: axis may also equal r (then each element is its own row).
        let start = if a < 0 { a + r as i64 } else { a };
        if !(0..=r as i64).contains(&start) {
            return Err(ctx.err(format!("axis {a} is out of range for input {xs:?}")));
        }
        let start = start as usize;
        let big: Vec<usize> = (start..r).filter(|&d| xs[d] != 1).collect();
        match big[..] {
            // Rows of one element: the same as a softmax along any axis of size 1.
            [] if start == r => match (0..r).rev().find(|&d| xs[d] == 1) {
                Some(d) => d,
                None => {
                    return Err(ctx.err(format!(
                        "opset {} {} with axis {a} on shape {xs:?} normalizes single elements; \
                         not supported (re-export with opset >= 13)",
                        ctx.opset, ctx.op
                    )))
                }
            },
            [] => r - 1,
            [d] => d,
            _ => {
                return Err(ctx.err(format!(
                    "opset {} {} with axis {a} on shape {xs:?} normalizes over the flattened dims \
                     {:?} together; only a single axis is supported (re-export with opset >= 13 \
                     or make the softmax axis the last one)",
                    ctx.opset,
                    ctx.op,
                    &xs[start..]
                )))
            }
        }
    };
    let x = g.float_input(ctx, 0)?;
    Ok(Outcome::Compute {
        op: Op::Softmax { axis, log },
        inputs: vec![x],
        shape: xs,
    })
}

/// ReduceMean, ReduceSum, ReduceMax, ReduceMin, ReduceL2 (axes attribute before opset
/// 18 — 13 for ReduceSum —, a constant input after; negative axes count from the end;
/// empty axes mean all axes unless `noop_with_empty_axes`). Folded on constants.
pub(super) fn reduce(ctx: &NodeCtx, g: &mut GraphBuilder, op: ReduceOp) -> Result<Outcome> {
    let x = ctx.req(0)?.clone();
    let xs = g.shape_of(&x);
    let (axes, keepdims) = fold::reduce_axes(ctx, xs.len())?;
    let Some(axes) = axes else {
        return Ok(Outcome::Alias(x));
    };
    if let Value::Const(c) = &x {
        return Ok(Outcome::Consts(vec![fold::reduce(
            ctx, c, &axes, keepdims,
        )?]));
    }
    let id = g.float_input(ctx, 0)?;
    if axes.is_empty() {
        // Reducing a scalar over no axes: the value itself.
        return Ok(Outcome::Alias(x));
    }
    Ok(Outcome::Compute {
        shape: fold::reduced_shape(&xs, &axes, keepdims),
        op: Op::Reduce { op, axes, keepdims },
        inputs: vec![id],
    })
}
