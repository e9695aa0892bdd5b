//! The activation arena: one offset per buffer, chosen by liveness.
//!
//! The schedule is the partition's execution order (trunk, branches, heads). A
//! buffer lives from the step that writes it to its last reader; a buffer read by a
//! segment other than the one that writes it (the trunk's features, a branch's
//! result, a graph input the heads read) must survive until any head runs, so it
//! lives for the whole schedule. A head's output lives to the end of its segment
//! (it is copied out there). Elementwise steps write over their input when that
//! input dies at the step. Offsets are then chosen greedily as TensorFlow Lite
//! Micro's planner does (largest buffer first, lowest offset that fits), trying
//! two orders and keeping the smaller arena.

use super::fuse::use_counts;
use super::partition::Partition;
use crate::ir::program::{Arg, Kernel, Program, Source, ValueId};

/// One arena buffer: a set of values that share storage (aliases, in-place chains).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Buffer {
    /// Values stored here.
    pub values: Vec<ValueId>,
    /// Length in f32 elements.
    pub len: usize,
    /// First schedule position it is live at.
    pub start: usize,
    /// Last schedule position it is live at (inclusive).
    pub end: usize,
    /// Offset in the arena, in f32 elements.
    pub offset: usize,
}

/// The memory plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    /// Arena length in f32 elements.
    pub arena_len: usize,
    /// Buffers with their offsets.
    pub buffers: Vec<Buffer>,
    /// Arena offset of each value; `None` for values read straight from the caller's
    /// input (graph inputs only the trunk reads) and for values no step uses.
    pub offset: Vec<Option<usize>>,
    /// Per step: `Some(i)` when it writes over its argument `i`.
    pub in_place: Vec<Option<usize>>,
    /// Per graph input: copied into the arena (read outside the trunk).
    pub input_in_arena: Vec<bool>,
    /// Largest total size of simultaneously live buffers: no arena can be smaller.
    pub peak_live: usize,
}

/// The value whose storage `v` uses (following aliases).
pub fn root(p: &Program, mut v: ValueId) -> ValueId {
    while let Source::Alias(of) = p.values[v].source {
        v = of;
    }
    v
}

/// Plans the arena for `p` partitioned as `parts`.
pub fn plan(p: &Program, parts: &Partition) -> Plan {
    let schedule = parts.schedule();
    let last = schedule.len().saturating_sub(1);
    let nv = p.values.len();
    // Producer segment, first definition and uses per root value.
    let mut seg_of = vec![None; nv];
    let mut def = vec![usize::MAX; nv];
    let mut last_use = vec![0usize; nv];
    let mut persistent = vec![false; nv];
    for &i in &p.inputs {
        seg_of[i] = Some(0);
        def[i] = 0;
    }
    for (t, &s) in schedule.iter().enumerate() {
        seg_of[p.steps[s].out] = Some(parts.step_segment[s]);
        def[p.steps[s].out] = t;
    }
    let mut use_at = |v: ValueId, t: usize, seg: usize, persistent: &mut Vec<bool>| {
        let r = root(p, v);
        last_use[r] = last_use[r].max(t);
        if seg_of[r] != Some(seg) {
            persistent[r] = true;
        }
    };
    for (t, &s) in schedule.iter().enumerate() {
        for a in &p.steps[s].args {
            if let Arg::Value(v) = a {
                use_at(*v, t, parts.step_segment[s], &mut persistent);
            }
        }
    }
    // Head outputs are copied out at the end of their segment.
    let mut pos = 0;
    let mut seg_end = Vec::new();
    for seg in &parts.segments {
        pos += seg.steps.len();
        seg_end.push(pos.saturating_sub(1));
    }
    for (h, &o) in p.outputs.iter().enumerate() {
        let hs = parts.head_segment(h);
        use_at(o, seg_end[hs], hs, &mut persistent);
    }
    let input_in_arena: Vec<bool> = p.inputs.iter().map(|&i| persistent[i]).collect();

    // In place: an elementwise step over an argument that dies here.
    let uses = use_counts(p);
    let mut buf_of: Vec<Option<usize>> = vec![None; nv];
    let mut buffers: Vec<Buffer> = Vec::new();
    let mut in_place = vec![None; p.steps.len()];
    for (k, &i) in p.inputs.iter().enumerate() {
        if input_in_arena[k] {
            buf_of[i] = Some(buffers.len());
            buffers.push(Buffer {
                values: vec![i],
                len: p.values[i].numel(),
                start: 0,
                end: last,
                offset: 0,
            });
        }
    }
    for (t, &s) in schedule.iter().enumerate() {
        let step = &p.steps[s];
        let out = step.out;
        let mut target = None;
        if step.kernel.can_run_in_place() {
            let candidates: &[usize] = if matches!(step.kernel, Kernel::Binary { .. }) {
                &[0, 1]
            } else {
                &[0]
            };
            for &ai in candidates {
                let Arg::Value(v) = step.args[ai] else {
                    continue;
                };
                let r = root(p, v);
                let others_share = step
                    .args
                    .iter()
                    .enumerate()
                    .any(|(j, a)| j != ai && matches!(a, Arg::Value(w) if root(p, *w) == r));
                let ok = buf_of[r].is_some()
                    && !persistent[r]
                    && last_use[r] == t
                    && p.values[r].numel() == p.values[out].numel()
                    && !others_share
                    && uses[out] > 0;
                if ok {
                    target = Some((ai, buf_of[r].unwrap()));
                    break;
                }
            }
        }
        let end = if persistent[out] {
            last
        } else {
            last_use[out].max(t)
        };
        match target {
            Some((ai, b)) => {
                in_place[s] = Some(ai);
                buf_of[out] = Some(b);
                buffers[b].values.push(out);
                buffers[b].end = buffers[b].end.max(end);
            }
            None => {
                buf_of[out] = Some(buffers.len());
                buffers.push(Buffer {
                    values: vec![out],
                    len: p.values[out].numel(),
                    start: t,
                    end,
                    offset: 0,
                });
            }
        }
    }

    let peak_live = (0..=last)
        .map(|t| {
            buffers
                .iter()
                .filter(|b| b.start <= t && t <= b.end)
                .map(|b| b.len)
                .sum::<usize>()
        })
        .max()
        .unwrap_or(0);
    let by_size = place(&mut buffers.clone(), |b| {
        (std::cmp::Reverse(b.len), b.start)
    });
    let by_start = place(&mut buffers.clone(), |b| {
        (std::cmp::Reverse(b.end - b.start), b.start)
    });
    let order: fn(&Buffer) -> (std::cmp::Reverse<usize>, usize) = if by_size <= by_start {
        |b| (std::cmp::Reverse(b.len), b.start)
    } else {
        |b| (std::cmp::Reverse(b.end - b.start), b.start)
    };
    let arena_len = place(&mut buffers, order);

    let mut offset = vec![None; nv];
    for v in 0..nv {
        if let Some(b) = buf_of[root(p, v)] {
            offset[v] = Some(buffers[b].offset);
        }
    }
    Plan {
        arena_len,
        buffers,
        offset,
        in_place,
        input_in_arena,
        peak_live,
    }
}

/// Greedy placement in the order given by `key`; returns the arena length.
fn place<K: Ord>(buffers: &mut [Buffer], key: impl Fn(&Buffer) -> K) -> usize {
    let mut order: Vec<usize> = (0..buffers.len()).collect();
    order.sort_by_key(|&i| key(&buffers[i]));
    let mut placed: Vec<usize> = Vec::new();
    let mut arena = 0;
    for i in order {
        let (s, e, len) = (buffers[i].start, buffers[i].end, buffers[i].len);
        let mut live: Vec<(usize, usize)> = placed
            .iter()
            .map(|&j| &buffers[j])
            .filter(|b| b.start <= e && s <= b.end)
            .map(|b| (b.offset, b.offset + b.len))
            .collect();
        live.sort_unstable();
        let mut off = 0;
        for (lo, hi) in live {
            if off + len <= lo {
                break;
            }
            off = off.max(hi);
        }
        buffers[i].offset = off;
        arena = arena.max(off + len);
        placed.push(i);
    }
    arena
}
