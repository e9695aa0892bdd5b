//! Loader and lowering tests of 3-D MaxPool / AveragePool (N, C, D, H, W): attributes,
//! output shapes, the depth axis of the lowered `PoolShape`, and the refusals.

mod load_support;

use load_support::*;
use tinymtl_codegen::ir::program::{Kernel, PoolShape};
use tinymtl_codegen::ir::{Op, PoolAttrs, PoolKind};
use tinymtl_codegen::load::onnx::AttributeProto;
use tinymtl_codegen::passes::{compile, Options};

/// A one-node model: `op` over input `x` of shape `dims`.
fn pool(op: &str, dims: &[i64], attrs: Vec<AttributeProto>) -> M {
    M::new(19)
        .input("x", dims)
        .n("p", op, &["x"], &["y"], attrs)
        .output("y")
}

/// The one pool step of a loaded single-node graph.
fn lowered(m: &M) -> (bool, PoolShape, bool) {
    let c = compile(&m.ok(), &Options::default()).expect("compiles");
    let pools: Vec<_> = c
        .program
        .steps
        .iter()
        .filter_map(|s| match s.kernel {
            Kernel::Pool {
                max,
                shape,
                count_include_pad,
            } => Some((max, shape, count_include_pad)),
            _ => None,
        })
        .collect();
    assert_eq!(pools.len(), 1, "{:?}", c.program.steps);
    pools[0]
}

#[test]
fn maxpool_3d_strides_pads_dilations_ceil() {
    let m = pool(
        "MaxPool",
        &[2, 3, 7, 6, 5],
        vec![
            ais("kernel_shape", &[3, 2, 2]),
            ais("strides", &[2, 1, 2]),
            ais("pads", &[1, 0, 1, 2, 1, 0]),
            ais("dilations", &[2, 1, 1]),
            ai("ceil_mode", 1),
        ],
    );
    let g = m.ok();
    assert_eq!(
        only_node(&g).op,
        Op::Pool(PoolAttrs {
            kind: PoolKind::Max,
            kernel: vec![3, 2, 2],
            strides: vec![2, 1, 2],
            pads: vec![1, 0, 1, 2, 1, 0],
            dilations: vec![2, 1, 1],
            ceil_mode: true,
            count_include_pad: false,
        })
    );
    // Depth: 7 + 1 + 2 = 10 padded, dilated window 5, stride 2: ceil(5 / 2) + 1 = 4.
    // Height: 6 + 0 + 1 = 7, window 2: 6. Width: 5 + 1 + 0 = 6, window 2, stride 2:
    // ceil(4 / 2) + 1 = 3, the last window starting at 4 <= 5 (inside).
    assert_eq!(out_shape(&g, 0), [2, 3, 4, 6, 3]);
    let (max, s, _) = lowered(&m);
    assert!(max);
    assert_eq!(
        (s.planes, s.h, s.w, s.kh, s.kw, s.oh, s.ow),
        (6, 6, 5, 2, 2, 6, 3)
    );
    assert_eq!(
        (s.stride, s.pad, s.dilation),
        ((1, 2), (0, 1, 1, 0), (1, 1))
    );
    assert_eq!((s.d, s.kd, s.od), (7, 3, 4));
    assert_eq!((s.stride_d, s.pad_d, s.dilation_d), (2, (1, 2), 2));
}

#[test]
fn averagepool_3d_same_upper_and_count_include_pad() {
    let m = pool(
        "AveragePool",
        &[1, 2, 4, 5, 6],
        vec![
            ais("kernel_shape", &[2, 3, 3]),
            ais("strides", &[2, 2, 2]),
            as_("auto_pad", "SAME_UPPER"),
            ai("count_include_pad", 1),
        ],
    );
    let g = m.ok();
    assert_eq!(out_shape(&g, 0), [1, 2, 2, 3, 3]);
    let (max, s, include_pad) = lowered(&m);
    assert!(!max && include_pad);
    assert_eq!((s.d, s.kd, s.od, s.stride_d, s.pad_d), (4, 2, 2, 2, (0, 0)));
    // SAME_UPPER, stride 2: depth 4 needs no padding; height 5 (window 3) pads 2 rows,
    // 1 and 1; width 6 pads 1 column, after.
    assert_eq!((s.h, s.w, s.oh, s.ow), (5, 6, 3, 3));
    assert_eq!(s.pad, (1, 0, 1, 1));
}

#[test]
fn pools_of_lower_rank_have_a_unit_depth() {
    let m = pool(
        "MaxPool",
        &[1, 2, 5, 5],
        vec![ais("kernel_shape", &[2, 2]), ais("pads", &[1, 0, 0, 1])],
    );
    let (_, s, _) = lowered(&m);
    assert_eq!(
        (s.d, s.kd, s.od, s.stride_d, s.pad_d, s.dilation_d),
        (1, 1, 1, 1, (0, 0), 1)
    );
    assert_eq!((s.h, s.w, s.oh, s.ow, s.pad), (5, 5, 5, 5, (1, 0, 0, 1)));
    let m = pool(
        "AveragePool",
        &[1, 4, 9],
        vec![ais("kernel_shape", &[3]), ais("strides", &[2])],
    );
    let (_, s, _) = lowered(&m);
    assert_eq!(
        (s.d, s.od, s.h, s.kh, s.oh, s.w, s.kw, s.ow),
        (1, 1, 1, 1, 1, 9, 3, 4)
    );
}

#[test]
fn pools_refuse_bad_3d_attributes_and_rank_6() {
    let max = |dims: &[i64], attrs| pool("MaxPool", dims, attrs).err();
    let e = max(
        &[1, 1, 2, 3, 4, 5],
        vec![ais("kernel_shape", &[1, 1, 1, 1])],
    );
    assert_node_err(&e, "p", "MaxPool", &["rank 6", "3-D (N, C, D, H, W)"]);
    let e = max(&[1, 1, 3, 4, 5], vec![ais("kernel_shape", &[2, 2])]);
    assert_node_err(&e, "p", "MaxPool", &["kernel_shape", "needs 3 values"]);
    let e = max(
        &[1, 1, 3, 4, 5],
        vec![
            ais("kernel_shape", &[2, 2, 2]),
            ais("pads", &[2, 0, 0, 0, 0, 0]),
        ],
    );
    assert_node_err(&e, "p", "MaxPool", &["smaller than the window"]);
    let e = max(&[1, 1, 3, 4, 5], vec![ais("kernel_shape", &[4, 2, 2])]);
    assert_node_err(&e, "p", "MaxPool", &["does not fit"]);
    // Conv stays 1-D / 2-D.
    let e = M::new(13)
        .input("x", &[1, 1, 3, 4, 5])
        .weights("w", &[1, 1, 1, 1, 1])
        .n("c", "Conv", &["x", "w"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "c", "Conv", &["rank 5", "1-D (N, C, L) and 2-D"]);
}
