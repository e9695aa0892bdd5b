//! Passes on hand-built graphs: partition into trunk / branches / heads, the arena
//! plan's validity and size, epilogue fusion, and emission.

use tinymtl_codegen::ir::program::{Arg, Kernel};
use tinymtl_codegen::ir::{BinaryOp, Graph, Node, Op, Tensor, TensorKind, UnaryOp};
use tinymtl_codegen::passes::partition::Kind;
use tinymtl_codegen::passes::{compile, Compiled, Options};

/// A tiny graph builder: dense layers and unary ops on 2-D activations.
struct G {
    g: Graph,
    seed: u32,
}

impl G {
    fn new(inputs: &[(&str, Vec<usize>)]) -> Self {
        let mut g = Graph {
            name: "t".into(),
            tensors: vec![],
            nodes: vec![],
            inputs: vec![],
            outputs: vec![],
        };
        for (n, s) in inputs {
            g.tensors.push(Tensor {
                name: n.to_string(),
                shape: s.clone(),
                kind: TensorKind::Input,
            });
            g.inputs.push(g.tensors.len() - 1);
        }
        G { g, seed: 1 }
    }

    fn konst(&mut self, shape: Vec<usize>) -> usize {
        let n: usize = shape.iter().product();
        let data = (0..n)
            .map(|_| {
                self.seed = self.seed.wrapping_mul(1_103_515_245).wrapping_add(12345);
                ((self.seed >> 16) % 200) as f32 / 100.0 - 1.0
            })
            .collect();
        let name = format!("w{}", self.g.tensors.len());
        self.g.tensors.push(Tensor {
            name,
            shape,
            kind: TensorKind::Const(data),
        });
        self.g.tensors.len() - 1
    }

    fn node(&mut self, op: Op, inputs: Vec<usize>, shape: Vec<usize>) -> usize {
        let name = format!("n{}", self.g.nodes.len());
        self.g.tensors.push(Tensor {
            name: format!("{name}_out"),
            shape,
            kind: TensorKind::Activation,
        });
        let out = self.g.tensors.len() - 1;
        self.g.nodes.push(Node {
            name,
            op_type: format!("{op:?}")
                .split([' ', '(', '{'])
                .next()
                .unwrap()
                .into(),
            op,
            inputs,
            outputs: vec![out],
        });
        out
    }

    fn dense(&mut self, x: usize, n: usize) -> usize {
        let k = self.g.tensors[x].shape[1];
        let w = self.konst(vec![n, k]);
        let b = self.konst(vec![n]);
        self.node(
            Op::Gemm {
                alpha: 1.0,
                beta: 1.0,
                trans_a: false,
                trans_b: true,
            },
            vec![x, w, b],
            vec![1, n],
        )
    }

    fn unary(&mut self, x: usize, u: UnaryOp) -> usize {
        let s = self.g.tensors[x].shape.clone();
        self.node(Op::Unary(u), vec![x], s)
    }

    fn output(&mut self, t: usize, name: &str) {
        self.g.tensors[t].name = name.into();
        self.g.outputs.push(t);
    }

    fn compile(&self) -> Compiled {
        compile(&self.g, &Options::default()).expect("compiles")
    }
}

/// Trunk -> {head a} and a branch shared by {b, c}.
fn three_heads() -> G {
    let mut g = G::new(&[("x", vec![1, 16])]);
    let h = g.dense(0, 32);
    let h = g.unary(h, UnaryOp::Relu);
    let a = g.dense(h, 4);
    let a = g.node(
        Op::Softmax {
            axis: 1,
            log: false,
        },
        vec![a],
        vec![1, 4],
    );
    g.output(a, "activity");
    let br = g.dense(h, 24);
    let br = g.unary(br, UnaryOp::Tanh);
    let b = g.dense(br, 2);
    g.output(b, "fall");
    let c = g.dense(br, 1);
    let c = g.unary(c, UnaryOp::Sigmoid);
    g.output(c, "cadence");
    g
}

/// Checks that buffers live at the same time never overlap and every step's output
/// is disjoint from its inputs unless it runs in place on that input.
fn assert_plan_valid(c: &Compiled) {
    let b = &c.plan.buffers;
    for i in 0..b.len() {
        for j in i + 1..b.len() {
            let time = b[i].start <= b[j].end && b[j].start <= b[i].end;
            let space =
                b[i].offset < b[j].offset + b[j].len && b[j].offset < b[i].offset + b[i].len;
            assert!(
                !(time && space),
                "buffers {i} and {j} overlap: {:?} {:?}",
                b[i],
                b[j]
            );
        }
        assert!(b[i].offset + b[i].len <= c.plan.arena_len);
    }
    let p = &c.program;
    for (s, step) in p.steps.iter().enumerate() {
        if c.parts.step_segment[s] == usize::MAX {
            continue; // no head needs it (a model cut to some heads)
        }
        let out = c.plan.offset[step.out].expect("outputs are in the arena");
        for (i, a) in step.args.iter().enumerate() {
            if let (Arg::Value(v), Some(off)) = (
                a,
                c.plan
                    .offset
                    .get(match a {
                        Arg::Value(v) => *v,
                        _ => 0,
                    })
                    .copied()
                    .flatten(),
            ) {
                if c.plan.in_place[s] == Some(i) {
                    assert_eq!(off, out);
                } else {
                    let disjoint = off + p.values[*v].numel() <= out
                        || out + p.values[step.out].numel() <= off;
                    assert!(disjoint, "step {s} reads {v} overlapping its output");
                }
            }
        }
    }
    assert!(c.plan.arena_len >= c.plan.peak_live);
}

#[test]
fn partitions_trunk_branch_and_heads() {
    let c = three_heads().compile();
    let segs = &c.parts.segments;
    assert_eq!(segs[0].kind, Kind::Trunk);
    // dense+relu fused: one trunk step.
    assert_eq!(segs[0].steps.len(), 1);
    let branches: Vec<_> = c.parts.branches().collect();
    assert_eq!(branches.len(), 1);
    assert_eq!(branches[0].1.heads, 0b110);
    assert_eq!(branches[0].1.steps.len(), 1, "dense + tanh fused");
    assert_eq!(c.parts.branches_of(0), Vec::<usize>::new());
    assert_eq!(c.parts.branches_of(1), vec![branches[0].0]);
    // Head costs: trunk 16*32, branch 32*24, heads 32*4, 24*2, 24*1.
    assert_eq!(c.cost.parts[0].macs, 16 * 32);
    assert_eq!(
        c.cost.head_alone(&c.parts, 1).macs,
        16 * 32 + 32 * 24 + 24 * 2
    );
    assert_eq!(c.cost.total.macs, 16 * 32 + 32 * 24 + 32 * 4 + 24 * 2 + 24);
    assert_plan_valid(&c);
}

#[test]
fn a_subset_of_heads_is_planned_and_costed_as_its_own_model() {
    let c = three_heads().compile();
    // Head 0 alone: the trunk becomes everything head 0 needs; the branch drops out.
    let one = c.with_heads(&[0]);
    assert_eq!(one.program.outputs, [c.program.outputs[0]]);
    assert_eq!(one.cost.total, c.cost.head_alone(&c.parts, 0));
    assert!(one.parts.branches().next().is_none());
    assert!(one.plan.arena_len <= c.plan.arena_len);
    assert_plan_valid(&one);
    // Heads 1 and 2: their shared branch becomes their trunk.
    let two = c.with_heads(&[1, 2]);
    assert_eq!(two.cost.total.macs, c.cost.total.macs - 32 * 4);
    assert_eq!(two.parts.segments[0].steps.len(), 2);
    assert_plan_valid(&two);
    // All heads: the same plan.
    assert_eq!(c.with_heads(&[0, 1, 2]).plan, c.plan);
}

#[test]
fn features_survive_between_heads() {
    // The trunk's output and the branch's output are read by later segments: they
    // must be live for the whole schedule, not reused by a head's temporaries.
    let c = three_heads().compile();
    let p = &c.program;
    let trunk_out = p.steps[c.parts.segments[0].steps[0]].out;
    let buf = c
        .plan
        .buffers
        .iter()
        .find(|b| b.values.contains(&trunk_out))
        .unwrap();
    assert_eq!((buf.start, buf.end), (0, p.steps.len() - 1));
}

#[test]
fn fuses_bias_batchnorm_and_activation_into_dense() {
    let mut g = G::new(&[("x", vec![1, 8])]);
    let w = g.konst(vec![8, 6]);
    let h = g.node(Op::MatMul, vec![0, w], vec![1, 6]);
    let b = g.konst(vec![6]);
    let h = g.node(Op::Binary(BinaryOp::Add), vec![h, b], vec![1, 6]);
    let (s, t, m) = (g.konst(vec![6]), g.konst(vec![6]), g.konst(vec![6]));
    let v = g.konst(vec![6]);
    if let TensorKind::Const(d) = &mut g.g.tensors[v].kind {
        d.iter_mut().for_each(|x| *x = x.abs() + 0.5);
    }
    let h = g.node(
        Op::BatchNorm { epsilon: 1e-5 },
        vec![h, s, t, m, v],
        vec![1, 6],
    );
    let h = g.unary(h, UnaryOp::Relu);
    g.output(h, "y");
    let c = g.compile();
    assert_eq!(c.program.steps.len(), 1, "{:#?}", c.program.steps);
    let Kernel::Dense { post, .. } = &c.program.steps[0].kernel else {
        panic!()
    };
    assert!(post.scale.is_some() && post.shift.is_some());
    assert_eq!(post.act, Some(UnaryOp::Relu));
    assert_eq!(c.program.steps[0].nodes.len(), 4);
}

#[test]
fn elementwise_chains_run_in_place_and_the_arena_meets_the_liveness_bound() {
    let mut g = G::new(&[("x", vec![1, 64])]);
    let mut h = g.dense(0, 64);
    for u in [UnaryOp::Sigmoid, UnaryOp::Tanh, UnaryOp::Sqrt] {
        let w = g.konst(vec![1, 64]);
        h = g.node(Op::Binary(BinaryOp::Mul), vec![h, w], vec![1, 64]);
        h = g.unary(h, u);
    }
    let a = g.dense(h, 10);
    g.output(a, "a");
    let b = g.dense(h, 3);
    g.output(b, "b");
    let c = g.compile();
    // Mul + Sigmoid after the dense layer fuse into it; the other four steps run in place.
    assert_eq!(
        c.plan.in_place.iter().filter(|p| p.is_some()).count(),
        4,
        "{:?}",
        c.plan.in_place
    );
    assert_plan_valid(&c);
    assert_eq!(c.plan.arena_len, c.plan.peak_live);
}

#[test]
fn arena_equals_peak_liveness_on_varied_graphs() {
    for width in [3usize, 16, 50] {
        let mut g = three_heads();
        // A wider and deeper extra head.
        let x = g.g.outputs[0];
        let mut t = x;
        for i in 0..4 {
            t = g.dense(t, width + i);
            t = g.unary(t, UnaryOp::Elu { alpha: 1.0 });
        }
        g.output(t, "extra");
        let c = g.compile();
        assert_plan_valid(&c);
        assert_eq!(c.plan.arena_len, c.plan.peak_live, "width {width}");
    }
}

#[test]
fn emission_is_deterministic_formatted_and_labelled() {
    let c = three_heads().compile();
    let src = tinymtl_codegen::emit::SourceInfo {
        file_name: "t.onnx".into(),
        sha256: "00".into(),
        module_name: "t".into(),
    };
    let a = tinymtl_codegen::emit::emit(&c, &src).expect("emits").code;
    let b = tinymtl_codegen::emit::emit(&three_heads().compile(), &src)
        .expect("emits")
        .code;
    assert_eq!(a, b);
    assert!(a.starts_with("// @generated by tinymtl"));
    syn::parse_file(&a).expect("valid Rust");
    for needle in [
        "pub fn activity(&mut self) -> OutputActivity",
        "pub const MACS_TRUNK: u64 = 512;",
        "fn branch_fall_cadence(",
        "pub const CADENCE: Heads",
    ] {
        assert!(a.contains(needle), "missing {needle}:\n{a}");
    }
}

#[test]
fn a_computed_rank_0_operand_broadcasts() {
    // [3] ^ [] with both computed (ONNX test_pow_bcast_scalar): the scalar is one value
    // read for every output, never zipped with the 3-vector.
    let mut g = G::new(&[("x", vec![3]), ("e", vec![])]);
    let y = g.node(Op::Binary(BinaryOp::Pow), vec![0, 1], vec![3]);
    g.output(y, "y");
    let c = g.compile();
    let step = c
        .program
        .steps
        .iter()
        .find(|s| matches!(s.kernel, Kernel::Binary { .. }))
        .expect("a binary step");
    let Kernel::Binary { bcast, .. } = &step.kernel else {
        unreachable!()
    };
    let b = bcast.as_ref().expect("broadcast, not a plain zip");
    assert_eq!(b.b.iter().sum::<usize>(), 0, "{b:?}");
}

/// Non-adjacent reduced axes lower to one kernel call per run of consecutive axes,
/// each on the previous call's output.
#[test]
fn a_reduction_over_non_adjacent_axes_is_a_chain_of_runs() {
    use tinymtl_codegen::ir::program::{ReduceOp, ReduceShape};
    let mut g = G::new(&[("x", vec![2, 3, 4, 5])]);
    let y = g.node(
        Op::Reduce {
            op: ReduceOp::L2,
            axes: vec![0, 2, 3],
            keepdims: false,
        },
        vec![0],
        vec![3],
    );
    g.output(y, "y");
    let c = g.compile();
    let kernels: Vec<&Kernel> = c.program.steps.iter().map(|s| &s.kernel).collect();
    let shape = |outer, reduced, inner| ReduceShape {
        outer,
        reduced,
        inner,
    };
    assert_eq!(
        kernels,
        [
            &Kernel::Reduce(ReduceOp::L2, shape(1, 2, 60)),
            &Kernel::Reduce(ReduceOp::L2, shape(3, 20, 1)),
        ]
    );
    assert_plan_valid(&c);
}

#[test]
fn pointwise_ops_are_not_fused_and_emit_pointwise_calls() {
    for u in [UnaryOp::Exp, UnaryOp::Softplus, UnaryOp::Mish] {
        let mut g = G::new(&[("x", vec![1, 8])]);
        let w = g.konst(vec![8, 6]);
        let h = g.node(Op::MatMul, vec![0, w], vec![1, 6]);
        let h = g.unary(h, u);
        g.output(h, "y");
        let c = g.compile();
        assert_eq!(c.program.steps.len(), 2, "{u:?}: {:#?}", c.program.steps);
        let Kernel::Dense { post, .. } = &c.program.steps[0].kernel else {
            panic!()
        };
        assert_eq!(post.act, None, "{u:?}");
        let src = tinymtl_codegen::emit::SourceInfo {
            file_name: "t.onnx".into(),
            sha256: "00".into(),
            module_name: "t".into(),
        };
        let code = tinymtl_codegen::emit::emit(&c, &src).expect("emits").code;
        let call = format!("pointwise::Pointwise::{u:?}");
        assert!(code.contains(&call), "{u:?}: no {call} in\n{code}");
    }
}
