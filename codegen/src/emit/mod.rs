//! The compiled model -> one formatted, `@generated` Rust module.
//!
//! Code is built as tokens (`quote`), printed with `prettyplease`, and then two
//! markers are expanded in the text: per-step comments naming the ONNX nodes, and
//! weight arrays (16 values per line, so large models stay readable and diffable).

pub mod glue;
mod markers;
pub mod names;
mod shapes;
mod steps;
mod weights;

use crate::escape::{self, code_span};
use crate::passes::partition::Kind;
use crate::passes::Compiled;
use markers::{expand_markers, Markers};
use names::heads_in;
pub use names::{names, Names};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::{format_ident, quote};

/// Where the model came from, for the `@generated` header.
#[derive(Clone, Debug)]
pub struct SourceInfo {
    /// File name of the model.
    pub file_name: String,
    /// SHA-256 of the model file, hex.
    pub sha256: String,
    /// File stem of the module being written (`har` for `har.rs`): its weight blob, if
    /// it has one, is `<module_name>.weights.bin` beside it.
    pub module_name: String,
}

/// A generated module: the Rust source and, when some tensor is larger than
/// [`INLINE_MAX`] values, the weight blob its `include_bytes!` names.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Module {
    /// The module's source text.
    pub code: String,
    /// File name (no folder) and bytes of the weight blob, to be written beside the
    /// module's source file.
    pub weights: Option<(String, Vec<u8>)>,
    /// The identifiers chosen for the module (the glue of [`glue`] uses them).
    pub names: Names,
}

/// Tensors of at most this many values are array literals in the module (readable in
/// snapshots and diffs); larger ones go to the weight blob.
pub const INLINE_MAX: usize = 1024;

fn ident(s: &str) -> Ident {
    if let Some(raw) = s.strip_prefix("r#") {
        Ident::new_raw(raw, Span::call_site())
    } else {
        Ident::new(s, Span::call_site())
    }
}

/// `usize` literal.
fn lit(n: usize) -> Literal {
    Literal::usize_unsuffixed(n)
}

/// `[[[f32; c]; b]; a]` for a shape (`f32` for rank 0).
fn array_type(shape: &[usize]) -> TokenStream {
    shape.iter().rev().fold(quote!(f32), |inner, &d| {
        let d = lit(d);
        quote!([#inner; #d])
    })
}

/// `[[[0.0; c]; b]; a]`.
fn zeros(shape: &[usize]) -> TokenStream {
    shape.iter().rev().fold(quote!(0.0), |inner, &d| {
        let d = lit(d);
        quote!([#inner; #d])
    })
}

/// `x.as_flattened()` as often as needed to reach `&[f32]` (`x` a reference to the
/// array; a rank-0 tensor is a plain `f32`, made a one-element slice).
fn flatten(x: TokenStream, rank: usize, mutable: bool) -> TokenStream {
    if rank == 0 {
        return if mutable {
            quote!(core::slice::from_mut(#x))
        } else {
            quote!(core::slice::from_ref(#x))
        };
    }
    let f = if mutable {
        quote!(as_flattened_mut)
    } else {
        quote!(as_flattened)
    };
    (1..rank.max(1)).fold(x, |acc, _| quote!(#acc.#f()))
}

/// Generates the model module's source text (and weight blob).
///
/// Errors only if text from the model imitates one of the emitter's internal markers
/// (see `emit/markers.rs`), which the marker names make practically impossible.
pub fn emit(c: &Compiled, src: &SourceInfo) -> crate::Result<Module> {
    let p = &c.program;
    let n = names(c);
    let version = env!("CARGO_PKG_VERSION");
    let mk = Markers::new(src);

    // --- constants and types -------------------------------------------------------
    let arena_len = lit(c.plan.arena_len.max(1));
    let params = lit(c.cost.total.params);
    let weight_bytes = lit(c.cost.total.weight_bytes);
    let macs_total = Literal::u64_unsuffixed(c.cost.total.macs);
    let macs_trunk = Literal::u64_unsuffixed(c.cost.parts[0].macs);
    let mut part_consts = Vec::new();
    for (si, seg) in c.parts.segments.iter().enumerate() {
        let macs = Literal::u64_unsuffixed(c.cost.parts[si].macs);
        match seg.kind {
            Kind::Trunk => {}
            Kind::Branch => {
                let name = ident(&Names::macs(&n.segments[si]));
                let doc = format!(
                    "Multiply-accumulates of the branch shared by {}.",
                    heads_in(seg.heads, &n.heads).join(", ")
                );
                part_consts.push(quote!(#[doc = #doc] pub const #name: u64 = #macs;));
            }
            Kind::Head(h) => {
                let name = ident(&Names::macs(&n.heads[h]));
                let alone = Literal::u64_unsuffixed(c.cost.head_alone(&c.parts, h).macs);
                let name_alone = ident(&n.macs_alone(h));
                let doc = format!(
                    "Multiply-accumulates of head `{}`'s own layers.",
                    n.heads[h]
                );
                let doc_alone = format!(" Multiply-accumulates to compute head `{}` alone (trunk and branches included).", n.heads[h]);
                part_consts.push(quote!(#[doc = #doc] pub const #name: u64 = #macs; #[doc = #doc_alone] pub const #name_alone: u64 = #alone;));
            }
        }
    }
    let n_branches = c.parts.branches().count();
    let n_branches_lit = lit(n_branches);

    let mut input_types = Vec::new();
    let mut input_fields = Vec::new();
    for (k, &v) in p.inputs.iter().enumerate() {
        let val = &p.values[v];
        let ty = ident(&n.input_type(k));
        let shape_name = ident(&n.input_shape(k));
        let arr = array_type(&val.shape);
        let rank = lit(val.shape.len());
        let dims = val.shape.iter().map(|&d| lit(d));
        let doc = format!(" Input {}, shape {:?}.", code_span(&val.name), val.shape);
        input_types.push(quote!(#[doc = #doc] pub type #ty = #arr; #[doc = #doc] pub const #shape_name: [usize; #rank] = [#(#dims),*];));
        let field = ident(&n.inputs[k]);
        let doc = format!(" ONNX input {}.", code_span(&val.name));
        input_fields.push(quote!(#[doc = #doc] pub #field: &'a #ty,));
    }
    let mut output_types = Vec::new();
    let mut output_fields = Vec::new();
    let mut head_consts = Vec::new();
    let all_mask = Literal::u64_unsuffixed(if p.outputs.len() == 64 {
        u64::MAX
    } else {
        (1u64 << p.outputs.len()) - 1
    });
    for (h, &v) in p.outputs.iter().enumerate() {
        let val = &p.values[v];
        let ty = ident(&n.output_type(h));
        let shape_name = ident(&n.output_shape(h));
        let arr = array_type(&val.shape);
        let rank = lit(val.shape.len());
        let dims = val.shape.iter().map(|&d| lit(d));
        let doc = format!(" Head {}, shape {:?}.", code_span(&val.name), val.shape);
        output_types.push(quote!(#[doc = #doc] pub type #ty = #arr; #[doc = #doc] pub const #shape_name: [usize; #rank] = [#(#dims),*];));
        let field = ident(&n.heads[h]);
        let doc = format!(
            " ONNX output {}; `None` unless selected.",
            code_span(&val.name)
        );
        output_fields.push(quote!(#[doc = #doc] pub #field: Option<#ty>,));
        let cname = ident(&n.head_const(h));
        let bit = Literal::u64_unsuffixed(1u64 << h);
        let doc = format!(" Head {}.", code_span(&val.name));
        head_consts.push(quote!(#[doc = #doc] pub const #cname: Heads = Heads(#bit);));
    }
    let head_names = p.outputs.iter().map(|&v| p.values[v].name.as_str());
    let n_heads = lit(p.outputs.len());

    // --- segment functions ---------------------------------------------------------
    let user_inputs: Vec<usize> = (0..p.inputs.len())
        .filter(|&k| !c.plan.input_in_arena[k])
        .collect();
    let mut seg_fns = Vec::new();
    let mut comments = Vec::new();
    for (si, seg) in c.parts.segments.iter().enumerate() {
        let fname = ident(&n.segments[si]);
        let body: Vec<TokenStream> = seg
            .steps
            .iter()
            .map(|&s| steps::step(c, &n, s, &mk, &mut comments))
            .collect();
        let params: Vec<TokenStream> = if si == 0 {
            user_inputs
                .iter()
                .map(|&k| {
                    let f = format_ident!("in_{}", n.inputs[k]);
                    quote!(#f: &[f32])
                })
                .collect()
        } else {
            Vec::new()
        };
        let doc = match seg.kind {
            Kind::Trunk => " The trunk: layers every head needs.".to_string(),
            Kind::Branch => format!(
                "Branch shared by heads {}.",
                heads_in(seg.heads, &n.heads).join(", ")
            ),
            Kind::Head(h) => format!(" Head `{}`'s own layers.", n.heads[h]),
        };
        let unused = if body.is_empty() {
            quote!(let _ = a;)
        } else {
            quote!()
        };
        seg_fns.push(quote! {
            #[doc = #doc]
            #[inline(never)]
            fn #fname(a: &mut [f32; ARENA_LEN], #(#params),*) {
                #unused
                #(#body)*
            }
        });
    }

    // --- trunk(), features and heads ----------------------------------------------------
    let mut copy_in = Vec::new();
    let mut trunk_args = Vec::new();
    for (k, &v) in p.inputs.iter().enumerate() {
        let field = ident(&n.inputs[k]);
        let flat = flatten(quote!(inputs.#field), p.values[v].shape.len(), false);
        let local = format_ident!("in_{}", n.inputs[k]);
        if c.plan.input_in_arena[k] {
            let off = lit(c.plan.offset[v].expect("arena input has an offset"));
            let len = lit(p.values[v].numel());
            copy_in.push(
                quote!(arena::inplace(&mut self.arena, (#off, #len)).copy_from_slice(#flat);),
            );
        } else {
            copy_in.push(quote!(let #local: &[f32] = #flat;));
            trunk_args.push(quote!(#local));
        }
    }
    let mut head_methods = Vec::new();
    let mut run_fields = Vec::new();
    for (h, &v) in p.outputs.iter().enumerate() {
        let name = ident(&n.heads[h]);
        let ty = ident(&n.output_type(h));
        let mut runs = Vec::new();
        for (bi, (si, _)) in c.parts.branches().enumerate() {
            if c.parts.branches_of(h).contains(&si) {
                let f = ident(&n.segments[si]);
                let bi = lit(bi);
                runs.push(quote!(if !self.m.branch_ready[#bi] { #f(&mut self.m.arena); self.m.branch_ready[#bi] = true; }));
            }
        }
        let hf = ident(&n.segments[c.parts.head_segment(h)]);
        let shape = &p.values[v].shape;
        let span = steps::span_tokens(c, v);
        let copy_out = if shape.is_empty() {
            quote!(let out = arena::view(&self.m.arena, #span)[0];)
        } else {
            let z = zeros(shape);
            let dst = flatten(quote!(out), shape.len(), true);
            quote!(let mut out: #ty = #z; #dst.copy_from_slice(arena::view(&self.m.arena, #span));)
        };
        let doc = format!(" Computes head {} from the kept features (shared branches it needs run at most once per trunk run).", code_span(&p.values[v].name));
        head_methods.push(quote! {
            #[doc = #doc]
            pub fn #name(&mut self) -> #ty {
                #(#runs)*
                #hf(&mut self.m.arena);
                #copy_out
                out
            }
        });
        let cname = ident(&n.head_const(h));
        run_fields.push(
            quote!(#name: if heads.contains(Heads::#cname) { Some(f.#name()) } else { None },),
        );
    }

    let w = weights::weights_module(c, &n, &mk, src)?;
    let (weights_tokens, blob) = (w.tokens, w.blob);
    let n_parts = lit(c.parts.segments.len());
    let part_names = n.segments.clone();
    let part_arms: Vec<TokenStream> = (1..c.parts.segments.len())
        .map(|si| {
            let f = ident(&n.segments[si]);
            let i = lit(si);
            quote!(#i => #f(&mut self.m.arena),)
        })
        .collect();
    let module_doc = module_doc(c, &n, src);
    let file = quote! {
        #[allow(unused_imports)]
        use tinymtl_runtime::{arena, kernels::*};

        /// Activation arena length, in `f32` elements.
        pub const ARENA_LEN: usize = #arena_len;
        /// Activation arena size in bytes (RAM, inside [`Model`]).
        pub const ARENA_BYTES: usize = ARENA_LEN * 4;
        /// Stored parameters (weights, biases, folded normalizations).
        pub const PARAMS: usize = #params;
        /// Bytes of stored parameters (flash).
        pub const WEIGHT_BYTES: usize = #weight_bytes;
        /// Multiply-accumulates of one inference with every head.
        pub const MACS: u64 = #macs_total;
        /// Multiply-accumulates of the trunk.
        pub const MACS_TRUNK: u64 = #macs_trunk;
        #(#part_consts)*
        /// Names of the parts (trunk, shared branches, heads' own layers) in execution order.
        pub const PARTS: [&str; #n_parts] = [#(#part_names),*];
        /// Number of heads.
        pub const HEADS: usize = #n_heads;
        /// ONNX output name of each head, in [`Heads`] bit order.
        pub const HEAD_NAMES: [&str; #n_heads] = [#(#head_names),*];

        #(#input_types)*
        #(#output_types)*

        /// A set of heads to compute.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct Heads(u64);

        impl Heads {
            /// No head.
            pub const NONE: Heads = Heads(0);
            /// Every head.
            pub const ALL: Heads = Heads(#all_mask);
            #(#head_consts)*
            /// Head number `i` (bit order of [`HEAD_NAMES`]); `NONE` if out of range.
            pub const fn nth(i: usize) -> Heads {
                if i < HEADS { Heads(1 << i) } else { Heads::NONE }
            }
            /// Both sets.
            pub const fn union(self, other: Heads) -> Heads {
                Heads(self.0 | other.0)
            }
            /// Whether every head of `other` is in `self`.
            pub const fn contains(self, other: Heads) -> bool {
                self.0 & other.0 == other.0
            }
        }

        impl core::ops::BitOr for Heads {
            type Output = Heads;
            fn bitor(self, other: Heads) -> Heads {
                self.union(other)
            }
        }

        /// The model's inputs, each exactly its ONNX shape.
        #[derive(Clone, Copy, Debug)]
        pub struct Inputs<'a> {
            #(#input_fields)*
        }

        /// One field per head; heads not selected are `None`.
        #[derive(Clone, Debug, Default, PartialEq)]
        pub struct Outputs {
            #(#output_fields)*
        }

        #(#[doc = #module_doc])*
        pub struct Model {
            arena: [f32; ARENA_LEN],
            trunk_ready: bool,
            branch_ready: [bool; #n_branches_lit],
        }

        impl Default for Model {
            fn default() -> Self {
                Self::new()
            }
        }

        impl Model {
            /// A model with a zeroed arena.
            pub const fn new() -> Self {
                Model { arena: [0.0; ARENA_LEN], trunk_ready: false, branch_ready: [false; #n_branches_lit] }
            }

            /// Runs the trunk once and the selected heads; other heads cost nothing.
            pub fn run(&mut self, inputs: &Inputs<'_>, heads: Heads) -> Outputs {
                let mut f = self.trunk(inputs);
                Outputs { #(#run_fields)* }
            }

            /// Runs the trunk on new inputs and keeps its features; heads are computed
            /// from them through the returned [`Features`] (now or later, through
            /// [`Model::features`]).
            pub fn trunk(&mut self, inputs: &Inputs<'_>) -> Features<'_> {
                #(#copy_in)*
                trunk(&mut self.arena, #(#trunk_args),*);
                self.trunk_ready = true;
                self.branch_ready = [false; #n_branches_lit];
                Features { m: self }
            }

            /// The features of the last [`Model::trunk`] run, if there was one.
            pub fn features(&mut self) -> Option<Features<'_>> {
                if self.trunk_ready { Some(Features { m: self }) } else { None }
            }
        }

        /// The trunk's kept result; each method computes one head from it.
        pub struct Features<'m> {
            m: &'m mut Model,
        }

        impl Features<'_> {
            #(#head_methods)*

            /// Profiling hook: runs part `i` of [`PARTS`] alone (`i >= 1`; the trunk ran
            /// already), assuming the parts before it ran. Used by `tinymtl bench` to count
            /// instructions per part; applications use the head methods.
            #[doc(hidden)]
            pub fn run_part(&mut self, i: usize) {
                match i {
                    #(#part_arms)*
                    _ => {}
                }
            }
        }

        #(#seg_fns)*

        /// Constants, stored as they are read: f16 matrices and filters, f32 per-channel vectors.
        #[allow(clippy::approx_constant, clippy::excessive_precision, clippy::unreadable_literal)]
        mod weights {
            #weights_tokens
        }
    };
    let syntax: syn::File = syn::parse2(file).map_err(|e| {
        crate::Error::new(format!(
            "internal error: generated tokens do not parse: {e}"
        ))
    })?;
    let text = prettyplease::unparse(&syntax);
    let text = expand_markers(&text, c, &comments, w.data_markers, &mk)?;
    let blob_line = match &blob {
        Some((file, bytes)) => format!(
            "// Weights of more than {INLINE_MAX} values are in `{file}` beside this file ({} bytes, sha256 {}).\n",
            bytes.len(),
            crate::escape::sha256_hex(bytes)
        ),
        None => String::new(),
    };
    let code = format!(
        "// @generated by tinymtl {version} from `{}` (sha256 {}).\n// Do not edit: regenerate with `tinymtl generate` or the tinymtl-codegen Builder.\n{blob_line}\n{text}",
        escape::text(&src.file_name),
        escape::text(&src.sha256)
    );
    Ok(Module {
        code,
        weights: blob,
        names: n,
    })
}

fn module_doc(c: &Compiled, n: &Names, src: &SourceInfo) -> Vec<String> {
    let p = &c.program;
    let mut d = vec![
        format!(
            " Model {}, compiled by tinymtl from {}, with its activation arena.",
            code_span(&p.name),
            code_span(&src.file_name)
        ),
        String::new(),
        " `Model::new()` is `const`, so the model can live in a `static` (the arena then".into(),
        " sits in `.bss`); weights are `static`s in flash.".into(),
        String::new(),
        " | part | heads | MACs | params | weight bytes |".into(),
        " |---|---|---|---|---|".into(),
    ];
    for (si, seg) in c.parts.segments.iter().enumerate() {
        let k = &c.cost.parts[si];
        d.push(format!(
            " | `{}` | {} | {} | {} | {} |",
            n.segments[si],
            heads_in(seg.heads, &n.heads).join(", "),
            k.macs,
            k.params,
            k.weight_bytes
        ));
    }
    d.push(String::new());
    d.push(format!(
        " Arena: {} bytes (lower bound from liveness: {} bytes).",
        c.plan.arena_len * 4,
        c.plan.peak_live * 4
    ));
    d
}
