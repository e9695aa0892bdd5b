//! The board templates (`templates/<board>/`) and the one place their `{{key}}` holes
//! are filled. Values written into `Cargo.toml` are TOML strings; nothing from the
//! model reaches a template but its shapes (numbers) and a sanitized file stem.

use super::config::Config;
use super::CrateOptions;
use crate::board::{Board, Sensor};
use std::path::PathBuf;
use tinymtl_codegen::emit::app::AppSpec;
use tinymtl_codegen::{Error, Generated, Result};

/// One board's template files.
struct Template {
    cargo: &'static str,
    config: &'static str,
    memory: Option<&'static str>,
    main: &'static str,
    uses_imu: &'static str,
    run_imu: &'static str,
    run_source: &'static str,
    link: &'static [&'static str],
    /// Versions known to build (the repository board's own lock file).
    lock: Option<&'static str>,
}

macro_rules! t {
    ($b:literal, $f:literal) => {
        include_str!(concat!("templates/", $b, "/", $f))
    };
}

const COMMON_SOURCE: &str = t!("common", "run_source.rs");
const ARM_DEFMT: &[&str] = &["--nmagic", "-Tlink.x", "-Tdefmt.x"];

fn files(board: &Board) -> Result<Template> {
    Ok(match board.name {
        "qemu-m4" => Template {
            cargo: t!("qemu-m4", "Cargo.toml"),
            config: t!("qemu-m4", "config.toml"),
            memory: Some(t!("qemu-m4", "memory.x")),
            main: t!("qemu-m4", "main.rs"),
            lock: None,
            uses_imu: "",
            run_imu: t!("qemu-m4", "run_imu.rs"),
            run_source: t!("qemu-m4", "run_source.rs"),
            link: &["--nmagic", "-Tlink.x"],
        },
        "nrf52840-dk" => Template {
            cargo: t!("nrf52840-dk", "Cargo.toml"),
            config: t!("nrf52840-dk", "config.toml"),
            memory: Some(t!("nrf52840-dk", "memory.x")),
            main: t!("nrf52840-dk", "main.rs"),
            lock: Some(include_str!("../../../boards/nrf52840-dk/Cargo.lock")),
            uses_imu: t!("nrf52840-dk", "uses_imu.rs"),
            run_imu: t!("nrf52840-dk", "run_imu.rs"),
            run_source: COMMON_SOURCE,
            link: ARM_DEFMT,
        },
        "stm32f411" => Template {
            cargo: t!("stm32f411", "Cargo.toml"),
            config: t!("stm32f411", "config.toml"),
            // embassy-stm32's `memory-x` feature writes it for the chip.
            memory: None,
            main: t!("stm32f411", "main.rs"),
            lock: Some(include_str!("../../../boards/stm32f411/Cargo.lock")),
            uses_imu: t!("stm32f411", "uses_imu.rs"),
            run_imu: t!("stm32f411", "run_imu.rs"),
            run_source: COMMON_SOURCE,
            link: ARM_DEFMT,
        },
        "rp2350" => Template {
            cargo: t!("rp2350", "Cargo.toml"),
            config: t!("rp2350", "config.toml"),
            memory: Some(t!("rp2350", "memory.x")),
            main: t!("rp2350", "main.rs"),
            lock: Some(include_str!("../../../boards/rp2350/Cargo.lock")),
            uses_imu: t!("rp2350", "uses_imu.rs"),
            run_imu: t!("rp2350", "run_imu.rs"),
            run_source: COMMON_SOURCE,
            link: ARM_DEFMT,
        },
        "esp32c3" => Template {
            cargo: t!("esp32c3", "Cargo.toml"),
            config: t!("esp32c3", "config.toml"),
            // esp-hal's linker scripts hold the memory map.
            memory: None,
            main: t!("esp32c3", "main.rs"),
            lock: Some(include_str!("../../../boards/esp32c3/Cargo.lock")),
            uses_imu: t!("esp32c3", "uses_imu.rs"),
            run_imu: t!("esp32c3", "run_imu.rs"),
            run_source: t!("esp32c3", "run_source.rs"),
            link: &["-Tlinkall.x", "-Tdefmt.x"],
        },
        other => {
            return Err(Error::new(format!(
                "no firmware template for board {other}"
            )))
        }
    })
}

/// Fills `{{key}}` holes; every hole must have a value.
fn fill(text: &str, values: &[(&str, &str)]) -> String {
    let mut out = text.to_string();
    for (k, v) in values {
        out = out.replace(&format!("{{{{{k}}}}}"), v);
    }
    debug_assert!(!out.contains("{{"), "unfilled hole in a template: {out}");
    out
}

/// Every file of the crate but the model's, as (path in the crate, bytes).
pub(super) fn render(
    o: &CrateOptions,
    g: &Generated,
    spec: &AppSpec,
    stem: &str,
    cfg: &Config,
) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let b = o.board;
    let f = files(b)?;
    let imu = spec.window.is_some();
    let mut pipeline_features: Vec<String> = Vec::new();
    if b.sensor != Sensor::None {
        pipeline_features.push("\"defmt\"".into());
        if imu {
            if let Some(feat) = b.sensor.feature() {
                pipeline_features.push(format!("\"{feat}\""));
            }
        }
    }
    let features = |list: &[String]| {
        if list.is_empty() {
            String::new()
        } else {
            format!("features = [{}]", list.join(", "))
        }
    };
    let runtime_features = if b.sensor != Sensor::None {
        features(&["\"defmt\"".to_string()])
    } else {
        String::new()
    };
    let runtime = o.tinymtl.dep("runtime", &runtime_features)?;
    let pipeline = o
        .tinymtl
        .dep("boards/pipeline", &features(&pipeline_features))?;
    let tinymtl = o.tinymtl.dep("cli", "default-features = false")?;
    let name = format!("tinymtl-{}-{stem}", b.name);
    let description = super::toml_str(&format!(
        "tinymtl firmware for the {}: model {stem}",
        b.title
    ));
    let description = description.trim_matches('"').to_string();
    let p = &g.compiled.program;
    let shape = p
        .inputs
        .first()
        .map(|&v| format!("{:?}", p.values[v].shape))
        .unwrap_or_default();
    let input_doc = match &spec.window {
        Some(w) => format!(
            "Input 0, {shape}: a window of {} frames of {} IMU channels ({}), a new one every {} frames at {} Hz.\n//! Window, channels, layout, heads and their rates: `tinymtl.toml`.",
            w.steps,
            w.channels.len(),
            if w.channels_last { "channels-last" } else { "channels-first" },
            w.hop,
            w.sample_hz
        ),
        None => format!(
            "{} input(s), the first {shape}: not an IMU window, so whole inputs come from a\n//! `tinymtl_pipeline::Source` (the compiled-in sample until you write yours).",
            p.inputs.len()
        ),
    };
    let title = format!("tinymtl firmware for model `{stem}`");
    let modules = t!("common", "modules.rs");
    // The board's sensor imports are a `use` group of their own (rustfmt sorts each
    // group), after a blank line; nothing when the input comes from a `Source`.
    let (uses, run) = if imu {
        (format!("\n{}", f.uses_imu), f.run_imu)
    } else {
        (String::new(), f.run_source)
    };
    let main = fill(
        f.main,
        &[
            ("title", &title),
            ("input_doc", &input_doc),
            ("uses", &uses),
            ("modules", modules),
            ("run", run.trim_end_matches('\n')),
        ],
    );
    let link: String = f
        .link
        .iter()
        .map(|a| format!("    println!(\"cargo:rustc-link-arg-bins={a}\");\n"))
        .collect();
    let build = fill(t!("common", "build.rs"), &[("link", &link)]);
    let cargo = fill(
        f.cargo,
        &[
            ("name", &name),
            ("description", &description),
            ("runtime", &runtime),
            ("pipeline", &pipeline),
            ("tinymtl", &tinymtl),
        ],
    );
    let mut out: Vec<(PathBuf, Vec<u8>)> = vec![
        ("Cargo.toml".into(), cargo.into_bytes()),
        (".cargo/config.toml".into(), f.config.as_bytes().to_vec()),
        ("build.rs".into(), build.into_bytes()),
        ("src/main.rs".into(), main.into_bytes()),
        ("tinymtl.toml".into(), cfg.to_toml().into_bytes()),
        (".gitignore".into(), b"/target\n".to_vec()),
    ];
    if let Some(l) = f.lock {
        out.push(("Cargo.lock".into(), l.as_bytes().to_vec()));
    }
    if let Some(m) = f.memory {
        out.push(("memory.x".into(), m.as_bytes().to_vec()));
    }
    Ok(out)
}
