//! IR nodes -> runtime kernel calls.
//!
//! Each node maps to one kernel (or a short sequence: a transpose before a Gemm with
//! `transA`, one reduction per contiguous block of ReduceMean axes). Constants are
//! laid out for the kernel here (dense weights as `n x k`, one row per output) and
//! rounded to f16 through [`super::consts`].

use super::consts::{check_finite, round_f16};
use super::Options;
use crate::ir::program::*;
use crate::ir::{self, BinaryOp, Graph, Op, PoolKind, TensorId, TensorKind};
use crate::{Error, Result};
use std::collections::HashMap;

/// Lowers `g` to kernel calls.
pub fn lower(g: &Graph, opts: &Options, warnings: &mut Vec<String>) -> Result<Program> {
    let name = if g.name.is_empty() {
        "model".to_string()
    } else {
        g.name.clone()
    };
    let mut l = Lowerer {
        g,
        opts,
        warnings,
        prog: Program {
            name,
            ..Program::default()
        },
        value_of: HashMap::new(),
        rounded: HashMap::new(),
    };
    for (i, &t) in g.inputs.iter().enumerate() {
        let v = l.new_value(
            &g.tensors[t].name,
            g.tensors[t].shape.clone(),
            Source::Input(i),
        );
        l.value_of.insert(t, v);
        l.prog.inputs.push(v);
    }
    for node in &g.nodes {
        l.node(node)
            .map_err(|e| e.at_node(&node.name, &node.op_type))?;
    }
    for &t in &g.outputs {
        let v = match l.value_of.get(&t) {
            Some(&v) => v,
            None => {
                // An output that folded to a constant: copy it into the arena.
                let tensor = &g.tensors[t];
                let c = l.f16_const(t, tensor.shape.clone(), |d| d.to_vec())?;
                let v = l.new_value(&tensor.name, tensor.shape.clone(), Source::Step);
                l.push(
                    vec![("(constant output)".into(), "Constant".into())],
                    Kernel::Materialize,
                    vec![Arg::Const(c)],
                    v,
                );
                l.value_of.insert(t, v);
                v
            }
        };
        l.prog.outputs.push(v);
    }
    Ok(l.prog)
}

struct Lowerer<'g, 'w> {
    g: &'g Graph,
    opts: &'g Options,
    warnings: &'w mut Vec<String>,
    prog: Program,
    value_of: HashMap<TensorId, ValueId>,
    rounded: HashMap<TensorId, Vec<f32>>,
}

/// Row-major strides of `shape`.
pub fn strides(shape: &[usize]) -> Vec<usize> {
    let mut s = vec![1; shape.len()];
    for d in (0..shape.len().saturating_sub(1)).rev() {
        s[d] = s[d + 1] * shape[d + 1];
    }
    s
}

/// Pads `shape` (and matching strides) on the left to [`MAX_RANK`].
fn pad_rank(shape: &[usize], strides: &[usize]) -> Result<Strided> {
    if shape.len() > MAX_RANK {
        return Err(Error::new(format!(
            "rank {} exceeds the supported {MAX_RANK}",
            shape.len()
        )));
    }
    let off = MAX_RANK - shape.len();
    let mut s = [1; MAX_RANK];
    let mut st = [0; MAX_RANK];
    s[off..].copy_from_slice(shape);
    st[off..].copy_from_slice(strides);
    Ok(Strided {
        shape: s,
        strides: st,
    })
}

/// Strides of an operand of shape `op` broadcast to `out` (numpy rules), padded.
fn bcast_strides(op: &[usize], out: &[usize]) -> Result<[usize; MAX_RANK]> {
    let st = strides(op);
    let off = out.len() - op.len();
    let mut full = vec![0; out.len()];
    for (d, (&dim, &s)) in op.iter().zip(&st).enumerate() {
        full[off + d] = if dim == 1 && out[off + d] != 1 { 0 } else { s };
    }
    Ok(pad_rank(out, &full)?.strides)
}

fn prod(s: &[usize]) -> usize {
    s.iter().product()
}

impl Lowerer<'_, '_> {
    fn new_value(&mut self, name: &str, shape: Vec<usize>, source: Source) -> ValueId {
        self.prog.values.push(Value {
            name: name.to_string(),
            shape,
            source,
        });
        self.prog.values.len() - 1
    }

    fn push(&mut self, nodes: Vec<(String, String)>, kernel: Kernel, args: Vec<Arg>, out: ValueId) {
        self.prog.steps.push(Step {
            nodes,
            kernel,
            args,
            out,
        });
    }

    fn tensor(&self, t: TensorId) -> &ir::Tensor {
        &self.g.tensors[t]
    }

    fn shape(&self, t: TensorId) -> &[usize] {
        &self.g.tensors[t].shape
    }

    fn is_const(&self, t: TensorId) -> bool {
        matches!(self.tensor(t).kind, TensorKind::Const(_))
    }

    /// The f16-rounded values of a constant (validated once per tensor).
    fn rounded(&mut self, t: TensorId) -> Result<Vec<f32>> {
        if let Some(r) = self.rounded.get(&t) {
            return Ok(r.clone());
        }
        let tensor = &self.g.tensors[t];
        let data = tensor.data().ok_or_else(|| {
            Error::new("expected a constant (initializer)").on_tensor(&tensor.name)
        })?;
        let r = round_f16(&tensor.name, data, self.opts.saturate, self.warnings)?;
        self.rounded.insert(t, r.clone());
        Ok(r)
    }

    /// A constant stored as f16, laid out by `layout` from the rounded source values.
    fn f16_const(
        &mut self,
        t: TensorId,
        shape: Vec<usize>,
        layout: impl Fn(&[f32]) -> Vec<f32>,
    ) -> Result<ConstId> {
        let data = layout(&self.rounded(t)?);
        self.prog.consts.push(Const {
            name: self.tensor(t).name.clone(),
            shape,
            data,
            storage: Storage::F16,
        });
        Ok(self.prog.consts.len() - 1)
    }

    /// A derived per-channel vector stored as f32.
    fn f32_const(&mut self, name: String, data: Vec<f64>) -> Result<ConstId> {
        let data: Vec<f32> = data.into_iter().map(|v| v as f32).collect();
        check_finite(&name, &data)?;
        self.prog.consts.push(Const {
            name,
            shape: vec![data.len()],
            data,
            storage: Storage::F32,
        });
        Ok(self.prog.consts.len() - 1)
    }

    /// The activation value of a tensor; constants are materialized into the arena.
    fn value(&mut self, t: TensorId, node: &ir::Node) -> Result<ValueId> {
        if let Some(&v) = self.value_of.get(&t) {
            return Ok(v);
        }
        if !self.is_const(t) {
            return Err(Error::new(format!(
                "input '{}' is not computed before this node",
                self.tensor(t).name
            )));
        }
        let shape = self.shape(t).to_vec();
        let c = self.f16_const(t, shape.clone(), |d| d.to_vec())?;
        let v = self.new_value(
            &format!("{}:materialized", self.tensor(t).name),
            shape,
            Source::Step,
        );
        self.push(
            vec![(node.name.clone(), node.op_type.clone())],
            Kernel::Materialize,
            vec![Arg::Const(c)],
            v,
        );
        self.value_of.insert(t, v);
        Ok(v)
    }

    /// The value for the node's (single) output.
    fn out_value(&mut self, node: &ir::Node) -> ValueId {
        let t = node.outputs[0];
        let v = self.new_value(
            &self.g.tensors[t].name.clone(),
            self.shape(t).to_vec(),
            Source::Step,
        );
        self.value_of.insert(t, v);
        v
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
        let here = vec![(node.name.clone(), node.op_type.clone())];
        self.push(here, Kernel::Permute(view), vec![Arg::Value(x)], t);
        Ok(t)
    }

    fn temp(&mut self, node: &ir::Node, what: &str, shape: Vec<usize>) -> ValueId {
        self.new_value(&format!("{}:{what}", node.name), shape, Source::Step)
    }

    /// Per-channel vector of `n` from a constant that broadcasts along one channel axis
    /// (a scalar, or a tensor with `n` elements), scaled by `k`.
    fn channel_vector(&mut self, t: TensorId, n: usize, k: f64) -> Result<Vec<f64>> {
        let r = self.rounded(t)?;
        match r.len() {
            1 => Ok(vec![r[0] as f64 * k; n]),
            len if len == n => Ok(r.iter().map(|&v| v as f64 * k).collect()),
            len => Err(Error::new(format!(
                "expected {n} values (one per channel), found {len}"
            ))
            .on_tensor(&self.tensor(t).name)),
        }
    }

    fn node(&mut self, node: &ir::Node) -> Result<()> {
        let here = vec![(node.name.clone(), node.op_type.clone())];
        let ins = &node.inputs;
        match &node.op {
            Op::Gemm {
                alpha,
                beta,
                trans_a,
                trans_b,
            } => self.gemm(node, *alpha, *beta, *trans_a, *trans_b),
            Op::MatMul => self.matmul(node),
            Op::Binary(op) => self.binary(node, *op),
            Op::Unary(u) => {
                let x = self.value(ins[0], node)?;
                let y = self.out_value(node);
                self.push(here, Kernel::Unary(*u), vec![Arg::Value(x)], y);
                Ok(())
            }
            Op::Conv(a) => self.conv(node, a),
            Op::BatchNorm { epsilon } => {
                let x = self.value(ins[0], node)?;
                let shape = self.shape(ins[0]).to_vec();
                if shape.len() < 2 {
                    return Err(Error::new(format!(
                        "input of rank {} (expected N x C x ...)",
                        shape.len()
                    )));
                }
                let c = shape[1];
                let gamma = self.channel_vector(ins[1], c, 1.0)?;
                let beta = self.channel_vector(ins[2], c, 1.0)?;
                let mean = self.channel_vector(ins[3], c, 1.0)?;
                let var = self.channel_vector(ins[4], c, 1.0)?;
                let eps = *epsilon as f64;
                let s: Vec<f64> = (0..c).map(|i| gamma[i] / (var[i] + eps).sqrt()).collect();
                let t: Vec<f64> = (0..c).map(|i| beta[i] - mean[i] * s[i]).collect();
                let scale = self.f32_const(format!("{}:scale", node.name), s)?;
                let shift = self.f32_const(format!("{}:shift", node.name), t)?;
                let y = self.out_value(node);
                let kernel = Kernel::ChannelAffine {
                    shape: ChannelShape {
                        outer: shape[0],
                        channels: c,
                        inner: prod(&shape[2..]),
                    },
                    scale,
                    shift,
                    act: None,
                };
                self.push(here, kernel, vec![Arg::Value(x)], y);
                Ok(())
            }
            Op::Softmax { axis, log } => {
                let x = self.value(ins[0], node)?;
                let s = self.shape(ins[0]).to_vec();
                let y = self.out_value(node);
                let kernel = Kernel::Softmax {
                    shape: SoftmaxShape {
                        outer: prod(&s[..*axis]),
                        axis: s[*axis],
                        inner: prod(&s[axis + 1..]),
                    },
                    log: *log,
                };
                self.push(here, kernel, vec![Arg::Value(x)], y);
                Ok(())
            }
            Op::Pool(a) => self.pool(node, a),
            Op::GlobalAveragePool => {
                let x = self.value(ins[0], node)?;
                let s = self.shape(ins[0]).to_vec();
                let y = self.out_value(node);
                self.push(
                    here,
                    Kernel::ReduceMean(ReduceShape {
                        outer: s[0] * s[1],
                        reduced: prod(&s[2..]),
                        inner: 1,
                    }),
                    vec![Arg::Value(x)],
                    y,
                );
                Ok(())
            }
            Op::ReduceMean { axes, .. } => {
                let mut x = self.value(ins[0], node)?;
                let mut shape = self.shape(ins[0]).to_vec();
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
                    self.push(here.clone(), kernel, vec![Arg::Value(x)], y);
                    x = y;
                }
                Ok(())
            }
            Op::LayerNorm { axis, epsilon } => {
                let x = self.value(ins[0], node)?;
                let s = self.shape(ins[0]).to_vec();
                let n = prod(&s[*axis..]);
                let scale = self.channel_vector(ins[1], n, 1.0)?;
                let scale = self.f32_const(self.tensor(ins[1]).name.clone(), scale)?;
                let bias = match ins.get(2) {
                    Some(&b) => {
                        let v = self.channel_vector(b, n, 1.0)?;
                        Some(self.f32_const(self.tensor(b).name.clone(), v)?)
                    }
                    None => None,
                };
                let y = self.out_value(node);
                let kernel = Kernel::LayerNorm {
                    shape: LayerNormShape {
                        rows: prod(&s[..*axis]),
                        features: n,
                    },
                    scale,
                    bias,
                    eps: *epsilon,
                };
                self.push(here, kernel, vec![Arg::Value(x)], y);
                Ok(())
            }
            Op::Reshape => {
                let x = self.value(ins[0], node)?;
                let t = node.outputs[0];
                let v = self.new_value(
                    &self.tensor(t).name.clone(),
                    self.shape(t).to_vec(),
                    Source::Alias(x),
                );
                self.value_of.insert(t, v);
                Ok(())
            }
            Op::Transpose { perm } => {
                let x = self.value(ins[0], node)?;
                let s = self.shape(ins[0]).to_vec();
                let st = strides(&s);
                let out: Vec<usize> = perm.iter().map(|&p| s[p]).collect();
                let src: Vec<usize> = perm.iter().map(|&p| st[p]).collect();
                let view = pad_rank(&out, &src)?;
                let y = self.out_value(node);
                self.push(here, Kernel::Permute(view), vec![Arg::Value(x)], y);
                Ok(())
            }
            Op::Slice { starts, steps } => {
                let x = self.value(ins[0], node)?;
                let s = self.shape(ins[0]).to_vec();
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
                let y = self.out_value(node);
                self.push(here, Kernel::Slice { offset, view }, vec![Arg::Value(x)], y);
                Ok(())
            }
            Op::Concat { axis } => {
                let mut args = Vec::new();
                let mut chunks = Vec::new();
                for &t in ins {
                    chunks.push(prod(&self.shape(t)[*axis..]));
                    args.push(Arg::Value(self.value(t, node)?));
                }
                let out = self.shape(node.outputs[0]).to_vec();
                let y = self.out_value(node);
                self.push(
                    here,
                    Kernel::Concat {
                        outer: prod(&out[..*axis]),
                        chunks,
                        row: prod(&out[*axis..]),
                    },
                    args,
                    y,
                );
                Ok(())
            }
        }
    }

    fn gemm(
        &mut self,
        node: &ir::Node,
        alpha: f32,
        beta: f32,
        trans_a: bool,
        trans_b: bool,
    ) -> Result<()> {
        let here = vec![(node.name.clone(), node.op_type.clone())];
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
        let c_const = ins.get(2).map(|&c| self.is_const(c));
        if self.is_const(ins[1]) {
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
            let shape = DenseShape {
                rows: m,
                inputs: k,
                outputs: n,
            };
            let kernel = Kernel::Dense { shape, w, post };
            if let Some(cb) = row_bias {
                let t = self.temp(node, "AB", vec![m, n]);
                self.push(here.clone(), kernel, vec![Arg::Value(a)], t);
                let cs = self.shape(ins[2]).to_vec();
                let y = self.out_value(node);
                let bcast = self.bcast(&[m, n], &cs, &[m, n])?;
                self.push(
                    here,
                    Kernel::Binary {
                        op: BinaryOp::Add,
                        bcast,
                    },
                    vec![Arg::Value(t), cb],
                    y,
                );
                return Ok(());
            }
            if c_const == Some(false) {
                if beta != 1.0 {
                    return Err(Error::new(format!(
                        "beta = {beta} with a computed C is not supported (only beta = 1)"
                    )));
                }
                let t = self.temp(node, "AB", vec![m, n]);
                self.push(here.clone(), kernel, vec![Arg::Value(a)], t);
                let c = self.value(ins[2], node)?;
                let cs = self.shape(ins[2]).to_vec();
                let y = self.out_value(node);
                let bcast = self.bcast(&[m, n], &cs, &[m, n])?;
                self.push(
                    here,
                    Kernel::Binary {
                        op: BinaryOp::Add,
                        bcast,
                    },
                    vec![Arg::Value(t), Arg::Value(c)],
                    y,
                );
            } else {
                let y = self.out_value(node);
                self.push(here, kernel, vec![Arg::Value(a)], y);
            }
            return Ok(());
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
            here,
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

    fn matmul(&mut self, node: &ir::Node) -> Result<()> {
        let here = vec![(node.name.clone(), node.op_type.clone())];
        let (ta, tb) = (node.inputs[0], node.inputs[1]);
        let (sa, sb) = (self.shape(ta).to_vec(), self.shape(tb).to_vec());
        if self.is_const(ta) {
            return Err(Error::new("a constant left operand is not supported (the left operand must be computed from the inputs)"));
        }
        let k = *sa.last().unwrap_or(&1);
        let n = if sb.len() == 1 { 1 } else { sb[sb.len() - 1] };
        let a = self.value(ta, node)?;
        if self.is_const(tb) {
            if prod(&sb) != k * n {
                return Err(Error::new(format!("a batched constant right operand of shape {sb:?} is not supported (expected [{k}, {n}])")));
            }
            let w = self.f16_const(tb, vec![n, k], |d| transpose2(d, k, n))?;
            let y = self.out_value(node);
            let m = prod(&sa) / k.max(1);
            self.push(
                here,
                Kernel::Dense {
                    shape: DenseShape {
                        rows: m,
                        inputs: k,
                        outputs: n,
                    },
                    w,
                    post: Post::default(),
                },
                vec![Arg::Value(a)],
                y,
            );
            return Ok(());
        }
        let b = self.value(tb, node)?;
        let m = if sa.len() == 1 { 1 } else { sa[sa.len() - 2] };
        let (ba, bb) = (prod(&sa) / (m * k), prod(&sb) / (k * n));
        let batch = ba.max(bb);
        let out = self.shape(node.outputs[0]).to_vec();
        if prod(&out) != batch * m * n || (ba != batch && ba != 1) || (bb != batch && bb != 1) {
            return Err(Error::new(format!("batch broadcasting between {sa:?} and {sb:?} is supported only when one side has a single batch")));
        }
        let y = self.out_value(node);
        let kernel = Kernel::MatMul(MatMulShape {
            batch,
            rows: m,
            depth: k,
            cols: n,
            a_stride: if ba == 1 { 0 } else { m * k },
            b_stride: if bb == 1 { 0 } else { k * n },
        });
        self.push(here, kernel, vec![Arg::Value(a), Arg::Value(b)], y);
        Ok(())
    }

    fn bcast(&self, a: &[usize], b: &[usize], out: &[usize]) -> Result<Option<Broadcast>> {
        // Same element count as the output. (Scalar immediates come as [1]; a rank-0
        // *computed* operand must broadcast like any other: it is one value, not `n`.)
        let n = prod(out);
        let plain = |s: &[usize]| prod(s) == n;
        if plain(a) && plain(b) {
            return Ok(None);
        }
        let shape = pad_rank(out, &strides(out))?.shape;
        Ok(Some(Broadcast {
            shape,
            a: bcast_strides(a, out)?,
            b: bcast_strides(b, out)?,
        }))
    }

    fn binary(&mut self, node: &ir::Node, op: BinaryOp) -> Result<()> {
        let here = vec![(node.name.clone(), node.op_type.clone())];
        let out = self.shape(node.outputs[0]).to_vec();
        let mut args = Vec::new();
        let mut shapes = Vec::new();
        for &t in &node.inputs {
            let s = self.shape(t).to_vec();
            let arg = if self.is_const(t) {
                if prod(&s) == 1 {
                    Arg::Scalar(self.rounded(t)?[0])
                } else {
                    Arg::Const(self.f16_const(t, s.clone(), |d| d.to_vec())?)
                }
            } else {
                Arg::Value(self.value(t, node)?)
            };
            args.push(arg);
            // Scalars broadcast without strides.
            shapes.push(if matches!(arg, Arg::Scalar(_)) {
                vec![1]
            } else {
                s
            });
        }
        let bcast = self.bcast(&shapes[0], &shapes[1], &out)?;
        let y = self.out_value(node);
        self.push(here, Kernel::Binary { op, bcast }, args, y);
        Ok(())
    }

    fn conv(&mut self, node: &ir::Node, a: &ir::ConvAttrs) -> Result<()> {
        let here = vec![(node.name.clone(), node.op_type.clone())];
        let ins = &node.inputs;
        if !self.is_const(ins[1]) {
            return Err(Error::new(
                "computed (non-constant) filters are not supported",
            ));
        }
        let x = self.value(ins[0], node)?;
        let (xs, ys) = (
            self.shape(ins[0]).to_vec(),
            self.shape(node.outputs[0]).to_vec(),
        );
        let two = a.kernel.len() == 2;
        let sp = |v: &[usize], i: usize| spatial(v, i, two);
        let pad = |i: usize| {
            if two {
                a.pads[i]
            } else if i == 0 {
                0
            } else {
                a.pads[0]
            }
        };
        let geom = ConvShape {
            n: xs[0],
            c_in: xs[1],
            h: if two { xs[2] } else { 1 },
            w: *xs.last().unwrap(),
            c_out: ys[1],
            kh: sp(&a.kernel, 0),
            kw: sp(&a.kernel, 1),
            oh: if two { ys[2] } else { 1 },
            ow: *ys.last().unwrap(),
            stride: (sp(&a.strides, 0), sp(&a.strides, 1)),
            pad: (pad(0), pad(1)),
            dilation: (sp(&a.dilations, 0), sp(&a.dilations, 1)),
            groups: a.group,
        };
        let ws = self.shape(ins[1]).to_vec();
        let w = self.f16_const(ins[1], ws, |d| d.to_vec())?;
        let mut post = Post::default();
        if let Some(&b) = ins.get(2) {
            let v = self.channel_vector(b, geom.c_out, 1.0)?;
            post.shift = Some(self.f32_const(self.tensor(b).name.clone(), v)?);
        }
        let y = self.out_value(node);
        let kernel = Kernel::Conv {
            shape: geom,
            w,
            post,
        };
        self.push(here, kernel, vec![Arg::Value(x)], y);
        Ok(())
    }

    fn pool(&mut self, node: &ir::Node, a: &ir::PoolAttrs) -> Result<()> {
        let here = vec![(node.name.clone(), node.op_type.clone())];
        let x = self.value(node.inputs[0], node)?;
        let (xs, ys) = (
            self.shape(node.inputs[0]).to_vec(),
            self.shape(node.outputs[0]).to_vec(),
        );
        let two = a.kernel.len() == 2;
        let sp = |v: &[usize], i: usize| spatial(v, i, two);
        let d = a.kernel.len();
        let (pb, pe) = (&a.pads[..d], &a.pads[d..]);
        let geom = PoolShape {
            planes: xs[0] * xs[1],
            h: if two { xs[2] } else { 1 },
            w: *xs.last().unwrap(),
            kh: sp(&a.kernel, 0),
            kw: sp(&a.kernel, 1),
            oh: if two { ys[2] } else { 1 },
            ow: *ys.last().unwrap(),
            stride: (sp(&a.strides, 0), sp(&a.strides, 1)),
            pad: if two {
                (pb[0], pb[1], pe[0], pe[1])
            } else {
                (0, pb[0], 0, pe[0])
            },
            dilation: (sp(&a.dilations, 0), sp(&a.dilations, 1)),
        };
        let y = self.out_value(node);
        let kernel = Kernel::Pool {
            max: a.kind == PoolKind::Max,
            shape: geom,
            count_include_pad: a.count_include_pad,
        };
        self.push(here, kernel, vec![Arg::Value(x)], y);
        Ok(())
    }
}

/// Attribute `v` of spatial dim `i` (0: height, 1: width) as a 2-D kernel sees it; a
/// 1-D op has height 1.
fn spatial(v: &[usize], i: usize, two: bool) -> usize {
    match (two, i) {
        (true, _) => v[i],
        (false, 0) => 1,
        (false, _) => v[0],
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
