//! Selections between operands: variadic Max and Min (multidirectional broadcasting)
//! and PRelu (the slope broadcast to the input).

use super::Outcome;
use crate::error::Result;
use crate::ir::{shape, BinaryOp, Node, Op, TensorKind};
use crate::load::fold::{self, out_const};
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;
use crate::load::value::{Data, Value};

/// Max / Min of 1..N inputs. All constant: folded. One input: that input. Otherwise a
/// chain of binary steps, activations first so that every step reads at least one
/// (two constants are never combined at run time).
pub(super) fn max_min(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&[])?;
    if ctx.all_const() {
        return fold::fold_only(ctx, g).map(Outcome::Consts);
    }
    let mut slots: Vec<usize> = (0..ctx.inputs.len()).collect();
    for &i in &slots {
        ctx.req(i)?;
    }
    // Stable: activations in their order, then constants in theirs.
    slots.sort_by_key(|&i| matches!(ctx.input(i), Some(Value::Const(_))));
    let op = if ctx.op == "Max" {
        BinaryOp::Max
    } else {
        BinaryOp::Min
    };
    let mut acc = g.float_input(ctx, slots[0])?;
    let mut acc_shape = g.in_shape(ctx, slots[0])?;
    if slots.len() == 1 {
        return Ok(Outcome::Alias(Value::Act(acc)));
    }
    let out = ctx.outputs.first().cloned().unwrap_or_default();
    for (k, &i) in slots.iter().enumerate().skip(1) {
        let s = g.in_shape(ctx, i)?;
        let shape = shape::broadcast(&acc_shape, &s).ok_or_else(|| {
            ctx.err(format!(
                "input #{i} of shape {s:?} does not broadcast with the other inputs \
                 (broadcast so far: {acc_shape:?})"
            ))
        })?;
        let b = g.float_input(ctx, i)?;
        if k + 1 == slots.len() {
            return Ok(Outcome::Compute {
                op: Op::Binary(op),
                inputs: vec![acc, b],
                shape,
            });
        }
        // An intermediate of the chain; its shape is at most the output's, which the
        // final node's checks bound.
        let t = g.add_tensor(&format!("{out}:{k}"), shape.clone(), TensorKind::Activation);
        g.nodes.push(Node {
            name: format!("{}:{k}", ctx.name),
            op_type: ctx.op.to_string(),
            op: Op::Binary(op),
            inputs: vec![acc, b],
            outputs: vec![t],
        });
        (acc, acc_shape) = (t, shape);
    }
    unreachable!("the loop returns at its last input")
}

/// `PRelu(X, slope)`: the slope broadcasts to X's shape (unidirectionally); a constant
/// slope is stored like any weight.
pub(super) fn prelu(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&[])?;
    let (x, slope) = (ctx.req(0)?.clone(), ctx.req(1)?.clone());
    let (sx, ss) = (g.shape_of(&x), g.shape_of(&slope));
    if !shape::broadcasts_to(&ss, &sx) {
        return Err(ctx.err(format!(
            "slope of shape {ss:?} does not broadcast to the input's shape {sx:?}"
        )));
    }
    if let (Value::Const(cx), Value::Const(cs)) = (&x, &slope) {
        if cx.dtype.is_float() && cs.dtype.is_float() {
            let strides = shape::broadcast_strides(&cs.shape, &sx);
            let idx = fold::strided_indices(&sx, &fold::stride_i64(&strides), 0);
            let (vx, vs) = (cx.to_f32(), cs.to_f32());
            let v = vx
                .iter()
                .zip(idx)
                .map(|(&a, j)| if a < 0.0 { a * vs[j] } else { a })
                .collect();
            return Ok(Outcome::Consts(vec![out_const(
                ctx,
                0,
                cx.dtype,
                sx,
                Data::F(v),
            )]));
        }
    }
    let (ix, is) = (g.float_input(ctx, 0)?, g.float_input(ctx, 1)?);
    Ok(Outcome::Compute {
        op: Op::Binary(BinaryOp::PRelu),
        inputs: vec![ix, is],
        shape: sx,
    })
}
