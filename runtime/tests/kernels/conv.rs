use crate::support::{conv_shape, finite, post, vals, weights, wild, Approx, OwnedPost};
use half::f16;
use proptest::prelude::*;
use tinymtl_runtime::kernels::conv::{conv2d, ConvShape};
use tinymtl_runtime::kernels::reference as r;

#[derive(Clone, Debug)]
struct ConvCase {
    s: ConvShape,
    x: Vec<f32>,
    w: Vec<f16>,
    post: OwnedPost,
}

fn conv_case(v: BoxedStrategy<f32>) -> impl Strategy<Value = ConvCase> {
    conv_shape().prop_flat_map(move |s| {
        let x_len = s.n * s.c_in * s.h * s.w;
        let w_len = s.c_out * (s.c_in / s.groups) * s.kh * s.kw;
        (vals(x_len, v.clone()), weights(w_len), post(s.c_out))
            .prop_map(move |(x, w, post)| ConvCase { s, x, w, post })
    })
}

fn run(c: &ConvCase) -> (Vec<f32>, Vec<f32>) {
    let len = c.s.n * c.s.c_out * c.s.oh * c.s.ow;
    let mut got = vec![f32::NAN; len];
    conv2d(&c.x, &c.w, &mut got, &c.s, c.post.post());
    let mut want = vec![0.0; len];
    r::conv2d(&c.x, &c.w, &mut want, &c.s, c.post.post());
    (got, want)
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn conv2d_matches_reference(c in conv_case(finite())) {
        let (got, want) = run(&c);
        let taps = c.s.c_in / c.s.groups * c.s.kh * c.s.kw;
        Approx::sum_of(taps).check(&got, &want)?;
    }

    #[test]
    fn conv2d_nonfinite_does_not_panic(c in conv_case(wild())) {
        run(&c);
    }
}

/// The shapes the benchmark and real models use, once each, beyond the random ones.
#[test]
fn conv2d_typical_shapes() {
    let shapes = [
        // 3x3 same, 16 -> 32
        (1, 16, 16, 16, 32, 3, 3, (1, 1), (1, 1), (1, 1), 1),
        // depthwise 3x3 stride 2
        (1, 8, 15, 15, 8, 3, 3, (2, 2), (1, 1), (1, 1), 8),
        // pointwise
        (2, 8, 7, 5, 4, 1, 1, (1, 1), (0, 0), (1, 1), 1),
        // 1-D, dilated
        (1, 4, 1, 20, 6, 1, 5, (1, 1), (0, 4), (1, 2), 2),
        // 1-D, kernel 5, stride 2 (the demo's trunk)
        (1, 24, 1, 50, 32, 1, 5, (1, 2), (0, 2), (1, 1), 1),
        // filters longer than one gathered column (chunks), of odd length
        (1, 33, 6, 6, 5, 3, 3, (1, 1), (1, 1), (1, 1), 1),
        (1, 70, 1, 9, 3, 1, 5, (2, 2), (0, 3), (1, 2), 1),
    ];
    for (n, c_in, h, w, c_out, kh, kw, stride, pad, dilation, groups) in shapes {
        let oh = (h + 2 * pad.0 - ((kh - 1) * dilation.0 + 1)) / stride.0 + 1;
        let ow = (w + 2 * pad.1 - ((kw - 1) * dilation.1 + 1)) / stride.1 + 1;
        let s = ConvShape {
            n,
            c_in,
            h,
            w,
            c_out,
            kh,
            kw,
            oh,
            ow,
            stride,
            pad,
            dilation,
            groups,
        };
        let x: Vec<f32> = (0..n * c_in * h * w)
            .map(|i| ((i * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        let wl = c_out * c_in / groups * kh * kw;
        let wt: Vec<f16> = (0..wl)
            .map(|i| f16::from_f32(((i * 53 % 97) as f32 - 48.0) / 48.0))
            .collect();
        let post = OwnedPost {
            scale: None,
            shift: Some(vec![0.25; c_out]),
            act: tinymtl_runtime::kernels::Act::Relu,
        };
        let c = ConvCase { s, x, w: wt, post };
        let (got, want) = run(&c);
        let tol = Approx::sum_of(c_in / groups * kh * kw);
        tol.check(&got, &want).unwrap();
        // The same weights starting 2 bytes off a 4-byte boundary: the kernels read
        // weights in aligned pairs and must not depend on where the tensor starts.
        let mut buf = vec![f16::ZERO; c.w.len() + 1];
        let off = usize::from(buf.as_ptr().align_offset(4) == 0);
        buf[off..off + c.w.len()].copy_from_slice(&c.w);
        let mut odd = vec![f32::NAN; got.len()];
        conv2d(
            &c.x,
            &buf[off..off + c.w.len()],
            &mut odd,
            &s,
            c.post.post(),
        );
        tol.check(&odd, &want).unwrap();
    }
}
