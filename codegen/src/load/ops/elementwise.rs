//! Broadcasting binary ops (Add, Sub, Mul, Div, Pow) and unary ops (Relu, LeakyRelu,
//! Clip, Sigmoid, Tanh, HardSigmoid, HardSwish, Elu, Gelu, Sqrt, Abs, Neg, Exp, Log,
//! Reciprocal, Softplus, Erf, Mish).

use super::Outcome;
use crate::error::Result;
use crate::ir::{shape, BinaryOp, Op, UnaryOp};
use crate::load::fold::{self, out_const};
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;
use crate::load::value::{Data, Value};
use tinymtl_runtime::math;

/// Add, Sub, Mul, Div, Pow.
pub(super) fn binary(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&[])?;
    let (a, b) = (ctx.req(0)?.clone(), ctx.req(1)?.clone());
    if let (Value::Const(ca), Value::Const(cb)) = (&a, &b) {
        return Ok(Outcome::Consts(vec![fold::binary(ctx, ca, cb)?]));
    }
    let (sa, sb) = (g.shape_of(&a), g.shape_of(&b));
    let shape = shape::broadcast(&sa, &sb)
        .ok_or_else(|| ctx.err(format!("input shapes {sa:?} and {sb:?} do not broadcast")))?;
    let op = match ctx.op {
        "Add" => BinaryOp::Add,
        "Sub" => BinaryOp::Sub,
        "Mul" => BinaryOp::Mul,
        "Div" => BinaryOp::Div,
        _ => BinaryOp::Pow,
    };
    let ia = g.float_input(ctx, 0)?;
    let ib = if op == BinaryOp::Pow {
        g.numeric_input(ctx, 1)?
    } else {
        g.float_input(ctx, 1)?
    };
    Ok(Outcome::Compute {
        op: Op::Binary(op),
        inputs: vec![ia, ib],
        shape,
    })
}

/// A scalar bound of Clip (input `slot`), or `default` when absent.
fn clip_bound(ctx: &NodeCtx, slot: usize, default: f32) -> Result<f32> {
    let what = if slot == 1 { "min" } else { "max" };
    match ctx.const_input(slot, what)? {
        None => Ok(default),
        Some(c) if c.data.len() == 1 => Ok(c.data.get_f64(0) as f32),
        Some(c) => Err(ctx
            .err(format!(
                "Clip {what} must be a scalar, got shape {:?}",
                c.shape
            ))
            .on_tensor(&c.name)),
    }
}

/// The unary op with its attributes (defaults filled in).
fn unary_op(ctx: &NodeCtx) -> Result<UnaryOp> {
    let op = unary_op_unchecked(ctx)?;
    // Parameters become literals and epilogue constants: NaN never, infinities only
    // as Clip bounds (no bound).
    let params: &[(&str, f32)] = match op {
        UnaryOp::LeakyRelu { alpha } | UnaryOp::Elu { alpha } => &[("alpha", alpha)],
        UnaryOp::HardSigmoid { alpha, beta } => &[("alpha", alpha), ("beta", beta)],
        UnaryOp::Clip { min, max } if min.is_nan() || max.is_nan() => {
            return Err(ctx.err(format!(
                "Clip bounds must not be NaN (min {min}, max {max})"
            )))
        }
        _ => return Ok(op),
    };
    if let Some((name, v)) = params.iter().find(|(_, v)| !v.is_finite()) {
        return Err(ctx.err(format!("attribute '{name}' = {v} must be finite")));
    }
    Ok(op)
}

fn unary_op_unchecked(ctx: &NodeCtx) -> Result<UnaryOp> {
    Ok(match ctx.op {
        "Relu" => {
            ctx.check_attrs(&[])?;
            UnaryOp::Relu
        }
        "LeakyRelu" => {
            ctx.check_attrs(&["alpha"])?;
            UnaryOp::LeakyRelu {
                alpha: ctx.float_or("alpha", 0.01)?,
            }
        }
        "Clip" => {
            ctx.check_attrs(&[])?;
            UnaryOp::Clip {
                min: clip_bound(ctx, 1, f32::NEG_INFINITY)?,
                max: clip_bound(ctx, 2, f32::INFINITY)?,
            }
        }
        "Sigmoid" => {
            ctx.check_attrs(&[])?;
            UnaryOp::Sigmoid
        }
        "Tanh" => {
            ctx.check_attrs(&[])?;
            UnaryOp::Tanh
        }
        "HardSigmoid" => {
            ctx.check_attrs(&["alpha", "beta"])?;
            UnaryOp::HardSigmoid {
                alpha: ctx.float_or("alpha", 0.2)?,
                beta: ctx.float_or("beta", 0.5)?,
            }
        }
        "HardSwish" => {
            ctx.check_attrs(&[])?;
            UnaryOp::HardSwish
        }
        "Elu" => {
            ctx.check_attrs(&["alpha"])?;
            UnaryOp::Elu {
                alpha: ctx.float_or("alpha", 1.0)?,
            }
        }
        "Gelu" => {
            ctx.check_attrs(&["approximate"])?;
            match ctx.string("approximate")?.as_deref() {
                None | Some("none") => UnaryOp::Gelu { tanh: false },
                Some("tanh") => UnaryOp::Gelu { tanh: true },
                Some(other) => {
                    return Err(ctx.err(format!(
                    "attribute 'approximate' = '{other}' is not supported (supported: none, tanh)"
                )))
                }
            }
        }
        op => {
            ctx.check_attrs(&[])?;
            match op {
                "Abs" => UnaryOp::Abs,
                "Neg" => UnaryOp::Neg,
                "Exp" => UnaryOp::Exp,
                "Log" => UnaryOp::Log,
                "Reciprocal" => UnaryOp::Reciprocal,
                "Softplus" => UnaryOp::Softplus,
                "Erf" => UnaryOp::Erf,
                "Mish" => UnaryOp::Mish,
                _ => UnaryOp::Sqrt,
            }
        }
    })
}

/// Evaluates a unary op on one value (`None` where no evaluator exists: Gelu).
fn eval_unary(op: UnaryOp, x: f32) -> Option<f32> {
    Some(match op {
        UnaryOp::Relu => x.max(0.0),
        UnaryOp::LeakyRelu { alpha } => {
            if x < 0.0 {
                alpha * x
            } else {
                x
            }
        }
        UnaryOp::Clip { min, max } => x.max(min).min(max),
        UnaryOp::Sigmoid => 1.0 / (1.0 + (-x).exp()),
        UnaryOp::Tanh => x.tanh(),
        UnaryOp::HardSigmoid { alpha, beta } => (alpha * x + beta).clamp(0.0, 1.0),
        UnaryOp::HardSwish => x * (x / 6.0 + 0.5).clamp(0.0, 1.0),
        UnaryOp::Elu { alpha } => {
            if x < 0.0 {
                alpha * (x.exp() - 1.0)
            } else {
                x
            }
        }
        UnaryOp::Sqrt => x.sqrt(),
        UnaryOp::Abs => x.abs(),
        UnaryOp::Neg => -x,
        UnaryOp::Exp => x.exp(),
        UnaryOp::Log => x.ln(),
        UnaryOp::Reciprocal => 1.0 / x,
        UnaryOp::Softplus => math::softplus(x),
        UnaryOp::Erf => math::erf(x),
        UnaryOp::Mish => x * math::softplus(x).tanh(),
        UnaryOp::SoftplusBeta { beta, threshold } => {
            tinymtl_runtime::kernels::pointwise::softplus_beta(x, beta, threshold)
        }
        UnaryOp::Gelu { .. } => return None,
    })
}

/// Unary ops; folded on float constants (and Abs, Neg on integer constants).
pub(super) fn unary(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    let op = unary_op(ctx)?;
    let x = ctx.req(0)?.clone();
    if let Value::Const(c) = &x {
        if !c.dtype.is_float() && matches!(op, UnaryOp::Abs | UnaryOp::Neg) {
            return fold::fold_only(ctx, g).map(Outcome::Consts);
        }
        // Clip of integers (index arithmetic on shapes, as dynamo's interpolation
        // tables with a dynamic axis): evaluated exactly in i64.
        if let (false, UnaryOp::Clip { min, max }) = (c.dtype.is_float(), op) {
            let (lo, hi) = (f64::from(min), f64::from(max));
            let clip = |e: i64| match e as f64 {
                v if v < lo => lo.ceil() as i64,
                v if v > hi => hi.floor() as i64,
                _ => e,
            };
            let v = c.to_i64().into_iter().map(clip).collect();
            let (dtype, shape) = (c.dtype, c.shape.clone());
            return Ok(Outcome::Consts(vec![out_const(
                ctx,
                0,
                dtype,
                shape,
                Data::I(v),
            )]));
        }
        if c.dtype.is_float() && eval_unary(op, 0.0).is_some() {
            let v = c
                .to_f32()
                .into_iter()
                .map(|e| eval_unary(op, e).unwrap_or(f32::NAN))
                .collect();
            return Ok(Outcome::Consts(vec![out_const(
                ctx,
                0,
                c.dtype,
                c.shape.clone(),
                Data::F(v),
            )]));
        }
    }
    let shape = g.shape_of(&x);
    let id = g.float_input(ctx, 0)?;
    Ok(Outcome::Compute {
        op: Op::Unary(op),
        inputs: vec![id],
        shape,
    })
}
