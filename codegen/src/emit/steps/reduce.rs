//! Calls into `kernels::reduce`: Mean, Sum, Max, Min or L2 over a block of axes.

use super::Call;
use crate::emit::shapes::Lit;
use crate::ir::program::{ReduceOp, ReduceShape};
use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// `reduce::reduce_<op>(x, y, shape)`: the op is fixed at generation time, so the
/// device calls the one loop it needs.
pub(super) fn reduce(k: &Call, op: ReduceOp, shape: &ReduceShape) -> TokenStream {
    let (x, shape) = (k.x(), Lit(shape));
    let f = Ident::new(op.kernel(), Span::call_site());
    quote!(reduce::#f(#x, y, #shape);)
}
