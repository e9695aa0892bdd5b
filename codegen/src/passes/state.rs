//! Recurrent state a model carries between windows: a graph input that is a
//! recurrent layer's initial state (`initial_h` / `initial_c`) paired with the graph
//! output that is the same layer's final state (`Y_h` / `Y_c`) of the same shape. The
//! emitter gives such models a `State` and `Model::step`, which feed each window's
//! final state into the next window's initial state.

use crate::ir::program::{Arg, Kernel, Program, Source, ValueId};

/// Graph input `input` is the initial state whose final state is graph output `output`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StatePair {
    /// Index into `Program::inputs`.
    pub input: usize,
    /// Index into `Program::outputs`.
    pub output: usize,
}

/// The model's state pairs, in input order (each input and output in at most one).
pub fn pairs(p: &Program) -> Vec<StatePair> {
    let mut out: Vec<StatePair> = Vec::new();
    for (si, s) in p.steps.iter().enumerate() {
        let Kernel::Rnn { shape, h0, c0, .. } = s.kernel else {
            continue;
        };
        let mut state_args = s.args.iter().skip(1);
        let mut starts = Vec::new();
        if h0 {
            starts.push((state_args.next(), shape.h_offset()));
        }
        if c0 {
            starts.push((state_args.next(), shape.c_offset()));
        }
        for (arg, offset) in starts {
            let Some(&Arg::Value(v)) = arg else { continue };
            let Source::Input(input) = p.values[source(p, v)].source else {
                continue;
            };
            let found = p.outputs.iter().position(|&o| {
                let r = source(p, o);
                p.values[o].shape == p.values[p.inputs[input]].shape && p.steps.iter().any(|w| {
                    w.out == r
                        && matches!(w.kernel, Kernel::Slice { offset: off, .. } if off == offset)
                        && w.args.first() == Some(&Arg::Value(s.out))
                }) && p.steps[si].out != r
            });
            if let Some(output) = found {
                if !out.iter().any(|q| q.input == input || q.output == output) {
                    out.push(StatePair { input, output });
                }
            }
        }
    }
    out.sort_by_key(|q| q.input);
    out
}

/// Follows aliases and whole-tensor copies (an identity Slice) back to the value
/// whose data `v` holds.
fn source(p: &Program, mut v: ValueId) -> ValueId {
    for _ in 0..p.values.len() {
        match p.values[v].source {
            Source::Alias(of) => v = of,
            Source::Step => {
                let copy = p
                    .steps
                    .iter()
                    .find(|s| s.out == v)
                    .and_then(|s| match s.kernel {
                        Kernel::Slice { offset: 0, .. } => match s.args.first() {
                            Some(&Arg::Value(x)) if p.values[x].numel() == p.values[v].numel() => {
                                Some(x)
                            }
                            _ => None,
                        },
                        _ => None,
                    });
                match copy {
                    Some(x) => v = x,
                    None => break,
                }
            }
            Source::Input(_) => break,
        }
    }
    v
}
