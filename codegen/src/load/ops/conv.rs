//! Conv, MaxPool, AveragePool (1-D and 2-D), GlobalAveragePool and GlobalMaxPool.

use super::Outcome;
use crate::error::Result;
use crate::ir::shape::{self, AutoPad};
use crate::ir::{ConvAttrs, Op, PoolAttrs, PoolKind, ReduceOp};
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;
use crate::load::value::Value;

/// The data input of a Conv/pool: its IR tensor and, when it comes from a pending
/// zero Pad, the spatial pads to merge (begins then ends). Padding of the batch or
/// channel dims cannot be merged: that Pad runs as a step of its own.
fn data_input(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<(usize, Option<Vec<usize>>)> {
    match ctx.req(0)? {
        Value::Padded(p) => {
            let r = p.shape.len();
            if p.pads[..2].iter().chain(&p.pads[r..r + 2]).any(|&x| x != 0) {
                return Ok((g.unpad(&p.clone()), None));
            }
            let mut sp = p.pads[2..r].to_vec();
            sp.extend_from_slice(&p.pads[r + 2..]);
            Ok((p.src, Some(sp)))
        }
        _ => Ok((g.float_input(ctx, 0)?, None)),
    }
}

/// Adds merged Pad pads to a window's pads.
fn merge_pads(pads: &mut [usize], extra: &[usize]) {
    for (p, e) in pads.iter_mut().zip(extra) {
        *p += e;
    }
}

/// Resolved window geometry of a Conv or pooling node.
struct Window {
    strides: Vec<usize>,
    pads: Vec<usize>,
    dilations: Vec<usize>,
    /// Output spatial dims.
    out: Vec<usize>,
}

/// A positive per-spatial-dim attribute (`strides`, `dilations`), default all 1.
fn per_dim(ctx: &NodeCtx, name: &str, n: usize) -> Result<Vec<usize>> {
    match ctx.ints(name)? {
        None => Ok(vec![1; n]),
        Some(v) if v.len() == n && v.iter().all(|&x| x >= 1) => {
            Ok(v.iter().map(|&x| x as usize).collect())
        }
        Some(v) => Err(ctx.err(format!(
            "attribute '{name}' = {v:?} is invalid: needs {n} values >= 1 (one per spatial dim)"
        ))),
    }
}

/// Strides, dilations and pads (with `auto_pad` resolved) and the output spatial
/// dims for input spatial dims `input` and window `kernel`.
fn window(ctx: &NodeCtx, input: &[usize], kernel: &[usize], ceil_mode: bool) -> Result<Window> {
    let n = kernel.len();
    let strides = per_dim(ctx, "strides", n)?;
    let dilations = per_dim(ctx, "dilations", n)?;
    let auto_pad_str = ctx.string("auto_pad")?.unwrap_or_default();
    let auto_pad = AutoPad::parse(&auto_pad_str).ok_or_else(|| {
        ctx.err(format!(
            "attribute 'auto_pad' = '{auto_pad_str}' is not supported (supported: NOTSET, \
             SAME_UPPER, SAME_LOWER, VALID)"
        ))
    })?;
    let explicit = ctx.ints("pads")?;
    if auto_pad != AutoPad::NotSet && explicit.is_some() {
        return Err(ctx.err(format!(
            "attributes 'pads' and 'auto_pad' = '{auto_pad_str}' are both set; ONNX allows only \
             one of them (supported: explicit pads with auto_pad NOTSET, or auto_pad alone)"
        )));
    }
    let pads: Vec<usize> = match (auto_pad, explicit) {
        (AutoPad::NotSet, Some(p)) => {
            if p.len() != 2 * n || p.iter().any(|&x| x < 0) {
                return Err(ctx.err(format!(
                    "attribute 'pads' = {p:?} is invalid: needs {} values >= 0 (begins, then ends)",
                    2 * n
                )));
            }
            p.iter().map(|&x| x as usize).collect()
        }
        (AutoPad::NotSet | AutoPad::Valid, _) => vec![0; 2 * n],
        (mode, None) => {
            let mut begins = Vec::with_capacity(n);
            let mut ends = Vec::with_capacity(n);
            for d in 0..n {
                let (b, e) = shape::auto_pads(mode, input[d], kernel[d], strides[d], dilations[d])
                    .ok_or_else(|| ctx.err("padding arithmetic overflows"))?;
                begins.push(b);
                ends.push(e);
            }
            begins.extend(ends);
            begins
        }
        (_, Some(_)) => unreachable!("refused above"),
    };
    let mut out = Vec::with_capacity(n);
    for d in 0..n {
        let o = shape::pool_output(
            input[d],
            kernel[d],
            strides[d],
            dilations[d],
            pads[d],
            pads[n + d],
            ceil_mode,
        )
        .filter(|&o| o >= 1)
        .ok_or_else(|| {
            ctx.err(format!(
                "window {kernel:?} (dilations {dilations:?}) does not fit spatial input {input:?} \
                 with pads {pads:?}"
            ))
        })?;
        out.push(o);
    }
    Ok(Window {
        strides,
        pads,
        dilations,
        out,
    })
}

/// Spatial rank of an input of rank `r`: 1-D or 2-D, and 3-D when `three` (pools).
fn spatial_rank(ctx: &NodeCtx, x: &[usize], three: bool) -> Result<usize> {
    match x.len() {
        3 | 4 => Ok(x.len() - 2),
        5 if three => Ok(3),
        r => Err(ctx.err(format!(
            "input of shape {x:?} (rank {r}) is not supported: only {} {} is supported",
            if three {
                "1-D (N, C, L), 2-D (N, C, H, W) and 3-D (N, C, D, H, W)"
            } else {
                "1-D (N, C, L) and 2-D (N, C, H, W)"
            },
            ctx.op
        ))),
    }
}

/// Conv: weights (and bias) must be float constants.
pub(super) fn conv(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&[
        "auto_pad",
        "dilations",
        "group",
        "kernel_shape",
        "pads",
        "strides",
    ])?;
    let xs = g.in_shape(ctx, 0)?;
    let n = spatial_rank(ctx, &xs, false)?;
    let (x, merged) = data_input(ctx, g)?;
    let (w, ws) = g
        .const_float_input(ctx, 1, "weights")?
        .ok_or_else(|| ctx.err("required input #1 (W) is missing"))?;
    if ws.len() != xs.len() {
        return Err(ctx.err(format!(
            "weights of shape {ws:?} do not match the rank of input {xs:?}"
        )));
    }
    let kernel = ws[2..].to_vec();
    if let Some(k) = ctx.ints("kernel_shape")? {
        if k.len() != n || k.iter().zip(&kernel).any(|(&a, &b)| a != b as i64) {
            return Err(ctx.err(format!(
                "attribute 'kernel_shape' = {k:?} does not match the weights' spatial shape {kernel:?}"
            )));
        }
    }
    let group = ctx.int_or("group", 1)?;
    if group < 1 {
        return Err(ctx.err(format!("attribute 'group' = {group} is invalid (>= 1)")));
    }
    let group = group as usize;
    let (m, c) = (ws[0], xs[1]);
    if ws[1].checked_mul(group) != Some(c) {
        return Err(ctx.err(format!(
            "input {xs:?} has {c} channels, but weights {ws:?} with group {group} expect {}",
            ws[1].saturating_mul(group)
        )));
    }
    if m % group != 0 {
        return Err(ctx.err(format!(
            "weights {ws:?} have {m} output channels, not divisible by group {group}"
        )));
    }
    let mut inputs = vec![x, w];
    if ctx.input(2).is_some() {
        let (b, bs) = g.const_float_input(ctx, 2, "bias")?.expect("present");
        if bs != [m] {
            return Err(ctx.err(format!(
                "bias of shape {bs:?} does not match the {m} output channels"
            )));
        }
        inputs.push(b);
    }
    let mut win = window(ctx, &xs[2..], &kernel, false)?;
    if let Some(extra) = merged {
        merge_pads(&mut win.pads, &extra);
    }
    let mut out = vec![xs[0], m];
    out.extend(&win.out);
    Ok(Outcome::Compute {
        op: Op::Conv(ConvAttrs {
            kernel,
            strides: win.strides,
            pads: win.pads,
            dilations: win.dilations,
            group,
        }),
        inputs,
        shape: out,
    })
}

/// MaxPool (single output, storage_order 0) and AveragePool.
pub(super) fn pool(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    let kind = if ctx.op == "MaxPool" {
        ctx.check_attrs(&[
            "auto_pad",
            "ceil_mode",
            "dilations",
            "kernel_shape",
            "pads",
            "storage_order",
            "strides",
        ])?;
        if ctx.int_or("storage_order", 0)? != 0 {
            return Err(
                ctx.err("attribute 'storage_order' = 1 is not supported (supported: 0, row major)")
            );
        }
        PoolKind::Max
    } else {
        ctx.check_attrs(&[
            "auto_pad",
            "ceil_mode",
            "count_include_pad",
            "dilations",
            "kernel_shape",
            "pads",
            "strides",
        ])?;
        PoolKind::Average
    };
    let xs = g.in_shape(ctx, 0)?;
    let n = spatial_rank(ctx, &xs, true)?;
    let kernel = match ctx.ints("kernel_shape")? {
        Some(k) if k.len() == n && k.iter().all(|&v| v >= 1) => {
            k.iter().map(|&v| v as usize).collect::<Vec<_>>()
        }
        Some(k) => {
            return Err(ctx.err(format!(
            "attribute 'kernel_shape' = {k:?} is invalid for input {xs:?}: needs {n} values >= 1"
        )))
        }
        None => return Err(ctx.err("attribute 'kernel_shape' is missing")),
    };
    let bool_attr = |name: &str| -> Result<bool> {
        match ctx.int_or(name, 0)? {
            0 => Ok(false),
            1 => Ok(true),
            v => Err(ctx.err(format!("attribute '{name}' = {v} is invalid (0 or 1)"))),
        }
    };
    let ceil_mode = bool_attr("ceil_mode")?;
    let mut count_include_pad = bool_attr("count_include_pad")?;
    let mut win = window(ctx, &xs[2..], &kernel, ceil_mode)?;
    for d in 0..n {
        let dk = shape::dilated_kernel(kernel[d], win.dilations[d]).unwrap_or(usize::MAX);
        if win.pads[d] >= dk || win.pads[n + d] >= dk {
            return Err(ctx.err(format!(
                "pads {:?} must be smaller than the window {kernel:?}",
                win.pads
            )));
        }
    }
    let x = if kind == PoolKind::Average {
        let (x, merged) = data_input(ctx, g)?;
        if let Some(extra) = merged {
            if !count_include_pad && win.pads.iter().any(|&p| p != 0) {
                return Err(ctx.err(format!(
                    "cannot merge the zero padding of the preceding Pad into AveragePool with \
                     count_include_pad=0 and pads {:?}",
                    win.pads
                )));
            }
            // The padded zeros are real elements of the input: they are counted.
            count_include_pad = true;
            merge_pads(&mut win.pads, &extra);
        }
        x
    } else {
        g.float_input(ctx, 0)?
    };
    let mut out = xs[..2].to_vec();
    out.extend(&win.out);
    Ok(Outcome::Compute {
        op: Op::Pool(PoolAttrs {
            kind,
            kernel,
            strides: win.strides,
            pads: win.pads,
            dilations: win.dilations,
            ceil_mode,
            count_include_pad,
        }),
        inputs: vec![x],
        shape: out,
    })
}

/// GlobalAveragePool: mean over all spatial dims, kept as 1s.
pub(super) fn global_average_pool(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    global_pool(ctx, g, |_| Op::GlobalAveragePool)
}

/// GlobalMaxPool: a ReduceMax over all spatial dims, kept as 1s.
pub(super) fn global_max_pool(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    global_pool(ctx, g, |rank| Op::Reduce {
        op: ReduceOp::Max,
        axes: (2..rank).collect(),
        keepdims: true,
    })
}

/// Checks a global pool's input (rank >= 3) and makes `op(rank)` over it.
fn global_pool(
    ctx: &NodeCtx,
    g: &mut GraphBuilder,
    op: impl FnOnce(usize) -> Op,
) -> Result<Outcome> {
    ctx.check_attrs(&[])?;
    let xs = g.in_shape(ctx, 0)?;
    if xs.len() < 3 {
        return Err(ctx.err(format!(
            "input of shape {xs:?} needs rank >= 3 (N, C, spatial...)"
        )));
    }
    let x = g.float_input(ctx, 0)?;
    let mut out = xs[..2].to_vec();
    out.resize(xs.len(), 1);
    Ok(Outcome::Compute {
        op: op(xs.len()),
        inputs: vec![x],
        shape: out,
    })
}
