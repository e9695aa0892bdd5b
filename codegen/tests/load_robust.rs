//! The loader never panics on corrupt input: byte-level mutations of real fixture
//! models and of a model built in code give `Ok` or a clean `Err`.

mod load_support;

use std::path::{Path, PathBuf};

use load_support::*;
use tinymtl_codegen::load::load_bytes;

/// Deterministic xorshift so failures reproduce.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn mutate_and_load(name: &str, bytes: &[u8], rounds: usize, seed: u64) {
    // More rounds on demand: TINYMTL_FUZZ_SCALE=20 multiplies them.
    let scale: usize = std::env::var("TINYMTL_FUZZ_SCALE")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(1);
    let rounds = rounds * scale;
    let mut rng = Rng(seed);
    for round in 0..rounds {
        let mut b = bytes.to_vec();
        match rng.below(4) {
            0 => {
                let i = rng.below(b.len());
                b[i] = rng.next() as u8;
            }
            1 => {
                for _ in 0..8 {
                    let i = rng.below(b.len());
                    b[i] ^= 1 << rng.below(8);
                }
            }
            2 => b.truncate(rng.below(b.len())),
            _ => {
                let i = rng.below(b.len());
                let j = (i + rng.below(64)).min(b.len());
                b.drain(i..j);
            }
        }
        let r = std::panic::catch_unwind(|| {
            let _ = load_bytes(&b, Path::new("mutated.onnx"));
        });
        assert!(
            r.is_ok(),
            "{name}: panic on mutation round {round} (seed {seed})"
        );
    }
}

#[test]
fn mutated_models_do_not_panic() {
    let built = M::new(13)
        .input("x", &[1, 2, 6, 6])
        .weights("w", &[4, 2, 3, 3])
        .n(
            "conv",
            "Conv",
            &["x", "w"],
            &["c"],
            vec![ais("pads", &[1, 1, 1, 1])],
        )
        .n("shape", "Shape", &["c"], &["s"], vec![])
        .init_i64("i0", &[1], &[0])
        .n("g", "Gather", &["s", "i0"], &["n"], vec![])
        .init_i64("m1", &[1], &[-1])
        .n("cat", "Concat", &["n", "m1"], &["t"], vec![ai("axis", 0)])
        .n("rs", "Reshape", &["c", "t"], &["f"], vec![])
        .n("sm", "Softmax", &["f"], &["y"], vec![])
        .output("y")
        .bytes();
    mutate_and_load("built", &built, 3000, 0x9e37_79b9_7f4a_7c15);
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../tests/fixtures");
    for f in [
        "conv_maxpool_flatten.onnx",
        "keras_conv1d_imu.onnx",
        "imu_conv1d_bn_dynamo.onnx",
    ] {
        if let Ok(bytes) = std::fs::read(dir.join(f)) {
            mutate_and_load(f, &bytes, 1000, 0x2545_f491_4f6c_dd1d);
        }
    }
}
