use crate::support::{broadcast_operand, shape6, wild, Approx, Opnd};
use crate::{with_operand, with_operands};
use proptest::prelude::*;
use tinymtl_runtime::kernels::reference as r;
use tinymtl_runtime::kernels::select::{pick, select, SelectShape};

#[derive(Clone, Debug)]
struct Case {
    shape: [usize; 6],
    cond: (Opnd, [usize; 6]),
    a: (Opnd, [usize; 6]),
    b: (Opnd, [usize; 6]),
}

/// A condition as comparisons write it: 1.0 or 0.0 (the sign of a random value).
fn as_mask(o: Opnd) -> Opnd {
    let m = |v: f32| f32::from(u8::from(v > 0.0));
    match o {
        Opnd::F32(v) => Opnd::F32(v.into_iter().map(m).collect()),
        Opnd::F16(v) => Opnd::F16(
            v.into_iter()
                .map(|h| half::f16::from_f32(m(h.to_f32())))
                .collect(),
        ),
        Opnd::Scalar(v) => Opnd::Scalar(m(v)),
    }
}

fn case() -> impl Strategy<Value = Case> {
    shape6().prop_flat_map(|shape| {
        (
            broadcast_operand(shape, wild()),
            broadcast_operand(shape, wild()),
            broadcast_operand(shape, wild()),
        )
            .prop_map(move |(c, a, b)| Case {
                shape,
                cond: (as_mask(c.0), c.1),
                a,
                b,
            })
    })
}

fn check(c: &Case) -> Result<(), TestCaseError> {
    let n: usize = c.shape.iter().product();
    let s = SelectShape {
        shape: c.shape,
        cond: c.cond.1,
        a: c.a.1,
        b: c.b.1,
    };
    let (mut got, mut want) = (vec![f32::NAN; n], vec![0.0; n]);
    with_operand!(&c.cond.0, |m| {
        with_operands!(&c.a.0, &c.b.0, |x, y| {
            select(m, x, y, &mut got, &s);
            r::select(m, x, y, &mut want, &s);
        })
    });
    Approx::Exact.check(&got, &want)
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn select_matches_reference(c in case()) {
        check(&c)?;
    }

    #[test]
    fn pick_is_one_of_its_operands_bit_for_bit(c in any::<bool>(), a in any::<u32>(), b in any::<u32>()) {
        let (a, b) = (f32::from_bits(a), f32::from_bits(b));
        let want = if c { a } else { b };
        prop_assert_eq!(pick(f32::from(u8::from(c)), a, b).to_bits(), want.to_bits());
    }
}
