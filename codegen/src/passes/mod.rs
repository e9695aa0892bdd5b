//! From the typed graph to a plan the emitter prints:
//!
//! 1. [`lower`]: each IR node becomes a runtime kernel call ([`crate::ir::program::Step`]);
//!    constants are validated and rounded to f16 once, here ([`consts`]).
//! 2. [`fuse`]: bias adds, BatchNorm and activations after a dense or convolution
//!    kernel move into its epilogue.
//! 3. [`partition`]: steps are grouped by the set of heads they feed: the trunk (all
//!    heads), shared branches (some), and each head's own part.
//! 4. [`plan`]: every activation gets an arena offset by liveness; elementwise steps
//!    run in place where their input dies.
//! 5. [`cost`]: parameters, weight bytes and MACs per part.

pub mod consts;
pub mod cost;
pub mod fuse;
pub mod lower;
pub mod partition;
pub mod plan;
pub mod state;

use crate::ir::program::Program;
use crate::ir::Graph;
use crate::Result;

/// Options that change what the passes accept.
#[derive(Clone, Debug, Default)]
pub struct Options {
    /// Clamp weights beyond f16's range (±65504) instead of refusing them.
    pub saturate: bool,
}

/// Everything the emitter and reports need about one model.
#[derive(Clone, Debug)]
pub struct Compiled {
    /// Kernel steps, constants and values.
    pub program: Program,
    /// Trunk, branches and heads.
    pub parts: partition::Partition,
    /// Arena offsets.
    pub plan: plan::Plan,
    /// Costs per part.
    pub cost: cost::Cost,
    /// Things the user should know (saturated or flushed weights).
    pub warnings: Vec<String>,
}

impl Compiled {
    /// Which constants some step reads (fusion leaves some unread).
    pub fn used_consts(&self) -> Vec<bool> {
        let mut used = vec![false; self.program.consts.len()];
        for s in &self.program.steps {
            for c in cost::consts_of(&s.kernel, &s.args) {
                used[c] = true;
            }
        }
        used
    }

    /// The model as if its graph had only the outputs `keep` (head indices, in the
    /// order given): the same kernel steps partitioned again, the arena planned again
    /// (steps no kept head needs drop out) and the costs counted again. What a model
    /// exported with only those heads takes, within fusion: epilogues were fused
    /// with every head present, which a smaller model can only improve on. Used by
    /// the fit report to say which heads alone would fit a board.
    pub fn with_heads(&self, keep: &[usize]) -> Compiled {
        let mut program = self.program.clone();
        program.outputs = keep.iter().map(|&h| self.program.outputs[h]).collect();
        let parts = partition::partition(&program);
        let plan = plan::plan(&program, &parts);
        let cost = cost::cost(&program, &parts);
        Compiled {
            program,
            parts,
            plan,
            cost,
            warnings: self.warnings.clone(),
        }
    }
}

/// Most heads a model may have: the generated `Heads` set is one bit per head in a
/// `u64`, and the partition keeps a head mask of the same width.
pub const MAX_HEADS: usize = 64;

/// Runs every pass.
pub fn compile(graph: &Graph, opts: &Options) -> Result<Compiled> {
    if graph.outputs.len() > MAX_HEADS {
        crate::bail!(
            "the model has {} outputs; tinymtl supports at most {MAX_HEADS} heads (one bit \
             each in the generated `Heads` set)",
            graph.outputs.len()
        );
    }
    let mut warnings = Vec::new();
    let mut program = lower::lower(graph, opts, &mut warnings)?;
    fuse::fuse(&mut program);
    let parts = partition::partition(&program);
    let plan = plan::plan(&program, &parts);
    let cost = cost::cost(&program, &parts);
    Ok(Compiled {
        program,
        parts,
        plan,
        cost,
        warnings,
    })
}
