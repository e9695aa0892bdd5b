//! Element-wise evaluation of constants: unary ops (Neg, Abs, Floor, Ceil, Not),
//! broadcasting binary ops (arithmetic, comparisons, And/Or), variadic Min/Max/Sum,
//! Where, Expand, and the data conversion of Cast.

use super::{checked_numel, cin, out_const, shape_values, stride_i64, strided_indices};
use crate::error::Result;
use crate::ir::shape;
use crate::load::node::NodeCtx;
use crate::load::onnx::tensor_proto::DataType;
use crate::load::value::{Const, DType, Data};

/// Neg, Abs, Floor, Ceil, Not.
pub(super) fn unary(ctx: &NodeCtx) -> Result<Const> {
    ctx.check_attrs(&[])?;
    let x = cin(ctx, 0)?;
    let data = match &x.data {
        Data::F(v) => Data::F(
            v.iter()
                .map(|&a| match ctx.op {
                    "Neg" => -a,
                    "Abs" => a.abs(),
                    "Floor" => a.floor(),
                    "Ceil" => a.ceil(),
                    _ => f32::from(u8::from(a == 0.0)),
                })
                .collect(),
        ),
        Data::I(v) => Data::I(
            v.iter()
                .map(|&a| match ctx.op {
                    "Neg" => a.wrapping_neg(),
                    "Abs" => a.wrapping_abs(),
                    "Not" => i64::from(a == 0),
                    _ => a,
                })
                .collect(),
        ),
    };
    Ok(out_const(ctx, 0, x.dtype, x.shape.clone(), data))
}

/// Min, Max, Sum over any number of inputs (missing optional ones skipped).
pub(super) fn variadic(ctx: &NodeCtx) -> Result<Const> {
    ctx.check_attrs(&[])?;
    let present: Vec<&Const> = (0..ctx.inputs.len())
        .filter(|&i| ctx.input(i).is_some())
        .map(|i| cin(ctx, i))
        .collect::<Result<_>>()?;
    let Some(first) = present.first() else {
        return Err(ctx.err(format!("{} needs at least one input", ctx.op)));
    };
    let mut acc = (*first).clone();
    for c in &present[1..] {
        acc = binary(ctx, &acc, c)?;
    }
    acc.name = ctx.outputs.first().cloned().unwrap_or_default();
    Ok(acc)
}

/// Element-wise binary op on constants with numpy broadcasting (Add, Sub, Mul,
/// Div, Pow, comparisons, And/Or, Min/Max/Sum). Integer arithmetic stays integer.
pub(crate) fn binary(ctx: &NodeCtx, a: &Const, b: &Const) -> Result<Const> {
    let out_shape = shape::broadcast(&a.shape, &b.shape).ok_or_else(|| {
        ctx.err(format!(
            "shapes {:?} and {:?} do not broadcast",
            a.shape, b.shape
        ))
    })?;
    let n = checked_numel(ctx, &out_shape)?;
    let ia = strided_indices(
        &out_shape,
        &stride_i64(&shape::broadcast_strides(&a.shape, &out_shape)),
        0,
    );
    let ib = strided_indices(
        &out_shape,
        &stride_i64(&shape::broadcast_strides(&b.shape, &out_shape)),
        0,
    );
    debug_assert_eq!(ia.len(), n);
    let op = ctx.op;
    let is_cmp = matches!(
        op,
        "Equal" | "Less" | "Greater" | "LessOrEqual" | "GreaterOrEqual" | "And" | "Or"
    );
    let both_int = matches!(a.data, Data::I(_)) && matches!(b.data, Data::I(_));
    if is_cmp {
        let v = (0..n)
            .map(|k| {
                let (x, y) = (a.data.get_f64(ia[k]), b.data.get_f64(ib[k]));
                let r = match op {
                    "Equal" => x == y,
                    "Less" => x < y,
                    "Greater" => x > y,
                    "LessOrEqual" => x <= y,
                    "GreaterOrEqual" => x >= y,
                    "And" => x != 0.0 && y != 0.0,
                    _ => x != 0.0 || y != 0.0,
                };
                i64::from(r)
            })
            .collect();
        return Ok(out_const(ctx, 0, DType::BOOL, out_shape, Data::I(v)));
    }
    if both_int {
        let (Data::I(va), Data::I(vb)) = (&a.data, &b.data) else {
            unreachable!()
        };
        let mut v = Vec::with_capacity(n);
        for k in 0..n {
            let (x, y) = (va[ia[k]], vb[ib[k]]);
            v.push(match op {
                "Add" | "Sum" => x.wrapping_add(y),
                "Sub" => x.wrapping_sub(y),
                "Mul" => x.wrapping_mul(y),
                "Div" => {
                    if y == 0 {
                        return Err(ctx.err("integer division by zero in a constant"));
                    }
                    x.wrapping_div(y)
                }
                "Pow" => (x as f64).powf(y as f64) as i64,
                "Min" => x.min(y),
                "Max" => x.max(y),
                _ => return Err(ctx.err(format!("internal: no integer evaluator for {op}"))),
            });
        }
        return Ok(out_const(ctx, 0, a.dtype, out_shape, Data::I(v)));
    }
    let dtype = if op == "Pow" || a.dtype.is_float() {
        if a.dtype.is_float() {
            a.dtype
        } else {
            DType::FLOAT
        }
    } else {
        b.dtype
    };
    let f = |x: f32, y: f32| -> f32 {
        match op {
            "Add" | "Sum" => x + y,
            "Sub" => x - y,
            "Mul" => x * y,
            "Div" => x / y,
            "Pow" => x.powf(y),
            "Min" => {
                if x.is_nan() || y.is_nan() {
                    f32::NAN
                } else {
                    x.min(y)
                }
            }
            _ => {
                if x.is_nan() || y.is_nan() {
                    f32::NAN
                } else {
                    x.max(y)
                }
            }
        }
    };
    if !matches!(
        op,
        "Add" | "Sum" | "Sub" | "Mul" | "Div" | "Pow" | "Min" | "Max"
    ) {
        return Err(ctx.err(format!("internal: no float evaluator for {op}")));
    }
    let fa = a.to_f32();
    let fb = b.to_f32();
    let v = (0..n).map(|k| f(fa[ia[k]], fb[ib[k]])).collect();
    Ok(out_const(ctx, 0, dtype, out_shape, Data::F(v)))
}

/// Where: `cond ? x : y`, broadcast.
pub(super) fn where_(ctx: &NodeCtx) -> Result<Const> {
    ctx.check_attrs(&[])?;
    let (c, x, y) = (cin(ctx, 0)?, cin(ctx, 1)?, cin(ctx, 2)?);
    let out_shape =
        shape::broadcast_all([&c.shape[..], &x.shape[..], &y.shape[..]]).ok_or_else(|| {
            ctx.err(format!(
                "shapes {:?}, {:?} and {:?} do not broadcast",
                c.shape, x.shape, y.shape
            ))
        })?;
    checked_numel(ctx, &out_shape)?;
    let ix = |s: &[usize]| {
        strided_indices(
            &out_shape,
            &stride_i64(&shape::broadcast_strides(s, &out_shape)),
            0,
        )
    };
    let (ic, ixx, iy) = (ix(&c.shape), ix(&x.shape), ix(&y.shape));
    let pick = |k: usize| c.data.get_f64(ic[k]) != 0.0;
    let data = match (&x.data, &y.data) {
        (Data::I(a), Data::I(b)) => Data::I(
            (0..ic.len())
                .map(|k| if pick(k) { a[ixx[k]] } else { b[iy[k]] })
                .collect(),
        ),
        _ => {
            let (a, b) = (x.to_f32(), y.to_f32());
            Data::F(
                (0..ic.len())
                    .map(|k| if pick(k) { a[ixx[k]] } else { b[iy[k]] })
                    .collect(),
            )
        }
    };
    Ok(out_const(ctx, 0, x.dtype, out_shape, data))
}

/// Expand: broadcast to a constant shape.
pub(super) fn expand(ctx: &NodeCtx) -> Result<Const> {
    ctx.check_attrs(&[])?;
    let x = cin(ctx, 0)?;
    let dims = shape_values(ctx, cin(ctx, 1)?, "Expand's shape")?;
    let target: Vec<usize> = dims
        .iter()
        .map(|&d| {
            usize::try_from(d).map_err(|_| ctx.err(format!("negative dimension in {dims:?}")))
        })
        .collect::<Result<_>>()?;
    let out_shape = shape::broadcast(&x.shape, &target).ok_or_else(|| {
        ctx.err(format!(
            "shape {:?} cannot be expanded to {target:?}",
            x.shape
        ))
    })?;
    checked_numel(ctx, &out_shape)?;
    let idx = strided_indices(
        &out_shape,
        &stride_i64(&shape::broadcast_strides(&x.shape, &out_shape)),
        0,
    );
    Ok(out_const(
        ctx,
        0,
        x.dtype,
        out_shape,
        x.data.gather(idx.into_iter()),
    ))
}

/// Converts constant data to the ONNX type `to` (Cast).
pub(crate) fn cast_data(ctx: &NodeCtx, c: &Const, to: DType) -> Result<Data> {
    let dt = DataType::try_from(to.0).ok();
    if to.is_float() {
        let v = c.to_f32();
        return Ok(Data::F(match dt {
            Some(DataType::Float16) => v.iter().map(|&x| half::f16::from_f32(x).to_f32()).collect(),
            Some(DataType::Bfloat16) => v
                .iter()
                .map(|&x| half::bf16::from_f32(x).to_f32())
                .collect(),
            _ => v,
        }));
    }
    if !to.is_int() {
        return Err(ctx.err(format!("Cast to {} is not supported", to.name())));
    }
    let ints: Vec<i64> = match &c.data {
        Data::I(v) => v.clone(),
        Data::F(v) => v
            .iter()
            .map(|&x| {
                if dt == Some(DataType::Bool) {
                    i64::from(x != 0.0)
                } else {
                    x as i64
                }
            })
            .collect(),
    };
    Ok(Data::I(
        ints.into_iter()
            .map(|x| match dt {
                Some(DataType::Int8) => i64::from(x as i8),
                Some(DataType::Uint8) => i64::from(x as u8),
                Some(DataType::Int16) => i64::from(x as i16),
                Some(DataType::Uint16) => i64::from(x as u16),
                Some(DataType::Int32) => i64::from(x as i32),
                Some(DataType::Uint32) => i64::from(x as u32),
                Some(DataType::Bool) => i64::from(x != 0),
                _ => x,
            })
            .collect(),
    ))
}
