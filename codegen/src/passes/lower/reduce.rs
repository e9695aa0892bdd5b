//! Lowering reductions: GlobalAveragePool and ReduceMean (one mean per run of
//! consecutive axes).

use super::{here, prod, Lowerer};
use crate::ir;
use crate::ir::program::*;
use crate::Result;

impl Lowerer<'_, '_> {
    pub(super) fn global_average_pool(&mut self, node: &ir::Node) -> Result<()> {
        let x = self.value(node.inputs[0], node)?;
        let s = self.shape(node.inputs[0]).to_vec();
        let kernel = Kernel::ReduceMean(ReduceShape {
            outer: s[0] * s[1],
            reduced: prod(&s[2..]),
            inner: 1,
        });
        self.push_one(node, kernel, x);
        Ok(())
    }

    pub(super) fn reduce_mean(&mut self, node: &ir::Node, axes: &[usize]) -> Result<()> {
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
            let kernel = Kernel::ReduceMean(ReduceShape {
                outer: prod(&shape[..b]),
                reduced: prod(&shape[b..e]),
                inner: prod(&shape[e..]),
            });
            shape[b..e].iter_mut().for_each(|d| *d = 1);
            let y = if i + 1 == runs.len() {
                self.out_value(node)
            } else {
                self.temp(node, &format!("mean{i}"), shape.clone())
            };
            self.push(here(node), kernel, vec![Arg::Value(x)], y);
            x = y;
        }
        Ok(())
    }
}
