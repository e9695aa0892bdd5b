//! The dynamo exporter's `F.softplus(x, beta, threshold)`, recognised on the IR graph
//! after loading and replaced by one [`UnaryOp::SoftplusBeta`] step:
//!
//! ```text
//! z = Mul(x, beta)           (absent when beta = 1: z is x)
//! s = Softplus(z)
//! d = Div(s, beta)           (absent when beta = 1)
//! y = Where(Greater(z, threshold), x, d)
//! ```
//!
//! The replacement computes exactly these operations (in f32, beta and threshold as
//! the file gives them), so nothing changes but the four or five steps becoming one.
//! Matched only when every intermediate feeds nothing else.

use std::collections::HashSet;

use crate::ir::{BinaryOp, Graph, Op, TensorId, UnaryOp};

/// Rewrites every match in `g`.
pub(crate) fn fuse_softplus_beta(mut g: Graph) -> Graph {
    let idx = Index::new(&g);
    let found: Vec<_> = (0..g.nodes.len())
        .filter_map(|w| Some((w, matches(&g, &idx, w)?)))
        .collect();
    let mut dead = HashSet::new();
    for (w, (x, beta, threshold, matched)) in found {
        let n = &mut g.nodes[w];
        n.op = Op::Unary(UnaryOp::SoftplusBeta { beta, threshold });
        n.inputs = vec![x];
        dead.extend(matched);
    }
    drop_nodes(g, &dead)
}

/// `g` without the nodes whose indices are in `dead`.
pub(super) fn drop_nodes(mut g: Graph, dead: &HashSet<usize>) -> Graph {
    let mut i = 0;
    g.nodes.retain(|_| {
        i += 1;
        !dead.contains(&(i - 1))
    });
    g
}

/// Who writes and how many read each tensor, computed once per rewrite (so a pass
/// is linear in the graph).
pub(super) struct Index {
    producer: Vec<Option<usize>>,
    uses: Vec<usize>,
}

impl Index {
    pub(super) fn new(g: &Graph) -> Index {
        let mut producer = vec![None; g.tensors.len()];
        let mut uses = vec![0; g.tensors.len()];
        for (i, n) in g.nodes.iter().enumerate() {
            for &o in &n.outputs {
                producer[o] = Some(i);
            }
            for &t in &n.inputs {
                uses[t] += 1;
            }
        }
        for &o in &g.outputs {
            uses[o] += 1;
        }
        Index { producer, uses }
    }

    /// The node writing tensor `t`.
    pub(super) fn producer(&self, t: TensorId) -> Option<usize> {
        self.producer.get(t).copied().flatten()
    }

    /// How many node inputs read `t` (graph outputs count as readers).
    pub(super) fn uses(&self, t: TensorId) -> usize {
        self.uses.get(t).copied().unwrap_or(0)
    }
}

/// The finite value of a one-element constant.
pub(super) fn scalar(g: &Graph, t: TensorId) -> Option<f32> {
    match g.tensors[t].data() {
        Some([v]) if v.is_finite() => Some(*v),
        _ => None,
    }
}

/// Node `i` as `op(a, scalar)`: `(a, scalar)`.
pub(super) fn binary_scalar(g: &Graph, i: usize, op: BinaryOp) -> Option<(TensorId, f32)> {
    let n = &g.nodes[i];
    match (&n.op, n.inputs.as_slice()) {
        (Op::Binary(o), &[a, k]) if *o == op => Some((a, scalar(g, k)?)),
        _ => None,
    }
}

/// For a Where node `w` of the pattern: `(x, beta, threshold, the other nodes)`.
fn matches(g: &Graph, idx: &Index, w: usize) -> Option<(TensorId, f32, f32, Vec<usize>)> {
    let n = &g.nodes[w];
    let (Op::Where, &[c, x, d]) = (&n.op, n.inputs.as_slice()) else {
        return None;
    };
    let gt = idx.producer(c)?;
    let (z, threshold) = binary_scalar(g, gt, BinaryOp::Greater)?;
    let mut nodes = vec![gt];
    // d = Softplus(z) / beta, or Softplus(z) when beta is 1.
    let pd = idx.producer(d)?;
    let (s, beta) = match binary_scalar(g, pd, BinaryOp::Div) {
        Some((s, beta)) => {
            nodes.push(pd);
            (s, beta)
        }
        None => (d, 1.0),
    };
    let sp = idx.producer(s)?;
    let sn = &g.nodes[sp];
    if sn.op != Op::Unary(UnaryOp::Softplus) || sn.inputs != [z] {
        return None;
    }
    nodes.push(sp);
    if z != x {
        // z = x * beta (either operand order).
        let mul = idx.producer(z)?;
        let m = &g.nodes[mul];
        let ok = match (&m.op, m.inputs.as_slice()) {
            (Op::Binary(BinaryOp::Mul), &[p, q]) => {
                (p == x && scalar(g, q) == Some(beta)) || (q == x && scalar(g, p) == Some(beta))
            }
            _ => false,
        };
        if !ok || idx.uses(z) != 2 {
            return None;
        }
        nodes.push(mul);
    } else if beta != 1.0 {
        return None;
    }
    if beta == 0.0 || idx.uses(c) != 1 || idx.uses(d) != 1 || (s != d && idx.uses(s) != 1) {
        return None;
    }
    Some((x, beta, threshold, nodes))
}
