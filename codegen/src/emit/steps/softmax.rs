//! Calls into `kernels::softmax`: Softmax and LogSoftmax (in place, after a copy
//! unless the plan put the output over the input).

use super::Call;
use crate::emit::shapes::Lit;
use crate::ir::program::SoftmaxShape;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn softmax(k: &Call, shape: &SoftmaxShape, log: bool) -> TokenStream {
    let (copy, shape) = (k.copy_unless_in_place(), Lit(shape));
    quote!(#copy softmax::softmax_inplace(y, #shape, #log);)
}
