//! LSTM / GRU / RNN: attributes, optional inputs and outputs, and what is refused.

use crate::load_support::*;
use tinymtl_codegen::ir::{Cell, Op, RnnAttrs};
use tinymtl_codegen::load::onnx;

/// An LSTM over `x` [T=5, B=1, I=3] with H=4 and the given inputs, outputs, attributes.
fn lstm(inputs: &[&str], outputs: &[&str], attrs: Vec<onnx::AttributeProto>) -> M {
    let mut m = M::new(17)
        .input("x", &[5, 1, 3])
        .weights("W", &[1, 16, 3])
        .weights("R", &[1, 16, 4])
        .weights("B", &[1, 32])
        .init_f32("h0", &[1, 1, 4], &[0.0; 4])
        .weights("c0", &[1, 1, 4])
        .weights("P", &[1, 12])
        .init_i64("lens", &[1], &[5])
        .n("l", "LSTM", inputs, outputs, attrs);
    for o in outputs.iter().filter(|o| !o.is_empty()) {
        m = m.output(o);
    }
    m
}

fn attrs(g: &tinymtl_codegen::ir::Graph) -> RnnAttrs {
    match node_named(g, "l").op {
        Op::Rnn(a) => a,
        ref op => panic!("not an Rnn: {op:?}"),
    }
}

#[test]
fn lstm_outputs_and_optional_inputs() {
    let g = lstm(
        &["x", "W", "R", "B", "lens", "h0", "c0", "P"],
        &["y", "", "yc"],
        vec![ai("hidden_size", 4)],
    )
    .ok();
    let a = attrs(&g);
    assert_eq!(
        a.cell,
        Cell::Lstm {
            input_forget: false
        }
    );
    // The all-zero constant initial_h is dropped; initial_c (non-zero) is kept.
    assert_eq!(a.has, [true, false, true, true]);
    assert_eq!(a.outputs, [true, false, true]);
    assert_eq!(out_shape(&g, 0), [5, 1, 1, 4]);
    assert_eq!(out_shape(&g, 1), [1, 1, 4]);
    assert_eq!(node_named(&g, "l").outputs.len(), 2);
}

#[test]
fn gru_bidirectional_batch_first() {
    let g = M::new(17)
        .input("x", &[2, 7, 3])
        .weights("W", &[2, 12, 3])
        .weights("R", &[2, 12, 4])
        .n(
            "l",
            "GRU",
            &["x", "W", "R"],
            &["y", "yh"],
            vec![
                as_("direction", "bidirectional"),
                ai("layout", 1),
                ai("linear_before_reset", 1),
            ],
        )
        .output("y")
        .output("yh")
        .ok();
    let a = attrs(&g);
    assert_eq!(
        (a.cell, a.directions, a.batch_first, a.hidden),
        (
            Cell::Gru {
                linear_before_reset: true
            },
            2,
            true,
            4
        )
    );
    assert_eq!(out_shape(&g, 0), [2, 7, 2, 4]);
    assert_eq!(out_shape(&g, 1), [2, 2, 4]);
}

#[test]
fn refusals_name_the_node_and_what_is_wrong() {
    let all = ["x", "W", "R", "B"];
    let cases: Vec<(M, &[&str])> = vec![
        (
            lstm(&all, &["y"], vec![as_("direction", "sideways")]),
            &["direction", "sideways"],
        ),
        (
            lstm(&all, &["y"], vec![afs("activation_alpha", &[0.5])]),
            &["activation_alpha"],
        ),
        (lstm(&all, &["y"], vec![af("clip", -1.0)]), &["clip", "> 0"]),
        (
            lstm(&all, &["y"], vec![ai("hidden_size", 5)]),
            &["W", "[1, 16, 3]", "[1, 20, 3]"],
        ),
        (
            lstm(&all, &["y"], vec![ai("input_forget", 2)]),
            &["input_forget", "0 or 1"],
        ),
        (
            lstm(&["x", "W", "R", "B", "x"], &["y"], vec![]),
            &["sequence_lens", "computed at run time"],
        ),
        (lstm(&["x", "h0", "R"], &["y"], vec![]), &["W"]),
        (
            lstm(&["x", "x", "R"], &["y"], vec![]),
            &["W", "must be a constant"],
        ),
    ];
    for (m, parts) in cases {
        assert_node_err(&m.err(), "l", "LSTM", parts);
    }
    // Non-default activations.
    let mut n = node("l", "LSTM", &["x", "W", "R"], &["y"], vec![]);
    n.attribute.push(onnx::AttributeProto {
        name: Some("activations".into()),
        r#type: Some(onnx::attribute_proto::AttributeType::Strings as i32),
        strings: vec![b"Relu".to_vec(), b"Tanh".to_vec(), b"Tanh".to_vec()],
        ..Default::default()
    });
    let e = M::new(17)
        .input("x", &[5, 1, 3])
        .weights("W", &[1, 16, 3])
        .weights("R", &[1, 16, 4])
        .node_proto(n)
        .output("y")
        .err();
    assert_node_err(
        &e,
        "l",
        "LSTM",
        &["activations", "Relu", "Sigmoid, Tanh, Tanh"],
    );
}
