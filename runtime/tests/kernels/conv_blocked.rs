//! The register-blocked convolutions (pointwise and gathered) against the scalar
//! reference, on shapes that cover partial channel blocks, partial position tiles,
//! padding, strides, dilations and filters longer than one panel.

use crate::support::{finite, out_len, post, vals, weights, wild, Approx, OwnedPost};
use half::f16;
use proptest::prelude::*;
use tinymtl_runtime::kernels::conv::{
    depthwise3x3, depthwise3x3_applies, gathered, pack_into, packed_len, pointwise, ConvShape,
};
use tinymtl_runtime::kernels::reference as r;
use tinymtl_runtime::kernels::{act, Post};

#[derive(Clone, Debug)]
struct Case {
    s: ConvShape,
    x: Vec<f32>,
    w: Vec<f16>,
    post: OwnedPost,
}

/// `w` (`c_out x k`) in the blocked kernels' layout.
fn packed(w: &[f16], c_out: usize, k: usize) -> Vec<f16> {
    let mut out = vec![f16::ZERO; packed_len(c_out, k)];
    pack_into(w, c_out, k, &mut out);
    out
}

/// Convolutions without groups; pointwise ones (1x1, stride 1, no padding) if `pw`.
fn shape(pw: bool) -> impl Strategy<Value = ConvShape> {
    (
        (
            1..=2usize,
            prop_oneof![3 => 1..=40usize, 1 => 90..=130usize],
            // Past 16: whole groups of the x86 wide tile, and a remainder.
            prop_oneof![3 => 1..=13usize, 1 => 14..=40usize],
        ),
        (1..=7usize, 1..=11usize, 1..=3usize, 1..=5usize),
        (1..=2usize, 1..=3usize, 1..=2usize, 1..=2usize),
        (0..=2usize, 0..=2usize, 0..=2usize, 0..=2usize),
    )
        .prop_filter_map(
            "window does not fit",
            move |((n, c_in, c_out), (h, w, kh, kw), (sh, sw, dh, dw), (pt, pl, pb, pr))| {
                let c_in = if pw { c_in } else { c_in.min(40) };
                let (kh, kw, sh, sw, pt, pl, pb, pr) = if pw {
                    (1, 1, 1, 1, 0, 0, 0, 0)
                } else {
                    (kh, kw, sh, sw, pt, pl, pb, pr)
                };
                Some(ConvShape {
                    n,
                    c_in,
                    h,
                    w,
                    c_out,
                    kh,
                    kw,
                    oh: out_len(h, pt, pb, kh, dh, sh)?,
                    ow: out_len(w, pl, pr, kw, dw, sw)?,
                    stride: (sh, sw),
                    pad: (pt, pl),
                    dilation: (dh, dw),
                    groups: 1,
                })
            },
        )
}

fn case(pw: bool, v: BoxedStrategy<f32>) -> impl Strategy<Value = Case> {
    shape(pw).prop_flat_map(move |s| {
        let x_len = s.n * s.c_in * s.h * s.w;
        let w_len = s.c_out * s.c_in * s.kh * s.kw;
        (vals(x_len, v.clone()), weights(w_len), post(s.c_out)).prop_map(move |(x, w, post)| Case {
            s,
            x,
            w,
            post,
        })
    })
}

/// The kernel's output (depthwise for a grouped case, pointwise or gathered with the
/// filter packed otherwise) and the reference's.
fn run(c: &Case) -> (Vec<f32>, Vec<f32>) {
    let s = &c.s;
    let len = s.n * s.c_out * s.oh * s.ow;
    let mut got = vec![f32::NAN; len];
    if s.groups > 1 {
        depthwise3x3(&c.x, &c.w, &mut got, s, c.post.post());
    } else {
        let k = s.c_in * s.kh * s.kw;
        let w = packed(&c.w, s.c_out, k);
        let pw = (s.kh, s.kw) == (1, 1) && s.stride == (1, 1) && s.pad == (0, 0);
        if pw && (s.oh, s.ow) == (s.h, s.w) {
            pointwise(&c.x, &w, &mut got, s, c.post.post());
        } else {
            gathered(&c.x, &w, &mut got, s, c.post.post());
        }
    }
    let mut want = vec![0.0; len];
    r::conv2d(&c.x, &c.w, &mut want, s, c.post.post());
    (got, want)
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn pointwise_matches_reference(c in case(true, finite())) {
        let (got, want) = run(&c);
        Approx::sum_of(c.s.c_in).check(&got, &want)?;
    }

    #[test]
    fn gathered_matches_reference(c in case(false, finite())) {
        let (got, want) = run(&c);
        Approx::sum_of(c.s.c_in * c.s.kh * c.s.kw).check(&got, &want)?;
    }

    #[test]
    fn blocked_nonfinite_does_not_panic(c in case(false, wild())) {
        run(&c);
    }
}

/// 3x3 depthwise shapes the row kernel takes: strides 1 and 2, padding on any side.
fn depthwise_case(v: BoxedStrategy<f32>) -> impl Strategy<Value = Case> {
    (
        (
            1..=2usize,
            1..=6usize,
            // Small planes (a padded copy) and planes past 1 KiB padded (edge cases).
            prop_oneof![1..=9usize, 15..=24usize],
            prop_oneof![1..=12usize, 17..=30usize],
            1..=2usize,
        ),
        (0..=1usize, 0..=2usize, 0..=2usize, 0..=2usize),
    )
        .prop_filter_map(
            "not a depthwise 3x3 the kernel takes",
            |((n, c, h, w, st), (pt, pl, pb, pr))| {
                let s = ConvShape {
                    n,
                    c_in: c,
                    h,
                    w,
                    c_out: c,
                    kh: 3,
                    kw: 3,
                    oh: out_len(h, pt, pb, 3, 1, st)?,
                    ow: out_len(w, pl, pr, 3, 1, st)?,
                    stride: (st, st),
                    pad: (pt, pl),
                    dilation: (1, 1),
                    groups: c,
                };
                depthwise3x3_applies(&s).then_some(s)
            },
        )
        .prop_flat_map(move |s| {
            let x_len = s.n * s.c_in * s.h * s.w;
            (vals(x_len, v.clone()), weights(s.c_out * 9), post(s.c_out))
                .prop_map(move |(x, w, post)| Case { s, x, w, post })
        })
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn depthwise3x3_matches_reference(c in depthwise_case(finite())) {
        let (got, want) = run(&c);
        Approx::sum_of(9).check(&got, &want)?;
    }

    #[test]
    fn depthwise3x3_nonfinite_does_not_panic(c in depthwise_case(wild())) {
        run(&c);
    }
}

/// The fixed-activation epilogues give what the run-time [`act::Act`] gives.
#[test]
fn fixed_activations_match_act() {
    let s = ConvShape {
        n: 1,
        c_in: 5,
        h: 3,
        w: 7,
        c_out: 6,
        kh: 1,
        kw: 1,
        oh: 3,
        ow: 7,
        stride: (1, 1),
        pad: (0, 0),
        dilation: (1, 1),
        groups: 1,
    };
    let x: Vec<f32> = (0..5 * 21).map(|i| (i % 11) as f32 - 5.0).collect();
    let w: Vec<f16> = (0..30)
        .map(|i| f16::from_f32((i % 7) as f32 / 3.0 - 1.0))
        .collect();
    let w = packed(&w, 6, 5);
    let shift = [0.5f32; 6];
    let run = |post: Post<'_, act::Act>| {
        let mut y = vec![0.0; 6 * 21];
        pointwise(&x, &w, &mut y, &s, post);
        y
    };
    let fixed = |f: &dyn Fn(&mut Vec<f32>)| {
        let mut y = vec![0.0; 6 * 21];
        f(&mut y);
        y
    };
    let post = |a| Post {
        scale: None,
        shift: Some(&shift[..]),
        act: a,
    };
    let cases: [(act::Act, Vec<f32>); 4] = [
        (
            act::Act::Relu,
            fixed(&|y| {
                pointwise(
                    &x,
                    &w,
                    y,
                    &s,
                    Post {
                        scale: None,
                        shift: Some(&shift[..]),
                        act: act::Relu,
                    },
                )
            }),
        ),
        (
            act::Act::Identity,
            fixed(&|y| {
                pointwise(
                    &x,
                    &w,
                    y,
                    &s,
                    Post {
                        scale: None,
                        shift: Some(&shift[..]),
                        act: act::Identity,
                    },
                )
            }),
        ),
        (
            act::Act::Clip(0.0, 6.0),
            fixed(&|y| {
                pointwise(
                    &x,
                    &w,
                    y,
                    &s,
                    Post {
                        scale: None,
                        shift: Some(&shift[..]),
                        act: act::Clip(0.0, 6.0),
                    },
                )
            }),
        ),
        (
            act::Act::LeakyRelu(0.1),
            fixed(&|y| {
                pointwise(
                    &x,
                    &w,
                    y,
                    &s,
                    Post {
                        scale: None,
                        shift: Some(&shift[..]),
                        act: act::LeakyRelu(0.1),
                    },
                )
            }),
        ),
    ];
    for (a, got) in cases {
        let want = run(post(a));
        assert_eq!(got, want, "{a:?}");
        assert!(got.iter().any(|&v| v != 0.0), "{a:?}: all zero");
    }
}
