//! Normalizations: LayerNormalization and a per-channel affine map (standalone BatchNorm).

use super::Act;

/// LayerNormalization over `x` viewed as `outer x n`, normalizing each row of `n`:
/// `y = (x - mean) / sqrt(var + eps) * scale + bias` (biased variance, as ONNX).
/// `scale` and `bias` have length `n`. `x` and `y` may be the same tensor only through
/// [`layer_norm_inplace`].
pub fn layer_norm(
    x: &[f32],
    y: &mut [f32],
    outer: usize,
    n: usize,
    scale: &[f32],
    bias: Option<&[f32]>,
    eps: f32,
) {
    todo!(
        "{} {} {outer} {n} {} {:?} {eps}",
        x.len(),
        y.len(),
        scale.len(),
        bias.map(|b| b.len())
    )
}

/// [`layer_norm`] in place.
pub fn layer_norm_inplace(
    y: &mut [f32],
    outer: usize,
    n: usize,
    scale: &[f32],
    bias: Option<&[f32]>,
    eps: f32,
) {
    todo!(
        "{} {outer} {n} {} {:?} {eps}",
        y.len(),
        scale.len(),
        bias.map(|b| b.len())
    )
}

/// In place over `y` viewed as `outer x c x inner`:
/// `y = act(y * scale[c] + shift[c])` (BatchNormalization not folded into a producer).
pub fn channel_affine_inplace(
    y: &mut [f32],
    outer: usize,
    c: usize,
    inner: usize,
    scale: &[f32],
    shift: &[f32],
    act: Act,
) {
    todo!(
        "{} {outer} {c} {inner} {} {} {act:?}",
        y.len(),
        scale.len(),
        shift.len()
    )
}
