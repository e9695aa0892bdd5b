//! Max and average pooling over the last two axes (NCHW; 1-D as `h = kh = 1`).

/// The shape of one pooling window sweep, resolved by the code generator.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PoolShape {
    /// Planes: batch x channels.
    pub planes: usize,
    /// Input height.
    pub h: usize,
    /// Input width.
    pub w: usize,
    /// Window height.
    pub kh: usize,
    /// Window width.
    pub kw: usize,
    /// Output height (already includes `ceil_mode`).
    pub oh: usize,
    /// Output width.
    pub ow: usize,
    /// Stride (height, width).
    pub stride: (usize, usize),
    /// Padding (top, left, bottom, right).
    pub pad: (usize, usize, usize, usize),
    /// Dilation (height, width).
    pub dilation: (usize, usize),
}

/// Max over each window; padded positions are ignored (never win).
pub fn max_pool(x: &[f32], y: &mut [f32], s: &PoolShape) {
    todo!("{} {} {s:?}", x.len(), y.len())
}

/// Mean over each window. With `count_include_pad` the divisor counts padded
/// positions inside `[-pad_begin, size + pad_end)`; positions beyond that (from
/// `ceil_mode`) never count. Without it, only positions inside the input count.
pub fn avg_pool(x: &[f32], y: &mut [f32], s: &PoolShape, count_include_pad: bool) {
    todo!("{} {} {s:?} {count_include_pad}", x.len(), y.len())
}
