//! Calls into `kernels::act`: activations, and the `Act` value fused epilogues name;
//! and into `kernels::pointwise` for the unary ops that are not activations.

use super::{f32_lit, Call};
use crate::ir::UnaryOp;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn unary(k: &Call, u: UnaryOp) -> TokenStream {
    if let UnaryOp::SoftplusBeta { beta, threshold } = u {
        let (b, t) = (f32_lit(beta), f32_lit(threshold));
        return if k.in_place.is_some() {
            quote!(pointwise::softplus_beta_inplace(y, #b, #t);)
        } else {
            let x = k.x();
            quote!(pointwise::softplus_beta_unary(#x, y, #b, #t);)
        };
    }
    if let Some(p) = pointwise(u) {
        return if k.in_place.is_some() {
            quote!(pointwise::unary_inplace(#p, y);)
        } else {
            let x = k.x();
            quote!(pointwise::unary(#p, #x, y);)
        };
    }
    let a = act(Some(u));
    if k.in_place.is_some() {
        quote!(act::unary_inplace(#a, y);)
    } else {
        let x = k.x();
        quote!(act::unary(#a, #x, y);)
    }
}

/// A fused epilogue's activation: the compile-time type for the activations that have
/// one (`act::Relu`, ...), so the firmware links only those; else the `Act` value.
pub(super) fn fixed(u: Option<UnaryOp>) -> TokenStream {
    match u {
        None => quote!(act::Identity),
        Some(UnaryOp::Relu) => quote!(act::Relu),
        Some(UnaryOp::LeakyRelu { alpha }) => {
            let a = f32_lit(alpha);
            quote!(act::LeakyRelu(#a))
        }
        Some(UnaryOp::Clip { min, max }) => {
            let (a, b) = (f32_lit(min), f32_lit(max));
            quote!(act::Clip(#a, #b))
        }
        other => act(other),
    }
}

/// The `Act` of an optional activation (`None`: identity).
pub(super) fn act(u: Option<UnaryOp>) -> TokenStream {
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
        Some(u) => unreachable!("{u:?} is not an Act: the fuse pass never puts it in an epilogue"),
    }
}

/// The `Pointwise` op of a unary op that is not an `Act`.
fn pointwise(u: UnaryOp) -> Option<TokenStream> {
    Some(match u {
        UnaryOp::Abs => quote!(pointwise::Pointwise::Abs),
        UnaryOp::Neg => quote!(pointwise::Pointwise::Neg),
        UnaryOp::Exp => quote!(pointwise::Pointwise::Exp),
        UnaryOp::Log => quote!(pointwise::Pointwise::Log),
        UnaryOp::Reciprocal => quote!(pointwise::Pointwise::Reciprocal),
        UnaryOp::Softplus => quote!(pointwise::Pointwise::Softplus),
        UnaryOp::Erf => quote!(pointwise::Pointwise::Erf),
        UnaryOp::Mish => quote!(pointwise::Pointwise::Mish),
        _ => return None,
    })
}
