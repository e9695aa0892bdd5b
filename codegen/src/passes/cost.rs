//! Parameters, weight bytes and multiply-accumulates per segment.

use super::partition::Partition;
use crate::ir::program::{Arg, ConstId, Kernel, Program};
use std::collections::BTreeSet;

/// Cost of one segment.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PartCost {
    /// Stored constant elements.
    pub params: usize,
    /// Bytes of stored constants (f16: 2, f32: 4).
    pub weight_bytes: usize,
    /// Multiply-accumulates per run.
    pub macs: u64,
}

impl std::ops::AddAssign for PartCost {
    fn add_assign(&mut self, o: Self) {
        self.params += o.params;
        self.weight_bytes += o.weight_bytes;
        self.macs += o.macs;
    }
}

/// Costs of every segment, and of the whole model.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Cost {
    /// Per segment (same order as [`Partition::segments`]).
    pub parts: Vec<PartCost>,
    /// Whole model.
    pub total: PartCost,
}

impl Cost {
    /// What running head `h` alone costs: trunk, its branches and its own part.
    pub fn head_alone(&self, parts: &Partition, h: usize) -> PartCost {
        let mut c = self.parts[0];
        for b in parts.branches_of(h) {
            c += self.parts[b];
        }
        c += self.parts[parts.head_segment(h)];
        c
    }
}

/// Constants a kernel reads.
pub fn consts_of(kernel: &Kernel, args: &[Arg]) -> Vec<ConstId> {
    let mut c: Vec<ConstId> = args
        .iter()
        .filter_map(|a| {
            if let Arg::Const(c) = a {
                Some(*c)
            } else {
                None
            }
        })
        .collect();
    match kernel {
        Kernel::Dense { w, post, .. } | Kernel::Conv { w, post, .. } => {
            c.extend([Some(*w), post.scale, post.shift].into_iter().flatten())
        }
        Kernel::LayerNorm { scale, bias, .. } => {
            c.extend([Some(*scale), *bias].into_iter().flatten())
        }
        Kernel::ChannelAffine { scale, shift, .. } => c.extend([*scale, *shift]),
        Kernel::Rnn {
            w,
            bias,
            rb_h,
            peephole,
            ..
        } => c.extend(
            [Some(*w), Some(*bias), *rb_h, *peephole]
                .into_iter()
                .flatten(),
        ),
        Kernel::GatherRows { offsets, .. } => c.push(*offsets),
        _ => {}
    }
    c
}

/// Counts costs; a constant shared by several segments is counted in the first.
pub fn cost(p: &Program, parts: &Partition) -> Cost {
    let mut seen = BTreeSet::new();
    let mut out = Cost::default();
    for seg in &parts.segments {
        let mut c = PartCost::default();
        for &s in &seg.steps {
            let step = &p.steps[s];
            c.macs += step.kernel.macs();
            for id in consts_of(&step.kernel, &step.args) {
                if seen.insert(id) {
                    c.params += p.consts[id].data.len();
                    c.weight_bytes += p.consts[id].bytes();
                }
            }
        }
        out.total += c;
        out.parts.push(c);
    }
    out
}
