//! The module's constants and array types: arena size, parameters, weight bytes, MACs
//! per part, part and head names, input and output shapes.

use super::names::{heads_in, Names};
use super::{array_type, ident, lit};
use crate::escape::code_span;
use crate::passes::partition::Kind;
use crate::passes::Compiled;
use proc_macro2::{Literal, TokenStream};
use quote::quote;

/// Every `const` and `type` item before `Heads`.
pub(super) fn consts(c: &Compiled, n: &Names) -> TokenStream {
    let p = &c.program;
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

    let mut input_types = Vec::new();
    for (k, &v) in p.inputs.iter().enumerate() {
        let val = &p.values[v];
        let ty = ident(&n.input_type(k));
        let shape_name = ident(&n.input_shape(k));
        let arr = array_type(&val.shape);
        let rank = lit(val.shape.len());
        let dims = val.shape.iter().map(|&d| lit(d));
        let doc = format!(" Input {}, shape {:?}.", code_span(&val.name), val.shape);
        input_types.push(quote!(#[doc = #doc] pub type #ty = #arr; #[doc = #doc] pub const #shape_name: [usize; #rank] = [#(#dims),*];));
    }
    let mut output_types = Vec::new();
    for (h, &v) in p.outputs.iter().enumerate() {
        let val = &p.values[v];
        let ty = ident(&n.output_type(h));
        let shape_name = ident(&n.output_shape(h));
        let arr = array_type(&val.shape);
        let rank = lit(val.shape.len());
        let dims = val.shape.iter().map(|&d| lit(d));
        let doc = format!(" Head {}, shape {:?}.", code_span(&val.name), val.shape);
        output_types.push(quote!(#[doc = #doc] pub type #ty = #arr; #[doc = #doc] pub const #shape_name: [usize; #rank] = [#(#dims),*];));
    }
    let head_names = p.outputs.iter().map(|&v| p.values[v].name.as_str());
    let n_heads = lit(p.outputs.len());

    let n_parts = lit(c.parts.segments.len());
    let part_names = n.segments.clone();
    quote! {
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

    }
}
