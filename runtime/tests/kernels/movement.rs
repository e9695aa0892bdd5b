use crate::support::{finite, strides, vals, wild, Approx};
use proptest::collection::vec;
use proptest::prelude::*;
use tinymtl_runtime::kernels::movement::{concat_part, copy, permute, ConcatShape, Strided};
use tinymtl_runtime::kernels::reference as r;

#[derive(Clone, Debug)]
struct PermuteCase {
    out_shape: [usize; 6],
    src_strides: [usize; 6],
    x: Vec<f32>,
}

impl PermuteCase {
    fn view(&self) -> Strided {
        Strided {
            shape: self.out_shape,
            strides: self.src_strides,
        }
    }
}

/// A transpose of a rank 1..=6 tensor; some axes read with stride 0 (an Expand), and
/// size-1 axes carry arbitrary strides (they are never stepped).
fn permute_case(v: BoxedStrategy<f32>) -> impl Strategy<Value = PermuteCase> {
    (1..=6usize)
        .prop_flat_map(|rank| {
            (
                vec(1..=4usize, rank),
                Just((0..rank).collect::<Vec<usize>>()).prop_shuffle(),
                vec(prop_oneof![5 => Just(false), 1 => Just(true)], rank),
                vec(0..10usize, 6),
            )
        })
        .prop_flat_map(move |(in_shape, perm, expand, junk)| {
            let rank = in_shape.len();
            let in_strides = strides(&in_shape, &(0..rank).collect::<Vec<_>>());
            let mut out_shape = [1; 6];
            let mut src_strides: [usize; 6] = junk.clone().try_into().unwrap();
            for d in 0..rank {
                out_shape[6 - rank + d] = in_shape[perm[d]];
                src_strides[6 - rank + d] = if expand[d] { 0 } else { in_strides[perm[d]] };
                if in_shape[perm[d]] == 1 {
                    src_strides[6 - rank + d] = junk[d];
                }
            }
            let len: usize = in_shape.iter().product();
            vals(len, v.clone()).prop_map(move |x| PermuteCase {
                out_shape,
                src_strides,
                x,
            })
        })
}

fn concat_case(
    v: BoxedStrategy<f32>,
) -> impl Strategy<Value = (usize, usize, usize, usize, Vec<f32>, Vec<f32>)> {
    (0..=4usize, 0..=6usize, 0..=3usize, 0..=3usize).prop_flat_map(
        move |(outer, chunk, y_col, extra)| {
            let y_row = y_col + chunk + extra;
            (
                Just(outer),
                Just(chunk),
                Just(y_row),
                Just(y_col),
                vals(outer * chunk, v.clone()),
                vals(outer * y_row, v.clone()),
            )
        },
    )
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn permute_matches_reference(c in permute_case(finite())) {
        let n: usize = c.out_shape.iter().product();
        let (mut got, mut want) = (vec![f32::NAN; n], vec![0.0; n]);
        permute(&c.x, &mut got, &c.view());
        r::permute(&c.x, &mut want, &c.view());
        Approx::Exact.check(&got, &want)?;
    }

    #[test]
    fn permute_nonfinite_flows_through(c in permute_case(wild())) {
        let n: usize = c.out_shape.iter().product();
        let (mut got, mut want) = (vec![0.0; n], vec![0.0; n]);
        permute(&c.x, &mut got, &c.view());
        r::permute(&c.x, &mut want, &c.view());
        Approx::Exact.check(&got, &want)?;
    }

    #[test]
    fn concat_part_matches_reference((outer, chunk, y_row, y_col, x, y) in concat_case(wild())) {
        let (mut got, mut want) = (y.clone(), y);
        let s = ConcatShape { rows: outer, width: chunk, out_width: y_row, col: y_col };
        concat_part(&x, &mut got, s);
        r::concat_part(&x, &mut want, s);
        Approx::Exact.check(&got, &want)?;
        let mut c = vec![0.0; x.len()];
        copy(&x, &mut c);
        Approx::Exact.check(&c, &x)?;
    }
}
