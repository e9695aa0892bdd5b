//! Resize of the last one or two axes: nearest, linear (bilinear) and cubic (bicubic)
//! interpolation.
//!
//! The input is viewed as `outer x h.input x w.input` and the output as
//! `outer x h.output x w.output`; a 1-D resize (`[N, C, L]`) is `h` of 1 to 1. Each
//! axis maps an output index to a source coordinate exactly as onnxruntime does (the
//! same `f32` operations in the same order, so nearest-neighbour ties fall the same
//! way), from the axis's lengths, its scale and the coordinate transformation mode.
//! The coordinates depend on the shape only, so they are computed in the loop rather
//! than stored as tables: no flash per output coordinate, and the timing depends on
//! the shape only.

use crate::slice::{at, window_mut};

/// ONNX `coordinate_transformation_mode`: the source coordinate of output index `x`
/// on an axis resized from `input` to `output` values with scale `s`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Coord {
    /// `(x + 0.5) / s - 0.5`
    HalfPixel,
    /// `x / s`
    Asymmetric,
    /// `x * (input - 1) / (output - 1)`, 0 when `output == 1`
    AlignCorners,
    /// `(x + 0.5) / s - 0.5`, 0 when `output == 1`
    PytorchHalfPixel,
    /// `(x + 0.5) / s`
    TfHalfPixelForNn,
    /// half_pixel shifted so the resized extent is centred on the input's
    HalfPixelSymmetric,
    /// The region `[start, end]` (fractions of the axis) resized to the output:
    /// `start (input - 1) + x (end - start) (input - 1) / (output - 1)`; outputs whose
    /// coordinate falls outside the input are `extrapolation`.
    TfCropAndResize {
        /// Region start.
        start: f32,
        /// Region end.
        end: f32,
        /// The value of outputs outside the input.
        extrapolation: f32,
    },
}

/// ONNX `nearest_mode`: how a source coordinate becomes an index.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Nearest {
    /// Round, halves down.
    RoundPreferFloor,
    /// Round, halves away from zero.
    RoundPreferCeil,
    /// Floor.
    Floor,
    /// Ceil.
    Ceil,
}

/// ONNX `mode = "cubic"`: four taps per axis weighted by the cubic convolution
/// kernel of coefficient `a` (`cubic_coeff_a`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cubic {
    /// `cubic_coeff_a` (-0.75 by default, -0.5 in TensorFlow).
    pub a: f32,
    /// `exclude_outside`: taps outside the input get weight 0 and the others are
    /// renormalized to sum 1; otherwise they read the edge value.
    pub exclude_outside: bool,
}

/// The interpolation of a resize (ONNX `mode`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Interp {
    /// `nearest`, with its `nearest_mode`.
    Nearest(Nearest),
    /// `linear`.
    Linear,
    /// `cubic`.
    Cubic(Cubic),
}

/// One resized axis.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ResizeAxis {
    /// Input length.
    pub input: usize,
    /// Output length.
    pub output: usize,
    /// The scale (`output / input` when the model gives sizes).
    pub scale: f32,
    /// Coordinate transformation.
    pub coord: Coord,
}

impl ResizeAxis {
    /// An axis that is not resized (length 1 to 1).
    pub const UNIT: ResizeAxis = ResizeAxis {
        input: 1,
        output: 1,
        scale: 1.0,
        coord: Coord::Asymmetric,
    };

    /// The source coordinate of output index `o`, in `f32` as onnxruntime computes it.
    #[inline(always)]
    pub fn source(&self, o: usize) -> f32 {
        let x = o as f32;
        let (lr, lo, s) = (self.output as f32, self.input as f32, self.scale);
        match self.coord {
            Coord::HalfPixel => (x + 0.5) / s - 0.5,
            Coord::Asymmetric => x / s,
            Coord::PytorchHalfPixel if lr > 1.0 => (x + 0.5) / s - 0.5,
            Coord::PytorchHalfPixel => 0.0,
            Coord::TfHalfPixelForNn => (x + 0.5) / s,
            Coord::AlignCorners if lr == 1.0 => 0.0,
            Coord::AlignCorners => x * (lo - 1.0) / (lr - 1.0),
            Coord::HalfPixelSymmetric => {
                let adjustment = lr / (s * lo);
                let offset = lo / 2.0 * (1.0 - adjustment);
                (f64::from(offset) + (f64::from(x) + 0.5) / f64::from(s) - 0.5) as f32
            }
            Coord::TfCropAndResize { start, end, .. } if lr > 1.0 => {
                start * (lo - 1.0) + (x * (end - start) * (lo - 1.0)) / (lr - 1.0)
            }
            Coord::TfCropAndResize { start, end, .. } => {
                (0.5 * f64::from(start + end) * f64::from(lo - 1.0)) as f32
            }
        }
    }

    /// The extrapolation value when output `o` lies outside the input (only with
    /// [`Coord::TfCropAndResize`]); `linear` as [`ResizeAxis::linear`] and
    /// [`ResizeAxis::cubic`] read the coordinate (an axis of scale 1 maps each output
    /// to itself).
    #[inline(always)]
    pub fn outside(&self, o: usize, linear: bool) -> Option<f32> {
        let Coord::TfCropAndResize { extrapolation, .. } = self.coord else {
            return None;
        };
        let c = if linear {
            self.interpolated(o)
        } else {
            self.source(o)
        };
        let hi = self.input.saturating_sub(1) as f32;
        ((c < 0.0) | (c > hi)).then_some(extrapolation)
    }

    /// The input index output `o` copies in nearest mode, clamped into the axis.
    #[inline(always)]
    pub fn nearest(&self, o: usize, mode: Nearest) -> usize {
        let c = self.source(o);
        let r = match mode {
            // `c as i64` truncates, as onnxruntime's cast does.
            Nearest::RoundPreferFloor if c == (c as i64) as f32 + 0.5 => libm::floorf(c),
            Nearest::RoundPreferFloor | Nearest::RoundPreferCeil => libm::roundf(c),
            Nearest::Floor => libm::floorf(c),
            Nearest::Ceil => libm::ceilf(c),
        };
        let last = self.input.saturating_sub(1);
        // `as` saturates (and maps NaN to 0): no undefined or panicking conversion.
        let i = r as i64;
        if i < 0 {
            0
        } else {
            (i as usize).min(last)
        }
    }

    /// Linear taps of output `o`: `(i0, i1, w0, w1)`, the output being
    /// `w0 * x[i0] + w1 * x[i1]`. The coordinate is clamped into the axis; at the last
    /// index both taps are the same value with weight 0.5 each (as onnxruntime).
    #[inline(always)]
    pub fn linear(&self, o: usize) -> (usize, usize, f32, f32) {
        let last = self.input.saturating_sub(1);
        let c = self.interpolated(o);
        let hi = last as f32;
        let c = if c > 0.0 { c } else { 0.0 };
        let c = if c < hi { c } else { hi };
        let i0 = (c as usize).min(last);
        let i1 = (i0 + 1).min(last);
        if i0 == i1 {
            (i0, i1, 0.5, 0.5)
        } else {
            (
                i0,
                i1,
                libm::fabsf(c - i1 as f32),
                libm::fabsf(c - i0 as f32),
            )
        }
    }
}

impl ResizeAxis {
    /// The coordinate linear and cubic interpolation read: the output index itself on
    /// an axis of scale 1 (as onnxruntime), else [`ResizeAxis::source`].
    #[inline(always)]
    fn interpolated(&self, o: usize) -> f32 {
        if self.scale == 1.0 {
            o as f32
        } else {
            self.source(o)
        }
    }

    /// Cubic taps of output `o`: the input indices (clamped into the axis) and weights
    /// of the four values around the coordinate, `floor(c) - 1 ..= floor(c) + 2`. The
    /// weights are onnxruntime's, in `f32`: the cubic kernel at distances `1 + t`,
    /// `t`, `1 - t`, `2 - t` for the fraction `t` of `c`; with `exclude_outside` the
    /// taps outside the axis get 0 and each weight is divided by their sum.
    #[inline(always)]
    pub fn cubic(&self, o: usize, k: Cubic) -> ([usize; 4], [f32; 4]) {
        let c = self.interpolated(o);
        let f = libm::floorf(c);
        let (t, a) = (c - f, k.a);
        let (t1, u, u1) = (t + 1.0, 1.0 - t, 2.0 - t);
        let mut wt = [
            ((a * t1 - 5.0 * a) * t1 + 8.0 * a) * t1 - 4.0 * a,
            ((a + 2.0) * t - (a + 3.0)) * t * t + 1.0,
            ((a + 2.0) * u - (a + 3.0)) * u * u + 1.0,
            ((a * u1 - 5.0 * a) * u1 + 8.0 * a) * u1 - 4.0 * a,
        ];
        // `as` saturates (and maps NaN to 0): no undefined or panicking conversion.
        let base = f as i64 - 1;
        let n = self.input as i64;
        let mut idx = [0usize; 4];
        let mut sum = 0.0f32;
        for (k4, (i, w)) in idx.iter_mut().zip(wt.iter_mut()).enumerate() {
            let j = base.saturating_add(k4 as i64);
            let inside = (0..n).contains(&j);
            *i = j.clamp(0, (n - 1).max(0)) as usize;
            if k.exclude_outside && !inside {
                *w = 0.0;
            }
            sum += *w;
        }
        if k.exclude_outside {
            for w in &mut wt {
                *w /= sum;
            }
        }
        (idx, wt)
    }
}

/// A resize of the last two axes of a tensor viewed as `outer x h x w`.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ResizeShape {
    /// Product of the axes that are not resized.
    pub outer: usize,
    /// The second-to-last axis ([`ResizeAxis::UNIT`] for a 1-D resize).
    pub h: ResizeAxis,
    /// The last axis.
    pub w: ResizeAxis,
}

impl ResizeShape {
    /// Input and output plane sizes and `y` as whole planes; `None` when there is
    /// nothing to write.
    fn planes<'y>(&self, x: &[f32], y: &'y mut [f32]) -> Option<(usize, usize, &'y mut [f32])> {
        let (xp, yp) = (self.h.input * self.w.input, self.h.output * self.w.output);
        debug_assert_eq!(x.len(), self.outer * xp);
        debug_assert_eq!(y.len(), self.outer * yp);
        if self.outer == 0 || yp == 0 {
            return None;
        }
        Some((xp, yp, window_mut(y, 0, self.outer * yp)))
    }
}

/// The outputs at position `q` of every plane: `y[q], y[q + yp], ...`.
#[inline(always)]
fn across_planes(y: &mut [f32], q: usize, yp: usize) -> impl Iterator<Item = &mut f32> {
    y.get_mut(q..)
        .unwrap_or_default()
        .iter_mut()
        .step_by(yp.max(1))
}

// The loops run over output positions outside and planes inside, so each position's
// source coordinate (a division, a rounding) is computed once, not once per plane
// (channel); the stores are strided, which costs nothing extra on a cacheless
// microcontroller.

/// Nearest-neighbour resize: `y[p][oh][ow] = x[p][nearest(oh)][nearest(ow)]`.
pub fn resize_nearest(x: &[f32], y: &mut [f32], s: &ResizeShape, mode: Nearest) {
    let Some((xp, yp, y)) = s.planes(x, y) else {
        return;
    };
    let (h, w) = (s.h, s.w);
    for oh in 0..h.output {
        let row = h.nearest(oh, mode) * w.input;
        for ow in 0..w.output {
            let src = row + w.nearest(ow, mode);
            let out = h.outside(oh, false).or(w.outside(ow, false));
            for (p, yv) in across_planes(y, oh * w.output + ow, yp).enumerate() {
                *yv = out.unwrap_or_else(|| at(x, p * xp + src));
            }
        }
    }
}

/// Linear resize: 1-D when `h` is [`ResizeAxis::UNIT`], else bilinear,
/// `y = sum_{a,b} wh_a * ww_b * x[ih_a][iw_b]` over the two taps of each axis.
pub fn resize_linear(x: &[f32], y: &mut [f32], s: &ResizeShape) {
    let Some((xp, yp, y)) = s.planes(x, y) else {
        return;
    };
    let (h, w) = (s.h, s.w);
    if h.input == 1 && h.output == 1 {
        for ow in 0..w.output {
            let (j0, j1, b0, b1) = w.linear(ow);
            let out = w.outside(ow, true);
            for (p, yv) in across_planes(y, ow, yp).enumerate() {
                let row = p * xp;
                *yv = out.unwrap_or_else(|| b0 * at(x, row + j0) + b1 * at(x, row + j1));
            }
        }
        return;
    }
    for oh in 0..h.output {
        let (i0, i1, a0, a1) = h.linear(oh);
        let (r0, r1) = (i0 * w.input, i1 * w.input);
        for ow in 0..w.output {
            let (j0, j1, b0, b1) = w.linear(ow);
            let (c00, c01, c10, c11) = (b0 * a0, b1 * a0, b0 * a1, b1 * a1);
            let out = h.outside(oh, true).or(w.outside(ow, true));
            for (p, yv) in across_planes(y, oh * w.output + ow, yp).enumerate() {
                let base = p * xp;
                *yv = out.unwrap_or_else(|| {
                    c00 * at(x, base + r0 + j0)
                        + c01 * at(x, base + r0 + j1)
                        + c10 * at(x, base + r1 + j0)
                        + c11 * at(x, base + r1 + j1)
                });
            }
        }
    }
}

/// Cubic resize: 1-D when `h` is [`ResizeAxis::UNIT`], else bicubic,
/// `y = sum_a wh_a * (sum_b ww_b * x[ih_a][iw_b])` over the four taps of each axis
/// (each row interpolated first, then the column, as onnxruntime).
pub fn resize_cubic(x: &[f32], y: &mut [f32], s: &ResizeShape, k: Cubic) {
    let Some((xp, yp, y)) = s.planes(x, y) else {
        return;
    };
    let (h, w) = (s.h, s.w);
    let row = |base: usize, js: &[usize; 4], b: &[f32; 4]| -> f32 {
        js.iter()
            .zip(b)
            .fold(0.0, |acc, (&j, &bj)| acc + bj * at(x, base + j))
    };
    if h.input == 1 && h.output == 1 {
        for ow in 0..w.output {
            let (js, b) = w.cubic(ow, k);
            let out = w.outside(ow, true);
            for (p, yv) in across_planes(y, ow, yp).enumerate() {
                *yv = out.unwrap_or_else(|| row(p * xp, &js, &b));
            }
        }
        return;
    }
    for oh in 0..h.output {
        let (is, a) = h.cubic(oh, k);
        for ow in 0..w.output {
            let (js, b) = w.cubic(ow, k);
            let out = h.outside(oh, true).or(w.outside(ow, true));
            for (p, yv) in across_planes(y, oh * w.output + ow, yp).enumerate() {
                *yv = out.unwrap_or_else(|| {
                    is.iter().zip(&a).fold(0.0, |acc, (&i, &ai)| {
                        acc + ai * row(p * xp + i * w.input, &js, &b)
                    })
                });
            }
        }
    }
}
