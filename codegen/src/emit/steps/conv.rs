//! Calls into `kernels::conv`: convolutions, their shape a `const` passed by reference,
//! through the variant the code generator chose (`ConvKind`).

use super::{post, weights, Call};
use crate::emit::shapes::Lit;
use crate::ir::program::{ConstId, ConvKind, ConvShape, Post};
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn conv(
    k: &Call,
    shape: &ConvShape,
    kind: ConvKind,
    w: ConstId,
    pp: &Post,
) -> TokenStream {
    let (x, shape, w, pp) = (k.x(), Lit(shape), weights(k.n, w), post(k.n, pp));
    let f = match kind {
        ConvKind::Pointwise => quote!(pointwise),
        ConvKind::Gathered => quote!(gathered),
        ConvKind::Depthwise3x3 => quote!(depthwise3x3),
        ConvKind::Direct => quote!(conv2d),
    };
    quote! {
        const SHAPE: conv::ConvShape = #shape;
        conv::#f(#x, #w.as_slice(), y, &SHAPE, #pp);
    }
}
