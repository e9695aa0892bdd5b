//! Normalizations: LayerNormalization and a per-channel affine map (standalone BatchNorm).

use super::act::affine_act_inplace;
use super::dot::{lanes_sum, LANES};
use super::reduce::sum;
use super::Act;
use crate::math;
use crate::slice::{window, window_mut};

/// Mean and `1 / sqrt(var + eps)` of one row (two passes: the variance sums squared
/// deviations from the mean, which does not cancel catastrophically).
#[inline]
fn row_stats(x: &[f32], eps: f32) -> (f32, f32) {
    let nf = x.len() as f32;
    let mean = sum(x) / nf;
    let mut acc = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            let d = v - mean;
            *a += d * d;
        }
    }
    let mut t = 0.0f32;
    for &v in tail {
        let d = v - mean;
        t += d * d;
    }
    let var = (lanes_sum(acc) + t) / nf;
    (mean, 1.0 / math::sqrt(var + eps))
}

/// A tensor viewed as `rows x features`, each row normalized on its own.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayerNormShape {
    /// Rows (the product of the axes before the normalized ones).
    pub rows: usize,
    /// Values normalized together (the product of the axes from `axis` on).
    pub features: usize,
}

/// LayerNormalization over `x` viewed as `rows x features`, normalizing each row:
/// `y = (x - mean) / sqrt(var + eps) * scale + bias` (biased variance, as ONNX).
/// `scale` and `bias` have length `features`. `x` and `y` may be the same tensor only
/// through [`layer_norm_inplace`].
#[inline(always)]
pub fn layer_norm(
    x: &[f32],
    y: &mut [f32],
    s: LayerNormShape,
    scale: &[f32],
    bias: Option<&[f32]>,
    eps: f32,
) {
    layer_norm_rows(x, y, s.rows, s.features, scale, bias, eps);
}

/// [`layer_norm`] with its shape as plain numbers (see `dense::dense_rows` for why the
/// shape struct stops at the inlined wrapper).
#[allow(clippy::too_many_arguments)]
fn layer_norm_rows(
    x: &[f32],
    y: &mut [f32],
    outer: usize,
    n: usize,
    scale: &[f32],
    bias: Option<&[f32]>,
    eps: f32,
) {
    debug_assert_eq!(x.len(), outer * n);
    debug_assert_eq!(y.len(), outer * n);
    debug_assert_eq!(scale.len(), n);
    debug_assert!(bias.is_none_or(|b| b.len() == n));
    if outer == 0 || n == 0 {
        return;
    }
    let scale = window(scale, 0, n);
    for (xr, yr) in x.chunks_exact(n).zip(y.chunks_exact_mut(n)) {
        let (mean, inv) = row_stats(xr, eps);
        match bias {
            Some(bias) => {
                for (((o, &v), &g), &b) in yr.iter_mut().zip(xr).zip(scale).zip(window(bias, 0, n))
                {
                    *o = (v - mean) * inv * g + b;
                }
            }
            None => {
                for ((o, &v), &g) in yr.iter_mut().zip(xr).zip(scale) {
                    *o = (v - mean) * inv * g;
                }
            }
        }
    }
}

/// [`layer_norm`] in place.
#[inline(always)]
pub fn layer_norm_inplace(
    y: &mut [f32],
    s: LayerNormShape,
    scale: &[f32],
    bias: Option<&[f32]>,
    eps: f32,
) {
    layer_norm_rows_inplace(y, s.rows, s.features, scale, bias, eps);
}

/// [`layer_norm_inplace`] with its shape as plain numbers (see `dense::dense_rows` for why the
/// shape struct stops at the inlined wrapper).
fn layer_norm_rows_inplace(
    y: &mut [f32],
    outer: usize,
    n: usize,
    scale: &[f32],
    bias: Option<&[f32]>,
    eps: f32,
) {
    debug_assert_eq!(y.len(), outer * n);
    debug_assert_eq!(scale.len(), n);
    debug_assert!(bias.is_none_or(|b| b.len() == n));
    if outer == 0 || n == 0 {
        return;
    }
    let scale = window(scale, 0, n);
    for yr in y.chunks_exact_mut(n) {
        let (mean, inv) = row_stats(yr, eps);
        match bias {
            Some(bias) => {
                for ((o, &g), &b) in yr.iter_mut().zip(scale).zip(window(bias, 0, n)) {
                    *o = (*o - mean) * inv * g + b;
                }
            }
            None => {
                for (o, &g) in yr.iter_mut().zip(scale) {
                    *o = (*o - mean) * inv * g;
                }
            }
        }
    }
}

/// A tensor viewed as `outer x channels x inner` (NCHW: batch, channels, pixels).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ChannelShape {
    /// Product of the axes before the channel axis.
    pub outer: usize,
    /// Channels.
    pub channels: usize,
    /// Product of the axes after it.
    pub inner: usize,
}

/// In place over `y` viewed as `outer x channels x inner`:
/// `y = act(y * scale[c] + shift[c])` for channel `c` (BatchNormalization not folded
/// into a producer).
#[inline(always)]
pub fn channel_affine_inplace(
    y: &mut [f32],
    s: ChannelShape,
    scale: &[f32],
    shift: &[f32],
    act: Act,
) {
    channel_affine_rows(y, s.outer, s.channels, s.inner, scale, shift, act);
}

/// [`channel_affine_inplace`] with its shape as plain numbers (see `dense::dense_rows` for why the
/// shape struct stops at the inlined wrapper).
fn channel_affine_rows(
    y: &mut [f32],
    outer: usize,
    c: usize,
    inner: usize,
    scale: &[f32],
    shift: &[f32],
    act: Act,
) {
    debug_assert_eq!(y.len(), outer * c * inner);
    debug_assert_eq!(scale.len(), c);
    debug_assert_eq!(shift.len(), c);
    if outer == 0 || c == 0 || inner == 0 {
        return;
    }
    for yo in window_mut(y, 0, outer * c * inner).chunks_exact_mut(c * inner) {
        for ((yc, &s), &t) in yo.chunks_exact_mut(inner).zip(scale).zip(shift) {
            affine_act_inplace(yc, s, t, act);
        }
    }
}
