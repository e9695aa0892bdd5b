//! One block of generated code per kernel step: borrow the tensors out of the arena,
//! call the runtime kernel with constant shapes. Mirrors `tinymtl_runtime::kernels`.

use super::shapes::Lit;
use super::{ident, lit, Names};
use crate::escape;
use crate::ir::program::{Arg, Kernel, Post, Source, Strided, ValueId, MAX_RANK};
use crate::ir::{BinaryOp, UnaryOp};
use crate::passes::plan::root;
use crate::passes::Compiled;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};
use tinymtl_runtime::kernels::movement::ConcatShape;

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

fn act(u: Option<UnaryOp>) -> TokenStream {
    match u {
        None => quote!(Act::Identity),
        Some(UnaryOp::Relu) => quote!(Act::Relu),
        Some(UnaryOp::LeakyRelu { alpha }) => {
            let a = f32_lit(alpha);
            quote!(Act::LeakyRelu(#a))
        }
        Some(UnaryOp::Clip { min, max }) => {
            let (a, b) = (f32_lit(min), f32_lit(max));
            quote!(Act::Clip(#a, #b))
        }
        Some(UnaryOp::Sigmoid) => quote!(Act::Sigmoid),
        Some(UnaryOp::Tanh) => quote!(Act::Tanh),
        Some(UnaryOp::HardSigmoid { alpha, beta }) => {
            let (a, b) = (f32_lit(alpha), f32_lit(beta));
            quote!(Act::HardSigmoid(#a, #b))
        }
        Some(UnaryOp::HardSwish) => quote!(Act::HardSwish),
        Some(UnaryOp::Elu { alpha }) => {
            let a = f32_lit(alpha);
            quote!(Act::Elu(#a))
        }
        Some(UnaryOp::Gelu { tanh: false }) => quote!(Act::Gelu),
        Some(UnaryOp::Gelu { tanh: true }) => quote!(Act::GeluTanh),
        Some(UnaryOp::Sqrt) => quote!(Act::Sqrt),
    }
}

fn binop(op: BinaryOp) -> TokenStream {
    match op {
        BinaryOp::Add => quote!(elementwise::BinOp::Add),
        BinaryOp::Sub => quote!(elementwise::BinOp::Sub),
        BinaryOp::Mul => quote!(elementwise::BinOp::Mul),
        BinaryOp::Div => quote!(elementwise::BinOp::Div),
        BinaryOp::Pow => quote!(elementwise::BinOp::Pow),
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

fn weights(n: &Names, id: usize) -> TokenStream {
    let name = ident(&n.consts[id]);
    quote!(weights::#name)
}

fn post(n: &Names, p: &Post) -> TokenStream {
    let opt = |c: Option<usize>| match c {
        Some(id) => {
            let w = weights(n, id);
            quote!(Some(#w.as_slice()))
        }
        None => quote!(None),
    };
    let (s, t, a) = (opt(p.scale), opt(p.shift), act(p.act));
    quote!(Post { scale: #s, shift: #t, act: #a })
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
    let comment = {
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
    };

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
    let x = arg_expr.first().cloned().unwrap_or_default();
    let call = match &st.kernel {
        Kernel::Dense { shape, w, post: pp } => {
            let (shape, w, pp) = (Lit(shape), weights(n, *w), post(n, pp));
            quote!(dense::dense(#x, #w.as_slice(), y, #shape, #pp);)
        }
        Kernel::MatMul(shape) => {
            let (b, shape) = (&arg_expr[1], Lit(shape));
            quote!(dense::matmul(#x, #b, y, &#shape);)
        }
        Kernel::Conv { shape, w, post: pp } => {
            let (shape, w, pp) = (Lit(shape), weights(n, *w), post(n, pp));
            quote! {
                const SHAPE: conv::ConvShape = #shape;
                conv::conv2d(#x, #w.as_slice(), y, &SHAPE, #pp);
            }
        }
        Kernel::Pool {
            max,
            shape,
            count_include_pad,
        } => {
            let shape = Lit(shape);
            let shape = quote!(const SHAPE: pool::PoolShape = #shape;);
            if *max {
                quote!(#shape pool::max_pool(#x, y, &SHAPE);)
            } else {
                quote!(#shape pool::avg_pool(#x, y, &SHAPE, #count_include_pad);)
            }
        }
        Kernel::ReduceMean(shape) => {
            let shape = Lit(shape);
            quote!(reduce::reduce_mean(#x, y, #shape);)
        }
        Kernel::Softmax { shape, log } => {
            let shape = Lit(shape);
            let copy = if in_place.is_some() {
                quote!()
            } else {
                quote!(y.copy_from_slice(#x);)
            };
            quote!(#copy softmax::softmax_inplace(y, #shape, #log);)
        }
        Kernel::LayerNorm {
            shape,
            scale,
            bias,
            eps,
        } => {
            let (shape, e) = (Lit(shape), f32_lit(*eps));
            let sc = weights(n, *scale);
            let b = match bias {
                Some(b) => {
                    let b = weights(n, *b);
                    quote!(Some(#b.as_slice()))
                }
                None => quote!(None),
            };
            if in_place.is_some() {
                quote!(norm::layer_norm_inplace(y, #shape, #sc.as_slice(), #b, #e);)
            } else {
                quote!(norm::layer_norm(#x, y, #shape, #sc.as_slice(), #b, #e);)
            }
        }
        Kernel::ChannelAffine {
            shape,
            scale,
            shift,
            act: a,
        } => {
            let (shape, a) = (Lit(shape), act(*a));
            let (sc, sh) = (weights(n, *scale), weights(n, *shift));
            let copy = if in_place.is_some() {
                quote!()
            } else {
                quote!(y.copy_from_slice(#x);)
            };
            quote!(#copy norm::channel_affine_inplace(y, #shape, #sc.as_slice(), #sh.as_slice(), #a);)
        }
        Kernel::Unary(u) => {
            let a = act(Some(*u));
            if in_place.is_some() {
                quote!(act::unary_inplace(#a, y);)
            } else {
                quote!(act::unary(#a, #x, y);)
            }
        }
        Kernel::Binary { op, bcast } => {
            let op = binop(*op);
            match (in_place, bcast) {
                (Some(i), _) => {
                    let other = &arg_expr[1 - i];
                    let lhs = i == 0;
                    let view = match bcast {
                        Some(b) => Strided {
                            shape: b.shape,
                            strides: if lhs { b.b } else { b.a },
                        },
                        None => {
                            let len = p.values[st.out].numel();
                            let scalar = matches!(st.args[1 - i], Arg::Scalar(_));
                            let mut shape = [1; MAX_RANK];
                            shape[MAX_RANK - 1] = len;
                            let mut strides = [0; MAX_RANK];
                            strides[MAX_RANK - 1] = usize::from(!scalar);
                            Strided { shape, strides }
                        }
                    };
                    let view = Lit(&view);
                    quote!(elementwise::binary_inplace(#op, y, #other, #lhs, &#view);)
                }
                (None, None) => {
                    let b = &arg_expr[1];
                    quote!(elementwise::binary(#op, #x, #b, y);)
                }
                (None, Some(bc)) => {
                    let (b, bc) = (&arg_expr[1], Lit(bc));
                    quote!(elementwise::binary_broadcast(#op, #x, #b, y, &#bc);)
                }
            }
        }
        Kernel::Permute(view) => {
            let view = Lit(view);
            quote!(movement::permute(#x, y, &#view);)
        }
        Kernel::Slice { offset, view } => {
            let (o, view) = (lit(*offset), Lit(view));
            quote!(movement::permute(&#x[#o..], y, &#view);)
        }
        Kernel::Concat { outer, chunks, row } => {
            let mut col = 0;
            let parts: Vec<TokenStream> = chunks
                .iter()
                .zip(&arg_expr)
                .map(|(&width, xi)| {
                    let shape = ConcatShape {
                        rows: *outer,
                        width,
                        out_width: *row,
                        col,
                    };
                    col += width;
                    let shape = Lit(&shape);
                    quote!(movement::concat_part(#xi, y, #shape);)
                })
                .collect();
            quote!(#(#parts)*)
        }
        Kernel::Materialize => {
            quote!(for (y, w) in y.iter_mut().zip(#x) { *y = tinymtl_runtime::f16::widen(*w); })
        }
    };
    quote! {
        #comment
        {
            #borrow
            #call
        }
    }
}
