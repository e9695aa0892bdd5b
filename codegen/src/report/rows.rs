//! What both reports show, computed once from a [`Compiled`] model: the inputs and
//! heads, the parts with their costs, each head's cost alone, the arena and its
//! buffers, and the steps with the ONNX nodes they implement. The text report
//! (`report::text`) and the HTML page (`report::html`) only lay these rows out.
//!
//! Names are kept as they are in the model: each report escapes them its own way.
//! Arena sizes and offsets are in f32 elements, as in [`crate::passes::plan`].

use crate::ir::program::Source;
use crate::passes::cost::PartCost;
use crate::passes::partition::Kind;
use crate::Generated;

/// A graph input or a head's output.
pub struct Tensor {
    /// Name in the model.
    pub name: String,
    /// Static shape.
    pub shape: Vec<usize>,
    /// Number of elements.
    pub numel: usize,
    /// For a graph input: copied into the arena (read outside the trunk).
    pub in_arena: bool,
}

/// A segment: the trunk, a shared branch or a head's own part.
pub struct Part {
    /// Trunk, branch or head.
    pub kind: Kind,
    /// Its function in the generated code (`trunk`, `branch_..`, `head_..`).
    pub fn_name: String,
    /// Heads served (bit i = head i).
    pub heads: u64,
    /// Parameters, weight bytes and MACs.
    pub cost: PartCost,
    /// Number of steps.
    pub steps: usize,
}

impl Part {
    /// Whether it serves head `h`.
    pub fn serves(&self, h: usize) -> bool {
        self.heads & (1 << h) != 0
    }
}

/// An arena buffer.
pub struct Buffer {
    /// Names of the tensors stored in it (the first one, then those written in place).
    pub tensors: Vec<String>,
    /// Part whose step writes it; `None` for a graph input copied into the arena.
    pub part: Option<usize>,
    /// Length in f32 elements.
    pub len: usize,
    /// Offset in the arena, in f32 elements.
    pub offset: usize,
    /// First schedule position it is live at.
    pub start: usize,
    /// Last schedule position it is live at (inclusive).
    pub end: usize,
}

/// A step of the schedule.
pub struct Step {
    /// Part it belongs to.
    pub part: usize,
    /// Kernel label (`dense`, `conv1d`, ...).
    pub kernel: &'static str,
    /// Whether it writes over one of its arguments.
    pub in_place: bool,
    /// Name of its output tensor.
    pub out: String,
    /// Shape of its output.
    pub shape: Vec<usize>,
    /// The ONNX nodes it implements, `(name, op_type)`.
    pub nodes: Vec<(String, String)>,
}

/// Everything the reports show.
pub struct Rows {
    /// Graph name.
    pub name: String,
    /// Graph inputs, in order.
    pub inputs: Vec<Tensor>,
    /// Heads (graph outputs), in order.
    pub heads: Vec<Tensor>,
    /// Parts in execution order (`parts[0]` is the trunk, possibly empty).
    pub parts: Vec<Part>,
    /// Cost of the whole model.
    pub total: PartCost,
    /// Steps of the whole program.
    pub total_steps: usize,
    /// Per head: running it alone (trunk + its branches + its own part).
    pub alone: Vec<PartCost>,
    /// Arena length in f32 elements.
    pub arena_len: usize,
    /// Largest simultaneously live set, in f32 elements.
    pub peak_live: usize,
    /// Arena buffers, in plan order.
    pub buffers: Vec<Buffer>,
    /// Steps in execution order (trunk, branches, heads).
    pub steps: Vec<Step>,
    /// Compiler warnings.
    pub warnings: Vec<String>,
}

impl Rows {
    /// The rows of a generated model.
    pub fn of(g: &Generated) -> Rows {
        let c = &g.compiled;
        let p = &c.program;
        let fn_names = g.names.segments.clone();
        let tensor = |v: usize, in_arena: bool| Tensor {
            name: p.values[v].name.clone(),
            shape: p.values[v].shape.clone(),
            numel: p.values[v].numel(),
            in_arena,
        };
        let inputs = p
            .inputs
            .iter()
            .enumerate()
            .map(|(i, &v)| tensor(v, c.plan.input_in_arena.get(i) == Some(&true)))
            .collect();
        let heads: Vec<Tensor> = p.outputs.iter().map(|&v| tensor(v, false)).collect();
        let parts = c
            .parts
            .segments
            .iter()
            .zip(fn_names)
            .enumerate()
            .map(|(si, (seg, fn_name))| Part {
                kind: seg.kind,
                fn_name,
                heads: seg.heads,
                cost: c.cost.parts[si],
                steps: seg.steps.len(),
            })
            .collect();
        let alone = (0..heads.len())
            .map(|h| c.cost.head_alone(&c.parts, h))
            .collect();
        let mut writer = vec![None; p.values.len()];
        for (i, st) in p.steps.iter().enumerate() {
            writer[st.out] = Some(c.parts.step_segment[i]);
        }
        let buffers = c
            .plan
            .buffers
            .iter()
            .map(|b| Buffer {
                tensors: b.values.iter().map(|&v| p.values[v].name.clone()).collect(),
                part: match b.values.first() {
                    Some(&v) if !matches!(p.values[v].source, Source::Input(_)) => writer[v],
                    _ => None,
                },
                len: b.len,
                offset: b.offset,
                start: b.start,
                end: b.end,
            })
            .collect();
        let steps = c
            .parts
            .schedule()
            .into_iter()
            .map(|st| {
                let step = &p.steps[st];
                Step {
                    part: c.parts.step_segment[st],
                    kernel: step.kernel.label(),
                    in_place: c.plan.in_place[st].is_some(),
                    out: p.values[step.out].name.clone(),
                    shape: p.values[step.out].shape.clone(),
                    nodes: step.nodes.clone(),
                }
            })
            .collect();
        Rows {
            name: p.name.clone(),
            inputs,
            heads,
            parts,
            total: c.cost.total,
            total_steps: p.steps.len(),
            alone,
            arena_len: c.plan.arena_len,
            peak_live: c.plan.peak_live,
            buffers,
            steps,
            warnings: c.warnings.clone(),
        }
    }
}
