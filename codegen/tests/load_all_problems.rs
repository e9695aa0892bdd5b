//! A model with several problems gets them all in one error: one line per kind of
//! problem (grouped by op, the other nodes of that op named), each line naming the
//! file, node and op, and nothing about the nodes that only fail because an input
//! could not be computed.

mod load_support;

use load_support::*;

#[test]
fn every_unsupported_node_is_reported_grouped_by_op() {
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("lstm_a", "LSTMish", &["x"], &["a"], vec![])
        .n("lstm_b", "LSTMish", &["x"], &["b"], vec![])
        .n("lstm_c\nerror: forged", "LSTMish", &["x"], &["c"], vec![])
        .n("gru", "GRUish", &["x"], &["d"], vec![])
        .n("relu", "Relu", &["x"], &["r"], vec![])
        .n("floor", "Floor", &["r"], &["w"], vec![])
        // Fed by a failed node: not reported on its own.
        .n("after", "Relu", &["a"], &["a2"], vec![])
        .output("a2")
        .output("b")
        .output("c")
        .output("d")
        .output("w")
        .err();
    let msg = e.to_string();
    let lines: Vec<&str> = msg.lines().collect();
    assert_eq!(lines.len(), 3, "{msg}");
    assert!(
        lines[1].starts_with("error: ") && lines[2].starts_with("error: "),
        "{msg}"
    );
    for l in &lines {
        assert!(l.contains(FILE), "a line without the file: {l}");
    }
    assert!(
        lines[0].contains("node 'lstm_a' (LSTMish)")
            && lines[0].contains("op 'LSTMish' is not supported"),
        "{msg}"
    );
    assert!(
        lines[0].contains("the same for 2 more LSTMish node(s): 'lstm_b', 'lstm_c"),
        "{msg}"
    );
    assert!(lines[1].contains("node 'gru' (GRUish)"), "{msg}");
    assert!(
        lines[2].contains("node 'floor' (Floor)") && lines[2].contains("computed at run time"),
        "{msg}"
    );
    assert!(!msg.contains("'after'"), "{msg}");
    // A name cannot forge a line of its own.
    assert!(!msg.contains("\nerror: forged"), "{msg}");
}

#[test]
fn the_list_is_bounded() {
    let mut m = M::new(13).input("x", &[1, 4]);
    for i in 0..30 {
        let (op, out) = (format!("Op{i}"), format!("y{i}"));
        m = m
            .n(&format!("n{i}"), &op, &["x"], &[&out], vec![])
            .output(&out);
    }
    let msg = m.err().to_string();
    let lines: Vec<&str> = msg.lines().collect();
    assert_eq!(lines.len(), tinymtl_codegen::error::MAX_GROUPS + 1, "{msg}");
    assert!(
        lines
            .last()
            .unwrap()
            .contains("and 18 more kinds of problem"),
        "{msg}"
    );
}
