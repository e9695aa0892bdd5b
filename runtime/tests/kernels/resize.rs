//! Resize (`kernels::resize`), Pad (`kernels::pad`) and GatherND rows
//! (`kernels::gather_nd`) against the reference on random shapes, scales, modes and
//! pads, and a few values worked out by hand.
use crate::support::{finite, vals, Approx};
use proptest::prelude::*;
use tinymtl_runtime::kernels::gather_nd::gather_rows;
use tinymtl_runtime::kernels::pad::{pad, PadMode, PadShape};
use tinymtl_runtime::kernels::reference as r;
use tinymtl_runtime::kernels::resize::{
    resize_cubic, resize_linear, resize_nearest, Coord, Cubic, Nearest, ResizeAxis, ResizeShape,
};

fn coord() -> impl Strategy<Value = Coord> {
    prop_oneof![
        Just(Coord::HalfPixel),
        Just(Coord::Asymmetric),
        Just(Coord::AlignCorners),
        Just(Coord::PytorchHalfPixel),
        Just(Coord::TfHalfPixelForNn),
        Just(Coord::HalfPixelSymmetric),
        (-0.3f32..0.6, 0.4f32..1.3, -2.0f32..2.0).prop_map(|(start, end, extrapolation)| {
            Coord::TfCropAndResize {
                start,
                end,
                extrapolation,
            }
        }),
    ]
}

fn nearest() -> impl Strategy<Value = Nearest> {
    prop_oneof![
        Just(Nearest::RoundPreferFloor),
        Just(Nearest::RoundPreferCeil),
        Just(Nearest::Floor),
        Just(Nearest::Ceil),
    ]
}

/// An axis with a random input length and scale (up- or down-sampling, integer
/// factors included), the output length as ONNX derives it from the scale.
fn axis(c: Coord) -> impl Strategy<Value = ResizeAxis> {
    (
        1..=12usize,
        prop_oneof![Just(2.0f32), Just(3.0), Just(0.5), Just(1.0), 0.3f32..4.0],
    )
        .prop_map(move |(input, scale)| ResizeAxis {
            input,
            output: ((input as f32 * scale) as usize).max(1),
            scale,
            coord: c,
        })
}

fn resize_case() -> impl Strategy<Value = (ResizeShape, Vec<f32>)> {
    (coord(), 0..=3usize, any::<bool>())
        .prop_flat_map(|(c, outer, two_d)| {
            let h = if two_d {
                axis(c).boxed()
            } else {
                Just(ResizeAxis::UNIT).boxed()
            };
            (Just(outer), h, axis(c))
        })
        .prop_flat_map(|(outer, h, w)| {
            let s = ResizeShape { outer, h, w };
            (Just(s), vals(outer * h.input * w.input, finite()))
        })
}

fn out_len(s: &ResizeShape) -> usize {
    s.outer * s.h.output * s.w.output
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn nearest_matches_reference((s, x) in resize_case(), m in nearest()) {
        let n = out_len(&s);
        let (mut got, mut want) = (vec![7.5; n], vec![0.0; n]);
        resize_nearest(&x, &mut got, &s, m);
        r::resize_nearest(&x, &mut want, &s, m);
        Approx::Exact.check(&got, &want)?;
    }

    #[test]
    fn linear_matches_reference((s, x) in resize_case()) {
        let n = out_len(&s);
        let (mut got, mut want) = (vec![7.5; n], vec![0.0; n]);
        resize_linear(&x, &mut got, &s);
        r::resize_linear(&x, &mut want, &s);
        Approx::sum_of(4).check(&got, &want)?;
    }

    #[test]
    fn cubic_matches_reference(
        (s, x) in resize_case(),
        a in prop_oneof![Just(-0.75f32), Just(-0.5), -1.0f32..0.0],
        exclude_outside in any::<bool>(),
    ) {
        // With `exclude_outside`, an axis shorter than the four taps can leave a sample
        // whose inside taps all weigh about 0: renormalizing divides ~0 by ~0 (NaN in
        // onnxruntime), so f32 and f64 legitimately disagree there: such shapes are
        // compared without `exclude_outside`.
        let short = s.h.input < 4 || s.w.input < 4;
        let exclude_outside = exclude_outside && !short;
        let n = out_len(&s);
        let k = Cubic { a, exclude_outside };
        let (mut got, mut want) = (vec![7.5; n], vec![0.0; n]);
        resize_cubic(&x, &mut got, &s, k);
        r::resize_cubic(&x, &mut want, &s, k);
        Approx::sum_of(16).check(&got, &want)?;
    }

    #[test]
    fn pad_matches_reference(
        (s, mode, x) in (1..=4usize, prop_oneof![
            (-3.0f32..3.0).prop_map(PadMode::Constant),
            Just(PadMode::Reflect),
            Just(PadMode::Edge),
        ])
        .prop_flat_map(|(rank, mode)| {
            (proptest::collection::vec((1..=5usize, -2..=3i64, -2..=3i64), rank), Just(mode))
        })
        .prop_filter_map("empty or over-reflected", |(dims, mode)| {
            let mut s = PadShape { input: [1; 6], output: [1; 6], begin: [0; 6] };
            let off = 6 - dims.len();
            for (k, &(n, b, e)) in dims.iter().enumerate() {
                let out = n as i64 + b + e;
                // Reflect needs a pad shorter than the axis (as the loader requires).
                let reflect_ok = mode != PadMode::Reflect || (b < n as i64 && e < n as i64);
                if out < 1 || !reflect_ok {
                    return None;
                }
                s.input[off + k] = n;
                s.output[off + k] = out as usize;
                s.begin[off + k] = b;
            }
            Some((s, mode))
        })
        .prop_flat_map(|(s, mode)| {
            (Just(s), Just(mode), vals(s.input.iter().product(), finite()))
        })
    ) {
        let n: usize = s.output.iter().product();
        let (mut got, mut want) = (vec![7.5; n], vec![0.0; n]);
        pad(&x, &mut got, &s, mode);
        r::pad(&x, &mut want, &s, mode);
        Approx::Exact.check(&got, &want)?;
    }

    #[test]
    fn gather_rows_matches_reference(
        (row, rows, offs, x) in (1..=5usize, 1..=8usize, 0..=6usize)
            .prop_flat_map(|(row, rows, k)| {
                let offs = proptest::collection::vec(0..=rows - 1, k)
                    .prop_map(move |v| v.into_iter().map(|i| (i * row) as f32).collect::<Vec<_>>());
                (Just(row), Just(rows), offs, vals(rows * row, finite()))
            })
    ) {
        let _ = rows;
        let n = offs.len() * row;
        let (mut got, mut want) = (vec![7.5; n], vec![0.0; n]);
        gather_rows(&x, &mut got, &offs, row);
        r::gather_rows(&x, &mut want, &offs, row);
        Approx::Exact.check(&got, &want)?;
    }
}

fn line(input: usize, output: usize, scale: f32, coord: Coord) -> ResizeShape {
    ResizeShape {
        outer: 1,
        h: ResizeAxis::UNIT,
        w: ResizeAxis {
            input,
            output,
            scale,
            coord,
        },
    }
}

#[test]
fn known_values() {
    let x = [1.0f32, 2.0, 4.0];
    let mut y = [0.0f32; 6];
    // nn.Upsample(scale_factor=2, mode='nearest'): asymmetric + floor repeats each value.
    resize_nearest(
        &x,
        &mut y,
        &line(3, 6, 2.0, Coord::Asymmetric),
        Nearest::Floor,
    );
    assert_eq!(y, [1.0, 1.0, 2.0, 2.0, 4.0, 4.0]);
    // half_pixel linear x2: sources -0.25 (clamped), 0.25, 0.75, 1.25, 1.75, 2.25 (clamped).
    resize_linear(&x, &mut y, &line(3, 6, 2.0, Coord::HalfPixel));
    assert_eq!(y, [1.0, 1.25, 1.75, 2.5, 3.5, 4.0]);
    // align_corners x2: sources 0, 0.4, 0.8, 1.2, 1.6, 2.
    resize_linear(&x, &mut y, &line(3, 6, 2.0, Coord::AlignCorners));
    for (g, w) in y.iter().zip([1.0, 1.4, 1.8, 2.4, 3.2, 4.0]) {
        assert!((g - w).abs() < 1e-6, "{y:?}");
    }
    // round_prefer_floor vs ceil on the ties of half_pixel x0.5... and x2 ties at .5:
    // asymmetric x(2/3): sources 0, 1.5 -> floor-preferring 1, ceil-preferring 2.
    let mut z = [0.0f32; 2];
    let s = line(3, 2, 2.0 / 3.0, Coord::Asymmetric);
    resize_nearest(&x, &mut z, &s, Nearest::RoundPreferFloor);
    assert_eq!(z, [1.0, 2.0]);
    resize_nearest(&x, &mut z, &s, Nearest::RoundPreferCeil);
    assert_eq!(z, [1.0, 4.0]);
}

#[test]
fn cubic_known_values() {
    let x = [1.0f32, 2.0, 4.0];
    let mut y = [0.0f32; 2];
    let s = line(3, 2, 2.0, Coord::Asymmetric);
    // Sources 0 (weights 0, 1, 0, 0) and 0.5: W(1.5) = -0.09375, W(0.5) = 0.59375 over
    // the taps x[-1 -> 0], x[0], x[1], x[2].
    let a = -0.75;
    resize_cubic(
        &x,
        &mut y,
        &s,
        Cubic {
            a,
            exclude_outside: false,
        },
    );
    assert_eq!(y, [1.0, 1.3125]);
    // exclude_outside drops x[-1] and divides by 1.09375: 1.40625 / 1.09375 = 9 / 7.
    resize_cubic(
        &x,
        &mut y,
        &s,
        Cubic {
            a,
            exclude_outside: true,
        },
    );
    assert_eq!(y[0], 1.0);
    assert!((y[1] - 9.0 / 7.0).abs() < 1e-6, "{y:?}");
}

#[test]
fn pad_known_values() {
    let x = [1.0f32, 2.0, 3.0];
    let shape = |b: i64, e: i64| PadShape {
        input: [1, 1, 1, 1, 1, 3],
        output: [1, 1, 1, 1, 1, (3 + b + e) as usize],
        begin: [0, 0, 0, 0, 0, b],
    };
    let mut y = [0.0f32; 7];
    pad(&x, &mut y, &shape(2, 2), PadMode::Reflect);
    assert_eq!(y, [3.0, 2.0, 1.0, 2.0, 3.0, 2.0, 1.0]);
    pad(&x, &mut y, &shape(2, 2), PadMode::Edge);
    assert_eq!(y, [1.0, 1.0, 1.0, 2.0, 3.0, 3.0, 3.0]);
    pad(&x, &mut y, &shape(1, 3), PadMode::Constant(-1.5));
    assert_eq!(y, [-1.5, 1.0, 2.0, 3.0, -1.5, -1.5, -1.5]);
    let mut c = [0.0f32; 2];
    pad(&x, &mut c, &shape(-1, 0), PadMode::Constant(9.0));
    assert_eq!(c, [2.0, 3.0]);
}
