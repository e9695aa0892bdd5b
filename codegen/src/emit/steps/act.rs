//! Calls into `kernels::act`: activations, and the `Act` value fused epilogues name.

use super::{f32_lit, Call};
use crate::ir::UnaryOp;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn unary(k: &Call, u: UnaryOp) -> TokenStream {
    let a = act(Some(u));
    if k.in_place.is_some() {
        quote!(act::unary_inplace(#a, y);)
    } else {
        let x = k.x();
        quote!(act::unary(#a, #x, y);)
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
    }
}
