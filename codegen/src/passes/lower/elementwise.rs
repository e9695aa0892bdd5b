//! Lowering elementwise ops: activations, and binary ops with their broadcasting.

use super::{here, pad_rank, prod, strides, Lowerer};
use crate::ir::program::*;
use crate::ir::{self, BinaryOp, UnaryOp};
use crate::Result;

impl Lowerer<'_, '_> {
    pub(super) fn unary(&mut self, node: &ir::Node, u: UnaryOp) -> Result<()> {
        let x = self.value(node.inputs[0], node)?;
        self.push_one(node, Kernel::Unary(u), x);
        Ok(())
    }

    /// How operands of shapes `a` and `b` broadcast to `out` (`None`: no broadcasting).
    pub(super) fn bcast(
        &self,
        a: &[usize],
        b: &[usize],
        out: &[usize],
    ) -> Result<Option<Broadcast>> {
        // Same element count as the output. (Scalar immediates come as [1]; a rank-0
        // *computed* operand must broadcast like any other: it is one value, not `n`.)
        let n = prod(out);
        let plain = |s: &[usize]| prod(s) == n;
        if plain(a) && plain(b) {
            return Ok(None);
        }
        let shape = pad_rank(out, &strides(out))?.shape;
        Ok(Some(Broadcast {
            shape,
            a: bcast_strides(a, out)?,
            b: bcast_strides(b, out)?,
        }))
    }

    /// An elementwise operand: an activation, an f16 constant or a scalar immediate, with
    /// the shape it broadcasts from (`[1]` for a scalar, which needs no strides).
    pub(super) fn operand(
        &mut self,
        t: ir::TensorId,
        node: &ir::Node,
    ) -> Result<(Arg, Vec<usize>)> {
        let s = self.shape(t).to_vec();
        Ok(if self.is_const(t) {
            if prod(&s) == 1 {
                (Arg::Scalar(self.rounded(t)?[0]), vec![1])
            } else {
                (Arg::Const(self.f16_const(t, s.clone(), |d| d.to_vec())?), s)
            }
        } else {
            (Arg::Value(self.value(t, node)?), s)
        })
    }

    pub(super) fn binary(&mut self, node: &ir::Node, op: BinaryOp) -> Result<()> {
        let out = self.shape(node.outputs[0]).to_vec();
        let mut args = Vec::new();
        let mut shapes = Vec::new();
        for &t in &node.inputs {
            let (arg, s) = self.operand(t, node)?;
            args.push(arg);
            shapes.push(s);
        }
        let bcast = self.bcast(&shapes[0], &shapes[1], &out)?;
        let y = self.out_value(node);
        self.push(here(node), Kernel::Binary { op, bcast }, args, y);
        Ok(())
    }
}

/// Strides of an operand of shape `op` broadcast to `out` (numpy rules), padded.
pub(super) fn bcast_strides(op: &[usize], out: &[usize]) -> Result<[usize; MAX_RANK]> {
    let st = strides(op);
    let off = out.len() - op.len();
    let mut full = vec![0; out.len()];
    for (d, (&dim, &s)) in op.iter().zip(&st).enumerate() {
        full[off + d] = if dim == 1 && out[off + d] != 1 { 0 } else { s };
    }
    Ok(pad_rank(out, &full)?.strides)
}
