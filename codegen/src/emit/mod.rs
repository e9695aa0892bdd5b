//! The compiled model -> one formatted, `@generated` Rust module.
//!
//! Code is built as tokens (`quote`), printed with `prettyplease`, and then two
//! markers are expanded in the text: per-step comments naming the ONNX nodes, and
//! weight arrays (16 values per line, so large models stay readable and diffable).
//!
//! One file per part of the module: `consts` (sizes, costs, shapes), `api` (`Heads`,
//! `Inputs`, `Outputs`, `Model`, `Features`), `parts` (one function per part, its
//! steps from `steps/`, one emitter per kernel family), `weights` (literals and the
//! blob), with `names` choosing every identifier and `markers` expanding comments and
//! weight data. [`glue`] emits the Rust that runs a module (firmware and host).

mod api;
pub mod app;
mod consts;
pub mod glue;
mod markers;
pub mod names;
mod parts;
mod shapes;
mod state;
mod steps;
mod weights;

use crate::escape::{self, code_span};
use crate::passes::Compiled;
use markers::{expand_markers, Markers};
use names::heads_in;
pub use names::{names, Names};
use proc_macro2::{Ident, Literal, Span, TokenStream};
use quote::quote;

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

/// What the emitter puts in the module beyond the model itself.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EmitOptions {
    /// Call `tinymtl_runtime::profile::step()` after every kernel step, so a tool
    /// watching the program counter can count each step (`tinymtl bench --steps`).
    /// Off by default: the ordinary module has no marker calls.
    pub profile_steps: bool,
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
    emit_with(c, src, &EmitOptions::default())
}

/// [`emit`] with the options `opts` (profile markers).
pub fn emit_with(c: &Compiled, src: &SourceInfo, opts: &EmitOptions) -> crate::Result<Module> {
    let n = names(c);
    let version = env!("CARGO_PKG_VERSION");
    let mk = Markers::new(src);

    let (seg_fns, comments) = parts::parts(c, &n, &mk, opts);
    let w = weights::weights_module(c, &n, &mk, src)?;
    let (weights_tokens, blob) = (w.tokens, w.blob);
    let module_doc = module_doc(c, &n, src);
    let consts = consts::consts(c, &n);
    let api = api::api(c, &n, &module_doc);
    let state = state::state(c, &n);
    let file = quote! {
        #[allow(unused_imports)]
        use tinymtl_runtime::{arena, kernels::*};

        #consts
        #api
        #state
        #seg_fns

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
