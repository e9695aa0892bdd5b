//! Lowering layout ops: Reshape (an alias, no step), Transpose and Slice (strided
//! copies) and Concat.

use super::{here, pad_rank, prod, strides, Lowerer};
use crate::ir;
use crate::ir::program::*;
use crate::{Error, Result};

impl Lowerer<'_, '_> {
    pub(super) fn reshape(&mut self, node: &ir::Node) -> Result<()> {
        let x = self.value(node.inputs[0], node)?;
        let t = node.outputs[0];
        let v = self.new_value(
            &self.tensor(t).name.clone(),
            self.shape(t).to_vec(),
            Source::Alias(x),
        );
        self.value_of.insert(t, v);
        Ok(())
    }

    pub(super) fn transpose(&mut self, node: &ir::Node, perm: &[usize]) -> Result<()> {
        let s = self.shape(node.inputs[0]).to_vec();
        // Moving only axes of size 1 leaves the data in order: a reshape (e.g. the
        // exporters' transposes around an LSTM's `[T, 1, 1, H]` output at batch 1).
        let moved: Vec<usize> = perm.iter().copied().filter(|&p| s[p] != 1).collect();
        if moved.windows(2).all(|w| w[0] < w[1]) {
            return self.reshape(node);
        }
        let x = self.value(node.inputs[0], node)?;
        let st = strides(&s);
        let out: Vec<usize> = perm.iter().map(|&p| s[p]).collect();
        let src: Vec<usize> = perm.iter().map(|&p| st[p]).collect();
        let view = pad_rank(&out, &src)?;
        self.push_one(node, Kernel::Permute(view), x);
        Ok(())
    }

    pub(super) fn slice(&mut self, node: &ir::Node, starts: &[usize], steps: &[i64]) -> Result<()> {
        let x = self.value(node.inputs[0], node)?;
        let s = self.shape(node.inputs[0]).to_vec();
        if steps.iter().any(|&st| st < 1) {
            return Err(Error::new(format!(
                "negative steps {steps:?} (reversing a slice) are not supported"
            )));
        }
        let st = strides(&s);
        let offset = starts.iter().zip(&st).map(|(a, b)| a * b).sum();
        let src: Vec<usize> = st
            .iter()
            .zip(steps)
            .map(|(&a, &b)| a * b as usize)
            .collect();
        let out = self.shape(node.outputs[0]).to_vec();
        let view = pad_rank(&out, &src)?;
        self.push_one(node, Kernel::Slice { offset, view }, x);
        Ok(())
    }

    pub(super) fn concat(&mut self, node: &ir::Node, axis: usize) -> Result<()> {
        let mut args = Vec::new();
        let mut chunks = Vec::new();
        for &t in &node.inputs {
            chunks.push(prod(&self.shape(t)[axis..]));
            args.push(Arg::Value(self.value(t, node)?));
        }
        let out = self.shape(node.outputs[0]).to_vec();
        let y = self.out_value(node);
        let kernel = Kernel::Concat {
            outer: prod(&out[..axis]),
            chunks,
            row: prod(&out[axis..]),
        };
        self.push(here(node), kernel, args, y);
        Ok(())
    }
}
