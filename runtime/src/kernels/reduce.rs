//! Reductions over one contiguous block of axes.

/// `y[o][i] = mean_r x[o][r][i]` with `x` viewed as `outer x r x inner`.
/// GlobalAveragePool is `inner = 1`, `r = h * w`.
pub fn reduce_mean(x: &[f32], y: &mut [f32], outer: usize, r: usize, inner: usize) {
    todo!("{} {} {outer} {r} {inner}", x.len(), y.len())
}
