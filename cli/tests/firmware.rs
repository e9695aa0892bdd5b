//! `tinymtl firmware`: the crate it writes for each board, how `tinymtl.toml` is
//! derived from the model and checked, and the refusal contract (one line naming the
//! file, non-zero exit, nothing written). Building the crates is `cargo xtask
//! test-firmware`'s job (it needs the embedded targets).

use std::path::Path;
use std::process::Command;

mod common;
use common::{fixture, tinymtl};
use tinymtl::firmware::config::{resolve, Config, HeadConfig};
use tinymtl_codegen::emit::app::{ShowSpec, WindowSpec};
use tinymtl_codegen::Builder;

/// The crate's Rust files are as `cargo fmt` leaves them (edition 2024).
fn rustfmt_clean(dir: &Path) {
    let out = Command::new("rustfmt")
        .args(["--edition", "2024", "--check"])
        .arg(dir.join("src/main.rs"))
        .arg(dir.join("build.rs"))
        .output()
        .expect("rustfmt runs (rustup component add rustfmt)");
    assert!(
        out.status.success(),
        "{}: not rustfmt-clean:\n{}",
        dir.display(),
        String::from_utf8_lossy(&out.stdout)
    );
}

fn compiled(name: &str) -> tinymtl_codegen::Generated {
    Builder::new(fixture(name)).build().unwrap()
}

#[test]
fn a_crate_for_every_board() {
    let tmp = tempfile::tempdir().unwrap();
    // An IMU model (channels-last) and one read from a `Source` (two inputs).
    let source = fixture("two_input_concat.onnx");
    for b in &tinymtl::board::BOARDS {
        let dir = tmp.path().join(format!("{}-source", b.name));
        let (ok, _, err) = tinymtl(&[
            "firmware",
            source.to_str().unwrap(),
            "--board",
            b.name,
            "-o",
            dir.to_str().unwrap(),
        ]);
        assert!(ok, "{}: {err}", b.name);
        let cfg = Config::read(&dir.join("tinymtl.toml")).unwrap();
        assert_eq!(cfg.input.source.as_deref(), Some("sample"));
        rustfmt_clean(&dir);
    }
    let model = fixture("keras_conv1d_imu.onnx");
    for b in &tinymtl::board::BOARDS {
        let dir = tmp.path().join(b.name);
        let (ok, out, err) = tinymtl(&[
            "firmware",
            model.to_str().unwrap(),
            "--board",
            b.name,
            "-o",
            dir.to_str().unwrap(),
        ]);
        assert!(ok, "{}: {err}", b.name);
        assert!(out.contains("wrote"), "{out}");
        for f in [
            "Cargo.toml",
            ".cargo/config.toml",
            "build.rs",
            "src/main.rs",
            "tinymtl.toml",
        ] {
            assert!(dir.join(f).is_file(), "{}: {f}", b.name);
        }
        // The model and the fixture's inputs (the compiled-in sample) are copied in.
        assert_eq!(
            std::fs::read(dir.join("model/keras_conv1d_imu.onnx")).unwrap(),
            std::fs::read(&model).unwrap()
        );
        assert!(dir.join("model/sample.npz").is_file());
        // Cargo.toml names this checkout's crates by absolute path and the target.
        let cargo: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml"))
            .unwrap()
            .parse()
            .unwrap();
        let deps = cargo["dependencies"].as_table().unwrap();
        let path = deps["tinymtl-runtime"]["path"].as_str().unwrap();
        assert!(
            Path::new(path).is_absolute() && Path::new(path).join("Cargo.toml").is_file(),
            "{path}"
        );
        let config = std::fs::read_to_string(dir.join(".cargo/config.toml")).unwrap();
        assert!(config.contains(b.target), "{}", b.name);
        // Every derived key is written out, and the file reads back as written.
        let cfg = Config::read(&dir.join("tinymtl.toml")).unwrap();
        assert_eq!(cfg.input.layout.as_deref(), Some("channels_last"));
        assert_eq!(cfg.input.source.as_deref(), Some("imu"));
        assert_eq!(cfg.heads.len(), 2);
        let main = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
        assert!(!main.contains("{{"), "{}: unfilled template hole", b.name);
        syn::parse_file(&main).unwrap_or_else(|e| panic!("{}: main.rs: {e}", b.name));
        syn::parse_file(&std::fs::read_to_string(dir.join("build.rs")).unwrap()).unwrap();
        rustfmt_clean(&dir);
    }
    // A second write into a folder that is not empty is refused, then forced.
    let dir = tmp.path().join("qemu-m4");
    let args = [
        "firmware",
        model.to_str().unwrap(),
        "--board",
        "qemu-m4",
        "-o",
        dir.to_str().unwrap(),
    ];
    let (ok, _, err) = tinymtl(&args);
    assert!(
        !ok && err.lines().count() == 1 && err.contains("--force"),
        "{err}"
    );
    let (ok, _, err) = tinymtl(&[&args[..], &["--force"]].concat());
    assert!(ok, "{err}");
}

#[test]
fn refusals_are_one_line_and_write_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("fw");
    let bad = tmp.path().join("bad.onnx");
    std::fs::write(&bad, b"not a model").unwrap();
    let model = fixture("keras_conv1d_imu.onnx");
    let bad_sample = tmp.path().join("s.npz");
    std::fs::write(&bad_sample, b"PK").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (
            vec![bad.to_str().unwrap(), "--board", "qemu-m4"],
            "bad.onnx",
        ),
        (
            vec![model.to_str().unwrap(), "--board", "arduino\u{1b}[2J"],
            "unknown board",
        ),
        (
            vec![
                model.to_str().unwrap(),
                "--board",
                "rp2350",
                "--sample",
                bad_sample.to_str().unwrap(),
            ],
            "s.npz",
        ),
    ];
    for (args, needle) in cases {
        let (ok, _, err) =
            tinymtl(&[&["firmware"][..], &args, &["-o", dir.to_str().unwrap()]].concat());
        assert!(!ok, "{args:?}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.contains(needle) && !err.contains('\u{1b}'), "{err}");
        assert!(!dir.exists(), "{args:?} left {dir:?} behind");
    }
    assert_eq!(
        std::fs::read_dir(tmp.path()).unwrap().count(),
        2,
        "no temporary folder left"
    );
}

#[test]
fn defaults_follow_the_model() {
    let file = Path::new("tinymtl.toml");
    let none = Config::default();
    // Channels-first IMU window, hop half the window.
    let g = compiled("imu_conv1d_bn_dynamo.onnx");
    let spec = resolve(&g.compiled, &none, file).unwrap();
    let w: &WindowSpec = spec.window.as_ref().unwrap();
    assert_eq!(
        (w.steps, w.channels.len(), w.channels_last, w.hop),
        (64, 6, false, 32)
    );
    // Channels-last (Keras).
    let g = compiled("keras_conv1d_imu.onnx");
    let spec = resolve(&g.compiled, &none, file).unwrap();
    assert!(spec.window.as_ref().unwrap().channels_last);
    // Two inputs, or an input that is not [1, C, T]: a Source.
    for m in [
        "two_input_concat.onnx",
        "dense_two_softmax.onnx",
        "spectro_conv_stride2.onnx",
    ] {
        assert_eq!(
            resolve(&compiled(m).compiled, &none, file).unwrap().window,
            None,
            "{m}"
        );
    }
    // Softmax in the graph: not applied again; a sigmoid head is a probability as it
    // is; several sigmoids are values; logits get softmax.
    let g = compiled("slice_split_heads_dynamo.onnx");
    let spec = resolve(&g.compiled, &none, file).unwrap();
    let shows: Vec<&ShowSpec> = spec.heads.iter().map(|h| &h.show).collect();
    let p = &g.compiled.program;
    let head = |n: &str| {
        p.outputs
            .iter()
            .position(|&v| p.values[v].name == n)
            .unwrap()
    };
    let at = |n: &str| shows[head(n)];
    assert_eq!(
        at("activity"),
        &ShowSpec::Class {
            labels: vec![],
            softmax: false
        }
    );
    assert_eq!(at("events"), &ShowSpec::Values);
    let g = compiled("activation_heads.onnx");
    let spec = resolve(&g.compiled, &none, file).unwrap();
    let h = g.names.heads.iter().position(|h| h == "occupancy").unwrap();
    assert_eq!(spec.heads[h].show, ShowSpec::Probability { sigmoid: false });
    let g = compiled("keras_conv1d_imu.onnx");
    let spec = resolve(&g.compiled, &none, file).unwrap();
    assert!(spec.heads.iter().all(|h| h.every == 1 && !h.deferred));
}

#[test]
fn config_errors_name_the_file_and_the_key() {
    let file = Path::new("/x/tinymtl.toml");
    let g = compiled("imu_conv1d_bn_dynamo.onnx");
    let with = |f: &dyn Fn(&mut Config)| {
        let mut c = Config::default();
        f(&mut c);
        resolve(&g.compiled, &c, file).unwrap_err().to_string()
    };
    let head = |show: &str| HeadConfig {
        show: Some(show.into()),
        ..HeadConfig::default()
    };
    let cases: Vec<(String, &str)> = vec![
        (
            with(&|c| drop(c.heads.insert("nope".into(), HeadConfig::default()))),
            "[heads.nope]",
        ),
        (
            with(&|c| drop(c.heads.insert("activity".into(), head("pie")))),
            "show = \"pie\"",
        ),
        (
            with(&|c| drop(c.heads.insert("activity".into(), head("probability")))),
            "needs one output",
        ),
        (
            with(&|c| {
                let h = HeadConfig {
                    labels: Some(vec!["a".into(); 9]),
                    ..HeadConfig::default()
                };
                c.heads.insert("activity".into(), h);
            }),
            "9 labels for 6 outputs",
        ),
        (
            with(&|c| c.input.channels = Some(vec!["acc_x".into(); 3])),
            "channels lists 3",
        ),
        (
            with(&|c| c.input.channels = Some(vec!["mag_x".into(); 6])),
            "unknown channel \"mag_x\"",
        ),
        (with(&|c| c.input.hop = Some(65)), "hop = 65"),
        (
            with(&|c| c.input.layout = Some("nhwc".into())),
            "layout = \"nhwc\"",
        ),
        (
            with(&|c| c.input.source = Some("mic".into())),
            "source = \"mic\"",
        ),
    ];
    for (msg, needle) in cases {
        assert!(
            msg.contains("/x/tinymtl.toml") && msg.contains(needle),
            "{msg} ({needle})"
        );
        assert_eq!(msg.lines().count(), 1, "{msg}");
    }
    // A model input that is no window cannot be read from the IMU.
    let g = compiled("two_input_concat.onnx");
    let c = Config {
        input: tinymtl::firmware::config::InputConfig {
            source: Some("imu".into()),
            ..Default::default()
        },
        ..Config::default()
    };
    let e = resolve(&g.compiled, &c, file).unwrap_err().to_string();
    assert!(e.contains("needs one input of shape [1, C, T]"), "{e}");
    // Unknown keys and bad syntax in the file are errors with a line number.
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("tinymtl.toml");
    std::fs::write(&p, "model = \"m.onnx\"\n[input]\nhopp = 3\n").unwrap();
    let e = Config::read(&p).unwrap_err().to_string();
    assert!(
        e.contains("tinymtl.toml") && e.contains("hopp") && e.contains("line 3"),
        "{e}"
    );
}

#[test]
fn hostile_file_names_stay_data() {
    let tmp = tempfile::tempdir().unwrap();
    let name = "we\"ird ]\n$(x).onnx";
    let model = tmp.path().join(name);
    std::fs::copy(fixture("keras_conv1d_imu.onnx"), &model).unwrap();
    let dir = tmp.path().join("fw \"x\"");
    let (ok, out, err) = tinymtl(&[
        "firmware",
        model.to_str().unwrap(),
        "--board",
        "nrf52840-dk",
        "-o",
        dir.to_str().unwrap(),
        "--tinymtl",
        "/path/with \"quotes\"\n[x]",
    ]);
    assert!(ok, "{err}");
    assert_eq!(out.lines().count(), 1, "{out}");
    // Both TOML files parse, and name exactly the files given.
    let cargo: toml::Table = std::fs::read_to_string(dir.join("Cargo.toml"))
        .unwrap()
        .parse()
        .unwrap();
    let name_ok = cargo["package"]["name"].as_str().unwrap();
    assert!(
        name_ok
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-'),
        "{name_ok}"
    );
    let path = cargo["dependencies"]["tinymtl-runtime"]["path"]
        .as_str()
        .unwrap();
    assert_eq!(path, "/path/with \"quotes\"\n[x]/runtime");
    let cfg = Config::read(&dir.join("tinymtl.toml")).unwrap();
    assert!(dir.join(&cfg.model).is_file(), "{}", cfg.model);
    // Nothing of the name reaches the Rust files but a sanitized stem.
    let main = std::fs::read_to_string(dir.join("src/main.rs")).unwrap();
    assert!(!main.contains("$(x)") && !main.contains("we\""), "{main}");
    syn::parse_file(&main).unwrap();
}
