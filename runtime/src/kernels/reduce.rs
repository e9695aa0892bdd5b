//! Reductions over one contiguous block of axes.

/// `y[o][i] = mean_r x[o][r][i]` with `x` viewed as `outer x r x inner`.
/// GlobalAveragePool is `inner = 1`, `r = h * w`.
///
/// `r == 0` gives NaN (`0 / 0`), as a mean over nothing.
pub fn reduce_mean(x: &[f32], y: &mut [f32], outer: usize, r: usize, inner: usize) {
    debug_assert_eq!(x.len(), outer * r * inner);
    debug_assert_eq!(y.len(), outer * inner);
    if outer == 0 || inner == 0 {
        return;
    }
    let y = &mut y[..outer * inner];
    if r == 0 {
        y.fill(f32::NAN);
        return;
    }
    let div = r as f32;
    if inner == 1 {
        for (xr, yv) in x.chunks_exact(r).zip(y.iter_mut()) {
            *yv = sum(xr) / div;
        }
        return;
    }
    for (xo, yo) in x.chunks_exact(r * inner).zip(y.chunks_exact_mut(inner)) {
        yo.fill(0.0);
        for xr in xo.chunks_exact(inner) {
            for (yv, &xv) in yo.iter_mut().zip(xr) {
                *yv += xv;
            }
        }
        for yv in yo.iter_mut() {
            *yv /= div;
        }
    }
}

/// Independent partial sums in [`sum`] and [`max`].
const LANES: usize = 8;

/// `sum_i x[i]`, with [`LANES`] partial sums reduced in a fixed tree.
#[inline]
pub(crate) fn sum(x: &[f32]) -> f32 {
    let mut acc = [0.0f32; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a += v;
        }
    }
    let mut t = 0.0f32;
    for &v in tail {
        t += v;
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = acc;
    (((a0 + a4) + (a2 + a6)) + ((a1 + a5) + (a3 + a7))) + t
}

/// `max_i x[i]` ignoring NaN (`-inf` when empty or all NaN).
#[inline]
pub(crate) fn max(x: &[f32]) -> f32 {
    #[inline(always)]
    fn mx(a: f32, b: f32) -> f32 {
        if b > a {
            b
        } else {
            a
        }
    }
    let mut acc = [f32::NEG_INFINITY; LANES];
    let chunks = x.chunks_exact(LANES);
    let tail = chunks.remainder();
    for c in chunks {
        for (a, &v) in acc.iter_mut().zip(c) {
            *a = mx(*a, v);
        }
    }
    let mut t = f32::NEG_INFINITY;
    for &v in tail {
        t = mx(t, v);
    }
    let [a0, a1, a2, a3, a4, a5, a6, a7] = acc;
    mx(
        mx(mx(a0, a4), mx(a2, a6)),
        mx(mx(mx(a1, a5), mx(a3, a7)), t),
    )
}
