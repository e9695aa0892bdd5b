//! The convolution tile (`kernels::conv::tile`) on its own, on the target the tests are
//! built for: with the x86 intrinsics (`cfg(tinymtl_x86_avx2)`, `cargo xtask test`
//! builds these tests a second time with `-C target-cpu=native`) the selected tile must
//! equal, bit for bit, a model that rounds each accumulator once per step
//! (`f32::mul_add`, in `k` order); with the portable loop, the portable tile. Every `k`
//! up to 40, row strides past [`NR`], weights on and off a word, random starting
//! accumulators; and a NaN input poisons its own position's accumulators only.
//! (`tests/qemu-dot` does the same for the Cortex-M4F assembly.)

use crate::support::{config, vals, weights};
use half::f16;
use proptest::prelude::*;
use tinymtl_runtime::kernels::conv::tile::{
    tile_portable, tile_selected, wide, Acc, HAS_WIDE, MR, NR, SELECTED_IS_PORTABLE, WIDE_MR,
    WIDE_NR,
};

type WideAcc = [[f32; WIDE_MR]; WIDE_NR];

/// The wide tile's fused model: `acc[j][c] = fma(x[kk][j], w_c[kk], acc[j][c])` for `kk`
/// in order, channel `c` being lane `c % MR` of packed block `c / MR`.
fn wide_model(acc: &mut WideAcc, x: &[f32], stride: usize, w: &[f16], k: usize) {
    for kk in 0..k {
        for (j, row) in acc.iter_mut().enumerate() {
            for (c, a) in row.iter_mut().enumerate() {
                let wv = w[(c / MR) * k * MR + kk * MR + c % MR].to_f32();
                *a = x[kk * stride + j].mul_add(wv, *a);
            }
        }
    }
}

/// The fused model: `acc[i][j] = fma(x[kk][j], w[kk][i], acc[i][j])` for `kk` in order.
fn fused_model(acc: &mut Acc, x: &[f32], stride: usize, w: &[f16], k: usize) {
    for kk in 0..k {
        for (i, row) in acc.iter_mut().enumerate() {
            for (j, a) in row.iter_mut().enumerate() {
                *a = x[kk * stride + j].mul_add(w[kk * MR + i].to_f32(), *a);
            }
        }
    }
}

#[derive(Clone, Debug)]
struct Case {
    k: usize,
    stride: usize,
    w_off: usize,
    x: Vec<f32>,
    w: Vec<f16>,
    start: Vec<f32>,
}

fn case() -> impl Strategy<Value = Case> {
    (0..=40usize, 0..4usize, 0..2usize).prop_flat_map(|(k, extra, w_off)| {
        let stride = NR + extra;
        (
            vals(k * stride, (-4.0f32..4.0).boxed()),
            weights(k * MR + w_off),
            vals(MR * NR, (-4.0f32..4.0).boxed()),
        )
            .prop_map(move |(x, w, start)| Case {
                k,
                stride,
                w_off,
                x,
                w,
                start,
            })
    })
}

fn acc_of(v: &[f32]) -> Acc {
    core::array::from_fn(|i| core::array::from_fn(|j| v[i * NR + j]))
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn selected_tile_is_the_fused_model_or_the_portable_loop(c in case()) {
        let w = &c.w[c.w_off..];
        let (mut got, mut port, mut model) = (acc_of(&c.start), acc_of(&c.start), acc_of(&c.start));
        tile_selected(&mut got, &c.x, c.stride, w, c.k);
        tile_portable(&mut port, &c.x, c.stride, w, c.k);
        fused_model(&mut model, &c.x, c.stride, w, c.k);
        let bits = |a: &Acc| a.map(|r| r.map(f32::to_bits));
        let want = if SELECTED_IS_PORTABLE { port } else { model };
        prop_assert_eq!(bits(&got), bits(&want));
    }

    #[test]
    fn wide_tile_is_its_fused_model(
        k in 0..=40usize,
        extra in 0..4usize,
        seed in vals(WIDE_NR * WIDE_MR, (-4.0f32..4.0).boxed()),
        x in vals(40 * (WIDE_NR + 3), (-4.0f32..4.0).boxed()),
        w in weights(40 * WIDE_MR + 1),
        w_off in 0..2usize,
    ) {
        let stride = WIDE_NR + extra;
        let x = &x[..k * stride];
        let w = &w[w_off..w_off + k * WIDE_MR];
        let start: WideAcc = core::array::from_fn(|j| core::array::from_fn(|c| seed[j * WIDE_MR + c]));
        let (mut got, mut model) = (start, start);
        let done = wide(&mut got, x, stride, w, k);
        prop_assert_eq!(done, HAS_WIDE);
        if done {
            wide_model(&mut model, x, stride, w, k);
        }
        let bits = |a: &WideAcc| a.map(|r| r.map(f32::to_bits));
        prop_assert_eq!(bits(&got), bits(&model));
        // Operands one value short: refused, nothing written.
        if k > 0 {
            let mut again = start;
            prop_assert!(!wide(&mut again, &x[..x.len() - 1 - extra], stride, w, k));
            prop_assert_eq!(bits(&again), bits(&start));
        }
    }

    #[test]
    fn a_nan_input_poisons_its_position_only(c in case(), at in any::<(usize, usize)>()) {
        prop_assume!(c.k > 0);
        let mut x = c.x.clone();
        let (kk, j) = (at.0 % c.k, at.1 % NR);
        x[kk * c.stride + j] = f32::NAN;
        let mut got = acc_of(&c.start);
        tile_selected(&mut got, &x, c.stride, &c.w[c.w_off..], c.k);
        for row in &got {
            for (p, v) in row.iter().enumerate() {
                prop_assert_eq!(v.is_nan(), p == j, "position {}", p);
            }
        }
    }
}

/// Built with AVX2, FMA and F16C (and without `TINYMTL_NO_ASM`), the intrinsics tile and
/// dot product are the ones selected: the native test run checks what it claims to.
#[test]
fn x86_builds_with_avx2_select_the_intrinsics() {
    let avx2 = cfg!(all(
        target_arch = "x86_64",
        target_feature = "avx2",
        target_feature = "fma",
        target_feature = "f16c"
    ));
    if avx2 && option_env!("TINYMTL_NO_ASM").is_none() {
        let dot = tinymtl_runtime::kernels::dot::SELECTED_IS_PORTABLE;
        assert_eq!((SELECTED_IS_PORTABLE, NR, dot), (false, 16, false));
    }
}
