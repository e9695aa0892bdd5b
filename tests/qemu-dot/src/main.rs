//! Property test of the Cortex-M FPU dot product and convolution tile, on QEMU `mps2-an386` (Cortex-M4F).
//!
//! `tinymtl_runtime::kernels::dot::dot_f16_selected` is the loop every dense layer and
//! convolution calls: on this target its whole blocks of 8 go through the assembly of
//! `runtime/src/kernels/dot/m_fpu.rs` (`vldmia`, `vcvtb`/`vcvtt`, `vfma`, eight lanes).
//! `dot_f16_portable` is the same function with the portable Rust blocks. Both share
//! the head (one element peeled when the weights start 2 bytes past a word) and the
//! scalar tail, so one binary holds both.
//!
//! For every length 0..=300, every weight offset 0..=3 (in f16 elements from a 16-byte
//! aligned buffer: 4-byte aligned at 0 and 2, 2-byte aligned at 1 and 3) and every
//! activation offset 0..=3 (in f32 elements), seeded random cases (SplitMix64, no
//! allocation) compare:
//!
//! - finite values, in four mixes (moderate; wide exponents; subnormals and tiny
//!   normals; pairs that cancel), with ±0 and subnormals sprinkled in each:
//!   - the assembly against [`fused_model`], a Rust transcription of what the assembly
//!     must compute (same peel, same lanes, correctly rounded `fmaf` per element, the
//!     lanes summed in order, same tail): **bit for bit**;
//!   - the assembly against the portable loop: within [`tolerance`]. The two add in
//!     the same order, but the portable loop rounds each product before adding it
//!     (Rust never contracts `a += x * w` into a fused multiply-add) and the assembly
//!     does not, so they need not agree bit for bit.
//! - NaN and infinite activations (a NaN anywhere gives NaN in both; an infinity times
//!   a finite non-zero weight gives that signed infinity in both; +inf plus -inf, and
//!   inf times a zero weight, give NaN in both). Weights are never NaN or infinite:
//!   the code generator refuses them and `tinymtl_runtime::f16::widen` (the head and
//!   tail) is exact only for finite weights.
//!
//! Prints the counts and the first failures over semihosting and exits with status 0
//! if every case passed, 1 otherwise (101 on a panic, 102 on a fault), so
//! `cargo run --release` (the runner in `.cargo/config.toml`) and `cargo xtask
//! qemu-dot` fail with it.
#![no_std]
#![no_main]

mod tile;

use cortex_m_rt::{entry, exception, ExceptionFrame};
use semihosting::println;
use tinymtl_runtime::f16::widen;
use tinymtl_runtime::kernels::dot::{dot_f16_portable, dot_f16_selected};
use tinymtl_runtime::F16;

/// Longest dot product tested.
const MAX_LEN: usize = 300;
/// Start offsets tried, for the weights (f16 elements) and the activations (f32).
const OFFSETS: usize = 4;
/// Lanes of the assembly loop (`LANES` in the runtime).
const LANES: usize = 8;
/// Failures printed in full.
const SHOWN: u32 = 8;
/// The PRNG seed (`TINYMTL_DOT_SEED` at build time overrides it).
const SEED: u64 = 0x7d07_f16f_32c0_ffee;

/// `f32::EPSILON` (2^-23) and the smallest positive subnormal f32 (2^-149), as f64.
const EPS: f64 = f32::EPSILON as f64;
const TINY: f64 = 1.401_298_464_324_817e-45;

/// SplitMix64 (Steele, Lea and Flood): small, fast, and every seed gives a full-period
/// sequence.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in `0..n` (`n >= 1`).
    fn below(&mut self, n: usize) -> usize {
        (((self.next() >> 32) * n as u64) >> 32) as usize
    }

    /// Uniform in `[-r, r)`.
    fn sym(&mut self, r: f32) -> f32 {
        ((self.next() >> 40) as f32 * (1.0 / 16_777_216.0) * 2.0 - 1.0) * r
    }

    fn sign(&mut self) -> u32 {
        (self.next() as u32) & 0x8000_0000
    }
}

/// The value mixes of the finite cases.
#[derive(Clone, Copy)]
enum Mix {
    /// Activations in [-2, 2), weights in [-1, 1): what the kernels see.
    Moderate,
    /// Activations with exponents 2^-30..2^30, weights any finite f16.
    Wide,
    /// Subnormal and tiny normal activations and weights: products underflow.
    Tiny,
    /// Moderate values whose second half cancels the first (the exact sum is the
    /// middle element, or 0): the result is tiny next to `sum |x w|`.
    Cancel,
}

const MIXES: [Mix; 4] = [Mix::Moderate, Mix::Wide, Mix::Tiny, Mix::Cancel];

impl Mix {
    fn name(self) -> &'static str {
        match self {
            Mix::Moderate => "moderate",
            Mix::Wide => "wide",
            Mix::Tiny => "tiny",
            Mix::Cancel => "cancel",
        }
    }
}

/// The non-finite cases.
#[derive(Clone, Copy)]
enum Special {
    /// A NaN activation (quiet or signalling, any sign and payload): NaN.
    Nan,
    /// ±inf times a finite non-zero weight: that signed infinity.
    Inf,
    /// +inf and -inf products (n >= 2): NaN.
    InfMinusInf,
    /// ±inf times a zero weight: NaN.
    InfTimesZero,
}

const SPECIALS: [Special; 4] = [
    Special::Nan,
    Special::Inf,
    Special::InfMinusInf,
    Special::InfTimesZero,
];

impl Special {
    fn name(self) -> &'static str {
        match self {
            Special::Nan => "nan",
            Special::Inf => "inf",
            Special::InfMinusInf => "inf-inf",
            Special::InfTimesZero => "inf*0",
        }
    }
}

/// Any finite f16 (exponent field 31 is infinity or NaN: moved to 30).
fn any_finite_f16(r: &mut Rng) -> F16 {
    let b = r.next() as u16;
    F16::from_bits(if b & 0x7c00 == 0x7c00 { b & !0x0400 } else { b })
}

/// A subnormal (exponent field 0) or smallest-normal (1) f16, any sign, maybe ±0.
fn tiny_f16(r: &mut Rng) -> F16 {
    F16::from_bits((r.next() as u16) & 0x87ff)
}

/// Exponent field 0..=2 (subnormal or tiny normal), any sign, maybe ±0.
fn tiny_f32(r: &mut Rng) -> f32 {
    let b = r.next() as u32;
    f32::from_bits((b & 0x807f_ffff) | (((b >> 4) % 3) << 23))
}

/// Random exponent 2^-30..2^30, any sign and mantissa.
fn wide_f32(r: &mut Rng) -> f32 {
    let e = 127 - 30 + r.below(61) as u32;
    f32::from_bits(r.sign() | (e << 23) | (r.next() as u32 & 0x007f_ffff))
}

/// One element of a finite case: mostly from `mix`, sometimes ±0 or a subnormal.
fn element(r: &mut Rng, mix: Mix) -> (f32, F16) {
    let x = match r.below(32) {
        0 => f32::from_bits(r.sign()),
        1 => tiny_f32(r),
        _ => match mix {
            Mix::Moderate | Mix::Cancel => r.sym(2.0),
            Mix::Wide => wide_f32(r),
            Mix::Tiny => tiny_f32(r),
        },
    };
    let w = match r.below(32) {
        0 => F16::from_bits((r.sign() >> 16) as u16),
        1 => tiny_f16(r),
        _ => match mix {
            Mix::Moderate | Mix::Cancel => F16::from_f32(r.sym(1.0)),
            Mix::Wide => any_finite_f16(r),
            Mix::Tiny => tiny_f16(r),
        },
    };
    (x, w)
}

/// Fills a finite case.
fn fill_finite(r: &mut Rng, mix: Mix, x: &mut [f32], w: &mut [F16]) {
    for (xv, wv) in x.iter_mut().zip(w.iter_mut()) {
        (*xv, *wv) = element(r, mix);
    }
    if let Mix::Cancel = mix {
        let n = x.len().min(w.len());
        for i in 0..n / 2 {
            if let (Some(&xi), Some(&wi)) = (x.get(i), w.get(i)) {
                if let (Some(xj), Some(wj)) = (x.get_mut(n - 1 - i), w.get_mut(n - 1 - i)) {
                    (*xj, *wj) = (-xi, wi);
                }
            }
        }
    }
}

/// Fills a non-finite case over moderate finite values; returns the exact result
/// (NaN for the NaN cases).
fn fill_special(r: &mut Rng, special: Special, x: &mut [f32], w: &mut [F16]) -> f32 {
    fill_finite(r, Mix::Moderate, x, w);
    let n = x.len().min(w.len());
    let p = r.below(n);
    let inf = f32::from_bits(r.sign() | 0x7f80_0000);
    let nonzero = |h: F16| {
        if h.to_f32() == 0.0 {
            F16::from_f32(0.75)
        } else {
            h
        }
    };
    match special {
        Special::Nan => {
            // Quiet or signalling: exponent all ones, a non-zero mantissa.
            let m = (r.next() as u32 & 0x007f_ffff) | 1 << (r.below(23) as u32);
            set(x, p, f32::from_bits(r.sign() | 0x7f80_0000 | m));
            f32::NAN
        }
        Special::Inf => {
            let wp = nonzero(w.get(p).copied().unwrap_or(F16::ONE));
            set(w, p, wp);
            set(x, p, inf);
            if wp.to_f32() < 0.0 {
                -inf
            } else {
                inf
            }
        }
        Special::InfMinusInf => {
            let q = (p + 1 + r.below(n - 1)) % n;
            let wp = nonzero(w.get(p).copied().unwrap_or(F16::ONE));
            let wq = nonzero(w.get(q).copied().unwrap_or(F16::ONE));
            set(w, p, wp);
            set(w, q, wq);
            set(x, p, inf);
            // x[q] * w[q] has the sign opposite to x[p] * w[p].
            let same = (wp.to_f32() < 0.0) == (wq.to_f32() < 0.0);
            set(x, q, if same { -inf } else { inf });
            f32::NAN
        }
        Special::InfTimesZero => {
            set(w, p, F16::from_bits((r.sign() >> 16) as u16));
            set(x, p, inf);
            f32::NAN
        }
    }
}

fn set<T>(v: &mut [T], i: usize, value: T) {
    if let Some(e) = v.get_mut(i) {
        *e = value;
    }
}

/// What the assembly must compute, bit for bit: `dot_f16` with its blocks summed as
/// `m_fpu.rs` does. The head (peeled when `w` is not 4-byte aligned) and the tail are
/// the runtime's own Rust, separate multiply and add; each block element is one
/// correctly rounded fused multiply-add into its lane (`vfma`); the lanes are added
/// in order starting from lane 0 (`vadd`), and a dot product without a whole block
/// has body 0 (the runtime skips the assembly then).
///
/// The peel and the tail repeat `dot_with` in `runtime/src/kernels/dot/mod.rs` on
/// purpose: both loops under test share them, so only an independent copy catches a
/// bug there (dropping the last tail element fails here, not against the portable
/// loop).
fn fused_model(x: &[f32], w: &[F16]) -> f32 {
    let (mut x, mut w) = (x, w);
    let mut head = 0.0f32;
    if w.as_ptr().align_offset(4) != 0 {
        if let (Some((&x0, xs)), Some((&w0, ws))) = (x.split_first(), w.split_first()) {
            head = x0 * widen(w0);
            (x, w) = (xs, ws);
        }
    }
    let (xc, xr) = x.as_chunks::<LANES>();
    let (wc, wr) = w.as_chunks::<LANES>();
    let mut acc = [0.0f32; LANES];
    for (xs, ws) in xc.iter().zip(wc) {
        for ((a, &xv), &wv) in acc.iter_mut().zip(xs).zip(ws) {
            // `vcvtb`/`vcvtt` is the exact conversion, like `to_f32` for every f16.
            *a = libm::fmaf(xv, wv.to_f32(), *a);
        }
    }
    let body = if xc.is_empty() || wc.is_empty() {
        0.0
    } else {
        let [a0, rest @ ..] = acc;
        rest.iter().fold(a0, |s, &a| s + a)
    };
    let mut tail = head;
    for (&xv, &wv) in xr.iter().zip(wr) {
        tail += xv * widen(wv);
    }
    body + tail
}

/// `sum |x[i] w[i]|` in f64 (every product of an f32 and an f16 is exact in f64).
fn abs_sum(x: &[f32], w: &[F16]) -> f64 {
    x.iter()
        .zip(w)
        .map(|(&xv, &wv)| (xv as f64 * wv.to_f64()).abs())
        .sum()
}

/// How far apart the assembly and the portable loop may be, for `n` terms with
/// `sum |x w| = s`.
///
/// Both evaluate the same tree of additions (same peel, lanes, lane order and tail);
/// no term passes through more than `k <= n + 2` roundings (at most one per product,
/// none in the fused loop, one per addition on its path: its lane's chain, the seven
/// lane additions, the tail's chain, `body + tail`). The standard bound for such a
/// sum (Higham, *Accuracy and Stability of Numerical Algorithms*, 4.2) gives
/// `|computed - exact| <= k u / (1 - k u) * s` with `u = 2^-24` for each, so
/// `|asm - portable| <= 2 (n + 2) u s (1 + tiny) < (n + 2) eps s`; twice that is the
/// relative term. Products that round in the subnormal range lose up to 2^-150
/// absolutely, which no relative bound covers (additions of subnormals are exact):
/// at most `n` such products in each, so `(n + 1) 2^-148` is the absolute term.
fn tolerance(n: usize, s: f64) -> f64 {
    2.0 * (n as f64 + 2.0) * EPS * s + (n as f64 + 1.0) * 4.0 * TINY
}

#[repr(C, align(16))]
struct Aligned<T>(T);

struct Tally {
    cases: u32,
    failed: u32,
    /// Finite cases where the assembly and the portable loop agree bit for bit.
    identical: u32,
    finite: u32,
    /// Largest `|asm - portable| / tolerance` seen.
    worst: f64,
}

impl Tally {
    fn fail(&mut self, what: &str, c: &Case, got: [f32; 3], tol: f64) {
        self.failed += 1;
        if self.failed <= SHOWN {
            println!(
                "FAIL {}: {} n={} w_off={} x_off={} case={}: asm {:e} ({:#010x}), portable {:e} ({:#010x}), model {:e} ({:#010x}), tolerance {:e}",
                what,
                c.kind,
                c.n,
                c.w_off,
                c.x_off,
                self.cases,
                got[0],
                got[0].to_bits(),
                got[1],
                got[1].to_bits(),
                got[2],
                got[2].to_bits(),
                tol
            );
        }
    }
}

struct Case {
    kind: &'static str,
    n: usize,
    w_off: usize,
    x_off: usize,
}

/// Both NaN, or the same bits.
fn same(a: f32, b: f32) -> bool {
    (a.is_nan() && b.is_nan()) || a.to_bits() == b.to_bits()
}

#[entry]
fn main() -> ! {
    let seed = option_env!("TINYMTL_DOT_SEED")
        .and_then(|s| s.parse().ok())
        .unwrap_or(SEED);
    let mut rng = Rng(seed);
    let mut xbuf = Aligned([0.0f32; MAX_LEN + OFFSETS]);
    let mut wbuf = Aligned([F16::ZERO; MAX_LEN + OFFSETS]);
    let mut t = Tally {
        cases: 0,
        failed: 0,
        identical: 0,
        finite: 0,
        worst: 0.0,
    };
    println!(
        "qemu-dot: assembly vs portable f16 x f32 dot product, lengths 0..={}, {} weight x {} activation offsets, seed {:#x}",
        MAX_LEN, OFFSETS, OFFSETS, seed
    );
    for n in 0..=MAX_LEN {
        for w_off in 0..OFFSETS {
            for x_off in 0..OFFSETS {
                let (Some(x), Some(w)) = (
                    xbuf.0.get_mut(x_off..x_off + n),
                    wbuf.0.get_mut(w_off..w_off + n),
                ) else {
                    println!("FAIL: buffers too short");
                    semihosting::process::exit(1)
                };
                for mix in MIXES {
                    fill_finite(&mut rng, mix, x, w);
                    let got = [
                        dot_f16_selected(x, w),
                        dot_f16_portable(x, w),
                        fused_model(x, w),
                    ];
                    let tol = tolerance(n, abs_sum(x, w));
                    let diff = (got[0] as f64 - got[1] as f64).abs();
                    let c = Case {
                        kind: mix.name(),
                        n,
                        w_off,
                        x_off,
                    };
                    t.finite += 1;
                    if got[0].to_bits() != got[2].to_bits() {
                        t.fail("asm != fused model", &c, got, tol);
                    } else if !(got[0].is_finite() && got[1].is_finite() && diff <= tol) {
                        t.fail("|asm - portable| > tolerance", &c, got, tol);
                    } else {
                        t.identical += u32::from(got[0].to_bits() == got[1].to_bits());
                        if tol > 0.0 {
                            t.worst = t.worst.max(diff / tol);
                        }
                    }
                    t.cases += 1;
                }
                for special in SPECIALS {
                    let needs = match special {
                        Special::InfMinusInf => 2,
                        _ => 1,
                    };
                    if n < needs {
                        continue;
                    }
                    let want = fill_special(&mut rng, special, x, w);
                    let got = [
                        dot_f16_selected(x, w),
                        dot_f16_portable(x, w),
                        fused_model(x, w),
                    ];
                    let c = Case {
                        kind: special.name(),
                        n,
                        w_off,
                        x_off,
                    };
                    if !got.iter().all(|&g| same(g, want)) {
                        t.fail("non-finite rule", &c, got, 0.0);
                    }
                    t.cases += 1;
                }
            }
        }
    }
    println!(
        "qemu-dot: {} cases ({} finite: {} bit-identical asm and portable, worst |asm - portable| in a passing case = {:.3} x tolerance; {} NaN/inf)",
        t.cases,
        t.finite,
        t.identical,
        t.worst,
        t.cases - t.finite
    );
    let (tile_cases, tile_failed) = tile::run(&mut rng);
    t.cases += tile_cases;
    t.failed += tile_failed;
    println!(
        "qemu-dot: {} passed, {} failed",
        t.cases - t.failed,
        t.failed
    );
    semihosting::process::exit(if t.failed == 0 { 0 } else { 1 })
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    match info.location() {
        Some(l) => println!("FAIL: panicked at {}:{}", l.file(), l.line()),
        None => println!("FAIL: panicked"),
    }
    semihosting::process::exit(101)
}

#[exception]
unsafe fn HardFault(ef: &ExceptionFrame) -> ! {
    println!("FAIL: HardFault at pc {:#010x}", ef.pc());
    semihosting::process::exit(102)
}
