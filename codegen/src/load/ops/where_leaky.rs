//! `torch.where(x > 0, x, a * x)` (and ONNX's own LeakyRelu expansion,
//! `Where(Less(x, 0), Mul(a, x), x)`) recognised on the IR graph after loading as
//! `LeakyRelu(a)`: one activation, which the fuse pass can then move into the
//! epilogue of the Gemm/Conv before it. The same value for every input, NaN included
//! (NaN fails both comparisons and `a * NaN` is NaN). Matched only when the
//! comparison and the product feed nothing else.

use std::collections::HashSet;

use super::softplus_beta::{binary_scalar, drop_nodes, scalar, Index};
use crate::ir::{BinaryOp, Graph, Op, TensorId, UnaryOp};

/// Rewrites every match in `g`.
pub(crate) fn fuse_where_leaky(mut g: Graph) -> Graph {
    let idx = Index::new(&g);
    let found: Vec<_> = (0..g.nodes.len())
        .filter_map(|w| Some((w, matches(&g, &idx, w)?)))
        .collect();
    let mut dead = HashSet::new();
    for (w, (x, alpha, matched)) in found {
        let n = &mut g.nodes[w];
        n.op = Op::Unary(UnaryOp::LeakyRelu { alpha });
        n.inputs = vec![x];
        dead.extend(matched);
    }
    drop_nodes(g, &dead)
}

/// Node `i` as `x * a` or `a * x` for a scalar `a`: `a`.
fn times_scalar(g: &Graph, i: usize, x: TensorId) -> Option<f32> {
    let n = &g.nodes[i];
    match (&n.op, n.inputs.as_slice()) {
        (Op::Binary(BinaryOp::Mul), &[p, q]) if p == x => scalar(g, q),
        (Op::Binary(BinaryOp::Mul), &[p, q]) if q == x => scalar(g, p),
        _ => None,
    }
}

/// For a Where node `w` of the pattern: `(x, alpha, the other nodes)`.
fn matches(g: &Graph, idx: &Index, w: usize) -> Option<(TensorId, f32, Vec<usize>)> {
    let n = &g.nodes[w];
    let (Op::Where, &[c, p, q]) = (&n.op, n.inputs.as_slice()) else {
        return None;
    };
    let cmp = idx.producer(c)?;
    let positive = [BinaryOp::Greater, BinaryOp::GreaterOrEqual]
        .into_iter()
        .find_map(|op| binary_scalar(g, cmp, op));
    // `x > 0 ? x : a*x`, or `x < 0 ? a*x : x`.
    let (x, scaled) = match (positive, binary_scalar(g, cmp, BinaryOp::Less)) {
        (Some((x, k)), _) if k == 0.0 && p == x => (x, q),
        (_, Some((x, k))) if k == 0.0 && q == x => (x, p),
        _ => return None,
    };
    let mul = idx.producer(scaled)?;
    let alpha = times_scalar(g, mul, x)?;
    if idx.uses(c) != 1 || idx.uses(scaled) != 1 {
        return None;
    }
    Some((x, alpha, vec![cmp, mul]))
}
