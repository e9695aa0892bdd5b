//! One function per part (trunk, each shared branch, each head's own layers), its
//! body one kernel call per step (`steps/`), each followed by the profile marker's
//! call when [`EmitOptions::profile_steps`] asks for it.

use super::markers::Markers;
use super::names::{heads_in, Names};
use super::{ident, steps, EmitOptions};
use crate::passes::partition::Kind;
use crate::passes::Compiled;
use proc_macro2::TokenStream;
use quote::{format_ident, quote};

/// The part functions, and the comments their steps' markers expand to.
pub(super) fn parts(
    c: &Compiled,
    n: &Names,
    mk: &Markers,
    opts: &EmitOptions,
) -> (TokenStream, Vec<String>) {
    let p = &c.program;
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
            .map(|&s| {
                let step = steps::step(c, n, s, mk, &mut comments);
                if opts.profile_steps {
                    quote!(#step tinymtl_runtime::profile::step();)
                } else {
                    step
                }
            })
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

    (quote!(#(#seg_fns)*), comments)
}
