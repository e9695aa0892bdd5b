//! Zero-sized dimensions everywhere: consistent lengths, so no kernel may panic.
use half::f16;
use tinymtl_runtime::kernels::conv::{conv2d, ConvShape};
use tinymtl_runtime::kernels::dense::{dense, matmul, DenseShape, MatMulShape};
use tinymtl_runtime::kernels::elementwise::{binary_broadcast, binary_inplace, BinOp, Broadcast};
use tinymtl_runtime::kernels::movement::{concat_part, permute, ConcatShape, Strided};
use tinymtl_runtime::kernels::norm::{
    channel_affine_inplace, layer_norm, layer_norm_inplace, ChannelShape, LayerNormShape,
};
use tinymtl_runtime::kernels::pool::{avg_pool, max_pool, PoolShape};
use tinymtl_runtime::kernels::reduce::{reduce_mean, ReduceShape};
use tinymtl_runtime::kernels::softmax::{softmax_inplace, SoftmaxShape};
use tinymtl_runtime::kernels::{reference as r, Act, Post};

#[test]
fn zero_sized_dense_and_matmul() {
    for (m, k, n) in [(0, 3, 2), (2, 0, 3), (2, 3, 0), (0, 0, 0)] {
        let x = vec![1.0; m * k];
        let w = vec![f16::ONE; n * k];
        let mut y = vec![9.0; m * n];
        let s = DenseShape {
            rows: m,
            inputs: k,
            outputs: n,
        };
        dense(&x, &w, &mut y, s, Post::NONE);
        assert!(y.iter().all(|&v| v == 0.0));
        for batch in [0, 2] {
            let b = vec![1.0; batch * k * n];
            let a = vec![1.0; batch * m * k];
            let mut y = vec![9.0; batch * m * n];
            let s = MatMulShape {
                batch,
                rows: m,
                depth: k,
                cols: n,
                a_stride: m * k,
                b_stride: k * n,
            };
            matmul(&a, &b, &mut y, &s);
            assert!(y.iter().all(|&v| v == 0.0));
        }
    }
}

#[test]
fn zero_sized_conv() {
    let base = ConvShape {
        n: 1,
        c_in: 2,
        h: 3,
        w: 3,
        c_out: 2,
        kh: 1,
        kw: 1,
        oh: 3,
        ow: 3,
        stride: (1, 1),
        pad: (0, 0),
        dilation: (1, 1),
        groups: 1,
    };
    let shapes = [
        ConvShape { n: 0, ..base },
        ConvShape { c_out: 0, ..base },
        ConvShape { c_in: 0, ..base },
        // An empty input seen only through padding: every output is post(0).
        ConvShape {
            h: 0,
            w: 0,
            oh: 2,
            ow: 2,
            pad: (1, 1),
            ..base
        },
    ];
    for s in shapes {
        let x = vec![1.0; s.n * s.c_in * s.h * s.w];
        let w = vec![f16::ONE; s.c_out * (s.c_in / s.groups) * s.kh * s.kw];
        let shift = vec![0.5; s.c_out];
        let post = Post {
            scale: None,
            shift: Some(&shift),
            act: Act::Relu,
        };
        let len = s.n * s.c_out * s.oh * s.ow;
        let (mut got, mut want) = (vec![9.0; len], vec![9.0; len]);
        conv2d(&x, &w, &mut got, &s, post);
        r::conv2d(&x, &w, &mut want, &s, post);
        assert_eq!(got, want, "{s:?}");
    }
}

#[test]
fn zero_sized_pools_reductions_norms() {
    let s = PoolShape {
        planes: 2,
        h: 0,
        w: 0,
        kh: 2,
        kw: 2,
        oh: 1,
        ow: 1,
        stride: (1, 1),
        pad: (1, 1, 0, 0),
        dilation: (1, 1),
        d: 1,
        kd: 1,
        od: 1,
        stride_d: 1,
        pad_d: (0, 0),
        dilation_d: 1,
    };
    let mut y = vec![0.0; 2];
    max_pool(&[], &mut y, &s);
    assert_eq!(y, [f32::NEG_INFINITY; 2]);
    avg_pool(&[], &mut y, &s, false);
    assert!(y.iter().all(|v| v.is_nan()));
    avg_pool(&[], &mut y, &s, true);
    max_pool(&[], &mut [], &PoolShape { planes: 0, ..s });

    let mut y = vec![0.0; 3];
    reduce_mean(
        &[],
        &mut y,
        ReduceShape {
            outer: 1,
            reduced: 0,
            inner: 3,
        },
    );
    assert!(y.iter().all(|v| v.is_nan()));
    reduce_mean(
        &[],
        &mut [],
        ReduceShape {
            outer: 0,
            reduced: 4,
            inner: 3,
        },
    );
    reduce_mean(
        &[],
        &mut [],
        ReduceShape {
            outer: 2,
            reduced: 4,
            inner: 0,
        },
    );

    softmax_inplace(
        &mut [],
        SoftmaxShape {
            outer: 2,
            axis: 0,
            inner: 3,
        },
        false,
    );
    softmax_inplace(
        &mut [],
        SoftmaxShape {
            outer: 0,
            axis: 3,
            inner: 3,
        },
        true,
    );
    softmax_inplace(
        &mut [],
        SoftmaxShape {
            outer: 2,
            axis: 3,
            inner: 0,
        },
        true,
    );

    layer_norm(
        &[],
        &mut [],
        LayerNormShape {
            rows: 2,
            features: 0,
        },
        &[],
        None,
        1e-5,
    );
    layer_norm(
        &[],
        &mut [],
        LayerNormShape {
            rows: 0,
            features: 3,
        },
        &[1.0; 3],
        None,
        1e-5,
    );
    layer_norm_inplace(
        &mut [],
        LayerNormShape {
            rows: 2,
            features: 0,
        },
        &[],
        Some(&[]),
        1e-5,
    );
    channel_affine_inplace(
        &mut [],
        ChannelShape {
            outer: 2,
            channels: 0,
            inner: 3,
        },
        &[],
        &[],
        Act::Relu,
    );
    channel_affine_inplace(
        &mut [],
        ChannelShape {
            outer: 2,
            channels: 3,
            inner: 0,
        },
        &[1.0; 3],
        &[0.0; 3],
        Act::Sigmoid,
    );
}

#[test]
fn zero_sized_movement_and_elementwise() {
    let shape = [1, 2, 0, 3, 1, 1];
    let strides = [0, 3, 1, 0, 0, 0];
    permute(&[], &mut [], &Strided { shape, strides });
    concat_part(
        &[],
        &mut [0.0; 6],
        ConcatShape {
            rows: 2,
            width: 0,
            out_width: 3,
            col: 1,
        },
    );
    concat_part(
        &[],
        &mut [],
        ConcatShape {
            rows: 0,
            width: 2,
            out_width: 3,
            col: 1,
        },
    );
    let bc = Broadcast {
        shape,
        a: [0; 6],
        b: [0; 6],
    };
    binary_broadcast(BinOp::Add, &[1.0f32][..], &[2.0f32][..], &mut [], &bc);
    let s = Strided {
        shape,
        strides: [0; 6],
    };
    binary_inplace(BinOp::Pow, &mut [], &[2.0f32][..], false, &s);
}
