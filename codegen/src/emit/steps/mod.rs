//! One block of generated code per kernel step: borrow the tensors out of the arena,
//! call the runtime kernel with constant shapes. One submodule per runtime kernel
//! module (`tinymtl_runtime::kernels::*`) prints the calls into it.

mod act;
mod conv;
mod dense;
mod elementwise;
mod movement;
mod norm;
mod pool;
mod reduce;
mod resize;
mod rnn;
mod softmax;

use super::{ident, lit, Names};
use crate::escape;
use crate::ir::program::{Arg, Kernel, Post, Source, Step, ValueId};
use crate::passes::plan::root;
use crate::passes::Compiled;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// What a kernel's emitter needs: the step, its argument expressions and the names.
struct Call<'a> {
    /// The whole compiled model.
    c: &'a Compiled,
    /// Generated names.
    n: &'a Names,
    /// The step.
    st: &'a Step,
    /// One expression per argument (`y` for the one the output overwrites).
    args: &'a [TokenStream],
    /// The argument the output overwrites, if the step runs in place.
    in_place: Option<usize>,
}

impl Call<'_> {
    /// The first argument.
    fn x(&self) -> TokenStream {
        self.args.first().cloned().unwrap_or_default()
    }

    /// `y.copy_from_slice(x);` unless the step runs in place (for kernels that only
    /// exist in place).
    fn copy_unless_in_place(&self) -> TokenStream {
        if self.in_place.is_some() {
            quote!()
        } else {
            let x = self.x();
            quote!(y.copy_from_slice(#x);)
        }
    }
}

/// The kernel call of one step, by runtime kernel module.
fn call(k: &Call) -> TokenStream {
    match &k.st.kernel {
        Kernel::Dense { shape, w, post } => dense::dense(k, shape, *w, post),
        Kernel::MatMul(shape) => dense::matmul(k, shape),
        Kernel::Conv {
            shape,
            kind,
            w,
            post,
        } => conv::conv(k, shape, *kind, *w, post),
        Kernel::Pool {
            max,
            shape,
            count_include_pad,
        } => pool::pool(k, *max, shape, *count_include_pad),
        Kernel::Reduce(op, shape) => reduce::reduce(k, *op, shape),
        Kernel::Softmax { shape, log } => softmax::softmax(k, shape, *log),
        Kernel::LayerNorm {
            shape,
            scale,
            bias,
            eps,
        } => norm::layer_norm(k, shape, *scale, *bias, *eps),
        Kernel::ChannelAffine {
            shape,
            scale,
            shift,
            act,
        } => norm::channel_affine(k, shape, *scale, *shift, *act),
        Kernel::Unary(u) => act::unary(k, *u),
        Kernel::Binary { op, bcast } => elementwise::binary(k, *op, bcast.as_ref()),
        Kernel::Permute(view) => movement::permute(k, view),
        Kernel::Slice { offset, view } => movement::slice(k, *offset, view),
        Kernel::Concat { outer, chunks, row } => movement::concat(k, *outer, chunks, *row),
        Kernel::Materialize => movement::materialize(k),
        Kernel::Rnn { .. } => rnn::rnn(k),
        Kernel::Select(shape) => elementwise::select(k, shape),
        Kernel::Resize { shape, mode } => resize::resize(k, shape, *mode),
        Kernel::Pad { shape, mode } => resize::pad(k, shape, *mode),
        Kernel::GatherRows { offsets, row } => resize::gather_rows(k, *offsets, *row),
    }
}

/// An `f32` literal (the infinities and NaN by name).
fn f32_lit(v: f32) -> TokenStream {
    if v == f32::INFINITY {
        quote!(f32::INFINITY)
    } else if v == f32::NEG_INFINITY {
        quote!(f32::NEG_INFINITY)
    } else if v.is_nan() {
        // The loader refuses NaN parameters; printed rather than panicking regardless.
        quote!(f32::NAN)
    } else {
        let l = Literal::f32_unsuffixed(v);
        quote!(#l)
    }
}

/// `(offset, len)` of a value in the arena.
pub(super) fn span_tokens(c: &Compiled, v: ValueId) -> TokenStream {
    let off = lit(c.plan.offset[v].expect("value is in the arena"));
    let len = lit(c.program.values[v].numel());
    quote!((#off, #len))
}

/// A read-only slice expression for a value that is not in the arena (a graph input
/// read straight from the caller, or an alias of one).
fn user_input(c: &Compiled, n: &Names, v: ValueId) -> TokenStream {
    let r = root(&c.program, v);
    match c.program.values[r].source {
        Source::Input(k) => {
            let f = format_ident!("in_{}", n.inputs[k]);
            quote!(#f)
        }
        _ => unreachable!("only graph inputs live outside the arena"),
    }
}

/// A constant in the generated `weights` module.
fn weights(n: &Names, id: usize) -> TokenStream {
    let name = ident(&n.consts[id]);
    quote!(weights::#name)
}

/// A `Post` literal.
fn post(n: &Names, p: &Post) -> TokenStream {
    let opt = |c: Option<usize>| match c {
        Some(id) => {
            let w = weights(n, id);
            quote!(Some(#w.as_slice()))
        }
        None => quote!(None),
    };
    let (s, t, a) = (opt(p.scale), opt(p.shift), act::fixed(p.act));
    quote!(Post { scale: #s, shift: #t, act: #a })
}

/// The marker for the step's comment (nodes, shapes, in place), its text pushed to
/// `comments`.
fn comment(
    c: &Compiled,
    st: &Step,
    in_place: Option<usize>,
    mk: &super::Markers,
    comments: &mut Vec<String>,
) -> TokenStream {
    let p = &c.program;
    let nodes: Vec<String> = st
        .nodes
        .iter()
        .map(|(name, op)| format!("{} `{}`", escape::text(op), escape::text(name)))
        .collect();
    let shapes: Vec<String> = st
        .args
        .iter()
        .filter_map(|a| {
            if let Arg::Value(v) = a {
                Some(format!("{:?}", p.values[*v].shape))
            } else {
                None
            }
        })
        .collect();
    let place = if in_place.is_some() { ", in place" } else { "" };
    let text = format!(
        "{} -> {:?}{place}: {}",
        shapes.join(" "),
        p.values[st.out].shape,
        nodes.join(" + ")
    );
    comments.push(text);
    let l = Literal::usize_unsuffixed(comments.len() - 1);
    let marker = format_ident!("{}", mk.comment);
    quote!(#marker!(#l);)
}

/// Tokens for step `s`.
pub(super) fn step(
    c: &Compiled,
    n: &Names,
    s: usize,
    mk: &super::Markers,
    comments: &mut Vec<String>,
) -> TokenStream {
    let p = &c.program;
    let st = &p.steps[s];
    let in_place = c.plan.in_place[s];
    let comment = comment(c, st, in_place, mk, comments);

    // Borrow arguments: arena values through `arena::split`, the rest directly.
    let mut arena_args = Vec::new();
    let mut arg_expr: Vec<TokenStream> = Vec::new();
    for (i, a) in st.args.iter().enumerate() {
        arg_expr.push(match *a {
            Arg::Value(_) if in_place == Some(i) => quote!(y),
            Arg::Value(v) if c.plan.offset[v].is_some() => {
                let name = format_ident!("x{}", i);
                arena_args.push((name.clone(), span_tokens(c, v)));
                quote!(#name)
            }
            Arg::Value(v) => user_input(c, n, v),
            Arg::Const(id) => {
                let w = weights(n, id);
                quote!(#w.as_slice())
            }
            Arg::Scalar(x) => {
                let x = f32_lit(x);
                quote!(elementwise::Scalar(#x))
            }
        });
    }
    let out = span_tokens(c, st.out);
    let borrow = if arena_args.is_empty() {
        quote!(let y = arena::inplace(a, #out);)
    } else {
        let names = arena_args.iter().map(|(n, _)| n);
        let spans = arena_args.iter().map(|(_, s)| s);
        quote!(let ([#(#names),*], y) = arena::split(a, [#(#spans),*], #out);)
    };
    let call = call(&Call {
        c,
        n,
        st,
        args: &arg_expr,
        in_place,
    });
    quote! {
        #comment
        {
            #borrow
            #call
        }
    }
}
