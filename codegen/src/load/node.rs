//! One ONNX node being converted: its name, op, opset, typed attribute access and
//! resolved inputs, with errors that name the node and op.

use std::path::Path;
use std::rc::Rc;

use super::onnx::attribute_proto::AttributeType;
use super::onnx::{AttributeProto, TensorProto};
use super::value::{Const, Value};
use crate::error::{Error, Result};

/// A node with its inputs resolved to [`Value`]s.
pub(crate) struct NodeCtx<'a> {
    /// ONNX node name, or `<OpType>_<index>`.
    pub name: String,
    pub op: &'a str,
    /// Default-domain opset version in force for this node.
    pub opset: i64,
    pub attrs: &'a [AttributeProto],
    /// Input names as in the file (`""` for an absent optional input).
    pub input_names: &'a [String],
    /// Resolved inputs, one per slot (`None` for an absent optional input).
    pub inputs: Vec<Option<Value>>,
    /// Output names as in the file.
    pub outputs: &'a [String],
    /// The model file (for external data of Constant tensors).
    pub model_path: &'a Path,
}

impl NodeCtx<'_> {
    /// An error located at this node.
    pub fn err(&self, msg: impl Into<String>) -> Error {
        Error::new(msg).at_node(&self.name, self.op)
    }

    /// Refuses attributes other than `known` (an unknown attribute could change the
    /// meaning of the op).
    pub fn check_attrs(&self, known: &[&str]) -> Result<()> {
        for a in self.attrs {
            if !known.contains(&a.name()) {
                let list = if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                };
                return Err(self.err(format!(
                    "attribute '{}' is not supported for {} (supported: {list})",
                    a.name(),
                    self.op
                )));
            }
        }
        Ok(())
    }

    fn attr(&self, name: &str, want: AttributeType) -> Result<Option<&AttributeProto>> {
        // Each name appears at most once: duplicates are refused before translation.
        let Some(a) = self.attrs.iter().find(|a| a.name() == name) else {
            return Ok(None);
        };
        let got = attr_type(a);
        if got != want {
            return Err(self.err(format!(
                "attribute '{name}' has type {}, expected {}",
                got.as_str_name(),
                want.as_str_name()
            )));
        }
        Ok(Some(a))
    }

    /// An INT attribute.
    pub fn int(&self, name: &str) -> Result<Option<i64>> {
        Ok(self.attr(name, AttributeType::Int)?.map(|a| a.i()))
    }

    /// An INT attribute with a default.
    pub fn int_or(&self, name: &str, default: i64) -> Result<i64> {
        Ok(self.int(name)?.unwrap_or(default))
    }

    /// A FLOAT attribute with a default.
    pub fn float_or(&self, name: &str, default: f32) -> Result<f32> {
        Ok(self
            .attr(name, AttributeType::Float)?
            .map_or(default, |a| a.f()))
    }

    /// An INTS attribute.
    pub fn ints(&self, name: &str) -> Result<Option<Vec<i64>>> {
        Ok(self
            .attr(name, AttributeType::Ints)?
            .map(|a| a.ints.clone()))
    }

    /// A FLOATS attribute.
    pub fn floats(&self, name: &str) -> Result<Option<Vec<f32>>> {
        Ok(self
            .attr(name, AttributeType::Floats)?
            .map(|a| a.floats.clone()))
    }

    /// A STRING attribute (UTF-8).
    pub fn string(&self, name: &str) -> Result<Option<String>> {
        match self.attr(name, AttributeType::String)? {
            None => Ok(None),
            Some(a) => String::from_utf8(a.s().to_vec())
                .map(Some)
                .map_err(|_| self.err(format!("attribute '{name}' is not valid UTF-8"))),
        }
    }

    /// A STRINGS attribute (each UTF-8).
    pub fn strings(&self, name: &str) -> Result<Option<Vec<String>>> {
        let Some(a) = self.attr(name, AttributeType::Strings)? else {
            return Ok(None);
        };
        a.strings
            .iter()
            .map(|b| {
                String::from_utf8(b.clone())
                    .map_err(|_| self.err(format!("attribute '{name}' is not valid UTF-8")))
            })
            .collect::<Result<Vec<_>>>()
            .map(Some)
    }

    /// A TENSOR attribute.
    pub fn tensor(&self, name: &str) -> Result<Option<&TensorProto>> {
        Ok(self
            .attr(name, AttributeType::Tensor)?
            .and_then(|a| a.t.as_ref()))
    }

    /// Whether attribute `name` is present (any type).
    pub fn has_attr(&self, name: &str) -> bool {
        self.attrs.iter().any(|a| a.name() == name)
    }

    /// Input in `slot`, `None` if absent.
    pub fn input(&self, slot: usize) -> Option<&Value> {
        self.inputs.get(slot).and_then(Option::as_ref)
    }

    /// Input in `slot`, which must be present.
    pub fn req(&self, slot: usize) -> Result<&Value> {
        self.input(slot)
            .ok_or_else(|| self.err(format!("required input #{slot} is missing")))
    }

    /// Name of the input in `slot` (for messages).
    pub fn input_name(&self, slot: usize) -> &str {
        self.input_names.get(slot).map_or("", String::as_str)
    }

    /// Input in `slot` as a constant: `None` if absent, an error if it is computed
    /// at run time. `what` says what the input is for (in the message).
    pub fn const_input(&self, slot: usize, what: &str) -> Result<Option<&Rc<Const>>> {
        match self.input(slot) {
            None => Ok(None),
            Some(Value::Const(c)) => Ok(Some(c)),
            Some(Value::Act(_) | Value::Padded(_)) => Err(self
                .err(format!(
                    "input #{slot} '{}' ({what}) must be a constant (after folding), but it is \
                     computed at run time",
                    self.input_name(slot)
                ))
                .on_tensor(self.input_name(slot))),
        }
    }

    /// Number of non-empty output names.
    pub fn n_outputs(&self) -> usize {
        self.outputs.iter().filter(|o| !o.is_empty()).count()
    }

    /// Whether every present input is a constant.
    pub fn all_const(&self) -> bool {
        self.inputs
            .iter()
            .flatten()
            .all(|v| matches!(v, Value::Const(_)))
    }
}

/// The attribute's type, from its `type` field or, for old writers that omit it,
/// from the field that is set.
fn attr_type(a: &AttributeProto) -> AttributeType {
    if let Some(t) = a.r#type.and_then(|t| AttributeType::try_from(t).ok()) {
        if t != AttributeType::Undefined {
            return t;
        }
    }
    if a.f.is_some() {
        AttributeType::Float
    } else if a.i.is_some() {
        AttributeType::Int
    } else if a.s.is_some() {
        AttributeType::String
    } else if a.t.is_some() {
        AttributeType::Tensor
    } else if a.g.is_some() {
        AttributeType::Graph
    } else if !a.floats.is_empty() {
        AttributeType::Floats
    } else if !a.ints.is_empty() {
        AttributeType::Ints
    } else if !a.strings.is_empty() {
        AttributeType::Strings
    } else {
        AttributeType::Undefined
    }
}
