//! The emitter under hostile names, shared by the property test (`emit_names.rs`)
//! and the `emit_names` fuzz target (which includes this file by path).
//!
//! One fixed multi-task model (two inputs, an Add, a Dense whose weight goes to the
//! blob, a branch shared by two heads, four heads) is built with names, doc strings,
//! graph name and file name chosen by the caller, and again with plain names. Both
//! are emitted; [`check`] requires that the hostile module parses, holds no control or
//! bidi character and no comment delimiter from the model, and has exactly the token
//! structure of the plain one: every token came from the emitter, none from a name.
#![allow(dead_code)]

use proc_macro2::{Delimiter, TokenStream, TokenTree};
use std::str::FromStr;
use tinymtl_codegen::emit::{self, Module, SourceInfo};
use tinymtl_codegen::load::onnx::tensor_proto::DataType;
use tinymtl_codegen::load::onnx::tensor_shape_proto::{dimension, Dimension};
use tinymtl_codegen::load::onnx::{
    type_proto, GraphProto, ModelProto, NodeProto, OperatorSetIdProto, TensorProto,
    TensorShapeProto, TypeProto, ValueInfoProto,
};
use tinymtl_codegen::{load, passes};

/// Every string of the model a user could have written.
#[derive(Clone, Debug)]
pub struct Names {
    /// Graph inputs (2).
    pub inputs: Vec<String>,
    /// Graph outputs, the heads (4).
    pub outputs: Vec<String>,
    /// Node names (6; may be empty: the loader names them).
    pub nodes: Vec<String>,
    /// Intermediate tensors (3).
    pub values: Vec<String>,
    /// The weight initializer.
    pub weight: String,
    /// Graph name, graph and model doc strings, producer.
    pub graph: String,
    /// Doc string (model, graph and every node).
    pub doc: String,
    /// The model's file name.
    pub file: String,
}

/// Counts of each kind of name, for generators.
pub const N_INPUTS: usize = 2;
pub const N_OUTPUTS: usize = 4;
pub const N_NODES: usize = 6;
pub const N_VALUES: usize = 3;
/// Strings a [`Names`] takes from a flat list, in field order.
pub const N_STRINGS: usize = N_INPUTS + N_OUTPUTS + N_NODES + N_VALUES + 4;

impl Names {
    /// From a flat list of [`N_STRINGS`] strings (missing ones empty). Tensor names
    /// must be non-empty and distinct for the model to be valid: an empty one becomes
    /// `"_"`, and a repeat gets `#k` appended (still whatever the caller chose).
    pub fn from_strings(mut s: Vec<String>) -> Names {
        s.resize(N_STRINGS, String::new());
        let mut it = s.into_iter();
        let mut take = |n: usize| (&mut it).take(n).collect::<Vec<_>>();
        let inputs = take(N_INPUTS);
        let outputs = take(N_OUTPUTS);
        let nodes = take(N_NODES);
        let values = take(N_VALUES);
        let rest = take(4);
        let mut n = Names {
            inputs,
            outputs,
            nodes,
            values,
            weight: rest[0].clone(),
            graph: rest[1].clone(),
            doc: rest[2].clone(),
            file: rest[3].clone(),
        };
        let mut seen = std::collections::HashSet::new();
        let tensors = n
            .inputs
            .iter_mut()
            .chain(n.outputs.iter_mut())
            .chain(n.values.iter_mut())
            .chain(std::iter::once(&mut n.weight));
        for (k, t) in tensors.enumerate() {
            if t.is_empty() {
                t.push('_');
            }
            if !seen.insert(t.clone()) {
                t.push_str(&format!("#{k}"));
                seen.insert(t.clone());
            }
        }
        n
    }

    /// The same model with plain names.
    pub fn plain() -> Names {
        let s = (0..N_STRINGS).map(|i| format!("t{i}")).collect();
        Names::from_strings(s)
    }
}

fn vi(name: &str, dims: &[i64]) -> ValueInfoProto {
    ValueInfoProto {
        name: Some(name.into()),
        r#type: Some(TypeProto {
            denotation: None,
            value: Some(type_proto::Value::TensorType(type_proto::Tensor {
                elem_type: Some(DataType::Float as i32),
                shape: Some(TensorShapeProto {
                    dim: dims
                        .iter()
                        .map(|&d| Dimension {
                            denotation: None,
                            value: Some(dimension::Value::DimValue(d)),
                        })
                        .collect(),
                }),
            })),
        }),
        ..Default::default()
    }
}

/// Width of the Dense layer: 4 x 300 weights, above `emit::INLINE_MAX`, so the blob
/// path is exercised too.
const WIDTH: i64 = 300;

/// The model: `s = i0 + i1`; `o0 = relu(s @ W)`; `o1 = sigmoid(s)`; a branch
/// `b = relu(s)` shared by `o2 = tanh(b)` and `o3 = sigmoid(b)`.
pub fn model(n: &Names) -> ModelProto {
    let (i, o, v, nd) = (&n.inputs, &n.outputs, &n.values, &n.nodes);
    let node = |k: usize, op: &str, ins: &[&str], out: &str| NodeProto {
        name: Some(nd[k].clone()),
        op_type: Some(op.into()),
        input: ins.iter().map(|s| s.to_string()).collect(),
        output: vec![out.to_string()],
        doc_string: Some(n.doc.clone()),
        ..Default::default()
    };
    let w: Vec<f32> = (0..4 * WIDTH)
        .map(|k| ((k * 37 % 101) as f32 - 50.0) / 64.0)
        .collect();
    ModelProto {
        ir_version: Some(8),
        producer_name: Some(n.graph.clone()),
        doc_string: Some(n.doc.clone()),
        opset_import: vec![OperatorSetIdProto {
            domain: Some(String::new()),
            version: Some(17),
        }],
        graph: Some(GraphProto {
            name: Some(n.graph.clone()),
            doc_string: Some(n.doc.clone()),
            node: vec![
                node(0, "Add", &[&i[0], &i[1]], &v[0]),
                node(1, "MatMul", &[&v[0], &n.weight], &v[1]),
                node(2, "Relu", &[&v[1]], &o[0]),
                node(3, "Sigmoid", &[&v[0]], &o[1]),
                node(4, "Relu", &[&v[0]], &v[2]),
                node(5, "Tanh", &[&v[2]], &o[2]),
                NodeProto {
                    name: Some(format!("{}.", nd[5])),
                    ..node(5, "Sigmoid", &[&v[2]], &o[3])
                },
            ],
            input: i.iter().map(|s| vi(s, &[1, 4])).collect(),
            output: vec![
                vi(&o[0], &[1, WIDTH]),
                vi(&o[1], &[1, 4]),
                vi(&o[2], &[1, 4]),
                vi(&o[3], &[1, 4]),
            ],
            initializer: vec![TensorProto {
                name: Some(n.weight.clone()),
                dims: vec![4, WIDTH],
                data_type: Some(DataType::Float as i32),
                float_data: w,
                ..Default::default()
            }],
            ..Default::default()
        }),
        ..Default::default()
    }
}

/// The model's bytes, loaded, compiled and emitted as the Builder does.
pub fn emit_model(n: &Names) -> Result<Module, String> {
    let bytes = load::encode_model(&model(n));
    let path = std::path::Path::new("/nonexistent-tinymtl").join(&n.file);
    let g = load::load_bytes(&bytes, &path).map_err(|e| format!("load: {e}"))?;
    let c = passes::compile(&g, &passes::Options::default()).map_err(|e| format!("{e}"))?;
    let src = SourceInfo {
        file_name: n.file.clone(),
        sha256: tinymtl_codegen::escape::sha256_hex(&bytes),
        module_name: "m".into(),
    };
    emit::emit(&c, &src).map_err(|e| format!("emit: {e}"))
}

/// The token structure of Rust source: punctuation and delimiters as themselves,
/// every identifier `I`, every literal `L` (comments are not tokens; doc comments are
/// `#[doc = L]`). Two choices the formatter makes by line length (so by the length of
/// identifiers) are normalised away: commas, which it adds after the last item of a
/// wrapped list, and the braces it puts around a long match arm (`=> { expr }`).
/// Neither can carry injected code: every other token must match.
pub fn token_shape(code: &str) -> Result<Vec<String>, String> {
    fn walk(ts: TokenStream, out: &mut Vec<String>) {
        let mut after_arrow = false;
        let mut prev_eq = false;
        for t in ts {
            let arrow = after_arrow;
            after_arrow = false;
            match t {
                TokenTree::Group(g) if arrow && g.delimiter() == Delimiter::Brace => {
                    walk(g.stream(), out);
                }
                TokenTree::Group(g) => {
                    out.push(format!("{:?}(", g.delimiter()));
                    walk(g.stream(), out);
                    out.push(")".into());
                }
                TokenTree::Ident(_) => out.push("I".into()),
                TokenTree::Punct(p) if p.as_char() == ',' => {}
                TokenTree::Punct(p) => {
                    after_arrow = prev_eq && p.as_char() == '>';
                    out.push(p.as_char().to_string());
                }
                TokenTree::Literal(_) => out.push("L".into()),
            }
            prev_eq = out.last().is_some_and(|l| l == "=");
        }
    }
    let ts = TokenStream::from_str(code).map_err(|e| format!("does not tokenize: {e}"))?;
    let mut out = Vec::new();
    walk(ts, &mut out);
    Ok(out)
}

/// The plain-named model's module and token structure, made once.
fn plain() -> Result<&'static (Module, Vec<String>), String> {
    static PLAIN: std::sync::OnceLock<Result<(Module, Vec<String>), String>> =
        std::sync::OnceLock::new();
    PLAIN
        .get_or_init(|| {
            let m = emit_model(&Names::plain())?;
            let shape = token_shape(&m.code)?;
            Ok((m, shape))
        })
        .as_ref()
        .map_err(Clone::clone)
}

/// The emitter's guarantees for `n` (see the module doc); `Err` says which broke.
pub fn check(n: &Names) -> Result<(), String> {
    let m = emit_model(n)?;
    let code = &m.code;
    syn::parse_file(code).map_err(|e| format!("does not parse: {e}\n{code}"))?;
    if let Some(c) = code.chars().find(|&c| {
        (c.is_control() && c != '\n')
            || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}' | '\u{2028}' | '\u{2029}')
    }) {
        return Err(format!("holds {c:?}"));
    }
    // Comments (every one is a whole line) never hold a block-comment delimiter; a
    // string literal may hold anything, escaped by the token printer.
    if let Some(l) = code
        .lines()
        .find(|l| l.trim_start().starts_with("//") && (l.contains("/*") || l.contains("*/")))
    {
        return Err(format!("a comment holds a block-comment delimiter: {l}"));
    }
    let plain = plain()?;
    let (a, b) = (token_shape(code)?, plain.1.as_slice());
    if a != b {
        let at = a
            .iter()
            .zip(b)
            .position(|(x, y)| x != y)
            .unwrap_or(a.len().min(b.len()));
        let around = |v: &[String]| v[at.saturating_sub(12)..(at + 4).min(v.len())].join(" ");

        return Err(format!(
            "token structure differs from the plain-named model at token {at} ({} vs {} \
             tokens): `{}` vs `{}`",
            a.len(),
            b.len(),
            around(&a),
            around(b)
        ));
    }
    if m.weights.as_ref().map(|w| &w.1) != plain.0.weights.as_ref().map(|w| &w.1) {
        return Err("the weight blob differs from the plain-named model's".into());
    }
    Ok(())
}
