use crate::support::{broadcast_operand, finite, shape6, strides, vals, wild, Approx, Opnd};
use crate::{with_operand, with_operands};
use half::f16;
use proptest::prelude::*;
use tinymtl_runtime::kernels::elementwise::{
    binary, binary_broadcast, binary_inplace, BinOp, Broadcast,
};
use tinymtl_runtime::kernels::movement::Strided;
use tinymtl_runtime::kernels::reference as r;

fn op() -> impl Strategy<Value = BinOp> {
    prop_oneof![
        Just(BinOp::Add),
        Just(BinOp::Sub),
        Just(BinOp::Mul),
        Just(BinOp::Div),
        Just(BinOp::Pow),
        Just(BinOp::Max),
        Just(BinOp::Min),
        Just(BinOp::PRelu),
        Just(BinOp::Equal),
        Just(BinOp::Less),
        Just(BinOp::LessOrEqual),
        Just(BinOp::Greater),
        Just(BinOp::GreaterOrEqual),
    ]
}

/// Add, Sub, Mul, Div and PRelu round once (Max and Min are exact) from the exact value whether computed in `f32` or
/// through `f64`; Pow is `powf` against `f64` `pow`.
fn tolerance(op: BinOp) -> Approx {
    match op {
        BinOp::Pow => Approx::ULPS,
        _ => Approx::Exact,
    }
}

/// An operand of `n` elements (or a scalar), exponents sometimes exactly 2.
fn flat_operand(n: usize, v: BoxedStrategy<f32>) -> impl Strategy<Value = Opnd> {
    prop_oneof![
        3 => vals(n, v.clone()).prop_map(Opnd::F32),
        1 => vals(n, finite()).prop_map(|w| Opnd::F16(w.into_iter().map(f16::from_f32).collect())),
        1 => v.prop_map(Opnd::Scalar),
        1 => Just(Opnd::Scalar(2.0)),
    ]
}

fn flat_case(v: BoxedStrategy<f32>) -> impl Strategy<Value = (BinOp, Opnd, Opnd, usize)> {
    (op(), 0..40usize).prop_flat_map(move |(op, n)| {
        (
            Just(op),
            flat_operand(n, v.clone()),
            flat_operand(n, v.clone()),
            Just(n),
        )
    })
}

fn check_flat(op: BinOp, a: &Opnd, b: &Opnd, n: usize) -> Result<(), TestCaseError> {
    let (mut got, mut want) = (vec![f32::NAN; n], vec![0.0; n]);
    with_operands!(a, b, |x, y| {
        binary(op, x, y, &mut got);
        r::binary(op, x, y, &mut want);
    });
    tolerance(op).check(&got, &want)
}

#[derive(Clone, Debug)]
struct BcCase {
    op: BinOp,
    shape: [usize; 6],
    a: (Opnd, [usize; 6]),
    b: (Opnd, [usize; 6]),
    y: Vec<f32>,
    lhs: bool,
}

fn bc_case(v: BoxedStrategy<f32>) -> impl Strategy<Value = BcCase> {
    (op(), shape6(), any::<bool>()).prop_flat_map(move |(op, shape, lhs)| {
        let len: usize = shape.iter().product();
        (
            broadcast_operand(shape, v.clone()),
            broadcast_operand(shape, v.clone()),
            vals(len, v.clone()),
        )
            .prop_map(move |(a, b, y)| BcCase {
                op,
                shape,
                a,
                b,
                y,
                lhs,
            })
    })
}

fn check_bc(c: &BcCase) -> Result<(), TestCaseError> {
    let n = c.y.len();
    let bc = Broadcast {
        shape: c.shape,
        a: c.a.1,
        b: c.b.1,
    };
    let (mut got, mut want) = (vec![f32::NAN; n], vec![0.0; n]);
    with_operands!(&c.a.0, &c.b.0, |x, y| {
        binary_broadcast(c.op, x, y, &mut got, &bc);
        r::binary_broadcast(c.op, x, y, &mut want, &bc);
    });
    tolerance(c.op).check(&got, &want)?;

    let (mut got, mut want) = (c.y.clone(), c.y.clone());
    let s = Strided {
        shape: c.shape,
        strides: c.b.1,
    };
    with_operand!(&c.b.0, |y| {
        binary_inplace(c.op, &mut got, y, c.lhs, &s);
        r::binary_inplace(c.op, &mut want, y, c.lhs, &s);
    });
    tolerance(c.op).check(&got, &want)
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn binary_matches_reference((op, a, b, n) in flat_case(finite())) {
        check_flat(op, &a, &b, n)?;
    }

    #[test]
    fn binary_nonfinite_flows_through((op, a, b, n) in flat_case(wild())) {
        check_flat(op, &a, &b, n)?;
    }

    #[test]
    fn broadcast_matches_reference(c in bc_case(finite())) {
        check_bc(&c)?;
    }

    #[test]
    fn broadcast_nonfinite_flows_through(c in bc_case(wild())) {
        check_bc(&c)?;
    }
}

/// The numpy patterns codegen emits most: per-channel bias on NCHW, row bias, scalar.
#[test]
fn common_broadcast_patterns() {
    let shape = [1, 1, 2, 3, 4, 5];
    let out = strides(&shape, &[0, 1, 2, 3, 4, 5]);
    let chan = [0, 0, 0, 1, 0, 0]; // one value per axis-3 index
    let row = [0, 0, 0, 0, 0, 1]; // broadcast over all but the last axis
    let len: usize = shape.iter().product();
    let x: Vec<f32> = (0..len).map(|i| i as f32 * 0.5 - 7.0).collect();
    for (b_strides, b_len) in [(chan, 3), (row, 5), ([0; 6], 1)] {
        let b: Vec<f32> = (0..b_len).map(|i| i as f32 + 1.5).collect();
        let bc = Broadcast {
            shape,
            a: out.clone().try_into().unwrap(),
            b: b_strides,
        };
        for op in [
            BinOp::Add,
            BinOp::Sub,
            BinOp::Mul,
            BinOp::Div,
            BinOp::Pow,
            BinOp::Max,
            BinOp::Min,
            BinOp::PRelu,
        ] {
            let (mut got, mut want) = (vec![0.0; len], vec![0.0; len]);
            binary_broadcast(op, &x[..], &b[..], &mut got, &bc);
            r::binary_broadcast(op, &x[..], &b[..], &mut want, &bc);
            tolerance(op).check(&got, &want).unwrap();
        }
    }
}
