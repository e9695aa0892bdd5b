//! Trunk, shared branches and heads.
//!
//! Every graph output is a head. Each step is labelled with the set of heads its
//! output feeds (a bit mask). Steps needed by every head form the trunk; steps
//! needed by several but not all heads form one shared branch per distinct set;
//! the rest belong to one head. A set only ever feeds its subsets, so running the
//! trunk, then branches by decreasing set size, then heads, is a topological order;
//! to run one head the generated code runs the branches whose set contains it.

use crate::ir::program::{Program, Source};

/// What a segment is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Needed by every head.
    Trunk,
    /// Shared by some heads.
    Branch,
    /// One head's own steps (head index).
    Head(usize),
}

/// A group of steps run together.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Trunk, branch or head.
    pub kind: Kind,
    /// Heads served (bit i = output i).
    pub heads: u64,
    /// Indices into [`Program::steps`], in topological order.
    pub steps: Vec<usize>,
}

/// The segments of a model in execution order: trunk, branches, heads (in output order).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Partition {
    /// All segments; `segments[0]` is the trunk (possibly empty).
    pub segments: Vec<Segment>,
    /// Segment of each step.
    pub step_segment: Vec<usize>,
}

impl Partition {
    /// Indices of the branch segments head `h` needs, in execution order.
    pub fn branches_of(&self, h: usize) -> Vec<usize> {
        (0..self.segments.len())
            .filter(|&s| {
                self.segments[s].kind == Kind::Branch && self.segments[s].heads & (1 << h) != 0
            })
            .collect()
    }

    /// Index of head `h`'s own segment.
    pub fn head_segment(&self, h: usize) -> usize {
        self.segments
            .iter()
            .position(|s| s.kind == Kind::Head(h))
            .expect("every head has a segment")
    }

    /// Branch segments, in execution order.
    pub fn branches(&self) -> impl Iterator<Item = (usize, &Segment)> {
        self.segments
            .iter()
            .enumerate()
            .filter(|(_, s)| s.kind == Kind::Branch)
    }

    /// The steps in execution order (trunk, branches, heads).
    pub fn schedule(&self) -> Vec<usize> {
        self.segments
            .iter()
            .flat_map(|s| s.steps.iter().copied())
            .collect()
    }
}

/// Head masks per value: which outputs each value feeds.
pub fn head_masks(p: &Program) -> Vec<u64> {
    let mut mask = vec![0u64; p.values.len()];
    for (i, &o) in p.outputs.iter().enumerate() {
        mask[o] |= 1 << i;
    }
    let mut producer = vec![None; p.values.len()];
    for (i, s) in p.steps.iter().enumerate() {
        producer[s.out] = Some(i);
    }
    // Value ids grow along the graph, so reverse id order is a reverse topological order.
    for v in (0..p.values.len()).rev() {
        if let Source::Alias(of) = p.values[v].source {
            mask[of] |= mask[v];
        }
        if let Some(s) = producer[v] {
            for a in &p.steps[s].args {
                if let crate::ir::program::Arg::Value(x) = a {
                    mask[*x] |= mask[v];
                }
            }
        }
    }
    mask
}

/// Partitions the steps. Models have at most [`super::MAX_HEADS`] heads (checked by
/// [`super::compile`] before any pass runs).
pub fn partition(p: &Program) -> Partition {
    let n = p.outputs.len();
    let all = if n == 64 { u64::MAX } else { (1u64 << n) - 1 };
    let mask = head_masks(p);
    let mut trunk = Segment {
        kind: Kind::Trunk,
        heads: all,
        steps: Vec::new(),
    };
    let mut branches: Vec<Segment> = Vec::new();
    let mut heads: Vec<Segment> = (0..n)
        .map(|h| Segment {
            kind: Kind::Head(h),
            heads: 1 << h,
            steps: Vec::new(),
        })
        .collect();
    for (i, s) in p.steps.iter().enumerate() {
        let m = mask[s.out];
        if m == all {
            trunk.steps.push(i);
        } else if m.count_ones() == 1 {
            heads[m.trailing_zeros() as usize].steps.push(i);
        } else if m != 0 {
            match branches.iter_mut().find(|b| b.heads == m) {
                Some(b) => b.steps.push(i),
                None => branches.push(Segment {
                    kind: Kind::Branch,
                    heads: m,
                    steps: vec![i],
                }),
            }
        }
    }
    // Larger sets first: a set only feeds its strict subsets.
    branches.sort_by_key(|b| (std::cmp::Reverse(b.heads.count_ones()), b.steps[0]));
    let segments: Vec<Segment> = std::iter::once(trunk)
        .chain(branches)
        .chain(heads)
        .collect();
    let mut step_segment = vec![usize::MAX; p.steps.len()];
    for (si, seg) in segments.iter().enumerate() {
        for &s in &seg.steps {
            step_segment[s] = si;
        }
    }
    Partition {
        segments,
        step_segment,
    }
}
