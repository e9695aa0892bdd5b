//! 1-D and 2-D convolution (NCHW; a 1-D convolution is a 2-D one with `h = kh = 1`),
//! with strides, explicit padding, dilations and groups (depthwise included).

use super::Post;
use half::f16;

/// The shape of one convolution, all resolved by the code generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ConvShape {
    /// Batch.
    pub n: usize,
    /// Input channels (all groups).
    pub c_in: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Output channels (all groups).
    pub c_out: usize,
    /// Kernel height.
    pub kh: usize,
    /// Kernel width.
    pub kw: usize,
    /// Output height.
    pub oh: usize,
    /// Output width.
    pub ow: usize,
    /// Stride (height, width).
    pub stride: (usize, usize),
    /// Padding before the first row and column (top, left); padding after is implied by `oh`, `ow`.
    pub pad: (usize, usize),
    /// Dilation (height, width).
    pub dilation: (usize, usize),
    /// Groups; `c_in` and `c_out` are multiples of it.
    pub groups: usize,
}

/// `y = post(conv(x, w))`: `x` is `n x c_in x h x w`, `w` is
/// `c_out x (c_in / groups) x kh x kw`, `y` is `n x c_out x oh x ow`. Padding reads zeros.
pub fn conv2d(x: &[f32], w: &[f16], y: &mut [f32], s: &ConvShape, post: Post<'_>) {
    todo!("{} {} {} {s:?} {post:?}", x.len(), w.len(), y.len())
}
