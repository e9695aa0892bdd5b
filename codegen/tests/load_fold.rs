//! Constant folding in the ONNX loader: shape arithmetic chains as exporters write
//! them, and the evaluators of the foldable ops.

mod load_support;

use load_support::*;
use tinymtl_codegen::ir::{Graph, Op, TensorKind};
use tinymtl_codegen::load::onnx::tensor_proto::DataType;
use tinymtl_codegen::load::onnx::TensorProto;

/// `y = Add(x, <folded>)`: returns the folded constant's data as seen by the IR.
fn folded_operand(m: M, folded: &str) -> Vec<f32> {
    let g = m.ok();
    let t = tensor(&g, folded);
    match &t.kind {
        TensorKind::Const(d) => d.clone(),
        k => panic!("'{folded}' is not a constant: {k:?}"),
    }
}

fn no_int_or_unused_tensors(g: &Graph) {
    // Only tensors used by nodes, inputs and outputs remain.
    for (i, t) in g.tensors.iter().enumerate() {
        let used = g.inputs.contains(&i)
            || g.nodes
                .iter()
                .any(|n| n.inputs.contains(&i) || n.outputs.contains(&i));
        assert!(used, "unused tensor {}", t.name);
    }
}

#[test]
fn torchscript_flatten_chain() {
    // x.view(x.size(0), -1) as TorchScript exports it at opset 11, with a symbolic batch.
    let g = M::new(11)
        .input_vi(value_info(
            "x",
            DataType::Float,
            Some(&[Dim::P("batch"), Dim::V(4), Dim::V(3), Dim::V(2)]),
        ))
        .n("relu", "Relu", &["x"], &["r"], vec![])
        .n("shape", "Shape", &["r"], &["s"], vec![])
        .n(
            "c0",
            "Constant",
            &[],
            &["zero"],
            vec![at("value", tensor_i64("", &[], &[0]))],
        )
        .n(
            "gather",
            "Gather",
            &["s", "zero"],
            &["n"],
            vec![ai("axis", 0)],
        )
        .n(
            "unsq",
            "Unsqueeze",
            &["n"],
            &["n1"],
            vec![ais("axes", &[0])],
        )
        .n(
            "c1",
            "Constant",
            &[],
            &["m1"],
            vec![at("value", tensor_i64("", &[1], &[-1]))],
        )
        .n(
            "cat",
            "Concat",
            &["n1", "m1"],
            &["shape2"],
            vec![ai("axis", 0)],
        )
        .n("view", "Reshape", &["r", "shape2"], &["flat"], vec![])
        .weights("w", &[24, 5])
        .n("mm", "MatMul", &["flat", "w"], &["y"], vec![])
        .output_dims("y", &[Dim::P("batch"), Dim::V(5)])
        .ok();
    let ops: Vec<&Op> = g.nodes.iter().map(|n| &n.op).collect();
    assert_eq!(ops.len(), 3, "{ops:?}");
    assert_eq!(tensor(&g, "flat").shape, [1, 24]);
    assert_eq!(node_named(&g, "view").op, Op::Reshape);
    assert_eq!(input_names(&g, node_named(&g, "view")), ["r"]);
    no_int_or_unused_tensors(&g);
}

#[test]
fn shape_of_activation_with_start_end_and_slice() {
    let g = M::new(15)
        .input("x", &[2, 3, 4])
        .n(
            "shape",
            "Shape",
            &["x"],
            &["s"],
            vec![ai("start", 1), ai("end", -1)],
        )
        .init_i64("m1", &[1], &[-1])
        .n("cat", "Concat", &["m1", "s"], &["t"], vec![ai("axis", 0)])
        .n("rs", "Reshape", &["x", "t"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [8, 3]);

    let g = M::new(13)
        .input("x", &[2, 3, 4])
        .n("shape", "Shape", &["x"], &["s"], vec![])
        .init_i64("st", &[1], &[-2])
        .init_i64("en", &[1], &[i64::MAX])
        .n("sl", "Slice", &["s", "st", "en"], &["hw"], vec![])
        .init_i64("m1", &[1], &[-1])
        .n("cat", "Concat", &["m1", "hw"], &["t"], vec![ai("axis", 0)])
        .n("rs", "Reshape", &["x", "t"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [2, 3, 4]);
    assert!(g.nodes.is_empty() || g.nodes.iter().all(|n| n.op == Op::Reshape));
}

#[test]
fn slice_with_axes_negative_steps_and_clamping() {
    let m = M::new(13)
        .input("x", &[2, 2])
        .init_f32("d", &[3, 4], &(0..12).map(|i| i as f32).collect::<Vec<_>>())
        .init_i64("st", &[2], &[-1, 10])
        .init_i64("en", &[2], &[-100, -100])
        .init_i64("ax", &[2], &[1, 0])
        .init_i64("sp", &[2], &[-2, -2])
        .n(
            "sl",
            "Slice",
            &["d", "st", "en", "ax", "sp"],
            &["s"],
            vec![],
        )
        .n("add", "Add", &["x", "s"], &["y"], vec![])
        .output("y");
    // rows 2, 0 (start 10 clamps to 2, end -100 to -1); cols 3, 1.
    assert_eq!(folded_operand(m, "s"), [11.0, 9.0, 3.0, 1.0]);
}

#[test]
fn gather_float_data_other_axis_negative_index() {
    let m = M::new(13)
        .input("x", &[3, 2])
        .init_f32("d", &[3, 3], &(0..9).map(|i| i as f32).collect::<Vec<_>>())
        .init_i64("i", &[2], &[-1, 0])
        .n("g", "Gather", &["d", "i"], &["s"], vec![ai("axis", 1)])
        .n("add", "Add", &["x", "s"], &["y"], vec![])
        .output("y");
    assert_eq!(folded_operand(m, "s"), [2.0, 0.0, 5.0, 3.0, 8.0, 6.0]);
}

#[test]
fn constant_node_variants() {
    for (attr, want) in [
        (af("value_float", 2.5), vec![2.5]),
        (afs("value_floats", &[1.0, 2.0, 3.0]), vec![1.0, 2.0, 3.0]),
        (ai("value_int", 7), vec![7.0]),
        (ais("value_ints", &[4, 5, 6]), vec![4.0, 5.0, 6.0]),
        (
            at("value", tensor_f32("", &[3], &[0.5, 0.25, 0.125])),
            vec![0.5, 0.25, 0.125],
        ),
    ] {
        let is_int = attr.name() == "value_int" || attr.name() == "value_ints";
        let mut m = M::new(13)
            .input("x", &[1, 3])
            .n("c", "Constant", &[], &["k"], vec![attr]);
        let operand = if is_int {
            m = m.n("cast", "Cast", &["k"], &["kf"], vec![ai("to", 1)]);
            "kf"
        } else {
            "k"
        };
        m = m
            .n("add", "Add", &["x", operand], &["y"], vec![])
            .output("y");
        assert_eq!(folded_operand(m, operand), want);
    }
}

#[test]
fn arithmetic_on_constants() {
    // Explicit BatchNorm as TorchScript writes it: (x - mean) / sqrt(var + eps) * w + b.
    let g = M::new(13)
        .input("x", &[1, 2])
        .init_f32("var", &[2], &[3.0, 0.0])
        .init_f32("eps", &[], &[1.0])
        .n("add", "Add", &["var", "eps"], &["v1"], vec![])
        .n("sqrt", "Sqrt", &["v1"], &["sd"], vec![])
        .init_f32("two", &[], &[2.0])
        .n("pow", "Pow", &["sd", "two"], &["p"], vec![])
        .n("neg", "Neg", &["p"], &["np"], vec![])
        .n("div", "Div", &["x", "np"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(
        only_node(&g).op,
        Op::Binary(tinymtl_codegen::ir::BinaryOp::Div)
    );
    assert_eq!(tensor(&g, "np").data().unwrap(), [-4.0, -1.0]);
}

#[test]
fn integer_arithmetic_stays_exact() {
    // H / 2 * 3 - 1 computed on a shape, then used as a Reshape target.
    let g = M::new(13)
        .input("x", &[1, 6, 4])
        .n("shape", "Shape", &["x"], &["s"], vec![])
        .init_i64("i1", &[1], &[1])
        .n("g", "Gather", &["s", "i1"], &["h"], vec![]) // [6]
        .init_i64("two", &[], &[2])
        .n("div", "Div", &["h", "two"], &["h2"], vec![]) // [3]
        .init_i64("m1", &[1], &[-1])
        .n("cat", "Concat", &["h2", "m1"], &["t"], vec![ai("axis", 0)])
        .n("rs", "Reshape", &["x", "t"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [3, 8]);
}

#[test]
fn constant_of_shape_expand_range_where_equal() {
    // ConstantOfShape(Shape(x)) * 0.5 broadcast with Expand.
    let m = M::new(13)
        .input("x", &[2, 3])
        .init_i64("shp", &[1], &[3])
        .n(
            "cos",
            "ConstantOfShape",
            &["shp"],
            &["c"],
            vec![at("value", tensor_f32("", &[1], &[0.5]))],
        )
        .init_i64("eshape", &[2], &[2, 1])
        .n("ex", "Expand", &["c", "eshape"], &["e"], vec![])
        .n("add", "Add", &["x", "e"], &["y"], vec![])
        .output("y");
    assert_eq!(folded_operand(m, "e"), [0.5; 6]);

    let m = M::new(13)
        .input("x", &[4])
        .init_f32("start", &[], &[1.0])
        .init_f32("limit", &[], &[3.0])
        .init_f32("delta", &[], &[0.5])
        .n("r", "Range", &["start", "limit", "delta"], &["rg"], vec![])
        .n("add", "Add", &["x", "rg"], &["y"], vec![])
        .output("y");
    assert_eq!(folded_operand(m, "rg"), [1.0, 1.5, 2.0, 2.5]);

    // Where(Equal(shape, -1), 1, shape): the dynamo idiom for reshape targets.
    let g = M::new(13)
        .input("x", &[2, 6])
        .init_i64("t", &[2], &[-1, 3])
        .init_i64("neg1", &[], &[-1])
        .n("eq", "Equal", &["t", "neg1"], &["mask"], vec![])
        .init_i64("four", &[], &[4])
        .n("wh", "Where", &["mask", "four", "t"], &["t2"], vec![])
        .n("rs", "Reshape", &["x", "t2"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [4, 3]);
}

#[test]
fn int_range_min_max_cast_and_reduce_prod() {
    // Flatten via ReduceProd of the trailing dims.
    let g = M::new(13)
        .input("x", &[2, 3, 4])
        .n("shape", "Shape", &["x"], &["s"], vec![])
        .init_i64("st", &[1], &[1])
        .init_i64("en", &[1], &[3])
        .n("sl", "Slice", &["s", "st", "en"], &["tail"], vec![])
        .n(
            "rp",
            "ReduceProd",
            &["tail"],
            &["n"],
            vec![ai("keepdims", 1)],
        )
        .init_i64("lo", &[1], &[100])
        .n("mn", "Min", &["n", "lo"], &["n2"], vec![])
        .init_i64("zero", &[1], &[0])
        .n("mx", "Max", &["n2", "zero"], &["n3"], vec![])
        .n("c", "Cast", &["n3"], &["n4"], vec![ai("to", 6)]) // INT32
        .n("c2", "Cast", &["n4"], &["n5"], vec![ai("to", 7)]) // INT64
        .init_i64("m1", &[1], &[-1])
        .n("cat", "Concat", &["m1", "n5"], &["t"], vec![ai("axis", 0)])
        .n("rs", "Reshape", &["x", "t"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [2, 12]);

    let g = M::new(13)
        .input("x", &[1, 3])
        .init_i64("a", &[], &[0])
        .init_i64("b", &[], &[3])
        .init_i64("d", &[], &[1])
        .n("r", "Range", &["a", "b", "d"], &["rg"], vec![])
        .n("cf", "Cast", &["rg"], &["rgf"], vec![ai("to", 1)])
        .n("add", "Add", &["x", "rgf"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(tensor(&g, "rgf").data().unwrap(), [0.0, 1.0, 2.0]);
}

#[test]
fn cast_float_to_int_truncates_and_to_float16_rounds() {
    let m = M::new(13)
        .input("x", &[3])
        .init_f32("f", &[3], &[1.7, -1.7, 2.5])
        .n("ci", "Cast", &["f"], &["i"], vec![ai("to", 7)])
        .n("cf", "Cast", &["i"], &["fi"], vec![ai("to", 1)])
        .n("add", "Add", &["x", "fi"], &["y"], vec![])
        .output("y");
    assert_eq!(folded_operand(m, "fi"), [1.0, -1.0, 2.0]);
    let m = M::new(13)
        .input("x", &[1])
        .init_f32("f", &[1], &[0.1])
        .n("ch", "Cast", &["f"], &["h"], vec![ai("to", 10)])
        .n("add", "Add", &["x", "h"], &["y"], vec![])
        .output("y");
    assert_eq!(folded_operand(m, "h"), [half::f16::from_f32(0.1).to_f32()]);
}

#[test]
fn layout_ops_on_constants() {
    // Transposed weights (tf2onnx / dynamo idiom) are folded.
    let m = M::new(13)
        .input("x", &[1, 2])
        .init_f32("w", &[3, 2], &[1.0, 2.0, 3.0, 4.0, 5.0, 6.0])
        .n("t", "Transpose", &["w"], &["wt"], vec![])
        .n("mm", "MatMul", &["x", "wt"], &["y"], vec![])
        .output("y");
    assert_eq!(folded_operand(m, "wt"), [1.0, 3.0, 5.0, 2.0, 4.0, 6.0]);

    // Unsqueeze (axes input) / Squeeze / Flatten / Reshape / Concat of constants.
    let g = M::new(13)
        .input("x", &[2, 1, 3])
        .init_f32("b", &[3], &[1.0, 2.0, 3.0])
        .init_i64("ax", &[1], &[0])
        .n("u", "Unsqueeze", &["b", "ax"], &["b1"], vec![])
        .n("cat", "Concat", &["b1", "b1"], &["b2"], vec![ai("axis", 0)])
        .init_i64("ax1", &[1], &[1])
        .n("u2", "Unsqueeze", &["b2", "ax1"], &["b3"], vec![])
        .n("add", "Add", &["x", "b3"], &["y"], vec![])
        .output("y")
        .ok();
    let t = tensor(&g, "b3");
    assert_eq!(t.shape, [2, 1, 3]);
    assert_eq!(t.data().unwrap(), [1.0, 2.0, 3.0, 1.0, 2.0, 3.0]);

    // Concat along an inner axis interleaves.
    let m = M::new(13)
        .input("x", &[2, 3])
        .init_f32("a", &[2, 1], &[1.0, 2.0])
        .init_f32("b", &[2, 2], &[3.0, 4.0, 5.0, 6.0])
        .n("cat", "Concat", &["a", "b"], &["c"], vec![ai("axis", 1)])
        .n("add", "Add", &["x", "c"], &["y"], vec![])
        .output("y");
    assert_eq!(folded_operand(m, "c"), [1.0, 3.0, 4.0, 2.0, 5.0, 6.0]);
}

#[test]
fn matmul_and_unary_on_constants() {
    let m = M::new(13)
        .input("x", &[1, 2])
        .init_f32("a", &[1, 2], &[1.0, 2.0])
        .init_f32("b", &[2, 2], &[1.0, 2.0, 3.0, 4.0])
        .n("mm", "MatMul", &["a", "b"], &["ab"], vec![])
        .n("relu", "Relu", &["ab"], &["r"], vec![])
        .n("add", "Add", &["x", "r"], &["y"], vec![])
        .output("y");
    assert_eq!(folded_operand(m, "r"), [7.0, 10.0]);
}

#[test]
fn reduce_mean_on_constant() {
    let m = M::new(18)
        .input("x", &[2, 1])
        .init_f32("d", &[2, 2], &[1.0, 3.0, 5.0, 7.0])
        .init_i64("ax", &[1], &[1])
        .n("rm", "ReduceMean", &["d", "ax"], &["m"], vec![])
        .n("add", "Add", &["x", "m"], &["y"], vec![])
        .output("y");
    assert_eq!(folded_operand(m, "m"), [2.0, 6.0]);
}

/// ReduceL2 and ReduceMax of constants (no longer fold-only ops) still fold; Max of a
/// NaN is NaN, as at run time.
#[test]
fn reduce_l2_and_max_on_constant() {
    for (op, want) in [("ReduceL2", 5.0), ("ReduceMax", 4.0)] {
        let m = M::new(18)
            .input("x", &[2])
            .init_f32("d", &[2, 2], &[3.0, f32::NAN, 4.0, 1.0])
            .init_i64("ax", &[1], &[0])
            .n("r", op, &["d", "ax"], &["m"], vec![ai("keepdims", 0)])
            .n("add", "Add", &["x", "m"], &["y"], vec![])
            .output("y");
        let got = folded_operand(m, "m");
        assert_eq!(got[0], want, "{op}");
        assert!(got[1].is_nan(), "{op}: {got:?}");
    }
}

#[test]
fn activation_only_used_by_shape_is_dropped() {
    let g = M::new(13)
        .input("x", &[1, 8])
        .n("side", "Sigmoid", &["x"], &["s"], vec![])
        .n("shape", "Shape", &["s"], &["sh"], vec![])
        .n("rs", "Reshape", &["x", "sh"], &["r"], vec![])
        .n("relu", "Relu", &["r"], &["y"], vec![])
        .output("y")
        .ok();
    let names: Vec<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["relu"]);
    no_int_or_unused_tensors(&g);
}

#[test]
fn bool_and_int32_initializers_fold() {
    let b = TensorProto {
        name: Some("mask".into()),
        dims: vec![2],
        data_type: Some(DataType::Bool as i32),
        raw_data: Some(vec![1, 0]),
        ..Default::default()
    };
    let i32t = TensorProto {
        name: Some("vals".into()),
        dims: vec![2],
        data_type: Some(DataType::Int32 as i32),
        int32_data: vec![-3, 9],
        ..Default::default()
    };
    let m = M::new(13)
        .input("x", &[2])
        .init(b)
        .init(i32t)
        .init_f32("alt", &[2], &[0.5, 0.5])
        .n("cf", "Cast", &["vals"], &["vf"], vec![ai("to", 1)])
        .n("wh", "Where", &["mask", "vf", "alt"], &["w"], vec![])
        .n("add", "Add", &["x", "w"], &["y"], vec![])
        .output("y");
    assert_eq!(folded_operand(m, "w"), [-3.0, 0.5]);
}

#[test]
fn batched_matmul_and_gemm_on_constants() {
    // [2, 1, 2] x [2, 2] -> [2, 1, 2]
    let m = M::new(13)
        .input("x", &[2, 1, 2])
        .init_f32("a", &[2, 1, 2], &[1.0, 2.0, 3.0, 4.0])
        .init_f32("b", &[2, 2], &[1.0, 0.0, 1.0, 1.0])
        .n("mm", "MatMul", &["a", "b"], &["ab"], vec![])
        .n("add", "Add", &["x", "ab"], &["y"], vec![])
        .output("y");
    assert_eq!(folded_operand(m, "ab"), [3.0, 2.0, 7.0, 4.0]);
    // alpha * A' B + beta * C, C broadcast along rows.
    let m = M::new(13)
        .input("x", &[2, 2])
        .init_f32("a", &[2, 2], &[1.0, 2.0, 3.0, 4.0])
        .init_f32("b", &[2, 2], &[1.0, 0.0, 0.0, 1.0])
        .init_f32("c", &[2], &[10.0, 20.0])
        .n(
            "gemm",
            "Gemm",
            &["a", "b", "c"],
            &["ab"],
            vec![ai("transA", 1), af("alpha", 2.0), af("beta", 0.5)],
        )
        .n("add", "Add", &["x", "ab"], &["y"], vec![])
        .output("y");
    assert_eq!(folded_operand(m, "ab"), [7.0, 16.0, 9.0, 18.0]);
}
