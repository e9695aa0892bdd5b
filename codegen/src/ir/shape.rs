//! Shape rules shared by the loader's inference and the passes: broadcasting,
//! convolution and pooling output sizes.
//!
//! Every function returns `None` (or an `Err` message) instead of panicking when the
//! shapes are invalid or a product overflows `usize`.

/// Number of elements of `shape` (1 for a scalar), or `None` on `usize` overflow.
pub fn numel(shape: &[usize]) -> Option<usize> {
    shape.iter().try_fold(1usize, |acc, &d| acc.checked_mul(d))
}

/// Row-major strides of `shape` (`strides[i]` = product of the dims after `i`), or
/// `None` on overflow.
pub fn strides(shape: &[usize]) -> Option<Vec<usize>> {
    let mut out = vec![0; shape.len()];
    let mut acc = 1usize;
    for i in (0..shape.len()).rev() {
        out[i] = acc;
        acc = acc.checked_mul(shape[i])?;
    }
    Some(out)
}

/// numpy (multidirectional) broadcasting of two shapes: shapes are right-aligned and
/// every pair of dims must be equal or contain a 1. `None` if they do not broadcast.
pub fn broadcast(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    let rank = a.len().max(b.len());
    let mut out = vec![0; rank];
    for (i, o) in out.iter_mut().enumerate() {
        // Dim i of the output, counted from the left; the operands are right-aligned.
        let da = (i + a.len()).checked_sub(rank).map_or(1, |j| a[j]);
        let db = (i + b.len()).checked_sub(rank).map_or(1, |j| b[j]);
        *o = if da == db {
            da
        } else if da == 1 {
            db
        } else if db == 1 {
            da
        } else {
            return None;
        };
    }
    Some(out)
}

/// Broadcasts any number of shapes (numpy rules); `None` if they do not broadcast.
pub fn broadcast_all<'a>(shapes: impl IntoIterator<Item = &'a [usize]>) -> Option<Vec<usize>> {
    shapes
        .into_iter()
        .try_fold(Vec::new(), |acc, s| broadcast(&acc, s))
}

/// Whether `from` broadcasts to exactly `to` (unidirectional broadcasting, as for
/// Gemm's C or Expand's result).
pub fn broadcasts_to(from: &[usize], to: &[usize]) -> bool {
    from.len() <= to.len() && broadcast(from, to).as_deref() == Some(to)
}

/// Strides for reading a tensor of shape `from` as if it had the broadcast shape
/// `to` (right-aligned; broadcast dims get stride 0). `from` must broadcast to `to`.
pub fn broadcast_strides(from: &[usize], to: &[usize]) -> Vec<usize> {
    let own = strides(from).unwrap_or_else(|| vec![0; from.len()]);
    let lead = to.len() - from.len();
    (0..to.len())
        .map(|i| {
            if i < lead || from[i - lead] == 1 {
                0
            } else {
                own[i - lead]
            }
        })
        .collect()
}

/// Resolves a possibly negative `axis` against `rank` (valid range `-rank..rank`).
pub fn resolve_axis(axis: i64, rank: usize) -> Option<usize> {
    let r = i64::try_from(rank).ok()?;
    let a = if axis < 0 { axis + r } else { axis };
    (0..r).contains(&a).then_some(a as usize)
}

/// Output shape of numpy `matmul` (ONNX MatMul): 1-D operands are promoted
/// (a row vector on the left, a column vector on the right) and the promoted dim
/// removed again; batch dims broadcast. `None` on a rank-0 operand, an inner
/// dimension mismatch or batch dims that do not broadcast.
pub fn matmul(a: &[usize], b: &[usize]) -> Option<Vec<usize>> {
    if a.is_empty() || b.is_empty() {
        return None;
    }
    let a2: Vec<usize> = if a.len() == 1 {
        vec![1, a[0]]
    } else {
        a.to_vec()
    };
    let b2: Vec<usize> = if b.len() == 1 {
        vec![b[0], 1]
    } else {
        b.to_vec()
    };
    let (m, k) = (a2[a2.len() - 2], a2[a2.len() - 1]);
    let (k2, n) = (b2[b2.len() - 2], b2[b2.len() - 1]);
    if k != k2 {
        return None;
    }
    let mut out = broadcast(&a2[..a2.len() - 2], &b2[..b2.len() - 2])?;
    if a.len() != 1 {
        out.push(m);
    }
    if b.len() != 1 {
        out.push(n);
    }
    Some(out)
}

/// ONNX `auto_pad` modes of Conv and the pooling ops.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AutoPad {
    /// Explicit `pads` (the default).
    NotSet,
    /// Output size `ceil(in / stride)`; an odd total pad puts the extra at the end.
    SameUpper,
    /// Output size `ceil(in / stride)`; an odd total pad puts the extra at the begin.
    SameLower,
    /// No padding.
    Valid,
}

impl AutoPad {
    /// Parses the ONNX attribute value (`NOTSET`, `SAME_UPPER`, `SAME_LOWER`, `VALID`).
    pub fn parse(s: &str) -> Option<AutoPad> {
        match s {
            "NOTSET" | "" => Some(AutoPad::NotSet),
            "SAME_UPPER" => Some(AutoPad::SameUpper),
            "SAME_LOWER" => Some(AutoPad::SameLower),
            "VALID" => Some(AutoPad::Valid),
            _ => None,
        }
    }
}

/// Extent of a dilated window: `dilation * (kernel - 1) + 1`.
pub fn dilated_kernel(kernel: usize, dilation: usize) -> Option<usize> {
    dilation.checked_mul(kernel.checked_sub(1)?)?.checked_add(1)
}

/// `(pad_begin, pad_end)` for one spatial dim under `auto_pad` (as ONNX Runtime
/// computes them). `NotSet` returns `(0, 0)`: the caller uses the explicit pads.
pub fn auto_pads(
    mode: AutoPad,
    input: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
) -> Option<(usize, usize)> {
    match mode {
        AutoPad::NotSet | AutoPad::Valid => Some((0, 0)),
        AutoPad::SameUpper | AutoPad::SameLower => {
            if stride == 0 {
                return None;
            }
            let out = input.div_ceil(stride);
            let dk = dilated_kernel(kernel, dilation)?;
            let needed = out
                .checked_sub(1)
                .map_or(Some(0), |o| o.checked_mul(stride))?
                .checked_add(dk)?;
            let total = needed.saturating_sub(input);
            Some(if mode == AutoPad::SameUpper {
                (total / 2, total - total / 2)
            } else {
                (total - total / 2, total / 2)
            })
        }
    }
}

/// Output size of one spatial dim of a convolution:
/// `floor((input + pad_begin + pad_end - dilated_kernel) / stride) + 1`.
/// `None` if the (padded) input is smaller than the dilated kernel, the stride is 0
/// or the arithmetic overflows.
pub fn conv_output(
    input: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    pad_begin: usize,
    pad_end: usize,
) -> Option<usize> {
    pool_output(input, kernel, stride, dilation, pad_begin, pad_end, false)
}

/// Output size of one spatial dim of MaxPool / AveragePool. With `ceil_mode` the
/// division rounds up, but (as in ONNX Runtime and PyTorch) a last window that would
/// start in the end padding is dropped. `None` as for [`conv_output`].
pub fn pool_output(
    input: usize,
    kernel: usize,
    stride: usize,
    dilation: usize,
    pad_begin: usize,
    pad_end: usize,
    ceil_mode: bool,
) -> Option<usize> {
    if stride == 0 || kernel == 0 || dilation == 0 {
        return None;
    }
    let padded = input.checked_add(pad_begin)?.checked_add(pad_end)?;
    let span = padded.checked_sub(dilated_kernel(kernel, dilation)?)?;
    if !ceil_mode {
        return Some(span / stride + 1);
    }
    let mut out = span.div_ceil(stride) + 1;
    if (out - 1) * stride >= input.checked_add(pad_begin)? {
        out -= 1;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn broadcasting() {
        assert_eq!(broadcast(&[2, 1, 3], &[4, 1]), Some(vec![2, 4, 3]));
        assert_eq!(broadcast(&[], &[5]), Some(vec![5]));
        assert_eq!(broadcast(&[2], &[3]), None);
        assert!(broadcasts_to(&[3], &[2, 3]));
        assert!(!broadcasts_to(&[2, 3], &[3]));
        assert_eq!(broadcast_strides(&[3, 1], &[2, 3, 4]), vec![0, 1, 0]);
    }

    #[test]
    fn matmul_shapes() {
        assert_eq!(matmul(&[2, 3], &[3, 4]), Some(vec![2, 4]));
        assert_eq!(matmul(&[3], &[3, 4]), Some(vec![4]));
        assert_eq!(matmul(&[2, 3], &[3]), Some(vec![2]));
        assert_eq!(matmul(&[5, 2, 3], &[3, 4]), Some(vec![5, 2, 4]));
        assert_eq!(matmul(&[2, 3], &[4, 4]), None);
    }

    #[test]
    fn conv_and_pool() {
        assert_eq!(conv_output(16, 3, 1, 1, 1, 1), Some(16));
        assert_eq!(conv_output(16, 3, 2, 1, 0, 0), Some(7));
        assert_eq!(conv_output(2, 3, 1, 1, 0, 0), None);
        assert_eq!(auto_pads(AutoPad::SameUpper, 5, 2, 1, 1), Some((0, 1)));
        assert_eq!(auto_pads(AutoPad::SameLower, 5, 2, 1, 1), Some((1, 0)));
        assert_eq!(auto_pads(AutoPad::SameUpper, 10, 3, 2, 1), Some((0, 1)));
        assert_eq!(pool_output(5, 2, 2, 1, 0, 0, false), Some(2));
        assert_eq!(pool_output(5, 2, 2, 1, 0, 0, true), Some(3));
        assert_eq!(pool_output(4, 2, 2, 1, 1, 1, true), Some(3));
        // The last window would start in the end padding: dropped.
        assert_eq!(pool_output(5, 2, 2, 1, 1, 1, true), Some(3));
        assert_eq!(resolve_axis(-1, 3), Some(2));
        assert_eq!(resolve_axis(3, 3), None);
        assert_eq!(numel(&[usize::MAX, 2]), None);
    }
}
