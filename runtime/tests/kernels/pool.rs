use crate::support::{finite, pool_shape, vals, wild, Approx};
use proptest::prelude::*;
use tinymtl_runtime::kernels::pool::{avg_pool, max_pool, PoolShape};
use tinymtl_runtime::kernels::reference as r;

fn case(v: BoxedStrategy<f32>) -> impl Strategy<Value = (PoolShape, Vec<f32>, bool)> {
    pool_shape().prop_flat_map(move |s| {
        (
            Just(s),
            vals(s.planes * s.d * s.h * s.w, v.clone()),
            any::<bool>(),
        )
    })
}

fn run(s: &PoolShape, x: &[f32], include_pad: bool) -> [(Vec<f32>, Vec<f32>); 2] {
    let len = s.planes * s.od * s.oh * s.ow;
    let (mut gm, mut wm) = (vec![f32::NAN; len], vec![0.0; len]);
    max_pool(x, &mut gm, s);
    r::max_pool(x, &mut wm, s);
    let (mut ga, mut wa) = (vec![f32::NAN; len], vec![0.0; len]);
    avg_pool(x, &mut ga, s, include_pad);
    r::avg_pool(x, &mut wa, s, include_pad);
    [(gm, wm), (ga, wa)]
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn pools_match_reference((s, x, include_pad) in case(finite())) {
        let [(gm, wm), (ga, wa)] = run(&s, &x, include_pad);
        Approx::Exact.check(&gm, &wm)?;
        Approx::sum_of(s.kd * s.kh * s.kw).check(&ga, &wa)?;
    }

    #[test]
    fn pools_nonfinite_do_not_panic((s, x, include_pad) in case(wild())) {
        let [(gm, wm), _] = run(&s, &x, include_pad);
        // Max is exact whatever the values: NaN never wins, infinities do.
        Approx::Exact.check(&gm, &wm)?;
    }
}
