//! The module's API: `Heads` (a bit set), `Inputs`, `Outputs`, `Model` (the arena
//! and `run` / `trunk` / `features`) and `Features` (one method per head).

use super::names::Names;
use super::{flatten, ident, lit, steps, zeros};
use crate::escape::code_span;
use crate::passes::Compiled;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// `Heads`, `Inputs`, `Outputs`, `Model` and `Features`; `module_doc` documents `Model`.
pub(super) fn api(c: &Compiled, n: &Names, module_doc: &[String]) -> TokenStream {
    let p = &c.program;
    let n_branches_lit = lit(c.parts.branches().count());
    let all_mask = Literal::u64_unsuffixed(if p.outputs.len() == 64 {
        u64::MAX
    } else {
        (1u64 << p.outputs.len()) - 1
    });
    let mut input_fields = Vec::new();
    for (k, &v) in p.inputs.iter().enumerate() {
        let ty = ident(&n.input_type(k));
        let field = ident(&n.inputs[k]);
        let doc = format!(" ONNX input {}.", code_span(&p.values[v].name));
        input_fields.push(quote!(#[doc = #doc] pub #field: &'a #ty,));
    }
    let mut output_fields = Vec::new();
    let mut head_consts = Vec::new();
    for (h, &v) in p.outputs.iter().enumerate() {
        let val = &p.values[v];
        let ty = ident(&n.output_type(h));
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

    let part_arms: Vec<TokenStream> = (1..c.parts.segments.len())
        .map(|si| {
            let f = ident(&n.segments[si]);
            let i = lit(si);
            quote!(#i => #f(&mut self.m.arena),)
        })
        .collect();
    quote! {
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

    }
}
