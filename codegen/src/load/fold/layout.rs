//! Data movement on constants (elements picked or reordered, not computed): Gather,
//! Slice (and its geometry, shared with the Slice of activations) and transposition.

use super::{checked_numel, cin, int_values, out_const, strided_indices};
use crate::error::Result;
use crate::ir::shape;
use crate::load::node::NodeCtx;
use crate::load::value::{Const, Data};

/// Transposes constant data: output dim `i` is input dim `perm[i]`.
pub(crate) fn transpose_data(
    data: &Data,
    in_shape: &[usize],
    perm: &[usize],
) -> (Vec<usize>, Data) {
    let in_strides = shape::strides(in_shape).unwrap_or_default();
    let out_shape: Vec<usize> = perm.iter().map(|&p| in_shape[p]).collect();
    let st: Vec<i64> = perm.iter().map(|&p| in_strides[p] as i64).collect();
    let idx = strided_indices(&out_shape, &st, 0);
    (out_shape, data.gather(idx.into_iter()))
}

/// Gather along one axis.
pub(super) fn gather(ctx: &NodeCtx) -> Result<Const> {
    ctx.check_attrs(&["axis"])?;
    let data = cin(ctx, 0)?;
    let ind = cin(ctx, 1)?;
    let indices = int_values(ctx, ind, "Gather indices")?;
    let r = data.shape.len();
    let axis_attr = ctx.int_or("axis", 0)?;
    let axis = shape::resolve_axis(axis_attr, r)
        .ok_or_else(|| ctx.err(format!("axis {axis_attr} is out of range for rank {r}")))?;
    let dim = data.shape[axis];
    let idx: Vec<usize> = indices
        .iter()
        .map(|&i| {
            let j = if i < 0 { i + dim as i64 } else { i };
            if j < 0 || j >= dim as i64 {
                Err(ctx.err(format!(
                    "index {i} is out of range for axis {axis} of size {dim}"
                )))
            } else {
                Ok(j as usize)
            }
        })
        .collect::<Result<_>>()?;
    let mut out_shape = data.shape[..axis].to_vec();
    out_shape.extend_from_slice(&ind.shape);
    out_shape.extend_from_slice(&data.shape[axis + 1..]);
    checked_numel(ctx, &out_shape)?;
    let outer: usize = data.shape[..axis].iter().product();
    let inner: usize = data.shape[axis + 1..].iter().product();
    let mut src = Vec::new();
    for o in 0..outer {
        for &k in &idx {
            for i in 0..inner {
                src.push((o * dim + k) * inner + i);
            }
        }
    }
    Ok(out_const(
        ctx,
        0,
        data.dtype,
        out_shape,
        data.data.gather(src.into_iter()),
    ))
}

/// Start, step and output shape per dim of a Slice over an input of `shape`; `starts`,
/// `ends`, `axes` and `steps` (inputs 1-4) must be constants.
pub(crate) fn slice_geometry(
    ctx: &NodeCtx,
    data_shape: &[usize],
) -> Result<(Vec<i128>, Vec<i128>, Vec<usize>)> {
    ctx.check_attrs(&[])?;
    let r = data_shape.len();
    let starts = int_values(ctx, cin(ctx, 1)?, "Slice starts")?;
    let ends = int_values(ctx, cin(ctx, 2)?, "Slice ends")?;
    let axes = match ctx.input(3) {
        Some(_) => int_values(ctx, cin(ctx, 3)?, "Slice axes")?,
        None => (0..starts.len() as i64).collect(),
    };
    let steps = match ctx.input(4) {
        Some(_) => int_values(ctx, cin(ctx, 4)?, "Slice steps")?,
        None => vec![1; starts.len()],
    };
    if ends.len() != starts.len() || axes.len() != starts.len() || steps.len() != starts.len() {
        return Err(ctx.err(format!(
            "starts, ends, axes and steps have different lengths ({}, {}, {}, {})",
            starts.len(),
            ends.len(),
            axes.len(),
            steps.len()
        )));
    }
    let mut begin = vec![0i128; r];
    let mut step = vec![1i128; r];
    let mut out_shape = data_shape.to_vec();
    let mut seen = vec![false; r];
    for k in 0..starts.len() {
        let axis = shape::resolve_axis(axes[k], r)
            .ok_or_else(|| ctx.err(format!("axis {} is out of range for rank {r}", axes[k])))?;
        if std::mem::replace(&mut seen[axis], true) {
            return Err(ctx.err(format!("axis {axis} is repeated")));
        }
        let dim = data_shape[axis] as i128;
        let s = i128::from(steps[k]);
        if s == 0 {
            return Err(ctx.err("step 0 is invalid"));
        }
        let mut st = i128::from(starts[k]);
        let mut en = i128::from(ends[k]);
        if st < 0 {
            st += dim;
        }
        if en < 0 {
            en += dim;
        }
        let count = if s > 0 {
            st = st.clamp(0, dim);
            en = en.clamp(0, dim);
            ((en - st).max(0) + s - 1) / s
        } else {
            st = st.clamp(0, (dim - 1).max(0));
            en = en.clamp(-1, dim - 1);
            ((st - en).max(0) + (-s) - 1) / (-s)
        };
        begin[axis] = st;
        step[axis] = s;
        out_shape[axis] = count as usize;
    }
    Ok((begin, step, out_shape))
}

/// Slice of a constant.
pub(super) fn slice(ctx: &NodeCtx) -> Result<Const> {
    let data = cin(ctx, 0)?;
    let r = data.shape.len();
    let (begin, step, out_shape) = slice_geometry(ctx, &data.shape)?;
    let in_strides = shape::strides(&data.shape).unwrap_or_default();
    let base: i128 = (0..r).map(|d| begin[d] * in_strides[d] as i128).sum();
    let st: Vec<i64> = (0..r)
        .map(|d| (step[d] * in_strides[d] as i128) as i64)
        .collect();
    checked_numel(ctx, &out_shape)?;
    let idx = strided_indices(&out_shape, &st, base as i64);
    Ok(out_const(
        ctx,
        0,
        data.dtype,
        out_shape,
        data.data.gather(idx.into_iter()),
    ))
}
