//! LayerNormalization's optional outputs `Mean` and `InvStdDev`, as steps of their own
//! beside the LayerNorm step: `mean = ReduceMean(x)`, `inv = 1 / sqrt(ReduceMean((x -
//! mean)^2) + epsilon)` over the normalized axes, kept as 1s. Nodes nothing reads are
//! dropped with the rest of the dead code, so an unused output costs nothing.

use crate::ir::{BinaryOp, Node, Op, ReduceOp, TensorId, TensorKind, UnaryOp};
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;

/// One output of a node: its op, inputs and shape.
pub(super) type Part = (Op, Vec<TensorId>, Vec<usize>);

/// The `Mean` and `InvStdDev` outputs of a LayerNormalization of `x` (shape `xs`)
/// over axes `axis..`.
pub(super) fn mean_inv_std(
    ctx: &NodeCtx,
    g: &mut GraphBuilder,
    x: TensorId,
    xs: &[usize],
    axis: usize,
    epsilon: f32,
) -> [Part; 2] {
    let mut stat = xs.to_vec();
    stat[axis..].iter_mut().for_each(|d| *d = 1);
    let mean_op = || Op::Reduce {
        op: ReduceOp::Mean,
        axes: (axis..xs.len()).collect(),
        keepdims: true,
    };
    let eps = g.add_tensor(
        &format!("{}:epsilon", ctx.name),
        vec![],
        TensorKind::Const(vec![epsilon]),
    );
    let mut step = |what: &str, op: Op, inputs: Vec<TensorId>, shape: &[usize]| {
        let t = g.add_tensor(
            &format!("{}:{what}", ctx.name),
            shape.to_vec(),
            TensorKind::Activation,
        );
        g.nodes.push(Node {
            name: format!("{}:{what}", ctx.name),
            op_type: ctx.op.to_string(),
            op,
            inputs,
            outputs: vec![t],
        });
        t
    };
    let mean = step("mean", mean_op(), vec![x], &stat);
    let d = step("centered", Op::Binary(BinaryOp::Sub), vec![x, mean], xs);
    let d2 = step("squared", Op::Binary(BinaryOp::Mul), vec![d, d], xs);
    let var = step("variance", mean_op(), vec![d2], &stat);
    let ve = step(
        "variance+eps",
        Op::Binary(BinaryOp::Add),
        vec![var, eps],
        &stat,
    );
    let sd = step("std", Op::Unary(UnaryOp::Sqrt), vec![ve], &stat);
    [
        (Op::Reshape, vec![mean], stat.clone()),
        (Op::Unary(UnaryOp::Reciprocal), vec![sd], stat),
    ]
}
