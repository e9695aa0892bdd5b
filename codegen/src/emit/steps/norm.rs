//! Calls into `kernels::norm`: LayerNormalization and the per-channel affine map.

use super::{f32_lit, weights, Call};
use crate::emit::shapes::Lit;
use crate::ir::program::{ChannelShape, ConstId, LayerNormShape};
use crate::ir::UnaryOp;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn layer_norm(
    k: &Call,
    shape: &LayerNormShape,
    scale: ConstId,
    bias: Option<ConstId>,
    eps: f32,
) -> TokenStream {
    let (shape, e) = (Lit(shape), f32_lit(eps));
    let sc = weights(k.n, scale);
    let b = match bias {
        Some(b) => {
            let b = weights(k.n, b);
            quote!(Some(#b.as_slice()))
        }
        None => quote!(None),
    };
    if k.in_place.is_some() {
        quote!(norm::layer_norm_inplace(y, #shape, #sc.as_slice(), #b, #e);)
    } else {
        let x = k.x();
        quote!(norm::layer_norm(#x, y, #shape, #sc.as_slice(), #b, #e);)
    }
}

pub(super) fn channel_affine(
    k: &Call,
    shape: &ChannelShape,
    scale: ConstId,
    shift: ConstId,
    act: Option<UnaryOp>,
) -> TokenStream {
    let (shape, a) = (Lit(shape), super::act::act(act));
    let (sc, sh) = (weights(k.n, scale), weights(k.n, shift));
    let copy = k.copy_unless_in_place();
    quote!(#copy norm::channel_affine_inplace(y, #shape, #sc.as_slice(), #sh.as_slice(), #a);)
}
