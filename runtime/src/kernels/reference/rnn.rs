//! Reference LSTM / GRU / RNN: the ONNX equations one hidden unit at a time, every
//! gate a plain f64 sum over the `W` and `R` halves of its row apart (no `[x; h]`
//! vector), the biases added term by term. The state is kept in `out` (`Y_h`, `Y_c`);
//! the previous hidden state and the GRU reset gate go through the scratch after them.

use crate::kernels::rnn::{Cell, RnnShape, RnnWeights};

fn sig(x: f64) -> f64 {
    1.0 / (1.0 + libm::exp(-x))
}

/// Same signature and output layout as [`crate::kernels::rnn::rnn`].
pub fn rnn(s: &RnnShape, x: &[f32], h0: &[f32], c0: &[f32], p: RnnWeights<'_>, out: &mut [f32]) {
    let (n, ni, k, xw) = (s.hidden, s.inputs, s.row(), s.x_width());
    let g = s.cell.gates();
    let cl = s.clip as f64;
    let clip = |v: f64| v.clamp(-cl, cl);
    let lbr = matches!(
        s.cell,
        Cell::Gru {
            linear_before_reset: true
        }
    );
    let (h_at, c_at) = (s.h_offset(), s.c_offset());
    let c_len = if s.cell.has_c() { s.state_len() } else { 0 };
    // Scratch: the previous hidden state, then the GRU reset gate.
    let (old, rg) = (
        h_at + s.state_len() + c_len,
        h_at + s.state_len() + c_len + n,
    );
    for i in 0..s.state_len() {
        out[h_at + i] = h0.get(i).copied().unwrap_or(0.0);
        if s.cell.has_c() {
            out[c_at + i] = c0.get(i).copied().unwrap_or(0.0);
        }
    }
    for d in 0..s.directions {
        let backwards = s.reverse != (d == 1);
        let wt = |j: usize, c: usize| p.w[(d * g * n + j) * k + c].to_f64();
        let bias = |j: usize| p.bias[d * g * n + j] as f64;
        for b in 0..s.batch {
            let st = if s.batch_first {
                (b * s.directions + d) * n
            } else {
                (d * s.batch + b) * n
            };
            for i in 0..s.steps {
                let t = if backwards { s.steps - 1 - i } else { i };
                let xo = if s.batch_first {
                    (b * s.steps + t) * ni
                } else {
                    (t * s.batch + b) * ni
                };
                for j in 0..n {
                    out[old + j] = out[h_at + st + j];
                }
                let hv = |out: &[f32], c: usize| out[old + c] as f64;
                let wx = |j: usize| (0..ni).map(|c| wt(j, c) * x[xo + c] as f64).sum::<f64>();
                let rh =
                    |out: &[f32], j: usize| (0..n).map(|c| wt(j, xw + c) * hv(out, c)).sum::<f64>();
                match s.cell {
                    Cell::Lstm { input_forget } => {
                        let pe = |q: usize, j: usize| {
                            if p.peephole.is_empty() {
                                0.0
                            } else {
                                p.peephole[d * 3 * n + q * n + j] as f64
                            }
                        };
                        for j in 0..n {
                            let pre =
                                |q: usize| wx(q * n + j) + rh(out, q * n + j) + bias(q * n + j);
                            let cj = out[c_at + st + j] as f64;
                            let ig = sig(clip(pre(0) + pe(0, j) * cj));
                            let fg = if input_forget {
                                1.0 - ig
                            } else {
                                sig(clip(pre(2) + pe(2, j) * cj))
                            };
                            let cand = libm::tanh(clip(pre(3)));
                            let cn = fg * cj + ig * cand;
                            let og = sig(clip(pre(1) + pe(1, j) * cn));
                            out[c_at + st + j] = cn as f32;
                            out[h_at + st + j] = (og * libm::tanh(cn)) as f32;
                        }
                    }
                    Cell::Gru { .. } => {
                        for j in 0..n {
                            out[rg + j] =
                                sig(clip(wx(n + j) + rh(out, n + j) + bias(n + j))) as f32;
                        }
                        for j in 0..n {
                            let z = sig(clip(wx(j) + rh(out, j) + bias(j)));
                            let r = out[rg + j] as f64;
                            let row = 2 * n + j;
                            let cand = if lbr {
                                let rb = p.rb_h[d * n + j] as f64;
                                wx(row) + bias(row) + r * (rh(out, row) + rb)
                            } else {
                                let rsum = (0..n)
                                    .map(|c| wt(row, xw + c) * out[rg + c] as f64 * hv(out, c))
                                    .sum::<f64>();
                                wx(row) + rsum + bias(row)
                            };
                            let cand = libm::tanh(clip(cand));
                            out[h_at + st + j] = ((1.0 - z) * cand + z * hv(out, j)) as f32;
                        }
                    }
                    Cell::Simple => {
                        for j in 0..n {
                            out[h_at + st + j] =
                                libm::tanh(clip(wx(j) + rh(out, j) + bias(j))) as f32;
                        }
                    }
                }
                if s.write_y {
                    let yo = if s.batch_first {
                        ((b * s.steps + t) * s.directions + d) * n
                    } else {
                        ((t * s.directions + d) * s.batch + b) * n
                    };
                    for j in 0..n {
                        out[yo + j] = out[h_at + st + j];
                    }
                }
            }
        }
    }
}
