//! References for Resize, Pad and GatherND: every output element from its own index.

use crate::kernels::movement::MAX_RANK;
use crate::kernels::pad::{source, PadMode, PadShape};
use crate::kernels::resize::{Cubic, Nearest, ResizeAxis, ResizeShape};

/// Nearest-neighbour resize, one output element at a time.
pub fn resize_nearest(x: &[f32], y: &mut [f32], s: &ResizeShape, mode: Nearest) {
    let (h, w) = (s.h, s.w);
    for p in 0..s.outer {
        for oh in 0..h.output {
            for ow in 0..w.output {
                let src = (p * h.input + h.nearest(oh, mode)) * w.input + w.nearest(ow, mode);
                let out = h.outside(oh, false).or(w.outside(ow, false));
                y[(p * h.output + oh) * w.output + ow] = out.unwrap_or(x[src]);
            }
        }
    }
}

/// Linear (1-D or bilinear) resize: the weighted sum of the four taps in `f64`.
pub fn resize_linear(x: &[f32], y: &mut [f32], s: &ResizeShape) {
    let (h, w) = (s.h, s.w);
    for p in 0..s.outer {
        for oh in 0..h.output {
            let (i0, i1, a0, a1) = h.linear(oh);
            for ow in 0..w.output {
                let (j0, j1, b0, b1) = w.linear(ow);
                let mut acc = 0.0f64;
                for (i, a) in [(i0, a0), (i1, a1)] {
                    for (j, b) in [(j0, b0), (j1, b1)] {
                        let v = x[(p * h.input + i) * w.input + j];
                        acc += f64::from(a) * f64::from(b) * f64::from(v);
                    }
                }
                let out = h.outside(oh, true).or(w.outside(ow, true));
                y[(p * h.output + oh) * w.output + ow] = out.unwrap_or(acc as f32);
            }
        }
    }
}

/// The cubic convolution kernel of coefficient `a` at distance `d`, in `f64`.
fn cubic_kernel(d: f64, a: f64) -> f64 {
    let d = d.abs();
    if d <= 1.0 {
        (a + 2.0) * d * d * d - (a + 3.0) * d * d + 1.0
    } else if d < 2.0 {
        a * d * d * d - 5.0 * a * d * d + 8.0 * a * d - 4.0 * a
    } else {
        0.0
    }
}

/// The four `(index, weight)` taps of output `o` on axis `ax`, from the distance of
/// each of `floor(c) - 1 ..= floor(c) + 2` to the coordinate `c`.
fn cubic_taps(ax: &ResizeAxis, o: usize, k: Cubic) -> [(usize, f64); 4] {
    let c = if ax.scale == 1.0 {
        o as f64
    } else {
        f64::from(ax.source(o))
    };
    let f = libm::floor(c) as i64;
    let n = ax.input as i64;
    let mut taps = [(0usize, 0.0f64); 4];
    for (t, j) in taps.iter_mut().zip(f - 1..=f + 2) {
        let outside = j < 0 || j >= n;
        let w = if k.exclude_outside && outside {
            0.0
        } else {
            cubic_kernel(c - j as f64, f64::from(k.a))
        };
        *t = (j.clamp(0, n - 1) as usize, w);
    }
    let sum: f64 = taps.iter().map(|t| t.1).sum();
    if k.exclude_outside {
        for t in &mut taps {
            t.1 /= sum;
        }
    }
    taps
}

/// Cubic (1-D or bicubic) resize: the weighted sum of the sixteen taps in `f64`.
pub fn resize_cubic(x: &[f32], y: &mut [f32], s: &ResizeShape, k: Cubic) {
    let (h, w) = (s.h, s.w);
    for p in 0..s.outer {
        for oh in 0..h.output {
            for ow in 0..w.output {
                let mut acc = 0.0f64;
                for (i, a) in cubic_taps(&h, oh, k) {
                    for (j, b) in cubic_taps(&w, ow, k) {
                        acc += a * b * f64::from(x[(p * h.input + i) * w.input + j]);
                    }
                }
                let out = h.outside(oh, true).or(w.outside(ow, true));
                y[(p * h.output + oh) * w.output + ow] = out.unwrap_or(acc as f32);
            }
        }
    }
}

/// Pad: each output element from its multi-index.
pub fn pad(x: &[f32], y: &mut [f32], s: &PadShape, mode: PadMode) {
    let fill = match mode {
        PadMode::Constant(v) => v,
        _ => 0.0,
    };
    for (flat, yv) in y.iter_mut().enumerate() {
        let mut rest = flat;
        let mut idx = [0usize; MAX_RANK];
        for d in (0..MAX_RANK).rev() {
            idx[d] = rest % s.output[d];
            rest /= s.output[d];
        }
        let mut src = Some(0usize);
        for d in 0..MAX_RANK {
            src = match (src, source(idx[d], s.begin[d], s.input[d], mode)) {
                (Some(o), Some(i)) => Some(o * s.input[d] + i),
                _ => None,
            };
        }
        *yv = src.map_or(fill, |i| x[i]);
    }
}

/// GatherND rows: row `k` of `y` is `x[offsets[k]..][..row]`.
pub fn gather_rows(x: &[f32], y: &mut [f32], offsets: &[f32], row: usize) {
    for (k, &o) in offsets.iter().enumerate() {
        for i in 0..row {
            y[k * row + i] = x[o as usize + i];
        }
    }
}
