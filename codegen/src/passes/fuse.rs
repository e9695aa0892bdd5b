//! Epilogue fusion: what follows a dense or convolution kernel and acts per output
//! channel moves into its epilogue (`y = act(acc * scale[c] + shift[c])`):
//! a bias `Add` (tf2onnx writes MatMul + Add), `Sub`/`Mul`/`Div` by a per-channel
//! constant, a BatchNorm ([`Kernel::ChannelAffine`]), and finally one activation.
//! The folded values are computed in f64 from the f16-rounded constants; the f16
//! weights themselves are never rescaled (that would round them a second time).

use crate::ir::program::*;
use crate::ir::BinaryOp;

/// Fuses until nothing more fuses.
pub fn fuse(p: &mut Program) {
    while fuse_one(p) {}
}

/// Number of places that read each value (step arguments, aliases, graph outputs).
pub fn use_counts(p: &Program) -> Vec<usize> {
    let mut uses = vec![0; p.values.len()];
    for s in &p.steps {
        for a in &s.args {
            if let Arg::Value(v) = a {
                uses[*v] += 1;
            }
        }
    }
    for v in &p.values {
        if let Source::Alias(of) = v.source {
            uses[of] += 1;
        }
    }
    for &o in &p.outputs {
        uses[o] += 1;
    }
    uses
}

/// Output channels of a producer and the axis of its output they run along.
fn channels(p: &Program, s: &Step) -> Option<(usize, usize)> {
    let rank = p.values[s.out].shape.len();
    match &s.kernel {
        Kernel::Dense { shape, post, .. } if post.act.is_none() => {
            Some((shape.outputs, rank.checked_sub(1)?))
        }
        Kernel::Conv { shape, post, .. } if post.act.is_none() => Some((shape.c_out, 1)),
        _ => None,
    }
}

/// Per-channel values of a constant argument if it varies only along `axis` of an
/// output of rank `rank` with `c` channels (or is a scalar).
fn per_channel(p: &Program, arg: Arg, c: usize, axis: usize, rank: usize) -> Option<Vec<f64>> {
    match arg {
        Arg::Scalar(x) => Some(vec![x as f64; c]),
        Arg::Const(id) => {
            let k = &p.consts[id];
            if k.shape.len() > rank {
                return None;
            }
            let off = rank - k.shape.len();
            let ok = k
                .shape
                .iter()
                .enumerate()
                .all(|(d, &n)| n == 1 || (d + off == axis && n == c));
            (ok && k.data.len() == c).then(|| k.data.iter().map(|&v| v as f64).collect())
        }
        Arg::Value(_) => None,
    }
}

fn post_of(k: &mut Kernel) -> &mut Post {
    match k {
        Kernel::Dense { post, .. } | Kernel::Conv { post, .. } => post,
        _ => unreachable!("only dense and conv kernels have an epilogue"),
    }
}

fn vector(p: &Program, id: Option<ConstId>, c: usize, default: f64) -> Vec<f64> {
    id.map_or_else(
        || vec![default; c],
        |id| p.consts[id].data.iter().map(|&v| v as f64).collect(),
    )
}

fn push_vec(p: &mut Program, name: String, data: Vec<f64>) -> ConstId {
    let data: Vec<f32> = data.into_iter().map(|v| v as f32).collect();
    p.consts.push(Const {
        name,
        shape: vec![data.len()],
        data,
        storage: Storage::F32,
    });
    p.consts.len() - 1
}

fn fuse_one(p: &mut Program) -> bool {
    let uses = use_counts(p);
    for pi in 0..p.steps.len() {
        let Some((c, axis)) = channels(p, &p.steps[pi]) else {
            continue;
        };
        let v = p.steps[pi].out;
        if uses[v] != 1 {
            continue;
        }
        let Some(ci) = p.steps.iter().position(|s| s.args.contains(&Arg::Value(v))) else {
            continue;
        };
        let rank = p.values[v].shape.len();
        let consumer = p.steps[ci].clone();
        let post = match &p.steps[pi].kernel {
            Kernel::Dense { post, .. } | Kernel::Conv { post, .. } => post.clone(),
            _ => continue,
        };
        let mut scale = vector(p, post.scale, c, 1.0);
        let mut shift = vector(p, post.shift, c, 0.0);
        let mut act = None;
        match &consumer.kernel {
            // Pointwise ops (Exp, Log, ...) have no epilogue form: not fused.
            Kernel::Unary(u) if u.is_act() => act = Some(*u),
            Kernel::ChannelAffine {
                shape: sh,
                scale: s,
                shift: t,
                act: a,
            } => {
                let out = &p.values[v].shape;
                let matches = sh.channels == c
                    && out.get(axis) == Some(&c)
                    && sh.outer == out[..axis].iter().product::<usize>()
                    && sh.inner == out[axis + 1..].iter().product::<usize>();
                if !matches {
                    continue;
                }
                let (s, t) = (vector(p, Some(*s), c, 1.0), vector(p, Some(*t), c, 0.0));
                for i in 0..c {
                    scale[i] *= s[i];
                    shift[i] = shift[i] * s[i] + t[i];
                }
                act = *a;
            }
            Kernel::Binary { op, bcast: _ } => {
                let (mine, other) = if consumer.args[0] == Arg::Value(v) {
                    (0, 1)
                } else {
                    (1, 0)
                };
                if p.values[consumer.out].shape != p.values[v].shape {
                    continue;
                }
                let Some(k) = per_channel(p, consumer.args[other], c, axis, rank) else {
                    continue;
                };
                match (op, mine) {
                    (BinaryOp::Add, _) => shift.iter_mut().zip(&k).for_each(|(t, k)| *t += k),
                    (BinaryOp::Sub, 0) => shift.iter_mut().zip(&k).for_each(|(t, k)| *t -= k),
                    (BinaryOp::Mul, _) => {
                        scale.iter_mut().zip(&k).for_each(|(s, k)| *s *= k);
                        shift.iter_mut().zip(&k).for_each(|(t, k)| *t *= k);
                    }
                    (BinaryOp::Div, 0) => {
                        scale.iter_mut().zip(&k).for_each(|(s, k)| *s /= k);
                        shift.iter_mut().zip(&k).for_each(|(t, k)| *t /= k);
                    }
                    _ => continue,
                }
            }
            _ => continue,
        }
        // The folded vectors are stored as f32: a pair whose product leaves f32's range
        // (Gemm alpha 3e38, then Mul by 10) is not fused; both steps run as written.
        if scale.iter().chain(&shift).any(|&x| !(x as f32).is_finite()) {
            continue;
        }
        let producer = &mut p.steps[pi];
        if let Kernel::Unary(u) = consumer.kernel {
            // Only the activation changes: keep the existing constants.
            post_of(&mut producer.kernel).act = Some(u);
            producer.out = consumer.out;
            producer.nodes.extend(consumer.nodes);
            p.steps.remove(ci);
            return true;
        }
        let node = producer.nodes[0].0.clone();
        let new_scale = if scale.iter().all(|&s| s == 1.0) {
            None
        } else {
            Some(push_vec(p, format!("{node}:scale"), scale))
        };
        let new_shift = if shift.iter().all(|&t| t == 0.0) {
            None
        } else {
            Some(push_vec(p, format!("{node}:shift"), shift))
        };
        let producer = &mut p.steps[pi];
        let pp = post_of(&mut producer.kernel);
        pp.scale = new_scale;
        pp.shift = new_shift;
        pp.act = act;
        producer.out = consumer.out;
        producer.nodes.extend(consumer.nodes);
        p.steps.remove(ci);
        return true;
    }
    false
}
