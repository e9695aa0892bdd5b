//! Loader tests of Resize, Pad (constant, reflect, edge, crops; zero pads merged or
//! materialized) and GatherND with constant indices.

mod load_support;

use load_support::*;
use tinymtl_codegen::ir::{Coord, Cubic, Interp, Nearest, Op, PadMode, ResizeAttrs};

fn resize_model(attrs: Vec<tinymtl_codegen::load::onnx::AttributeProto>) -> M {
    M::new(13)
        .input("x", &[1, 2, 3, 5])
        .init_f32("scales", &[4], &[1.0, 1.0, 2.0, 1.5])
        .n("rs", "Resize", &["x", "", "scales"], &["y"], attrs)
        .output("y")
}

#[test]
fn resize_with_scales_keeps_onnxruntime_scales() {
    let g = resize_model(vec![
        as_("mode", "nearest"),
        as_("coordinate_transformation_mode", "asymmetric"),
        as_("nearest_mode", "floor"),
    ])
    .ok();
    let n = only_node(&g);
    assert_eq!(
        n.op,
        Op::Resize(ResizeAttrs {
            mode: Interp::Nearest(Nearest::Floor),
            coord: Coord::Asymmetric,
            scales: vec![1.0, 1.0, 2.0, 1.5],
            roi: vec![],
        })
    );
    // floor(5 * 1.5) = 7.
    assert_eq!(out_shape(&g, 0), [1, 2, 6, 7]);
    // Defaults: nearest, half_pixel, round_prefer_floor.
    let g = resize_model(vec![]).ok();
    match &only_node(&g).op {
        Op::Resize(a) => {
            assert_eq!(a.mode, Interp::Nearest(Nearest::RoundPreferFloor));
            assert_eq!(a.coord, Coord::HalfPixel);
        }
        op => panic!("{op:?}"),
    }
}

#[test]
fn resize_with_sizes_and_axes() {
    let g = M::new(18)
        .input("x", &[1, 3, 8])
        .init_i64("sizes", &[1], &[20])
        .n(
            "rs",
            "Resize",
            &["x", "", "", "sizes"],
            &["y"],
            vec![as_("mode", "linear"), ais("axes", &[-1])],
        )
        .output("y")
        .ok();
    match &only_node(&g).op {
        Op::Resize(a) => {
            assert_eq!(a.mode, Interp::Linear);
            assert_eq!(a.scales, [1.0, 1.0, 20.0 / 8.0]);
        }
        op => panic!("{op:?}"),
    }
    assert_eq!(out_shape(&g, 0), [1, 3, 20]);
}

#[test]
fn resize_cubic_keeps_its_coefficient_and_exclude_outside() {
    let mode = |attrs| match &only_node(&resize_model(attrs).ok()).op {
        Op::Resize(a) => a.mode,
        op => panic!("{op:?}"),
    };
    let cubic = |a, exclude_outside| Interp::Cubic(Cubic { a, exclude_outside });
    // Defaults: A = -0.75, exclude_outside 0.
    assert_eq!(mode(vec![as_("mode", "cubic")]), cubic(-0.75, false));
    assert_eq!(
        mode(vec![
            as_("mode", "cubic"),
            af("cubic_coeff_a", -0.5),
            ai("exclude_outside", 1),
        ]),
        cubic(-0.5, true)
    );
}

#[test]
fn resize_refusals_name_the_reason() {
    let e = resize_model(vec![as_("mode", "bicubic")]).err();
    assert_node_err(&e, "rs", "Resize", &["bicubic", "nearest, linear, cubic"]);
    let cubic = |attr| resize_model(vec![as_("mode", "cubic"), attr]).err();
    assert_node_err(
        &cubic(ai("exclude_outside", 2)),
        "rs",
        "Resize",
        &["exclude_outside 2"],
    );
    assert_node_err(
        &cubic(af("cubic_coeff_a", f32::NAN)),
        "rs",
        "Resize",
        &["cubic_coeff_a"],
    );
    assert_node_err(&cubic(ai("antialias", 1)), "rs", "Resize", &["antialias"]);
    // tf_crop_and_resize needs its roi.
    let e = resize_model(vec![as_(
        "coordinate_transformation_mode",
        "tf_crop_and_resize",
    )])
    .err();
    assert_node_err(&e, "rs", "Resize", &["tf_crop_and_resize", "roi"]);
    // Resizing the channels.
    let e = M::new(13)
        .input("x", &[1, 2, 3, 5])
        .init_f32("scales", &[4], &[1.0, 2.0, 1.0, 1.0])
        .n("rs", "Resize", &["x", "", "scales"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "rs", "Resize", &["axis 1", "spatial"]);
    // Neither scales nor sizes.
    let e = M::new(13)
        .input("x", &[1, 2, 3, 5])
        .init_f32("scales", &[0], &[])
        .n("rs", "Resize", &["x", "", "scales"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "rs", "Resize", &["scales", "sizes"]);
}

fn pad_model(pads: &[i64], attrs: Vec<tinymtl_codegen::load::onnx::AttributeProto>) -> M {
    M::new(13)
        .input("x", &[1, 2, 5])
        .init_i64("pads", &[6], pads)
        .init_f32("v", &[], &[1.5])
        .n("pad", "Pad", &["x", "pads", "v"], &["y"], attrs)
        .output("y")
}

#[test]
fn pad_modes_become_pad_steps() {
    for (mode, want) in [
        ("reflect", PadMode::Reflect),
        ("edge", PadMode::Edge),
        ("constant", PadMode::Constant(1.5)),
    ] {
        let g = pad_model(&[0, 0, 2, 0, 0, 1], vec![as_("mode", mode)]).ok();
        assert_eq!(
            only_node(&g).op,
            Op::Pad {
                mode: want,
                begin: vec![0, 0, 2],
                end: vec![0, 0, 1]
            }
        );
        assert_eq!(out_shape(&g, 0), [1, 2, 8]);
    }
    // A negative pad crops.
    let g = pad_model(&[0, 0, -1, 0, 0, 2], vec![]).ok();
    assert_eq!(out_shape(&g, 0), [1, 2, 6]);
}

#[test]
fn zero_pads_are_materialized_where_they_cannot_merge() {
    let base = || {
        M::new(13)
            .input("x", &[1, 2, 4, 4])
            .init_i64("pads", &[8], &[0, 0, 1, 1, 0, 0, 1, 1])
    };
    // Before a Relu: a Pad node, then the Relu.
    let g = base()
        .n("pad", "Pad", &["x", "pads"], &["p"], vec![])
        .n("r", "Relu", &["p"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(g.nodes.len(), 2);
    assert_eq!(g.nodes[0].name, "pad");
    assert_eq!(
        g.nodes[0].op,
        Op::Pad {
            mode: PadMode::Constant(0.0),
            begin: vec![0, 0, 1, 1],
            end: vec![0, 0, 1, 1]
        }
    );
    assert_eq!(tensor(&g, "p").shape, [1, 2, 6, 6]);
    // As a graph output, keeping its name.
    let g = base()
        .n("pad", "Pad", &["x", "pads"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(g.tensors[g.outputs[0]].name, "y");
    assert!(matches!(only_node(&g).op, Op::Pad { .. }));
    // Padding the channels before a Conv: not mergeable, a Pad step then the Conv.
    let g = M::new(13)
        .input("x", &[1, 2, 4, 4])
        .init_i64("pads", &[8], &[0, 1, 0, 0, 0, 0, 0, 0])
        .weights("w", &[4, 3, 1, 1])
        .n("pad", "Pad", &["x", "pads"], &["p"], vec![])
        .n("conv", "Conv", &["p", "w"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(g.nodes.len(), 2);
    assert_eq!(out_shape(&g, 0), [1, 4, 4, 4]);
    // Read by two consumers: materialized once.
    let g = base()
        .n("pad", "Pad", &["x", "pads"], &["p"], vec![])
        .n("r", "Relu", &["p"], &["a"], vec![])
        .n("s", "Sigmoid", &["p"], &["b"], vec![])
        .output("a")
        .output("b")
        .ok();
    assert_eq!(g.nodes.len(), 3);
}

#[test]
fn gather_nd_with_constant_indices_is_rows() {
    // As dynamo writes linear interpolation: indices [K, 1] into axis 0 of [L, N, C].
    let g = M::new(13)
        .input("x", &[4, 1, 3])
        .init_i64("i", &[5, 1], &[0, 0, 1, 3, -1])
        .n("g", "GatherND", &["x", "i"], &["y"], vec![])
        .output("y")
        .ok();
    assert_eq!(
        only_node(&g).op,
        Op::GatherRows {
            offsets: vec![0, 0, 3, 9, 9],
            row: 3
        }
    );
    assert_eq!(out_shape(&g, 0), [5, 1, 3]);
    let e = M::new(13)
        .input("x", &[4, 1, 3])
        .init_i64("i", &[1, 1], &[4])
        .n("g", "GatherND", &["x", "i"], &["y"], vec![])
        .output("y")
        .err();
    assert_node_err(&e, "g", "GatherND", &["index 4", "out of range"]);
}

fn exported(name: &str) -> (Vec<u8>, std::path::PathBuf) {
    let p = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/models/resize")
        .join(format!("{name}.onnx"));
    (std::fs::read(&p).unwrap(), p)
}

#[test]
fn dynamo_linear_interpolation_is_one_resize() {
    for (name, coord) in [
        ("linear1d_dynamo", Coord::HalfPixel),
        ("linear1d_corners_dynamo", Coord::AlignCorners),
    ] {
        let (bytes, path) = exported(name);
        let g = tinymtl_codegen::load::load_bytes(&bytes, &path).unwrap();
        // The Transposes and GatherNDs are gone with the dead code.
        let n = only_node(&g);
        assert_eq!(
            n.op,
            Op::Resize(ResizeAttrs {
                mode: Interp::Linear,
                coord,
                scales: vec![1.0, 1.0, 2.0],
                roi: vec![],
            }),
            "{name}"
        );
        assert_eq!(out_shape(&g, 0), [1, 3, 40]);
    }
}

#[test]
fn interpolation_weights_no_resize_reproduces_run_as_their_parts() {
    let (bytes, path) = exported("linear1d_dynamo");
    let mut m = tinymtl_codegen::load::decode_model(&bytes).unwrap();
    let graph = m.graph.as_mut().unwrap();
    // The constant weight vector (the one float initializer): perturb one weight.
    let w = graph
        .initializer
        .iter_mut()
        .find(|t| t.data_type == Some(1))
        .expect("weights");
    let mut v: Vec<f32> = if w.float_data.is_empty() {
        w.raw_data()
            .chunks_exact(4)
            .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
            .collect()
    } else {
        w.float_data.clone()
    };
    v[3] += 0.1;
    w.raw_data = Some(v.iter().flat_map(|x| x.to_le_bytes()).collect());
    w.float_data.clear();
    let g =
        tinymtl_codegen::load::load_bytes(&tinymtl_codegen::load::encode_model(&m), &path).unwrap();
    let ops: Vec<&Op> = g.nodes.iter().map(|n| &n.op).collect();
    assert!(
        ops.iter()
            .filter(|o| matches!(o, Op::GatherRows { .. }))
            .count()
            == 2
            && !ops.iter().any(|o| matches!(o, Op::Resize(_))),
        "{ops:?}"
    );
}
