//! Reductions at run time: ReduceMean / Sum / Max / Min / L2 in both axes forms,
//! keepdims, negative axes, `noop_with_empty_axes`; GlobalMaxPool and GlobalAveragePool.

use crate::load_support::*;
use tinymtl_codegen::ir::{Op, ReduceOp};

#[test]
fn reduce_mean_axes_attribute_and_input() {
    let g = M::new(13)
        .input("x", &[1, 4, 3, 3])
        .n(
            "r",
            "ReduceMean",
            &["x"],
            &["y"],
            vec![ais("axes", &[-1, 2])],
        )
        .output("y")
        .ok();
    assert_eq!(
        only_node(&g).op,
        Op::Reduce {
            op: ReduceOp::Mean,
            axes: vec![2, 3],
            keepdims: true
        }
    );
    assert_eq!(out_shape(&g, 0), [1, 4, 1, 1]);

    let g = M::new(18)
        .input("x", &[1, 4, 3, 3])
        .init_i64("axes", &[1], &[1])
        .n(
            "r",
            "ReduceMean",
            &["x", "axes"],
            &["y"],
            vec![ai("keepdims", 0)],
        )
        .output("y")
        .ok();
    assert_eq!(
        only_node(&g).op,
        Op::Reduce {
            op: ReduceOp::Mean,
            axes: vec![1],
            keepdims: false
        }
    );
    assert_eq!(out_shape(&g, 0), [1, 3, 3]);

    // Empty axes: all axes.
    let g = M::new(18)
        .input("x", &[2, 3])
        .n("r", "ReduceMean", &["x"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(
        only_node(&g).op,
        Op::Reduce {
            op: ReduceOp::Mean,
            axes: vec![0, 1],
            keepdims: true
        }
    );
    assert_eq!(out_shape(&g, 0), [1, 1]);

    // noop_with_empty_axes: the input itself (kept as a copy under the output name).
    let g = M::new(18)
        .input("x", &[2, 3])
        .n(
            "r",
            "ReduceMean",
            &["x"],
            &["y"],
            vec![ai("noop_with_empty_axes", 1)],
        )
        .output("y")
        .ok();
    assert_eq!(only_node(&g).op, Op::Reshape);
    assert_eq!(out_shape(&g, 0), [2, 3]);
}

/// Every reduce op, both axes forms (attribute before its opset, input from it).
#[test]
fn every_reduce_op_takes_axes_as_attribute_or_input() {
    for (op, kind, input_from) in [
        ("ReduceSum", ReduceOp::Sum, 13),
        ("ReduceMax", ReduceOp::Max, 18),
        ("ReduceMin", ReduceOp::Min, 18),
        ("ReduceL2", ReduceOp::L2, 18),
        ("ReduceMean", ReduceOp::Mean, 18),
    ] {
        let g = M::new(input_from - 1)
            .input("x", &[1, 4, 3, 5])
            .n(
                op,
                op,
                &["x"],
                &["y"],
                vec![ais("axes", &[-3, 3]), ai("keepdims", 0)],
            )
            .output("y")
            .ok();
        let want = Op::Reduce {
            op: kind,
            axes: vec![1, 3],
            keepdims: false,
        };
        assert_eq!(only_node(&g).op, want, "{op} attribute");
        assert_eq!(out_shape(&g, 0), [1, 3], "{op}");

        let g = M::new(input_from)
            .input("x", &[1, 4, 3, 5])
            .init_i64("axes", &[2], &[3, -3])
            .n(op, op, &["x", "axes"], &["y"], vec![ai("keepdims", 0)])
            .output("y")
            .ok();
        assert_eq!(only_node(&g).op, want, "{op} input");
        assert_eq!(out_shape(&g, 0), [1, 3], "{op}");

        // keepdims defaults to 1; no axes: all of them.
        let g = M::new(input_from)
            .input("x", &[2, 3])
            .n(op, op, &["x"], &["y"], vec![])
            .output("y")
            .ok();
        assert_eq!(out_shape(&g, 0), [1, 1], "{op}");
    }
}

#[test]
fn reduce_axes_are_checked() {
    for (opset, attrs, axes) in [
        (17, vec![ais("axes", &[2])], None),
        (17, vec![ais("axes", &[1, -1])], None),
        (18, vec![], Some(&[-3][..])),
    ] {
        let mut m = M::new(opset).input("x", &[4, 3]);
        let ins: &[&str] = if let Some(a) = axes {
            m = m.init_i64("axes", &[a.len() as i64], a);
            &["x", "axes"]
        } else {
            &["x"]
        };
        let e = m
            .n("r", "ReduceMax", ins, &["y"], attrs)
            .output("y")
            .err()
            .to_string();
        assert!(
            e.contains("out of range") || e.contains("repeated"),
            "{opset}: {e}"
        );
    }
}

#[test]
fn global_max_pool_is_a_reduce_max_over_the_spatial_axes() {
    for (shape, axes, out) in [
        (&[1, 4, 9][..], vec![2], &[1, 4, 1][..]),
        (&[1, 4, 3, 5][..], vec![2, 3], &[1, 4, 1, 1][..]),
    ] {
        let g = M::new(13)
            .input("x", shape)
            .n("gmp", "GlobalMaxPool", &["x"], &["y"], vec![])
            .output("y")
            .ok();
        assert_eq!(
            only_node(&g).op,
            Op::Reduce {
                op: ReduceOp::Max,
                axes,
                keepdims: true
            }
        );
        assert_eq!(out_shape(&g, 0), out);
    }
    let e = M::new(13)
        .input("x", &[1, 4])
        .n("gmp", "GlobalMaxPool", &["x"], &["y"], vec![])
        .output("y")
        .err()
        .to_string();
    assert!(e.contains("rank >= 3"), "{e}");
}
