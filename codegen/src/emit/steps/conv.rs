//! Calls into `kernels::conv`: convolutions, their shape a `const` passed by reference.

use super::{post, weights, Call};
use crate::emit::shapes::Lit;
use crate::ir::program::{ConstId, ConvShape, Post};
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn conv(k: &Call, shape: &ConvShape, w: ConstId, pp: &Post) -> TokenStream {
    let (x, shape, w, pp) = (k.x(), Lit(shape), weights(k.n, w), post(k.n, pp));
    quote! {
        const SHAPE: conv::ConvShape = #shape;
        conv::conv2d(#x, #w.as_slice(), y, &SHAPE, #pp);
    }
}
