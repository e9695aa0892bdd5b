//! IR nodes -> runtime kernel calls: the `Lowerer` and its dispatch on the op; one
//! submodule per op family (as `load::ops`) lowers the nodes of that family.
//!
//! Each node maps to one kernel (or a short sequence: a transpose before a Gemm with
//! `transA`, one reduction per contiguous block of Reduce* axes). Constants are
//! laid out for the kernel here (dense weights as `n x k`, one row per output) and
//! rounded to f16 through [`super::consts`].

mod conv;
mod elementwise;
mod layout;
mod linear;
mod matmul;
mod norm;
mod reduce;
mod resize;
mod rnn;
mod select;

use super::consts::{check_finite, round_f16};
use super::Options;
use crate::ir::program::*;
use crate::ir::{self, Graph, Op, TensorId, TensorKind};
use crate::{Error, Result};
use std::collections::HashMap;

pub use linear::transpose2;

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

/// Lowering state: the program so far and where each IR tensor went.
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

fn prod(s: &[usize]) -> usize {
    s.iter().product()
}

/// The `(name, op_type)` a step records for the node it implements.
fn here(node: &ir::Node) -> Vec<(String, String)> {
    vec![(node.name.clone(), node.op_type.clone())]
}

impl Lowerer<'_, '_> {
    /// Lowers one node, by op family.
    fn node(&mut self, node: &ir::Node) -> Result<()> {
        match &node.op {
            Op::Gemm {
                alpha,
                beta,
                trans_a,
                trans_b,
            } => self.gemm(node, *alpha, *beta, *trans_a, *trans_b),
            Op::MatMul => self.matmul(node),
            Op::Binary(op) => self.binary(node, *op),
            Op::Unary(u) => self.unary(node, *u),
            Op::Conv(a) => self.conv(node, a),
            Op::BatchNorm { epsilon } => self.batch_norm(node, *epsilon),
            Op::Softmax { axis, log } => self.softmax(node, *axis, *log),
            Op::Pool(a) => self.pool(node, a),
            Op::GlobalAveragePool => self.global_average_pool(node),
            Op::Reduce { op, axes, .. } => self.reduce(node, *op, axes),
            Op::LayerNorm { axis, epsilon } => self.layer_norm(node, *axis, *epsilon),
            Op::Reshape => self.reshape(node),
            Op::Transpose { perm } => self.transpose(node, perm),
            Op::Slice { starts, steps } => self.slice(node, starts, steps),
            Op::Concat { axis } => self.concat(node, *axis),
            Op::Rnn(a) => self.rnn(node, a),
            Op::Where => self.select(node),
            Op::Resize(a) => self.resize(node, a),
            Op::Pad { mode, begin, end } => self.pad(node, *mode, begin, end),
            Op::GatherRows { offsets, row } => self.gather_rows(node, offsets, *row),
        }
    }

    /// The node's output as a new value, computed by `kernel` from the activation `x`.
    fn push_one(&mut self, node: &ir::Node, kernel: Kernel, x: ValueId) {
        let y = self.out_value(node);
        self.push(here(node), kernel, vec![Arg::Value(x)], y);
    }

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
}
