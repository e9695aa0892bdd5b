//! Calls into `kernels::resize`, `kernels::pad` and `kernels::gather_nd`.

use super::{f32_lit, weights, Call};
use crate::emit::lit;
use crate::ir::program::{ConstId, Interp, PadMode, PadShape, ResizeAxis, ResizeShape};
use crate::ir::Coord;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

fn coord(c: Coord) -> TokenStream {
    let name = |n: &str| format_ident!("{n}");
    let c = match c {
        Coord::HalfPixel => name("HalfPixel"),
        Coord::Asymmetric => name("Asymmetric"),
        Coord::AlignCorners => name("AlignCorners"),
        Coord::PytorchHalfPixel => name("PytorchHalfPixel"),
        Coord::TfHalfPixelForNn => name("TfHalfPixelForNn"),
        Coord::HalfPixelSymmetric => name("HalfPixelSymmetric"),
        Coord::TfCropAndResize {
            start,
            end,
            extrapolation,
        } => {
            let [s, e, x] = [start, end, extrapolation].map(f32_lit);
            return quote!(resize::Coord::TfCropAndResize { start: #s, end: #e, extrapolation: #x });
        }
    };
    quote!(resize::Coord::#c)
}

fn axis(a: &ResizeAxis) -> TokenStream {
    let (i, o, s, c) = (
        lit(a.input),
        lit(a.output),
        f32_lit(a.scale),
        coord(a.coord),
    );
    quote!(resize::ResizeAxis { input: #i, output: #o, scale: #s, coord: #c })
}

/// `resize::resize_nearest(x, y, &shape, mode)`, `resize::resize_linear(x, y, &shape)`
/// or `resize::resize_cubic(x, y, &shape, cubic)`.
pub(super) fn resize(k: &Call, s: &ResizeShape, mode: Interp) -> TokenStream {
    let (x, outer, h, w) = (k.x(), lit(s.outer), axis(&s.h), axis(&s.w));
    let shape = quote!(resize::ResizeShape { outer: #outer, h: #h, w: #w });
    match mode {
        Interp::Nearest(m) => {
            let m = format_ident!("{}", format!("{m:?}"));
            quote!(resize::resize_nearest(#x, y, &#shape, resize::Nearest::#m);)
        }
        Interp::Linear => quote!(resize::resize_linear(#x, y, &#shape);),
        Interp::Cubic(c) => {
            let (a, e) = (f32_lit(c.a), c.exclude_outside);
            quote!(resize::resize_cubic(#x, y, &#shape, resize::Cubic { a: #a, exclude_outside: #e });)
        }
    }
}

/// `pad::pad(x, y, &shape, mode)`.
pub(super) fn pad(k: &Call, s: &PadShape, mode: PadMode) -> TokenStream {
    let x = k.x();
    let input = s.input.iter().map(|&v| lit(v));
    let output = s.output.iter().map(|&v| lit(v));
    let begin = s.begin.iter().map(|&v| Literal::i64_unsuffixed(v));
    let mode = match mode {
        PadMode::Constant(v) => {
            let v = f32_lit(v);
            quote!(pad::PadMode::Constant(#v))
        }
        PadMode::Reflect => quote!(pad::PadMode::Reflect),
        PadMode::Edge => quote!(pad::PadMode::Edge),
    };
    quote!(pad::pad(#x, y, &pad::PadShape {
        input: [#(#input),*],
        output: [#(#output),*],
        begin: [#(#begin),*],
    }, #mode);)
}

/// `gather_nd::gather_rows(x, y, offsets, row)`.
pub(super) fn gather_rows(k: &Call, offsets: ConstId, row: usize) -> TokenStream {
    let (x, o, row) = (k.x(), weights(k.n, offsets), lit(row));
    quote!(gather_nd::gather_rows(#x, y, #o.as_slice(), #row);)
}
