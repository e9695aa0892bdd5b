//! Resize (opset >= 11: inputs X, roi, scales, sizes) and GatherND with constant
//! indices (the dynamo exporter writes linear 1-D `F.interpolate` as two GatherNDs of
//! the transposed input plus arithmetic).
//!
//! Resize: modes `nearest`, `linear` and `cubic` (`cubic_coeff_a`, `exclude_outside`)
//! with the coordinate transformations and nearest modes onnxruntime has
//! (`tf_crop_and_resize` with its roi and extrapolation value included; `antialias`
//! refused), constant
//! `scales` or `sizes` (opset 18 `axes` and `keep_aspect_ratio_policy` included). Only
//! the last one or two axes may change (N and C keep scale 1). The scales are kept as
//! the `f32` values onnxruntime computes with (`sizes / input` when sizes are given),
//! so the kernel's coordinates match its own.

use super::layout::resolve_axes;
use super::Outcome;
use crate::error::Result;
use crate::ir::{Coord, Cubic, Interp, Nearest, Op, ResizeAttrs};
use crate::load::fold::{self, int_values, out_const};
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;
use crate::load::value::{Const, Value};

/// Resize.
pub(super) fn resize(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    if ctx.opset < 11 {
        return Err(ctx.err(format!(
            "Resize of opset {} (inputs X, scales) is not supported; export with opset 11 or newer",
            ctx.opset
        )));
    }
    ctx.check_attrs(&[
        "mode",
        "coordinate_transformation_mode",
        "nearest_mode",
        "cubic_coeff_a",
        "exclude_outside",
        "extrapolation_value",
        "antialias",
        "axes",
        "keep_aspect_ratio_policy",
    ])?;
    let mode = ctx.string("mode")?.unwrap_or_else(|| "nearest".into());
    let nearest_mode = ctx
        .string("nearest_mode")?
        .unwrap_or_else(|| "round_prefer_floor".into());
    let interp = match mode.as_str() {
        "nearest" => Interp::Nearest(match nearest_mode.as_str() {
            "round_prefer_floor" => Nearest::RoundPreferFloor,
            "round_prefer_ceil" => Nearest::RoundPreferCeil,
            "floor" => Nearest::Floor,
            "ceil" => Nearest::Ceil,
            m => {
                return Err(ctx.err(format!(
                    "nearest_mode '{m}' is not supported (supported: round_prefer_floor, \
                     round_prefer_ceil, floor, ceil)"
                )))
            }
        }),
        "linear" => Interp::Linear,
        "cubic" => Interp::Cubic(cubic(ctx)?),
        m => {
            return Err(ctx.err(format!(
                "mode '{m}' is not supported (supported: nearest, linear, cubic)"
            )))
        }
    };
    let ct = ctx
        .string("coordinate_transformation_mode")?
        .unwrap_or_else(|| "half_pixel".into());
    let coord = match ct.as_str() {
        "half_pixel" => Coord::HalfPixel,
        "asymmetric" => Coord::Asymmetric,
        "align_corners" => Coord::AlignCorners,
        "pytorch_half_pixel" => Coord::PytorchHalfPixel,
        "tf_half_pixel_for_nn" => Coord::TfHalfPixelForNn,
        "half_pixel_symmetric" => Coord::HalfPixelSymmetric,
        "tf_crop_and_resize" => Coord::TfCropAndResize {
            start: 0.0,
            end: 1.0,
            extrapolation: ctx.float_or("extrapolation_value", 0.0)?,
        },
        m => {
            return Err(ctx.err(format!(
                "coordinate_transformation_mode '{m}' is not supported (supported: half_pixel, \
                 asymmetric, align_corners, pytorch_half_pixel, tf_half_pixel_for_nn, \
                 half_pixel_symmetric, tf_crop_and_resize)"
            )))
        }
    };
    if ctx.int_or("antialias", 0)? != 0 {
        return Err(ctx.err("antialias = 1 is not supported"));
    }
    let x = g.float_input(ctx, 0)?;
    let xs = g.tensors[x].shape.clone();
    let r = xs.len();
    let axes = match ctx.ints("axes")? {
        Some(a) => resolve_axes(ctx, &a, r)?,
        None => (0..r).collect(),
    };
    let scales = present(ctx.const_input(2, "scales")?);
    let sizes = present(ctx.const_input(3, "sizes")?);
    let (mut out, mut sc) = (xs.clone(), vec![1.0f32; r]);
    match (scales, sizes) {
        (Some(s), None) => {
            let v = s.to_f32();
            if v.len() != axes.len() {
                return Err(ctx.err(format!("scales {v:?} need {} values", axes.len())));
            }
            for (&a, &f) in axes.iter().zip(&v) {
                if !(f.is_finite() && f > 0.0) {
                    return Err(ctx.err(format!("scale {f} must be finite and > 0")));
                }
                let n = f * xs[a] as f32;
                if n >= 1e9 {
                    return Err(ctx.err(format!("scale {f} gives an output too large")));
                }
                out[a] = n as usize;
                sc[a] = f;
            }
        }
        (None, Some(s)) => {
            let v = int_values(ctx, s, "sizes")?;
            if v.len() != axes.len() {
                return Err(ctx.err(format!("sizes {v:?} need {} values", axes.len())));
            }
            for (&a, &n) in axes.iter().zip(&v) {
                if n < 1 {
                    return Err(ctx.err(format!("sizes {v:?} must be >= 1")));
                }
                out[a] = usize::try_from(n).map_err(|_| ctx.err("size overflows"))?;
                sc[a] = out[a] as f32 / xs[a] as f32;
            }
            let policy = ctx
                .string("keep_aspect_ratio_policy")?
                .unwrap_or_else(|| "stretch".into());
            keep_aspect_ratio(ctx, &policy, &axes, &xs, &mut out, &mut sc)?;
        }
        _ => return Err(ctx.err(
            "exactly one of the inputs scales (#2) and sizes (#3) must be given (and non-empty)",
        )),
    }
    let roi = match coord {
        Coord::TfCropAndResize { .. } => region(ctx, &axes, r)?,
        _ => Vec::new(),
    };
    let fixed = if r >= 3 { 2.max(r - 2) } else { 0 };
    let cropped = |d: usize| roi.get(d).is_some_and(|&(a, b)| (a, b) != (0.0, 1.0));
    if let Some(d) = (0..fixed).find(|&d| sc[d] != 1.0 || out[d] != xs[d] || cropped(d)) {
        return Err(ctx.err(format!(
            "Resize of {xs:?} to {out:?} changes axis {d}; only the last {} (spatial) axes \
             may be resized (1-D [N, C, L] and 2-D [N, C, H, W])",
            r - fixed
        )));
    }
    if out.contains(&0) {
        return Err(ctx.err(format!("Resize of {xs:?} gives an empty output {out:?}")));
    }
    Ok(Outcome::Compute {
        op: Op::Resize(ResizeAttrs {
            mode: interp,
            coord,
            scales: sc,
            roi,
        }),
        inputs: vec![x],
        shape: out,
    })
}

/// Mode cubic's `cubic_coeff_a` (finite) and `exclude_outside` (0 or 1).
fn cubic(ctx: &NodeCtx) -> Result<Cubic> {
    let a = ctx.float_or("cubic_coeff_a", -0.75)?;
    if !a.is_finite() {
        return Err(ctx.err(format!("cubic_coeff_a {a} must be finite")));
    }
    let exclude_outside = match ctx.int_or("exclude_outside", 0)? {
        0 => false,
        1 => true,
        e => return Err(ctx.err(format!("exclude_outside {e} must be 0 or 1"))),
    };
    Ok(Cubic { a, exclude_outside })
}

/// tf_crop_and_resize's `roi` (input #1): starts then ends of the resized axes (all
/// of them, or `axes`), as `(start, end)` per axis of the input.
fn region(ctx: &NodeCtx, axes: &[usize], r: usize) -> Result<Vec<(f32, f32)>> {
    let c = present(ctx.const_input(1, "roi")?).ok_or_else(|| {
        ctx.err("coordinate_transformation_mode tf_crop_and_resize needs a constant roi (input #1)")
    })?;
    let v = c.to_f32();
    if v.len() != 2 * axes.len() || v.iter().any(|x| !x.is_finite()) {
        return Err(ctx
            .err(format!(
                "roi {v:?} needs {} finite values (starts then ends)",
                2 * axes.len()
            ))
            .on_tensor(&c.name));
    }
    let mut roi = vec![(0.0, 1.0); r];
    for (k, &a) in axes.iter().enumerate() {
        roi[a] = (v[k], v[axes.len() + k]);
    }
    Ok(roi)
}

/// An optional input that is absent or has no elements (the opset 11-17 way of
/// leaving out scales or sizes) is `None`.
fn present(c: Option<&std::rc::Rc<Const>>) -> Option<&Const> {
    c.map(|c| &**c).filter(|c| c.data.len() > 0)
}

/// `keep_aspect_ratio_policy` (opset 18) with sizes: `not_larger` / `not_smaller`
/// use one scale, the smallest / largest, on every resized axis.
fn keep_aspect_ratio(
    ctx: &NodeCtx,
    policy: &str,
    axes: &[usize],
    xs: &[usize],
    out: &mut [usize],
    sc: &mut [f32],
) -> Result<()> {
    let pick = match policy {
        "stretch" => return Ok(()),
        "not_larger" => f32::min,
        "not_smaller" => f32::max,
        p => {
            return Err(ctx.err(format!(
                "keep_aspect_ratio_policy '{p}' is not supported (supported: stretch, \
                 not_larger, not_smaller)"
            )))
        }
    };
    let Some(s) = axes.iter().map(|&a| sc[a]).reduce(pick) else {
        return Ok(());
    };
    for &a in axes {
        sc[a] = s;
        out[a] = (s * xs[a] as f32).round() as usize;
    }
    Ok(())
}

/// GatherND with constant indices (`batch_dims` 0): each index tuple picks a block of
/// the data; on an activation the offsets become [`Op::GatherRows`], on a constant it
/// is evaluated.
pub(super) fn gather_nd(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&["batch_dims"])?;
    if ctx.int_or("batch_dims", 0)? != 0 {
        return Err(ctx.err("batch_dims other than 0 is not supported"));
    }
    let idx = ctx
        .const_input(1, "indices")?
        .ok_or_else(|| ctx.err("required input #1 (indices) is missing"))?;
    let data = g.unpadded(ctx.req(0)?);
    let ds = g.shape_of(&data);
    let k = *idx.shape.last().unwrap_or(&0);
    if idx.shape.is_empty() || k == 0 || k > ds.len() {
        return Err(ctx
            .err(format!(
                "indices of shape {:?} do not index data of shape {ds:?} (the last dim must be \
                 1..={})",
                idx.shape,
                ds.len()
            ))
            .on_tensor(&idx.name));
    }
    let iv = int_values(ctx, idx, "indices")?;
    let strides = crate::ir::shape::strides(&ds).unwrap_or_default();
    let row: usize = ds[k..].iter().product();
    let mut offsets = Vec::with_capacity(iv.len() / k);
    for tuple in iv.chunks_exact(k) {
        let mut off = 0usize;
        for (d, &i) in tuple.iter().enumerate() {
            let n = ds[d] as i64;
            let j = if i < 0 { i + n } else { i };
            if !(0..n).contains(&j) {
                return Err(ctx
                    .err(format!("index {i} is out of range for axis {d} of {ds:?}"))
                    .on_tensor(&idx.name));
            }
            off += j as usize * strides[d];
        }
        offsets.push(off);
    }
    let mut out: Vec<usize> = idx.shape[..idx.shape.len() - 1].to_vec();
    out.extend_from_slice(&ds[k..]);
    match data {
        Value::Const(c) => {
            fold::checked_numel(ctx, &out)?;
            let src = offsets.iter().flat_map(|&o| o..o + row);
            Ok(Outcome::Consts(vec![out_const(
                ctx,
                0,
                c.dtype,
                out,
                c.data.gather(src),
            )]))
        }
        _ => {
            // Stored as f32 on the device: exact below 2^24.
            if offsets.iter().any(|&o| o >= 1 << 24) {
                return Err(ctx.err(format!(
                    "data of shape {ds:?} is too large for GatherND offsets (at most 2^24 \
                     elements)"
                )));
            }
            Ok(Outcome::Compute {
                op: Op::GatherRows { offsets, row },
                inputs: vec![g.float_input(ctx, 0)?],
                shape: out,
            })
        }
    }
}
