//! Estimated Cortex-M4 cycles from an executed instruction mix: the one place the
//! CLI prices instructions. The instruction-counting plugin (`tools/qemu-insn`)
//! classifies every executed instruction from its disassembly and reports the counts
//! per class ([`Mix`]); [`estimate`] weighs them with the Cortex-M4(F) timings.
//!
//! Timings: ARM Cortex-M4 Technical Reference Manual (ARM DDI 0439), "Processor
//! instruction timings" and the FPU chapter's instruction table (also reproduced
//! in vendors' manuals, e.g. TI SWCU192 table 3-25), for a system with zero wait
//! states:
//!
//! | class | cycles | assumption |
//! |---|---:|---|
//! | data processing, IT, moves | 1 | |
//! | MUL, MLA, SMULL, SMLAL, SMLAD, ... | 1 | |
//! | SDIV, UDIV | 7 | the TRM gives 2 to 12, data dependent: the midpoint |
//! | branch (B, BL, BX, CBZ, TBB, ...) | 1, + 2 if taken | P (pipeline refill) is 1 to 3: 2 assumed |
//! | LDR (all widths) | 2, or 1 directly after another single load/store | neighbouring loads and stores pipeline |
//! | STR (all widths) | 1 | the write buffer takes the data |
//! | LDM, POP, LDRD; STM, PUSH, STRD | 1 + N registers (+ 2 if PC is loaded) | |
//! | VADD, VSUB, VMUL, VCVT, VMOV, VCMP, VABS, VNEG, VMRS | 1 | |
//! | VFMA, VFMS, VMLA, VMLS (and negated forms) | 3 | |
//! | VDIV, VSQRT | 14 | |
//! | VLDR | 2, or 1 directly after another single load/store | as LDR |
//! | VSTR | 2 | |
//! | VLDM, VPOP; VSTM, VPUSH | 1 + N words (a d register is two) | |
//! | anything else (NOP, barriers, SVC, BKPT, MRS) | 1 | |
//!
//! Simplifications: no wait states (flash at the core clock), no pipeline stalls on
//! register dependencies (a `vfma` whose result the next instruction needs waits on
//! real hardware; the estimate does not), no interrupts, a taken branch always
//! costs the same. An estimate of where cycles go, not a cycle-accurate model; it
//! shows what an instruction count hides (a `vfma` counts once but takes three).
//! Only M4-class targets are estimated ([`estimate`] is `None` elsewhere).

use super::QemuTarget;
use tinymtl_codegen::{Error, Result};

/// The plugin's counters, in its order (`class_names` in `insn_count.c`): executed
/// instructions per class, then the registers the multiple loads and stores moved and
/// the taken control transfers.
pub const CLASSES: [&str; 23] = [
    "alu",
    "mul",
    "div",
    "branch",
    "load",
    "load_pipelined",
    "store",
    "ldm",
    "stm",
    "fp_alu",
    "fp_mac",
    "fp_div",
    "fp_load",
    "fp_load_pipelined",
    "fp_store",
    "fp_ldm",
    "fp_stm",
    "other",
    "ldm_regs",
    "stm_regs",
    "fp_ldm_regs",
    "fp_stm_regs",
    "taken",
];

/// Cortex-M4 cycles per unit of each counter of [`CLASSES`] (the table above).
const M4_CYCLES: [u64; 23] = [
    1,  // alu
    1,  // mul
    7,  // div: 2..12
    1,  // branch, not taken
    2,  // load
    1,  // load_pipelined
    1,  // store
    1,  // ldm: the 1 of 1 + N
    1,  // stm
    1,  // fp_alu
    3,  // fp_mac
    14, // fp_div
    2,  // fp_load
    1,  // fp_load_pipelined
    2,  // fp_store
    1,  // fp_ldm
    1,  // fp_stm
    1,  // other
    1,  // ldm_regs: the N of 1 + N
    1,  // stm_regs
    1,  // fp_ldm_regs
    1,  // fp_stm_regs
    2,  // taken: P
];

/// Executed instructions of one window or step, by class (see [`CLASSES`]).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Mix(pub [u64; 23]);

impl Mix {
    /// Parses the plugin's `class=N class=N ...` (absent classes are zero).
    pub fn parse(fields: &str) -> Result<Mix> {
        let mut m = Mix::default();
        for f in fields.split_whitespace() {
            let bad = || Error::new(format!("the QEMU plugin reported `{f}`: no such count"));
            let (name, n) = f.split_once('=').ok_or_else(bad)?;
            let i = CLASSES.iter().position(|c| *c == name).ok_or_else(bad)?;
            m.0[i] = n.parse().map_err(|_| bad())?;
        }
        Ok(m)
    }

    /// The count of class `name` (0 for an unknown name).
    pub fn get(&self, name: &str) -> u64 {
        CLASSES
            .iter()
            .position(|c| *c == name)
            .map_or(0, |i| self.0[i])
    }

    /// Class by class, `self - other`, never below zero.
    pub fn saturating_sub(&self, other: &Mix) -> Mix {
        let mut m = self.clone();
        for (a, b) in m.0.iter_mut().zip(other.0) {
            *a = a.saturating_sub(b);
        }
        m
    }

    /// Class by class, `self + other`.
    pub fn add(&mut self, other: &Mix) {
        for (a, b) in self.0.iter_mut().zip(other.0) {
            *a += b;
        }
    }
}

/// The note under every table with an `est. cycles*` column.
pub const FOOTNOTE: &str =
    "* est. cycles: an estimate, not a measurement: the executed instruction mix \
weighed with the Cortex-M4 TRM timings (zero wait states, no pipeline stalls, taken branch 1 + 2); \
`-` off Cortex-M4-class targets\n";

/// Whether target `t`'s core is one the cycle model describes (Cortex-M4 class).
pub fn has_cycle_model(t: &QemuTarget) -> bool {
    t.core.starts_with("Cortex-M4")
}

/// Estimated Cortex-M4 cycles of `mix` (see the module's table), `None` when target
/// `t` is not M4-class.
pub fn estimate(t: &QemuTarget, mix: &Mix) -> Option<u64> {
    has_cycle_model(t).then(|| mix.0.iter().zip(M4_CYCLES).map(|(n, c)| n * c).sum())
}

/// Groups of [`CLASSES`] for a compact breakdown: integer ALU (with multiplies,
/// divides and the rest), branches (taken ones' refill included), integer loads and
/// stores, FP arithmetic and conversions, FP multiply-accumulates, FP divides and
/// square roots, FP loads and stores.
pub const GROUPS: [(&str, &[&str]); 7] = [
    ("alu", &["alu", "mul", "div", "other"]),
    ("branch", &["branch", "taken"]),
    (
        "ld/st",
        &[
            "load",
            "load_pipelined",
            "store",
            "ldm",
            "stm",
            "ldm_regs",
            "stm_regs",
        ],
    ),
    ("fp", &["fp_alu"]),
    ("fp mac", &["fp_mac"]),
    ("fp div", &["fp_div"]),
    (
        "fp ld/st",
        &[
            "fp_load",
            "fp_load_pipelined",
            "fp_store",
            "fp_ldm",
            "fp_stm",
            "fp_ldm_regs",
            "fp_stm_regs",
        ],
    ),
];

/// `mix` by [`GROUPS`]: estimated cycles per group on M4-class targets, executed
/// instructions per group elsewhere (then the register and taken counters count
/// nothing). The groups add up to [`estimate`] (or to the instructions).
pub fn by_group(t: &QemuTarget, mix: &Mix) -> Vec<(&'static str, u64)> {
    let model = has_cycle_model(t);
    GROUPS
        .iter()
        .map(|(group, classes)| {
            let n = classes
                .iter()
                .filter_map(|c| CLASSES.iter().position(|x| x == c))
                .map(|i| match model {
                    true => mix.0[i] * M4_CYCLES[i],
                    false if i < 18 => mix.0[i],
                    false => 0,
                })
                .sum();
            (*group, n)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::qemu::{QEMU_M0, QEMU_M4, QEMU_RV32};

    /// The class names `insn_count.c` prints, in its order.
    fn plugin_classes() -> Vec<String> {
        let src = super::super::bench::PLUGIN_SOURCE;
        let at = src
            .find("class_names[N_CLASS] = {")
            .expect("class_names in the plugin");
        let body = &src[at..at + src[at..].find("};").expect("end of class_names")];
        body.split('"')
            .skip(1)
            .step_by(2)
            .map(String::from)
            .collect()
    }

    #[test]
    fn the_plugin_and_the_model_name_the_same_classes() {
        assert_eq!(plugin_classes(), CLASSES);
    }

    #[test]
    fn every_class_is_in_one_group() {
        for c in CLASSES {
            let n = GROUPS.iter().filter(|g| g.1.contains(&c)).count();
            assert_eq!(n, 1, "{c}");
        }
    }

    #[test]
    fn cycles_weigh_each_class() {
        let mix = Mix::parse(
            "fp_mac=10 fp_ldm=2 fp_ldm_regs=8 fp_alu=20 branch=5 taken=4 load=3 load_pipelined=3",
        )
        .unwrap();
        // 10 vfma x3 + 2 vldm of 4 words (1 + 4 each) + 20 x1 + 5 branches, 4 taken
        // (1 + 2 each) + 3 loads x2 + 3 pipelined x1.
        assert_eq!(estimate(&QEMU_M4, &mix), Some(30 + 10 + 20 + 5 + 8 + 6 + 3));
        assert_eq!(estimate(&QEMU_M0, &mix), None);
        let groups = by_group(&QEMU_M4, &mix);
        assert_eq!(
            groups.iter().map(|g| g.1).sum::<u64>(),
            30 + 10 + 20 + 5 + 8 + 6 + 3
        );
        assert_eq!(groups[4], ("fp mac", 30));
        // Off the model: instructions (10 + 2 + 20 + 5 + 3 + 3), registers and taken not.
        assert_eq!(
            by_group(&QEMU_M0, &mix).iter().map(|g| g.1).sum::<u64>(),
            43
        );
        assert_eq!(estimate(&QEMU_RV32, &mix), None);
        assert!(Mix::parse("vfma=3").is_err());
        assert!(Mix::parse("alu=x").is_err());
        let d = mix.saturating_sub(&Mix::parse("fp_mac=11 alu=1").unwrap());
        assert_eq!((d.get("fp_mac"), d.get("alu"), d.get("fp_alu")), (0, 0, 20));
    }

    /// The plugin's classifier itself (compiled alone with gcc) on disassembly lines
    /// as QEMU's capstone prints them.
    #[test]
    fn the_plugin_classifies_known_disassembly() {
        let Ok(gcc) = which("gcc") else {
            eprintln!("skipped: no gcc");
            return;
        };
        let dir = tempfile::tempdir().unwrap();
        let src = dir.path().join("insn_count.c");
        std::fs::write(&src, super::super::bench::PLUGIN_SOURCE).unwrap();
        let exe = dir.path().join("classify");
        let ok = std::process::Command::new(gcc)
            .args(["-O1", "-DTINYMTL_CLASSIFY_MAIN", "-o"])
            .arg(&exe)
            .arg(&src)
            .status()
            .unwrap();
        assert!(ok.success(), "the classifier does not compile");
        let cases = [
            ("vfma.f32 s0, s2, s4", "fp_mac 0"),
            ("vmla.f32 s1, s2, s3", "fp_mac 0"),
            ("vcvtb.f32.f16 s16, s8", "fp_alu 0"),
            ("vldmia r0!, {s0, s1, s2, s3}", "fp_ldm 4"),
            ("vldm r1, {s16-s31}", "fp_ldm 16"),
            ("vpush {d8, d9, d10, d11}", "fp_stm 8"),
            ("vdiv.f32 s0, s1, s2", "fp_div 0"),
            ("ldr r0, [r1]", "load 0"),
            ("ldr.w r2, [r3, #4]", "load_pipelined 0"),
            ("str r0, [r1]", "store 0"),
            ("ldrh r1, [r2], #2", "load_pipelined 0"),
            ("pop {r4, r5, r7, pc}", "ldm 4 control"),
            ("push {r4, r5, r6, r7, lr}", "stm 5"),
            ("ldrd r0, r1, [r2]", "ldm 2"),
            ("bne.w #0xd4c", "branch 0 control"),
            ("bl #0x2b9a", "branch 0 control"),
            ("bx lr", "branch 0 control"),
            ("cbz r0, #0x4c22", "branch 0 control"),
            ("bic r1, r1, #3", "alu 0"),
            ("bls #0xbae", "branch 0 control"),
            ("smlad r0, r1, r2, r3", "mul 0"),
            ("sdiv r0, r1, r2", "div 0"),
            ("itte eq", "alu 0"),
            ("mov pc, lr", "alu 0 control"),
            ("dsb sy", "other 0"),
        ];
        let out = std::process::Command::new(&exe)
            .args(cases.iter().map(|c| c.0))
            .output()
            .unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let got: Vec<&str> = text.lines().collect();
        let want: Vec<&str> = cases.iter().map(|c| c.1).collect();
        assert_eq!(got, want);
    }

    fn which(prog: &str) -> std::result::Result<std::path::PathBuf, ()> {
        tinymtl_verify::require_program(prog, "the test", "").map_err(|_| ())
    }
}
