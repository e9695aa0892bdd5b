//! Calls into `kernels::rnn`: LSTM, GRU and RNN layers.

use super::{weights, Call};
use crate::emit::shapes::Lit;
use crate::ir::program::{ConstId, Kernel};
use proc_macro2::TokenStream;
use quote::quote;

/// `rnn::rnn(&shape, x, h0, c0, weights, y)`; absent states and vectors are `&[]`.
pub(super) fn rnn(k: &Call) -> TokenStream {
    let Kernel::Rnn {
        shape,
        w,
        bias,
        rb_h,
        peephole,
        h0,
        c0,
    } = &k.st.kernel
    else {
        return TokenStream::new();
    };
    let (w, bias, rb_h, peephole, h0, c0) = (*w, *bias, *rb_h, *peephole, *h0, *c0);
    let mut args = k.args.iter().cloned();
    let x = args.next().unwrap_or_default();
    let mut state = |present: bool| match present {
        true => args.next().unwrap_or_default(),
        false => quote!(&[]),
    };
    let (h0, c0) = (state(h0), state(c0));
    let vec = |c: Option<ConstId>| match c {
        Some(c) => {
            let c = weights(k.n, c);
            quote!(#c.as_slice())
        }
        None => quote!(&[]),
    };
    let (w, b, rb_h, p) = (
        weights(k.n, w),
        weights(k.n, bias),
        vec(rb_h),
        vec(peephole),
    );
    let shape = Lit(shape);
    quote! {
        let p = rnn::RnnWeights { w: #w.as_slice(), bias: #b.as_slice(), rb_h: #rb_h, peephole: #p };
        rnn::rnn(&#shape, #x, #h0, #c0, p, y);
    }
}
