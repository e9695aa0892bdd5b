//! Shared test support: tolerances, value and shape strategies, operand plumbing.

use half::f16;
use proptest::collection::vec;
use proptest::prelude::*;
use tinymtl_runtime::kernels::conv::ConvShape;
use tinymtl_runtime::kernels::pool::PoolShape;
use tinymtl_runtime::kernels::{Act, Post};

/// Property-test settings: proptest's defaults (256 cases; `PROPTEST_CASES` overrides)
/// natively. Under Miri, which interprets every operation and is some thousand times
/// slower, 4 cases per property (every test still runs; `TINYMTL_MIRI_CASES` at build
/// time changes it, as `cargo xtask miri --full` does), and no failure files (Miri
/// isolates the file system).
pub fn config() -> ProptestConfig {
    if cfg!(miri) {
        ProptestConfig {
            cases: option_env!("TINYMTL_MIRI_CASES")
                .and_then(|s| s.parse().ok())
                .unwrap_or(4),
            failure_persistence: None,
            ..ProptestConfig::default()
        }
    } else {
        ProptestConfig::default()
    }
}

/// How close a fast kernel's output must be to the reference's.
///
/// NaN matches NaN and an infinity matches the same infinity under every tolerance.
#[derive(Clone, Copy, Debug)]
pub enum Approx {
    /// Bit-for-bit (up to the sign of zero).
    Exact,
    /// `|got - want| <= abs + rel * |want|`.
    Close {
        /// Absolute slack.
        abs: f32,
        /// Slack relative to the reference value.
        rel: f32,
    },
}

impl Approx {
    /// One `f32` function evaluation against its `f64` value: a few ulps.
    pub const ULPS: Approx = Approx::Close {
        abs: 1e-6,
        rel: 2e-6,
    };

    /// Normalized outputs (LayerNorm, Softmax) whose error relative to the output
    /// scale grows with the row length.
    pub const NORMALIZED: Approx = Approx::Close {
        abs: 1e-4,
        rel: 1e-4,
    };

    /// A sum of `terms` products of operands bounded by about 2 (inputs, weights,
    /// scale) accumulated in `f32`, against the `f64` sum.
    pub fn sum_of(terms: usize) -> Approx {
        Approx::Close {
            abs: 2e-6 * (terms as f32 + 1.0),
            rel: 1e-5,
        }
    }

    /// Whether `got` is acceptable for reference value `want`.
    pub fn admits(self, got: f32, want: f32) -> bool {
        if got == want || (got.is_nan() && want.is_nan()) {
            return true;
        }
        match self {
            Approx::Exact => false,
            Approx::Close { abs, rel } => {
                got.is_finite() && want.is_finite() && (got - want).abs() <= abs + rel * want.abs()
            }
        }
    }

    /// Fails the test case at the first element out of tolerance.
    pub fn check(self, got: &[f32], want: &[f32]) -> Result<(), TestCaseError> {
        prop_assert_eq!(got.len(), want.len());
        for (i, (&g, &w)) in got.iter().zip(want).enumerate() {
            prop_assert!(
                self.admits(g, w),
                "element {} of {}: got {:e}, want {:e} ({:?})",
                i,
                got.len(),
                g,
                w,
                self
            );
        }
        Ok(())
    }
}

/// Ordinary activations: finite, moderate, including exact zeros.
pub fn finite() -> BoxedStrategy<f32> {
    prop_oneof![9 => -2.0f32..2.0, 1 => Just(0.0f32)].boxed()
}

/// Finite values over the range where activations saturate.
pub fn wide() -> BoxedStrategy<f32> {
    prop_oneof![9 => -12.0f32..12.0, 1 => Just(0.0f32)].boxed()
}

/// Finite values mixed with NaN, both infinities, the extremes and -0.
pub fn wild() -> BoxedStrategy<f32> {
    prop_oneof![
        6 => -2.0f32..2.0,
        1 => Just(f32::NAN),
        1 => Just(f32::INFINITY),
        1 => Just(f32::NEG_INFINITY),
        1 => Just(f32::MAX),
        1 => Just(-f32::MAX),
        1 => Just(-0.0f32),
        1 => Just(1e-40f32),
    ]
    .boxed()
}

/// `n` values from `v`.
pub fn vals(n: usize, v: BoxedStrategy<f32>) -> impl Strategy<Value = Vec<f32>> {
    vec(v, n)
}

/// `n` finite f16 weights in `[-1, 1]`, some subnormal or zero.
pub fn weights(n: usize) -> impl Strategy<Value = Vec<f16>> {
    vec(
        prop_oneof![
            8 => (-1.0f32..1.0).prop_map(f16::from_f32),
            1 => (-1e-5f32..1e-5).prop_map(f16::from_f32),
            1 => Just(f16::from_f32(-0.0)),
        ],
        n,
    )
}

/// Every activation, with parameters.
pub fn act() -> BoxedStrategy<Act> {
    prop_oneof![
        Just(Act::Identity),
        Just(Act::Relu),
        (0.0f32..0.5).prop_map(Act::LeakyRelu),
        (-1.0f32..0.0, 0.0f32..1.5).prop_map(|(lo, hi)| Act::Clip(lo, hi)),
        Just(Act::Sigmoid),
        Just(Act::Tanh),
        (0.1f32..0.5, 0.3f32..0.7).prop_map(|(a, b)| Act::HardSigmoid(a, b)),
        Just(Act::HardSwish),
        (0.5f32..2.0).prop_map(Act::Elu),
        Just(Act::Gelu),
        Just(Act::GeluTanh),
        Just(Act::Sqrt),
    ]
    .boxed()
}

/// Activations fused after an accumulation: all but `Sqrt`, whose unbounded slope at
/// 0 would turn the accumulation's rounding into arbitrary relative error.
pub fn post_act() -> BoxedStrategy<Act> {
    act().prop_filter("sqrt", |a| *a != Act::Sqrt).boxed()
}

/// An owned [`Post`] for `c` channels.
#[derive(Clone, Debug)]
pub struct OwnedPost {
    /// Per-channel scale.
    pub scale: Option<Vec<f32>>,
    /// Per-channel shift.
    pub shift: Option<Vec<f32>>,
    /// Fused activation.
    pub act: Act,
}

impl OwnedPost {
    /// Borrowed as the kernels take it.
    pub fn post(&self) -> Post<'_> {
        Post {
            scale: self.scale.as_deref(),
            shift: self.shift.as_deref(),
            act: self.act,
        }
    }
}

/// A post-op for `c` channels: each of scale and shift present or not.
pub fn post(c: usize) -> impl Strategy<Value = OwnedPost> {
    (
        proptest::option::of(vec(0.5f32..2.0, c)),
        proptest::option::of(vec(-1.0f32..1.0, c)),
        post_act(),
    )
        .prop_map(|(scale, shift, act)| OwnedPost { scale, shift, act })
}

/// Output length of a window sweep, or `None` when the window does not fit.
pub fn out_len(
    size: usize,
    before: usize,
    after: usize,
    k: usize,
    d: usize,
    s: usize,
) -> Option<usize> {
    let ek = (k - 1) * d + 1;
    let padded = size + before + after;
    (padded >= ek).then(|| (padded - ek) / s + 1)
}

/// Convolution shapes: batches, groups, depthwise, 1-D, kernels larger than the stride
/// or than the input, padding, dilation; all consistent.
pub fn conv_shape() -> impl Strategy<Value = ConvShape> {
    // plain, depthwise, 1-D, pointwise (1x1, stride 1, no padding)
    let kind = prop_oneof![3 => Just(0u8), 1 => Just(1u8), 1 => Just(2u8), 1 => Just(3u8)];
    (
        kind,
        (1..=2usize, 1..=3usize, 1..=3usize, 1..=3usize),
        (1..=9usize, 1..=9usize, 1..=4usize, 1..=4usize),
        (1..=3usize, 1..=3usize, 1..=2usize, 1..=2usize),
        (0..=2usize, 0..=2usize, 0..=2usize, 0..=2usize),
    )
        .prop_filter_map(
            "window does not fit",
            |(kind, (n, groups, cig, cog), (h, w, kh, kw), (sh, sw, dh, dw), (pt, pl, pb, pr))| {
                let (groups, cig, cog) = match kind {
                    1 => (groups * 2 + cig, 1, 1),
                    _ => (groups, cig, cog),
                };
                let (groups, cig, kh, kw, sh, sw, pt, pl, pb, pr) = match kind {
                    3 => (groups.min(2), cig * 3 - n + 1, 1, 1, 1, 1, 0, 0, 0, 0),
                    _ => (groups, cig, kh, kw, sh, sw, pt, pl, pb, pr),
                };
                let (h, kh, sh, dh, pt, pb) = match kind {
                    2 => (1, 1, 1, 1, 0, 0),
                    _ => (h, kh, sh, dh, pt, pb),
                };
                Some(ConvShape {
                    n,
                    c_in: groups * cig,
                    h,
                    w,
                    c_out: groups * cog,
                    kh,
                    kw,
                    oh: out_len(h, pt, pb, kh, dh, sh)?,
                    ow: out_len(w, pl, pr, kw, dw, sw)?,
                    stride: (sh, sw),
                    pad: (pt, pl),
                    dilation: (dh, dw),
                    groups,
                })
            },
        )
}

/// Pooling shapes, `ceil_mode` included (ONNX's rule: the last window must start
/// inside the input or the leading padding), with pads below the window extent; 3-D
/// (depth > 1 or a deep window) about half the time, 2-D (`d = kd = od = 1`) otherwise.
pub fn pool_shape() -> impl Strategy<Value = PoolShape> {
    (
        (1..=4usize, 1..=9usize, 1..=9usize, any::<bool>()),
        (
            1..=4usize,
            1..=4usize,
            1..=3usize,
            1..=3usize,
            1..=2usize,
            1..=2usize,
        ),
        (0..=3usize, 0..=3usize, 0..=3usize, 0..=3usize),
        prop_oneof![
            Just((1, 1, 1, 1, 0, 0)),
            (
                1..=5usize,
                1..=3usize,
                1..=2usize,
                1..=2usize,
                0..=2usize,
                0..=2usize
            ),
        ],
    )
        .prop_filter_map(
            "window does not fit",
            |((planes, h, w, ceil), (kh, kw, sh, sw, dh, dw), (pt, pl, pb, pr), depth)| {
                let (d, kd, sd, dd, pf, pk) = depth;
                let (ekh, ekw) = ((kh - 1) * dh + 1, (kw - 1) * dw + 1);
                let ekd = (kd - 1) * dd + 1;
                if pt.max(pb) >= ekh || pl.max(pr) >= ekw || pf.max(pk) >= ekd {
                    return None;
                }
                let len = |size: usize, b: usize, a: usize, ek: usize, s: usize| {
                    let padded = size + b + a;
                    if padded < ek {
                        return None;
                    }
                    let mut o = if ceil {
                        (padded - ek).div_ceil(s) + 1
                    } else {
                        (padded - ek) / s + 1
                    };
                    if ceil && (o - 1) * s >= size + b {
                        o -= 1;
                    }
                    Some(o)
                };
                Some(PoolShape {
                    planes,
                    h,
                    w,
                    kh,
                    kw,
                    oh: len(h, pt, pb, ekh, sh)?,
                    ow: len(w, pl, pr, ekw, sw)?,
                    stride: (sh, sw),
                    pad: (pt, pl, pb, pr),
                    dilation: (dh, dw),
                    d,
                    kd,
                    od: len(d, pf, pk, ekd, sd)?,
                    stride_d: sd,
                    pad_d: (pf, pk),
                    dilation_d: dd,
                })
            },
        )
}

/// Row-major strides of `shape` when its axes are laid out in memory in the order
/// `order` (outermost first); axes of size 1 and broadcast axes get stride 0.
pub fn strides(shape: &[usize], order: &[usize]) -> Vec<usize> {
    let mut s = vec![0; shape.len()];
    let mut step = 1;
    for &d in order.iter().rev() {
        if shape[d] > 1 {
            s[d] = step;
            step *= shape[d];
        }
    }
    s
}

/// A shape of rank 1..=6 (dims 1..=4), padded to rank 6 with leading 1s.
pub fn shape6() -> impl Strategy<Value = [usize; 6]> {
    (1..=6usize)
        .prop_flat_map(|r| vec(1..=4usize, r))
        .prop_map(|dims| {
            let mut s = [1; 6];
            s[6 - dims.len()..].copy_from_slice(&dims);
            s
        })
}

/// An operand of a broadcasting op in a form a kernel takes.
#[derive(Clone, Debug)]
pub enum Opnd {
    /// An activation.
    F32(Vec<f32>),
    /// A constant in flash.
    F16(Vec<f16>),
    /// A scalar.
    Scalar(f32),
}

/// One operand broadcast to `shape`: its data and its strides over `shape`.
/// Broadcast axes, memory order and kind (activation, constant, scalar) are random.
pub fn broadcast_operand(
    shape: [usize; 6],
    v: BoxedStrategy<f32>,
) -> impl Strategy<Value = (Opnd, [usize; 6])> {
    (
        vec(any::<bool>(), 6),
        Just((0..6).collect::<Vec<usize>>()).prop_shuffle(),
        0..4u8,
    )
        .prop_flat_map(move |(bcast, order, kind)| {
            let mut own = shape;
            for d in 0..6 {
                if bcast[d] || kind == 0 {
                    own[d] = 1;
                }
            }
            let st = strides(&own, &order);
            let st: [usize; 6] = st.try_into().unwrap();
            let len: usize = own.iter().product();
            let data = match kind {
                0 => v.clone().prop_map(Opnd::Scalar).boxed(),
                // Constants are finite whatever the activations hold.
                1 => vec(finite(), len)
                    .prop_map(|w| Opnd::F16(w.into_iter().map(f16::from_f32).collect()))
                    .boxed(),
                _ => vec(v.clone(), len).prop_map(Opnd::F32).boxed(),
            };
            (data, Just(st))
        })
}

/// Calls `$f!(a, b)` with the two [`Opnd`]s as kernel operands (`&[f32]`, `&[f16]`,
/// `Scalar`): all nine combinations.
#[macro_export]
macro_rules! with_operands {
    ($a:expr, $b:expr, |$x:ident, $y:ident| $body:expr) => {{
        use tinymtl_runtime::kernels::elementwise::Scalar;
        use $crate::support::Opnd;
        match ($a, $b) {
            (Opnd::F32(p), Opnd::F32(q)) => {
                let ($x, $y) = (&p[..], &q[..]);
                $body
            }
            (Opnd::F32(p), Opnd::F16(q)) => {
                let ($x, $y) = (&p[..], &q[..]);
                $body
            }
            (Opnd::F32(p), Opnd::Scalar(q)) => {
                let ($x, $y) = (&p[..], Scalar(*q));
                $body
            }
            (Opnd::F16(p), Opnd::F32(q)) => {
                let ($x, $y) = (&p[..], &q[..]);
                $body
            }
            (Opnd::F16(p), Opnd::F16(q)) => {
                let ($x, $y) = (&p[..], &q[..]);
                $body
            }
            (Opnd::F16(p), Opnd::Scalar(q)) => {
                let ($x, $y) = (&p[..], Scalar(*q));
                $body
            }
            (Opnd::Scalar(p), Opnd::F32(q)) => {
                let ($x, $y) = (Scalar(*p), &q[..]);
                $body
            }
            (Opnd::Scalar(p), Opnd::F16(q)) => {
                let ($x, $y) = (Scalar(*p), &q[..]);
                $body
            }
            (Opnd::Scalar(p), Opnd::Scalar(q)) => {
                let ($x, $y) = (Scalar(*p), Scalar(*q));
                $body
            }
        }
    }};
}

/// Calls `$body` with the [`Opnd`] as a kernel operand.
#[macro_export]
macro_rules! with_operand {
    ($a:expr, |$x:ident| $body:expr) => {{
        use tinymtl_runtime::kernels::elementwise::Scalar;
        use $crate::support::Opnd;
        match $a {
            Opnd::F32(p) => {
                let $x = &p[..];
                $body
            }
            Opnd::F16(p) => {
                let $x = &p[..];
                $body
            }
            Opnd::Scalar(p) => {
                let $x = Scalar(*p);
                $body
            }
        }
    }};
}
