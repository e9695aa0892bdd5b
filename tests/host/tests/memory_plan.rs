//! The arena plan on every fixture: buffers live at the same time never overlap, and
//! the arena is no larger than the largest set of simultaneously live buffers needs.

use tinymtl_codegen::ir::program::Arg;
use tinymtl_host_tests::fixtures;

#[test]
fn arena_is_valid_and_meets_the_liveness_bound_on_every_fixture() {
    for f in fixtures() {
        let c = f
            .builder()
            .build()
            .unwrap_or_else(|e| panic!("{e}"))
            .compiled;
        let b = &c.plan.buffers;
        for i in 0..b.len() {
            for j in i + 1..b.len() {
                let time = b[i].start <= b[j].end && b[j].start <= b[i].end;
                let space =
                    b[i].offset < b[j].offset + b[j].len && b[j].offset < b[i].offset + b[i].len;
                assert!(!(time && space), "{}: buffers {i} and {j} overlap", f.name);
            }
        }
        for (s, step) in c.program.steps.iter().enumerate() {
            let out = c.plan.offset[step.out].unwrap();
            for (i, a) in step.args.iter().enumerate() {
                let Arg::Value(v) = *a else { continue };
                let Some(off) = c.plan.offset[v] else {
                    continue;
                };
                if c.plan.in_place[s] != Some(i) {
                    let len = c.program.values[v].numel();
                    assert!(
                        off + len <= out || out + c.program.values[step.out].numel() <= off,
                        "{}: step {s} overlaps its input",
                        f.name
                    );
                }
            }
        }
        println!(
            "{:<34} arena {:>7} B, liveness bound {:>7} B",
            f.name,
            c.plan.arena_len * 4,
            c.plan.peak_live * 4
        );
        assert_eq!(
            c.plan.arena_len, c.plan.peak_live,
            "{}: arena larger than the liveness bound",
            f.name
        );
    }
}
