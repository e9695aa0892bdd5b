//! The f16-weight dot product under every dense layer and convolution.
//!
//! [`dot_f16`] splits its operands into blocks of [`LANES`]: the blocks go through
//! `blocks`, portable Rust with [`LANES`] independent accumulators (one SSE/AVX
//! register's worth on x86; LLVM vectorizes it) or, on Cortex-M with an FPU, the
//! assembly loop of `m_fpu` (hardware f16 conversion and fused multiply-add); the tail
//! is a scalar loop. Both sum the lanes in the same order.
//!
//! The module is public but hidden for one test: [`dot_f16_selected`] (the loop the
//! kernels use) and [`dot_f16_portable`] (the portable blocks, compiled on every
//! target) let one Cortex-M4F firmware compare the assembly with the portable loop
//! (`tests/qemu-dot`, `cargo xtask qemu-dot`).
// Hidden from the API docs, so its links to crate-private items harm no reader.
#![allow(rustdoc::private_intra_doc_links)]

use crate::f16::widen;
use half::f16;

#[cfg(tinymtl_m_fpu_asm)]
mod m_fpu;
#[cfg(tinymtl_x86_avx2)]
mod x86_avx2;

/// Whether [`dot_f16_selected`] is the portable loop (bit for bit
/// [`dot_f16_portable`]): false where an assembly or intrinsics loop is compiled. For
/// the tests.
#[doc(hidden)]
pub const SELECTED_IS_PORTABLE: bool = !cfg!(any(tinymtl_m_fpu_asm, tinymtl_x86_avx2));

/// Independent accumulators in a dot product: one SSE/AVX register's worth of lanes
/// on x86, enough independent FPU chains to hide the multiply-add latency on
/// Cortex-M4F.
pub(crate) const LANES: usize = 8;

/// `sum_i x[i] * w[i]` over the shorter of the two.
#[inline(always)]
pub(crate) fn dot_f16(x: &[f32], w: &[f16]) -> f32 {
    dot_with::<false>(x, w)
}

/// [`dot_f16`], the loop every kernel calls (on Cortex-M FPUs the assembly). Not part
/// of the API: for the firmware test that compares it with [`dot_f16_portable`]
/// (`tests/qemu-dot`).
#[doc(hidden)]
#[inline(never)]
pub fn dot_f16_selected(x: &[f32], w: &[f16]) -> f32 {
    dot_f16(x, w)
}

/// [`dot_f16`] with the portable blocks on every target: the same head, tail and lane
/// order, so on Cortex-M FPUs it differs from the assembly only in rounding (separate
/// multiply and add instead of a fused multiply-add). Not part of the API (see
/// [`dot_f16_selected`]).
#[doc(hidden)]
#[inline(never)]
pub fn dot_f16_portable(x: &[f32], w: &[f16]) -> f32 {
    dot_with::<true>(x, w)
}

/// [`dot_f16`], its whole blocks of [`LANES`] in portable Rust if `PORTABLE` (or on
/// targets without the assembly).
#[inline(always)]
fn dot_with<const PORTABLE: bool>(x: &[f32], w: &[f16]) -> f32 {
    debug_assert_eq!(x.len(), w.len());
    let (mut x, mut w) = (x, w);
    let mut head = 0.0f32;
    // Weights are 4-byte aligned in flash (`Weights`); a row at an odd offset starts
    // one weight early, so the blocks load whole words.
    if w.as_ptr().align_offset(4) != 0 {
        if let (Some((&x0, xs)), Some((&w0, ws))) = (x.split_first(), w.split_first()) {
            head = x0 * widen(w0);
            (x, w) = (xs, ws);
        }
    }
    let (xc, xr) = x.as_chunks::<LANES>();
    let (wc, wr) = w.as_chunks::<LANES>();
    #[cfg(tinymtl_m_fpu_asm)]
    let body = if PORTABLE {
        portable::blocks(xc, wc)
    } else {
        m_fpu::blocks(xc, wc)
    };
    #[cfg(tinymtl_x86_avx2)]
    let body = if PORTABLE {
        portable::blocks(xc, wc)
    } else {
        x86_avx2::blocks(xc, wc)
    };
    #[cfg(not(any(tinymtl_m_fpu_asm, tinymtl_x86_avx2)))]
    let body = portable::blocks(xc, wc);
    let mut tail = head;
    for (&xv, &wv) in xr.iter().zip(wr) {
        tail += xv * widen(wv);
    }
    body + tail
}

/// Sum of the lanes, in lane order. A tree-shaped reduction would be shorter, but LLVM's
/// SLP vectorizer then pairs lanes across the tree and vectorizes the main loop only
/// two lanes wide; the sequential form keeps it at full width.
#[inline(always)]
pub(crate) fn lanes_sum(acc: [f32; LANES]) -> f32 {
    let mut s = 0.0f32;
    for a in acc {
        s += a;
    }
    s
}

pub(crate) mod portable {
    //! The blocks of [`dot_f16`](super::dot_f16) in portable Rust.
    use super::{lanes_sum, LANES};
    use crate::f16::widen;
    use half::f16;

    /// `sum_i x[i] * w[i]` over whole blocks, [`LANES`] partial sums.
    #[inline(always)]
    pub(crate) fn blocks(x: &[[f32; LANES]], w: &[[f16; LANES]]) -> f32 {
        let mut acc = [0.0f32; LANES];
        for (xs, ws) in x.iter().zip(w) {
            for ((a, &xv), &wv) in acc.iter_mut().zip(xs).zip(ws) {
                *a += xv * widen(wv);
            }
        }
        lanes_sum(acc)
    }
}
