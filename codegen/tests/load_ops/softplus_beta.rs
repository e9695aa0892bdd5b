//! The dynamo exporter's Softplus with beta and threshold, recognised as one op.

use crate::load_support::*;
use tinymtl_codegen::ir::{Op, UnaryOp};

/// `Where(x*beta > t, x, Softplus(x*beta) / beta)` as dynamo writes it; `extra`
/// makes the scaled value a second graph output.
fn dynamo(beta: f32, extra: bool) -> M {
    let mut m = M::new(18)
        .input("x", &[1, 5, 8])
        .init_f32("beta", &[], &[beta])
        .init_f32("t", &[], &[1.5])
        .n("r", "Relu", &["x"], &["h"], vec![])
        .n("mul", "Mul", &["h", "beta"], &["z"], vec![])
        .n("sp", "Softplus", &["z"], &["s"], vec![])
        .n("div", "Div", &["s", "beta"], &["d"], vec![])
        .n("gt", "Greater", &["z", "t"], &["c"], vec![])
        .n("w", "Where", &["c", "h", "d"], &["y"], vec![])
        .output("y");
    if extra {
        m = m.output("z");
    }
    m
}

#[test]
fn softplus_with_beta_and_threshold_is_one_op() {
    let g = dynamo(2.0, false).ok();
    assert_eq!(g.nodes.len(), 2, "{:#?}", g.nodes);
    let w = node_named(&g, "w");
    assert_eq!(
        w.op,
        Op::Unary(UnaryOp::SoftplusBeta {
            beta: 2.0,
            threshold: 1.5
        })
    );
    assert_eq!(input_names(&g, w), ["h"]);
}

#[test]
fn the_pattern_is_left_alone_when_a_part_is_used_elsewhere() {
    let g = dynamo(2.0, true).ok();
    assert!(g.nodes.iter().any(|n| n.op == Op::Where));
    assert_eq!(g.nodes.len(), 6);
}

#[test]
fn beta_one_has_no_mul_or_div() {
    let g = M::new(18)
        .input("x", &[1, 4])
        .init_f32("t", &[], &[20.0])
        .n("r", "Relu", &["x"], &["h"], vec![])
        .n("sp", "Softplus", &["h"], &["s"], vec![])
        .n("gt", "Greater", &["h", "t"], &["c"], vec![])
        .n("w", "Where", &["c", "h", "s"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(g.nodes.len(), 2);
    assert_eq!(
        node_named(&g, "w").op,
        Op::Unary(UnaryOp::SoftplusBeta {
            beta: 1.0,
            threshold: 20.0
        })
    );
}

#[test]
fn where_of_a_scaled_copy_is_leaky_relu() {
    // torch.where(x > 0, x, 0.1 * x) (dynamo and TorchScript) and ONNX's LeakyRelu
    // expansion Where(x < 0, a * x, x).
    for (cmp, ops) in [
        ("Greater", ["h", "m"]),
        ("GreaterOrEqual", ["h", "m"]),
        ("Less", ["m", "h"]),
    ] {
        let g = M::new(18)
            .input("x", &[1, 4])
            .init_f32("zero", &[], &[0.0])
            .init_f32("a", &[], &[0.1])
            .n("r", "Tanh", &["x"], &["h"], vec![])
            .n("c", cmp, &["h", "zero"], &["k"], vec![])
            .n("mul", "Mul", &["a", "h"], &["m"], vec![])
            .n("w", "Where", &["k", ops[0], ops[1]], &["y"], vec![])
            .output("y")
            .ok();
        assert_eq!(g.nodes.len(), 2, "{cmp}: {:#?}", g.nodes);
        assert_eq!(
            node_named(&g, "w").op,
            Op::Unary(UnaryOp::LeakyRelu { alpha: 0.1 })
        );
    }
    // The branches the other way round is not a LeakyRelu.
    let g = M::new(18)
        .input("x", &[1, 4])
        .init_f32("zero", &[], &[0.0])
        .init_f32("a", &[], &[0.1])
        .n("c", "Greater", &["x", "zero"], &["k"], vec![])
        .n("mul", "Mul", &["x", "a"], &["m"], vec![])
        .n("w", "Where", &["k", "m", "x"], &["y"], vec![])
        .output("y")
        .ok();
    assert!(g.nodes.iter().any(|n| n.op == Op::Where));
}

#[test]
fn torchscript_mish_is_one_mish() {
    for order in [["h", "t"], ["t", "h"]] {
        let g = M::new(17)
            .input("x", &[1, 4])
            .n("r", "Relu", &["x"], &["h"], vec![])
            .n("sp", "Softplus", &["h"], &["s"], vec![])
            .n("th", "Tanh", &["s"], &["t"], vec![])
            .n("mul", "Mul", &order, &["y"], vec![])
            .output("y")
            .ok();
        assert_eq!(g.nodes.len(), 2, "{:#?}", g.nodes);
        let m = node_named(&g, "mul");
        assert_eq!(m.op, Op::Unary(UnaryOp::Mish));
        assert_eq!(input_names(&g, m), ["h"]);
    }
    // The Tanh also read elsewhere: left as three steps.
    let g = M::new(17)
        .input("x", &[1, 4])
        .n("sp", "Softplus", &["x"], &["s"], vec![])
        .n("th", "Tanh", &["s"], &["t"], vec![])
        .n("mul", "Mul", &["x", "t"], &["y"], vec![])
        .output("y")
        .output("t")
        .ok();
    assert_eq!(g.nodes.len(), 3);
}
