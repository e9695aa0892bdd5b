//! 3x3 depthwise convolution at stride 1 and 2 (MobileNet's and DS-CNN's), one output
//! row at a time with the nine taps and a sliding 3x3 window of inputs in registers.
//!
//! Each output reads one new input column (three values) at stride 1, two at stride 2;
//! the other columns of its window are the previous output's, kept in registers (on
//! unpadded rows the stride-1 loop is unrolled by three so they change roles instead
//! of being moved). Padding columns are
//! zeros fed into the window; an output row whose filter hangs over the top or bottom
//! of the input gets zero weights for the missing row and reads a present row in its
//! place (so an infinite input next to the padding gives NaN there where the
//! reference, which skips padding, gives the infinity). The epilogue is applied as
//! each output is stored.

use super::ConvShape;
use crate::f16::widen;
use crate::kernels::{Activation, Post};
use crate::slice::{split_mut, tail, window, window_mut};
use half::f16;

#[cfg(tinymtl_x86_avx2)]
mod x86_avx2;
#[cfg(tinymtl_x86_avx2)]
use crate::slice::at;

/// Whether [`depthwise3x3`] handles a convolution: depthwise (one input channel per
/// output channel), 3x3, no dilation, stride 1 or 2 in both axes, at most two padding
/// columns on the left, and every output row's window touching the input.
pub const fn depthwise3x3_applies(s: &ConvShape) -> bool {
    let square = s.stride.0 == s.stride.1 && (s.stride.0 == 1 || s.stride.0 == 2);
    s.groups == s.c_in
        && s.c_in == s.c_out
        && s.kh == 3
        && s.kw == 3
        && s.dilation.0 == 1
        && s.dilation.1 == 1
        && square
        && s.pad.0 <= 1
        && s.pad.1 <= 2
        && s.oh > 0
        && s.h > 0
        && s.w > 0
        && (s.oh - 1) * s.stride.0 <= s.h - 1 + s.pad.0
}

/// `y = post(depthwise_conv3x3(x, w))`: `x` is `n x c x h x w`, `w` is `c x 1 x 3 x 3`,
/// `y` is `n x c x oh x ow` ([`depthwise3x3_applies`] must hold).
pub fn depthwise3x3<A: Activation>(
    x: &[f32],
    w: &[f16],
    y: &mut [f32],
    s: &ConvShape,
    post: Post<'_, A>,
) {
    let ConvShape {
        n,
        c_in: c,
        h,
        w: wd,
        oh,
        ow,
        stride: (st, _),
        pad: (pt, pl),
        ..
    } = *s;
    let (plane_in, plane) = (h * wd, oh * ow);
    debug_assert_eq!(x.len(), n * c * plane_in);
    debug_assert_eq!(w.len(), c * 9);
    debug_assert_eq!(y.len(), n * c * plane);
    if plane == 0 || plane_in == 0 {
        return;
    }
    let y = window_mut(y, 0, n * c * plane);
    // A small plane is copied into a zero-padded buffer, zeroed once: every channel
    // writes the same interior, so the padding stays zero.
    let (hp, wp) = padded_extent(s);
    let small = hp * wp <= PADDED;
    let mut buf = [[0.0f32; PADDED]; BUFFERS];
    for (i, yp) in y.chunks_exact_mut(plane).enumerate() {
        let ch = i % c.max(1);
        let xp = window(x, i * plane_in, plane_in);
        let taps: [f32; 9] =
            core::array::from_fn(|t| widen(w.get(ch * 9 + t).copied().unwrap_or(f16::ZERO)));
        let epi = Epi {
            coeffs: post.coeffs(ch),
            act: post.act,
        };
        if small {
            padded_plane(&mut buf, yp, xp, &taps, s, epi);
            continue;
        }
        for (oy, yr) in yp.chunks_exact_mut(ow.max(1)).enumerate() {
            let rows: [Option<&[f32]>; 3] = core::array::from_fn(|k| {
                let iy = (oy * st + k).checked_sub(pt)?;
                (iy < h).then(|| window(xp, iy * wd, wd))
            });
            let Some(stand_in) = rows.iter().flatten().next().copied() else {
                yr.fill(epi.apply(0.0));
                continue;
            };
            let mut wk = taps;
            for (k, r) in rows.iter().enumerate() {
                if r.is_none() {
                    for v in wk.iter_mut().skip(3 * k).take(3) {
                        *v = 0.0;
                    }
                }
            }
            let r = rows.map(|r| r.unwrap_or(stand_in));
            if st == 1 {
                row_s1(yr, r, &wk, pl, epi);
            } else {
                row_s2(yr, r, &wk, pl, epi);
            }
        }
    }
}

/// Values of the zero-padded copy of a small input plane ([`padded_plane`]): 1 KiB of
/// stack.
#[cfg(not(tinymtl_x86_avx2))]
const PADDED: usize = 256;
/// Values of the zero-padded copy of an input plane: with the x86 intrinsics every
/// plane up to 64x64 padded (16 KiB of a host's stack), so they all take the flat
/// vector path.
#[cfg(tinymtl_x86_avx2)]
const PADDED: usize = 4096;

/// Buffers of [`PADDED`] values [`padded_plane`] works in: the padded copy, and with
/// the x86 intrinsics the flat filter's outputs. Allocated and zeroed once per call.
const BUFFERS: usize = if cfg!(tinymtl_x86_avx2) { 2 } else { 1 };

/// Rows and columns of the zero-padded input the filter reads: `0 ..= (o - 1) *
/// stride + 2`.
#[inline(always)]
fn padded_extent(s: &ConvShape) -> (usize, usize) {
    let st = s.stride.0;
    ((s.oh.max(1) - 1) * st + 3, (s.ow.max(1) - 1) * st + 3)
}

/// One channel of a plane small enough for a zero-padded copy on the stack (the part
/// of the padded input the filter reads, at most [`PADDED`] values; the first buffer's padding
/// cells zero): copied, then every output row runs without edge cases. On small planes
/// (MobileNet's 6x6 and 3x3) the edge handling would otherwise cost more than the
/// outputs.
#[inline(always)]
fn padded_plane<A: Activation>(
    bufs: &mut [[f32; PADDED]; BUFFERS],
    yp: &mut [f32],
    xp: &[f32],
    taps: &[f32; 9],
    s: &ConvShape,
    epi: Epi<A>,
) {
    let ConvShape {
        h,
        w: wd,
        ow,
        stride: (st, _),
        pad: (pt, pl),
        ..
    } = *s;
    let (hp, wp) = padded_extent(s);
    let cols = wp.saturating_sub(pl).min(wd);
    for (iy, src) in xp
        .chunks_exact(wd.max(1))
        .take(h.min(hp.saturating_sub(pt)))
        .enumerate()
    {
        let dst = window_mut(&mut bufs[0], (pt + iy) * wp + pl, cols);
        for (d, &v) in dst.iter_mut().zip(src) {
            *d = v;
        }
    }
    #[cfg(tinymtl_x86_avx2)]
    {
        let [copy, z] = bufs;
        flat(yp, window(copy, 0, hp * wp), z, wp, taps, (ow, st), epi);
    }
    #[cfg(not(tinymtl_x86_avx2))]
    let rows = window(&bufs[0], 0, hp * wp);
    #[cfg(not(tinymtl_x86_avx2))]
    for (oy, yr) in yp.chunks_exact_mut(ow.max(1)).enumerate() {
        let r: [&[f32]; 3] = core::array::from_fn(|k| window(rows, (oy * st + k) * wp, wp));
        if st == 1 {
            row_s1_exact(yr, r, taps, epi);
        } else {
            row_s2(yr, r, taps, 0, epi);
        }
    }
}

/// [`padded_plane`] with the x86 intrinsics: the filter at stride 1 over the padded
/// plane `rows` as one flat array (`wp` per row), then the epilogue row by row. At
/// stride 1 the flat outputs in the two padding columns of each row are computed and
/// dropped; at stride 2 each output row's stride-1 outputs (`2 ow - 1` of them) are
/// computed and every other one kept.
#[cfg(tinymtl_x86_avx2)]
#[inline(always)]
fn flat<A: Activation>(
    yp: &mut [f32],
    rows: &[f32],
    z: &mut [f32; PADDED],
    wp: usize,
    taps: &[f32; 9],
    (ow, st): (usize, usize),
    epi: Epi<A>,
) {
    let ow1 = ow.max(1);
    let oh = yp.len() / ow1;
    if st == 1 {
        let z = filter_s1(z, rows, 0, (oh.max(1) - 1) * wp + ow, wp, taps);
        for (oy, yr) in yp.chunks_exact_mut(ow1).enumerate() {
            for (yv, &v) in yr.iter_mut().zip(tail(z, oy * wp)) {
                *yv = epi.apply(v);
            }
        }
        return;
    }
    for (oy, yr) in yp.chunks_exact_mut(ow1).enumerate() {
        let z = filter_s1(z, rows, oy * st * wp, 2 * ow1 - 1, wp, taps);
        for (yv, &v) in yr.iter_mut().zip(z.iter().step_by(2)) {
            *yv = epi.apply(v);
        }
    }
}

/// The stride-1 filter at flat positions `start .. start + n` of the padded plane
/// `rows` into the first `n` values of `z` (returned): whole blocks by the intrinsics,
/// the rest one by one.
#[cfg(tinymtl_x86_avx2)]
#[inline(always)]
fn filter_s1<'z>(
    z: &'z mut [f32; PADDED],
    rows: &[f32],
    start: usize,
    n: usize,
    wp: usize,
    taps: &[f32; 9],
) -> &'z [f32] {
    let z = window_mut(z, 0, n);
    let p = tail(rows, start);
    let done = x86_avx2::flat_s1(z, p, wp, taps);
    for (i, zv) in z.iter_mut().enumerate().skip(done) {
        let column = |c: usize| [0, wp, 2 * wp].map(|r| at(p, i + r + c));
        *zv = dot9(taps, column(0), column(1), column(2));
    }
    z
}

/// [`row_s1`] over rows that hold every column the outputs read (`yr.len() + 2`
/// values, the padded copy): no edge cases, the window slides one column per output.
#[cfg(not(tinymtl_x86_avx2))]
#[inline(always)]
fn row_s1_exact<A: Activation>(yr: &mut [f32], r: [&[f32]; 3], w: &[f32; 9], epi: Epi<A>) {
    let mut a = col(&r, 0, 0);
    let mut b = col(&r, 1, 0);
    let (x0, x1, x2) = (tail(r[0], 2), tail(r[1], 2), tail(r[2], 2));
    for (((yv, &p), &q), &u) in yr.iter_mut().zip(x0).zip(x1).zip(x2) {
        let c = [p, q, u];
        *yv = epi.apply(dot9(w, a, b, c));
        (a, b) = (b, c);
    }
}

/// One output channel's epilogue.
#[derive(Clone, Copy)]
struct Epi<A> {
    coeffs: (f32, f32),
    act: A,
}

impl<A: Activation> Epi<A> {
    #[inline(always)]
    fn apply(self, acc: f32) -> f32 {
        self.act.apply(acc * self.coeffs.0 + self.coeffs.1)
    }
}

/// A column of the window: the three rows' values at one input column.
type Col = [f32; 3];

/// Input column `ix - pl` of the three rows, zeros outside them.
#[inline(always)]
fn col(r: &[&[f32]; 3], ix: usize, pl: usize) -> Col {
    match ix.checked_sub(pl) {
        Some(i) => r.map(|row| row.get(i).copied().unwrap_or(0.0)),
        None => [0.0; 3],
    }
}

/// The filter over the window `[a, b, c]` (left to right); `w` is row-major `3 x 3`.
#[inline(always)]
fn dot9(w: &[f32; 9], a: Col, b: Col, c: Col) -> f32 {
    ((w[0] * a[0] + w[3] * a[1]) + (w[6] * a[2] + w[1] * b[0]))
        + ((w[4] * b[1] + w[7] * b[2]) + (w[2] * c[0] + w[5] * c[1]))
        + w[8] * c[2]
}

/// One output row at stride 1: output `ox`'s window is input columns `ox - pl ..= ox -
/// pl + 2`.
#[inline(always)]
fn row_s1<A: Activation>(yr: &mut [f32], r: [&[f32]; 3], w: &[f32; 9], pl: usize, epi: Epi<A>) {
    let wd = r[0].len();
    let (mut a, mut b) = (col(&r, 0, pl), col(&r, 1, pl));
    // New columns `ox + 2 - pl` that lie inside the input, three outputs per pass.
    let first = 2usize.saturating_sub(pl);
    let skip = pl.saturating_sub(2);
    let inside = wd.saturating_sub(first).min(yr.len().saturating_sub(skip));
    let (y_head, y_rest) = split_mut(yr, skip);
    // Outputs whose new column is still left of the input (pl > 2 is refused; kept
    // exact regardless).
    for (k, yv) in y_head.iter_mut().enumerate() {
        let c = col(&r, k + 2, pl);
        *yv = epi.apply(dot9(w, a, b, c));
        (a, b) = (b, c);
    }
    let (y_in, y_out) = split_mut(y_rest, inside);
    let xs = |k: usize| window(r[k], first, inside).as_chunks::<3>();
    let ((x0, t0), (x1, t1), (x2, t2)) = (xs(0), xs(1), xs(2));
    let (y3, y_t) = y_in.as_chunks_mut::<3>();
    for (((yv, p), q), u) in y3.iter_mut().zip(x0).zip(x1).zip(x2) {
        let (c, d, e) = ([p[0], q[0], u[0]], [p[1], q[1], u[1]], [p[2], q[2], u[2]]);
        yv[0] = epi.apply(dot9(w, a, b, c));
        yv[1] = epi.apply(dot9(w, b, c, d));
        yv[2] = epi.apply(dot9(w, c, d, e));
        (a, b) = (d, e);
    }
    for (((yv, &p), &q), &u) in y_t.iter_mut().zip(t0).zip(t1).zip(t2) {
        let c = [p, q, u];
        *yv = epi.apply(dot9(w, a, b, c));
        (a, b) = (b, c);
    }
    // Outputs whose new column is right of the input: zeros come in.
    for yv in y_out.iter_mut() {
        let c = [0.0; 3];
        *yv = epi.apply(dot9(w, a, b, c));
        (a, b) = (b, c);
    }
}

/// One output row at stride 2: output `ox`'s window is input columns `2 ox - pl ..= 2 ox
/// - pl + 2`; each output reads two new columns and keeps the last for the next.
#[inline(always)]
fn row_s2<A: Activation>(yr: &mut [f32], r: [&[f32]; 3], w: &[f32; 9], pl: usize, epi: Epi<A>) {
    let mut a = col(&r, 0, pl);
    // Output ox reads columns 2ox+1-pl and 2ox+2-pl: inside while 2ox+2-pl < wd.
    let mut ox = 0;
    let n = yr.len();
    // Outputs whose new columns are left of (or straddle) the input's start.
    while ox < n && 2 * ox + 1 < pl {
        let (b, c) = (col(&r, 2 * ox + 1, pl), col(&r, 2 * ox + 2, pl));
        if let Some(yv) = yr.get_mut(ox) {
            *yv = epi.apply(dot9(w, a, b, c));
        }
        a = c;
        ox += 1;
    }
    // Fully inside: both new columns in [0, wd).
    let start = (2 * ox + 1).saturating_sub(pl);
    let pairs = |k: usize| tail(r[k], start).as_chunks::<2>().0;
    let (x0, x1, x2) = (pairs(0), pairs(1), pairs(2));
    let inside = x0.len().min(n.saturating_sub(ox));
    for (((yv, p), q), u) in window_mut(yr, ox, inside)
        .iter_mut()
        .zip(x0)
        .zip(x1)
        .zip(x2)
    {
        let (b, c) = ([p[0], q[0], u[0]], [p[1], q[1], u[1]]);
        *yv = epi.apply(dot9(w, a, b, c));
        a = c;
    }
    ox += inside;
    // The rest: columns past the input read zeros.
    while ox < n {
        let (b, c) = (col(&r, 2 * ox + 1, pl), col(&r, 2 * ox + 2, pl));
        if let Some(yv) = yr.get_mut(ox) {
            *yv = epi.apply(dot9(w, a, b, c));
        }
        a = c;
        ox += 1;
    }
}
