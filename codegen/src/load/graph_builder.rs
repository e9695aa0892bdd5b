//! The IR graph under construction: tensors and nodes, and constants turned into IR
//! tensors when a compute op uses them (once per constant, so tied weights stay shared).

use std::collections::HashMap;
use std::rc::Rc;

use super::node::NodeCtx;
use super::value::{Const, Padded, Value};
use crate::error::{Error, Result};
use crate::ir::{Node, Op, PadMode, Tensor, TensorId, TensorKind};

/// Tensors and nodes of the IR graph being built.
#[derive(Default)]
pub(crate) struct GraphBuilder {
    pub tensors: Vec<Tensor>,
    pub nodes: Vec<Node>,
    /// Constants already materialized, by identity (the `Rc` keeps the key alive).
    consts: HashMap<*const Const, (Rc<Const>, TensorId)>,
    /// Pending zero pads already materialized, by identity.
    padded: HashMap<*const Padded, (Rc<Padded>, TensorId)>,
}

impl GraphBuilder {
    /// Adds a tensor and returns its id.
    pub fn add_tensor(&mut self, name: &str, shape: Vec<usize>, kind: TensorKind) -> TensorId {
        self.tensors.push(Tensor {
            name: name.to_string(),
            shape,
            kind,
        });
        self.tensors.len() - 1
    }

    /// Static shape of a value.
    pub fn shape_of(&self, v: &Value) -> Vec<usize> {
        match v {
            Value::Const(c) => c.shape.clone(),
            Value::Act(id) => self.tensors[*id].shape.clone(),
            Value::Padded(p) => p.shape.clone(),
        }
    }

    /// The error for a Pad result consumed by something other than Conv/AveragePool.
    pub fn pad_misuse(ctx: &NodeCtx, slot: usize, p: &Padded) -> Error {
        ctx.err(format!(
            "input #{slot} '{}' comes from Pad node '{}'; Pad is only supported directly before \
             Conv or AveragePool (where it is merged into their pads)",
            ctx.input_name(slot),
            p.node
        ))
    }

    /// A pending zero pad as an IR tensor: an `Op::Pad` node, added once per pad.
    pub fn unpad(&mut self, p: &Rc<Padded>) -> TensorId {
        let key = Rc::as_ptr(p);
        if let Some((_, id)) = self.padded.get(&key) {
            return *id;
        }
        let r = p.shape.len();
        let id = self.add_tensor(&p.out, p.shape.clone(), TensorKind::Activation);
        self.nodes.push(Node {
            name: p.node.clone(),
            op_type: "Pad".into(),
            op: Op::Pad {
                mode: PadMode::Constant(0.0),
                begin: p.pads[..r].iter().map(|&v| v as i64).collect(),
                end: p.pads[r..].iter().map(|&v| v as i64).collect(),
            },
            inputs: vec![p.src],
            outputs: vec![id],
        });
        self.padded.insert(key, (p.clone(), id));
        id
    }

    /// `v`, with a pending zero pad materialized (for consumers that cannot merge it).
    pub fn unpadded(&mut self, v: &Value) -> Value {
        match v {
            Value::Padded(p) => Value::Act(self.unpad(p)),
            v => v.clone(),
        }
    }

    /// Shape of the required input in `slot`.
    pub fn in_shape(&self, ctx: &NodeCtx, slot: usize) -> Result<Vec<usize>> {
        Ok(self.shape_of(ctx.req(slot)?))
    }

    /// The required input in `slot` as a float IR tensor (constants and pending zero
    /// pads are materialized; integer constants are refused).
    pub fn float_input(&mut self, ctx: &NodeCtx, slot: usize) -> Result<TensorId> {
        match ctx.req(slot)? {
            Value::Act(id) => Ok(*id),
            Value::Padded(p) => Ok(self.unpad(&p.clone())),
            Value::Const(c) => {
                let c = c.clone();
                self.materialize(ctx, slot, &c, false)
            }
        }
    }

    /// Like [`GraphBuilder::float_input`], but integer constants are converted to float
    /// (Pow's exponent may be an integer tensor).
    pub fn numeric_input(&mut self, ctx: &NodeCtx, slot: usize) -> Result<TensorId> {
        match ctx.req(slot)? {
            Value::Act(id) => Ok(*id),
            Value::Padded(p) => Ok(self.unpad(&p.clone())),
            Value::Const(c) => {
                let c = c.clone();
                self.materialize(ctx, slot, &c, true)
            }
        }
    }

    /// The input in `slot` (`what` it is for, in messages), which must be a float
    /// constant, as an IR tensor with its shape; `None` if the optional input is absent.
    pub fn const_float_input(
        &mut self,
        ctx: &NodeCtx,
        slot: usize,
        what: &str,
    ) -> Result<Option<(TensorId, Vec<usize>)>> {
        let Some(c) = ctx.const_input(slot, what)?.cloned() else {
            return Ok(None);
        };
        let id = self.materialize(ctx, slot, &c, false)?;
        Ok(Some((id, c.shape.clone())))
    }

    fn materialize(
        &mut self,
        ctx: &NodeCtx,
        slot: usize,
        c: &Rc<Const>,
        allow_int: bool,
    ) -> Result<TensorId> {
        let ok = c.dtype.is_float() || (allow_int && c.dtype.is_int());
        if !ok {
            return Err(ctx
                .err(format!(
                    "input #{slot} is a constant of type {}, but {} needs float data here",
                    c.dtype.name(),
                    ctx.op
                ))
                .on_tensor(&c.name));
        }
        let key = Rc::as_ptr(c);
        if let Some((_, id)) = self.consts.get(&key) {
            return Ok(*id);
        }
        let id = self.add_tensor(&c.name, c.shape.clone(), TensorKind::Const(c.to_f32()));
        self.consts.insert(key, (c.clone(), id));
        Ok(id)
    }
}
