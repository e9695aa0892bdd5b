//! Calls into `kernels::elementwise`: binary ops, same-shape, broadcasting or in place;
//! and `kernels::select` (Where).

use super::Call;
use crate::emit::shapes::Lit;
use crate::ir::program::{Arg, Broadcast, SelectShape, Strided, MAX_RANK};
use crate::ir::BinaryOp;
use proc_macro2::TokenStream;
use quote::quote;

pub(super) fn binary(k: &Call, op: BinaryOp, bcast: Option<&Broadcast>) -> TokenStream {
    let op = binop(op);
    let (x, b) = (k.x(), &k.args[1]);
    match (k.in_place, bcast) {
        (Some(i), _) => {
            let other = &k.args[1 - i];
            let lhs = i == 0;
            let view = Lit(&other_view(k, i, bcast));
            quote!(elementwise::binary_inplace(#op, y, #other, #lhs, &#view);)
        }
        (None, None) => quote!(elementwise::binary(#op, #x, #b, y);),
        (None, Some(bc)) => {
            let bc = Lit(bc);
            quote!(elementwise::binary_broadcast(#op, #x, #b, y, &#bc);)
        }
    }
}

/// For an in-place step whose output overwrites argument `i`: the output's shape and
/// the other operand's strides along it.
fn other_view(k: &Call, i: usize, bcast: Option<&Broadcast>) -> Strided {
    match bcast {
        Some(b) => Strided {
            shape: b.shape,
            strides: if i == 0 { b.b } else { b.a },
        },
        None => {
            let len = k.c.program.values[k.st.out].numel();
            let scalar = matches!(k.st.args[1 - i], Arg::Scalar(_));
            let mut shape = [1; MAX_RANK];
            shape[MAX_RANK - 1] = len;
            let mut strides = [0; MAX_RANK];
            strides[MAX_RANK - 1] = usize::from(!scalar);
            Strided { shape, strides }
        }
    }
}

/// `Where`: a select of the three (broadcast) operands.
pub(super) fn select(k: &Call, s: &SelectShape) -> TokenStream {
    let (c, a, b) = (&k.args[0], &k.args[1], &k.args[2]);
    let s = Lit(s);
    quote!(select::select(#c, #a, #b, y, &#s);)
}

fn binop(op: BinaryOp) -> TokenStream {
    match op {
        BinaryOp::Add => quote!(elementwise::BinOp::Add),
        BinaryOp::Sub => quote!(elementwise::BinOp::Sub),
        BinaryOp::Mul => quote!(elementwise::BinOp::Mul),
        BinaryOp::Div => quote!(elementwise::BinOp::Div),
        BinaryOp::Pow => quote!(elementwise::BinOp::Pow),
        BinaryOp::Max => quote!(elementwise::BinOp::Max),
        BinaryOp::Min => quote!(elementwise::BinOp::Min),
        BinaryOp::PRelu => quote!(elementwise::BinOp::PRelu),
        BinaryOp::Equal => quote!(elementwise::BinOp::Equal),
        BinaryOp::Less => quote!(elementwise::BinOp::Less),
        BinaryOp::LessOrEqual => quote!(elementwise::BinOp::LessOrEqual),
        BinaryOp::Greater => quote!(elementwise::BinOp::Greater),
        BinaryOp::GreaterOrEqual => quote!(elementwise::BinOp::GreaterOrEqual),
    }
}
