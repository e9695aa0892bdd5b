//! Calls into `kernels::dense`: dense layers and activation x activation products.

use super::{post, weights, Call};
use crate::emit::shapes::Lit;
use crate::ir::program::{ConstId, DenseShape, MatMulShape, Post};
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn dense(k: &Call, shape: &DenseShape, w: ConstId, pp: &Post) -> TokenStream {
    let (x, shape, w, pp) = (k.x(), Lit(shape), weights(k.n, w), post(k.n, pp));
    quote!(dense::dense(#x, #w.as_slice(), y, #shape, #pp);)
}

pub(super) fn matmul(k: &Call, shape: &MatMulShape) -> TokenStream {
    let (x, b, shape) = (k.x(), &k.args[1], Lit(shape));
    quote!(dense::matmul(#x, #b, y, &#shape);)
}
