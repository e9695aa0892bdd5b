//! The graph's shape around conversion: the topological order nodes are converted
//! in (cycles refused), and the pruning after it (nodes no output depends on dropped,
//! tensor ids renumbered); output shapes every node must have.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

use super::graph_builder::GraphBuilder;
use super::inline::FlatNode;
use crate::error::{Error, Result};
use crate::ir::{shape, Graph, TensorId};

use super::graph::MAX_RANK;

/// Topological order of the live nodes (file order where free); refuses cycles.
pub(super) fn topo_order(
    nodes: &[FlatNode],
    live: &[bool],
    producer: &HashMap<&str, usize>,
) -> Result<Vec<usize>> {
    let mut indeg = vec![0usize; nodes.len()];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate().filter(|(i, _)| live[*i]) {
        for inp in n.proto.input.iter().filter(|s| !s.is_empty()) {
            if let Some(&p) = producer.get(inp.as_str()) {
                succ[p].push(i);
                indeg[i] += 1;
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..nodes.len())
        .filter(|&i| live[i] && indeg[i] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::new();
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &s in &succ[i] {
            indeg[s] -= 1;
            if indeg[s] == 0 {
                ready.push(Reverse(s));
            }
        }
    }
    let n_live = live.iter().filter(|&&l| l).count();
    if order.len() != n_live {
        let stuck: Vec<&FlatNode> = (0..nodes.len())
            .filter(|&i| live[i] && indeg[i] > 0)
            .map(|i| &nodes[i])
            .collect();
        let names: Vec<String> = stuck
            .iter()
            .take(6)
            .map(|n| format!("'{}'", n.name))
            .collect();
        let first = stuck[0];
        return Err(Error::new(format!(
            "the graph has a cycle through nodes {}{}",
            names.join(", "),
            if stuck.len() > 6 { ", ..." } else { "" }
        ))
        .at_node(&first.name, first.proto.op_type()));
    }
    Ok(order)
}

/// Drops nodes no output depends on (e.g. whose only consumer was a folded Shape)
/// and the tensors nothing refers to, renumbering tensor ids.
pub(super) fn finish(
    name: String,
    b: GraphBuilder,
    inputs: Vec<TensorId>,
    outputs: Vec<TensorId>,
) -> Graph {
    let mut needed = vec![false; b.tensors.len()];
    for &o in &outputs {
        needed[o] = true;
    }
    let mut keep = vec![false; b.nodes.len()];
    for (i, n) in b.nodes.iter().enumerate().rev() {
        if n.outputs.iter().any(|&o| needed[o]) {
            keep[i] = true;
            // Every output of a kept node stays (LSTM's unread `Y_h`, `Y_c`).
            for &t in n.inputs.iter().chain(&n.outputs) {
                needed[t] = true;
            }
        }
    }
    for &i in &inputs {
        needed[i] = true;
    }
    let mut remap = vec![usize::MAX; b.tensors.len()];
    let mut tensors = Vec::new();
    for (i, t) in b.tensors.into_iter().enumerate() {
        if needed[i] {
            remap[i] = tensors.len();
            tensors.push(t);
        }
    }
    let nodes = b
        .nodes
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(mut n, _)| {
            n.inputs.iter_mut().for_each(|t| *t = remap[*t]);
            n.outputs.iter_mut().for_each(|t| *t = remap[*t]);
            n
        })
        .collect();
    Graph {
        name,
        tensors,
        nodes,
        inputs: inputs.iter().map(|&i| remap[i]).collect(),
        outputs: outputs.iter().map(|&o| remap[o]).collect(),
    }
}

/// Refuses an output shape of too high a rank, with no element, or too many to count.
pub(super) fn check_shape(at: (&str, &str), shape: &[usize]) -> Result<()> {
    let err = |m: String| Error::new(m).at_node(at.0, at.1);
    if shape.len() > MAX_RANK {
        return Err(err(format!(
            "output shape {shape:?} has rank {}; at most {MAX_RANK} is supported",
            shape.len()
        )));
    }
    match shape::numel(shape) {
        None => Err(err(format!(
            "element count of output shape {shape:?} overflows usize"
        ))),
        Some(0) => Err(err(format!(
            "output shape {shape:?} is empty (a zero dimension)"
        ))),
        Some(_) => Ok(()),
    }
}
