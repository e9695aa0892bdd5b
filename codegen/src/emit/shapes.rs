//! The runtime kernels' shape structs as struct literals in generated code:
//! `Lit(&shape)` interpolates into `quote!` as e.g.
//! `dense::DenseShape { rows: 1, inputs: 32, outputs: 64 }`.

use super::lit;
use proc_macro2::TokenStream;
use quote::{quote, ToTokens};
use tinymtl_runtime::kernels::conv::ConvShape;
use tinymtl_runtime::kernels::dense::{DenseShape, MatMulShape};
use tinymtl_runtime::kernels::elementwise::Broadcast;
use tinymtl_runtime::kernels::movement::{ConcatShape, Strided, MAX_RANK};
use tinymtl_runtime::kernels::norm::{ChannelShape, LayerNormShape};
use tinymtl_runtime::kernels::pool::PoolShape;
use tinymtl_runtime::kernels::reduce::ReduceShape;
use tinymtl_runtime::kernels::rnn::{Cell, RnnShape};
use tinymtl_runtime::kernels::select::SelectShape;
use tinymtl_runtime::kernels::softmax::SoftmaxShape;

/// A shape struct (or one of its fields) printed as a Rust literal.
pub(super) struct Lit<'a, T>(pub &'a T);

impl ToTokens for Lit<'_, usize> {
    fn to_tokens(&self, t: &mut TokenStream) {
        lit(*self.0).to_tokens(t);
    }
}

impl ToTokens for Lit<'_, (usize, usize)> {
    fn to_tokens(&self, t: &mut TokenStream) {
        let (a, b) = (lit(self.0 .0), lit(self.0 .1));
        t.extend(quote!((#a, #b)));
    }
}

impl ToTokens for Lit<'_, (usize, usize, usize, usize)> {
    fn to_tokens(&self, t: &mut TokenStream) {
        let (a, b, c, d) = *self.0;
        let [a, b, c, d] = [a, b, c, d].map(lit);
        t.extend(quote!((#a, #b, #c, #d)));
    }
}

impl ToTokens for Lit<'_, [usize; MAX_RANK]> {
    fn to_tokens(&self, t: &mut TokenStream) {
        let v = self.0.iter().map(|&x| lit(x));
        t.extend(quote!([#(#v),*]));
    }
}

impl ToTokens for Lit<'_, bool> {
    fn to_tokens(&self, t: &mut TokenStream) {
        self.0.to_tokens(t);
    }
}

impl ToTokens for Lit<'_, f32> {
    fn to_tokens(&self, t: &mut TokenStream) {
        // Shape fields are finite or `INFINITY` (no clip); NaN never reaches a shape.
        if self.0.is_infinite() {
            t.extend(quote!(f32::INFINITY));
        } else {
            proc_macro2::Literal::f32_unsuffixed(*self.0).to_tokens(t);
        }
    }
}

impl ToTokens for Lit<'_, Cell> {
    fn to_tokens(&self, t: &mut TokenStream) {
        t.extend(match *self.0 {
            Cell::Lstm { input_forget } => quote!(rnn::Cell::Lstm { input_forget: #input_forget }),
            Cell::Gru {
                linear_before_reset,
            } => quote!(rnn::Cell::Gru { linear_before_reset: #linear_before_reset }),
            Cell::Simple => quote!(rnn::Cell::Simple),
        });
    }
}

/// `impl ToTokens for Lit<$ty>`: `$module::$ty { field: value, ... }`, fields in
/// declaration order. The destructuring is exhaustive, so a field added to the
/// runtime struct fails here, not in generated code.
macro_rules! shape_literals {
    ($($module:ident :: $ty:ident { $($field:ident),* })*) => {$(
        impl ToTokens for Lit<'_, $ty> {
            fn to_tokens(&self, t: &mut TokenStream) {
                let $ty { $($field),* } = self.0;
                $(let $field = Lit($field);)*
                t.extend(quote!($module::$ty { $($field: #$field),* }));
            }
        }
    )*};
}

shape_literals! {
    dense::DenseShape { rows, inputs, outputs }
    dense::MatMulShape { batch, rows, depth, cols, a_stride, b_stride }
    conv::ConvShape { n, c_in, h, w, c_out, kh, kw, oh, ow, stride, pad, dilation, groups }
    pool::PoolShape { planes, h, w, kh, kw, oh, ow, stride, pad, dilation, d, kd, od, stride_d, pad_d, dilation_d }
    reduce::ReduceShape { outer, reduced, inner }
    softmax::SoftmaxShape { outer, axis, inner }
    norm::LayerNormShape { rows, features }
    norm::ChannelShape { outer, channels, inner }
    elementwise::Broadcast { shape, a, b }
    select::SelectShape { shape, cond, a, b }
    movement::Strided { shape, strides }
    movement::ConcatShape { rows, width, out_width, col }
    rnn::RnnShape { cell, steps, batch, inputs, hidden, directions, reverse, batch_first, write_y, clip }
}
