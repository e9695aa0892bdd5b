use super::*;
use tinymtl_codegen::Builder;

fn demo() -> Compiled {
    let model = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/har/har_mtl.onnx");
    Builder::new(model).build().unwrap().compiled
}

fn measured(code: u64, stack: u64) -> CodeStack {
    CodeStack {
        code: vec![("model".into(), code)],
        stack,
        stack_parts: Vec::new(),
        measured_from: Some("fw.elf".into()),
        firmware: Some((100_000, 20_000)),
    }
}

#[test]
fn byte_counts_take_k_and_m() {
    for (s, n) in [
        ("262144", 262144),
        ("256K", 256 << 10),
        ("1M", 1 << 20),
        ("64KiB", 64 << 10),
        ("2mb", 2 << 20),
        ("0", 0),
    ] {
        assert_eq!(parse_bytes(s).unwrap(), n, "{s}");
    }
    for s in [
        "",
        "K",
        "-1",
        "+5",
        "1.5K",
        "1G",
        "99999999999999999999",
        "18014398509481984M",
    ] {
        let e = parse_bytes(s).unwrap_err().to_string();
        assert!(e.contains("is not a byte count"), "{s}: {e}");
    }
}

#[test]
fn flash_and_ram_are_itemised_and_summed() {
    let c = demo();
    let f = fit(
        &c,
        &Memory::custom(1 << 20, 1 << 20),
        &measured(16_000, 1_368),
    );
    let flash: Vec<u64> = f.flash.iter().map(|i| i.bytes).collect();
    let ram: Vec<u64> = f.ram.iter().map(|i| i.bytes).collect();
    assert_eq!(flash, [c.cost.total.weight_bytes as u64, 16_000]);
    // Arena, the imu window [1, 6, 50] f32, both heads' outputs (4 + 1 f32), stack.
    assert_eq!(ram, [c.plan.arena_len as u64 * 4, 1200, 20, 1_368]);
    assert!(f.fits() && f.would_fit.is_empty());
    let text = f.render();
    assert!(
        text.contains("(measured)") && text.contains("measured from fw.elf"),
        "{text}"
    );
    assert!(
        text.contains("that whole firmware: flash 100000 bytes"),
        "{text}"
    );
}

#[test]
fn the_verdict_says_what_is_free_or_short() {
    let c = demo();
    let cs = measured(16_000, 1_000);
    let exact = fit(&c, &Memory::custom(1 << 20, 1 << 20), &cs);
    let (fl, ra) = (exact.flash_total(), exact.ram_total());
    let f = fit(&c, &Memory::custom(fl * 2, ra), &cs);
    assert_eq!(
        f.verdict(),
        format!("fits: flash {fl} bytes (50.0 %) free, RAM 0 bytes (0.0 %) free")
    );
    let f = fit(&c, &Memory::custom(fl - 7, ra - 1), &cs);
    assert!(!f.fits());
    assert_eq!(
        f.verdict(),
        "does not fit: flash short by 7 bytes, RAM short by 1 bytes"
    );
}

#[test]
fn when_it_does_not_fit_the_largest_fitting_head_sets_are_listed() {
    let c = demo();
    let cs = estimate_code(&c);
    let all = fit(&c, &Memory::custom(1 << 30, 1 << 30), &cs);
    let alone = |h: usize| {
        let sub = c.with_heads(&[h]);
        fit(
            &sub,
            &Memory::custom(1 << 30, 1 << 30),
            &estimate_code(&sub),
        )
    };
    let (a, i) = (alone(0), alone(1));
    assert!(a.flash_total() < all.flash_total() && i.flash_total() < a.flash_total());
    // Flash for `intensity` alone but not for `activity` alone: only it is listed.
    let m = Memory::custom(i.flash_total(), 1 << 30);
    let f = fit(&c, &m, &cs);
    assert!(!f.fits());
    assert_eq!(f.would_fit.len(), 1);
    assert_eq!(f.would_fit[0].heads, ["intensity"]);
    assert_eq!(
        (f.would_fit[0].flash, f.would_fit[0].ram),
        (i.flash_total(), i.ram_total())
    );
    assert!(f.render().contains("would fit"), "{}", f.render());
    // Enough for either alone: both listed, largest set first.
    let f = fit(&c, &Memory::custom(a.flash_total(), 1 << 30), &cs);
    assert_eq!(f.would_fit.len(), 2);
    // Nothing fits: said so.
    let f = fit(&c, &Memory::custom(100, 100), &cs);
    assert!(f.would_fit.is_empty() && f.render().contains("no set of heads fits"));
}

#[test]
fn every_board_is_a_memory() {
    for b in &crate::board::BOARDS {
        let m = Memory::board(b);
        assert_eq!(
            (m.flash, m.ram, m.target),
            (b.flash as u64, b.ram as u64, Some(b.target))
        );
        assert!(m.name.starts_with(b.name));
    }
}
