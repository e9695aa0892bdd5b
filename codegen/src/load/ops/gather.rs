//! Gather with constant indices on a tensor computed at run time: the indices are
//! resolved at load time (negative ones counted from the end, out-of-range ones
//! refused) and the gather becomes strided copies. A scalar index is one Slice (the
//! axis then dropped by a Reshape); an index list is split into runs of evenly spaced
//! increasing indices, one Slice each, joined by a Concat along the axis (one step for the
//! exporters' `x[:, -1]`, `x[:, a:b]` written as a list, `index_select`).

use super::Outcome;
use crate::error::Result;
use crate::ir::{shape, Node, Op, TensorId, TensorKind};
use crate::load::fold::{self, checked_numel, int_values};
use crate::load::graph_builder::GraphBuilder;
use crate::load::node::NodeCtx;
use crate::load::value::Value;

/// Most runs of evenly spaced indices one Gather becomes (each is a step of its own).
const MAX_RUNS: usize = 256;

/// `Gather(data, indices)`, `axis` attribute; folded when `data` is constant.
pub(super) fn gather(ctx: &NodeCtx, g: &mut GraphBuilder) -> Result<Outcome> {
    ctx.check_attrs(&["axis"])?;
    let data = match ctx.req(0)? {
        Value::Const(_) => return fold::fold_only(ctx, g).map(Outcome::Consts),
        Value::Padded(p) => return Err(GraphBuilder::pad_misuse(ctx, 0, p)),
        Value::Act(id) => *id,
    };
    let ind = ctx
        .const_input(1, "indices")?
        .ok_or_else(|| ctx.err("required input #1 (indices) is missing"))?
        .clone();
    let indices = int_values(ctx, &ind, "Gather indices")?;
    let in_shape = g.tensors[data].shape.clone();
    let r = in_shape.len();
    let axis_attr = ctx.int_or("axis", 0)?;
    let axis = shape::resolve_axis(axis_attr, r)
        .ok_or_else(|| ctx.err(format!("axis {axis_attr} is out of range for rank {r}")))?;
    let dim = in_shape[axis];
    let idx = indices
        .iter()
        .map(|&i| {
            let j = if i < 0 {
                i.saturating_add(dim as i64)
            } else {
                i
            };
            if (0..dim as i64).contains(&j) {
                Ok(j as usize)
            } else {
                Err(ctx
                    .err(format!(
                        "index {i} is out of range for axis {axis} of size {dim}"
                    ))
                    .on_tensor(&ind.name))
            }
        })
        .collect::<Result<Vec<usize>>>()?;
    if idx.is_empty() {
        return Err(ctx.err("the index list is empty (the result would have no element)"));
    }
    let mut out_shape = in_shape[..axis].to_vec();
    out_shape.extend_from_slice(&ind.shape);
    out_shape.extend_from_slice(&in_shape[axis + 1..]);
    checked_numel(ctx, &out_shape)?;

    // The gathered values with the axis kept (`idx.len()` long), then reshaped.
    let mut kept = in_shape.clone();
    kept[axis] = idx.len();
    let out = ctx.outputs.first().cloned().unwrap_or_default();
    let runs = runs(&idx);
    if runs.len() > MAX_RUNS {
        return Err(ctx
            .err(format!(
                "the {} indices form {} runs of evenly spaced increasing indices; at most \
                 {MAX_RUNS} are supported (each is a copy step of its own)",
                idx.len(),
                runs.len()
            ))
            .on_tensor(&ind.name));
    }
    let mut parts = Vec::with_capacity(runs.len());
    for (k, &(start, step, len)) in runs.iter().enumerate() {
        let mut starts = vec![0; r];
        starts[axis] = start;
        let mut steps = vec![1; r];
        steps[axis] = step;
        let mut s = in_shape.clone();
        s[axis] = len;
        let op = Op::Slice { starts, steps };
        if runs.len() == 1 && kept == out_shape {
            return Ok(Outcome::Compute {
                op,
                inputs: vec![data],
                shape: s,
            });
        }
        parts.push(push(g, ctx, &format!("{out}:run{k}"), op, vec![data], s));
    }
    let gathered = if parts.len() == 1 {
        parts[0]
    } else if kept == out_shape {
        return Ok(Outcome::Compute {
            op: Op::Concat { axis },
            inputs: parts,
            shape: out_shape,
        });
    } else {
        push(
            g,
            ctx,
            &format!("{out}:concat"),
            Op::Concat { axis },
            parts,
            kept,
        )
    };
    Ok(Outcome::Compute {
        op: Op::Reshape,
        inputs: vec![gathered],
        shape: out_shape,
    })
}

/// An intermediate node of the gather (its shape is bounded by the input's).
fn push(
    g: &mut GraphBuilder,
    ctx: &NodeCtx,
    name: &str,
    op: Op,
    inputs: Vec<TensorId>,
    shape: Vec<usize>,
) -> TensorId {
    let t = g.add_tensor(name, shape, TensorKind::Activation);
    g.nodes.push(Node {
        name: format!("{}:{}", ctx.name, name.rsplit(':').next().unwrap_or("")),
        op_type: ctx.op.to_string(),
        op,
        inputs,
        outputs: vec![t],
    });
    t
}

/// The indices as maximal runs `(start, step, len)` of evenly spaced increasing values
/// (strided copies run forwards; step 1 for a run of one).
pub(crate) fn runs(idx: &[usize]) -> Vec<(usize, i64, usize)> {
    let mut out: Vec<(usize, i64, usize)> = Vec::new();
    let mut k = 0;
    while k < idx.len() {
        let start = idx[k];
        let step = match idx.get(k + 1) {
            Some(&n) if n > start => (n - start) as i64,
            _ => {
                out.push((start, 1, 1));
                k += 1;
                continue;
            }
        };
        let mut len = 2;
        while idx
            .get(k + len)
            .is_some_and(|&n| n as i64 - idx[k + len - 1] as i64 == step)
        {
            len += 1;
        }
        out.push((start, step, len));
        k += len;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::runs;

    #[test]
    fn runs_split_evenly_spaced_indices() {
        assert_eq!(runs(&[4]), vec![(4, 1, 1)]);
        assert_eq!(runs(&[0, 2, 4]), vec![(0, 2, 3)]);
        assert_eq!(
            runs(&[3, 2, 1, 1, 5]),
            vec![(3, 1, 1), (2, 1, 1), (1, 1, 1), (1, 4, 2)]
        );
        assert_eq!(runs(&[1, 1, 1]), vec![(1, 1, 1), (1, 1, 1), (1, 1, 1)]);
        // Every index appears once, in order.
        let idx = [0, 3, 5, 7, 2, 2, 9, 8];
        let flat: Vec<usize> = runs(&idx)
            .iter()
            .flat_map(|&(s, st, n)| (0..n).map(move |i| (s as i64 + st * i as i64) as usize))
            .collect();
        assert_eq!(flat, idx);
    }
}
