//! Scalar reference implementations: the oracle every fast kernel is tested against.
//! Written for obviousness, not speed; never called by generated code.
//!
//! Each function has the same signature as the fast kernel of the same name, walks the
//! output in plain nested loops with explicit index arithmetic, converts weights with
//! `half`'s own `to_f64`, accumulates in `f64` and rounds to `f32` once at the store.
#![allow(clippy::needless_range_loop)]

use super::conv::ConvShape;
use super::dense::{DenseShape, MatMulShape};
use super::elementwise::{BinOp, Broadcast, Operand};
use super::movement::{ConcatShape, Strided, MAX_RANK};
use super::norm::{ChannelShape, LayerNormShape};
use super::pointwise::Pointwise;
use super::pool::PoolShape;
use super::reduce::{ReduceOp, ReduceShape};
use super::select::SelectShape;
use super::softmax::SoftmaxShape;
use super::{Act, Post};
use half::f16;

mod rnn;
pub use rnn::rnn;
mod resize;
pub use resize::{gather_rows, pad, resize_cubic, resize_linear, resize_nearest};

/// `act(x)` evaluated in `f64` from the formula in [`Act`]'s documentation.
pub fn act(act: Act, x: f32) -> f32 {
    act64(act, f64::from(x)) as f32
}

fn act64(act: Act, x: f64) -> f64 {
    let clip = |v: f64, lo: f64, hi: f64| {
        let v = if v < lo { lo } else { v };
        if v > hi {
            hi
        } else {
            v
        }
    };
    match act {
        Act::Identity => x,
        Act::Relu => {
            if x < 0.0 {
                0.0
            } else {
                x
            }
        }
        Act::LeakyRelu(a) => {
            if x >= 0.0 {
                x
            } else {
                f64::from(a) * x
            }
        }
        Act::Clip(lo, hi) => clip(x, f64::from(lo), f64::from(hi)),
        Act::Sigmoid => 1.0 / (1.0 + libm::exp(-x)),
        Act::Tanh => libm::tanh(x),
        Act::HardSigmoid(a, b) => clip(f64::from(a) * x + f64::from(b), 0.0, 1.0),
        Act::HardSwish => x * clip(x / 6.0 + 0.5, 0.0, 1.0),
        Act::Elu(a) => {
            if x > 0.0 {
                x
            } else {
                f64::from(a) * (libm::exp(x) - 1.0)
            }
        }
        Act::Gelu => x / 2.0 * (1.0 + libm::erf(x / libm::sqrt(2.0))),
        Act::GeluTanh => {
            let c = libm::sqrt(2.0 / core::f64::consts::PI);
            x / 2.0 * (1.0 + libm::tanh(c * (x + 0.044715 * x * x * x)))
        }
        Act::Sqrt => libm::sqrt(x),
    }
}

/// [`super::pointwise::softplus_beta`] evaluated in `f64` with a branch.
pub fn softplus_beta(x: f32, beta: f32, threshold: f32) -> f32 {
    let z = f64::from(x) * f64::from(beta);
    if (x * beta) > threshold {
        x
    } else {
        (softplus64(z) / f64::from(beta)) as f32
    }
}

/// `op(x)` evaluated in `f64` from the formula in [`Pointwise`]'s documentation.
pub fn pointwise_scalar(op: Pointwise, x: f32) -> f32 {
    let x = f64::from(x);
    (match op {
        Pointwise::Abs => libm::fabs(x),
        Pointwise::Neg => -x,
        Pointwise::Exp => libm::exp(x),
        Pointwise::Log => libm::log(x),
        Pointwise::Reciprocal => 1.0 / x,
        Pointwise::Softplus => softplus64(x),
        Pointwise::Erf => libm::erf(x),
        Pointwise::Mish => x * libm::tanh(softplus64(x)),
    }) as f32
}

/// `y = op(x)`.
pub fn pointwise(op: Pointwise, x: &[f32], y: &mut [f32]) {
    for i in 0..y.len() {
        y[i] = pointwise_scalar(op, x[i]);
    }
}

/// `ln(1 + e^x)` in `f64` (written as `x + ln(1 + e^-x)` above 0, where `e^x` could
/// overflow).
fn softplus64(x: f64) -> f64 {
    if x > 0.0 {
        x + libm::log1p(libm::exp(-x))
    } else {
        libm::log1p(libm::exp(x))
    }
}

/// `y = act(x)`.
pub fn unary(a: Act, x: &[f32], y: &mut [f32]) {
    for i in 0..y.len() {
        y[i] = act(a, x[i]);
    }
}

/// `post` applied to an accumulator of channel `c`.
fn post64(post: &Post<'_>, c: usize, acc: f64) -> f32 {
    let s = post.scale.map_or(1.0, |s| f64::from(s[c]));
    let t = post.shift.map_or(0.0, |t| f64::from(t[c]));
    act64(post.act, acc * s + t) as f32
}

/// Dense layer, `w` is `outputs x inputs`.
pub fn dense(x: &[f32], w: &[f16], y: &mut [f32], s: DenseShape, post: Post<'_>) {
    let (m, k, n) = (s.rows, s.inputs, s.outputs);
    for i in 0..m {
        for j in 0..n {
            let mut acc = 0.0f64;
            for p in 0..k {
                acc += f64::from(x[i * k + p]) * w[j * k + p].to_f64();
            }
            y[i * n + j] = post64(&post, j, acc);
        }
    }
}

/// Batched activation x activation matrix product.
pub fn matmul(a: &[f32], bm: &[f32], y: &mut [f32], s: &MatMulShape) {
    let (batch, m, k, n) = (s.batch, s.rows, s.depth, s.cols);
    let (a_stride, b_stride) = (s.a_stride, s.b_stride);
    for b in 0..batch {
        for i in 0..m {
            for j in 0..n {
                let mut acc = 0.0f64;
                for p in 0..k {
                    acc += f64::from(a[b * a_stride + i * k + p])
                        * f64::from(bm[b * b_stride + p * n + j]);
                }
                y[(b * m + i) * n + j] = acc as f32;
            }
        }
    }
}

/// Direct convolution with a bounds test on every tap.
pub fn conv2d(x: &[f32], w: &[f16], y: &mut [f32], s: &ConvShape, post: Post<'_>) {
    let cig = s.c_in / s.groups;
    let cog = s.c_out / s.groups;
    for b in 0..s.n {
        for oc in 0..s.c_out {
            let g = oc / cog;
            for oy in 0..s.oh {
                for ox in 0..s.ow {
                    let mut acc = 0.0f64;
                    for icg in 0..cig {
                        let ic = g * cig + icg;
                        for ky in 0..s.kh {
                            for kx in 0..s.kw {
                                let iy = (oy * s.stride.0 + ky * s.dilation.0) as isize
                                    - s.pad.0 as isize;
                                let ix = (ox * s.stride.1 + kx * s.dilation.1) as isize
                                    - s.pad.1 as isize;
                                if iy < 0 || ix < 0 || iy >= s.h as isize || ix >= s.w as isize {
                                    continue;
                                }
                                let (iy, ix) = (iy as usize, ix as usize);
                                let xv = x[((b * s.c_in + ic) * s.h + iy) * s.w + ix];
                                let wv = w[((oc * cig + icg) * s.kh + ky) * s.kw + kx];
                                acc += f64::from(xv) * wv.to_f64();
                            }
                        }
                    }
                    y[((b * s.c_out + oc) * s.oh + oy) * s.ow + ox] = post64(&post, oc, acc);
                }
            }
        }
    }
}

/// The input position of window tap `k` of output `o`, if it lies inside `[0, size)`;
/// `Err(inside_padded)` otherwise, telling whether it lies inside
/// `[-pad_begin, size + pad_end)`.
fn pool_pos(
    o: usize,
    k: usize,
    stride: usize,
    dil: usize,
    before: usize,
    after: usize,
    size: usize,
) -> Result<usize, bool> {
    let p = (o * stride + k * dil) as isize - before as isize;
    if p >= 0 && p < size as isize {
        Ok(p as usize)
    } else {
        Err(p >= -(before as isize) && p < (size + after) as isize)
    }
}

/// Calls `f(out, taps)` for every output index `out` (in order) with the per-axis input
/// positions ([`pool_pos`], depth, height, width) of its window taps, as the closure
/// `taps(g)` that calls `g` once per tap; the flat input index of an inside tap is
/// `index(iz, iy, ix)`.
fn pool_each(s: &PoolShape, mut f: impl FnMut(usize, &dyn Fn(&mut dyn FnMut(PoolTap)))) {
    let mut out = 0;
    for pl in 0..s.planes {
        for oz in 0..s.od {
            for oy in 0..s.oh {
                for ox in 0..s.ow {
                    let taps = |g: &mut dyn FnMut(PoolTap)| {
                        for kz in 0..s.kd {
                            for ky in 0..s.kh {
                                for kx in 0..s.kw {
                                    let z = pool_pos(
                                        oz,
                                        kz,
                                        s.stride_d,
                                        s.dilation_d,
                                        s.pad_d.0,
                                        s.pad_d.1,
                                        s.d,
                                    );
                                    let y = pool_pos(
                                        oy,
                                        ky,
                                        s.stride.0,
                                        s.dilation.0,
                                        s.pad.0,
                                        s.pad.2,
                                        s.h,
                                    );
                                    let x = pool_pos(
                                        ox,
                                        kx,
                                        s.stride.1,
                                        s.dilation.1,
                                        s.pad.1,
                                        s.pad.3,
                                        s.w,
                                    );
                                    let index = |iz: usize, iy: usize, ix: usize| {
                                        ((pl * s.d + iz) * s.h + iy) * s.w + ix
                                    };
                                    g(PoolTap {
                                        pos: [z, y, x],
                                        index: match (z, y, x) {
                                            (Ok(iz), Ok(iy), Ok(ix)) => Some(index(iz, iy, ix)),
                                            _ => None,
                                        },
                                    });
                                }
                            }
                        }
                    };
                    f(out, &taps);
                    out += 1;
                }
            }
        }
    }
}

/// One window tap: its per-axis positions and, if inside the input, its flat index.
struct PoolTap {
    pos: [Result<usize, bool>; 3],
    index: Option<usize>,
}

/// Max pooling.
pub fn max_pool(x: &[f32], y: &mut [f32], s: &PoolShape) {
    pool_each(s, |out, taps| {
        let mut m = f32::NEG_INFINITY;
        taps(&mut |t| {
            if let Some(i) = t.index {
                m = m.max(x[i]);
            }
        });
        y[out] = m;
    });
}

/// Average pooling.
pub fn avg_pool(x: &[f32], y: &mut [f32], s: &PoolShape, count_include_pad: bool) {
    pool_each(s, |out, taps| {
        let mut acc = 0.0f64;
        let mut count = 0usize;
        taps(&mut |t| {
            if let Some(i) = t.index {
                acc += f64::from(x[i]);
                count += 1;
            } else if count_include_pad && t.pos.iter().all(|p| matches!(p, Ok(_) | Err(true))) {
                count += 1;
            }
        });
        y[out] = (acc / count as f64) as f32;
    });
}

/// Mean over the middle axis of `outer x reduced x inner`.
pub fn reduce_mean(x: &[f32], y: &mut [f32], s: ReduceShape) {
    let (outer, r, inner) = (s.outer, s.reduced, s.inner);
    for o in 0..outer {
        for i in 0..inner {
            let mut acc = 0.0f64;
            for j in 0..r {
                acc += f64::from(x[(o * r + j) * inner + i]);
            }
            y[o * inner + i] = (acc / r as f64) as f32;
        }
    }
}

/// `op` over the middle axis of `outer x reduced x inner`, in f64; Max and Min give NaN
/// when any reduced value is NaN.
pub fn reduce(x: &[f32], y: &mut [f32], s: ReduceShape, op: ReduceOp) {
    let (outer, r, inner) = (s.outer, s.reduced, s.inner);
    for o in 0..outer {
        for i in 0..inner {
            let vals = (0..r).map(|j| f64::from(x[(o * r + j) * inner + i]));
            let v = match op {
                ReduceOp::Mean => vals.sum::<f64>() / r as f64,
                ReduceOp::Sum => vals.sum::<f64>(),
                ReduceOp::L2 => libm::sqrt(vals.map(|v| v * v).sum::<f64>()),
                ReduceOp::Max | ReduceOp::Min => {
                    let mut m = if op == ReduceOp::Max {
                        f64::NEG_INFINITY
                    } else {
                        f64::INFINITY
                    };
                    for v in vals {
                        if v.is_nan() || m.is_nan() {
                            m = f64::NAN;
                        } else if op == ReduceOp::Max {
                            m = m.max(v);
                        } else {
                            m = m.min(v);
                        }
                    }
                    m
                }
            };
            y[o * inner + i] = v as f32;
        }
    }
}

/// Softmax / LogSoftmax along the middle axis of `outer x axis x inner`.
pub fn softmax_inplace(y: &mut [f32], s: SoftmaxShape, log: bool) {
    let (outer, n, inner) = (s.outer, s.axis, s.inner);
    for o in 0..outer {
        for i in 0..inner {
            let at = |j: usize| (o * n + j) * inner + i;
            let mut m = f64::NEG_INFINITY;
            for j in 0..n {
                m = m.max(f64::from(y[at(j)]));
            }
            let mut s = 0.0f64;
            for j in 0..n {
                s += libm::exp(f64::from(y[at(j)]) - m);
            }
            for j in 0..n {
                let v = f64::from(y[at(j)]) - m;
                y[at(j)] = if log {
                    (v - libm::log(s)) as f32
                } else {
                    (libm::exp(v) / s) as f32
                };
            }
        }
    }
}

/// LayerNormalization over rows of `features`.
pub fn layer_norm(
    x: &[f32],
    y: &mut [f32],
    s: LayerNormShape,
    scale: &[f32],
    bias: Option<&[f32]>,
    eps: f32,
) {
    let (outer, n) = (s.rows, s.features);
    for o in 0..outer {
        let row = &x[o * n..(o + 1) * n];
        let mean = row.iter().map(|&v| f64::from(v)).sum::<f64>() / n as f64;
        let var = row
            .iter()
            .map(|&v| (f64::from(v) - mean) * (f64::from(v) - mean))
            .sum::<f64>()
            / n as f64;
        let inv = 1.0 / libm::sqrt(var + f64::from(eps));
        for j in 0..n {
            let b = bias.map_or(0.0, |b| f64::from(b[j]));
            y[o * n + j] = ((f64::from(row[j]) - mean) * inv * f64::from(scale[j]) + b) as f32;
        }
    }
}

/// Per-channel affine map and activation over `outer x channels x inner`.
pub fn channel_affine_inplace(
    y: &mut [f32],
    s: ChannelShape,
    scale: &[f32],
    shift: &[f32],
    a: Act,
) {
    let (outer, c, inner) = (s.outer, s.channels, s.inner);
    for o in 0..outer {
        for ch in 0..c {
            for i in 0..inner {
                let k = (o * c + ch) * inner + i;
                let v = f64::from(y[k]) * f64::from(scale[ch]) + f64::from(shift[ch]);
                y[k] = act64(a, v) as f32;
            }
        }
    }
}

/// `a op b` evaluated in `f64`.
pub fn binop(op: BinOp, a: f32, b: f32) -> f32 {
    let (a, b) = (f64::from(a), f64::from(b));
    (match op {
        BinOp::Add => a + b,
        BinOp::Sub => a - b,
        BinOp::Mul => a * b,
        BinOp::Div => a / b,
        BinOp::Pow => libm::pow(a, b),
        BinOp::Max if a.is_nan() || b.is_nan() => f64::NAN,
        BinOp::Max => libm::fmax(a, b),
        BinOp::Min if a.is_nan() || b.is_nan() => f64::NAN,
        BinOp::Min => libm::fmin(a, b),
        BinOp::PRelu => {
            if a < 0.0 {
                a * b
            } else {
                a
            }
        }
        BinOp::Equal => f64::from(u8::from(a == b)),
        BinOp::Less => f64::from(u8::from(a < b)),
        BinOp::LessOrEqual => f64::from(u8::from(a <= b)),
        BinOp::Greater => f64::from(u8::from(a > b)),
        BinOp::GreaterOrEqual => f64::from(u8::from(a >= b)),
    }) as f32
}

/// Same-shape binary op.
pub fn binary<A: Operand, B: Operand>(op: BinOp, a: A, b: B, y: &mut [f32]) {
    for i in 0..y.len() {
        y[i] = binop(op, a.at(i), b.at(i));
    }
}

/// The multi-index of flat output position `flat` in row-major `shape`.
fn unflatten(mut flat: usize, shape: &[usize; MAX_RANK]) -> [usize; MAX_RANK] {
    let mut idx = [0; MAX_RANK];
    for d in (0..MAX_RANK).rev() {
        idx[d] = flat % shape[d];
        flat /= shape[d];
    }
    idx
}

fn offset(idx: &[usize; MAX_RANK], strides: &[usize; MAX_RANK]) -> usize {
    (0..MAX_RANK).map(|d| idx[d] * strides[d]).sum()
}

/// `Where` with broadcasting: `a` where the condition is non-zero, else `b`.
pub fn select<C: Operand, A: Operand, B: Operand>(
    cond: C,
    a: A,
    b: B,
    y: &mut [f32],
    s: &SelectShape,
) {
    for i in 0..y.len() {
        let idx = unflatten(i, &s.shape);
        let c = cond.at(offset(&idx, &s.cond));
        y[i] = if c != 0.0 {
            a.at(offset(&idx, &s.a))
        } else {
            b.at(offset(&idx, &s.b))
        };
    }
}

/// Broadcasting binary op.
pub fn binary_broadcast<A: Operand, B: Operand>(
    op: BinOp,
    a: A,
    b: B,
    y: &mut [f32],
    bc: &Broadcast,
) {
    for i in 0..y.len() {
        let idx = unflatten(i, &bc.shape);
        y[i] = binop(op, a.at(offset(&idx, &bc.a)), b.at(offset(&idx, &bc.b)));
    }
}

/// In-place broadcasting binary op.
pub fn binary_inplace<B: Operand>(op: BinOp, y: &mut [f32], b: B, lhs: bool, s: &Strided) {
    for i in 0..y.len() {
        let bv = b.at(offset(&unflatten(i, &s.shape), &s.strides));
        y[i] = if lhs {
            binop(op, y[i], bv)
        } else {
            binop(op, bv, y[i])
        };
    }
}

/// General transpose.
pub fn permute(x: &[f32], y: &mut [f32], s: &Strided) {
    for i in 0..y.len() {
        y[i] = x[offset(&unflatten(i, &s.shape), &s.strides)];
    }
}

/// One input of a Concat.
pub fn concat_part(x: &[f32], y: &mut [f32], s: ConcatShape) {
    for o in 0..s.rows {
        for j in 0..s.width {
            y[o * s.out_width + s.col + j] = x[o * s.width + j];
        }
    }
}
