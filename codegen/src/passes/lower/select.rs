//! Lowering `Where` to the select kernel, its three operands broadcast.

use super::elementwise::bcast_strides;
use super::{here, pad_rank, strides, Lowerer};
use crate::ir;
use crate::ir::program::*;
use crate::Result;

impl Lowerer<'_, '_> {
    pub(super) fn select(&mut self, node: &ir::Node) -> Result<()> {
        let out = self.shape(node.outputs[0]).to_vec();
        let mut args = Vec::with_capacity(3);
        let mut st = Vec::with_capacity(3);
        for &t in &node.inputs {
            let (arg, mut s) = self.operand(t, node)?;
            if s.len() > out.len() {
                s.clear(); // a scalar immediate ([1]) of a rank-0 output
            }
            args.push(arg);
            st.push(bcast_strides(&s, &out)?);
        }
        let shape = SelectShape {
            shape: pad_rank(&out, &strides(&out))?.shape,
            cond: st[0],
            a: st[1],
            b: st[2],
        };
        let y = self.out_value(node);
        self.push(here(node), Kernel::Select(shape), args, y);
        Ok(())
    }
}
