use crate::support::{finite, post, vals, weights, wild, Approx, OwnedPost};
use half::f16;
use proptest::prelude::*;
use tinymtl_runtime::kernels::dense::{dense, matmul, DenseShape, MatMulShape};
use tinymtl_runtime::kernels::reference as r;

#[derive(Clone, Debug)]
struct DenseCase {
    m: usize,
    k: usize,
    n: usize,
    x: Vec<f32>,
    w: Vec<f16>,
    post: OwnedPost,
}

fn dense_case(v: BoxedStrategy<f32>) -> impl Strategy<Value = DenseCase> {
    (0..=4usize, 0..=70usize, 0..=20usize).prop_flat_map(move |(m, k, n)| {
        (vals(m * k, v.clone()), weights(n * k), post(n)).prop_map(move |(x, w, post)| DenseCase {
            m,
            k,
            n,
            x,
            w,
            post,
        })
    })
}

fn run_dense(c: &DenseCase) -> (Vec<f32>, Vec<f32>) {
    let mut got = vec![f32::NAN; c.m * c.n];
    let s = DenseShape {
        rows: c.m,
        inputs: c.k,
        outputs: c.n,
    };
    dense(&c.x, &c.w, &mut got, s, c.post.post());
    let mut want = vec![0.0; c.m * c.n];
    r::dense(&c.x, &c.w, &mut want, s, c.post.post());
    (got, want)
}

#[derive(Clone, Debug)]
struct MatmulCase {
    batch: usize,
    m: usize,
    k: usize,
    n: usize,
    a_stride: usize,
    b_stride: usize,
    a: Vec<f32>,
    b: Vec<f32>,
}

fn matmul_case(v: BoxedStrategy<f32>) -> impl Strategy<Value = MatmulCase> {
    (
        (0..=3usize, 0..=4usize, 0..=20usize, 0..=20usize),
        any::<bool>(),
        any::<bool>(),
    )
        .prop_flat_map(move |((batch, m, k, n), a_bc, b_bc)| {
            let a_stride = if a_bc { 0 } else { m * k };
            let b_stride = if b_bc { 0 } else { k * n };
            let a_len = if a_bc { m * k } else { batch * m * k };
            let b_len = if b_bc { k * n } else { batch * k * n };
            (vals(a_len, v.clone()), vals(b_len, v.clone())).prop_map(move |(a, b)| MatmulCase {
                batch,
                m,
                k,
                n,
                a_stride,
                b_stride,
                a,
                b,
            })
        })
}

fn run_matmul(c: &MatmulCase) -> (Vec<f32>, Vec<f32>) {
    let len = c.batch * c.m * c.n;
    let mut got = vec![f32::NAN; len];
    #[rustfmt::skip]
    let s = MatMulShape {
        batch: c.batch,
        rows: c.m,
        depth: c.k,
        cols: c.n,
        a_stride: c.a_stride,
        b_stride: c.b_stride,
    };
    matmul(&c.a, &c.b, &mut got, &s);
    let mut want = vec![0.0; len];
    #[rustfmt::skip]
    r::matmul(&c.a, &c.b, &mut want, &s);
    (got, want)
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn dense_matches_reference(c in dense_case(finite())) {
        let (got, want) = run_dense(&c);
        Approx::sum_of(c.k).check(&got, &want)?;
    }

    #[test]
    fn dense_nonfinite_does_not_panic(c in dense_case(wild())) {
        run_dense(&c);
    }

    #[test]
    fn matmul_matches_reference(c in matmul_case(finite())) {
        let (got, want) = run_matmul(&c);
        Approx::sum_of(c.k).check(&got, &want)?;
    }

    #[test]
    fn matmul_nonfinite_does_not_panic(c in matmul_case(wild())) {
        run_matmul(&c);
    }
}
