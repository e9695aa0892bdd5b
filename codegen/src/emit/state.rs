//! For models that carry recurrent state between windows (`passes::state`): `State`
//! (the state inputs' arrays), `StepInputs` (the other inputs) and `Model::step`,
//! which runs a window from the state and writes the window's final state back.

use super::names::Names;
use super::{ident, zeros};
use crate::escape::code_span;
use crate::passes::state::pairs;
use crate::passes::Compiled;
use proc_macro2::TokenStream;
use quote::quote;

/// Nothing for a model without state pairs.
pub(super) fn state(c: &Compiled, n: &Names) -> TokenStream {
    let p = &c.program;
    let pairs = pairs(p);
    if pairs.is_empty() {
        return TokenStream::new();
    }
    let mut fields = Vec::new();
    let mut init = Vec::new();
    let mut from_state = Vec::new();
    let mut carry = Vec::new();
    let mut heads = Vec::new();
    for q in &pairs {
        let field = ident(&n.inputs[q.input]);
        let ty = ident(&n.input_type(q.input));
        let out = ident(&n.heads[q.output]);
        let doc = format!(
            " ONNX input {}, the initial state; [`Model::step`] writes output {} here.",
            code_span(&p.values[p.inputs[q.input]].name),
            code_span(&p.values[p.outputs[q.output]].name)
        );
        fields.push(quote!(#[doc = #doc] pub #field: #ty,));
        let z = zeros(&p.values[p.inputs[q.input]].shape);
        init.push(quote!(#field: #z,));
        from_state.push(quote!(#field: &state.#field,));
        carry.push(quote!(if let Some(v) = &out.#out { state.#field = *v; }));
        let h = ident(&n.head_const(q.output));
        heads.push(quote!(Heads::#h));
    }
    let mut step_fields = Vec::new();
    let mut from_step = Vec::new();
    for k in 0..p.inputs.len() {
        if pairs.iter().any(|q| q.input == k) {
            continue;
        }
        let field = ident(&n.inputs[k]);
        let ty = ident(&n.input_type(k));
        let doc = format!(" ONNX input {}.", code_span(&p.values[p.inputs[k]].name));
        step_fields.push(quote!(#[doc = #doc] pub #field: &'a #ty,));
        from_step.push(quote!(#field: inputs.#field,));
    }
    if step_fields.is_empty() {
        step_fields.push(quote!(#[doc(hidden)] pub _inputs: core::marker::PhantomData<&'a ()>,));
    }
    quote! {
        /// The recurrent state the model carries from one window to the next: the inputs
        /// that are a recurrent layer's initial state, each paired with the output that is
        /// its final state. Zeros ([`State::new`]) start a stream.
        #[derive(Clone, Copy, Debug, PartialEq)]
        pub struct State {
            #(#fields)*
        }

        impl State {
            /// All zeros: the state before the first window.
            pub const fn new() -> Self {
                State { #(#init)* }
            }
        }

        impl Default for State {
            fn default() -> Self {
                Self::new()
            }
        }

        /// The inputs of [`Model::step`]: every input that is not carried state.
        #[derive(Clone, Copy, Debug)]
        pub struct StepInputs<'a> {
            #(#step_fields)*
        }

        impl Model {
            /// Runs one window of a stream: the model's state inputs come from `state`,
            /// and the window's final state is written back into it for the next call
            /// (the state outputs are computed whatever `heads` says, and returned too).
            pub fn step(&mut self, inputs: &StepInputs<'_>, state: &mut State, heads: Heads) -> Outputs {
                let all = Inputs { #(#from_step)* #(#from_state)* };
                let out = self.run(&all, heads #(.union(#heads))*);
                #(#carry)*
                out
            }
        }
    }
}
