//! Unit tests of the call-graph reader on hand-written listings.
//! `analyze` on hand-written listings in the format of `arm-none-eabi-objdump -d
//! --no-show-raw-insn` (symbols as the firmware has them: legacy-mangled crate
//! functions, v0-mangled `core`), showing that each check can fail.

use super::*;

/// `tinymtl_infer` calling the trunk, the entry of several listings.
const INFER_CALLS_TRUNK: &str = "
00001e0c <tinymtl_infer>:
1e0c:\tpush\t{r7, lr}
1e0e:\tbl\t12a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>
1e12:\tpop\t{r7, pc}
";

/// `analyze` on the listing made of `parts`.
fn graph(parts: &[&str]) -> (CallGraph, Vec<u64>) {
    analyze(&parts.concat()).unwrap_or_else(|e| panic!("{e}"))
}

fn path(chain: &[&str]) -> PanicPath {
    PanicPath {
        chain: chain.iter().map(|s| s.to_string()).collect(),
        site: Vec::new(),
    }
}

#[test]
fn a_bounds_check_in_the_trunk_is_reported_with_its_chain() {
    // The trunk comes first in the ELF, as it does in the real firmware: the
    // chain still starts at the entry point.
    let listing = "
/work/main/target/boards/thumbv7em-none-eabihf/release/tinymtl-qemu-m4:     file format elf32-littlearm


Disassembly of section .text:

000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
12a0:\tpush\t{r7, lr}
12a2:\tmov\tr7, sp
12a4:\tcmp\tr1, #15
12a6:\tbhi.n\t12ae <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E+0xe>
12a8:\tldr.w\tr0, [r0, r1, lsl #2]
12ac:\tpop\t{r7, pc}
12ae:\tmovs\tr2, #16
12b0:\tldr\tr3, [pc, #4]\t@ (12b8 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E+0x18>)
12b2:\tbl\t2238 <_RNvNtCs7ldSeZOOJos_4core9panicking18panic_bounds_check>
12b6:\tnop

00001e0c <tinymtl_infer>:
1e0c:\tpush\t{r7, lr}
1e0e:\tmov\tr7, sp
1e10:\tbl\t12a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>
1e14:\tpop\t{r7, pc}

00001eee <_RNvNtCs7ldSeZOOJos_4core9panicking9panic_fmt>:
1eee:\tb.n\t1eee <_RNvNtCs7ldSeZOOJos_4core9panicking9panic_fmt>

00002238 <_RNvNtCs7ldSeZOOJos_4core9panicking18panic_bounds_check>:
2238:\tpush\t{r7, lr}
223a:\tmov\tr7, sp
223c:\tbl\t1eee <_RNvNtCs7ldSeZOOJos_4core9panicking9panic_fmt>
";
    let (g, sites) = graph(&[listing]);
    assert_eq!(g.roots, ["tinymtl_infer", "tinymtl_qemu_m4::model::trunk"]);
    assert_eq!(
        g.panics,
        [path(&[
            "tinymtl_infer",
            "model::trunk",
            "core::panicking::panic_bounds_check"
        ])]
    );
    assert_eq!(
        g.panics[0].edge(),
        "model::trunk -> core::panicking::panic_bounds_check"
    );
    assert_eq!(sites, [0x12b2]);
    // The panic machinery itself is not walked.
    assert_eq!(g.reachable, 2);
    assert_eq!(
        g.functions,
        [
            "_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E",
            "tinymtl_infer"
        ]
    );
}

#[test]
fn b_a_panic_behind_a_tail_call_is_reported() {
    // The trunk tail-calls the dense kernel, which can fail a slice index; the
    // head branches straight into `core::panicking::panic`.
    let listing = "
00001cb8 <_ZN15tinymtl_qemu_m45model9head_fall17hd651b4d8cbd9bc7fE>:
1cb8:\tcmp\tr1, #0
1cba:\tbeq.n\t1cc0 <_ZN15tinymtl_qemu_m45model9head_fall17hd651b4d8cbd9bc7fE+0x8>
1cbc:\tvldr\ts0, [r0]
1cbe:\tbx\tlr
1cc0:\tldr\tr0, [pc, #4]\t@ (1cc8 <_ZN15tinymtl_qemu_m45model9head_fall17hd651b4d8cbd9bc7fE+0x10>)
1cc2:\tb.w\t2238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>

00001e0c <tinymtl_infer>:
1e0c:\tpush\t{r4, r6, r7, lr}
1e0e:\tadd\tr7, sp, #8
1e10:\tmov\tr4, r0
1e12:\tbl\t12a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>
1e16:\tmov\tr0, r4
1e18:\tbl\t1cb8 <_ZN15tinymtl_qemu_m45model9head_fall17hd651b4d8cbd9bc7fE>
1e1c:\tpop\t{r4, r6, r7, pc}

000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
12a0:\tmovs\tr2, #64\t@ 0x40
12a2:\tb.w\t3000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>

00003000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>:
3000:\tpush\t{r7, lr}
3002:\tmov\tr7, sp
3004:\tcmp\tr2, r3
3006:\tbhi.n\t300c <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E+0xc>
3008:\tpop\t{r7, pc}
300a:\tnop
300c:\tbl\t2200 <_RNvNtNtCs7ldSeZOOJos_4core5slice5index16slice_index_fail>

00002200 <_RNvNtNtCs7ldSeZOOJos_4core5slice5index16slice_index_fail>:
2200:\tbl\t2238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>

00002238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>:
2238:\tb.n\t2238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>
";
    let (g, sites) = graph(&[listing]);
    assert_eq!(
        g.panics,
        [
            path(&[
                "tinymtl_infer",
                "model::trunk",
                "tinymtl_runtime::kernels::dense::dense",
                "core::slice::index::slice_index_fail"
            ]),
            path(&[
                "tinymtl_infer",
                "model::head_fall",
                "core::panicking::panic"
            ]),
        ]
    );
    assert_eq!(sites, [0x300c, 0x1cc2]);
}

#[test]
fn c_recursion_is_reported() {
    // unary_inplace -> expf -> unary_inplace, and expm1f calling itself; a branch
    // back to a function's own entry is a loop, not recursion.
    let listing = "
000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
12a0:\tpush\t{r7, lr}
12a2:\tbl\t3100 <_ZN15tinymtl_runtime7kernels3act13unary_inplace17h87a58b481d60bec1E>
12a6:\tbl\t3300 <_ZN4libm4math6expm1f6expm1f17h7b8952820c1d4863E>
12aa:\tpop\t{r7, pc}

00003100 <_ZN15tinymtl_runtime7kernels3act13unary_inplace17h87a58b481d60bec1E>:
3100:\tpush\t{r7, lr}
3102:\tbl\t3200 <_ZN4libm4math4expf4expf17h4b8868481f3c000cE>
3106:\tsubs\tr1, #1
3108:\tbne.n\t3100 <_ZN15tinymtl_runtime7kernels3act13unary_inplace17h87a58b481d60bec1E>
310a:\tpop\t{r7, pc}

00003200 <_ZN4libm4math4expf4expf17h4b8868481f3c000cE>:
3200:\tpush\t{r7, lr}
3202:\tbl\t3100 <_ZN15tinymtl_runtime7kernels3act13unary_inplace17h87a58b481d60bec1E>
3206:\tpop\t{r7, pc}

00003300 <_ZN4libm4math6expm1f6expm1f17h7b8952820c1d4863E>:
3300:\tpush\t{r7, lr}
3302:\tbl\t3300 <_ZN4libm4math6expm1f6expm1f17h7b8952820c1d4863E>
3306:\tpop\t{r7, pc}
";
    let (g, _) = graph(&[INFER_CALLS_TRUNK, listing]);
    let act = "tinymtl_runtime::kernels::act::unary_inplace";
    let expm1f = "libm::math::expm1f::expm1f";
    assert_eq!(
        g.recursion,
        [
            vec![act, "libm::math::expf::expf", act],
            vec![expm1f, expm1f]
        ]
    );
    assert!(g.panics.is_empty());
}

#[test]
fn d_an_indirect_call_is_reported() {
    // `bx lr` returns; `blx r3` calls something unknown. The same in a function
    // the inference does not reach is not reported.
    let listing = "
00000a00 <_ZN15tinymtl_qemu_m44demo17h64521122d610bb39E>:
a00:\tldr\tr2, [r0, #12]
a02:\tblx\tr2
a04:\tbl\t1e0c <tinymtl_infer>

000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
12a0:\tpush\t{r7, lr}
12a2:\tldr\tr3, [r0, #12]
12a4:\tblx\tr3
12a6:\tbl\t1f00 <_ZN15tinymtl_runtime7kernels3act13unary_inplace17h87a58b481d60bec1E>
12aa:\tpop\t{r7, pc}

00001f00 <_ZN15tinymtl_runtime7kernels3act13unary_inplace17h87a58b481d60bec1E>:
1f00:\tvmul.f32\ts0, s0, s1
1f04:\tbx\tlr
";
    let (g, _) = graph(&[listing, INFER_CALLS_TRUNK]);
    assert_eq!(g.indirect, ["tinymtl_qemu_m4::model::trunk"]);
    assert!(g.panics.is_empty() && g.recursion.is_empty());
}

#[test]
fn e_stack_depth_sums_the_frames_of_the_deepest_chain() {
    // Frames: tinymtl_infer 20 + 24 = 44; trunk 8 + 16 = 24; dense 20 + 16 + 36
    // (objdump comments the immediate: `#36\t@ 0x24`) = 72; head_fall 20 + 8 = 28,
    // popped before its tail call into dense. Deepest: 44 + 24 + 72 = 140 (had the
    // tail call kept head_fall's frame: 44 + 28 + 72 = 144).
    let listing = "
00001e0c <tinymtl_infer>:
1e0c:\tpush\t{r4, r5, r6, r7, lr}
1e0e:\tadd\tr7, sp, #12
1e10:\tsub\tsp, #24
1e12:\tbl\t12a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>
1e16:\tbl\t1cb8 <_ZN15tinymtl_qemu_m45model9head_fall17hd651b4d8cbd9bc7fE>
1e1a:\tadd\tsp, #24
1e1c:\tpop\t{r4, r5, r6, r7, pc}

000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
12a0:\tpush\t{r7, lr}
12a2:\tmov\tr7, sp
12a4:\tvpush\t{d8-d9}
12a8:\tbl\t3000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>
12ac:\tvpop\t{d8-d9}
12b0:\tpop\t{r7, pc}

00001cb8 <_ZN15tinymtl_qemu_m45model9head_fall17hd651b4d8cbd9bc7fE>:
1cb8:\tpush\t{r4, r5, r6, r7, lr}
1cba:\tadd\tr7, sp, #12
1cbc:\tsub\tsp, #8
1cbe:\tstr\tr0, [sp, #4]
1cc0:\tadd\tsp, #8
1cc2:\tpop.w\t{r4, r5, r6, r7, lr}
1cc6:\tb.w\t3000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>

00003000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>:
3000:\tpush\t{r4, r5, r6, r7, lr}
3002:\tadd\tr7, sp, #12
3004:\tstmdb\tsp!, {r8, r9, sl, fp}
3008:\tsub\tsp, #36\t@ 0x24
300a:\tadd\tsp, #36\t@ 0x24
300c:\tldmia.w\tsp!, {r8, r9, sl, fp}
3010:\tpop\t{r4, r5, r6, r7, pc}
";
    let frames: Vec<u64> = parse(listing).iter().map(|f| f.frame).collect();
    assert_eq!(frames, [44, 24, 28, 72]);
    let (g, _) = graph(&[listing]);
    assert_eq!(g.max_stack, 140);
    assert_eq!(
        g.deepest,
        [
            "tinymtl_infer (44 B)",
            "tinymtl_qemu_m4::model::trunk (24 B)",
            "tinymtl_runtime::kernels::dense::dense (72 B)"
        ]
    );
}

#[test]
fn frame_bytes_of_prologue_instructions() {
    assert_eq!(
        frame_bytes("push.w", "{r4, r5, r6, r7, r8, r9, sl, fp, lr}"),
        36
    );
    assert_eq!(frame_bytes("stmdb", "sp!, {r8, r9, fp}"), 12);
    assert_eq!(frame_bytes("stmdb", "r0!, {r1, r2}"), 0);
    assert_eq!(frame_bytes("vpush", "{d8-d15}"), 64);
    assert_eq!(frame_bytes("vpush", "{s16-s17}"), 8);
    assert_eq!(frame_bytes("sub.w", "sp, sp, #4096"), 4096);
    assert_eq!(frame_bytes("sub", "r0, #8"), 0);
    assert_eq!(frame_bytes("mov", "r7, sp"), 0);
}

#[test]
fn f_a_clean_graph_reports_nothing() {
    // `main` can panic, but the inference path does not reach it.
    let listing = "
00000500 <main>:
500:\tbl\t1e0c <tinymtl_infer>
504:\tbl\t2238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>
";
    let rest = "
000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
12a0:\tpush\t{r7, lr}
12a2:\tbl\t3000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>
12a6:\tpop\t{r7, pc}

00002238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>:
2238:\tb.n\t2238 <_RNvNtCs7ldSeZOOJos_4core9panicking5panic>

00003000 <_ZN15tinymtl_runtime7kernels5dense5dense17hf184d9fc26c4ba48E>:
3000:\tvadd.f32\ts0, s0, s1
3004:\tbx\tlr
";
    let (g, sites) = graph(&[listing, INFER_CALLS_TRUNK, rest]);
    assert!(g.panics.is_empty() && sites.is_empty());
    assert!(g.recursion.is_empty() && g.indirect.is_empty());
    assert_eq!(g.reachable, 3);
    assert_eq!(g.max_stack, 16);
}

#[test]
fn g_no_tinymtl_infer_is_an_error() {
    let listing = "
000012a0 <_ZN15tinymtl_qemu_m45model5trunk17h75a7f3b1d8bb26a7E>:
12a0:\tpush\t{r7, lr}
12a2:\tpop\t{r7, pc}
";
    for text in [listing, ""] {
        let e = analyze(text).unwrap_err();
        assert!(e.0.contains("no `tinymtl_infer`"), "{e}");
    }
}

#[test]
fn h_a_board_firmware_is_walked_from_its_module() {
    // A board crate's `mod har`: no `tinymtl_infer`, the module's functions are
    // the roots; what they call is reached, other functions are not.
    let listing = "
000011c2 <_ZN19tinymtl_nrf52840_dk3har5trunk17h0123456789abcdefE>:
11c2:\tpush\t{r4, r5, r7, lr}
11c4:\tsub\tsp, #8
11c6:\tbl\t1300 <_ZN15tinymtl_runtime7kernels5dense5dense17h0123456789abcdefE>
11ca:\tpop\t{r4, r5, r7, pc}

00001300 <_ZN15tinymtl_runtime7kernels5dense5dense17h0123456789abcdefE>:
1300:\tpush\t{r7, lr}
1302:\tpop\t{r7, pc}

00001400 <main>:
1400:\tpush\t{r4, r5, r6, r7, lr}
1402:\tbl\t11c2 <_ZN19tinymtl_nrf52840_dk3har5trunk17h0123456789abcdefE>
";
    let (g, _) = analyze_from(listing, Roots::Module("har")).unwrap();
    assert_eq!(g.roots, ["tinymtl_nrf52840_dk::har::trunk"]);
    assert_eq!(g.reachable, 2);
    assert_eq!(g.max_stack, 24 + 8);
    assert_eq!(g.deepest_frames, [24, 8]);
    assert_eq!(g.stack_from, [32, 8]);
    let e = analyze_from(listing, Roots::Module("model")).unwrap_err();
    assert!(e.0.contains("no function of a module `model`"), "{e}");
    assert!(analyze(listing).is_err());
}

#[test]
fn panic_entry_points() {
    for name in [
        "core::panicking::panic_bounds_check",
        "core::option::unwrap_failed",
        "core::slice::index::slice_end_index_len_fail",
        "core::slice::<impl [T]>::copy_from_slice::len_mismatch_fail",
        "rust_begin_unwind",
    ] {
        assert!(is_panic(name), "{name}");
    }
    assert!(!is_panic("tinymtl_runtime::kernels::dense::dense"));
}
