//! Fast kernels against their scalar references on realistic sizes.
//!
//! `cargo bench -p tinymtl-runtime --bench kernels -- --quick`

use criterion::{criterion_group, criterion_main, Criterion};
use half::f16;
use std::hint::black_box;
use tinymtl_runtime::kernels::conv::{conv2d, ConvShape};
use tinymtl_runtime::kernels::dense::{dense, DenseShape};
use tinymtl_runtime::kernels::{reference, Act, Post};

fn data(n: usize, seed: usize) -> Vec<f32> {
    (0..n)
        .map(|i| (((i * 7919 + seed * 104_729) % 2003) as f32 - 1001.0) / 1001.0)
        .collect()
}

fn weights(n: usize) -> Vec<f16> {
    data(n, 3).into_iter().map(f16::from_f32).collect()
}

fn bench_dense(c: &mut Criterion) {
    let (m, k, n) = (1, 256, 64);
    let (x, w) = (data(m * k, 1), weights(n * k));
    let shift = data(n, 2);
    let post = Post {
        scale: None,
        shift: Some(&shift),
        act: Act::Relu,
    };
    let s = DenseShape {
        rows: m,
        inputs: k,
        outputs: n,
    };
    let mut y = vec![0.0; m * n];
    let mut g = c.benchmark_group("dense 1x256 -> 64");
    g.bench_function("fast", |b| {
        b.iter(|| dense(black_box(&x), black_box(&w), &mut y, s, post))
    });
    g.bench_function("reference", |b| {
        b.iter(|| reference::dense(black_box(&x), black_box(&w), &mut y, s, post))
    });
    g.finish();
}

fn conv_case(c: &mut Criterion, name: &str, s: ConvShape) {
    let x = data(s.n * s.c_in * s.h * s.w, 1);
    let w = weights(s.c_out * s.c_in / s.groups * s.kh * s.kw);
    let shift = data(s.c_out, 2);
    let post = Post {
        scale: None,
        shift: Some(&shift),
        act: Act::Relu,
    };
    let mut y = vec![0.0; s.n * s.c_out * s.oh * s.ow];
    let mut g = c.benchmark_group(name);
    g.bench_function("fast", |b| {
        b.iter(|| conv2d(black_box(&x), black_box(&w), &mut y, &s, post))
    });
    g.bench_function("reference", |b| {
        b.iter(|| reference::conv2d(black_box(&x), black_box(&w), &mut y, &s, post))
    });
    g.finish();
}

fn bench_conv(c: &mut Criterion) {
    let base = ConvShape {
        n: 1,
        c_in: 16,
        h: 16,
        w: 16,
        c_out: 32,
        kh: 3,
        kw: 3,
        oh: 16,
        ow: 16,
        stride: (1, 1),
        pad: (1, 1),
        dilation: (1, 1),
        groups: 1,
    };
    conv_case(c, "conv 16->32 3x3 16x16", base);
    conv_case(
        c,
        "depthwise 32 3x3 16x16",
        ConvShape {
            c_in: 32,
            groups: 32,
            ..base
        },
    );
    conv_case(
        c,
        "depthwise 32 3x3 s2 16x16",
        ConvShape {
            c_in: 32,
            groups: 32,
            oh: 8,
            ow: 8,
            stride: (2, 2),
            ..base
        },
    );
    conv_case(
        c,
        "pointwise 32->64 16x16",
        ConvShape {
            c_in: 32,
            c_out: 64,
            kh: 1,
            kw: 1,
            pad: (0, 0),
            ..base
        },
    );
}

criterion_group!(benches, bench_dense, bench_conv);
criterion_main!(benches);
