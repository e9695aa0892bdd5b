//! TorchScript's `nn.Mish`, `Mul(x, Tanh(Softplus(x)))`, recognised on the IR graph
//! after loading as one Mish step (the op dynamo writes). The Mish kernel computes
//! `x * tanh(softplus(x))` with the same `softplus` and `tanh` as the separate steps,
//! so the values are the same; three steps (and two arena tensors) become one.
//! Matched only when the Softplus and the Tanh feed nothing else.

use std::collections::HashSet;

use super::softplus_beta::{drop_nodes, Index};
use crate::ir::{BinaryOp, Graph, Op, TensorId, UnaryOp};

/// Rewrites every match in `g`.
pub(crate) fn fuse_mish(mut g: Graph) -> Graph {
    let idx = Index::new(&g);
    let found: Vec<_> = (0..g.nodes.len())
        .filter_map(|m| Some((m, matches(&g, &idx, m)?)))
        .collect();
    let mut dead = HashSet::new();
    for (m, (x, matched)) in found {
        let n = &mut g.nodes[m];
        n.op = Op::Unary(UnaryOp::Mish);
        n.inputs = vec![x];
        dead.extend(matched);
    }
    drop_nodes(g, &dead)
}

/// Node `i` as `Unary(op)` of one input: that input.
fn unary_of(g: &Graph, i: usize, op: UnaryOp) -> Option<TensorId> {
    let n = &g.nodes[i];
    match n.inputs.as_slice() {
        &[x] if n.op == Op::Unary(op) => Some(x),
        _ => None,
    }
}

/// For a Mul node `m` of the pattern: `(x, the other nodes)`.
fn matches(g: &Graph, idx: &Index, m: usize) -> Option<(TensorId, Vec<usize>)> {
    let n = &g.nodes[m];
    let (Op::Binary(BinaryOp::Mul), &[p, q]) = (&n.op, n.inputs.as_slice()) else {
        return None;
    };
    for (x, t) in [(p, q), (q, p)] {
        let Some(th) = idx.producer(t) else { continue };
        let Some(s) = unary_of(g, th, UnaryOp::Tanh) else {
            continue;
        };
        let Some(sp) = idx.producer(s) else { continue };
        if unary_of(g, sp, UnaryOp::Softplus) == Some(x) && idx.uses(t) == 1 && idx.uses(s) == 1 {
            return Some((x, vec![th, sp]));
        }
    }
    None
}
