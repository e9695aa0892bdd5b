//! The per-step profile marker: code generated with
//! `tinymtl_codegen::Builder::profile_steps(true)` calls [`step`] after every kernel
//! step, so a tool watching the program counter (the instruction-counting QEMU plugin
//! of `tinymtl bench --steps`, a debugger's breakpoint, a trace probe) can cut the
//! inference into steps. Ordinary generated code never calls it.

/// Marks the end of one kernel step. Does nothing observable; it is never inlined and
/// its call is never removed (the value passes through [`core::hint::black_box`]), and
/// its body is its own, so the linker never merges it with another function.
#[inline(never)]
pub fn step() {
    // "STEP": a constant no other function of the crate passes through `black_box`.
    core::hint::black_box(0x5354_4550_u32);
}
