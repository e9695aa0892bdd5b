//! Node validation (input/output counts per op and opset, duplicate attributes) and
//! the loader's limits (nodes after inlining, model file kind and size). Each refusal
//! names the file and the node/op, tensor or limit at fault.

mod load_support;

use std::path::Path;
use std::time::{Duration, Instant};

use load_support::*;
use tinymtl_codegen::load::onnx::{FunctionProto, NodeProto, OperatorSetIdProto};
use tinymtl_codegen::load::{load, read_model_file, MAX_MODEL_BYTES, MAX_NODES};
use tinymtl_codegen::Builder;

#[test]
fn binary_op_with_three_inputs() {
    let e = M::new(17)
        .input("x", &[1, 4])
        .weights("a", &[1, 4])
        .weights("b", &[1, 4])
        .n("add", "Add", &["x", "a", "b"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "add", "Add", &["3 input(s)", "exactly 2", "opset 17"]);
}

#[test]
fn single_output_op_with_two_outputs() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("r", "Relu", &["x"], &["y", "z"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "r", "Relu", &["2 output(s)", "exactly 1"]);
}

#[test]
fn too_few_inputs_and_missing_required_input() {
    let e = M::new(13)
        .input("x", &[1, 2, 8])
        .n("c", "Conv", &["x"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "c", "Conv", &["1 input(s)", "2 to 3"]);
    let e = M::new(13)
        .input("x", &[1, 2, 8])
        .weights("b", &[3])
        .n("c", "Conv", &["x", "", "b"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "c", "Conv", &["required input #1", "empty"]);
    // Every input of a variadic op is required.
    let e = M::new(13)
        .input("x", &[1, 2])
        .n(
            "cat",
            "Concat",
            &["x", "", "x"],
            &["y"],
            vec![ai("axis", 1)],
        )
        .output("y")
        .err();
    assert_node_err(&e, "cat", "Concat", &["required input #1"]);
}

#[test]
fn arity_depends_on_opset() {
    // Unsqueeze takes axes as an attribute before opset 13, as a required input from 13.
    M::new(11)
        .input("x", &[4])
        .n("u", "Unsqueeze", &["x"], &["y"], vec![ais("axes", &[0])])
        .output("y")
        .ok();
    let e = M::new(13)
        .input("x", &[4])
        .n("u", "Unsqueeze", &["x"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(
        &e,
        "u",
        "Unsqueeze",
        &["1 input(s)", "exactly 2", "opset 13"],
    );
    // BatchNormalization-9 (opsets 11-13) has up to 5 outputs, from 14 up to 3.
    let bn = |opset: i64, outs: &[&str]| {
        M::new(opset)
            .input("x", &[1, 2, 4])
            .init_f32("g", &[2], &[1.0, 1.0])
            .init_f32("b", &[2], &[0.0, 0.0])
            .init_f32("mu", &[2], &[0.0, 0.0])
            .init_f32("var", &[2], &[1.0, 1.0])
            .n(
                "bn",
                "BatchNormalization",
                &["x", "g", "b", "mu", "var"],
                outs,
                vec![],
            )
            .output("y")
    };
    // (the translator then refuses the training outputs itself.)
    let e = bn(13, &["y", "m", "v", "sm", "sv"]).err();
    assert_node_err(&e, "bn", "BatchNormalization", &["training-mode"]);
    let e = bn(14, &["y", "m", "v", "sm", "sv"]).err();
    assert_node_err(&e, "bn", "BatchNormalization", &["5 output(s)", "1 to 3"]);
}

#[test]
fn optional_trailing_outputs_still_accepted() {
    // Dropout's mask, LayerNormalization's Mean/InvStdDev, MaxPool's Indices: unused.
    let g = M::new(17)
        .input("x", &[1, 2, 4, 4])
        .init_f32("s", &[4], &[1.0; 4])
        .n("d", "Dropout", &["x"], &["d0", "mask"], vec![])
        .n(
            "ln",
            "LayerNormalization",
            &["d0", "s"],
            &["l", "mean", "inv"],
            vec![],
        )
        .n(
            "mp",
            "MaxPool",
            &["l"],
            &["y", "idx"],
            vec![ais("kernel_shape", &[2, 2])],
        )
        .output("y")
        .ok();
    assert_eq!(out_shape(&g, 0), [1, 2, 3, 3]);
    // Split's N outputs.
    let g = M::new(13)
        .input("x", &[1, 6])
        .n("s", "Split", &["x"], &["a", "b", "c"], vec![ai("axis", 1)])
        .output("a")
        .output("c")
        .ok();
    assert_eq!(out_shape(&g, 1), [1, 2]);
}

#[test]
fn duplicate_attribute() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .weights("w", &[4, 3])
        .n(
            "gemm",
            "Gemm",
            &["x", "w"],
            &["y"],
            vec![af("alpha", 1.0), af("alpha", 2.0)],
        )
        .output("y")
        .err();
    assert_node_err(&e, "gemm", "Gemm", &["'alpha'", "more than once"]);
}

fn opset(domain: &str, version: i64) -> OperatorSetIdProto {
    OperatorSetIdProto {
        domain: Some(domain.into()),
        version: Some(version),
    }
}

fn call(name: &str, f: &str, inputs: &[&str], outputs: &[&str]) -> NodeProto {
    let mut n = node(name, f, inputs, outputs, vec![]);
    n.domain = Some("nest".into());
    n
}

/// `depth` local functions `f0..`, each calling the next twice; the last has `leaf`.
fn nested(depth: usize, leaf: Vec<NodeProto>) -> M {
    let mut m = M::new(17).opset_import("nest", 1);
    for i in 0..depth {
        let body = if i + 1 == depth {
            leaf.clone()
        } else {
            let next = format!("f{}", i + 1);
            vec![
                call("a", &next, &["X"], &["T"]),
                call("b", &next, &["T"], &["Y"]),
            ]
        };
        m = m.function(FunctionProto {
            name: Some(format!("f{i}")),
            domain: Some("nest".into()),
            input: vec!["X".into()],
            output: vec!["Y".into()],
            node: body,
            opset_import: vec![opset("", 17)],
            ..Default::default()
        });
    }
    m.input("x", &[1, 4])
        .node_proto(call("top", "f0", &["x"], &["y"]))
        .output("y")
}

#[test]
fn nested_functions_stop_at_the_node_limit() {
    // Small nesting is inlined as before.
    let g = nested(3, vec![node("r", "Relu", &["X"], &["Y"], vec![])]).ok();
    assert_eq!(g.nodes.len(), 4);
    assert_eq!(g.nodes[0].name, "top/a/a/r");
    // 2^30 Relu nodes, then 2^30 calls of empty bodies: refused at the limit, fast.
    let leaves = [
        vec![node("r", "Relu", &["X"], &["Y"], vec![])],
        vec![node("i", "Identity", &["X"], &["Y"], vec![])],
        vec![],
    ];
    for leaf in leaves {
        let m = nested(30, leaf);
        let t = Instant::now();
        let e = m.err();
        assert!(
            t.elapsed() < Duration::from_secs(2),
            "took {:?}",
            t.elapsed()
        );
        assert_err(&e, &[&MAX_NODES.to_string(), "MAX_NODES", "inlined"]);
    }
}

fn text(e: &tinymtl_codegen::Error) -> String {
    e.to_string()
}

#[test]
fn model_file_must_be_a_regular_file() {
    let d = tempfile::tempdir().unwrap();
    for (p, what) in [
        (d.path(), "a directory"),
        (Path::new("/dev/zero"), "device"),
    ] {
        let e = load(p).unwrap_err();
        let msg = text(&e);
        assert!(
            msg.contains(&p.display().to_string()) && msg.contains(what),
            "{msg}"
        );
        let e = Builder::new(p).build().unwrap_err();
        assert!(text(&e).contains(what), "{e}");
    }
    #[cfg(unix)]
    {
        let fifo = d.path().join("pipe.onnx");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        assert!(made, "mkfifo (coreutils) must be available for this test");
        // Would block forever if opened.
        let e = read_model_file(&fifo).unwrap_err();
        assert!(
            text(&e).contains("FIFO") && text(&e).contains("pipe.onnx"),
            "{e}"
        );
    }
}

#[test]
fn model_file_above_the_size_limit() {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("huge.onnx");
    // Sparse: no disk space used, and never read.
    let f = std::fs::File::create(&p).unwrap();
    f.set_len(MAX_MODEL_BYTES + 1).unwrap();
    let t = Instant::now();
    let e = load(&p).unwrap_err();
    assert!(t.elapsed() < Duration::from_secs(1));
    let msg = text(&e);
    assert!(msg.contains("huge.onnx") && msg.contains("2 GiB"), "{msg}");
    let e = Builder::new(&p).build().unwrap_err();
    assert!(text(&e).contains("2 GiB"), "{e}");
    // A model of a normal size on disk still loads, through both entry points.
    let p = d.path().join("ok.onnx");
    let m = M::new(13)
        .input("x", &[1, 4])
        .n("r", "Relu", &["x"], &["y"], vec![])
        .output("y");
    std::fs::write(&p, m.bytes()).unwrap();
    assert_eq!(read_model_file(&p).unwrap(), m.bytes());
    load(&p).unwrap();
    Builder::new(&p).build().unwrap();
}
