//! The register-blocked f16 x f32 matrix product under the pointwise and gathered
//! convolutions: a tile of [`MR`] output channels by [`NR`] output positions, summed
//! over `k` (input channels, or input channels x filter taps).
//!
//! Per step of `k` the tile reads [`NR`] inputs and [`MR`] weights once and does
//! `MR * NR` multiply-adds: on the Cortex-M4F (`m_fpu`, assembly) two loads, four
//! conversions, sixteen `vfma` and the loop's three instructions, 1.56 instructions
//! per MAC, against the dot product's 2.6 (which loads one input per MAC). The
//! portable loop is the same arithmetic in Rust (LLVM vectorizes it along the
//! positions); both add the products of each accumulator in the same order, so they
//! differ only by the fused multiply-add's rounding.
//!
//! With AVX2 (`x86_avx2`, the host harness) the tile is 4 channels by 16 positions
//! (two 256-bit registers per channel), and a second, [`wide`] tile of 16 channels by
//! 6 positions serves pointwise convolutions over small planes; both read the same
//! packed layout, so the generated code is the same for host and device.
//!
//! Weights are packed by the code generator ([`pack`] says where each goes): output
//! channels in blocks of [`MR`] (the last block zero-padded), each block `k x MR`,
//! so one step of `k` reads [`MR`] consecutive halves.

use crate::f16::widen;
use crate::slice::tail;
use half::f16;

#[cfg(tinymtl_m_fpu_asm)]
mod m_fpu;
#[cfg(tinymtl_x86_avx2)]
mod x86_avx2;

/// Output channels per tile (on every target: the packed layout, and so the generated
/// code, is the same for the host and the device).
pub const MR: usize = 4;
/// Output positions per tile: 4 (one FPU register bank's worth on Cortex-M), 16 with
/// AVX2 (two 256-bit registers per channel).
#[cfg(not(tinymtl_x86_avx2))]
pub const NR: usize = 4;
/// Output positions per tile: 4 (one FPU register bank's worth on Cortex-M), 16 with
/// AVX2 (two 256-bit registers per channel).
#[cfg(tinymtl_x86_avx2)]
pub const NR: usize = 16;

/// Whether [`tile_selected`] is the portable loop (bit for bit [`tile_portable`]):
/// false where an assembly or intrinsics tile (fused multiply-add) is compiled. For
/// the tests.
#[doc(hidden)]
pub const SELECTED_IS_PORTABLE: bool = !cfg!(any(tinymtl_m_fpu_asm, tinymtl_x86_avx2));

/// Accumulators of one tile: `acc[i][j]` for output channel `i` and position `j`.
pub type Acc = [[f32; NR]; MR];

/// Length of `c_out` filters of `k` weights each once packed (channels padded to a
/// whole number of blocks of [`MR`]).
pub const fn packed_len(c_out: usize, k: usize) -> usize {
    c_out.div_ceil(MR) * MR * k
}

/// Where weight `kk` of output channel `oc`'s filter (`k` weights long) goes in the
/// packed layout: block `oc / MR`, row `kk`, lane `oc % MR`.
pub const fn pack(oc: usize, kk: usize, k: usize) -> usize {
    (oc / MR) * MR * k + kk * MR + oc % MR
}

/// Packs `c_out` filters of `k` weights each (`w`, row-major `c_out x k`) into `out`
/// (of [`packed_len`]; the padding lanes are left as they are, zero in a zeroed
/// buffer). The one place the layout is written: the code generator packs with it, the
/// tests too.
pub fn pack_into<T: Copy>(w: &[T], c_out: usize, k: usize, out: &mut [T]) {
    for (oc, row) in w.chunks_exact(k.max(1)).take(c_out).enumerate() {
        for (kk, &v) in row.iter().enumerate() {
            if let Some(o) = out.get_mut(pack(oc, kk, k)) {
                *o = v;
            }
        }
    }
}

/// `acc[i][j] += sum_kk w[kk][i] * x[kk * stride + j]` for `kk < k`: `x` holds `k` rows
/// of at least [`NR`] values, `stride` apart; `w` is one packed block (`k x MR`).
/// Rows past the end of `x` or `w` are not read (the caller passes whole ones).
#[inline(always)]
pub(crate) fn tile(acc: &mut Acc, x: &[f32], stride: usize, w: &[f16], k: usize) {
    #[cfg(tinymtl_m_fpu_asm)]
    if m_fpu::tile(acc, x, stride, w, k) {
        return;
    }
    #[cfg(tinymtl_x86_avx2)]
    if x86_avx2::tile(acc, x, stride, w, k) {
        return;
    }
    portable(acc, x, stride, w, k);
}

/// [`tile`] in portable Rust.
#[inline(always)]
pub(crate) fn portable(acc: &mut Acc, x: &[f32], stride: usize, w: &[f16], k: usize) {
    let (w, _) = w.as_chunks::<MR>();
    for (kk, wv) in w.iter().take(k).enumerate() {
        let Some(xv) = tail(x, kk * stride).first_chunk::<NR>() else {
            break;
        };
        let wv = wv.map(widen);
        for (row, &wi) in acc.iter_mut().zip(&wv) {
            for (a, &xj) in row.iter_mut().zip(xv) {
                *a += wi * xj;
            }
        }
    }
}

/// Output channels of a [`wide`] tile (four packed blocks).
pub const WIDE_MR: usize = 4 * MR;
/// Output positions of a [`wide`] tile.
pub const WIDE_NR: usize = 6;

/// `acc[j][c] += sum_kk w[c][kk] * x[kk * stride + j]` for [`WIDE_MR`] channels (four
/// consecutive packed blocks of `w`) and [`WIDE_NR`] positions, one fused multiply-add
/// per product in `k` order, on targets with a tile of that shape (x86-64 with AVX2:
/// many channels over few positions, for the small planes where the 4-channel tile's [`NR`]
/// positions would be mostly padding). Returns `false`, doing nothing, elsewhere or
/// when the operands are short.
#[inline(always)]
pub fn wide(
    acc: &mut [[f32; WIDE_MR]; WIDE_NR],
    x: &[f32],
    stride: usize,
    w: &[f16],
    k: usize,
) -> bool {
    #[cfg(tinymtl_x86_avx2)]
    return x86_avx2::wide(acc, x, stride, w, k);
    #[cfg(not(tinymtl_x86_avx2))]
    {
        let _ = (acc, x, stride, w, k);
        false
    }
}

/// Whether this target has a [`wide`] tile.
pub const HAS_WIDE: bool = cfg!(tinymtl_x86_avx2);

/// [`tile`] through the assembly where the target has it: for the firmware test that
/// compares it with [`tile_portable`] (`tests/qemu-dot`). Not part of the API.
#[doc(hidden)]
#[inline(never)]
pub fn tile_selected(acc: &mut Acc, x: &[f32], stride: usize, w: &[f16], k: usize) {
    tile(acc, x, stride, w, k);
}

/// [`tile`] in portable Rust on every target (see [`tile_selected`]). Not part of the API.
#[doc(hidden)]
#[inline(never)]
pub fn tile_portable(acc: &mut Acc, x: &[f32], stride: usize, w: &[f16], k: usize) {
    portable(acc, x, stride, w, k);
}
