//! Comparisons (Equal, Less, LessOrEqual, Greater, GreaterOrEqual), the logic ops on
//! their masks (Not, And, Or) and Where, when an operand is computed at run time.
//!
//! A boolean tensor computed at run time is held as an f32 mask (1.0 true, 0.0
//! false) in the arena: comparisons write it, And is its product, Or its maximum, Not
//! `1 - m`, and Where selects by it. A mask only lives inside the graph: bool graph
//! inputs and outputs are refused where the graph's inputs and outputs are checked.
//! With every input constant, all of them are folded as before.

use super::Outcome;
use crate::error::{Error, Result};
use crate::ir::{shape, BinaryOp, Graph, Op, TensorKind};
use crate::load::fold;
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;

/// The comparison and logic ops this module runs.
pub(super) const MASK_OPS: &[&str] = &[
    "Equal",
    "Less",
    "LessOrEqual",
    "Greater",
    "GreaterOrEqual",
    "Not",
    "And",
    "Or",
    "Where",
];

/// A comparison or logic op: a binary step writing (or combining) masks.
pub(super) fn mask_op(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&[])?;
    if ctx.all_const() {
        return fold::fold_only(ctx, g).map(Outcome::Consts);
    }
    if ctx.op == "Not" {
        let x = g.numeric_input(ctx, 0)?;
        let shape = g.in_shape(ctx, 0)?;
        let one = g.add_tensor(
            &format!("{}:one", ctx.name),
            vec![],
            TensorKind::Const(vec![1.0]),
        );
        return Ok(Outcome::Compute {
            op: Op::Binary(BinaryOp::Sub),
            inputs: vec![one, x],
            shape,
        });
    }
    let (sa, sb) = (g.in_shape(ctx, 0)?, g.in_shape(ctx, 1)?);
    let shape = shape::broadcast(&sa, &sb)
        .ok_or_else(|| ctx.err(format!("input shapes {sa:?} and {sb:?} do not broadcast")))?;
    let op = match ctx.op {
        "Equal" => BinaryOp::Equal,
        "Less" => BinaryOp::Less,
        "LessOrEqual" => BinaryOp::LessOrEqual,
        "Greater" => BinaryOp::Greater,
        "GreaterOrEqual" => BinaryOp::GreaterOrEqual,
        // On masks (1.0 / 0.0): And is the product, Or the maximum.
        "And" => BinaryOp::Mul,
        _ => BinaryOp::Max,
    };
    // Constant operands may be integers or booleans (compared as f32 values).
    let (ia, ib) = (g.numeric_input(ctx, 0)?, g.numeric_input(ctx, 1)?);
    Ok(Outcome::Compute {
        op: Op::Binary(op),
        inputs: vec![ia, ib],
        shape,
    })
}

/// `Where(cond, X, Y)` with something computed: a select step. The branches must be
/// float (an integer result would be an integer activation, which tinymtl does not
/// hold).
pub(super) fn where_(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&[])?;
    if ctx.all_const() {
        return fold::fold_only(ctx, g).map(Outcome::Consts);
    }
    let shapes = [
        g.in_shape(ctx, 0)?,
        g.in_shape(ctx, 1)?,
        g.in_shape(ctx, 2)?,
    ];
    let shape = shape::broadcast_all([&shapes[0][..], &shapes[1][..], &shapes[2][..]]).ok_or_else(
        || {
            ctx.err(format!(
                "shapes {:?}, {:?} and {:?} do not broadcast",
                shapes[0], shapes[1], shapes[2]
            ))
        },
    )?;
    let c = g.numeric_input(ctx, 0)?;
    let (x, y) = (g.float_input(ctx, 1)?, g.float_input(ctx, 2)?);
    Ok(Outcome::Compute {
        op: Op::Where,
        inputs: vec![c, x, y],
        shape,
    })
}

/// Refuses a graph output that is a mask (bool in the file, whose declared type may be
/// absent): the output of a comparison or logic op, possibly moved (reshaped,
/// transposed, sliced, concatenated) on the way.
pub(crate) fn refuse_mask_outputs(g: Graph) -> Result<Graph> {
    for &o in &g.outputs {
        let mut t = o;
        // Each step goes to an earlier node: the bound only guards malformed graphs.
        for _ in 0..=g.nodes.len() {
            let Some(n) = g.nodes.iter().find(|n| n.outputs.contains(&t)) else {
                break;
            };
            if MASK_OPS.contains(&n.op_type.as_str()) && n.op_type != "Where" {
                return Err(Error::new(format!(
                    "graph output is a boolean (computed by {} node '{}'); only float outputs \
                     are supported (Cast it to float in the model)",
                    n.op_type, n.name
                ))
                .on_tensor(&g.tensors[o].name));
            }
            match (&n.op, n.inputs.first()) {
                (
                    Op::Reshape | Op::Transpose { .. } | Op::Slice { .. } | Op::Concat { .. },
                    Some(&i),
                ) => t = i,
                _ => break,
            }
        }
    }
    Ok(g)
}
