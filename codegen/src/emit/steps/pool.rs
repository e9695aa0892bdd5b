//! Calls into `kernels::pool`: max and average pooling, the shape a `const` passed by
//! reference.

use super::Call;
use crate::emit::shapes::Lit;
use crate::ir::program::PoolShape;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn pool(k: &Call, max: bool, shape: &PoolShape, count_include_pad: bool) -> TokenStream {
    let (x, shape) = (k.x(), Lit(shape));
    let shape = quote!(const SHAPE: pool::PoolShape = #shape;);
    if max {
        quote!(#shape pool::max_pool(#x, y, &SHAPE);)
    } else {
        quote!(#shape pool::avg_pool(#x, y, &SHAPE, #count_include_pad);)
    }
}
