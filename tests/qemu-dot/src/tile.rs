//! The register-blocked tile (`tinymtl_runtime::kernels::conv::tile`): on this target
//! `tile_selected` runs `runtime/src/kernels/conv/tile/m_fpu.rs` (4 output channels x 4
//! positions, sixteen `vfma` per step of `k`) whenever the weights are 4-byte aligned.
//!
//! For every `k` in 0..=[`MAX_K`], every row stride [`NR`]..[`NR`] + 3 and both weight
//! alignments, seeded cases of every finite mix (the main module's [`Mix`]), starting
//! from random accumulators, compare:
//! - aligned weights: the assembly against [`fused_model`] (each accumulator one
//!   correctly rounded `fmaf` per step, in order) **bit for bit**, and against the
//!   portable tile within the dot product's tolerance;
//! - weights 2 bytes off a word (the assembly cannot load them): the selected tile
//!   must be the portable one, bit for bit;
//! - a NaN input anywhere in a column gives NaN in that column's four accumulators.

use super::{element, tolerance, Aligned, Mix, Rng, MIXES};
use semihosting::println;
use tinymtl_runtime::kernels::conv::tile::{tile_portable, tile_selected, MR, NR};
use tinymtl_runtime::F16;

/// Longest `k` tested.
const MAX_K: usize = 40;
/// Row strides tested beyond [`NR`].
const STRIDES: usize = 4;

type Acc = [[f32; NR]; MR];

/// What the assembly must compute: `acc[i][j] = fma(x[kk][j], w[kk][i], acc[i][j])`
/// for `kk` in order (`vcvtb`/`vcvtt` convert exactly, like `to_f32`).
fn fused_model(acc: &mut Acc, x: &[f32], stride: usize, w: &[F16], k: usize) {
    for kk in 0..k {
        for (i, row) in acc.iter_mut().enumerate() {
            for (j, a) in row.iter_mut().enumerate() {
                let (xv, wv) = (x[kk * stride + j], w[kk * MR + i]);
                *a = libm::fmaf(xv, wv.to_f32(), *a);
            }
        }
    }
}

/// `(cases, failed)` over every `k`, stride and alignment.
pub fn run(rng: &mut Rng) -> (u32, u32) {
    let mut xbuf = Aligned([0.0f32; MAX_K * (NR + STRIDES)]);
    let mut wbuf = Aligned([F16::ZERO; MAX_K * MR + 2]);
    let (mut cases, mut failed) = (0u32, 0u32);
    let mut fail = |what: &str, k: usize, stride: usize, w_off: usize| {
        failed += 1;
        if failed <= 8 {
            println!("FAIL tile {what}: k={k} stride={stride} w_off={w_off}");
        }
    };
    for k in 0..=MAX_K {
        for stride in NR..NR + STRIDES {
            for w_off in [0usize, 1] {
                for mix in MIXES {
                    let x = &mut xbuf.0[..k * stride];
                    let w = &mut wbuf.0[w_off..w_off + k * MR];
                    for xv in x.iter_mut() {
                        *xv = element(rng, mix).0;
                    }
                    for wv in w.iter_mut() {
                        *wv = element(rng, mix).1;
                    }
                    let start: Acc =
                        core::array::from_fn(|_| core::array::from_fn(|_| rng.sym(4.0)));
                    let (mut got, mut port, mut model) = (start, start, start);
                    tile_selected(&mut got, x, stride, w, k);
                    tile_portable(&mut port, x, stride, w, k);
                    fused_model(&mut model, x, stride, w, k);
                    cases += 1;
                    let bits = |a: &Acc| a.map(|r| r.map(f32::to_bits));
                    if w_off == 1 {
                        if bits(&got) != bits(&port) {
                            fail("misaligned weights: selected != portable", k, stride, w_off);
                        }
                        continue;
                    }
                    if bits(&got) != bits(&model) {
                        fail("asm != fused model", k, stride, w_off);
                        continue;
                    }
                    // Per accumulator: sum |x w| over its k products, plus the start.
                    for i in 0..MR {
                        for j in 0..NR {
                            let s: f64 = (0..k)
                                .map(|kk| {
                                    (x[kk * stride + j] as f64 * w[kk * MR + i].to_f64()).abs()
                                })
                                .sum::<f64>()
                                + (start[i][j] as f64).abs();
                            let d = (got[i][j] as f64 - port[i][j] as f64).abs();
                            if !(got[i][j].is_finite() && d <= tolerance(k, s)) {
                                fail("|asm - portable| > tolerance", k, stride, w_off);
                            }
                        }
                    }
                }
                if k > 0 {
                    // A NaN in column j poisons that column only.
                    let x = &mut xbuf.0[..k * stride];
                    let w = &mut wbuf.0[w_off..w_off + k * MR];
                    for xv in x.iter_mut() {
                        *xv = element(rng, Mix::Moderate).0;
                    }
                    for wv in w.iter_mut() {
                        *wv = element(rng, Mix::Moderate).1;
                    }
                    let (kk, j) = (rng.below(k), rng.below(NR));
                    x[kk * stride + j] = f32::NAN;
                    let mut got: Acc = [[0.0; NR]; MR];
                    tile_selected(&mut got, x, stride, w, k);
                    cases += 1;
                    let ok = (0..MR).all(|i| (0..NR).all(|c| got[i][c].is_nan() == (c == j)));
                    if !ok {
                        fail("NaN column rule", k, stride, w_off);
                    }
                }
            }
        }
    }
    println!("qemu-dot: tile {} cases, {} failed", cases, failed);
    (cases, failed)
}
