//! Calls into `kernels::movement` (transpose, strided slice, concat) and the widening
//! copy of a constant into the arena.

use super::Call;
use crate::emit::lit;
use crate::emit::shapes::Lit;
use crate::ir::program::Strided;
use proc_macro2::TokenStream;
use quote::quote;
use tinymtl_runtime::kernels::movement::ConcatShape;

pub(super) fn permute(k: &Call, view: &Strided) -> TokenStream {
    let (x, view) = (k.x(), Lit(view));
    quote!(movement::permute(#x, y, &#view);)
}

pub(super) fn slice(k: &Call, offset: usize, view: &Strided) -> TokenStream {
    let (x, o, view) = (k.x(), lit(offset), Lit(view));
    quote!(movement::permute(&#x[#o..], y, &#view);)
}

/// One `concat_part` per input, each at the column where the previous one ends.
pub(super) fn concat(k: &Call, outer: usize, chunks: &[usize], row: usize) -> TokenStream {
    let mut col = 0;
    let parts = chunks.iter().zip(k.args).map(|(&width, xi)| {
        let shape = ConcatShape {
            rows: outer,
            width,
            out_width: row,
            col,
        };
        col += width;
        let shape = Lit(&shape);
        quote!(movement::concat_part(#xi, y, #shape);)
    });
    let parts: Vec<TokenStream> = parts.collect();
    quote!(#(#parts)*)
}

pub(super) fn materialize(k: &Call) -> TokenStream {
    let x = k.x();
    quote!(for (y, w) in y.iter_mut().zip(#x) { *y = tinymtl_runtime::f16::widen(*w); })
}
