//! npz sample reader (`npz::read_from`): any bytes against the input specs of a few
//! fixture models. Every outcome must be `Ok` (with consistent sizes) or a clean `Err`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use std::io::Cursor;
use std::path::Path;
use tinymtl::npz::{read_from, Spec};

fn spec(name: &str, shape: &[usize]) -> Spec {
    Spec {
        name: name.into(),
        shape: shape.to_vec(),
    }
}

fuzz_target!(|data: &[u8]| {
    let sets = [
        vec![spec("x", &[1, 32])],
        vec![spec("imu", &[1, 12]), spec("env", &[1, 4])],
        vec![spec("image", &[1, 1, 16, 16])],
        vec![spec("s", &[])],
    ];
    for specs in &sets {
        if let Ok(s) = read_from(Cursor::new(data), Path::new("fuzz.npz"), specs) {
            assert!(s.n > 0);
            for (d, sp) in s.data.iter().zip(specs) {
                assert_eq!(d.len(), s.n * sp.shape.iter().product::<usize>());
            }
        }
    }
});
