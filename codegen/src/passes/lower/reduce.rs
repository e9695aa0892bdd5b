//! Lowering reductions: GlobalAveragePool, and ReduceMean / Sum / Max / Min / L2 (and
//! GlobalMaxPool, imported as a ReduceMax) over any axes.
//!
//! Non-adjacent axes become one kernel call per maximal run of consecutive axes, each
//! reducing the previous call's output, instead of a permute that gathers the axes
//! first. Every op composes with itself (max of maxes, a mean of equal-sized means,
//! `sqrt(sum l2^2)`, sum of sums), so the result is the same up to rounding, and the
//! chain needs temporaries only as large as the partial results, which are smaller than
//! the input a permute would copy; each call is a contiguous `outer x reduced x inner`
//! loop.

use super::{here, prod, Lowerer};
use crate::ir;
use crate::ir::program::*;
use crate::Result;

impl Lowerer<'_, '_> {
    pub(super) fn global_average_pool(&mut self, node: &ir::Node) -> Result<()> {
        let x = self.value(node.inputs[0], node)?;
        let s = self.shape(node.inputs[0]).to_vec();
        let kernel = Kernel::Reduce(
            ReduceOp::Mean,
            ReduceShape {
                outer: s[0] * s[1],
                reduced: prod(&s[2..]),
                inner: 1,
            },
        );
        self.push_one(node, kernel, x);
        Ok(())
    }

    pub(super) fn reduce(&mut self, node: &ir::Node, op: ReduceOp, axes: &[usize]) -> Result<()> {
        let mut x = self.value(node.inputs[0], node)?;
        let mut shape = self.shape(node.inputs[0]).to_vec();
        // One reduction per maximal run of consecutive axes.
        let mut runs: Vec<(usize, usize)> = Vec::new();
        for &a in axes {
            match runs.last_mut() {
                Some((_, end)) if *end == a => *end = a + 1,
                _ => runs.push((a, a + 1)),
            }
        }
        for (i, &(b, e)) in runs.iter().enumerate() {
            let kernel = Kernel::Reduce(
                op,
                ReduceShape {
                    outer: prod(&shape[..b]),
                    reduced: prod(&shape[b..e]),
                    inner: prod(&shape[e..]),
                },
            );
            shape[b..e].iter_mut().for_each(|d| *d = 1);
            let y = if i + 1 == runs.len() {
                self.out_value(node)
            } else {
                self.temp(
                    node,
                    &format!("{}{i}", &op.kernel()["reduce_".len()..]),
                    shape.clone(),
                )
            };
            self.push(here(node), kernel, vec![Arg::Value(x)], y);
            x = y;
        }
        Ok(())
    }
}
