//! Comparisons, logic ops and Where on computed tensors (masks held as 1.0 / 0.0),
//! and Gather with constant indices on a computed tensor.

use crate::load_support::*;
use tinymtl_codegen::ir::{BinaryOp, Op, TensorKind};
use tinymtl_codegen::load::onnx::tensor_proto::DataType;

#[test]
fn comparisons_and_where_run_at_run_time() {
    for (op, want) in [
        ("Equal", BinaryOp::Equal),
        ("Less", BinaryOp::Less),
        ("LessOrEqual", BinaryOp::LessOrEqual),
        ("Greater", BinaryOp::Greater),
        ("GreaterOrEqual", BinaryOp::GreaterOrEqual),
    ] {
        let g = M::new(18)
            .input("x", &[1, 3, 4])
            .init_f32("t", &[4], &[0.0, 1.0, 2.0, 3.0])
            .init_f32("z", &[], &[0.5])
            .n("c", op, &["x", "t"], &["m"], vec![])
            .n("w", "Where", &["m", "x", "z"], &["y"], vec![])
            .output("y")
            .ok();
        assert_eq!(node_named(&g, "c").op, Op::Binary(want), "{op}");
        let w = node_named(&g, "w");
        assert_eq!(w.op, Op::Where);
        assert_eq!(input_names(&g, w), ["m", "x", "z"]);
        assert_eq!(out_shape(&g, 0), [1, 3, 4]);
    }
}

#[test]
fn logic_ops_combine_masks_arithmetically() {
    let g = M::new(18)
        .input("x", &[2, 3])
        .init_f32("k", &[], &[0.0])
        .n("a", "Greater", &["x", "k"], &["p"], vec![])
        .n("b", "Less", &["x", "k"], &["q"], vec![])
        .n("n", "Not", &["p"], &["np"], vec![])
        .n("and", "And", &["np", "q"], &["r"], vec![])
        .n("or", "Or", &["r", "p"], &["s"], vec![])
        .n("w", "Where", &["s", "x", "k"], &["y"], vec![])
        .output("y")
        .ok();
    let not = node_named(&g, "n");
    assert_eq!(not.op, Op::Binary(BinaryOp::Sub));
    assert_eq!(g.tensors[not.inputs[0]].kind, TensorKind::Const(vec![1.0]));
    assert_eq!(node_named(&g, "and").op, Op::Binary(BinaryOp::Mul));
    assert_eq!(node_named(&g, "or").op, Op::Binary(BinaryOp::Max));
}

#[test]
fn where_broadcasts_all_three_and_refuses_what_does_not() {
    let g = M::new(18)
        .input("x", &[2, 1, 4])
        .init_f32("k", &[3, 1], &[0.0, 1.0, 2.0])
        .n("c", "Greater", &["x", "k"], &["m"], vec![])
        .n("w", "Where", &["m", "k", "x"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [2, 3, 4]);
    let e = M::new(18)
        .input("x", &[2, 4])
        .init_f32("k", &[3], &[0.0, 1.0, 2.0])
        .n("c", "Greater", &["x", "x"], &["m"], vec![])
        .n("w", "Where", &["m", "x", "k"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "w", "Where", &["do not broadcast"]);
    // Integer branches would make an integer activation.
    let e = M::new(18)
        .input("x", &[2, 4])
        .init_i64("one", &[], &[1])
        .init_i64("zero", &[], &[0])
        .n("c", "Greater", &["x", "x"], &["m"], vec![])
        .n("w", "Where", &["m", "one", "zero"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "w", "Where", &["INT64", "float"]);
}

#[test]
fn a_mask_graph_output_is_refused() {
    for outputs in [&["m"][..], &["r"]] {
        let mut m = M::new(18)
            .input("x", &[2, 4])
            .init_f32("k", &[], &[0.0])
            .init_i64("s", &[1], &[8])
            .n("c", "Greater", &["x", "k"], &["m"], vec![])
            .n("r", "Reshape", &["m", "s"], &["r"], vec![]);
        for o in outputs {
            m = m.output(o);
        }
        let e = m.err();
        assert_err(&e, &["boolean", "Greater node 'c'", "only float outputs"]);
    }
}

#[test]
fn gather_of_a_computed_tensor_is_a_slice_or_slices() {
    // A scalar index (negative): one Slice, then the axis dropped.
    let g = M::new(13)
        .input("x", &[1, 5, 3])
        .init_i64("i", &[], &[-1])
        .n("t", "Tanh", &["x"], &["h"], vec![])
        .n("g", "Gather", &["h", "i"], &["y"], vec![ai("axis", 1)])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [1, 3]);
    let s = g
        .nodes
        .iter()
        .find(|n| matches!(n.op, Op::Slice { .. }))
        .unwrap();
    assert_eq!(
        s.op,
        Op::Slice {
            starts: vec![0, 4, 0],
            steps: vec![1, 1, 1]
        }
    );
    // Evenly spaced: one strided Slice.
    let g = M::new(13)
        .input("x", &[1, 5, 3])
        .init_i64("i", &[3], &[0, 2, -1])
        .n("t", "Tanh", &["x"], &["h"], vec![])
        .n("g", "Gather", &["h", "i"], &["y"], vec![ai("axis", 1)])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [1, 3, 3]);
    assert_eq!(
        node_named(&g, "g").op,
        Op::Slice {
            starts: vec![0, 0, 0],
            steps: vec![1, 2, 1]
        }
    );
    // Any list: runs joined by a Concat, a 2-D index tensor reshaped.
    let g = M::new(13)
        .input("x", &[4, 3])
        .init_i64("i", &[2, 2], &[3, 0, 1, 1])
        .n("t", "Tanh", &["x"], &["h"], vec![])
        .n("g", "Gather", &["h", "i"], &["y"], vec![ai("axis", 0)])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [2, 2, 3]);
    let concat = g.nodes.iter().find(|n| n.op == Op::Concat { axis: 0 });
    assert_eq!(concat.unwrap().inputs.len(), 3);
}

#[test]
fn gather_refuses_out_of_range_indices_naming_the_node() {
    for bad in [5, -6] {
        let e = M::new(13)
            .input("x", &[1, 5])
            .init_i64("i", &[2], &[0, bad])
            .n("t", "Tanh", &["x"], &["h"], vec![])
            .n("g", "Gather", &["h", "i"], &["y"], vec![ai("axis", 1)])
            .output("y")
            .err();
        assert_node_err(
            &e,
            "g",
            "Gather",
            &[&format!("index {bad} is out of range"), "size 5"],
        );
    }
    let e = M::new(13)
        .input("x", &[1, 5])
        .n("t", "Tanh", &["x"], &["h"], vec![])
        .n("g", "Gather", &["h", "h"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "g", "Gather", &["must be a constant"]);
}

#[test]
fn a_bool_graph_input_is_refused() {
    let e = M::new(18)
        .input("x", &[2, 4])
        .input_vi(value_info("m", DataType::Bool, Some(&dims_v(&[2, 4]))))
        .n("w", "Where", &["m", "x", "x"], &["y"], vec![])
        .output("y")
        .err();
    assert_err(&e, &["'m'", "BOOL", "only float32"]);
}

#[test]
fn gather_of_too_many_scattered_indices_is_refused() {
    // 600 indices alternating 0, 1: 300 runs of two.
    let idx: Vec<i64> = (0..600).map(|i| [1, 0][i % 2]).collect();
    let e = M::new(13)
        .input("x", &[2, 3])
        .init_i64("i", &[600], &idx)
        .n("t", "Tanh", &["x"], &["h"], vec![])
        .n("g", "Gather", &["h", "i"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "g", "Gather", &["600 indices", "at most 256"]);
}
