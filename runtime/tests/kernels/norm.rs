//! Normalizations, Softmax and reductions.
use crate::support::{act, finite, vals, wild, Approx};
use proptest::collection::vec;
use proptest::prelude::*;
use tinymtl_runtime::kernels::norm::{
    channel_affine_inplace, layer_norm, layer_norm_inplace, ChannelShape, LayerNormShape,
};
use tinymtl_runtime::kernels::reduce::{reduce_mean, ReduceShape};
use tinymtl_runtime::kernels::softmax::{softmax_inplace, SoftmaxShape};
use tinymtl_runtime::kernels::{reference as r, Act};

type LnCase = (usize, usize, Vec<f32>, Vec<f32>, Option<Vec<f32>>, f32);

fn ln_case(v: BoxedStrategy<f32>) -> impl Strategy<Value = LnCase> {
    (0..=4usize, 1..=40usize).prop_flat_map(move |(outer, n)| {
        (
            Just(outer),
            Just(n),
            vals(outer * n, v.clone()),
            vec(0.5f32..2.0, n),
            proptest::option::of(vec(-1.0f32..1.0, n)),
            prop_oneof![Just(1e-5f32), Just(1e-3f32)],
        )
    })
}

fn ln_shape(rows: usize, features: usize) -> LayerNormShape {
    LayerNormShape { rows, features }
}

fn check_ln((outer, n, x, g, b, eps): &LnCase, tol: Approx) -> Result<(), TestCaseError> {
    let mut want = vec![0.0; x.len()];
    r::layer_norm(x, &mut want, ln_shape(*outer, *n), g, b.as_deref(), *eps);
    let mut got = vec![f32::NAN; x.len()];
    layer_norm(x, &mut got, ln_shape(*outer, *n), g, b.as_deref(), *eps);
    tol.check(&got, &want)?;
    let mut inplace = x.clone();
    layer_norm_inplace(&mut inplace, ln_shape(*outer, *n), g, b.as_deref(), *eps);
    Approx::Exact.check(&inplace, &got)
}

type SoftmaxCase = (usize, usize, usize, bool, Vec<f32>);

/// `inner` beyond the kernel's 16-column block, and 1 (the contiguous path).
fn softmax_case(v: BoxedStrategy<f32>) -> impl Strategy<Value = SoftmaxCase> {
    (
        0..=3usize,
        1..=20usize,
        prop_oneof![Just(1usize), 1..=40usize],
        any::<bool>(),
    )
        .prop_flat_map(move |(outer, n, inner, log)| {
            (
                Just(outer),
                Just(n),
                Just(inner),
                Just(log),
                vals(outer * n * inner, v.clone()),
            )
        })
}

fn run_softmax((outer, n, inner, log, x): &SoftmaxCase) -> (Vec<f32>, Vec<f32>) {
    let (mut got, mut want) = (x.clone(), x.clone());
    let s = SoftmaxShape {
        outer: *outer,
        axis: *n,
        inner: *inner,
    };
    softmax_inplace(&mut got, s, *log);
    r::softmax_inplace(&mut want, s, *log);
    (got, want)
}

type AffineCase = (usize, usize, usize, Vec<f32>, Vec<f32>, Vec<f32>, Act);

fn affine_case(v: BoxedStrategy<f32>) -> impl Strategy<Value = AffineCase> {
    (0..=3usize, 1..=6usize, 1..=20usize).prop_flat_map(move |(outer, c, inner)| {
        (
            Just(outer),
            Just(c),
            Just(inner),
            vals(outer * c * inner, v.clone()),
            vec(-2.0f32..2.0, c),
            vec(-1.0f32..1.0, c),
            act(),
        )
    })
}

fn run_affine((outer, c, inner, x, s, t, a): &AffineCase) -> (Vec<f32>, Vec<f32>) {
    let (mut got, mut want) = (x.clone(), x.clone());
    let shape = ChannelShape {
        outer: *outer,
        channels: *c,
        inner: *inner,
    };
    channel_affine_inplace(&mut got, shape, s, t, *a);
    r::channel_affine_inplace(&mut want, shape, s, t, *a);
    (got, want)
}

type MeanCase = (usize, usize, usize, Vec<f32>);

fn mean_case(v: BoxedStrategy<f32>) -> impl Strategy<Value = MeanCase> {
    (
        0..=3usize,
        0..=30usize,
        prop_oneof![Just(1usize), 1..=10usize],
    )
        .prop_flat_map(move |(outer, red, inner)| {
            (
                Just(outer),
                Just(red),
                Just(inner),
                vals(outer * red * inner, v.clone()),
            )
        })
}

fn run_mean((outer, red, inner, x): &MeanCase) -> (Vec<f32>, Vec<f32>) {
    let (mut got, mut want) = (vec![0.0; outer * inner], vec![0.0; outer * inner]);
    let s = ReduceShape {
        outer: *outer,
        reduced: *red,
        inner: *inner,
    };
    reduce_mean(x, &mut got, s);
    r::reduce_mean(x, &mut want, s);
    (got, want)
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn layer_norm_matches_reference(c in ln_case(finite())) {
        check_ln(&c, Approx::NORMALIZED)?;
    }

    #[test]
    fn layer_norm_nonfinite_does_not_panic(c in ln_case(wild())) {
        let (outer, n, x, g, b, eps) = &c;
        let mut y = vec![0.0; x.len()];
        layer_norm(x, &mut y, ln_shape(*outer, *n), g, b.as_deref(), *eps);
        let mut y = x.clone();
        layer_norm_inplace(&mut y, ln_shape(*outer, *n), g, b.as_deref(), *eps);
    }

    #[test]
    fn softmax_matches_reference(c in softmax_case(finite())) {
        let (got, want) = run_softmax(&c);
        Approx::NORMALIZED.check(&got, &want)?;
    }

    #[test]
    fn softmax_nonfinite_does_not_panic(c in softmax_case(wild())) {
        run_softmax(&c);
    }

    #[test]
    fn channel_affine_matches_reference(c in affine_case(finite())) {
        let (got, want) = run_affine(&c);
        // `Sqrt` of a value rounded to near 0 is the one steep spot; scale and shift
        // are single roundings.
        let tol = if c.6 == Act::Sqrt { Approx::NORMALIZED } else { Approx::ULPS };
        tol.check(&got, &want)?;
    }

    #[test]
    fn channel_affine_nonfinite_flows_through(c in affine_case(wild())) {
        let (got, want) = run_affine(&c);
        // Identical formulas: only f32-vs-f64 rounding differs, never NaN-ness... except
        // where the f32 affine overflows and f64's does not, so only check no panic.
        prop_assert_eq!(got.len(), want.len());
    }

    #[test]
    fn reduce_mean_matches_reference(c in mean_case(finite())) {
        let (got, want) = run_mean(&c);
        Approx::sum_of(c.1).check(&got, &want)?;
    }

    #[test]
    fn reduce_mean_nonfinite_does_not_panic(c in mean_case(wild())) {
        run_mean(&c);
    }
}
