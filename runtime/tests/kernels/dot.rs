//! The f16 x f32 dot product under every dense layer and convolution, on its own: long
//! rows (0..=300, past many blocks of 8 and every tail length), weights starting on a
//! word or 2 bytes past one, against the exact sum; and the NaN / infinity rules.
//! `tests/qemu-dot` runs the same properties on the Cortex-M4F assembly.

use crate::support::{finite, vals, weights, wide};
use half::f16;
use proptest::prelude::*;
use tinymtl_runtime::kernels::dot::{dot_f16_portable, dot_f16_selected, SELECTED_IS_PORTABLE};

/// Weights copied to element `off` of a 16-byte aligned buffer (4-byte aligned at
/// offsets 0 and 2, 2-byte aligned at 1 and 3).
#[repr(C, align(16))]
struct Aligned([f16; 304]);

fn placed(w: &[f16], off: usize) -> Box<Aligned> {
    let mut buf = Box::new(Aligned([f16::ZERO; 304]));
    buf.0[off..off + w.len()].copy_from_slice(w);
    buf
}

#[derive(Clone, Debug)]
struct Case {
    off: usize,
    x: Vec<f32>,
    w: Vec<f16>,
}

fn case(v: fn() -> BoxedStrategy<f32>) -> impl Strategy<Value = Case> {
    (0..=300usize, 0..4usize).prop_flat_map(move |(n, off)| {
        (vals(n, v()), weights(n)).prop_map(move |(x, w)| Case { off, x, w })
    })
}

/// `|got - exact| <= (n + 2) eps sum|x w|`: no product passes through more than
/// `n + 2` roundings of `u = eps / 2` (its own, its lane's additions, the lane sum,
/// the tail, `body + tail`), which bounds the error by `(n + 2) u sum|x w|` (to first
/// order; the factor 2 covers the rest); plus `2^-148` per term for products that
/// round in the subnormal range.
fn check(c: &Case) -> Result<(), TestCaseError> {
    let n = c.x.len();
    let buf = placed(&c.w, c.off);
    let w = &buf.0[c.off..c.off + n];
    let got = dot_f16_selected(&c.x, w);
    // Without an assembly or intrinsics loop the kernels' loop is the portable one.
    if SELECTED_IS_PORTABLE {
        prop_assert_eq!(got.to_bits(), dot_f16_portable(&c.x, w).to_bits());
    }
    let exact: f64 =
        c.x.iter()
            .zip(w)
            .map(|(&x, &w)| x as f64 * w.to_f64())
            .sum();
    let s: f64 =
        c.x.iter()
            .zip(w)
            .map(|(&x, &w)| (x as f64 * w.to_f64()).abs())
            .sum();
    let tol = (n as f64 + 2.0) * f32::EPSILON as f64 * s + (n as f64 + 1.0) * 2f64.powi(-148);
    prop_assert!(
        got.is_finite() && (got as f64 - exact).abs() <= tol,
        "n {} offset {}: got {:e}, exact {:e}, tolerance {:e}",
        n,
        c.off,
        got,
        exact,
        tol
    );
    Ok(())
}

#[derive(Clone, Copy, Debug)]
enum Special {
    Nan,
    Inf,
    InfMinusInf,
    InfTimesZero,
}

fn special_case() -> impl Strategy<Value = (Case, Special, usize, usize, bool)> {
    (
        case(finite),
        prop_oneof![
            Just(Special::Nan),
            Just(Special::Inf),
            Just(Special::InfMinusInf),
            Just(Special::InfTimesZero)
        ],
        any::<usize>(),
        any::<usize>(),
        any::<bool>(),
    )
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn dot_matches_exact_sum(c in case(finite)) {
        check(&c)?;
    }

    #[test]
    fn dot_matches_exact_sum_wide(c in case(wide)) {
        check(&c)?;
    }

    /// A NaN activation gives NaN; an infinite one times a finite non-zero weight gives
    /// that signed infinity; +inf plus -inf, and inf times a zero weight, give NaN.
    /// (Weights are finite by contract: codegen refuses the others.)
    #[test]
    fn dot_nonfinite_rules((mut c, special, p, q, neg) in special_case()) {
        let n = c.x.len();
        prop_assume!(n >= 2 || (n == 1 && !matches!(special, Special::InfMinusInf)));
        let (p, q) = (p % n, (p % n + 1 + q % (n - 1).max(1)) % n);
        let inf = if neg { f32::NEG_INFINITY } else { f32::INFINITY };
        let nonzero = |h: f16| if h.to_f32() == 0.0 { f16::from_f32(0.75) } else { h };
        let want = match special {
            Special::Nan => {
                c.x[p] = f32::NAN;
                f32::NAN
            }
            Special::Inf => {
                c.w[p] = nonzero(c.w[p]);
                c.x[p] = inf;
                if c.w[p].to_f32() < 0.0 { -inf } else { inf }
            }
            Special::InfMinusInf => {
                c.w[p] = nonzero(c.w[p]);
                c.w[q] = nonzero(c.w[q]);
                c.x[p] = inf;
                let same = (c.w[p].to_f32() < 0.0) == (c.w[q].to_f32() < 0.0);
                c.x[q] = if same { -inf } else { inf };
                f32::NAN
            }
            Special::InfTimesZero => {
                c.w[p] = f16::from_f32(if neg { 0.0 } else { -0.0 });
                c.x[p] = inf;
                f32::NAN
            }
        };
        let buf = placed(&c.w, c.off);
        let w = &buf.0[c.off..c.off + n];
        for got in [dot_f16_selected(&c.x, w), dot_f16_portable(&c.x, w)] {
            prop_assert!(
                (got.is_nan() && want.is_nan()) || got == want,
                "{:?} at {} (and {}) of {}, offset {}: got {:e}, want {:e}",
                special, p, q, n, c.off, got, want
            );
        }
    }
}
