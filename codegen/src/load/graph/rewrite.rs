//! Exporter patterns the converter turns into one op as it meets their last node:
//! GELU written out with `Erf`, and the dynamo exporter's linear interpolation
//! (`GatherND` + arithmetic) as one Resize (`super::patterns`, `super::lerp` match them).

use std::collections::{HashMap, HashSet};

use super::Converter;
use crate::error::Result;
use crate::ir::{Interp, Op, ResizeAttrs, UnaryOp};
use crate::load::inline::FlatNode;
use crate::load::lerp;
use crate::load::patterns::{self, Wiring};
use crate::load::value::Value;

impl Converter<'_> {
    /// Converts node `i` and the nodes before it as one op if they form a known
    /// pattern (`absorbed` gets the nodes it replaces); `false` if they do not.
    pub(super) fn pattern(
        &mut self,
        i: usize,
        nodes: &[FlatNode],
        producer: &HashMap<&str, usize>,
        consumers: &HashMap<&str, Vec<usize>>,
        out_names: &HashSet<&str>,
        absorbed: &mut HashSet<usize>,
    ) -> Result<bool> {
        let n = &nodes[i];
        let op_type = n.proto.op_type();
        let (gelu, interp) = {
            let is_output = |n: &str| out_names.contains(n);
            let scalar = |n: &str| self.scalar(n, producer, nodes);
            let w = Wiring {
                nodes,
                producer,
                consumers,
                is_output: &is_output,
                scalar: &scalar,
            };
            let value = |n: &str| self.values.get(n).cloned();
            let act_shape = |n: &str| match self.values.get(n) {
                Some(Value::Act(id)) => Some(self.g.tensors[*id].shape.clone()),
                _ => None,
            };
            match op_type {
                "Erf" => (patterns::match_erf_gelu(&w, i), None),
                _ => (None, lerp::match_lerp(&w, i, &value, &act_shape)),
            }
        };
        if let Some(m) = gelu {
            if let Some(Value::Act(x)) = self.values.get(&m.x).cloned() {
                let shape = self.g.tensors[x].shape.clone();
                let op = Op::Unary(UnaryOp::Gelu { tanh: false });
                self.compute((&n.name, "Erf"), &m.out, op, vec![x], shape)?;
                absorbed.extend(m.absorbed);
                return Ok(true);
            }
        }
        // Dynamo's linear interpolation: the Add's output is a Resize of `x`; the
        // nodes before it, converted already, are dropped with the dead code.
        if let Some(m) = interp {
            if let Some(Value::Act(x)) = self.values.get(&m.x).cloned() {
                let mut shape = self.g.tensors[x].shape.clone();
                let mut scales = vec![1.0; shape.len()];
                if let (Some(d), Some(s)) = (shape.last_mut(), scales.last_mut()) {
                    (*d, *s) = (m.axis.output, m.axis.scale);
                }
                let op = Op::Resize(ResizeAttrs {
                    mode: Interp::Linear,
                    coord: m.axis.coord,
                    scales,
                    roi: Vec::new(),
                });
                self.compute((&n.name, "Add"), &m.out, op, vec![x], shape)?;
                return Ok(true);
            }
        }
        Ok(false)
    }
}
