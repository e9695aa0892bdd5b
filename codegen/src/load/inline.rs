//! Flattens the graph's node list: resolves node names and per-node opsets, checks
//! domains, and inlines calls to the model's local functions (`ModelProto.functions`).

use std::collections::HashMap;

use prost::Message as _;

use super::onnx::{AttributeProto, FunctionProto, ModelProto, NodeProto};
use super::proto::{default_opset, is_default_domain};
use crate::error::{Error, Result};

/// Deepest nesting of function calls that is inlined.
const MAX_DEPTH: usize = 32;

/// Most nodes the flattened graph may have, counting each local function call once
/// besides the nodes of its body. Checked while inlining, so calls that nest and
/// repeat (a function calling the next one twice, 30 deep, would give 2^30 nodes)
/// stop at the limit in time and memory proportional to it.
pub const MAX_NODES: usize = 100_000;

/// Most bytes (encoded node size plus node name) that inlining may produce from
/// function bodies: a body with a large Constant called many times, or long names
/// repeated at every nesting level, would otherwise multiply the file's size.
pub const MAX_INLINED_BYTES: usize = 1 << 30;

/// A default-domain node ready for conversion.
pub(crate) struct FlatNode {
    pub proto: NodeProto,
    /// Node name: the ONNX name or `<OpType>_<index>`; inside an inlined function,
    /// prefixed with the call's name and `/`.
    pub name: String,
    /// Default-domain opset in force (the function's own import inside a function).
    pub opset: i64,
    /// Set for a node of an unsupported domain: raised only if the node is live.
    pub refusal: Option<Error>,
}

/// Key of a local function: domain, name, overload.
type FnKey<'a> = (&'a str, &'a str, &'a str);

struct Inliner<'a> {
    functions: HashMap<FnKey<'a>, &'a FunctionProto>,
    out: Vec<FlatNode>,
    /// Nodes seen so far (graph and function bodies, calls included).
    seen: usize,
    /// Bytes produced from function bodies so far.
    inlined_bytes: usize,
}

/// Flattens the graph's nodes (the model has a graph: checked by the decoder).
pub(crate) fn flatten(model: &ModelProto, opset: i64) -> Result<Vec<FlatNode>> {
    let graph = model.graph.as_ref().expect("checked by decode");
    let mut inl = Inliner {
        functions: model
            .functions
            .iter()
            .map(|f| ((f.domain(), f.name(), f.overload()), f))
            .collect(),
        out: Vec::with_capacity(graph.node.len().min(MAX_NODES)),
        seen: 0,
        inlined_bytes: 0,
    };
    inl.expand(graph.node.clone(), opset, "", 0)?;
    Ok(inl.out)
}

impl<'a> Inliner<'a> {
    /// Counts one node (of the graph at `depth` 0, else of an inlined body) against
    /// [`MAX_NODES`] and [`MAX_INLINED_BYTES`].
    fn count(&mut self, node: &NodeProto, name: &str, depth: usize) -> Result<()> {
        self.seen += 1;
        if self.seen > MAX_NODES {
            crate::bail!(
                "the graph has more than {MAX_NODES} nodes once local functions are inlined \
                 (function calls counted); refused (limit MAX_NODES = {MAX_NODES})"
            );
        }
        if depth > 0 {
            self.inlined_bytes += node.encoded_len() + name.len();
            if self.inlined_bytes > MAX_INLINED_BYTES {
                crate::bail!(
                    "inlining local functions gives more than {MAX_INLINED_BYTES} bytes of \
                     nodes (large constants or long names in function bodies called many \
                     times); refused (limit MAX_INLINED_BYTES)"
                );
            }
        }
        Ok(())
    }

    fn expand(
        &mut self,
        nodes: Vec<NodeProto>,
        opset: i64,
        prefix: &str,
        depth: usize,
    ) -> Result<()> {
        for (i, node) in nodes.into_iter().enumerate() {
            let base = if node.name().is_empty() {
                format!("{}_{i}", node.op_type())
            } else {
                node.name().to_string()
            };
            let name = format!("{prefix}{base}");
            self.count(&node, &name, depth)?;
            if is_default_domain(node.domain()) {
                self.out.push(FlatNode {
                    proto: node,
                    name,
                    opset,
                    refusal: None,
                });
                continue;
            }
            let key = (node.domain(), node.op_type(), node.overload());
            let Some(&f) = self.functions.get(&key) else {
                let refusal = Error::new(format!(
                    "domain '{}' is not supported: only default-domain (ai.onnx) ops and local \
                     functions defined in the model are accepted (custom or contrib ops cannot \
                     be compiled)",
                    node.domain()
                ))
                .at_node(&name, node.op_type());
                self.out.push(FlatNode {
                    proto: node,
                    name,
                    opset,
                    refusal: Some(refusal),
                });
                continue;
            };
            if depth >= MAX_DEPTH {
                return Err(Error::new(format!(
                    "local function calls nest deeper than {MAX_DEPTH} levels (recursive function?)"
                ))
                .at_node(&name, node.op_type()));
            }
            let f_opset = default_opset(&f.opset_import)
                .map_err(|e| e.at_node(&name, node.op_type()))?
                .unwrap_or(opset);
            let body = instantiate(f, &node, &name);
            self.expand(body, f_opset, &format!("{name}/"), depth + 1)?;
        }
        Ok(())
    }
}

/// The function body with values renamed for this call and attribute references
/// substituted.
fn instantiate(f: &FunctionProto, call: &NodeProto, call_name: &str) -> Vec<NodeProto> {
    let mut rename: HashMap<&str, String> = HashMap::new();
    for (i, formal) in f.input.iter().enumerate() {
        rename.insert(formal, call.input.get(i).cloned().unwrap_or_default());
    }
    for (i, formal) in f.output.iter().enumerate() {
        let actual = call.output.get(i).cloned().unwrap_or_default();
        let actual = if actual.is_empty() {
            format!("{call_name}::{formal}")
        } else {
            actual
        };
        rename.insert(formal, actual);
    }
    let map = |n: &String| -> String {
        if n.is_empty() {
            String::new()
        } else {
            rename
                .get(n.as_str())
                .cloned()
                .unwrap_or_else(|| format!("{call_name}::{n}"))
        }
    };
    f.node
        .iter()
        .map(|n| {
            let mut n = n.clone();
            n.input = n.input.iter().map(map).collect();
            n.output = n.output.iter().map(map).collect();
            n.attribute = n
                .attribute
                .iter()
                .filter_map(|a| substitute(a, call, f))
                .collect();
            n
        })
        .collect()
}

/// Resolves an attribute reference (`ref_attr_name`) from the call, then from the
/// function's defaults; an unresolved reference drops the attribute.
fn substitute(a: &AttributeProto, call: &NodeProto, f: &FunctionProto) -> Option<AttributeProto> {
    let Some(r) = a.ref_attr_name.as_deref().filter(|r| !r.is_empty()) else {
        return Some(a.clone());
    };
    let src = call
        .attribute
        .iter()
        .find(|c| c.name() == r)
        .or_else(|| f.attribute_proto.iter().find(|d| d.name() == r))?;
    let mut out = src.clone();
    out.name = a.name.clone();
    out.ref_attr_name = None;
    Some(out)
}
