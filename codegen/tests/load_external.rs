//! External initializer data: resolved relative to the model's folder, never outside.

mod load_support;

use std::path::{Path, PathBuf};

use load_support::*;
use tinymtl_codegen::load::onnx::tensor_proto::{DataLocation, DataType};
use tinymtl_codegen::load::onnx::{StringStringEntryProto, TensorProto};

fn external(name: &str, dims: &[i64], kv: &[(&str, &str)]) -> TensorProto {
    TensorProto {
        name: Some(name.to_string()),
        dims: dims.to_vec(),
        data_type: Some(DataType::Float as i32),
        data_location: Some(DataLocation::External as i32),
        external_data: kv
            .iter()
            .map(|(k, v)| StringStringEntryProto {
                key: Some(k.to_string()),
                value: Some(v.to_string()),
            })
            .collect(),
        ..Default::default()
    }
}

fn model(kv: &[(&str, &str)]) -> M {
    M::new(13)
        .input("x", &[1, 3])
        .init(external("w", &[3], kv))
        .n("add", "Add", &["x", "w"], &["y"], vec![])
        .output("y")
}

fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

struct Dir {
    _tmp: tempfile::TempDir,
    root: PathBuf,
    model_dir: PathBuf,
}

/// `root/models/` holds the model; `root/outside.bin` is outside its folder.
fn dir() -> Dir {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path().to_path_buf();
    let model_dir = root.join("models");
    std::fs::create_dir_all(model_dir.join("sub")).unwrap();
    let mut data = vec![0u8; 4];
    data.extend(f32_bytes(&[1.0, 2.0, 3.0]));
    std::fs::write(model_dir.join("weights.bin"), &data).unwrap();
    std::fs::write(model_dir.join("sub/w.bin"), f32_bytes(&[4.0, 5.0, 6.0])).unwrap();
    std::fs::write(root.join("outside.bin"), f32_bytes(&[7.0, 8.0, 9.0])).unwrap();
    Dir {
        _tmp: tmp,
        root,
        model_dir,
    }
}

fn model_path(d: &Dir) -> PathBuf {
    d.model_dir.join(FILE)
}

#[test]
fn external_data_with_offset_and_length() {
    let d = dir();
    let g = model(&[
        ("location", "weights.bin"),
        ("offset", "4"),
        ("length", "12"),
    ])
    .load_at(&model_path(&d))
    .unwrap();
    assert_eq!(tensor(&g, "w").data().unwrap(), [1.0, 2.0, 3.0]);
    // Subfolder, no offset or length.
    let g = model(&[("location", "sub/w.bin")])
        .load_at(&model_path(&d))
        .unwrap();
    assert_eq!(tensor(&g, "w").data().unwrap(), [4.0, 5.0, 6.0]);
    // From a file on disk.
    let m = model(&[("location", "./sub/w.bin")]);
    std::fs::write(model_path(&d), m.bytes()).unwrap();
    let g = tinymtl_codegen::load::load(&model_path(&d)).unwrap();
    assert_eq!(tensor(&g, "w").data().unwrap(), [4.0, 5.0, 6.0]);
}

#[test]
fn location_escaping_the_folder() {
    let d = dir();
    let e = model(&[("location", "../outside.bin")])
        .load_at(&model_path(&d))
        .unwrap_err();
    assert_err(&e, &["'w'", "../outside.bin", "model's folder"]);
    let e = model(&[("location", "sub/../../outside.bin")])
        .load_at(&model_path(&d))
        .unwrap_err();
    assert_err(&e, &["'w'", "outside.bin"]);
}

#[test]
fn absolute_location() {
    let d = dir();
    let abs = d.root.join("outside.bin");
    let e = model(&[("location", abs.to_str().unwrap())])
        .load_at(&model_path(&d))
        .unwrap_err();
    assert_err(&e, &["'w'", "absolute"]);
}

#[cfg(unix)]
#[test]
fn symlink_out_of_the_folder() {
    let d = dir();
    std::os::unix::fs::symlink(d.root.join("outside.bin"), d.model_dir.join("link.bin")).unwrap();
    let e = model(&[("location", "link.bin")])
        .load_at(&model_path(&d))
        .unwrap_err();
    assert_err(&e, &["'w'", "link.bin", "outside the model's folder"]);
}

#[test]
fn missing_data_file() {
    let d = dir();
    let e = model(&[("location", "nope.bin")])
        .load_at(&model_path(&d))
        .unwrap_err();
    assert_err(&e, &["'w'", "nope.bin"]);
    assert_eq!(e.tensor.as_deref(), Some("w"));
}

#[test]
fn short_data_file() {
    let d = dir();
    let e = model(&[("location", "sub/w.bin"), ("offset", "4"), ("length", "12")])
        .load_at(&model_path(&d))
        .unwrap_err();
    assert_err(&e, &["'w'", "w.bin", "too short"]);
    let e = model(&[("location", "sub/w.bin"), ("offset", "8")])
        .load_at(&model_path(&d))
        .unwrap_err();
    assert_err(&e, &["'w'", "w.bin", "too short"]);
}

#[test]
fn length_mismatch() {
    let d = dir();
    let e = model(&[("location", "weights.bin"), ("length", "8")])
        .load_at(&model_path(&d))
        .unwrap_err();
    assert_err(&e, &["'w'", "weights.bin", "length 8", "12 bytes"]);
}

#[test]
fn missing_location_key() {
    let d = dir();
    let e = model(&[("offset", "0")])
        .load_at(&model_path(&d))
        .unwrap_err();
    assert_err(&e, &["'w'", "location"]);
}

#[test]
fn relative_model_path_without_folder() {
    // `model.onnx` given without a folder resolves data against the current dir;
    // a missing file is reported, not a panic.
    let e = model(&[("location", "definitely_missing_tinymtl.bin")])
        .load_at(Path::new(FILE))
        .unwrap_err();
    assert_err(&e, &["definitely_missing_tinymtl.bin"]);
}

#[test]
fn duplicate_keys() {
    let d = dir();
    let cases: [&[(&str, &str)]; 3] = [
        &[("location", "weights.bin"), ("location", "sub/w.bin")],
        &[
            ("location", "weights.bin"),
            ("offset", "4"),
            ("offset", "0"),
        ],
        &[
            ("location", "weights.bin"),
            ("length", "12"),
            ("length", "12"),
        ],
    ];
    for kv in cases {
        let e = model(kv).load_at(&model_path(&d)).unwrap_err();
        assert_eq!(e.tensor.as_deref(), Some("w"));
        assert_err(
            &e,
            &[
                "'w'",
                &format!("'{}'", kv[kv.len() - 1].0),
                "more than once",
            ],
        );
    }
}

#[cfg(unix)]
#[test]
fn data_file_must_be_a_regular_file() {
    let d = dir();
    // A folder, and a FIFO (opening it would block until someone writes).
    let e = model(&[("location", "sub")])
        .load_at(&model_path(&d))
        .unwrap_err();
    assert_err(&e, &["'w'", "sub", "a directory"]);
    let fifo = d.model_dir.join("pipe.bin");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .is_ok_and(|s| s.success());
    assert!(made, "mkfifo (coreutils) must be available for this test");
    let e = model(&[("location", "pipe.bin")])
        .load_at(&model_path(&d))
        .unwrap_err();
    assert_err(&e, &["'w'", "pipe.bin", "FIFO"]);
}
