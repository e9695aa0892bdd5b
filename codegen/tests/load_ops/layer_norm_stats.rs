//! LayerNormalization's `Mean` and `InvStdDev` outputs.

use crate::load_support::*;
use tinymtl_codegen::ir::{Op, ReduceOp, UnaryOp};

fn model(outputs: &[&str]) -> M {
    let mut m = M::new(17)
        .input("x", &[2, 3, 4])
        .init_f32("s", &[4], &[1.0, 2.0, 3.0, 4.0])
        .n(
            "ln",
            "LayerNormalization",
            &["x", "s"],
            &["y", "mean", "inv"],
            vec![ai("axis", -1), af("epsilon", 1e-3)],
        );
    for o in outputs {
        m = m.output(o);
    }
    m
}

#[test]
fn mean_and_inv_std_dev_are_computed_when_used() {
    let g = model(&["y", "mean", "inv"]).ok();
    assert_eq!(out_shape(&g, 1), [2, 3, 1]);
    assert_eq!(out_shape(&g, 2), [2, 3, 1]);
    let means = g
        .nodes
        .iter()
        .filter(|n| matches!(&n.op, Op::Reduce { op: ReduceOp::Mean, axes, keepdims: true } if axes == &[2]))
        .count();
    assert_eq!(means, 2, "the mean and the variance");
    let inv = g
        .nodes
        .iter()
        .find(|n| n.outputs == [g.outputs[2]])
        .unwrap();
    assert_eq!(inv.op, Op::Unary(UnaryOp::Reciprocal));
}

#[test]
fn unused_statistics_cost_nothing() {
    let g = model(&["y"]).ok();
    assert_eq!(
        only_node(&g).op,
        Op::LayerNorm {
            axis: 2,
            epsilon: 1e-3
        }
    );
    // Only the mean: no variance.
    let g = model(&["mean", "y"]).ok();
    assert_eq!(g.nodes.len(), 3, "{:#?}", g.nodes);
}
