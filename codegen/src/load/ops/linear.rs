//! Gemm and MatMul.

use super::Outcome;
use crate::error::Result;
use crate::ir::{shape, Op};
use crate::load::fold::{self, out_const};
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;
use crate::load::value::{Const, Data, Value};

/// Gemm: `alpha * A' * B' + beta * C`, A and B 2-D, C broadcastable to the output.
pub(super) fn gemm(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
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
    if let Some(c) = ctx.input(2) {
        let sc = g.shape_of(c);
        if !shape::broadcasts_to(&sc, &out) {
            return Err(ctx.err(format!(
                "C of shape {sc:?} does not broadcast to the output shape {out:?}"
            )));
        }
    }
    if ctx.all_const() {
        return gemm_fold(ctx, (alpha, beta, trans_a, trans_b), &out);
    }
    let mut inputs = vec![g.float_input(ctx, 0)?, g.float_input(ctx, 1)?];
    if ctx.input(2).is_some() {
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

/// Gemm of constants.
fn gemm_fold(ctx: &NodeCtx, attrs: (f32, f32, bool, bool), out: &[usize]) -> Result<Outcome> {
    let (alpha, beta, trans_a, trans_b) = attrs;
    let get = |slot: usize| match ctx.input(slot) {
        Some(Value::Const(c)) => Some(c.clone()),
        _ => None,
    };
    let (a, b) = (get(0).expect("all const"), get(1).expect("all const"));
    for c in [&a, &b].into_iter().chain(get(2).as_ref()) {
        if !c.dtype.is_float() {
            return Err(ctx
                .err(format!(
                    "constant of type {} where float is needed",
                    c.dtype.name()
                ))
                .on_tensor(&c.name));
        }
    }
    let operand = |c: &Const, t: bool| {
        if t {
            let (s, d) = fold::transpose_data(&c.data, &c.shape, &[1, 0]);
            (
                s,
                Const {
                    data: d,
                    ..(*c).clone()
                }
                .to_f32(),
            )
        } else {
            (c.shape.clone(), c.to_f32())
        }
    };
    let (sa, da) = operand(&a, trans_a);
    let (sb, db) = operand(&b, trans_b);
    let mut v = matmul_data(&da, &sa, &db, &sb, out);
    v.iter_mut().for_each(|x| *x *= alpha);
    if let Some(c) = get(2) {
        let idx = fold::strided_indices(
            out,
            &fold::stride_i64(&shape::broadcast_strides(&c.shape, out)),
            0,
        );
        let dc = c.to_f32();
        for (x, &i) in v.iter_mut().zip(&idx) {
            *x += beta * dc[i];
        }
    }
    Ok(Outcome::Consts(vec![out_const(
        ctx,
        0,
        a.dtype,
        out.to_vec(),
        Data::F(v),
    )]))
}

/// MatMul with numpy semantics; folded when both operands are 2-D float constants.
pub(super) fn matmul(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&[])?;
    let (a, b) = (ctx.req(0)?.clone(), ctx.req(1)?.clone());
    let (sa, sb) = (g.shape_of(&a), g.shape_of(&b));
    let out = shape::matmul(&sa, &sb).ok_or_else(|| {
        ctx.err(format!(
            "shapes {sa:?} and {sb:?} cannot be multiplied (inner dimensions or batch dims differ)"
        ))
    })?;
    if let (Value::Const(ca), Value::Const(cb)) = (&a, &b) {
        if ca.dtype.is_float() && cb.dtype.is_float() {
            fold::checked_numel(ctx, &out)?;
            let v = matmul_data(&ca.to_f32(), &sa, &cb.to_f32(), &sb, &out);
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

/// numpy `matmul` of constant data (shapes already checked; `out` from
/// [`shape::matmul`]), accumulating in f64.
fn matmul_data(a: &[f32], sa: &[usize], b: &[f32], sb: &[usize], out: &[usize]) -> Vec<f32> {
    let a2: Vec<usize> = if sa.len() == 1 {
        vec![1, sa[0]]
    } else {
        sa.to_vec()
    };
    let b2: Vec<usize> = if sb.len() == 1 {
        vec![sb[0], 1]
    } else {
        sb.to_vec()
    };
    let (m, k) = (a2[a2.len() - 2], a2[a2.len() - 1]);
    let n = b2[b2.len() - 1];
    let (ba, bb) = (&a2[..a2.len() - 2], &b2[..b2.len() - 2]);
    let batch = shape::broadcast(ba, bb).unwrap_or_default();
    let offsets = |from: &[usize], mat: usize| {
        let st: Vec<i64> = shape::broadcast_strides(from, &batch)
            .iter()
            .map(|&s| (s * mat) as i64)
            .collect();
        fold::strided_indices(&batch, &st, 0)
    };
    let (oa, ob) = (offsets(ba, m * k), offsets(bb, k * n));
    let mut v = Vec::with_capacity(shape::numel(out).unwrap_or(0));
    for (pa, pb) in oa.iter().zip(&ob) {
        for i in 0..m {
            for j in 0..n {
                let acc: f64 = (0..k)
                    .map(|p| f64::from(a[pa + i * k + p]) * f64::from(b[pb + p * n + j]))
                    .sum();
                v.push(acc as f32);
            }
        }
    }
    v
}
