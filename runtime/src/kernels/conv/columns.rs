//! Convolution as dot products over gathered input columns (im2col, one output
//! position at a time).
//!
//! For each output position, the input values under the filter (every input channel
//! of the group, every tap; zeros for padding) are gathered once into a column on the
//! stack, then each output channel of the group is one [`dot_f16`] of that column with
//! its filter, which is stored contiguously as `cig x kh x kw` f16. The gather costs a
//! few instructions per value and is shared by all output channels of the group; the
//! dot product is the fastest loop the runtime has (on Cortex-M4F two f16 per load,
//! converted and fused-multiply-added by the FPU: 2.6 instructions per MAC).
//!
//! Filters longer than a column are split into chunks of whole input channels, each
//! chunk's dot products added into the outputs. Each column is padded with zeros to a
//! whole number of dot-product blocks, so the dot product reads a few weights past the
//! filter (of the next filter, each multiplied by zero) and has no scalar tail. The
//! column's values start at index 1 after a zero: a filter at an odd f16 offset is
//! read from one weight earlier, in aligned pairs, against the column from that zero;
//! the others against the column from index 1.

use super::ConvShape;
use crate::kernels::dot::{dot_f16, LANES};
use crate::slice::{at, tail, window};
use half::f16;

/// Values in one column, padding included: 1 KiB of stack.
pub(super) const COL: usize = 256;

/// The most values of one chunk: room for the leading zero and the padding.
const CHUNK: usize = COL - LANES - 1;

/// Whether [`group`] handles a convolution with `cig` input channels per group and
/// `taps` filter taps: at least two dot-product blocks per filter, and one input
/// channel's taps fit a column.
#[inline(always)]
pub(super) fn applies(cig: usize, taps: usize) -> bool {
    cig * taps >= 2 * LANES && taps <= CHUNK
}

/// `yg[j][p] = sum over the filter of wg[j] * x` for every output channel `j` of one
/// group and every output position `p` (before the post-op): `xg` is the group's `cig`
/// input planes, `wg` its `cog` filters, `yg` its `cog` output planes. `w_all` is the
/// whole weight tensor and `w_off` the offset of the group's first filter in it (the
/// padded dot products read past the group's filters).
pub(super) fn group(
    yg: &mut [f32],
    xg: &[f32],
    w_all: &[f16],
    w_off: usize,
    s: &ConvShape,
    cig: usize,
    cog: usize,
) {
    let ConvShape { kh, kw, oh, ow, .. } = *s;
    let taps = kh * kw;
    let plane_out = oh * ow;
    if kh == 0 || kw == 0 || plane_out == 0 {
        return;
    }
    let per_chunk = (CHUNK / taps).max(1);
    // The weights' base address decides the parity of every filter's start.
    let base_odd = w_all.as_ptr().align_offset(4) != 0;
    let mut col = [0.0f32; COL];
    yg.fill(0.0);
    let mut c0 = 0;
    while c0 < cig {
        let c1 = (c0 + per_chunk).min(cig);
        let k = (c1 - c0) * taps;
        for oy in 0..oh {
            for ox in 0..ow {
                let p = oy * ow + ox;
                let at = Gather {
                    oy,
                    ox,
                    chans: (c0, c1),
                };
                gather(&mut col, xg, s, at);
                for j in 0..cog {
                    let start = w_off + (j * cig + c0) * taps;
                    // A filter at an odd f16 offset is read from one weight earlier (an
                    // aligned pair), against the column from its leading zero.
                    let lead = usize::from((start % 2 == 1) != base_odd);
                    let view = tail(&col, 1 - lead);
                    let len = (lead + k).next_multiple_of(LANES);
                    // The padded filter, or (at the very end of the weights) the exact one.
                    let padded = w_all
                        .get(start.wrapping_sub(lead)..)
                        .and_then(|r| r.get(..len));
                    let (cv, wv) = match padded {
                        Some(wv) => (window(view, 0, len), wv),
                        None => (window(&col, 1, k), window(w_all, start, k)),
                    };
                    if let Some(y) = yg.get_mut(j * plane_out + p) {
                        *y += dot_f16(cv, wv);
                    }
                }
            }
        }
        c0 = c1;
    }
}

/// Which values a column holds: the output position and the input channels `[c0, c1)`.
#[derive(Clone, Copy)]
struct Gather {
    oy: usize,
    ox: usize,
    chans: (usize, usize),
}

/// Fills `col[1..1 + k]` with the input values under the filter at output position
/// `(g.oy, g.ox)` for channels `g.chans` (channel, tap row, tap column order; zeros for
/// padding), and `col[0]` and the values after them up to a whole block past either
/// start with zeros.
#[inline(always)]
fn gather(col: &mut [f32; COL], xg: &[f32], s: &ConvShape, g: Gather) {
    let ConvShape {
        h,
        w: wd,
        kh,
        kw,
        stride: (sh, sw),
        pad: (ph, pw),
        dilation: (dh, dw),
        ..
    } = *s;
    col[0] = 0.0;
    let mut out = col.iter_mut().skip(1);
    for ic in g.chans.0..g.chans.1 {
        let plane = window(xg, ic * h * wd, h * wd);
        for ky in 0..kh {
            let iy = (g.oy * sh + ky * dh).wrapping_sub(ph);
            let row = if iy < h {
                window(plane, iy * wd, wd)
            } else {
                &[]
            };
            for kx in 0..kw {
                let ix = (g.ox * sw + kx * dw).wrapping_sub(pw);
                let v = at(row, ix);
                if let Some(c) = out.next() {
                    *c = v;
                }
            }
        }
    }
    for c in out.take(LANES) {
        *c = 0.0;
    }
}
