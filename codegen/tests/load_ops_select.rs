//! Loader tests of the run-time unary math ops (Abs, Neg, Exp, Log, Reciprocal,
//! Softplus, Erf, Mish), PRelu and variadic Max / Min.

mod load_support;

use load_support::*;
use tinymtl_codegen::ir::{BinaryOp, Op, TensorKind, UnaryOp};

#[test]
fn unary_math_ops_run_at_run_time() {
    for (op, want) in [
        ("Abs", UnaryOp::Abs),
        ("Neg", UnaryOp::Neg),
        ("Exp", UnaryOp::Exp),
        ("Log", UnaryOp::Log),
        ("Reciprocal", UnaryOp::Reciprocal),
        ("Softplus", UnaryOp::Softplus),
        ("Erf", UnaryOp::Erf),
        ("Mish", UnaryOp::Mish),
    ] {
        let g = M::new(18)
            .input("x", &[1, 3, 5])
            .n("u", op, &["x"], &["y"], vec![])
            .output("y")
            .ok();
        assert_eq!(only_node(&g).op, Op::Unary(want), "{op}");
        assert_eq!(out_shape(&g, 0), [1, 3, 5]);
        // No attributes.
        let e = M::new(18)
            .input("x", &[1, 3, 5])
            .n("u", op, &["x"], &["y"], vec![af("alpha", 1.0)])
            .output("y")
            .err();
        assert_node_err(&e, "u", op, &["alpha"]);
    }
}

#[test]
fn unary_math_ops_fold_on_constants() {
    let e1 = std::f32::consts::E;
    for (op, x, want) in [
        ("Abs", -2.0, 2.0),
        ("Neg", 2.0, -2.0),
        ("Exp", 1.0, e1),
        ("Log", e1, 1.0),
        ("Reciprocal", 4.0, 0.25),
        ("Softplus", 0.0, std::f32::consts::LN_2),
        ("Erf", 0.0, 0.0),
        ("Mish", 0.0, 0.0),
    ] {
        // y = x + op(c): op(c) is folded into the constant operand of the Add.
        let g = M::new(18)
            .input("x", &[1, 2])
            .init_f32("c", &[2], &[x, x])
            .n("u", op, &["c"], &["k"], vec![])
            .n("a", "Add", &["x", "k"], &["y"], vec![])
            .output("y")
            .ok();
        assert_eq!(only_node(&g).op, Op::Binary(BinaryOp::Add), "{op}");
        let TensorKind::Const(v) = &tensor(&g, "k").kind else {
            panic!("{op}: k is not a constant");
        };
        for got in v {
            assert!((got - want).abs() <= 1e-6, "{op}: {got} vs {want}");
        }
    }
}

#[test]
fn abs_and_neg_of_integer_constants_still_fold() {
    // A shape computed with Neg/Abs of int64 constants feeds a Reshape.
    let g = M::new(13)
        .input("x", &[2, 6])
        .init_i64("s", &[2], &[-3, 4])
        .n("abs", "Abs", &["s"], &["p"], vec![])
        .n("r", "Reshape", &["x", "p"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [3, 4]);
    let g = M::new(13)
        .input("x", &[2, 6])
        .init_i64("s", &[2], &[-4, -3])
        .n("neg", "Neg", &["s"], &["p"], vec![])
        .n("r", "Reshape", &["x", "p"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [4, 3]);
}

#[test]
fn prelu_slope_per_channel_scalar_or_computed() {
    for (slope, dims) in [("per_channel", &[3, 1][..]), ("scalar", &[1][..])] {
        let g = M::new(16)
            .input("x", &[1, 3, 8])
            .weights(slope, dims)
            .n("p", "PRelu", &["x", slope], &["y"], vec![])
            .output("y")
            .ok();
        let n = only_node(&g);
        assert_eq!(n.op, Op::Binary(BinaryOp::PRelu), "{slope}");
        assert_eq!(input_names(&g, n), ["x", slope]);
        assert_eq!(out_shape(&g, 0), [1, 3, 8]);
    }
    // The slope may be computed too (the ONNX backend tests feed it as an input).
    let g = M::new(16)
        .input("x", &[3, 4, 5])
        .input("s", &[5])
        .n("p", "PRelu", &["x", "s"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [3, 4, 5]);
    // Unidirectional: the slope never widens the input.
    let e = M::new(16)
        .input("x", &[1, 3])
        .weights("s", &[2, 3])
        .n("p", "PRelu", &["x", "s"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(
        &e,
        "p",
        "PRelu",
        &["does not broadcast", "[2, 3]", "[1, 3]"],
    );
}

#[test]
fn prelu_folds_on_constants() {
    let g = M::new(16)
        .input("x", &[2, 2])
        .init_f32("c", &[2, 2], &[-1.0, 2.0, -4.0, 0.5])
        .init_f32("s", &[2], &[0.5, 0.25])
        .n("p", "PRelu", &["c", "s"], &["k"], vec![])
        .n("m", "Mul", &["x", "k"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(
        tensor(&g, "k").kind,
        TensorKind::Const(vec![-0.5, 2.0, -2.0, 0.5])
    );
}

#[test]
fn max_min_variadic_chain_with_broadcasting() {
    for (op, bop) in [("Max", BinaryOp::Max), ("Min", BinaryOp::Min)] {
        // Constants are moved after the activations: every step reads one.
        let g = M::new(13)
            .weights("c", &[4])
            .input("a", &[3, 1])
            .input("b", &[1, 4])
            .n("m", op, &["c", "a", "b"], &["y"], vec![])
            .output("y")
            .ok();
        assert_eq!(g.nodes.len(), 2, "{op}");
        assert!(g.nodes.iter().all(|n| n.op == Op::Binary(bop)));
        assert_eq!(input_names(&g, &g.nodes[0]), ["a", "b"]);
        assert_eq!(g.tensors[g.nodes[0].outputs[0]].shape, [3, 4]);
        assert_eq!(input_names(&g, &g.nodes[1])[1], "c");
        assert_eq!(g.tensors[g.outputs[0]].name, "y");
        assert_eq!(out_shape(&g, 0), [3, 4]);
        // Two operands: one step.
        let g = M::new(13)
            .input("a", &[2, 3])
            .weights("c", &[3])
            .n("m", op, &["a", "c"], &["y"], vec![])
            .output("y")
            .ok();
        assert_eq!(only_node(&g).op, Op::Binary(bop));
        // One operand: the operand itself.
        let g = M::new(13)
            .input("a", &[2, 3])
            .n("m", op, &["a"], &["y"], vec![])
            .n("r", "Relu", &["y"], &["z"], vec![])
            .output("z")
            .ok();
        assert_eq!(input_names(&g, only_node(&g)), ["a"]);
        // Shapes that do not broadcast.
        let e = M::new(13)
            .input("a", &[2, 3])
            .input("b", &[4])
            .n("m", op, &["a", "b"], &["y"], vec![])
            .output("y")
            .err();
        assert_node_err(&e, "m", op, &["does not broadcast"]);
    }
}

#[test]
fn max_min_of_constants_fold() {
    let g = M::new(13)
        .input("x", &[3])
        .init_f32("p", &[3], &[1.0, -2.0, 3.0])
        .init_f32("q", &[1], &[0.0])
        .n("mx", "Max", &["p", "q"], &["k"], vec![])
        .n("mn", "Min", &["p", "q"], &["l"], vec![])
        .n("a", "Add", &["x", "k"], &["s"], vec![])
        .n("b", "Add", &["s", "l"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(tensor(&g, "k").kind, TensorKind::Const(vec![1.0, 0.0, 3.0]));
    assert_eq!(
        tensor(&g, "l").kind,
        TensorKind::Const(vec![0.0, -2.0, 0.0])
    );
}
