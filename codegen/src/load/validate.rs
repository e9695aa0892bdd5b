//! Node validation as ONNX defines it, run once on every live node before any op is
//! translated: input and output counts per op and opset (the one arity table of the
//! loader, [`ARITY`]), required inputs present, and each attribute named once.
//!
//! The table holds every op the loader accepts ([`super::ops::SUPPORTED_OPS`],
//! [`super::ops::FOLD_ONLY_OPS`], and `Erf`, which is fused into GELU). Its counts are
//! the ONNX schemas' `min_input`/`max_input`/`min_output`/`max_output` for opsets 11
//! and newer (checked against `onnx.defs` 1.23). Ops outside the table are left to
//! the translator, which refuses them by name.

use std::collections::HashSet;

use super::inline::FlatNode;
use crate::error::Result;

/// No upper bound (variadic inputs or outputs).
const ANY: usize = usize::MAX;

/// One row of the table: from opset `since` on (until the op's next row), `op` takes
/// `inputs.0..=inputs.1` inputs and has `outputs.0..=outputs.1` outputs.
struct Arity {
    op: &'static str,
    since: i64,
    inputs: (usize, usize),
    outputs: (usize, usize),
}

const fn row(
    op: &'static str,
    since: i64,
    inputs: (usize, usize),
    outputs: (usize, usize),
) -> Arity {
    Arity {
        op,
        since,
        inputs,
        outputs,
    }
}

/// Rows of one op are in opset order; `since` 11 stands for "every opset accepted".
/// Ops that appear after opset 11 (CastLike, Gelu, HardSwish, LayerNormalization,
/// GreaterOrEqual, LessOrEqual) have one row used at any opset.
const ARITY: &[Arity] = &[
    // Translated ops.
    row("Add", 11, (2, 2), (1, 1)),
    row("AveragePool", 11, (1, 1), (1, 1)),
    // Y, then (training only) running mean/var and, before opset 14, saved mean/var.
    row("BatchNormalization", 11, (5, 5), (1, 5)),
    row("BatchNormalization", 14, (5, 5), (1, 3)),
    row("Cast", 11, (1, 1), (1, 1)),
    row("CastLike", 11, (2, 2), (1, 1)),
    row("Clip", 11, (1, 3), (1, 1)),
    row("Concat", 11, (1, ANY), (1, 1)),
    row("Constant", 11, (0, 0), (1, 1)),
    row("Conv", 11, (2, 3), (1, 1)),
    row("Div", 11, (2, 2), (1, 1)),
    // X, W, R, then B, sequence_lens, initial_h (and for LSTM initial_c, P); Y, Y_h (Y_c).
    row("GRU", 11, (3, 6), (1, 2)),
    row("LSTM", 11, (3, 8), (1, 3)),
    row("RNN", 11, (3, 6), (1, 2)),
    // output, mask; ratio and training_mode are inputs from opset 12.
    row("Dropout", 11, (1, 1), (1, 2)),
    row("Dropout", 12, (1, 3), (1, 2)),
    row("Elu", 11, (1, 1), (1, 1)),
    row("Erf", 11, (1, 1), (1, 1)),
    row("Exp", 11, (1, 1), (1, 1)),
    row("Flatten", 11, (1, 1), (1, 1)),
    row("GatherND", 11, (2, 2), (1, 1)),
    row("Gelu", 11, (1, 1), (1, 1)),
    row("Gemm", 11, (2, 3), (1, 1)),
    row("GlobalAveragePool", 11, (1, 1), (1, 1)),
    row("GlobalMaxPool", 11, (1, 1), (1, 1)),
    row("HardSigmoid", 11, (1, 1), (1, 1)),
    row("HardSwish", 11, (1, 1), (1, 1)),
    row("Identity", 11, (1, 1), (1, 1)),
    // Y, Mean, InvStdDev.
    row("LayerNormalization", 11, (2, 3), (1, 3)),
    row("LeakyRelu", 11, (1, 1), (1, 1)),
    row("Log", 11, (1, 1), (1, 1)),
    row("LogSoftmax", 11, (1, 1), (1, 1)),
    row("MatMul", 11, (2, 2), (1, 1)),
    // Y, Indices.
    row("MaxPool", 11, (1, 1), (1, 2)),
    row("Mish", 11, (1, 1), (1, 1)),
    row("Mul", 11, (2, 2), (1, 1)),
    row("Pad", 11, (2, 3), (1, 1)),
    row("Pad", 18, (2, 4), (1, 1)),
    row("Pow", 11, (2, 2), (1, 1)),
    row("PRelu", 11, (2, 2), (1, 1)),
    row("Reciprocal", 11, (1, 1), (1, 1)),
    row("ReduceL2", 11, (1, 1), (1, 1)),
    row("ReduceL2", 18, (1, 2), (1, 1)),
    row("ReduceMean", 11, (1, 1), (1, 1)),
    row("ReduceMean", 18, (1, 2), (1, 1)),
    row("Relu", 11, (1, 1), (1, 1)),
    row("Reshape", 11, (2, 2), (1, 1)),
    row("Resize", 11, (1, 4), (1, 1)),
    row("Sigmoid", 11, (1, 1), (1, 1)),
    row("Slice", 11, (3, 5), (1, 1)),
    row("Softmax", 11, (1, 1), (1, 1)),
    row("Softplus", 11, (1, 1), (1, 1)),
    row("Split", 11, (1, 1), (1, ANY)),
    row("Split", 13, (1, 2), (1, ANY)),
    row("Sqrt", 11, (1, 1), (1, 1)),
    row("Squeeze", 11, (1, 1), (1, 1)),
    row("Squeeze", 13, (1, 2), (1, 1)),
    row("Sub", 11, (2, 2), (1, 1)),
    row("Tanh", 11, (1, 1), (1, 1)),
    row("Transpose", 11, (1, 1), (1, 1)),
    row("Unsqueeze", 11, (1, 1), (1, 1)),
    row("Unsqueeze", 13, (2, 2), (1, 1)),
    // Load-time only ops.
    row("Abs", 11, (1, 1), (1, 1)),
    row("And", 11, (2, 2), (1, 1)),
    row("Ceil", 11, (1, 1), (1, 1)),
    row("ConstantOfShape", 11, (1, 1), (1, 1)),
    row("Equal", 11, (2, 2), (1, 1)),
    row("Expand", 11, (2, 2), (1, 1)),
    row("Floor", 11, (1, 1), (1, 1)),
    row("Gather", 11, (2, 2), (1, 1)),
    row("Greater", 11, (2, 2), (1, 1)),
    row("GreaterOrEqual", 11, (2, 2), (1, 1)),
    row("Less", 11, (2, 2), (1, 1)),
    row("LessOrEqual", 11, (2, 2), (1, 1)),
    row("Max", 11, (1, ANY), (1, 1)),
    row("Min", 11, (1, ANY), (1, 1)),
    row("Neg", 11, (1, 1), (1, 1)),
    row("Not", 11, (1, 1), (1, 1)),
    row("Or", 11, (2, 2), (1, 1)),
    row("Range", 11, (3, 3), (1, 1)),
    row("ReduceMax", 11, (1, 1), (1, 1)),
    row("ReduceMax", 18, (1, 2), (1, 1)),
    row("ReduceMin", 11, (1, 1), (1, 1)),
    row("ReduceMin", 18, (1, 2), (1, 1)),
    row("ReduceProd", 11, (1, 1), (1, 1)),
    row("ReduceProd", 18, (1, 2), (1, 1)),
    row("ReduceSum", 11, (1, 1), (1, 1)),
    row("ReduceSum", 13, (1, 2), (1, 1)),
    row("Shape", 11, (1, 1), (1, 1)),
    row("Size", 11, (1, 1), (1, 1)),
    row("Sum", 11, (1, ANY), (1, 1)),
    row("Where", 11, (3, 3), (1, 1)),
];

/// The row of `op` in force at `opset` (the first row if `opset` precedes them all).
fn arity(op: &str, opset: i64) -> Option<&'static Arity> {
    let mut rows = ARITY.iter().filter(|a| a.op == op);
    let first = rows.next()?;
    Some(rows.rfind(|a| a.since <= opset).unwrap_or(first))
}

/// Checks every node in `live` (indices into `nodes`). Nodes of an unsupported domain
/// are skipped: their own refusal is raised when they are converted.
pub(crate) fn check_nodes(nodes: &[FlatNode], live: &[usize]) -> Result<()> {
    for &i in live {
        let n = &nodes[i];
        if n.refusal.is_none() {
            check_node(n).map_err(|e| e.at_node(&n.name, n.proto.op_type()))?;
        }
    }
    Ok(())
}

fn check_node(n: &FlatNode) -> Result<()> {
    let p = &n.proto;
    let mut seen = HashSet::new();
    for a in &p.attribute {
        if !seen.insert(a.name()) {
            crate::bail!(
                "attribute '{}' appears more than once; each attribute may be given once",
                a.name()
            );
        }
    }
    let op = p.op_type();
    let Some(a) = arity(op, n.opset) else {
        return Ok(());
    };
    let at = format!("{op} at opset {}", n.opset);
    let (n_in, n_out) = (p.input.len(), p.output.len());
    if !(a.inputs.0..=a.inputs.1).contains(&n_in) {
        crate::bail!(
            "the node has {n_in} input(s), but {at} takes {}",
            range(a.inputs)
        );
    }
    if !(a.outputs.0..=a.outputs.1).contains(&n_out) {
        crate::bail!(
            "the node has {n_out} output(s), but {at} has {}",
            range(a.outputs)
        );
    }
    // Inputs below the minimum are required, and so is every input of a variadic op.
    let required = if a.inputs.1 == ANY { n_in } else { a.inputs.0 };
    if let Some(i) = p.input[..required].iter().position(String::is_empty) {
        crate::bail!("required input #{i} is missing (empty name)");
    }
    Ok(())
}

fn range((lo, hi): (usize, usize)) -> String {
    match (lo, hi) {
        (l, h) if l == h => format!("exactly {l}"),
        (l, ANY) => format!("at least {l}"),
        (l, h) => format!("{l} to {h}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::load::ops::{FOLD_ONLY_OPS, SUPPORTED_OPS};

    #[test]
    fn every_accepted_op_has_an_arity() {
        for op in SUPPORTED_OPS.iter().chain(FOLD_ONLY_OPS).chain(&["Erf"]) {
            assert!(arity(op, 11).is_some(), "{op} has no row in ARITY");
        }
    }

    #[test]
    fn rows_are_in_opset_order_and_sane() {
        for w in ARITY.windows(2) {
            if w[0].op == w[1].op {
                assert!(w[0].since < w[1].since, "{}", w[0].op);
            }
        }
        for a in ARITY {
            assert!(
                a.inputs.0 <= a.inputs.1 && a.outputs.0 <= a.outputs.1,
                "{}",
                a.op
            );
            assert!(a.outputs.0 >= 1, "{}", a.op);
        }
    }

    #[test]
    fn opset_selects_the_row() {
        assert_eq!(arity("BatchNormalization", 13).unwrap().outputs, (1, 5));
        assert_eq!(arity("BatchNormalization", 17).unwrap().outputs, (1, 3));
        assert_eq!(arity("Unsqueeze", 11).unwrap().inputs, (1, 1));
        assert_eq!(arity("Unsqueeze", 21).unwrap().inputs, (2, 2));
        assert!(arity("TopK", 17).is_none());
    }
}
