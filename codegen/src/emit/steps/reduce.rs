//! Calls into `kernels::reduce`: means over a block of axes.

use super::Call;
use crate::emit::shapes::Lit;
use crate::ir::program::ReduceShape;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn reduce_mean(k: &Call, shape: &ReduceShape) -> TokenStream {
    let (x, shape) = (k.x(), Lit(shape));
    quote!(reduce::reduce_mean(#x, y, #shape);)
}
