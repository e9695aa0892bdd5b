use crate::support::{finite, vals, wide, wild, Approx};
use proptest::prelude::*;
use tinymtl_runtime::kernels::pointwise::{apply, unary, unary_inplace, Pointwise};
use tinymtl_runtime::kernels::reference as r;

fn op() -> BoxedStrategy<Pointwise> {
    prop_oneof![
        Just(Pointwise::Abs),
        Just(Pointwise::Neg),
        Just(Pointwise::Exp),
        Just(Pointwise::Log),
        Just(Pointwise::Reciprocal),
        Just(Pointwise::Softplus),
        Just(Pointwise::Erf),
        Just(Pointwise::Mish),
    ]
    .boxed()
}

fn case(v: BoxedStrategy<f32>) -> impl Strategy<Value = (Pointwise, Vec<f32>)> {
    (op(), 0..40usize).prop_flat_map(move |(a, n)| (Just(a), vals(n, v.clone())))
}

fn check_all(op: Pointwise, x: &[f32]) -> Result<(), TestCaseError> {
    let mut want = vec![0.0; x.len()];
    r::pointwise(op, x, &mut want);
    let mut got = vec![7.0; x.len()];
    unary(op, x, &mut got);
    Approx::ULPS.check(&got, &want)?;
    let mut inplace = x.to_vec();
    unary_inplace(op, &mut inplace);
    Approx::Exact.check(&inplace, &got)?;
    let single: Vec<f32> = x.iter().map(|&v| apply(op, v)).collect();
    Approx::Exact.check(&single, &got)
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn pointwise_matches_reference((op, x) in case(wide())) {
        check_all(op, &x)?;
    }

    #[test]
    fn pointwise_small_values_match_reference((op, x) in case(finite())) {
        check_all(op, &x)?;
    }

    #[test]
    fn pointwise_nonfinite_flows_through((op, x) in case(wild())) {
        check_all(op, &x)?;
    }
}

/// The ends where a naive formula fails: Softplus and Mish of large `|x|` (no
/// overflow of `e^x`, no `1 + tiny` rounding to 1), Log at 0, Reciprocal of -0.
#[test]
fn pointwise_edges() {
    let cases = [
        (Pointwise::Softplus, 100.0, 100.0),
        (Pointwise::Softplus, -20.0, 2.061_153_6e-9),
        (Pointwise::Mish, 100.0, 100.0),
        (Pointwise::Mish, -20.0, -4.122_307_3e-8),
        (Pointwise::Log, 0.0, f32::NEG_INFINITY),
        (Pointwise::Reciprocal, -0.0, f32::NEG_INFINITY),
        (Pointwise::Exp, 89.0, f32::INFINITY),
        (Pointwise::Erf, 10.0, 1.0),
    ];
    for (op, x, want) in cases {
        let got = apply(op, x);
        let close = if want.is_finite() {
            (got - want).abs() <= 1e-6 * want.abs()
        } else {
            got == want
        };
        assert!(close, "{op:?}({x}) = {got}, want {want}");
        let reference = r::pointwise_scalar(op, x);
        let agree = got == reference || (got - reference).abs() <= 2e-6 * reference.abs();
        assert!(agree, "{op:?}({x}) = {got}, reference {reference}");
    }
    assert!(apply(Pointwise::Log, -1.0).is_nan());
}

mod softplus_beta {
    use super::*;
    use tinymtl_runtime::kernels::pointwise::{
        softplus_beta, softplus_beta_inplace, softplus_beta_unary,
    };

    proptest! {
        #![proptest_config(crate::support::config())]

        #[test]
        fn matches_reference(
            x in vals(40, wide()),
            beta in prop_oneof![Just(1.0f32), 0.25f32..4.0],
            threshold in prop_oneof![Just(20.0f32), -2.0f32..8.0],
        ) {
            let want: Vec<f32> = x.iter().map(|&v| r::softplus_beta(v, beta, threshold)).collect();
            let mut got = vec![7.0; x.len()];
            softplus_beta_unary(&x, &mut got, beta, threshold);
            Approx::ULPS.check(&got, &want)?;
            let mut inplace = x.clone();
            softplus_beta_inplace(&mut inplace, beta, threshold);
            Approx::Exact.check(&inplace, &got)?;
            // Above the threshold: x itself, bit for bit.
            for (&v, &g) in x.iter().zip(&got) {
                if v * beta > threshold {
                    prop_assert_eq!(g.to_bits(), v.to_bits());
                }
            }
            let single: Vec<f32> = x.iter().map(|&v| softplus_beta(v, beta, threshold)).collect();
            Approx::Exact.check(&single, &got)?;
        }
    }
}
