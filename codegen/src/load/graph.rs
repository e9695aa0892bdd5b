//! The conversion driver: names and wiring checks, dead-code removal, topological
//! order, graph inputs, node-by-node conversion, outputs and declared-shape checks.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};
use std::path::Path;
use std::rc::Rc;

use super::graph_builder::GraphBuilder;
use super::inline::{self, FlatNode};
use super::lerp;
use super::node::NodeCtx;
use super::onnx::{ModelProto, TensorProto, ValueInfoProto};
use super::ops::{self, Outcome};
use super::patterns::{self, Wiring};
use super::proto::{self, DeclDim};
use super::validate;
use super::value::{DType, Value};
use crate::error::{Error, Result};
use crate::ir::{shape, Graph, Interp, Node, Op, ResizeAttrs, TensorId, TensorKind, UnaryOp};

/// Highest activation rank accepted: the rank the runtime's movement and
/// broadcasting kernels handle.
pub const MAX_RANK: usize = tinymtl_runtime::kernels::movement::MAX_RANK;

/// Converts a decoded model (errors are not yet tagged with the file).
pub(crate) fn convert(
    model: &ModelProto,
    path: &Path,
    shapes: &[(String, Vec<usize>)],
) -> Result<Graph> {
    let opset = proto::default_opset(&model.opset_import)?.ok_or_else(|| {
        Error::new(
            "the model imports no default-domain (ai.onnx) opset; opset 11 or newer is required",
        )
    })?;
    let graph = model.graph.as_ref().expect("checked by decode");
    if graph.output.is_empty() {
        crate::bail!("the graph has no outputs");
    }
    let nodes = inline::flatten(model, opset)?;

    // Names: initializers, graph inputs, node outputs must not collide.
    let mut inits: HashMap<&str, &TensorProto> = HashMap::new();
    for t in &graph.initializer {
        if inits.insert(t.name(), t).is_some() {
            return Err(Error::new("initializer name is used twice").on_tensor(t.name()));
        }
    }
    let sparse: HashSet<&str> = graph
        .sparse_initializer
        .iter()
        .filter_map(|s| s.values.as_ref().map(|v| v.name()))
        .collect();
    let mut input_names: HashSet<&str> = HashSet::new();
    for vi in &graph.input {
        if !input_names.insert(vi.name()) {
            return Err(Error::new("graph input name is used twice").on_tensor(vi.name()));
        }
    }
    let mut producer: HashMap<&str, usize> = HashMap::new();
    for (i, n) in nodes.iter().enumerate() {
        for o in n.proto.output.iter().filter(|o| !o.is_empty()) {
            let clash = if let Some(&j) = producer.get(o.as_str()) {
                Some(format!("is also produced by node '{}'", nodes[j].name))
            } else if inits.contains_key(o.as_str()) || sparse.contains(o.as_str()) {
                Some("is also an initializer".to_string())
            } else if input_names.contains(o.as_str()) {
                Some("is also a graph input".to_string())
            } else {
                None
            };
            if let Some(why) = clash {
                return Err(
                    Error::new(format!("output '{o}' {why}; tensor names must be unique"))
                        .at_node(&n.name, n.proto.op_type())
                        .on_tensor(o),
                );
            }
            producer.insert(o, i);
        }
    }
    let known = |name: &str| {
        producer.contains_key(name)
            || inits.contains_key(name)
            || sparse.contains(name)
            || input_names.contains(name)
    };
    for n in &nodes {
        for i in n.proto.input.iter().filter(|i| !i.is_empty()) {
            if !known(i) {
                return Err(Error::new(format!(
                    "input '{i}' is not produced by any node, graph input or initializer"
                ))
                .at_node(&n.name, n.proto.op_type())
                .on_tensor(i));
            }
        }
    }
    let mut out_names: HashSet<&str> = HashSet::new();
    for o in &graph.output {
        if o.name().is_empty() {
            crate::bail!("a graph output has an empty name");
        }
        if !out_names.insert(o.name()) {
            return Err(
                Error::new("graph output name appears twice; output names must be unique")
                    .on_tensor(o.name()),
            );
        }
        if !known(o.name()) {
            return Err(Error::new(
                "graph output is not produced by any node, graph input or initializer",
            )
            .on_tensor(o.name()));
        }
    }

    // Live nodes: those the outputs depend on. Other nodes are dropped unchecked.
    let mut live = vec![false; nodes.len()];
    let mut used: HashSet<&str> = out_names.clone();
    let mut stack: Vec<&str> = out_names.iter().copied().collect();
    while let Some(name) = stack.pop() {
        if let Some(&p) = producer.get(name) {
            if !std::mem::replace(&mut live[p], true) {
                for i in nodes[p].proto.input.iter().filter(|i| !i.is_empty()) {
                    used.insert(i);
                    stack.push(i);
                }
            }
        }
    }
    let order = topo_order(&nodes, &live, &producer)?;
    validate::check_nodes(&nodes, &order)?;
    let mut consumers: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, n) in nodes.iter().enumerate().filter(|(i, _)| live[*i]) {
        for inp in n.proto.input.iter().filter(|s| !s.is_empty()) {
            consumers.entry(inp.as_str()).or_default().push(i);
        }
    }

    let mut cv = Converter {
        path,
        g: GraphBuilder::default(),
        values: HashMap::new(),
        inits,
        sparse,
        inputs: Vec::new(),
    };
    for (name, _) in shapes {
        let is_input = graph
            .input
            .iter()
            .any(|vi| vi.name() == name && !cv.inits.contains_key(name.as_str()));
        if !is_input {
            let names: Vec<String> = graph
                .input
                .iter()
                .filter(|vi| !cv.inits.contains_key(vi.name()))
                .map(|vi| format!("'{}'", crate::escape::text(vi.name())))
                .collect();
            return Err(Error::new(format!(
                "--input-shape names no graph input (inputs: {})",
                names.join(", ")
            ))
            .on_tensor(name));
        }
    }
    for vi in &graph.input {
        if cv.inits.contains_key(vi.name()) {
            continue; // an initializer with a declared type: a constant
        }
        let given = shapes
            .iter()
            .find(|(n, _)| n == vi.name())
            .map(|(_, s)| s.as_slice());
        cv.add_input(vi, given)?;
    }
    // Every node is converted even after one fails, so the error lists all the
    // problems at once; nodes fed by a failed one are skipped (their problem, if any,
    // is a consequence).
    let mut absorbed: HashSet<usize> = HashSet::new();
    let mut problems: Vec<Error> = Vec::new();
    let mut failed: HashSet<&str> = HashSet::new();
    for &i in &order {
        if absorbed.contains(&i) {
            continue;
        }
        let n = &nodes[i];
        if n.proto.input.iter().any(|x| failed.contains(x.as_str())) {
            failed.extend(n.proto.output.iter().map(String::as_str));
            continue;
        }
        let op_type = n.proto.op_type();
        if matches!(op_type, "Erf" | "Add") && n.refusal.is_none() {
            let (gelu, interp) = {
                let is_output = |n: &str| out_names.contains(n);
                let scalar = |n: &str| cv.scalar(n, &producer, &nodes);
                let w = Wiring {
                    nodes: &nodes,
                    producer: &producer,
                    consumers: &consumers,
                    is_output: &is_output,
                    scalar: &scalar,
                };
                let value = |n: &str| cv.values.get(n).cloned();
                let act_shape = |n: &str| match cv.values.get(n) {
                    Some(Value::Act(id)) => Some(cv.g.tensors[*id].shape.clone()),
                    _ => None,
                };
                match op_type {
                    "Erf" => (patterns::match_erf_gelu(&w, i), None),
                    _ => (None, lerp::match_lerp(&w, i, &value, &act_shape)),
                }
            };
            if let Some(m) = gelu {
                if let Some(Value::Act(x)) = cv.values.get(&m.x).cloned() {
                    let shape = cv.g.tensors[x].shape.clone();
                    let op = Op::Unary(UnaryOp::Gelu { tanh: false });
                    cv.compute((&n.name, "Erf"), &m.out, op, vec![x], shape)?;
                    absorbed.extend(m.absorbed);
                    continue;
                }
            }
            // Dynamo's linear interpolation: the Add's output is a Resize of `x`; the
            // nodes before it, converted already, are dropped with the dead code.
            if let Some(m) = interp {
                if let Some(Value::Act(x)) = cv.values.get(&m.x).cloned() {
                    let mut shape = cv.g.tensors[x].shape.clone();
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
                    cv.compute((&n.name, "Add"), &m.out, op, vec![x], shape)?;
                    continue;
                }
            }
        }
        if let Err(e) = cv.node(n, &used, &out_names) {
            problems.push(e);
            failed.extend(n.proto.output.iter().map(String::as_str));
        }
    }
    if let Some(e) = Error::grouped(problems) {
        return Err(e);
    }

    // Outputs.
    let mut outputs = Vec::with_capacity(graph.output.len());
    for o in &graph.output {
        let name = o.name();
        // A pending zero pad read by nothing else is materialized.
        let v = cv.value(name)?;
        match cv.g.unpadded(&v) {
            Value::Padded(p) => {
                return Err(Error::new(format!(
                    "graph output comes from Pad node '{}'; Pad is only supported directly \
                     before Conv or AveragePool",
                    p.node
                ))
                .on_tensor(name))
            }
            Value::Const(_) => {
                return Err(Error::new(
                    "graph output is a constant (it does not depend on any graph input); \
                     constant outputs are not supported",
                )
                .on_tensor(name))
            }
            Value::Act(id) => {
                let t = &cv.g.tensors[id];
                if t.kind == TensorKind::Input {
                    return Err(Error::new(
                        "graph output is a graph input passed through unchanged; not supported",
                    )
                    .on_tensor(name));
                }
                if t.name != name {
                    return Err(Error::new(format!(
                        "internal: graph output resolved to tensor '{}'",
                        t.name
                    ))
                    .on_tensor(name));
                }
                outputs.push(id);
            }
        }
    }

    // Declared types and shapes must agree with inference.
    for (vi, is_output) in graph
        .output
        .iter()
        .map(|v| (v, true))
        .chain(graph.value_info.iter().map(|v| (v, false)))
    {
        cv.check_declared(vi, is_output, &producer, &nodes)?;
    }

    let Converter { g, inputs, .. } = cv;
    Ok(finish(graph.name().to_string(), g, inputs, outputs))
}

/// Topological order of the live nodes (file order where free); refuses cycles.
fn topo_order(
    nodes: &[FlatNode],
    live: &[bool],
    producer: &HashMap<&str, usize>,
) -> Result<Vec<usize>> {
    let mut indeg = vec![0usize; nodes.len()];
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); nodes.len()];
    for (i, n) in nodes.iter().enumerate().filter(|(i, _)| live[*i]) {
        for inp in n.proto.input.iter().filter(|s| !s.is_empty()) {
            if let Some(&p) = producer.get(inp.as_str()) {
                succ[p].push(i);
                indeg[i] += 1;
            }
        }
    }
    let mut ready: BinaryHeap<Reverse<usize>> = (0..nodes.len())
        .filter(|&i| live[i] && indeg[i] == 0)
        .map(Reverse)
        .collect();
    let mut order = Vec::new();
    while let Some(Reverse(i)) = ready.pop() {
        order.push(i);
        for &s in &succ[i] {
            indeg[s] -= 1;
            if indeg[s] == 0 {
                ready.push(Reverse(s));
            }
        }
    }
    let n_live = live.iter().filter(|&&l| l).count();
    if order.len() != n_live {
        let stuck: Vec<&FlatNode> = (0..nodes.len())
            .filter(|&i| live[i] && indeg[i] > 0)
            .map(|i| &nodes[i])
            .collect();
        let names: Vec<String> = stuck
            .iter()
            .take(6)
            .map(|n| format!("'{}'", n.name))
            .collect();
        let first = stuck[0];
        return Err(Error::new(format!(
            "the graph has a cycle through nodes {}{}",
            names.join(", "),
            if stuck.len() > 6 { ", ..." } else { "" }
        ))
        .at_node(&first.name, first.proto.op_type()));
    }
    Ok(order)
}

struct Converter<'a> {
    path: &'a Path,
    g: GraphBuilder,
    values: HashMap<String, Value>,
    inits: HashMap<&'a str, &'a TensorProto>,
    sparse: HashSet<&'a str>,
    inputs: Vec<TensorId>,
}

impl Converter<'_> {
    /// The value of a tensor name (initializers are converted on first use).
    fn value(&mut self, name: &str) -> Result<Value> {
        if let Some(v) = self.values.get(name) {
            return Ok(v.clone());
        }
        if let Some(t) = self.inits.get(name) {
            let c = proto::tensor_to_const(t, name, self.path)?;
            let v = Value::Const(Rc::new(c));
            self.values.insert(name.to_string(), v.clone());
            return Ok(v);
        }
        if self.sparse.contains(name) {
            return Err(Error::new("sparse initializers are not supported").on_tensor(name));
        }
        Err(Error::new("internal: tensor has no value yet").on_tensor(name))
    }

    /// The value of `name` if it is a one-element constant: already folded, an
    /// initializer, or the output of a Constant node not converted yet.
    fn scalar(
        &self,
        name: &str,
        producer: &HashMap<&str, usize>,
        nodes: &[FlatNode],
    ) -> Option<f64> {
        let one = |c: &super::value::Const| (c.data.len() == 1).then(|| c.data.get_f64(0));
        match self.values.get(name) {
            Some(Value::Const(c)) => return one(c),
            Some(_) => return None,
            None => {}
        }
        if let Some(t) = self.inits.get(name) {
            if t.dims.iter().product::<i64>() != 1 {
                return None;
            }
            return one(&proto::tensor_to_const(t, name, self.path).ok()?);
        }
        let n = &nodes[*producer.get(name)?].proto;
        if n.op_type() != "Constant" || n.attribute.len() != 1 {
            return None;
        }
        let a = &n.attribute[0];
        match a.name() {
            "value" => one(&proto::tensor_to_const(a.t.as_ref()?, name, self.path).ok()?),
            "value_float" => a.f.map(f64::from),
            "value_int" => a.i.map(|v| v as f64),
            _ => None,
        }
    }

    /// A graph input: float32 with known rank. Its symbolic dims take the sizes
    /// `given` (`--input-shape`); without them a leading symbolic dim (the batch) is 1
    /// and any other symbolic dim is an error naming it and the flag.
    fn add_input(&mut self, vi: &ValueInfoProto, given: Option<&[usize]>) -> Result<()> {
        let name = vi.name();
        let err = |m: String| Error::new(m).on_tensor(name);
        if proto::declares_non_tensor(vi) {
            return Err(err("graph input is not a tensor (sequence, map...); only float32 tensors are supported".into()));
        }
        let Some((dtype, dims)) = proto::declared_type(vi) else {
            return Err(err("graph input has no tensor type".into()));
        };
        if dtype != DType::FLOAT {
            return Err(err(format!(
                "graph input has type {}; only float32 (FLOAT) inputs are supported",
                dtype.name()
            )));
        }
        let Some(dims) = dims else {
            return Err(err(
                "graph input has no shape (unknown rank); a static rank is required".into(),
            ));
        };
        let shape =
            super::inputs::input_shape(name, &dims, &proto::dim_names(vi), given).map_err(err)?;
        if shape.len() > MAX_RANK {
            return Err(err(format!(
                "graph input has rank {} (shape {shape:?}); at most {MAX_RANK} is supported",
                shape.len()
            )));
        }
        if shape::numel(&shape).is_none() {
            return Err(err(format!(
                "element count of shape {shape:?} overflows usize"
            )));
        }
        let id = self.g.add_tensor(name, shape, TensorKind::Input);
        self.inputs.push(id);
        self.values.insert(name.to_string(), Value::Act(id));
        Ok(())
    }

    fn node(
        &mut self,
        n: &FlatNode,
        used: &HashSet<&str>,
        graph_outputs: &HashSet<&str>,
    ) -> Result<()> {
        if let Some(e) = &n.refusal {
            return Err(e.clone());
        }
        let p = &n.proto;
        let op = p.op_type();
        let inputs = p
            .input
            .iter()
            .map(|i| {
                if i.is_empty() {
                    Ok(None)
                } else {
                    self.value(i).map(Some)
                }
            })
            .collect::<Result<Vec<_>>>()
            .map_err(|e| e.at_node(&n.name, op))?;
        let ctx = NodeCtx {
            name: n.name.clone(),
            op,
            opset: n.opset,
            attrs: &p.attribute,
            input_names: &p.input,
            inputs,
            outputs: &p.output,
            model_path: self.path,
        };
        let outcome = ops::convert(&ctx, &mut self.g)?;
        let single = !matches!(
            outcome,
            Outcome::Consts(_) | Outcome::Multi(_) | Outcome::Node { .. }
        );
        if single {
            for (i, o) in p.output.iter().enumerate().skip(1) {
                if !o.is_empty() && used.contains(o.as_str()) {
                    return Err(ctx
                        .err(format!(
                            "output #{i} '{o}' is used, but only the first output of {op} is supported"
                        ))
                        .on_tensor(o));
                }
            }
        }
        let out0 = p.output.first().map_or("", String::as_str);
        match outcome {
            Outcome::Consts(cs) => {
                for (c, o) in cs.into_iter().zip(&p.output) {
                    if !o.is_empty() {
                        self.values.insert(o.clone(), Value::Const(Rc::new(c)));
                    }
                }
            }
            Outcome::Alias(v) => {
                if out0.is_empty() {
                    return Ok(());
                }
                match v {
                    Value::Act(id) if graph_outputs.contains(out0) => {
                        // Keep the output's ONNX name: a copy with the same shape.
                        let shape = self.g.tensors[id].shape.clone();
                        self.compute((&ctx.name, op), out0, Op::Reshape, vec![id], shape)?;
                    }
                    v => {
                        self.values.insert(out0.to_string(), v);
                    }
                }
            }
            Outcome::Multi(parts) => {
                for ((o, inputs, shape), out) in parts.into_iter().zip(&p.output) {
                    if !out.is_empty() {
                        self.compute((&ctx.name, op), out, o, inputs, shape)?;
                    }
                }
            }
            Outcome::Node {
                op: o,
                inputs,
                shapes,
            } => {
                let mut outs = Vec::new();
                for (name, shape) in p.output.iter().zip(shapes) {
                    if let Some(shape) = shape {
                        check_shape((&ctx.name, op), &shape)?;
                        outs.push(self.g.add_tensor(name, shape, TensorKind::Activation));
                    }
                }
                for (&id, name) in outs.iter().zip(p.output.iter().filter(|o| !o.is_empty())) {
                    self.values.insert(name.clone(), Value::Act(id));
                }
                self.g.nodes.push(Node {
                    name: ctx.name.clone(),
                    op_type: op.to_string(),
                    op: o,
                    inputs,
                    outputs: outs,
                });
            }
            Outcome::Compute {
                op: o,
                inputs,
                shape,
            } => {
                if out0.is_empty() {
                    return Err(ctx.err("the first output has no name"));
                }
                self.compute((&ctx.name, op), out0, o, inputs, shape)?;
            }
        }
        Ok(())
    }

    fn compute(
        &mut self,
        at: (&str, &str),
        out: &str,
        op: Op,
        inputs: Vec<TensorId>,
        shape: Vec<usize>,
    ) -> Result<()> {
        let (name, op_type) = at;
        check_shape(at, &shape)?;
        let id = self.g.add_tensor(out, shape, TensorKind::Activation);
        self.g.nodes.push(Node {
            name: name.to_string(),
            op_type: op_type.to_string(),
            op,
            inputs,
            outputs: vec![id],
        });
        self.values.insert(out.to_string(), Value::Act(id));
        Ok(())
    }

    /// A declared type/shape (graph output or value_info) must match inference;
    /// symbolic dims match anything.
    fn check_declared(
        &self,
        vi: &ValueInfoProto,
        is_output: bool,
        producer: &HashMap<&str, usize>,
        nodes: &[FlatNode],
    ) -> Result<()> {
        let name = vi.name();
        let Some(v) = self.values.get(name) else {
            return Ok(()); // dead code or never computed
        };
        let locate = |e: Error| match producer.get(name) {
            Some(&p) => e
                .at_node(&nodes[p].name, nodes[p].proto.op_type())
                .on_tensor(name),
            None => e.on_tensor(name),
        };
        if is_output && proto::declares_non_tensor(vi) {
            return Err(locate(Error::new(
                "graph output is not a tensor; only float tensors are supported",
            )));
        }
        let Some((dtype, dims)) = proto::declared_type(vi) else {
            return Ok(());
        };
        if is_output && dtype.0 != 0 && !dtype.is_float() {
            return Err(locate(Error::new(format!(
                "graph output has type {}; only float outputs are supported",
                dtype.name()
            ))));
        }
        let Some(dims) = dims else {
            return Ok(());
        };
        let actual = self.g.shape_of(v);
        let agrees = dims.len() == actual.len()
            && dims
                .iter()
                .zip(&actual)
                .all(|(d, &a)| d.is_none_or(|d| d == a));
        if !agrees {
            return Err(locate(Error::new(format!(
                "the file declares shape {} but inference gives {actual:?} (with the batch dim 1 and symbolic dims as --input-shape gives them)",
                fmt_dims(&dims)
            ))));
        }
        Ok(())
    }
}

fn fmt_dims(dims: &[DeclDim]) -> String {
    let parts: Vec<String> = dims
        .iter()
        .map(|d| d.map_or("?".to_string(), |d| d.to_string()))
        .collect();
    format!("[{}]", parts.join(", "))
}

/// Drops nodes no output depends on (e.g. whose only consumer was a folded Shape)
/// and the tensors nothing refers to, renumbering tensor ids.
fn finish(name: String, b: GraphBuilder, inputs: Vec<TensorId>, outputs: Vec<TensorId>) -> Graph {
    let mut needed = vec![false; b.tensors.len()];
    for &o in &outputs {
        needed[o] = true;
    }
    let mut keep = vec![false; b.nodes.len()];
    for (i, n) in b.nodes.iter().enumerate().rev() {
        if n.outputs.iter().any(|&o| needed[o]) {
            keep[i] = true;
            // Every output of a kept node stays (LSTM's unread `Y_h`, `Y_c`).
            for &t in n.inputs.iter().chain(&n.outputs) {
                needed[t] = true;
            }
        }
    }
    for &i in &inputs {
        needed[i] = true;
    }
    let mut remap = vec![usize::MAX; b.tensors.len()];
    let mut tensors = Vec::new();
    for (i, t) in b.tensors.into_iter().enumerate() {
        if needed[i] {
            remap[i] = tensors.len();
            tensors.push(t);
        }
    }
    let nodes = b
        .nodes
        .into_iter()
        .zip(keep)
        .filter(|(_, k)| *k)
        .map(|(mut n, _)| {
            n.inputs.iter_mut().for_each(|t| *t = remap[*t]);
            n.outputs.iter_mut().for_each(|t| *t = remap[*t]);
            n
        })
        .collect();
    Graph {
        name,
        tensors,
        nodes,
        inputs: inputs.iter().map(|&i| remap[i]).collect(),
        outputs: outputs.iter().map(|&o| remap[o]).collect(),
    }
}

/// Refuses an output shape of too high a rank, with no element, or too many to count.
fn check_shape(at: (&str, &str), shape: &[usize]) -> Result<()> {
    let err = |m: String| Error::new(m).at_node(at.0, at.1);
    if shape.len() > MAX_RANK {
        return Err(err(format!(
            "output shape {shape:?} has rank {}; at most {MAX_RANK} is supported",
            shape.len()
        )));
    }
    match shape::numel(shape) {
        None => Err(err(format!(
            "element count of output shape {shape:?} overflows usize"
        ))),
        Some(0) => Err(err(format!(
            "output shape {shape:?} is empty (a zero dimension)"
        ))),
        Some(_) => Ok(()),
    }
}
