use crate::support::{act, finite, vals, wide, wild, Approx};
use proptest::prelude::*;
use tinymtl_runtime::kernels::act::{apply, unary, unary_inplace};
use tinymtl_runtime::kernels::{reference as r, Act};

fn case(v: BoxedStrategy<f32>) -> impl Strategy<Value = (Act, Vec<f32>)> {
    (act(), 0..40usize).prop_flat_map(move |(a, n)| (Just(a), vals(n, v.clone())))
}

fn check_all(a: Act, x: &[f32]) -> Result<(), TestCaseError> {
    let mut want = vec![0.0; x.len()];
    r::unary(a, x, &mut want);
    let mut got = vec![7.0; x.len()];
    unary(a, x, &mut got);
    Approx::ULPS.check(&got, &want)?;
    let mut inplace = x.to_vec();
    unary_inplace(a, &mut inplace);
    Approx::Exact.check(&inplace, &got)?;
    let single: Vec<f32> = x.iter().map(|&v| apply(a, v)).collect();
    Approx::Exact.check(&single, &got)
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn unary_matches_reference((a, x) in case(wide())) {
        check_all(a, &x)?;
    }

    #[test]
    fn unary_small_values_match_reference((a, x) in case(finite())) {
        check_all(a, &x)?;
    }

    #[test]
    fn unary_nonfinite_flows_through((a, x) in case(wild())) {
        check_all(a, &x)?;
    }
}
