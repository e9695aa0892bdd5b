//! Lowering MatMul (numpy `matmul`): a dense kernel when the right operand is one
//! constant matrix; otherwise the batched product of two arena values, where a
//! constant operand (batched, or on the left) is materialized, and an operand whose
//! batch dims broadcast only in part (numpy rules, `[2, 1, m, k] x [1, 3, k, n]`) is
//! first expanded to the output's batch by a strided copy.

use super::{here, pad_rank, prod, strides, Lowerer};
use crate::ir;
use crate::ir::program::*;
use crate::{Error, Result};

impl Lowerer<'_, '_> {
    pub(super) fn matmul(&mut self, node: &ir::Node) -> Result<()> {
        let (ta, tb) = (node.inputs[0], node.inputs[1]);
        let (sa, sb) = (self.shape(ta).to_vec(), self.shape(tb).to_vec());
        // 1-D operands as numpy treats them: a row vector on the left, a column on the right.
        let a2 = if sa.len() == 1 {
            vec![1, sa[0]]
        } else {
            sa.clone()
        };
        let b2 = if sb.len() == 1 {
            vec![sb[0], 1]
        } else {
            sb.clone()
        };
        let (m, k) = (a2[a2.len() - 2], a2[a2.len() - 1]);
        let n = b2[b2.len() - 1];
        if self.is_const(tb) && !self.is_const(ta) && prod(&sb) == k * n {
            let a = self.value(ta, node)?;
            let w = self.f16_const(tb, vec![n, k], |d| super::transpose2(d, k, n))?;
            let shape = DenseShape {
                rows: prod(&sa) / k.max(1),
                inputs: k,
                outputs: n,
            };
            let post = Post::default();
            self.push_one(node, Kernel::Dense { shape, w, post }, a);
            return Ok(());
        }
        let (ba, bb) = (&a2[..a2.len() - 2], &b2[..b2.len() - 2]);
        let batch_shape = crate::ir::shape::broadcast(ba, bb).ok_or_else(|| {
            Error::new(format!("batch dims of {sa:?} and {sb:?} do not broadcast"))
        })?;
        let batch = prod(&batch_shape);
        if prod(self.shape(node.outputs[0])) != batch * m * n {
            return Err(Error::new(format!(
                "internal: MatMul of {sa:?} and {sb:?} does not give the output's size"
            )));
        }
        let a = self.value(ta, node)?;
        let b = self.value(tb, node)?;
        let a_stride = self.batch_operand(node, a, ba, &batch_shape, (m, k), "a")?;
        let b_stride = self.batch_operand(node, b, bb, &batch_shape, (k, n), "b")?;
        let y = self.out_value(node);
        let kernel = Kernel::MatMul(MatMulShape {
            batch,
            rows: m,
            depth: k,
            cols: n,
            a_stride: a_stride.1,
            b_stride: b_stride.1,
        });
        let args = vec![Arg::Value(a_stride.0), Arg::Value(b_stride.0)];
        self.push(here(node), kernel, args, y);
        Ok(())
    }

    /// Operand `x` (batch dims `bx`, matrices `mat`) read by the batched kernel over
    /// `batch`: itself with the stride from one matrix to the next (0 when it has one
    /// matrix), or, when its batch dims broadcast only in part, a copy expanded to
    /// the full batch.
    fn batch_operand(
        &mut self,
        node: &ir::Node,
        x: ValueId,
        bx: &[usize],
        batch: &[usize],
        mat: (usize, usize),
        what: &str,
    ) -> Result<(ValueId, usize)> {
        let size = mat.0 * mat.1;
        if prod(bx) == prod(batch) {
            return Ok((x, size));
        }
        if prod(bx) == 1 {
            return Ok((x, 0));
        }
        // Strides of x's batch dims over the output's batch (0 where it broadcasts),
        // then the matrix itself, contiguous.
        let own = strides(bx);
        let off = batch.len() - bx.len();
        let mut full = vec![0; batch.len()];
        for (d, (&dim, &s)) in bx.iter().zip(&own).enumerate() {
            full[off + d] = if dim == 1 { 0 } else { s * size };
        }
        let mut shape = batch.to_vec();
        shape.extend([mat.0, mat.1]);
        full.extend([mat.1, 1]);
        let view = pad_rank(&shape, &full)?;
        let t = self.temp(node, &format!("{what}:expanded"), shape);
        self.push(here(node), Kernel::Permute(view), vec![Arg::Value(x)], t);
        Ok((t, size))
    }
}
