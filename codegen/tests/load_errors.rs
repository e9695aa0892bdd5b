//! Refusals of the ONNX loader: each message names the file and the node/op or
//! tensor at fault.

mod load_support;

use std::path::Path;

use load_support::*;
use tinymtl_codegen::load::onnx::tensor_proto::DataType;
use tinymtl_codegen::load::{load, load_bytes};

fn relu_model() -> M {
    M::new(13)
        .input("x", &[1, 4])
        .n("r", "Relu", &["x"], &["y"], vec![])
        .output("y")
}

#[test]
fn empty_file() {
    let e = load_bytes(&[], Path::new(FILE)).unwrap_err();
    assert_err(&e, &["empty file"]);
}

#[test]
fn truncated_file() {
    let bytes = relu_model().bytes();
    let e = load_bytes(&bytes[..bytes.len() - 3], Path::new(FILE)).unwrap_err();
    assert_err(&e, &["not a valid ONNX model", "truncated"]);
}

#[test]
fn non_onnx_bytes() {
    let e = load_bytes(b"\x89PNG\r\n\x1a\n this is not a model", Path::new(FILE)).unwrap_err();
    assert_err(&e, &["ONNX"]);
    let e = load_bytes(b"hello world, plain text", Path::new(FILE)).unwrap_err();
    assert_err(&e, &["ONNX"]);
}

#[test]
fn missing_file() {
    let e = load(Path::new("/nonexistent/dir/model.onnx")).unwrap_err();
    assert!(e.to_string().contains("/nonexistent/dir/model.onnx"), "{e}");
}

#[test]
fn model_without_outputs() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("r", "Relu", &["x"], &["y"], vec![])
        .err();
    assert_err(&e, &["no outputs"]);
}

#[test]
fn old_opset() {
    let mut m = relu_model();
    m.model.opset_import[0].version = Some(9);
    assert_err(&m.err(), &["opset 9", "11"]);
}

#[test]
fn no_default_opset() {
    let mut m = relu_model();
    m.model.opset_import.clear();
    assert_err(&m.err(), &["opset"]);
}

#[test]
fn unsupported_op_lists_supported_ops() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("nms_1", "NonMaxSuppression", &["x"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(
        &e,
        "nms_1",
        "NonMaxSuppression",
        &["not supported", "Conv", "Gemm", "Softmax"],
    );
}

#[test]
fn custom_domain() {
    let e = M::new(13)
        .opset_import("com.microsoft", 1)
        .input("x", &[1, 4])
        .node_proto({
            let mut n = node("fg", "FastGelu", &["x"], &["y"], vec![]);
            n.domain = Some("com.microsoft".into());
            n
        })
        .output("y")
        .err();
    assert_node_err(&e, "fg", "FastGelu", &["com.microsoft"]);
}

#[test]
fn conv_with_pads_and_auto_pad() {
    let e = M::new(13)
        .input("x", &[1, 2, 8, 8])
        .weights("w", &[4, 2, 3, 3])
        .n(
            "conv0",
            "Conv",
            &["x", "w"],
            &["y"],
            vec![as_("auto_pad", "SAME_UPPER"), ais("pads", &[1, 1, 1, 1])],
        )
        .output("y")
        .err();
    assert_node_err(&e, "conv0", "Conv", &["pads", "auto_pad"]);
}

#[test]
fn bad_attribute_values() {
    let e = M::new(13)
        .input("x", &[1, 2, 8, 8])
        .weights("w", &[4, 2, 3, 3])
        .n(
            "conv0",
            "Conv",
            &["x", "w"],
            &["y"],
            vec![as_("auto_pad", "SAME")],
        )
        .output("y")
        .err();
    assert_node_err(&e, "conv0", "Conv", &["auto_pad", "SAME_UPPER"]);
    let e = M::new(20)
        .input("x", &[1, 4])
        .n(
            "g",
            "Gelu",
            &["x"],
            &["y"],
            vec![as_("approximate", "fast")],
        )
        .output("y")
        .err();
    assert_node_err(&e, "g", "Gelu", &["approximate", "fast", "tanh"]);
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("r", "Relu", &["x"], &["y"], vec![ai("mystery", 1)])
        .output("y")
        .err();
    assert_node_err(&e, "r", "Relu", &["mystery"]);
    let e = M::new(13)
        .input("x", &[1, 2, 4, 4])
        .n(
            "mp",
            "MaxPool",
            &["x"],
            &["y"],
            vec![ais("kernel_shape", &[2, 2]), ai("storage_order", 1)],
        )
        .output("y")
        .err();
    assert_node_err(&e, "mp", "MaxPool", &["storage_order"]);
}

#[test]
fn non_finite_activation_parameters() {
    // Found by fuzzing: a NaN Clip bound reached the emitter, which panicked.
    let e = M::new(13)
        .input("x", &[1, 4])
        .init_f32("lo", &[], &[f32::NAN])
        .n("clip", "Clip", &["x", "lo"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "clip", "Clip", &["NaN"]);
    for (op, attr) in [
        ("LeakyRelu", "alpha"),
        ("Elu", "alpha"),
        ("HardSigmoid", "beta"),
    ] {
        let e = M::new(13)
            .input("x", &[1, 4])
            .n("act", op, &["x"], &["y"], vec![af(attr, f32::INFINITY)])
            .output("y")
            .err();
        assert_node_err(&e, "act", op, &[attr, "finite"]);
    }
    let e = M::new(17)
        .input("x", &[1, 4])
        .init_f32("s", &[4], &[1.0; 4])
        .init_f32("b", &[4], &[0.0; 4])
        .n(
            "ln",
            "LayerNormalization",
            &["x", "s", "b"],
            &["y"],
            vec![af("epsilon", f32::NAN)],
        )
        .output("y")
        .err();
    assert_node_err(&e, "ln", "LayerNormalization", &["epsilon"]);
    // Infinite Clip bounds are no bounds: accepted.
    M::new(13)
        .input("x", &[1, 4])
        .init_f32("hi", &[], &[f32::INFINITY])
        .n("clip", "Clip", &["x", "", "hi"], &["y"], vec![])
        .output("y")
        .ok();
}

#[test]
fn conv_3d_is_refused() {
    let e = M::new(13)
        .input("x", &[1, 2, 4, 4, 4])
        .weights("w", &[4, 2, 3, 3, 3])
        .n("c3", "Conv", &["x", "w"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "c3", "Conv", &["1-D", "2-D"]);
}

#[test]
fn dangling_input() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("add", "Add", &["x", "ghost"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "add", "Add", &["ghost"]);
    assert_eq!(e.tensor.as_deref(), Some("ghost"));
}

#[test]
fn cycle() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("a", "Add", &["x", "c"], &["b"], vec![])
        .n("r", "Relu", &["b"], &["c"], vec![])
        .n("out", "Sigmoid", &["c"], &["y"], vec![])
        .output("y")
        .err();
    assert_err(&e, &["cycle", "'a'", "'r'"]);
    assert!(e.node.is_some());
}

#[test]
fn duplicate_output() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("r", "Relu", &["x"], &["y"], vec![])
        .output("y")
        .output("y")
        .err();
    assert_err(&e, &["'y'", "twice"]);
}

#[test]
fn tensor_produced_twice() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("r1", "Relu", &["x"], &["y"], vec![])
        .n("r2", "Sigmoid", &["x"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "r2", "Sigmoid", &["'y'", "r1"]);
}

#[test]
fn output_not_produced() {
    let e = relu_model().output("nowhere").err();
    assert_err(&e, &["'nowhere'", "not produced"]);
}

#[test]
fn training_mode_batch_norm() {
    let bn = |attrs, outs: &[&str]| {
        M::new(15)
            .input("x", &[1, 4, 3, 3])
            .weights("s", &[4])
            .weights("b", &[4])
            .weights("m", &[4])
            .weights("v", &[4])
            .n(
                "bn",
                "BatchNormalization",
                &["x", "s", "b", "m", "v"],
                outs,
                attrs,
            )
            .output("y")
            .err()
    };
    let e = bn(vec![ai("training_mode", 1)], &["y"]);
    assert_node_err(&e, "bn", "BatchNormalization", &["training_mode"]);
    let e = bn(vec![], &["y", "rm", "rv"]);
    assert_node_err(&e, "bn", "BatchNormalization", &["outputs"]);
}

#[test]
fn non_float_weights() {
    let e = M::new(13)
        .input("x", &[1, 2, 4, 4])
        .init_i64("w", &[4, 2, 1, 1], &[1; 8])
        .n("conv", "Conv", &["x", "w"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "conv", "Conv", &["INT64", "float"]);
    assert_eq!(e.tensor.as_deref(), Some("w"));
    let e = M::new(13)
        .input("x", &[1, 4])
        .init_i64("k", &[4], &[1, 2, 3, 4])
        .n("add", "Add", &["x", "k"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "add", "Add", &["INT64"]);
}

#[test]
fn computed_weights_are_refused() {
    let e = M::new(13)
        .input("x", &[1, 2, 4, 4])
        .input("w", &[4, 2, 1, 1])
        .n("conv", "Conv", &["x", "w"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "conv", "Conv", &["'w'", "constant"]);
}

#[test]
fn non_float_input() {
    let e = M::new(13)
        .input_vi(value_info("ids", DataType::Int64, Some(&dims_v(&[1, 4]))))
        .n("c", "Cast", &["ids"], &["f"], vec![ai("to", 1)])
        .n("r", "Relu", &["f"], &["y"], vec![])
        .output("y")
        .err();
    assert_err(&e, &["'ids'", "INT64", "float32"]);
}

#[test]
fn input_of_unknown_rank() {
    let e = M::new(13)
        .input_vi(value_info("x", DataType::Float, None))
        .n("r", "Relu", &["x"], &["y"], vec![])
        .output("y")
        .err();
    assert_err(&e, &["'x'", "rank"]);
}

#[test]
fn rank_above_six() {
    let e = M::new(13)
        .input("x", &[1, 2, 1, 2, 1, 2])
        .init_i64("ax", &[1], &[0])
        .n("u", "Unsqueeze", &["x", "ax"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "u", "Unsqueeze", &["rank 7"]);
}

#[test]
fn cast_of_activation_to_int() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("toint", "Cast", &["x"], &["i"], vec![ai("to", 7)])
        .n("back", "Cast", &["i"], &["y"], vec![ai("to", 1)])
        .output("y")
        .err();
    assert_node_err(&e, "toint", "Cast", &["INT64"]);
}

#[test]
fn shape_mismatches() {
    let e = M::new(13)
        .input("a", &[1, 4])
        .input("b", &[5, 3])
        .n("mm", "MatMul", &["a", "b"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "mm", "MatMul", &["[1, 4]", "[5, 3]"]);
    let e = M::new(13)
        .input("a", &[1, 4])
        .input("b", &[1, 3])
        .n("add", "Add", &["a", "b"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "add", "Add", &["broadcast", "[1, 4]", "[1, 3]"]);
    let e = M::new(13)
        .input("x", &[1, 3, 8, 8])
        .weights("w", &[4, 2, 3, 3])
        .n("conv", "Conv", &["x", "w"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "conv", "Conv", &["3 channels", "[4, 2, 3, 3]"]);
    let e = M::new(13)
        .input("a", &[1, 4, 2])
        .input("b", &[1, 3, 3])
        .n("cat", "Concat", &["a", "b"], &["y"], vec![ai("axis", 1)])
        .output("y")
        .err();
    assert_node_err(&e, "cat", "Concat", &["[1, 4, 2]", "[1, 3, 3]"]);
    let e = M::new(13)
        .input("x", &[1, 6])
        .weights("w", &[5, 3])
        .n("fc", "Gemm", &["x", "w"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "fc", "Gemm", &["[1, 6]", "[5, 3]"]);
    let e = M::new(13)
        .input("x", &[1, 2, 2, 2])
        .weights("w", &[4, 2, 3, 3])
        .n("conv", "Conv", &["x", "w"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "conv", "Conv", &["does not fit"]);
    let e = M::new(13)
        .input("x", &[2, 3])
        .init_i64("shape", &[2], &[4, 4])
        .n("rs", "Reshape", &["x", "shape"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "rs", "Reshape", &["[2, 3]", "[4, 4]"]);
}

#[test]
fn reshape_with_computed_shape() {
    let e = M::new(13)
        .input("x", &[2, 3])
        .input("s", &[2])
        .n("rs", "Reshape", &["x", "s"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "rs", "Reshape", &["'s'", "constant"]);
}

#[test]
fn softmax_opset_11_over_several_dims() {
    let e = M::new(11)
        .input("x", &[1, 3, 4])
        .n("sm", "Softmax", &["x"], &["y"], vec![ai("axis", 1)])
        .output("y")
        .err();
    assert_node_err(&e, "sm", "Softmax", &["opset 11", "[3, 4]", "13"]);
}

#[test]
fn fold_only_op_on_activation() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("f", "Floor", &["x"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "f", "Floor", &["computed at run time"]);
}

#[test]
fn declared_output_shape_disagrees() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("r", "Relu", &["x"], &["y"], vec![])
        .output_dims("y", &[Dim::P("batch"), Dim::V(5)])
        .err();
    assert_node_err(&e, "r", "Relu", &["[?, 5]", "[1, 4]"]);
    assert_eq!(e.tensor.as_deref(), Some("y"));
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("r", "Relu", &["x"], &["a"], vec![])
        .value_info(value_info("a", DataType::Float, Some(&dims_v(&[1, 4, 1]))))
        .n("s", "Sigmoid", &["a"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "r", "Relu", &["[1, 4, 1]"]);
}

#[test]
fn constant_or_passthrough_outputs() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .init_f32("c", &[2], &[1.0, 2.0])
        .n("r", "Relu", &["c"], &["y"], vec![])
        .n("rx", "Relu", &["x"], &["z"], vec![])
        .output("y")
        .output("z")
        .err();
    assert_err(&e, &["'y'", "constant"]);
    let e = M::new(13).input("x", &[1, 4]).output("x").err();
    assert_err(&e, &["'x'", "graph input"]);
}

#[test]
fn unused_extra_outputs_are_fine_but_used_ones_are_refused() {
    let e = M::new(13)
        .input("x", &[1, 2, 4, 4])
        .n(
            "mp",
            "MaxPool",
            &["x"],
            &["y", "idx"],
            vec![ais("kernel_shape", &[2, 2])],
        )
        .n("c", "Cast", &["idx"], &["f"], vec![ai("to", 1)])
        .output("y")
        .output("f")
        .err();
    assert_node_err(&e, "mp", "MaxPool", &["'idx'"]);
}

#[test]
fn unknown_initializer_type() {
    let e = M::new(13)
        .input("x", &[1, 2])
        .init(tinymtl_codegen::load::onnx::TensorProto {
            name: Some("s".into()),
            dims: vec![2],
            data_type: Some(DataType::String as i32),
            string_data: vec![b"a".to_vec(), b"b".to_vec()],
            ..Default::default()
        })
        .n("add", "Add", &["x", "s"], &["y"], vec![])
        .output("y")
        .err();
    assert_err(&e, &["'s'", "STRING"]);
}

#[test]
fn initializer_with_wrong_element_count() {
    let e = M::new(13)
        .input("x", &[1, 3])
        .init_f32("b", &[3], &[1.0, 2.0])
        .n("add", "Add", &["x", "b"], &["y"], vec![])
        .output("y")
        .err();
    assert_err(&e, &["'b'", "float_data has 2", "needs 3"]);
}

#[test]
fn unresolved_function_reference() {
    // A call to a function the model does not define.
    let e = M::new(13)
        .opset_import("pkg.custom", 1)
        .input("x", &[1, 4])
        .node_proto({
            let mut n = node("blk", "Block", &["x"], &["y"], vec![]);
            n.domain = Some("pkg.custom".into());
            n
        })
        .output("y")
        .err();
    assert_node_err(&e, "blk", "Block", &["pkg.custom"]);
}

#[test]
fn pad_mode_wrap_is_refused() {
    let e = M::new(19)
        .input("x", &[1, 2, 4, 4])
        .init_i64("pads", &[8], &[0, 0, 1, 1, 0, 0, 1, 1])
        .n(
            "pad",
            "Pad",
            &["x", "pads"],
            &["p"],
            vec![as_("mode", "wrap")],
        )
        .n("r", "Relu", &["p"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "pad", "Pad", &["mode", "wrap", "reflect", "edge"]);
    // Reflecting farther than the axis is refused (ONNX reflects once).
    let e = M::new(13)
        .input("x", &[1, 2, 3])
        .init_i64("pads", &[6], &[0, 0, 3, 0, 0, 0])
        .n(
            "pad",
            "Pad",
            &["x", "pads"],
            &["y"],
            vec![as_("mode", "reflect")],
        )
        .output("y")
        .err();
    assert_node_err(&e, "pad", "Pad", &["reflect", "axis 2"]);
    // A crop that empties an axis.
    let e = M::new(13)
        .input("x", &[1, 2, 3])
        .init_i64("pads", &[6], &[0, 0, -2, 0, 0, -1])
        .n("pad", "Pad", &["x", "pads"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "pad", "Pad", &["empty"]);
    // A crop beyond the axis made up for by a pad at the other end.
    let e = M::new(13)
        .input("x", &[1, 2, 3])
        .init_i64("pads", &[6], &[0, 0, -1 << 40, 0, 0, (1 << 40) + 1])
        .n("pad", "Pad", &["x", "pads"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "pad", "Pad", &["crop more"]);
}

#[test]
fn dropout_in_training_mode() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .init(tinymtl_codegen::load::onnx::TensorProto {
            name: Some("t".into()),
            dims: vec![],
            data_type: Some(DataType::Bool as i32),
            int32_data: vec![1],
            ..Default::default()
        })
        .n("drop", "Dropout", &["x", "", "t"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "drop", "Dropout", &["training_mode"]);
    // At ratio 0 training mode drops nothing: the identity.
    let g = M::new(13)
        .input("x", &[1, 4])
        .init_f32("r", &[], &[0.0])
        .init(tinymtl_codegen::load::onnx::TensorProto {
            name: Some("t".into()),
            dims: vec![],
            data_type: Some(DataType::Bool as i32),
            int32_data: vec![1],
            ..Default::default()
        })
        .n("drop", "Dropout", &["x", "r", "t"], &["y"], vec![])
        .n("relu", "Relu", &["y"], &["z"], vec![])
        .output("z")
        .ok();
    assert_eq!(g.nodes.len(), 1, "{g:?}");
}
