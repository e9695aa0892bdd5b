//! Lowering Gemm and MatMul: dense kernels for a constant right operand, matrix
//! products of two activations otherwise.

use super::{here, pad_rank, prod, Lowerer};
use crate::ir::program::*;
use crate::ir::{self, BinaryOp};
use crate::{Error, Result};

impl Lowerer<'_, '_> {
    pub(super) fn gemm(
        &mut self,
        node: &ir::Node,
        alpha: f32,
        beta: f32,
        trans_a: bool,
        trans_b: bool,
    ) -> Result<()> {
        let ins = &node.inputs;
        if self.is_const(ins[0]) {
            return Err(Error::new(
                "a constant A operand is not supported (A must be computed from the inputs)",
            ));
        }
        let mut a = self.value(ins[0], node)?;
        let a_shape = self.shape(ins[0]).to_vec();
        let (m, k) = if trans_a {
            (a_shape[1], a_shape[0])
        } else {
            (a_shape[0], a_shape[1])
        };
        if trans_a {
            a = self.transposed(node, a, k, m, "A'")?;
        }
        let b_shape = self.shape(ins[1]).to_vec();
        let n = if trans_b { b_shape[0] } else { b_shape[1] };
        let shape = DenseShape {
            rows: m,
            inputs: k,
            outputs: n,
        };
        if self.is_const(ins[1]) {
            return self.gemm_dense(node, a, shape, alpha, beta, trans_b);
        }
        if alpha != 1.0 || (ins.len() > 2) {
            return Err(Error::new(
                "Gemm of two computed operands is supported only without C and with alpha = 1",
            ));
        }
        let mut b = self.value(ins[1], node)?;
        if trans_b {
            b = self.transposed(node, b, n, k, "B'")?;
        }
        let y = self.out_value(node);
        self.push(
            here(node),
            Kernel::MatMul(MatMulShape {
                batch: 1,
                rows: m,
                depth: k,
                cols: n,
                a_stride: 0,
                b_stride: 0,
            }),
            vec![Arg::Value(a), Arg::Value(b)],
            y,
        );
        Ok(())
    }

    /// Gemm with a constant B: a dense kernel, with `alpha` and a per-column C in its
    /// epilogue, or followed by an addition of a C that varies along rows.
    fn gemm_dense(
        &mut self,
        node: &ir::Node,
        a: ValueId,
        shape: DenseShape,
        alpha: f32,
        beta: f32,
        trans_b: bool,
    ) -> Result<()> {
        let ins = &node.inputs;
        let (k, n) = (shape.inputs, shape.outputs);
        let c_const = ins.get(2).map(|&c| self.is_const(c));
        let w = self.f16_const(ins[1], vec![n, k], |d| {
            if trans_b {
                d.to_vec()
            } else {
                transpose2(d, k, n)
            }
        })?;
        let mut post = Post::default();
        if alpha != 1.0 {
            post.scale =
                Some(self.f32_const(format!("{}:alpha", node.name), vec![alpha as f64; n])?);
        }
        let mut row_bias = None;
        if c_const == Some(true) && beta != 0.0 {
            let c = ins[2];
            let cs = self.shape(c).to_vec();
            if prod(&cs) == 1 || (prod(&cs) == n && cs.last() == Some(&n)) {
                let v = self.channel_vector(c, n, beta as f64)?;
                post.shift = Some(self.f32_const(self.tensor(c).name.clone(), v)?);
            } else {
                // C varies along rows: the dense result plus C (an f16 constant) after it.
                if beta != 1.0 {
                    return Err(Error::new(format!("beta = {beta} with a bias C of shape {cs:?} that varies along rows is not supported (only beta = 1)")));
                }
                row_bias = Some(Arg::Const(self.f16_const(c, cs.clone(), |d| d.to_vec())?));
            }
        }
        let kernel = Kernel::Dense { shape, w, post };
        if let Some(cb) = row_bias {
            return self.dense_plus(node, kernel, a, shape, cb);
        }
        if c_const == Some(false) {
            if beta != 1.0 {
                return Err(Error::new(format!(
                    "beta = {beta} with a computed C is not supported (only beta = 1)"
                )));
            }
            let c = self.value(ins[2], node)?;
            return self.dense_plus(node, kernel, a, shape, Arg::Value(c));
        }
        self.push_one(node, kernel, a);
        Ok(())
    }

    /// `dense(a) + c` (Gemm's C, broadcast to the `rows x outputs` result).
    fn dense_plus(
        &mut self,
        node: &ir::Node,
        kernel: Kernel,
        a: ValueId,
        shape: DenseShape,
        c: Arg,
    ) -> Result<()> {
        let (m, n) = (shape.rows, shape.outputs);
        let t = self.temp(node, "AB", vec![m, n]);
        self.push(here(node), kernel, vec![Arg::Value(a)], t);
        let cs = self.shape(node.inputs[2]).to_vec();
        let y = self.out_value(node);
        let bcast = self.bcast(&[m, n], &cs, &[m, n])?;
        let add = Kernel::Binary {
            op: BinaryOp::Add,
            bcast,
        };
        self.push(here(node), add, vec![Arg::Value(t), c], y);
        Ok(())
    }

    /// A new value holding `x` (`rows x cols`) transposed, for an operand Gemm reads transposed.
    fn transposed(
        &mut self,
        node: &ir::Node,
        x: ValueId,
        rows: usize,
        cols: usize,
        what: &str,
    ) -> Result<ValueId> {
        let view = pad_rank(&[cols, rows], &[1, cols])?;
        let t = self.temp(node, what, vec![cols, rows]);
        self.push(here(node), Kernel::Permute(view), vec![Arg::Value(x)], t);
        Ok(t)
    }
}

/// `rows x cols` row-major -> `cols x rows`.
pub fn transpose2(d: &[f32], rows: usize, cols: usize) -> Vec<f32> {
    let mut t = vec![0.0; d.len()];
    for r in 0..rows {
        for c in 0..cols {
            t[c * rows + r] = d[r * cols + c];
        }
    }
    t
}
