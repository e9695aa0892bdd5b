use crate::support::{finite, vals, weights, wild, Approx};
use proptest::prelude::*;
use tinymtl_runtime::kernels::reference as r;
use tinymtl_runtime::kernels::rnn::{rnn, Cell, RnnShape, RnnWeights};

fn cell() -> BoxedStrategy<Cell> {
    prop_oneof![
        any::<bool>().prop_map(|input_forget| Cell::Lstm { input_forget }),
        any::<bool>().prop_map(|linear_before_reset| Cell::Gru {
            linear_before_reset
        }),
        Just(Cell::Simple),
    ]
    .boxed()
}

fn shape() -> impl Strategy<Value = RnnShape> {
    (
        cell(),
        (1..7usize, 1..3usize, 0..6usize, 1..9usize, 1..3usize),
        (any::<bool>(), any::<bool>(), any::<bool>()),
        prop_oneof![3 => Just(f32::INFINITY), 1 => 0.1f32..3.0],
    )
        .prop_map(
            |(
                cell,
                (steps, batch, inputs, hidden, directions),
                (reverse, batch_first, write_y),
                clip,
            )| {
                RnnShape {
                    cell,
                    steps,
                    batch,
                    inputs,
                    hidden,
                    directions,
                    reverse,
                    batch_first,
                    write_y,
                    clip,
                }
            },
        )
}

/// A case: shape, x, h0, c0 (each maybe empty), w, bias, rb_h, peephole.
type Case = (
    RnnShape,
    Vec<f32>,
    Vec<f32>,
    Vec<f32>,
    Vec<half::f16>,
    Vec<f32>,
    Vec<f32>,
    Vec<f32>,
);

fn case(v: fn() -> BoxedStrategy<f32>) -> impl Strategy<Value = Case> {
    (shape(), any::<(bool, bool, bool)>()).prop_flat_map(move |(s, (h0, c0, peep))| {
        let g = s.cell.gates() * s.hidden;
        let lbr = matches!(
            s.cell,
            Cell::Gru {
                linear_before_reset: true
            }
        );
        let lstm = s.cell.has_c();
        (
            Just(s),
            vals(s.steps * s.batch * s.inputs, v()),
            vals(if h0 { s.state_len() } else { 0 }, finite()),
            vals(if c0 && lstm { s.state_len() } else { 0 }, finite()),
            weights(s.directions * g * s.row()),
            vals(s.directions * g, finite()),
            vals(if lbr { s.directions * s.hidden } else { 0 }, finite()),
            vals(
                if peep && lstm {
                    s.directions * 3 * s.hidden
                } else {
                    0
                },
                finite(),
            ),
        )
    })
}

fn check((s, x, h0, c0, w, bias, rb_h, peephole): Case) -> Result<(), TestCaseError> {
    let p = RnnWeights {
        w: &w,
        bias: &bias,
        rb_h: &rb_h,
        peephole: &peephole,
    };
    let n = s.out_len();
    let mut got = vec![9.0; n];
    rnn(&s, &x, &h0, &c0, p, &mut got);
    let mut want = vec![9.0; n];
    r::rnn(&s, &x, &h0, &c0, p, &mut want);
    // Outputs only: the scratch after them is the kernels' own business.
    let outs = s.c_offset() + if s.cell.has_c() { s.state_len() } else { 0 };
    // Each step's error feeds the next one through the state; the bound grows with
    // the row length and the number of steps.
    let tol = Approx::Close {
        abs: 2e-5 * (s.row() * s.steps) as f32,
        rel: 1e-4,
    };
    tol.check(&got[..outs], &want[..outs])
}

proptest! {
    #![proptest_config(crate::support::config())]

    #[test]
    fn rnn_matches_reference(c in case(finite)) {
        check(c)?;
    }

    /// NaN and infinite inputs flow through without a panic.
    #[test]
    fn rnn_nonfinite_never_panics(c in case(wild)) {
        let (s, x, h0, c0, w, bias, rb_h, peephole) = c;
        let mut out = vec![0.0; s.out_len()];
        rnn(&s, &x, &h0, &c0, RnnWeights { w: &w, bias: &bias, rb_h: &rb_h, peephole: &peephole }, &mut out);
    }
}

/// A one-unit LSTM worked by hand: x = 1, all weights 0.5, no bias, zero state.
#[test]
fn lstm_by_hand() {
    let s = RnnShape {
        cell: Cell::Lstm {
            input_forget: false,
        },
        steps: 1,
        batch: 1,
        inputs: 1,
        hidden: 1,
        directions: 1,
        reverse: false,
        batch_first: false,
        write_y: true,
        clip: f32::INFINITY,
    };
    // Rows [w_x, 0 x 7, w_h, 0 x 7]: each part padded to a whole block.
    assert_eq!(s.row(), 16);
    let mut w = [half::f16::ZERO; 64];
    for j in 0..4 {
        w[j * 16] = half::f16::from_f32(0.5);
        w[j * 16 + 8] = half::f16::from_f32(0.5);
    }
    let mut out = vec![0.0; s.out_len()];
    let p = RnnWeights {
        w: &w,
        bias: &[0.0; 4],
        rb_h: &[],
        peephole: &[],
    };
    rnn(&s, &[1.0], &[], &[], p, &mut out);
    let sig = |v: f32| 1.0 / (1.0 + (-v).exp());
    // i = o = f = sig(0.5), c = i * tanh(0.5), h = o * tanh(c).
    let c = sig(0.5) * 0.5f32.tanh();
    let h = sig(0.5) * c.tanh();
    assert!((out[0] - h).abs() < 1e-6, "{} vs {h}", out[0]);
    assert_eq!(out[0], out[s.h_offset()]);
    assert!((out[s.c_offset()] - c).abs() < 1e-6);
}
