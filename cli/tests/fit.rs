//! `tinymtl inspect --board / --flash --ram [--elf]`: the fit report, its verdict and
//! its exit code, and the refusal contract for its arguments.

use std::path::Path;

mod common;
use common::tinymtl;

/// `inspect` of the demo model with `extra` fit arguments.
fn inspect_fit(extra: &[&str]) -> (bool, String, String) {
    let model = Path::new(env!("CARGO_MANIFEST_DIR")).join("../examples/har/har_mtl.onnx");
    let mut args = vec!["inspect", model.to_str().unwrap()];
    args.extend(extra);
    tinymtl(&args)
}

/// The `total` of the report's `section` (flash or RAM).
fn fit_total(report: &str, section: &str) -> u64 {
    let rest = &report[report.find(&format!("\n  {section}\n")).unwrap()..];
    let line = rest
        .lines()
        .find(|l| l.trim_start().starts_with("total"))
        .unwrap();
    line.split_whitespace().nth(1).unwrap().parse().unwrap()
}

#[test]
fn inspect_fit_on_a_board_and_on_given_memory() {
    let (ok, text, err) = inspect_fit(&["--board", "stm32f411"]);
    assert!(ok, "{err}");
    for needle in [
        "fit on stm32f411 (ST Nucleo-F411RE): 524288 bytes flash, 131072 bytes RAM",
        "weights                                                   23860",
        "arena                                                      8000",
        "input buffers (imu)                                        1200",
        "output copies (activity, intensity)                          20",
        "code of the inference path (estimate)",
        "stack of the inference path (estimate)",
        "code and stack are ESTIMATES",
    ] {
        assert!(text.contains(needle), "{needle} not in\n{text}");
    }
    let (flash, ram) = (fit_total(&text, "flash"), fit_total(&text, "RAM"));
    let free = 131072 - ram;
    assert!(text.contains(&format!("RAM {free} bytes (")), "{text}");
    // Exactly enough fits; one byte less of RAM does not, and says by how much.
    let (f, r) = (format!("{flash}"), format!("{ram}"));
    let (ok, text, err) = inspect_fit(&["--flash", &f, "--ram", &r]);
    assert!(
        ok && text.contains("fits: flash 0 bytes (0.0 %) free"),
        "{err}{text}"
    );
    let short = format!("{}", ram - 100);
    let (ok, text, err) = inspect_fit(&["--flash", "1M", "--ram", &short]);
    assert!(
        !ok && text.contains("does not fit: RAM short by 100 bytes"),
        "{text}"
    );
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(
        err.contains("har_mtl.onnx") && err.contains("RAM short by 100 bytes"),
        "{err}"
    );
    // What would fit: each head alone takes less RAM (a smaller arena or outputs).
    assert!(
        text.contains("would fit") || text.contains("no set of heads fits"),
        "{text}"
    );
}

#[test]
fn inspect_fit_refuses_bad_boards_sizes_and_elfs() {
    let dir = tempfile::tempdir().unwrap();
    let not_elf = dir.path().join("firmware.elf");
    std::fs::write(&not_elf, b"not an ELF").unwrap();
    let e = not_elf.to_str().unwrap();
    for (args, needles) in [
        (
            vec!["--board", "nrf"],
            vec!["unknown board 'nrf'", "nrf52840-dk", "esp32c3"],
        ),
        (
            vec!["--flash", "1.5K", "--ram", "1K"],
            vec!["--flash: '1.5K' is not a byte count"],
        ),
        (
            vec!["--flash", "1M", "--ram", "lots"],
            vec!["--ram: 'lots'"],
        ),
        (vec!["--board", "qemu-m4", "--elf", e], vec!["firmware.elf"]),
    ] {
        let (ok, out, err) = inspect_fit(&args);
        assert!(!ok, "{args:?} accepted: {out}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(
            err.starts_with("error: ") && !err.contains("panicked"),
            "{err}"
        );
        for n in needles {
            assert!(err.contains(n), "{args:?}: {n} not in {err}");
        }
    }
}
