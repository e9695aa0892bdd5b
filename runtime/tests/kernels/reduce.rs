//! Reductions (`kernels::reduce`) against the reference, every op, on random
//! `outer x reduced x inner` shapes including empty ones.
use crate::support::{finite, vals, wild, Approx};
use proptest::prelude::*;
use tinymtl_runtime::kernels::reduce::{reduce, ReduceOp, ReduceShape};
use tinymtl_runtime::kernels::reference as r;

type Case = (ReduceOp, ReduceShape, Vec<f32>);

fn op() -> impl Strategy<Value = ReduceOp> {
    prop_oneof![
        Just(ReduceOp::Mean),
        Just(ReduceOp::Sum),
        Just(ReduceOp::Max),
        Just(ReduceOp::Min),
        Just(ReduceOp::L2),
    ]
}

fn case(v: BoxedStrategy<f32>) -> impl Strategy<Value = Case> {
    (
        op(),
        0..=3usize,
        0..=30usize,
        prop_oneof![Just(1usize), 1..=10usize],
    )
        .prop_flat_map(move |(op, outer, reduced, inner)| {
            let s = ReduceShape {
                outer,
                reduced,
                inner,
            };
            (Just(op), Just(s), vals(outer * reduced * inner, v.clone()))
        })
}

fn run((op, s, x): &Case) -> (Vec<f32>, Vec<f32>) {
    let n = s.outer * s.inner;
    // Filled with a marker: every output must be written.
    let (mut got, mut want) = (vec![7.5; n], vec![0.0; n]);
    reduce(x, &mut got, *s, *op);
    r::reduce(x, &mut want, *s, *op);
    (got, want)
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn reduce_matches_reference(c in case(finite())) {
        let (got, want) = run(&c);
        let tol = match c.0 {
            ReduceOp::Max | ReduceOp::Min => Approx::Exact,
            _ => Approx::sum_of(c.1.reduced),
        };
        tol.check(&got, &want)?;
    }

    /// Max and Min are exact whatever the input: NaN anywhere in a group gives NaN,
    /// infinities and extremes compare as values. The others must not panic.
    #[test]
    fn reduce_nonfinite(c in case(wild())) {
        let (got, want) = run(&c);
        if matches!(c.0, ReduceOp::Max | ReduceOp::Min) {
            Approx::Exact.check(&got, &want)?;
        }
    }
}

#[test]
fn max_and_min_propagate_nan_from_any_position() {
    let s = ReduceShape {
        outer: 3,
        reduced: 3,
        inner: 1,
    };
    let x = [f32::NAN, 1.0, 2.0, 2.0, f32::NAN, 1.0, 1.0, 2.0, f32::NAN];
    for op in [ReduceOp::Max, ReduceOp::Min] {
        let mut y = [0.0; 3];
        reduce(&x, &mut y, s, op);
        assert!(y.iter().all(|v| v.is_nan()), "{op:?}: {y:?}");
    }
}

#[test]
fn empty_reductions_give_the_identity() {
    let s = ReduceShape {
        outer: 2,
        reduced: 0,
        inner: 3,
    };
    for (op, want) in [
        (ReduceOp::Sum, 0.0),
        (ReduceOp::L2, 0.0),
        (ReduceOp::Max, f32::NEG_INFINITY),
        (ReduceOp::Min, f32::INFINITY),
    ] {
        let mut y = [1.0; 6];
        reduce(&[], &mut y, s, op);
        assert_eq!(y, [want; 6], "{op:?}");
    }
}

#[test]
fn l2_and_sum_of_a_known_block() {
    // x = [[3, 4], [0, 0]] reduced over the first axis (inner = 2).
    let s = ReduceShape {
        outer: 1,
        reduced: 2,
        inner: 2,
    };
    let x = [3.0, 4.0, 0.0, -1.0];
    let mut y = [0.0; 2];
    reduce(&x, &mut y, s, ReduceOp::L2);
    assert_eq!(y, [3.0, 17f32.sqrt()]);
    reduce(&x, &mut y, s, ReduceOp::Sum);
    assert_eq!(y, [3.0, 3.0]);
}

/// The lowering's claim: reducing axes 0 and 2 of `[a, b, c]` as two chained calls
/// (axis 0 as `1 x a x b*c`, then axis 2 of the `[1, b, c]` result as `b x c x 1`)
/// equals reducing both at once, for every op.
#[test]
fn chained_runs_equal_one_reduction_over_both_axes() {
    let (a, b, c) = (3usize, 4usize, 5usize);
    let x: Vec<f32> = (0..a * b * c)
        .map(|i| ((i * 37 % 23) as f32 - 11.0) / 7.0)
        .collect();
    for op in [
        ReduceOp::Mean,
        ReduceOp::Sum,
        ReduceOp::Max,
        ReduceOp::Min,
        ReduceOp::L2,
    ] {
        let mut t = vec![0.0; b * c];
        let s1 = ReduceShape {
            outer: 1,
            reduced: a,
            inner: b * c,
        };
        reduce(&x, &mut t, s1, op);
        let mut got = vec![0.0; b];
        let s2 = ReduceShape {
            outer: b,
            reduced: c,
            inner: 1,
        };
        reduce(&t, &mut got, s2, op);
        // Reference: gather each group of axis 1 explicitly and reduce it as one block.
        let mut want = vec![0.0; b];
        for (j, w) in want.iter_mut().enumerate() {
            let group: Vec<f32> = (0..a)
                .flat_map(|i| (0..c).map(move |k| (i * b + j) * c + k))
                .map(|at| x[at])
                .collect();
            let one = ReduceShape {
                outer: 1,
                reduced: a * c,
                inner: 1,
            };
            r::reduce(&group, std::slice::from_mut(w), one, op);
        }
        Approx::sum_of(a * c)
            .check(&got, &want)
            .unwrap_or_else(|e| panic!("{op:?}: {e}"));
    }
}
