//! Op translation and shape inference of the ONNX loader, on models built in code.

#[path = "load_ops/layer_norm_stats.rs"]
mod layer_norm_stats;
mod load_support;
#[path = "load_ops/masks.rs"]
mod masks;
#[path = "load_ops/reduce.rs"]
mod reduce;
#[path = "load_ops/rnn.rs"]
mod rnn;
#[path = "load_ops/softplus_beta.rs"]
mod softplus_beta;

use load_support::*;
use tinymtl_codegen::ir::{BinaryOp, ConvAttrs, Op, PoolAttrs, PoolKind, TensorKind, UnaryOp};

#[test]
fn gemm_trans_b_with_broadcast_bias() {
    let g = M::new(17)
        .input("x", &[2, 8])
        .weights("w", &[4, 8])
        .weights("b", &[4])
        .n(
            "fc",
            "Gemm",
            &["x", "w", "b"],
            &["y"],
            vec![ai("transB", 1), af("alpha", 0.5)],
        )
        .output("y")
        .ok();
    let n = only_node(&g);
    assert_eq!(
        n.op,
        Op::Gemm {
            alpha: 0.5,
            beta: 1.0,
            trans_a: false,
            trans_b: true
        }
    );
    assert_eq!(n.name, "fc");
    assert_eq!(n.op_type, "Gemm");
    assert_eq!(input_names(&g, n), ["x", "w", "b"]);
    assert_eq!(out_shape(&g, 0), [2, 4]);
    assert_eq!(
        tensor(&g, "w").kind,
        TensorKind::Const((0..32).map(|i| i as f32 * 0.1).collect())
    );
    assert_eq!(g.tensors[g.inputs[0]].kind, TensorKind::Input);
}

#[test]
fn gemm_without_c() {
    let g = M::new(13)
        .input("x", &[3, 8])
        .weights("w", &[8, 5])
        .n("", "Gemm", &["x", "w"], &["y"], vec![])
        .output("y")
        .ok();
    let n = only_node(&g);
    assert_eq!(n.inputs.len(), 2);
    assert_eq!(n.name, "Gemm_0");
    assert_eq!(out_shape(&g, 0), [3, 5]);
}

#[test]
fn matmul_shapes() {
    for (a, b, out) in [
        (vec![1, 8], vec![8, 3], vec![1, 3]),
        (vec![8], vec![8, 3], vec![3]),
        (vec![2, 4, 8], vec![8, 3], vec![2, 4, 3]),
        (vec![1, 4, 8], vec![2, 8, 1], vec![2, 4, 1]),
    ] {
        let g = M::new(13)
            .input("a", &a)
            .input("b", &b)
            .n("mm", "MatMul", &["a", "b"], &["y"], vec![])
            .output("y")
            .ok();
        assert_eq!(only_node(&g).op, Op::MatMul);
        assert_eq!(
            out_shape(&g, 0),
            out.iter().map(|&d| d as usize).collect::<Vec<_>>()
        );
    }
}

#[test]
fn binary_ops_broadcast() {
    for (op, bop) in [
        ("Add", BinaryOp::Add),
        ("Sub", BinaryOp::Sub),
        ("Mul", BinaryOp::Mul),
        ("Div", BinaryOp::Div),
        ("Pow", BinaryOp::Pow),
    ] {
        let g = M::new(13)
            .input("x", &[1, 3, 4, 4])
            .weights("c", &[3, 1, 1])
            .n("b", op, &["x", "c"], &["y"], vec![])
            .output("y")
            .ok();
        assert_eq!(only_node(&g).op, Op::Binary(bop));
        assert_eq!(out_shape(&g, 0), [1, 3, 4, 4]);
    }
    // Both operands activations, broadcasting both ways.
    let g = M::new(13)
        .input("a", &[4, 1])
        .input("b", &[1, 5])
        .n("add", "Add", &["a", "b"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [4, 5]);
}

#[test]
fn pow_with_integer_exponent() {
    let g = M::new(13)
        .input("x", &[2, 3])
        .init_i64("two", &[], &[2])
        .n("p", "Pow", &["x", "two"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(tensor(&g, "two").kind, TensorKind::Const(vec![2.0]));
}

#[test]
fn unary_ops_with_defaults_and_attributes() {
    let cases: Vec<(&str, Vec<_>, UnaryOp)> = vec![
        ("Relu", vec![], UnaryOp::Relu),
        ("LeakyRelu", vec![], UnaryOp::LeakyRelu { alpha: 0.01 }),
        (
            "LeakyRelu",
            vec![af("alpha", 0.2)],
            UnaryOp::LeakyRelu { alpha: 0.2 },
        ),
        ("Sigmoid", vec![], UnaryOp::Sigmoid),
        ("Tanh", vec![], UnaryOp::Tanh),
        (
            "HardSigmoid",
            vec![],
            UnaryOp::HardSigmoid {
                alpha: 0.2,
                beta: 0.5,
            },
        ),
        (
            "HardSigmoid",
            vec![af("alpha", 1.0 / 6.0)],
            UnaryOp::HardSigmoid {
                alpha: 1.0 / 6.0,
                beta: 0.5,
            },
        ),
        ("HardSwish", vec![], UnaryOp::HardSwish),
        ("Elu", vec![], UnaryOp::Elu { alpha: 1.0 }),
        ("Gelu", vec![], UnaryOp::Gelu { tanh: false }),
        (
            "Gelu",
            vec![as_("approximate", "tanh")],
            UnaryOp::Gelu { tanh: true },
        ),
        ("Sqrt", vec![], UnaryOp::Sqrt),
        (
            "Clip",
            vec![],
            UnaryOp::Clip {
                min: f32::NEG_INFINITY,
                max: f32::INFINITY,
            },
        ),
    ];
    for (op, attrs, want) in cases {
        let g = M::new(20)
            .input("x", &[1, 7])
            .n("u", op, &["x"], &["y"], attrs)
            .output("y")
            .ok();
        assert_eq!(only_node(&g).op, Op::Unary(want), "{op}");
        assert_eq!(out_shape(&g, 0), [1, 7]);
    }
}

#[test]
fn clip_bounds_from_inputs() {
    let g = M::new(13)
        .input("x", &[1, 7])
        .init_f32("lo", &[], &[0.0])
        .init_f32("hi", &[], &[6.0])
        .n("c", "Clip", &["x", "lo", "hi"], &["y"], vec![])
        .n("c2", "Clip", &["y", "", "hi"], &["z"], vec![])
        .output("z")
        .ok();
    assert_eq!(
        node_named(&g, "c").op,
        Op::Unary(UnaryOp::Clip { min: 0.0, max: 6.0 })
    );
    assert_eq!(
        node_named(&g, "c2").op,
        Op::Unary(UnaryOp::Clip {
            min: f32::NEG_INFINITY,
            max: 6.0
        })
    );
    // Bounds are attributes of the op, not inputs.
    assert_eq!(node_named(&g, "c").inputs.len(), 1);
}

fn conv_model(x: &[i64], w: &[i64], attrs: Vec<tinymtl_codegen::load::onnx::AttributeProto>) -> M {
    M::new(13)
        .input("x", x)
        .weights("w", w)
        .weights("b", &[w[0]])
        .n("conv", "Conv", &["x", "w", "b"], &["y"], attrs)
        .output("y")
}

fn conv_attrs(g: &tinymtl_codegen::ir::Graph) -> ConvAttrs {
    match &only_node(g).op {
        Op::Conv(c) => c.clone(),
        op => panic!("not a conv: {op:?}"),
    }
}

#[test]
fn conv_2d_explicit_pads_strides_and_inferred_kernel() {
    let g = conv_model(
        &[1, 3, 16, 12],
        &[8, 3, 3, 5],
        vec![ais("pads", &[1, 2, 1, 2]), ais("strides", &[2, 2])],
    )
    .ok();
    assert_eq!(
        conv_attrs(&g),
        ConvAttrs {
            kernel: vec![3, 5],
            strides: vec![2, 2],
            pads: vec![1, 2, 1, 2],
            dilations: vec![1, 1],
            group: 1
        }
    );
    assert_eq!(out_shape(&g, 0), [1, 8, 8, 6]);
}

#[test]
fn conv_auto_pad_modes() {
    let same_upper = conv_model(
        &[1, 2, 5, 5],
        &[4, 2, 2, 2],
        vec![as_("auto_pad", "SAME_UPPER")],
    )
    .ok();
    assert_eq!(conv_attrs(&same_upper).pads, [0, 0, 1, 1]);
    assert_eq!(out_shape(&same_upper, 0), [1, 4, 5, 5]);
    let same_lower = conv_model(
        &[1, 2, 5, 5],
        &[4, 2, 2, 2],
        vec![as_("auto_pad", "SAME_LOWER")],
    )
    .ok();
    assert_eq!(conv_attrs(&same_lower).pads, [1, 1, 0, 0]);
    let strided = conv_model(
        &[1, 2, 10, 10],
        &[4, 2, 3, 3],
        vec![as_("auto_pad", "SAME_UPPER"), ais("strides", &[2, 2])],
    )
    .ok();
    assert_eq!(conv_attrs(&strided).pads, [0, 0, 1, 1]);
    assert_eq!(out_shape(&strided, 0), [1, 4, 5, 5]);
    let valid = conv_model(&[1, 2, 5, 5], &[4, 2, 3, 3], vec![as_("auto_pad", "VALID")]).ok();
    assert_eq!(conv_attrs(&valid).pads, [0, 0, 0, 0]);
    assert_eq!(out_shape(&valid, 0), [1, 4, 3, 3]);
}

#[test]
fn conv_1d_dilated_and_depthwise() {
    let g = conv_model(
        &[1, 6, 32],
        &[6, 1, 3],
        vec![
            ai("group", 6),
            ais("dilations", &[2]),
            ais("pads", &[2, 2]),
            ais("kernel_shape", &[3]),
        ],
    )
    .ok();
    let c = conv_attrs(&g);
    assert_eq!(
        (c.group, c.dilations.clone(), c.kernel.clone()),
        (6, vec![2], vec![3])
    );
    assert_eq!(out_shape(&g, 0), [1, 6, 32]);
}

#[test]
fn conv_without_bias() {
    let g = M::new(13)
        .input("x", &[1, 2, 4, 4])
        .weights("w", &[3, 2, 1, 1])
        .n("conv", "Conv", &["x", "w"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(only_node(&g).inputs.len(), 2);
    assert_eq!(out_shape(&g, 0), [1, 3, 4, 4]);
}

#[test]
fn batch_norm_inference() {
    let g = M::new(15)
        .input("x", &[1, 4, 3, 3])
        .weights("s", &[4])
        .weights("b", &[4])
        .weights("m", &[4])
        .weights("v", &[4])
        .n(
            "bn",
            "BatchNormalization",
            &["x", "s", "b", "m", "v"],
            &["y"],
            vec![af("epsilon", 1e-3), af("momentum", 0.9)],
        )
        .output("y")
        .ok();
    let n = only_node(&g);
    assert_eq!(n.op, Op::BatchNorm { epsilon: 1e-3 });
    assert_eq!(input_names(&g, n), ["x", "s", "b", "m", "v"]);
    assert_eq!(out_shape(&g, 0), [1, 4, 3, 3]);
}

#[test]
fn softmax_axis_semantics() {
    let g = M::new(13)
        .input("x", &[2, 3, 5])
        .n("s", "Softmax", &["x"], &["y"], vec![])
        .n("l", "LogSoftmax", &["x"], &["z"], vec![ai("axis", -2)])
        .output("y")
        .output("z")
        .ok();
    assert_eq!(
        node_named(&g, "s").op,
        Op::Softmax {
            axis: 2,
            log: false
        }
    );
    assert_eq!(node_named(&g, "l").op, Op::Softmax { axis: 1, log: true });
}

#[test]
fn softmax_before_opset_13_is_coerced_when_equivalent() {
    // Default axis 1 on a 2-D input: the last axis.
    let g = M::new(11)
        .input("x", &[1, 10])
        .n("s", "Softmax", &["x"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(
        only_node(&g).op,
        Op::Softmax {
            axis: 1,
            log: false
        }
    );
    // Axis 1 on [1, 10, 1, 1]: the dims after the axis are 1.
    let g = M::new(12)
        .input("x", &[1, 10, 1, 1])
        .n("s", "LogSoftmax", &["x"], &["y"], vec![ai("axis", 1)])
        .output("y")
        .ok();
    assert_eq!(only_node(&g).op, Op::Softmax { axis: 1, log: true });
    // Axis 1 on [2, 1, 6]: the only dim > 1 among the flattened ones is 2.
    let g = M::new(11)
        .input("x", &[2, 1, 6])
        .n("s", "Softmax", &["x"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(
        only_node(&g).op,
        Op::Softmax {
            axis: 2,
            log: false
        }
    );
}

#[test]
fn pools() {
    let g = M::new(13)
        .input("x", &[1, 2, 5, 5])
        .n(
            "mp",
            "MaxPool",
            &["x"],
            &["y"],
            vec![
                ais("kernel_shape", &[2, 2]),
                ais("strides", &[2, 2]),
                ai("ceil_mode", 1),
            ],
        )
        .n(
            "ap",
            "AveragePool",
            &["x"],
            &["z"],
            vec![
                ais("kernel_shape", &[3, 3]),
                ais("pads", &[1, 1, 1, 1]),
                ai("count_include_pad", 1),
            ],
        )
        .n("gap", "GlobalAveragePool", &["x"], &["w"], vec![])
        .output("y")
        .output("z")
        .output("w")
        .ok();
    assert_eq!(
        node_named(&g, "mp").op,
        Op::Pool(PoolAttrs {
            kind: PoolKind::Max,
            kernel: vec![2, 2],
            strides: vec![2, 2],
            pads: vec![0; 4],
            dilations: vec![1, 1],
            ceil_mode: true,
            count_include_pad: false
        })
    );
    assert_eq!(out_shape(&g, 0), [1, 2, 3, 3]);
    match &node_named(&g, "ap").op {
        Op::Pool(p) => {
            assert_eq!(p.kind, PoolKind::Average);
            assert!(p.count_include_pad);
            assert_eq!(p.strides, [1, 1]);
        }
        op => panic!("{op:?}"),
    }
    assert_eq!(out_shape(&g, 1), [1, 2, 5, 5]);
    assert_eq!(node_named(&g, "gap").op, Op::GlobalAveragePool);
    assert_eq!(out_shape(&g, 2), [1, 2, 1, 1]);
}

#[test]
fn maxpool_1d() {
    let g = M::new(13)
        .input("x", &[1, 4, 9])
        .n(
            "mp",
            "MaxPool",
            &["x"],
            &["y"],
            vec![ais("kernel_shape", &[3]), ais("strides", &[2])],
        )
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [1, 4, 4]);
}

#[test]
fn layer_norm() {
    let g = M::new(17)
        .input("x", &[1, 4, 8])
        .weights("s", &[8])
        .weights("b", &[8])
        .n(
            "ln",
            "LayerNormalization",
            &["x", "s", "b"],
            &["y", "", ""],
            vec![af("epsilon", 1e-6), ai("stash_type", 1)],
        )
        .output("y")
        .ok();
    assert_eq!(
        only_node(&g).op,
        Op::LayerNorm {
            axis: 2,
            epsilon: 1e-6
        }
    );
    assert_eq!(out_shape(&g, 0), [1, 4, 8]);

    let g = M::new(17)
        .input("x", &[1, 4, 8])
        .weights("s", &[4, 8])
        .n(
            "ln",
            "LayerNormalization",
            &["x", "s"],
            &["y", "mean", "inv"],
            vec![ai("axis", 1)],
        )
        .output("y")
        .ok();
    assert_eq!(
        only_node(&g).op,
        Op::LayerNorm {
            axis: 1,
            epsilon: 1e-5
        }
    );
    assert_eq!(only_node(&g).inputs.len(), 2);
}

#[test]
fn reshape_family_becomes_reshape() {
    let g = M::new(13)
        .input("x", &[2, 3, 4])
        .n("f", "Flatten", &["x"], &["f"], vec![])
        .init_i64("shape", &[3], &[0, -1, 2])
        .n("r", "Reshape", &["x", "shape"], &["r"], vec![])
        .init_i64("ax", &[2], &[0, -1])
        .n("u", "Unsqueeze", &["x", "ax"], &["u"], vec![])
        .n("s", "Squeeze", &["u"], &["s"], vec![])
        .n("f0", "Flatten", &["x"], &["f0"], vec![ai("axis", 0)])
        .n("fm", "Flatten", &["x"], &["fm"], vec![ai("axis", -1)])
        .output("f")
        .output("r")
        .output("u")
        .output("f0")
        .output("fm")
        .output("s")
        .ok();
    for n in &g.nodes {
        assert_eq!(n.op, Op::Reshape, "{}", n.name);
    }
    let shapes: Vec<Vec<usize>> = (0..6).map(|i| out_shape(&g, i)).collect();
    assert_eq!(
        shapes,
        vec![
            vec![2, 12],
            vec![2, 6, 2],
            vec![1, 2, 3, 4, 1],
            vec![1, 24],
            vec![6, 4],
            vec![2, 3, 4],
        ]
    );
    // Reshape/Unsqueeze take only the data input.
    assert_eq!(node_named(&g, "r").inputs.len(), 1);
    assert_eq!(node_named(&g, "u").inputs.len(), 1);
}

#[test]
fn squeeze_unsqueeze_axes_attribute_before_opset_13() {
    let g = M::new(11)
        .input("x", &[1, 3, 1, 4])
        .n("s", "Squeeze", &["x"], &["s"], vec![ais("axes", &[0])])
        .n("u", "Unsqueeze", &["s"], &["u"], vec![ais("axes", &[-1])])
        .output("u")
        .ok();
    assert_eq!(tensor(&g, "s").shape, [3, 1, 4]);
    assert_eq!(out_shape(&g, 0), [3, 1, 4, 1]);
}

#[test]
fn reshape_allowzero() {
    let g = M::new(14)
        .input("x", &[2, 3])
        .init_i64("shape", &[2], &[3, 2])
        .n(
            "r",
            "Reshape",
            &["x", "shape"],
            &["y"],
            vec![ai("allowzero", 1)],
        )
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [3, 2]);
}

#[test]
fn transpose_and_concat() {
    let g = M::new(13)
        .input("a", &[1, 2, 3])
        .input("b", &[1, 4, 3])
        .n("t", "Transpose", &["a"], &["t"], vec![])
        .n(
            "t2",
            "Transpose",
            &["a"],
            &["t2"],
            vec![ais("perm", &[0, 2, 1])],
        )
        .weights("c", &[1, 1, 3])
        .n(
            "cat",
            "Concat",
            &["a", "b", "c"],
            &["cat"],
            vec![ai("axis", -2)],
        )
        .output("t")
        .output("t2")
        .output("cat")
        .ok();
    assert_eq!(
        node_named(&g, "t").op,
        Op::Transpose {
            perm: vec![2, 1, 0]
        }
    );
    assert_eq!(out_shape(&g, 0), [3, 2, 1]);
    assert_eq!(out_shape(&g, 1), [1, 3, 2]);
    let cat = node_named(&g, "cat");
    assert_eq!(cat.op, Op::Concat { axis: 1 });
    assert_eq!(input_names(&g, cat), ["a", "b", "c"]);
    assert_eq!(out_shape(&g, 2), [1, 7, 3]);
}

#[test]
fn identity_and_float_cast_are_removed() {
    let g = M::new(13)
        .input("x", &[1, 4])
        .n("id", "Identity", &["x"], &["i"], vec![])
        .n("cast", "Cast", &["i"], &["c"], vec![ai("to", 10)]) // to FLOAT16
        .n("cast2", "Cast", &["c"], &["c2"], vec![ai("to", 1)])
        .n("relu", "Relu", &["c2"], &["y"], vec![])
        .output("y")
        .ok();
    let n = only_node(&g);
    assert_eq!(n.op, Op::Unary(UnaryOp::Relu));
    assert_eq!(input_names(&g, n), ["x"]);
}

#[test]
fn identity_output_keeps_its_name() {
    let g = M::new(13)
        .input("x", &[1, 4])
        .n("relu", "Relu", &["x"], &["r"], vec![])
        .n("id", "Identity", &["r"], &["head:0"], vec![])
        .n("id2", "Identity", &["x"], &["copy"], vec![])
        .output("head:0")
        .output("r")
        .output("copy")
        .ok();
    let names: Vec<&str> = g
        .outputs
        .iter()
        .map(|&o| g.tensors[o].name.as_str())
        .collect();
    assert_eq!(names, ["head:0", "r", "copy"]);
    let id = node_named(&g, "id");
    assert_eq!(id.op, Op::Reshape);
    assert_eq!(id.op_type, "Identity");
    assert_eq!(input_names(&g, id), ["r"]);
    assert_eq!(out_shape(&g, 0), [1, 4]);
    assert_eq!(input_names(&g, node_named(&g, "id2")), ["x"]);
}

#[test]
fn nodes_are_topologically_sorted() {
    // Nodes listed in reverse order in the file.
    let g = M::new(13)
        .input("x", &[1, 4])
        .n("second", "Sigmoid", &["a"], &["y"], vec![])
        .n("first", "Relu", &["x"], &["a"], vec![])
        .output("y")
        .ok();
    let names: Vec<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["first", "second"]);
}

#[test]
fn dead_nodes_are_dropped_and_tensors_compacted() {
    let g = M::new(13)
        .input("x", &[1, 4])
        .weights("unused_w", &[4, 4])
        .n("dead", "MatMul", &["x", "unused_w"], &["d"], vec![])
        .n("dead2", "SomeUnknownOp", &["d"], &["d2"], vec![])
        .n("live", "Relu", &["x"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(g.nodes.len(), 1);
    assert_eq!(g.tensors.len(), 2);
    assert!(g.tensors.iter().all(|t| t.name != "unused_w"));
    assert_eq!(g.nodes[0].inputs, [g.inputs[0]]);
    assert_eq!(g.nodes[0].outputs, [g.outputs[0]]);
}

#[test]
fn a_leading_symbolic_dim_is_the_batch_other_symbolic_dims_need_a_size() {
    use tinymtl_codegen::load::load_bytes_with;
    let model = |time: Dim| {
        M::new(13)
            .input_vi(value_info(
                "x",
                tinymtl_codegen::load::onnx::tensor_proto::DataType::Float,
                Some(&[Dim::P("unk__8"), Dim::V(6), time]),
            ))
            .n("r", "Relu", &["x"], &["Identity:0"], vec![])
            .output_dims("Identity:0", &[Dim::P("batch"), Dim::V(6), Dim::P("s0")])
    };
    // Only the batch is symbolic: it is 1.
    let g = model(Dim::V(5)).ok();
    assert_eq!(g.tensors[g.inputs[0]].shape, [1, 6, 5]);
    // A symbolic time axis is never silently 1: the error names the dim and the flag.
    for time in [Dim::P("time"), Dim::Missing] {
        let e = model(time).err();
        assert_err(
            &e,
            &["tensor 'x'", "dim 2", "symbolic", "--input-shape x=1,6,N"],
        );
    }
    assert!(model(Dim::P("time")).err().to_string().contains("('time')"));
    // Given, it is used (for the batch too); the output's symbolic dims follow.
    let bytes = model(Dim::P("time")).bytes();
    let path = std::path::Path::new(FILE);
    let g = load_bytes_with(&bytes, path, &[("x".into(), vec![1, 6, 100])]).unwrap();
    assert_eq!(g.tensors[g.inputs[0]].shape, [1, 6, 100]);
    assert_eq!(out_shape(&g, 0), [1, 6, 100]);
    // Sizes that disagree with the file, the wrong rank or an unknown input: refused.
    for (name, shape, needle) in [
        ("x", vec![1, 7, 100], "the file fixes it to 6"),
        ("x", vec![1, 6], "gives 2 dims, the input has rank 3"),
        ("x", vec![1, 6, 0], "size 0"),
        ("y", vec![1, 6, 100], "names no graph input (inputs: 'x')"),
    ] {
        let e = load_bytes_with(&bytes, path, &[(name.into(), shape)]).unwrap_err();
        assert_err(&e, &[needle]);
    }
}

#[test]
fn initializer_listed_as_input_is_a_constant() {
    let g = M::new(13)
        .input("x", &[1, 4])
        .input("w", &[4, 2])
        .weights("w", &[4, 2])
        .n("mm", "MatMul", &["x", "w"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(g.inputs.len(), 1);
    assert!(matches!(tensor(&g, "w").kind, TensorKind::Const(_)));
}

#[test]
fn tied_weights_are_shared() {
    let g = M::new(13)
        .input("x", &[1, 4])
        .weights("w", &[4, 4])
        .n("alias", "Identity", &["w"], &["w2"], vec![])
        .n("mm1", "MatMul", &["x", "w"], &["a"], vec![])
        .n("mm2", "MatMul", &["a", "w2"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(g.nodes[0].inputs[1], g.nodes[1].inputs[1]);
    assert_eq!(g.tensors.len(), 4);
}

#[test]
fn multiple_inputs_and_outputs_in_file_order() {
    let g = M::new(13)
        .input("b", &[1, 2])
        .input("a", &[1, 3])
        .n("ra", "Relu", &["a"], &["ya"], vec![])
        .n("rb", "Relu", &["b"], &["yb"], vec![])
        .output("yb")
        .output("ya")
        .ok();
    let ins: Vec<&str> = g
        .inputs
        .iter()
        .map(|&i| g.tensors[i].name.as_str())
        .collect();
    let outs: Vec<&str> = g
        .outputs
        .iter()
        .map(|&i| g.tensors[i].name.as_str())
        .collect();
    assert_eq!(ins, ["b", "a"]);
    assert_eq!(outs, ["yb", "ya"]);
}

#[test]
fn float16_double_and_bfloat16_initializers_become_f32() {
    use tinymtl_codegen::load::onnx::tensor_proto::DataType;
    use tinymtl_codegen::load::onnx::TensorProto;
    let h = |v: f32| half::f16::from_f32(v).to_bits();
    let f16_raw = TensorProto {
        name: Some("h_raw".into()),
        dims: vec![2],
        data_type: Some(DataType::Float16 as i32),
        raw_data: Some(
            [h(1.5), h(-2.0)]
                .iter()
                .flat_map(|b| b.to_le_bytes())
                .collect(),
        ),
        ..Default::default()
    };
    let f16_i32 = TensorProto {
        name: Some("h_i32".into()),
        dims: vec![2],
        data_type: Some(DataType::Float16 as i32),
        int32_data: vec![i32::from(h(0.5)), i32::from(h(3.0))],
        ..Default::default()
    };
    let dbl = TensorProto {
        name: Some("d".into()),
        dims: vec![2],
        data_type: Some(DataType::Double as i32),
        double_data: vec![0.25, 4.0],
        ..Default::default()
    };
    let bf = TensorProto {
        name: Some("bf".into()),
        dims: vec![2],
        data_type: Some(DataType::Bfloat16 as i32),
        raw_data: Some(
            [half::bf16::from_f32(1.0), half::bf16::from_f32(-8.0)]
                .iter()
                .flat_map(|b| b.to_le_bytes())
                .collect(),
        ),
        ..Default::default()
    };
    let raw = tensor_f32_raw("f_raw", &[2], &[7.0, 8.0]);
    let mut m = M::new(13).input("x", &[1, 2]);
    let mut last = "x".to_string();
    for (i, t) in [f16_raw, f16_i32, dbl, bf, raw].into_iter().enumerate() {
        let name = t.name.clone().unwrap();
        let out = format!("y{i}");
        m = m
            .init(t)
            .n(&format!("add{i}"), "Add", &[&last, &name], &[&out], vec![]);
        last = out;
    }
    let g = m.output(&last).ok();
    let data = |n: &str| tensor(&g, n).data().unwrap().to_vec();
    assert_eq!(data("h_raw"), [1.5, -2.0]);
    assert_eq!(data("h_i32"), [0.5, 3.0]);
    assert_eq!(data("d"), [0.25, 4.0]);
    assert_eq!(data("bf"), [1.0, -8.0]);
    assert_eq!(data("f_raw"), [7.0, 8.0]);
}

#[test]
fn declared_shapes_that_agree_are_accepted() {
    let g = M::new(13)
        .input("x", &[1, 4])
        .n("r", "Relu", &["x"], &["a"], vec![])
        .value_info(value_info(
            "a",
            tinymtl_codegen::load::onnx::tensor_proto::DataType::Float,
            Some(&[Dim::P("batch"), Dim::V(4)]),
        ))
        .n("s", "Sigmoid", &["a"], &["y"], vec![])
        .output_dims("y", &[Dim::V(1), Dim::V(4)])
        .ok();
    assert_eq!(out_shape(&g, 0), [1, 4]);
}

#[test]
fn local_function_is_inlined() {
    use tinymtl_codegen::load::onnx::{FunctionProto, OperatorSetIdProto};
    let f = FunctionProto {
        name: Some("ScaledRelu".into()),
        domain: Some("custom.fn".into()),
        input: vec!["X".into()],
        output: vec!["Y".into()],
        attribute: vec!["alpha".into()],
        node: vec![
            node(
                "",
                "LeakyRelu",
                &["X"],
                &["T"],
                vec![{
                    let mut a = af("alpha", 0.0);
                    a.f = None;
                    a.ref_attr_name = Some("alpha".into());
                    a
                }],
            ),
            node("inner", "Relu", &["T"], &["Y"], vec![]),
        ],
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(17),
        }],
        ..Default::default()
    };
    let g = M::new(17)
        .opset_import("custom.fn", 1)
        .function(f)
        .input("x", &[1, 4])
        .node_proto({
            let mut n = node("call", "ScaledRelu", &["x"], &["y"], vec![af("alpha", 0.3)]);
            n.domain = Some("custom.fn".into());
            n
        })
        .output("y")
        .ok();
    let names: Vec<&str> = g.nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["call/LeakyRelu_0", "call/inner"]);
    assert_eq!(g.nodes[0].op, Op::Unary(UnaryOp::LeakyRelu { alpha: 0.3 }));
    assert_eq!(out_shape(&g, 0), [1, 4]);
    assert_eq!(g.tensors[g.outputs[0]].name, "y");
}

#[test]
fn zero_pad_is_merged_into_conv_and_average_pool() {
    let g = M::new(13)
        .input("x", &[1, 2, 5, 5])
        .init_i64("pads", &[8], &[0, 0, 1, 0, 0, 0, 2, 1])
        .n("pad", "Pad", &["x", "pads"], &["p"], vec![])
        .weights("w", &[4, 2, 3, 3])
        .n(
            "conv",
            "Conv",
            &["p", "w"],
            &["y"],
            vec![ais("pads", &[1, 1, 1, 1])],
        )
        .output("y")
        .ok();
    let n = only_node(&g);
    assert_eq!(input_names(&g, n), ["x", "w"]);
    match &n.op {
        Op::Conv(c) => assert_eq!(c.pads, [2, 1, 3, 2]),
        op => panic!("{op:?}"),
    }
    // Rows: 5 + (1 + 2) + (1 + 1) - 3 + 1 = 8; cols: 5 + (0 + 1) + (1 + 1) - 3 + 1 = 6.
    assert_eq!(out_shape(&g, 0), [1, 4, 8, 6]);

    // Pad (opset 18 axes input) + AveragePool: the padded zeros are counted.
    let g = M::new(18)
        .input("x", &[1, 2, 4])
        .init_i64("pads", &[2], &[1, 1])
        .init_i64("axes", &[1], &[-1])
        .init_f32("zero", &[], &[0.0])
        .n(
            "pad",
            "Pad",
            &["x", "pads", "zero", "axes"],
            &["p"],
            vec![as_("mode", "constant")],
        )
        .n(
            "ap",
            "AveragePool",
            &["p"],
            &["y"],
            vec![ais("kernel_shape", &[2]), ais("strides", &[2])],
        )
        .output("y")
        .ok();
    match &only_node(&g).op {
        Op::Pool(p) => {
            assert_eq!(p.pads, [1, 1]);
            assert!(p.count_include_pad);
        }
        op => panic!("{op:?}"),
    }
    assert_eq!(out_shape(&g, 0), [1, 2, 3]);
}

#[test]
fn pad_of_a_constant_is_folded() {
    let m = M::new(13)
        .input("x", &[2, 3])
        .init_f32("c", &[1, 2], &[1.0, 2.0])
        .init_i64("pads", &[4], &[1, 0, 0, 1])
        .init_f32("v", &[], &[9.0])
        .n("pad", "Pad", &["c", "pads", "v"], &["p"], vec![])
        .n("add", "Add", &["x", "p"], &["y"], vec![])
        .output("y");
    let g = m.ok();
    assert_eq!(
        tensor(&g, "p").data().unwrap(),
        [9.0, 9.0, 9.0, 1.0, 2.0, 9.0]
    );
}

#[test]
fn dropout_is_removed() {
    let g = M::new(13)
        .input("x", &[1, 4])
        .init_f32("ratio", &[], &[0.5])
        .n("drop", "Dropout", &["x", "ratio"], &["d", "mask"], vec![])
        .n("relu", "Relu", &["d"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(input_names(&g, only_node(&g)), ["x"]);
}

#[test]
fn dropout_10_ratio_attribute_is_accepted() {
    // Opset 11 resolves Dropout to Dropout-10, whose ratio is an attribute (ONNX
    // test_dropout_random_old); it only matters in training.
    let g = M::new(11)
        .input("x", &[1, 4])
        .n("drop", "Dropout", &["x"], &["d"], vec![af("ratio", 0.2)])
        .n("relu", "Relu", &["d"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(input_names(&g, only_node(&g)), ["x"]);
}

#[test]
fn dead_node_of_a_custom_domain_is_dropped() {
    let g = M::new(13)
        .opset_import("com.microsoft", 1)
        .input("x", &[1, 4])
        .node_proto({
            let mut n = node("debug", "FusedThing", &["x"], &["dbg"], vec![]);
            n.domain = Some("com.microsoft".into());
            n
        })
        .n("r", "Relu", &["x"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(only_node(&g).name, "r");
}

#[test]
fn softmax_before_opset_13_over_single_elements() {
    // axis = rank: rows of one element, the same as a softmax along a dim of size 1.
    let g = M::new(11)
        .input("x", &[3, 1])
        .n("s", "Softmax", &["x"], &["y"], vec![ai("axis", 2)])
        .output("y")
        .ok();
    assert_eq!(
        only_node(&g).op,
        Op::Softmax {
            axis: 1,
            log: false
        }
    );
}

/// `0.5 * x * (1 + erf(x / sqrt(2)))` in the three orders exporters write.
fn erf_gelu(variant: u8, one: f32) -> M {
    let m = M::new(17)
        .input("x", &[1, 8])
        .n("pre", "Relu", &["x"], &["h"], vec![])
        .n("div", "Div", &["h", "sqrt2"], &["d"], vec![])
        .n("erf", "Erf", &["d"], &["e"], vec![])
        .n("add", "Add", &["e", "one"], &["a"], vec![]);
    let m = match variant {
        0 => m.n("m1", "Mul", &["h", "a"], &["m"], vec![]).n(
            "m2",
            "Mul",
            &["m", "half"],
            &["y"],
            vec![],
        ),
        1 => m.n("hx", "Mul", &["half", "h"], &["hh"], vec![]).n(
            "m1",
            "Mul",
            &["a", "hh"],
            &["y"],
            vec![],
        ),
        _ => m.n("m1", "Mul", &["a", "half"], &["m"], vec![]).n(
            "m2",
            "Mul",
            &["h", "m"],
            &["y"],
            vec![],
        ),
    };
    // Constants after their consumers in the file, as Constant nodes and initializers.
    m.n(
        "c_sqrt2",
        "Constant",
        &[],
        &["sqrt2"],
        vec![at(
            "value",
            tensor_f32("", &[], &[std::f32::consts::SQRT_2]),
        )],
    )
    .n(
        "c_one",
        "Constant",
        &[],
        &["one"],
        vec![af("value_float", one)],
    )
    .init_f32("half", &[], &[0.5])
    .output("y")
}

#[test]
fn erf_gelu_is_recognized() {
    for variant in 0..3 {
        let g = erf_gelu(variant, 1.0).ok();
        let ops: Vec<&Op> = g.nodes.iter().map(|n| &n.op).collect();
        assert_eq!(
            ops,
            [
                &Op::Unary(UnaryOp::Relu),
                &Op::Unary(UnaryOp::Gelu { tanh: false })
            ],
            "variant {variant}"
        );
        let gelu = &g.nodes[1];
        assert_eq!((gelu.name.as_str(), gelu.op_type.as_str()), ("erf", "Erf"));
        assert_eq!(input_names(&g, gelu), ["h"]);
        assert_eq!(g.tensors[g.outputs[0]].name, "y");
    }
    // Not GELU (1 + erf replaced by 2 + erf): Erf runs on its own.
    let g = erf_gelu(0, 2.0).ok();
    assert_eq!(node_named(&g, "erf").op, Op::Unary(UnaryOp::Erf));
    assert!(g
        .nodes
        .iter()
        .all(|n| n.op != Op::Unary(UnaryOp::Gelu { tanh: false })));
}

#[test]
fn tf2onnx_style_channels_last_cnn() {
    use tinymtl_codegen::load::onnx::tensor_proto::DataType;
    let g = M::new(13)
        .input_vi(value_info(
            "input_1",
            DataType::Float,
            Some(&[Dim::P("unk__8"), Dim::V(8), Dim::V(8), Dim::V(1)]),
        ))
        .n(
            "model/conv/Conv2D__6",
            "Transpose",
            &["input_1"],
            &["model/conv/Conv2D__6:0"],
            vec![ais("perm", &[0, 3, 1, 2])],
        )
        .weights("model/conv/Conv2D/ReadVariableOp:0", &[4, 1, 3, 3])
        .weights("model/conv/BiasAdd/ReadVariableOp:0", &[4])
        .n(
            "model/conv/BiasAdd",
            "Conv",
            &[
                "model/conv/Conv2D__6:0",
                "model/conv/Conv2D/ReadVariableOp:0",
                "model/conv/BiasAdd/ReadVariableOp:0",
            ],
            &["model/conv/BiasAdd:0"],
            vec![
                as_("auto_pad", "SAME_UPPER"),
                ais("strides", &[2, 2]),
                ais("dilations", &[1, 1]),
            ],
        )
        .n(
            "model/conv/Relu",
            "Relu",
            &["model/conv/BiasAdd:0"],
            &["model/conv/Relu:0"],
            vec![],
        )
        .n(
            "model/conv/Relu__8",
            "Transpose",
            &["model/conv/Relu:0"],
            &["model/conv/Relu__8:0"],
            vec![ais("perm", &[0, 2, 3, 1])],
        )
        .n(
            "model/flatten/Shape",
            "Shape",
            &["model/conv/Relu__8:0"],
            &["model/flatten/Shape:0"],
            vec![],
        )
        .n(
            "model/flatten/Cast",
            "Cast",
            &["model/flatten/Shape:0"],
            &["model/flatten/Cast:0"],
            vec![ai("to", 6)],
        )
        .init_i64("const_starts__10", &[1], &[0])
        .init_i64("const_ends__11", &[1], &[1])
        .n(
            "model/flatten/strided_slice",
            "Slice",
            &["model/flatten/Cast:0", "const_starts__10", "const_ends__11"],
            &["model/flatten/strided_slice:0"],
            vec![],
        )
        .n(
            "model/flatten/Cast_1",
            "Cast",
            &["model/flatten/strided_slice:0"],
            &["bs"],
            vec![ai("to", 7)],
        )
        .init_i64("const_fold_opt__12", &[1], &[-1])
        .n(
            "model/flatten/Reshape/shape_Concat",
            "Concat",
            &["bs", "const_fold_opt__12"],
            &["model/flatten/Reshape/shape:0"],
            vec![ai("axis", 0)],
        )
        .n(
            "model/flatten/Reshape",
            "Reshape",
            &["model/conv/Relu__8:0", "model/flatten/Reshape/shape:0"],
            &["model/flatten/Reshape:0"],
            vec![],
        )
        .weights("model/dense/MatMul/ReadVariableOp:0", &[64, 3])
        .n(
            "model/dense/MatMul",
            "MatMul",
            &[
                "model/flatten/Reshape:0",
                "model/dense/MatMul/ReadVariableOp:0",
            ],
            &["model/dense/MatMul:0"],
            vec![],
        )
        .weights("model/dense/BiasAdd/ReadVariableOp:0", &[3])
        .n(
            "model/dense/BiasAdd",
            "Add",
            &[
                "model/dense/MatMul:0",
                "model/dense/BiasAdd/ReadVariableOp:0",
            ],
            &["model/dense/BiasAdd:0"],
            vec![],
        )
        .n(
            "model/dense/Softmax",
            "Softmax",
            &["model/dense/BiasAdd:0"],
            &["model/dense/Softmax:0"],
            vec![ai("axis", -1)],
        )
        .n(
            "Identity",
            "Identity",
            &["model/dense/Softmax:0"],
            &["Identity:0"],
            vec![],
        )
        .output_dims("Identity:0", &[Dim::P("unk__9"), Dim::V(3)])
        .ok();
    let ops: Vec<&str> = g.nodes.iter().map(|n| n.op_type.as_str()).collect();
    assert_eq!(
        ops,
        [
            "Transpose",
            "Conv",
            "Relu",
            "Transpose",
            "Reshape",
            "MatMul",
            "Add",
            "Softmax",
            "Identity"
        ]
    );
    assert_eq!(tensor(&g, "model/conv/Relu:0").shape, [1, 4, 4, 4]);
    assert_eq!(tensor(&g, "model/flatten/Reshape:0").shape, [1, 64]);
    assert_eq!(g.tensors[g.outputs[0]].name, "Identity:0");
    assert_eq!(out_shape(&g, 0), [1, 3]);
}

#[test]
fn slice_and_split_of_activations() {
    // Split into uneven equal parts (num_outputs, opset 18) and a stepped Slice.
    let g = M::new(18)
        .input("x", &[1, 7])
        .n(
            "sp",
            "Split",
            &["x"],
            &["a", "b"],
            vec![ai("axis", 1), ai("num_outputs", 2)],
        )
        .init_i64("st", &[1], &[1])
        .init_i64("en", &[1], &[7])
        .init_i64("ax", &[1], &[1])
        .init_i64("step", &[1], &[3])
        .n(
            "sl",
            "Slice",
            &["x", "st", "en", "ax", "step"],
            &["c"],
            vec![],
        )
        .output("a")
        .output("b")
        .output("c")
        .ok();
    let ops: Vec<(&str, &Op)> = g
        .nodes
        .iter()
        .map(|n| (g.tensors[n.outputs[0]].name.as_str(), &n.op))
        .collect();
    assert_eq!(
        ops,
        [
            (
                "a",
                &Op::Slice {
                    starts: vec![0, 0],
                    steps: vec![1, 1]
                }
            ),
            (
                "b",
                &Op::Slice {
                    starts: vec![0, 4],
                    steps: vec![1, 1]
                }
            ),
            (
                "c",
                &Op::Slice {
                    starts: vec![0, 1],
                    steps: vec![1, 3]
                }
            ),
        ]
    );
    let shapes: Vec<&[usize]> = g
        .outputs
        .iter()
        .map(|&t| g.tensors[t].shape.as_slice())
        .collect();
    assert_eq!(shapes, [&[1, 4][..], &[1, 3], &[1, 2]]);
    // Sizes that do not add up are refused, naming the node.
    let e = M::new(13)
        .input("x", &[1, 7])
        .init_i64("s", &[2], &[3, 3])
        .n(
            "bad_split",
            "Split",
            &["x", "s"],
            &["a", "b"],
            vec![ai("axis", 1)],
        )
        .output("a")
        .output("b")
        .load()
        .unwrap_err();
    assert!(
        e.to_string().contains("node 'bad_split' (Split)") && e.to_string().contains("[3, 3]"),
        "{e}"
    );
}
