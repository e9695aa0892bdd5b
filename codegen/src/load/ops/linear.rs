//! Gemm and MatMul.

use super::Outcome;
use crate::error::Result;
use crate::ir::{shape, Op};
use crate::load::builder::Builder;
use crate::load::fold::out_const;
use crate::load::node::NodeCtx;
use crate::load::value::{Data, Value};

/// Gemm: `alpha * A' * B' + beta * C`, A and B 2-D, C broadcastable to the output.
pub(super) fn gemm(ctx: &NodeCtx, g: &mut Builder) -> Result<Outcome> {
    ctx.check_attrs(&["alpha", "beta", "transA", "transB"])?;
    let alpha = ctx.float_or("alpha", 1.0)?;
    let beta = ctx.float_or("beta", 1.0)?;
    let flag = |name: &str| -> Result<bool> {
        match ctx.int_or(name, 0)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(ctx.err(format!("attribute '{name}' = {v} is invalid (0 or 1)"))),
        }
    };
    let (trans_a, trans_b) = (flag("transA")?, flag("transB")?);
    let (sa, sb) = (g.in_shape(ctx, 0)?, g.in_shape(ctx, 1)?);
    if sa.len() != 2 || sb.len() != 2 {
        return Err(ctx.err(format!("A and B must be 2-D, got shapes {sa:?} and {sb:?}")));
    }
    let (m, k) = if trans_a {
        (sa[1], sa[0])
    } else {
        (sa[0], sa[1])
    };
    let (k2, n) = if trans_b {
        (sb[1], sb[0])
    } else {
        (sb[0], sb[1])
    };
    if k != k2 {
        return Err(ctx.err(format!(
            "inner dimensions differ: A {sa:?} (transA={}) and B {sb:?} (transB={}) give K = {k} \
             and {k2}",
            u8::from(trans_a),
            u8::from(trans_b)
        )));
    }
    let out = vec![m, n];
    let mut inputs = vec![g.float_input(ctx, 0)?, g.float_input(ctx, 1)?];
    if let Some(c) = ctx.input(2) {
        let sc = g.shape_of(c);
        if !shape::broadcasts_to(&sc, &out) {
            return Err(ctx.err(format!(
                "C of shape {sc:?} does not broadcast to the output shape {out:?}"
            )));
        }
        inputs.push(g.float_input(ctx, 2)?);
    }
    Ok(Outcome::Compute {
        op: Op::Gemm {
            alpha,
            beta,
            trans_a,
            trans_b,
        },
        inputs,
        shape: out,
    })
}

/// MatMul with numpy semantics; folded when both operands are 2-D float constants.
pub(super) fn matmul(ctx: &NodeCtx, g: &mut Builder) -> Result<Outcome> {
    ctx.check_attrs(&[])?;
    let (a, b) = (ctx.req(0)?.clone(), ctx.req(1)?.clone());
    let (sa, sb) = (g.shape_of(&a), g.shape_of(&b));
    let out = shape::matmul(&sa, &sb).ok_or_else(|| {
        ctx.err(format!(
            "shapes {sa:?} and {sb:?} cannot be multiplied (inner dimensions or batch dims differ)"
        ))
    })?;
    if let (Value::Const(ca), Value::Const(cb)) = (&a, &b) {
        if sa.len() == 2 && sb.len() == 2 && ca.dtype.is_float() && cb.dtype.is_float() {
            let (m, k, n) = (sa[0], sa[1], sb[1]);
            let (x, y) = (ca.to_f32(), cb.to_f32());
            let mut v = vec![0f32; m * n];
            for i in 0..m {
                for j in 0..n {
                    v[i * n + j] = (0..k).map(|p| x[i * k + p] * y[p * n + j]).sum();
                }
            }
            return Ok(Outcome::Consts(vec![out_const(
                ctx,
                0,
                ca.dtype,
                out,
                Data::F(v),
            )]));
        }
    }
    let inputs = vec![g.float_input(ctx, 0)?, g.float_input(ctx, 1)?];
    Ok(Outcome::Compute {
        op: Op::MatMul,
        inputs,
        shape: out,
    })
}
