//! Scalar transcendental functions for kernels, chosen per function for accuracy
//! against the numerics contract (see the README).
//!
//! The contract is that model outputs stay within `1e-3 + 1e-3 * |ref|` of
//! onnxruntime. Errors compound through a network, so every function feeding
//! Softmax, Sigmoid, Tanh, Gelu, LayerNorm or Pow must be good to a few ulps
//! (~1e-6 relative), not merely to 1e-3.
//!
//! # Measured accuracy and choice
//!
//! Measured by the unit tests below (`cargo test -p tinymtl-runtime math -- --nocapture`
//! prints the table) on dense sweeps against `f64` std functions, the `f64` result
//! rounded to `f32` giving the ulp. "rel" is `|f - ref| / |ref|`.
//!
//! | function | sweep | `micromath` 2.1 | `libm` 0.2 | used |
//! |---|---|---|---|---|
//! | `exp` | `[-87, 88]` | 2.4e-3 rel (2e4 ulp) | 7.1e-8 rel (0.9 ulp) | `libm::expf` |
//! | `expm1` | `[-20, 20]` | none | 7.9e-8 rel (0.8 ulp) | `libm::expm1f` (Elu) |
//! | `ln` | `[1e-6, 1e6]` | 0.12 abs, 1.9 rel near 1 | 7.8e-8 rel (0.7 ulp) | `libm::logf` |
//! | `sqrt` | `[1e-6, 1e6]` | 6.1e-2 rel | 6.0e-8 rel (0.5 ulp, correctly rounded) | `libm::sqrtf` |
//! | `1/sqrt` (LayerNorm) | `[1e-6, 1e6]` | 3.4e-2 rel (`invsqrt`) | 8.9e-8 rel (1.5 ulp, `1 / sqrtf`) | `1 / libm::sqrtf` |
//! | `powf` | `x ∈ [0.01, 100], y ∈ [-4, 4]` | 0.60 rel | 6.9e-8 rel (0.8 ulp) | `libm::powf` |
//! | `tanh` | `[-10, 10]` | none; `2/(1+exp(-2x))-1` with its `exp`: 3.2e-3 rel | 1.6e-7 rel (2.0 ulp) | `libm::tanhf` |
//! | `erf` | `[-6, 6]` | none | 7.7e-8 rel (0.9 ulp) | `libm::erff` |
//! | `erfc` | `[-6, 4]` | none | 2.1e-7 rel (3.0 ulp) | `libm::erfcf` (Gelu) |
//! | `sigmoid` | `[-30, 30]` | 7.9e-4 rel (with its `exp`) | 1.5e-7 rel (2.3 ulp, `1/(1+expf(-x))`) | libm-based |
//! | `exp`, `sigmoid`, `tanh` for recurrent cells | as above | — | straight-line polynomial: exp ≤ 2 ulp, sigmoid ≤ 2.3 ulp, tanh ≤ 2e-7 abs | `exp_straight` and friends |
//! | `floor` | `[-1e6, 1e6]` + specials | exact in range; wrong beyond `2^31` and for NaN (gives 0) | exact | not needed by kernels |
//! | `abs` | all | exact (sign-bit clear) | exact | `f32::abs` from `core` |
//!
//! Every `micromath` approximation that kernels could use is one to four orders of
//! magnitude too coarse for the contract, and its exact functions (`abs`, `copysign`)
//! are already in `core`. So kernels use **no** `micromath` function; the crate stays a
//! dev-dependency only to keep these measurements reproducible.
//!
//! `libm::sqrtf` is a software routine on Cortex-M (no `vsqrt` without `unsafe` asm);
//! kernels call it once per LayerNorm row, and only the elementwise `Sqrt` op calls it
//! per element.
//!
//! The `libm` routines select polynomial pieces by argument range, so their timing
//! varies slightly with the value; the kernels' own loops have no data-dependent
//! branches.

/// `e^x` (`libm::expf`, ≤ 1 ulp). Overflows to `+inf` above ~88.72, underflows to 0.
#[inline]
pub fn exp(x: f32) -> f32 {
    libm::expf(x)
}

/// `e^x - 1`, accurate near 0 (`libm::expm1f`).
#[inline]
pub fn expm1(x: f32) -> f32 {
    libm::expm1f(x)
}

/// Natural logarithm (`libm::logf`, ≤ 1 ulp).
#[inline]
pub fn ln(x: f32) -> f32 {
    libm::logf(x)
}

/// Hyperbolic tangent (`libm::tanhf`, ≤ 2 ulp).
#[inline]
pub fn tanh(x: f32) -> f32 {
    libm::tanhf(x)
}

/// Error function (`libm::erff`, ≤ 2 ulp).
#[inline]
pub fn erf(x: f32) -> f32 {
    libm::erff(x)
}

/// Complementary error function `1 - erf(x)` without cancellation (`libm::erfcf`).
#[inline]
pub fn erfc(x: f32) -> f32 {
    libm::erfcf(x)
}

/// `ln(1 + x)`, accurate near 0 (`libm::log1pf`; Softplus, Mish).
#[inline]
pub fn log1p(x: f32) -> f32 {
    libm::log1pf(x)
}

/// `ln(1 + e^x)` without overflow or cancellation: `max(x, 0) + ln(1 + e^-|x|)`.
#[inline]
pub fn softplus(x: f32) -> f32 {
    let pos = if x > 0.0 { x } else { 0.0 };
    pos + log1p(exp(-x.abs()))
}

/// Square root (`libm::sqrtf`, correctly rounded; NaN for negative input).
#[inline]
pub fn sqrt(x: f32) -> f32 {
    libm::sqrtf(x)
}

/// `x^y` with IEEE/C99 special cases (`libm::powf`, ≤ 1 ulp).
#[inline]
pub fn powf(x: f32, y: f32) -> f32 {
    libm::powf(x, y)
}

/// Logistic function `1 / (1 + e^-x)`, ≤ 2 ulp; saturates cleanly to 0 and 1.
#[inline]
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + exp(-x))
}

/// `e^x` in straight-line code: no branch, no table, the same instructions for
/// every `x` (`libm::expf` picks its path by the argument). Clamped to `[-87, 88]`
/// (so `2^k` stays a normal float; NaN stays NaN), split as `x = k·ln 2 + r` with
/// Cody and Waite's two-part `ln 2`, `e^r` by its Taylor series to degree 7 on
/// `|r| <= ln 2 / 2` (truncation below 6e-9 relative), scaled by `2^k` built in the
/// exponent bits. ≤ 2 ulp on `[-87, 88]` (the tests below). For the recurrent cells,
/// which take five of these per hidden unit and step.
#[inline(always)]
pub fn exp_straight(x: f32) -> f32 {
    // Comparisons select without a branch (and let NaN through, unlike `max`/`min`).
    let x = if x < -87.0 { -87.0 } else { x };
    let x = if x > 88.0 { 88.0 } else { x };
    // Round to the nearest integer: 1.5·2^23 pushes the fraction out of the mantissa.
    let k = (x * core::f32::consts::LOG2_E + 12_582_912.0) - 12_582_912.0;
    let r = (x - k * 0.693_359_4) - k * -2.121_944_4e-4;
    let p = 1.0
        + r * (1.0
            + r * (0.5
                + r * (1.0 / 6.0
                    + r * (1.0 / 24.0
                        + r * (1.0 / 120.0 + r * (1.0 / 720.0 + r * (1.0 / 5040.0)))))));
    // `k` is in [-126, 127]; a NaN `x` gives k = 0 and p = NaN.
    p * f32::from_bits(((k as i32 + 127) as u32) << 23)
}

/// Logistic function by [`exp_straight`]: `1 / (1 + e^-x)`, ≤ 3 ulp, branch-free.
#[inline(always)]
pub fn sigmoid_straight(x: f32) -> f32 {
    1.0 / (1.0 + exp_straight(-x))
}

/// Hyperbolic tangent by [`exp_straight`]: `1 - 2 / (e^2x + 1)`, branch-free, within
/// 2e-7 absolute (not relative: near 0 the subtraction leaves `x` to about one ulp
/// of 1, which is what a gate feeding a sum of O(1) terms needs).
#[inline(always)]
pub fn tanh_straight(x: f32) -> f32 {
    1.0 - 2.0 / (exp_straight(2.0 * x) + 1.0)
}

#[cfg(test)]
mod tests {
    //! Accuracy sweeps: every candidate against std's `f64` functions.
    use micromath::F32Ext;

    /// Worst errors of one candidate over one sweep.
    #[derive(Clone, Copy, Debug, Default)]
    struct Err {
        abs: f64,
        rel: f64,
        ulp: f64,
    }

    fn ulp_of(r: f32) -> f64 {
        let a = r.abs();
        if a == 0.0 || !a.is_finite() {
            return f64::from(f32::from_bits(1));
        }
        let next = f32::from_bits(a.to_bits() + 1);
        f64::from(next) - f64::from(a)
    }

    fn measure(
        xs: impl Iterator<Item = f32>,
        f: impl Fn(f32) -> f32,
        reference: impl Fn(f64) -> f64,
    ) -> Err {
        let mut e = Err::default();
        for x in xs {
            let r = reference(f64::from(x));
            let got = f64::from(f(x));
            let d = (got - r).abs();
            // Past f32's range the reference rounds to inf; compare there exactly.
            if !(r as f32).is_finite() {
                assert_eq!(got as f32, r as f32, "x = {x}");
                continue;
            }
            e.abs = e.abs.max(d);
            if r != 0.0 {
                e.rel = e.rel.max(d / r.abs());
            }
            e.ulp = e.ulp.max(d / ulp_of(r as f32));
        }
        e
    }

    fn lin(lo: f32, hi: f32, n: usize) -> impl Iterator<Item = f32> {
        (0..=n).map(move |i| lo + (hi - lo) * (i as f32 / n as f32))
    }

    fn log_sweep(lo: f64, hi: f64, n: usize) -> impl Iterator<Item = f32> {
        let (a, b) = (lo.ln(), hi.ln());
        (0..=n).map(move |i| (a + (b - a) * i as f64 / n as f64).exp() as f32)
    }

    // Dense sweeps natively; a sparse one under Miri (same code paths, ~1000x slower).
    const N: usize = if cfg!(miri) { 2_000 } else { 400_000 };

    fn report(name: &str, e: Err) -> Err {
        println!(
            "{name:<28} abs {:.2e}  rel {:.2e}  ulp {:.1}",
            e.abs, e.rel, e.ulp
        );
        e
    }

    fn mm_exp(x: f32) -> f32 {
        F32Ext::exp(x)
    }

    #[test]
    fn exp_accuracy() {
        let l = report(
            "exp libm",
            measure(lin(-87.0, 88.0, N), super::exp, f64::exp),
        );
        assert!(l.ulp <= 1.0 && l.rel < 2e-7, "{l:?}");
        let m = report(
            "exp micromath",
            measure(lin(-87.0, 88.0, N), mm_exp, f64::exp),
        );
        assert!(m.rel > 1e-4 && m.rel < 4e-3, "{m:?}");
        let e = report(
            "expm1 libm",
            measure(lin(-20.0, 20.0, N), super::expm1, f64::exp_m1),
        );
        assert!(e.ulp <= 2.0, "{e:?}");
    }

    #[test]
    fn straight_line_accuracy() {
        let e = report(
            "exp straight",
            measure(lin(-87.0, 88.0, N), super::exp_straight, f64::exp),
        );
        assert!(e.ulp <= 2.0 && e.rel < 3e-7, "{e:?}");
        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        let s = report(
            "sigmoid straight",
            measure(lin(-30.0, 30.0, N), super::sigmoid_straight, sig),
        );
        assert!(s.rel < 4e-7, "{s:?}");
        let t = report(
            "tanh straight",
            measure(lin(-10.0, 10.0, N), super::tanh_straight, f64::tanh),
        );
        assert!(t.abs < 2e-7, "{t:?}");
        // The ends: saturation, infinities and NaN.
        assert_eq!(super::sigmoid_straight(f32::INFINITY), 1.0);
        assert!(super::sigmoid_straight(f32::NEG_INFINITY) < 1e-37);
        assert_eq!(super::tanh_straight(f32::INFINITY), 1.0);
        assert_eq!(super::tanh_straight(f32::NEG_INFINITY), -1.0);
        assert!(super::exp_straight(f32::NAN).is_nan());
        assert!(super::sigmoid_straight(f32::NAN).is_nan());
        assert!(super::tanh_straight(f32::NAN).is_nan());
    }

    #[test]
    fn ln_accuracy() {
        let l = report(
            "ln libm",
            measure(log_sweep(1e-6, 1e6, N), super::ln, f64::ln),
        );
        assert!(l.ulp <= 1.0, "{l:?}");
        let m = report(
            "ln micromath",
            measure(log_sweep(1e-6, 1e6, N), F32Ext::ln, f64::ln),
        );
        assert!(m.abs > 1e-2 && m.abs < 0.2, "{m:?}");
    }

    #[test]
    fn sqrt_accuracy() {
        let l = report(
            "sqrt libm",
            measure(log_sweep(1e-6, 1e6, N), super::sqrt, f64::sqrt),
        );
        assert!(l.ulp <= 0.5, "{l:?}");
        let m = report(
            "sqrt micromath",
            measure(log_sweep(1e-6, 1e6, N), F32Ext::sqrt, f64::sqrt),
        );
        assert!(m.rel > 1e-2 && m.rel < 0.07, "{m:?}");
        let inv = |x: f64| 1.0 / x.sqrt();
        let l = report(
            "1/sqrt libm",
            measure(log_sweep(1e-6, 1e6, N), |x| 1.0 / super::sqrt(x), inv),
        );
        assert!(l.ulp <= 1.5, "{l:?}");
        let m = report(
            "invsqrt micromath",
            measure(log_sweep(1e-6, 1e6, N), F32Ext::invsqrt, inv),
        );
        assert!(m.rel > 1e-4 && m.rel < 0.1, "{m:?}");
    }

    #[test]
    fn powf_accuracy() {
        let mut l = Err::default();
        let mut m = Err::default();
        for y in lin(-4.0, 4.0, if cfg!(miri) { 8 } else { 160 }) {
            let a = measure(
                log_sweep(0.01, 100.0, 2000),
                |x| super::powf(x, y),
                |x| x.powf(f64::from(y)),
            );
            let b = measure(
                log_sweep(0.01, 100.0, 2000),
                |x| F32Ext::powf(x, y),
                |x| x.powf(f64::from(y)),
            );
            l = Err {
                abs: l.abs.max(a.abs),
                rel: l.rel.max(a.rel),
                ulp: l.ulp.max(a.ulp),
            };
            m = Err {
                abs: m.abs.max(b.abs),
                rel: m.rel.max(b.rel),
                ulp: m.ulp.max(b.ulp),
            };
        }
        report("powf libm", l);
        report("powf micromath", m);
        assert!(l.ulp <= 1.0, "{l:?}");
        assert!(m.rel > 0.1 && m.rel < 1.0, "{m:?}");
    }

    #[test]
    fn tanh_erf_sigmoid_accuracy() {
        let l = report(
            "tanh libm",
            measure(lin(-10.0, 10.0, N), super::tanh, f64::tanh),
        );
        assert!(l.ulp <= 2.0, "{l:?}");
        let via_mm = |x: f32| 2.0 / (1.0 + mm_exp(-2.0 * x)) - 1.0;
        let m = report(
            "tanh via micromath exp",
            measure(lin(-10.0, 10.0, N), via_mm, f64::tanh),
        );
        assert!(m.rel > 1e-4 && m.rel < 1e-2, "{m:?}");

        let erf64 = |x: f64| libm::erf(x);
        let l = report("erf libm", measure(lin(-6.0, 6.0, N), super::erf, erf64));
        assert!(l.ulp <= 2.0, "{l:?}");
        let erfc64 = |x: f64| libm::erfc(x);
        let l = report("erfc libm", measure(lin(-6.0, 4.0, N), super::erfc, erfc64));
        assert!(l.ulp <= 4.0, "{l:?}");

        let sig = |x: f64| 1.0 / (1.0 + (-x).exp());
        let l = report(
            "sigmoid libm",
            measure(lin(-30.0, 30.0, N), super::sigmoid, sig),
        );
        assert!(l.ulp <= 3.0 && l.rel < 3e-7, "{l:?}");
        let mm_sig = |x: f32| 1.0 / (1.0 + mm_exp(-x));
        let m = report(
            "sigmoid via micromath exp",
            measure(lin(-30.0, 30.0, N), mm_sig, sig),
        );
        assert!(m.rel > 1e-4 && m.rel < 1e-2, "{m:?}");
    }

    #[test]
    fn floor_abs_micromath() {
        let mut bad = 0;
        for x in lin(-1e6, 1e6, N).chain([3e9, -3e9, 1e20, f32::NAN]) {
            let (m, s) = (F32Ext::floor(x), x.floor());
            if m.to_bits() != s.to_bits() && !(m == 0.0 && s == 0.0) {
                bad += 1;
            }
            assert_eq!(F32Ext::abs(x).to_bits(), x.abs().to_bits());
        }
        println!("floor micromath: {bad} wrong (beyond 2^31 and NaN)");
        assert!(bad >= 3, "micromath floor became exact beyond 2^31");
        for x in lin(-1e6, 1e6, N) {
            assert_eq!(F32Ext::floor(x), x.floor(), "x = {x}");
        }
    }
}
