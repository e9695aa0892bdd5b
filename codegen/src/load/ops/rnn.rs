//! LSTM, GRU and RNN: attributes, weight shapes and the three outputs.
//!
//! Supported as ONNX defines them with their default activations (what torch and
//! tf2onnx export): forward, reverse and bidirectional, `layout` 0 and 1, `clip`,
//! LSTM `input_forget` and peepholes, GRU `linear_before_reset`, initial states given
//! (computed, graph inputs or constants) or absent. `sequence_lens` must be a
//! constant equal to the sequence length for every sequence (what exporters write
//! when they write it). `W`, `R`, `B` and `P` must be constants.

use super::Outcome;
use crate::error::Result;
use crate::ir::{Cell, Op, RnnAttrs};
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;
use crate::load::value::Value;

/// The default activations per op, as ONNX names them.
fn default_activations(op: &str) -> &'static [&'static str] {
    match op {
        "LSTM" => &["Sigmoid", "Tanh", "Tanh"],
        "GRU" => &["Sigmoid", "Tanh"],
        _ => &["Tanh"],
    }
}

pub(super) fn rnn(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    let op = ctx.op;
    let mut known = vec![
        "activations",
        "activation_alpha",
        "activation_beta",
        "clip",
        "direction",
        "hidden_size",
        "layout",
    ];
    match op {
        "LSTM" => known.push("input_forget"),
        "GRU" => known.push("linear_before_reset"),
        _ => {}
    }
    ctx.check_attrs(&known)?;
    let cell = match op {
        "LSTM" => Cell::Lstm {
            input_forget: flag(ctx, "input_forget")?,
        },
        "GRU" => Cell::Gru {
            linear_before_reset: flag(ctx, "linear_before_reset")?,
        },
        _ => Cell::Simple,
    };
    let direction = ctx.string("direction")?.unwrap_or_else(|| "forward".into());
    let (directions, reverse) = match direction.as_str() {
        "forward" => (1, false),
        "reverse" => (1, true),
        "bidirectional" => (2, false),
        other => {
            return Err(ctx.err(format!(
                "attribute 'direction' = {other:?} is not one of forward, reverse, bidirectional"
            )))
        }
    };
    activations(ctx, directions)?;
    let batch_first = flag(ctx, "layout")?;
    let clip = match ctx.has_attr("clip") {
        false => f32::INFINITY,
        true => {
            let c = ctx.float_or("clip", 0.0)?;
            if !(c.is_finite() && c > 0.0) {
                return Err(ctx.err(format!("attribute 'clip' = {c} must be finite and > 0")));
            }
            c
        }
    };

    let xs = g.in_shape(ctx, 0)?;
    let &[a, b, inputs] = xs.as_slice() else {
        return Err(ctx.err(format!("input X of shape {xs:?} must have rank 3")));
    };
    let (steps, batch) = if batch_first { (b, a) } else { (a, b) };
    let gates = cell.gates();
    let ws = const_shape(ctx, 1, "W")?;
    let rs = const_shape(ctx, 2, "R")?;
    let hidden = match ctx.int("hidden_size")? {
        Some(h) if h > 0 => h as usize,
        Some(h) => return Err(ctx.err(format!("attribute 'hidden_size' = {h} must be > 0"))),
        None => rs.get(2).copied().unwrap_or(0),
    };
    let gh = gates * hidden;
    expect_shape(ctx, 1, "W", &ws, &[directions, gh, inputs])?;
    expect_shape(ctx, 2, "R", &rs, &[directions, gh, hidden])?;
    if let Some(sl) = ctx.input(4) {
        sequence_lens(ctx, sl, steps, batch)?;
    }
    let state = if batch_first {
        [batch, directions, hidden]
    } else {
        [directions, batch, hidden]
    };
    let mut inputs_ir = vec![
        g.float_input(ctx, 0)?,
        g.float_input(ctx, 1)?,
        g.float_input(ctx, 2)?,
    ];
    let mut has = [false; 4];
    // (slot, what, shape, has index); initial_c and P exist for LSTM only.
    let mut optional = vec![
        (3, "B", vec![directions, 2 * gh], 0),
        (5, "initial_h", state.to_vec(), 1),
    ];
    if cell.has_c() {
        optional.push((6, "initial_c", state.to_vec(), 2));
        optional.push((7, "P", vec![directions, 3 * hidden], 3));
    } else if ctx.input(6).is_some() || ctx.input(7).is_some() {
        return Err(ctx.err(format!("{op} has no input #6 or #7")));
    }
    for (slot, what, shape, k) in optional {
        let Some(v) = ctx.input(slot) else {
            continue;
        };
        let got = g.shape_of(v);
        expect_shape(ctx, slot, what, &got, &shape)?;
        let id = match (k, v) {
            // Weights must be constants; states may be computed.
            (0 | 3, _) => {
                let c = g.const_float_input(ctx, slot, what)?;
                c.map(|(id, _)| id)
                    .ok_or_else(|| ctx.err(format!("input #{slot} ({what}) is missing")))?
            }
            // An all-zero constant initial state is no initial state.
            (_, Value::Const(c)) if c.to_f32().iter().all(|&x| x == 0.0) => continue,
            _ => g.float_input(ctx, slot)?,
        };
        has[k] = true;
        inputs_ir.push(id);
    }
    let y = if batch_first {
        vec![batch, steps, directions, hidden]
    } else {
        vec![steps, directions, batch, hidden]
    };
    let mut outputs = [false; 3];
    let mut shapes = Vec::new();
    for (i, shape) in [y, state.to_vec(), state.to_vec()].into_iter().enumerate() {
        let named = ctx.outputs.get(i).is_some_and(|o| !o.is_empty());
        if i == 2 && named && !cell.has_c() {
            return Err(ctx.err(format!("{op} has no output #2")));
        }
        outputs[i] = named;
        shapes.push(named.then_some(shape));
    }
    if ctx.outputs.len() > 3 {
        return Err(ctx.err(format!("{op} has at most 3 outputs")));
    }
    Ok(Outcome::Node {
        op: Op::Rnn(RnnAttrs {
            cell,
            hidden,
            directions,
            reverse,
            batch_first,
            clip,
            has,
            outputs,
        }),
        inputs: inputs_ir,
        shapes,
    })
}

/// A 0/1 INT attribute.
fn flag(ctx: &NodeCtx, name: &str) -> Result<bool> {
    match ctx.int_or(name, 0)? {
        0 => Ok(false),
        1 => Ok(true),
        v => Err(ctx.err(format!("attribute '{name}' = {v} must be 0 or 1"))),
    }
}

/// Only the default activations (listed or not) are supported.
fn activations(ctx: &NodeCtx, directions: usize) -> Result<()> {
    let defaults = default_activations(ctx.op);
    if let Some(list) = ctx.strings("activations")? {
        let want: Vec<&str> = (0..directions)
            .flat_map(|_| defaults.iter().copied())
            .collect();
        let same = list.len() == want.len()
            && list
                .iter()
                .zip(&want)
                .all(|(a, b)| a.eq_ignore_ascii_case(b));
        if !same {
            return Err(ctx.err(format!(
                "attribute 'activations' = {list:?} is not supported: only the defaults {} (per \
                 direction)",
                defaults.join(", ")
            )));
        }
    }
    for a in ["activation_alpha", "activation_beta"] {
        if ctx.has_attr(a) {
            return Err(ctx.err(format!(
                "attribute '{a}' is not supported (the default activations take no parameters)"
            )));
        }
    }
    Ok(())
}

/// The shape of a required constant weight input.
fn const_shape(ctx: &NodeCtx, slot: usize, what: &str) -> Result<Vec<usize>> {
    match ctx.const_input(slot, what)? {
        Some(c) => Ok(c.shape.clone()),
        None => Err(ctx.err(format!("required input #{slot} ({what}) is missing"))),
    }
}

fn expect_shape(
    ctx: &NodeCtx,
    slot: usize,
    what: &str,
    got: &[usize],
    want: &[usize],
) -> Result<()> {
    if got == want {
        return Ok(());
    }
    Err(ctx
        .err(format!(
            "input #{slot} ({what}) has shape {got:?}, expected {want:?}"
        ))
        .on_tensor(ctx.input_name(slot)))
}

/// `sequence_lens`: a constant holding the full length for every sequence.
fn sequence_lens(ctx: &NodeCtx, v: &Value, steps: usize, batch: usize) -> Result<()> {
    let Value::Const(c) = v else {
        return Err(ctx
            .err(
                "input #4 (sequence_lens) is computed at run time; only a constant equal to the \
                 sequence length is supported",
            )
            .on_tensor(ctx.input_name(4)));
    };
    let lens = c.to_i64();
    if lens.len() != batch || lens.iter().any(|&l| l != steps as i64) {
        return Err(ctx
            .err(format!(
                "input #4 (sequence_lens) = {lens:?}: only the full length {steps} for each of \
                 the {batch} sequences is supported"
            ))
            .on_tensor(ctx.input_name(4)));
    }
    Ok(())
}
