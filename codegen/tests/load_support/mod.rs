//! Test-only builder for small ONNX models, shared by the `load_*` tests.
#![allow(dead_code)]

use std::path::Path;

use tinymtl_codegen::ir::{Graph, Node, Tensor};
use tinymtl_codegen::load::onnx::attribute_proto::AttributeType;
use tinymtl_codegen::load::onnx::tensor_proto::DataType;
use tinymtl_codegen::load::onnx::tensor_shape_proto::{dimension, Dimension};
use tinymtl_codegen::load::onnx::type_proto;
use tinymtl_codegen::load::onnx::{
    AttributeProto, FunctionProto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto,
    TensorProto, TensorShapeProto, TypeProto, ValueInfoProto,
};
use tinymtl_codegen::load::{encode_model, load_bytes};
use tinymtl_codegen::{Error, Result};

/// The file name every in-memory test model is loaded as.
pub const FILE: &str = "test_model.onnx";

/// A declared dimension.
#[derive(Clone, Copy, Debug)]
pub enum Dim {
    /// `dim_value`
    V(i64),
    /// `dim_param`
    P(&'static str),
    /// neither set
    Missing,
}

/// Builds a model: one graph, default-domain opset `opset`.
pub struct M {
    pub model: ModelProto,
}

pub fn dims_v(d: &[i64]) -> Vec<Dim> {
    d.iter().map(|&v| Dim::V(v)).collect()
}

pub fn value_info(name: &str, elem: DataType, dims: Option<&[Dim]>) -> ValueInfoProto {
    let shape = dims.map(|ds| TensorShapeProto {
        dim: ds
            .iter()
            .map(|d| Dimension {
                denotation: None,
                value: match d {
                    Dim::V(v) => Some(dimension::Value::DimValue(*v)),
                    Dim::P(p) => Some(dimension::Value::DimParam(p.to_string())),
                    Dim::Missing => None,
                },
            })
            .collect(),
    });
    ValueInfoProto {
        name: Some(name.to_string()),
        r#type: Some(TypeProto {
            denotation: None,
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(elem as i32),
                shape,
            })),
        }),
        ..Default::default()
    }
}

pub fn tensor_f32(name: &str, dims: &[i64], data: &[f32]) -> TensorProto {
    TensorProto {
        name: Some(name.to_string()),
        dims: dims.to_vec(),
        data_type: Some(DataType::Float as i32),
        float_data: data.to_vec(),
        ..Default::default()
    }
}

pub fn tensor_f32_raw(name: &str, dims: &[i64], data: &[f32]) -> TensorProto {
    TensorProto {
        name: Some(name.to_string()),
        dims: dims.to_vec(),
        data_type: Some(DataType::Float as i32),
        raw_data: Some(data.iter().flat_map(|x| x.to_le_bytes()).collect()),
        ..Default::default()
    }
}

pub fn tensor_i64(name: &str, dims: &[i64], data: &[i64]) -> TensorProto {
    TensorProto {
        name: Some(name.to_string()),
        dims: dims.to_vec(),
        data_type: Some(DataType::Int64 as i32),
        int64_data: data.to_vec(),
        ..Default::default()
    }
}

fn attr(name: &str, ty: AttributeType) -> AttributeProto {
    AttributeProto {
        name: Some(name.to_string()),
        r#type: Some(ty as i32),
        ..Default::default()
    }
}

/// INT attribute.
pub fn ai(name: &str, v: i64) -> AttributeProto {
    AttributeProto {
        i: Some(v),
        ..attr(name, AttributeType::Int)
    }
}

/// FLOAT attribute.
pub fn af(name: &str, v: f32) -> AttributeProto {
    AttributeProto {
        f: Some(v),
        ..attr(name, AttributeType::Float)
    }
}

/// INTS attribute.
pub fn ais(name: &str, v: &[i64]) -> AttributeProto {
    AttributeProto {
        ints: v.to_vec(),
        ..attr(name, AttributeType::Ints)
    }
}

/// FLOATS attribute.
pub fn afs(name: &str, v: &[f32]) -> AttributeProto {
    AttributeProto {
        floats: v.to_vec(),
        ..attr(name, AttributeType::Floats)
    }
}

/// STRING attribute.
pub fn as_(name: &str, v: &str) -> AttributeProto {
    AttributeProto {
        s: Some(v.as_bytes().to_vec()),
        ..attr(name, AttributeType::String)
    }
}

/// TENSOR attribute.
pub fn at(name: &str, t: TensorProto) -> AttributeProto {
    AttributeProto {
        t: Some(t),
        ..attr(name, AttributeType::Tensor)
    }
}

pub fn node(
    name: &str,
    op: &str,
    inputs: &[&str],
    outputs: &[&str],
    attrs: Vec<AttributeProto>,
) -> NodeProto {
    NodeProto {
        name: Some(name.to_string()),
        op_type: Some(op.to_string()),
        input: inputs.iter().map(|s| s.to_string()).collect(),
        output: outputs.iter().map(|s| s.to_string()).collect(),
        attribute: attrs,
        ..Default::default()
    }
}

impl M {
    pub fn new(opset: i64) -> M {
        M {
            model: ModelProto {
                ir_version: Some(8),
                producer_name: Some("tinymtl-tests".into()),
                opset_import: vec![OperatorSetIdProto {
                    domain: Some(String::new()),
                    version: Some(opset),
                }],
                graph: Some(GraphProto {
                    name: Some("g".into()),
                    ..Default::default()
                }),
                ..Default::default()
            },
        }
    }

    pub fn graph(&mut self) -> &mut GraphProto {
        self.model.graph.as_mut().unwrap()
    }

    /// A float32 input with static dims.
    pub fn input(mut self, name: &str, dims: &[i64]) -> M {
        self.graph()
            .input
            .push(value_info(name, DataType::Float, Some(&dims_v(dims))));
        self
    }

    /// An input with any type and dims.
    pub fn input_vi(mut self, vi: ValueInfoProto) -> M {
        self.graph().input.push(vi);
        self
    }

    /// An output without declared type.
    pub fn output(mut self, name: &str) -> M {
        self.graph().output.push(ValueInfoProto {
            name: Some(name.to_string()),
            ..Default::default()
        });
        self
    }

    /// A float output with declared dims.
    pub fn output_dims(mut self, name: &str, dims: &[Dim]) -> M {
        self.graph()
            .output
            .push(value_info(name, DataType::Float, Some(dims)));
        self
    }

    pub fn value_info(mut self, vi: ValueInfoProto) -> M {
        self.graph().value_info.push(vi);
        self
    }

    pub fn init(mut self, t: TensorProto) -> M {
        self.graph().initializer.push(t);
        self
    }

    pub fn init_f32(self, name: &str, dims: &[i64], data: &[f32]) -> M {
        self.init(tensor_f32(name, dims, data))
    }

    /// A float initializer filled with `0.0, 0.1, 0.2...` (size from dims).
    pub fn weights(self, name: &str, dims: &[i64]) -> M {
        let n: i64 = dims.iter().product();
        let data: Vec<f32> = (0..n).map(|i| i as f32 * 0.1).collect();
        self.init(tensor_f32(name, dims, &data))
    }

    pub fn init_i64(self, name: &str, dims: &[i64], data: &[i64]) -> M {
        self.init(tensor_i64(name, dims, data))
    }

    pub fn node_proto(mut self, n: NodeProto) -> M {
        self.graph().node.push(n);
        self
    }

    /// A node named `name` (use `""` for an unnamed node).
    pub fn n(
        self,
        name: &str,
        op: &str,
        inputs: &[&str],
        outputs: &[&str],
        attrs: Vec<AttributeProto>,
    ) -> M {
        self.node_proto(node(name, op, inputs, outputs, attrs))
    }

    pub fn opset_import(mut self, domain: &str, version: i64) -> M {
        self.model.opset_import.push(OperatorSetIdProto {
            domain: Some(domain.to_string()),
            version: Some(version),
        });
        self
    }

    pub fn function(mut self, f: FunctionProto) -> M {
        self.model.functions.push(f);
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        encode_model(&self.model)
    }

    /// Loads the model from memory as [`FILE`].
    pub fn load(&self) -> Result<Graph> {
        load_bytes(&self.bytes(), Path::new(FILE))
    }

    /// Loads the model as if it were stored at `path` (for external data).
    pub fn load_at(&self, path: &Path) -> Result<Graph> {
        load_bytes(&self.bytes(), path)
    }

    #[track_caller]
    pub fn ok(&self) -> Graph {
        match self.load() {
            Ok(g) => g,
            Err(e) => panic!("load failed: {e}"),
        }
    }

    #[track_caller]
    pub fn err(&self) -> Error {
        match self.load() {
            Ok(g) => panic!("load unexpectedly succeeded: {g:#?}"),
            Err(e) => e,
        }
    }
}

/// Asserts the error's message names the file and every given fragment.
#[track_caller]
pub fn assert_err(e: &Error, parts: &[&str]) {
    let msg = e.to_string();
    if std::env::var_os("TINYMTL_SHOW_ERRORS").is_some() {
        eprintln!("{msg}");
    }
    assert!(msg.contains(FILE), "message does not name the file: {msg}");
    for p in parts {
        assert!(msg.contains(p), "message lacks '{p}': {msg}");
    }
}

/// Asserts the error names the file, node and op.
#[track_caller]
pub fn assert_node_err(e: &Error, node: &str, op: &str, parts: &[&str]) {
    assert_eq!(e.node.as_deref(), Some(node), "node of {e}");
    assert_eq!(e.op.as_deref(), Some(op), "op of {e}");
    assert_err(e, parts);
}

pub fn tensor<'g>(g: &'g Graph, name: &str) -> &'g Tensor {
    g.tensors
        .iter()
        .find(|t| t.name == name)
        .unwrap_or_else(|| panic!("no tensor '{name}' in {:#?}", g.tensors))
}

pub fn node_named<'g>(g: &'g Graph, name: &str) -> &'g Node {
    g.nodes
        .iter()
        .find(|n| n.name == name)
        .unwrap_or_else(|| panic!("no node '{name}' in {:#?}", g.nodes))
}

/// The single node of the graph.
#[track_caller]
pub fn only_node(g: &Graph) -> &Node {
    assert_eq!(g.nodes.len(), 1, "nodes: {:#?}", g.nodes);
    &g.nodes[0]
}

/// Shape of the graph output `i`.
pub fn out_shape(g: &Graph, i: usize) -> Vec<usize> {
    g.tensors[g.outputs[i]].shape.clone()
}

/// Input tensor names of a node.
pub fn input_names(g: &Graph, n: &Node) -> Vec<String> {
    n.inputs
        .iter()
        .map(|&i| g.tensors[i].name.clone())
        .collect()
}
