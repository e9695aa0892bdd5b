//! Recurrent layers: ONNX `LSTM`, `GRU` and `RNN`, forward, reverse or bidirectional.
//!
//! Per time step and direction the gates are **one** matrix-vector product: the input
//! `x[t]` and the previous hidden state `h` sit side by side in a scratch vector
//! `xh = [x[t]; h]`, and each gate row of the weights is `[W_row | R_row]` (ONNX's `W`
//! and `R` laid side by side by the code generator, each part zero-padded to whole
//! blocks: [`RnnShape::row`]), so every gate value is one f16 dot product over the
//! row: the same loop (on Cortex-M4F the same assembly) as a dense layer. The biases `Wb + Rb` are pre-added (f32). The state
//! and all math are f32; weights f16.
//!
//! The one exception is a GRU with `linear_before_reset = 1` (what PyTorch exports):
//! its candidate gate needs `W_h·x` and `R_h·h` apart, `ĥ = tanh(W_h·x + Wb_h +
//! r ⊙ (R_h·h + Rb_h))`, so those rows are two dot products over the two halves of the
//! same row, and `Rb_h` is a separate vector.
//!
//! Everything the layer writes lives in one output span, laid out by [`RnnShape`]:
//! `[Y | Y_h | Y_c | xh | gates]` — the ONNX outputs first (`Y` only if the graph
//! reads it), then the scratch. Timing depends on the shapes only: the gates'
//! sigmoid and tanh are [`crate::math::exp_straight`]'s straight-line polynomial
//! (five per LSTM unit and step; `libm`'s branch on the argument).

use super::dot::{dot_f16, LANES};
use crate::math::{sigmoid_straight as sigmoid, tanh_straight as tanh};
use crate::slice::{copy, split, split_mut, window, window_mut};
use half::f16;

/// Which cell.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Cell {
    /// ONNX `LSTM`: gates `i, o, f, c` (in that order, as ONNX stores them).
    Lstm {
        /// `input_forget = 1`: the forget gate is `1 - i`.
        input_forget: bool,
    },
    /// ONNX `GRU`: gates `z, r, h`.
    Gru {
        /// `linear_before_reset = 1`: the reset gate multiplies `R_h·h + Rb_h`.
        linear_before_reset: bool,
    },
    /// ONNX `RNN`: one `tanh` gate.
    Simple,
}

impl Cell {
    /// Gate rows per hidden unit.
    pub const fn gates(self) -> usize {
        match self {
            Cell::Lstm { .. } => 4,
            Cell::Gru { .. } => 3,
            Cell::Simple => 1,
        }
    }

    /// Whether the cell has a cell state (`Y_c`).
    pub const fn has_c(self) -> bool {
        matches!(self, Cell::Lstm { .. })
    }
}

/// The geometry of a recurrent layer.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RnnShape {
    /// The cell.
    pub cell: Cell,
    /// Time steps (`seq_length`).
    pub steps: usize,
    /// Sequences (`batch_size`).
    pub batch: usize,
    /// Values per input step (`input_size`).
    pub inputs: usize,
    /// Hidden units (`hidden_size`).
    pub hidden: usize,
    /// 1, or 2 (bidirectional: direction 1 runs backwards).
    pub directions: usize,
    /// Direction 0 runs backwards (`direction = "reverse"`).
    pub reverse: bool,
    /// ONNX `layout = 1`: `X` is `[batch, steps, inputs]`, `Y` `[batch, steps, dirs,
    /// hidden]`, states `[batch, dirs, hidden]`; else `[steps, batch, inputs]`, `[steps,
    /// dirs, batch, hidden]`, `[dirs, batch, hidden]`.
    pub batch_first: bool,
    /// Whether `Y` (every step's hidden state) is written.
    pub write_y: bool,
    /// Gate pre-activations are clipped to `[-clip, clip]` (`f32::INFINITY`: no clip).
    pub clip: f32,
}

impl RnnShape {
    /// Width of the `x` part of a weight row and of `[x; h]`: `inputs` rounded up to
    /// whole blocks of the dot product (zeros after), so every dot product is whole
    /// aligned blocks with no scalar head or tail.
    pub const fn x_width(&self) -> usize {
        self.inputs.next_multiple_of(LANES)
    }

    /// Width of the `h` part, `hidden` rounded up the same way.
    pub const fn h_width(&self) -> usize {
        self.hidden.next_multiple_of(LANES)
    }

    /// Values per weight row: `[W_j, 0.., R_j, 0..]`, [`RnnShape::x_width`] +
    /// [`RnnShape::h_width`].
    pub const fn row(&self) -> usize {
        self.x_width() + self.h_width()
    }

    /// Length of `Y` in the output span (0 unless written).
    pub const fn y_len(&self) -> usize {
        if self.write_y {
            self.steps * self.directions * self.batch * self.hidden
        } else {
            0
        }
    }

    /// Length of `Y_h` (and of `Y_c`).
    pub const fn state_len(&self) -> usize {
        self.directions * self.batch * self.hidden
    }

    /// Offset of `Y_h` in the output span.
    pub const fn h_offset(&self) -> usize {
        self.y_len()
    }

    /// Offset of `Y_c` in the output span (LSTM).
    pub const fn c_offset(&self) -> usize {
        self.y_len() + self.state_len()
    }

    /// Length of the whole output span: outputs and scratch.
    pub const fn out_len(&self) -> usize {
        let c = if self.cell.has_c() {
            self.state_len()
        } else {
            0
        };
        // One extra gate row block for the separate `R_h·h` of linear-before-reset GRUs.
        let gates = (self.cell.gates() + 1) * self.hidden;
        self.y_len() + self.state_len() + c + self.row() + gates
    }

    /// Offset of the hidden state of direction `d`, sequence `b` within `Y_h`.
    const fn state_at(&self, d: usize, b: usize) -> usize {
        if self.batch_first {
            (b * self.directions + d) * self.hidden
        } else {
            (d * self.batch + b) * self.hidden
        }
    }

    /// Offset of `x[t]` of sequence `b` in `X`.
    const fn x_at(&self, t: usize, b: usize) -> usize {
        if self.batch_first {
            (b * self.steps + t) * self.inputs
        } else {
            (t * self.batch + b) * self.inputs
        }
    }

    /// Offset of `Y[t]` of direction `d`, sequence `b` in `Y`.
    const fn y_at(&self, t: usize, d: usize, b: usize) -> usize {
        if self.batch_first {
            ((b * self.steps + t) * self.directions + d) * self.hidden
        } else {
            ((t * self.directions + d) * self.batch + b) * self.hidden
        }
    }
}

/// The constants of a recurrent layer, per direction one after the other.
#[derive(Clone, Copy, Debug)]
pub struct RnnWeights<'a> {
    /// `directions x (gates·hidden) x row`: row `j` is `[W_j, 0.., R_j, 0..]`
    /// ([`RnnShape::row`]).
    pub w: &'a [f16],
    /// `directions x (gates·hidden)`: `Wb + Rb` (for a linear-before-reset GRU the
    /// candidate rows hold `Wb_h` only).
    pub bias: &'a [f32],
    /// Linear-before-reset GRU: `directions x hidden`, `Rb_h`; else empty.
    pub rb_h: &'a [f32],
    /// LSTM peepholes `directions x 3·hidden` (`P_i, P_o, P_f`), or empty (none).
    pub peephole: &'a [f32],
}

/// Runs the layer over `x` (`[steps, batch, inputs]` or batch first) from the initial
/// states `h0` and `c0` (shaped as `Y_h`; empty: zeros) into `out`
/// ([`RnnShape::out_len`] values: `Y`, `Y_h`, `Y_c`, then scratch).
pub fn rnn(s: &RnnShape, x: &[f32], h0: &[f32], c0: &[f32], p: RnnWeights<'_>, out: &mut [f32]) {
    let (h, hd, g) = (s.hidden, s.cell.gates(), s.cell.gates() * s.hidden);
    let (y, rest) = split_mut(out, s.y_len());
    let (ys_h, rest) = split_mut(rest, s.state_len());
    let c_len = if s.cell.has_c() { s.state_len() } else { 0 };
    let (ys_c, rest) = split_mut(rest, c_len);
    let (xh, gates) = split_mut(rest, s.row());
    // The padding of `[x; h]` stays zero (it meets zero weights; never NaN garbage).
    xh.fill(0.0);
    init(ys_h, h0);
    init(ys_c, c0);
    for d in 0..s.directions {
        let backwards = s.reverse != (d == 1);
        let w = window(p.w, d * g * s.row(), g * s.row());
        let bias = window(p.bias, d * g, g);
        let rb_h = window(p.rb_h, d * h, h);
        let peep = window(p.peephole, d * 3 * h, 3 * h);
        for b in 0..s.batch {
            let at = s.state_at(d, b);
            for i in 0..s.steps {
                let t = if backwards { s.steps - 1 - i } else { i };
                let (xpart, hpart) = split_mut(xh, s.x_width());
                copy(window(x, s.x_at(t, b), s.inputs), xpart);
                let state = window_mut(ys_h, at, h);
                copy(state, hpart);
                match s.cell {
                    Cell::Lstm { input_forget } => {
                        gate_rows(w, bias, xh, gates, g, s.row());
                        let c = window_mut(ys_c, at, h);
                        lstm_update(state, c, gates, peep, input_forget, s.clip);
                    }
                    Cell::Gru {
                        linear_before_reset,
                    } => {
                        let state = window_mut(ys_h, at, h);
                        gru(s, w, bias, rb_h, xh, gates, state, linear_before_reset);
                    }
                    Cell::Simple => {
                        gate_rows(w, bias, xh, gates, hd * h, s.row());
                        for (hv, &gv) in state.iter_mut().zip(gates.iter()) {
                            *hv = tanh(clip(gv, s.clip));
                        }
                    }
                }
                if s.write_y {
                    copy(window(ys_h, at, h), window_mut(y, s.y_at(t, d, b), h));
                }
            }
        }
    }
}

/// Copies the initial state, or zeros when none is given.
fn init(state: &mut [f32], given: &[f32]) {
    if given.is_empty() {
        state.fill(0.0);
    } else {
        copy(given, state);
    }
}

/// `gates[j] = dot(xh, w[j]) + bias[j]` for the first `rows` rows of length `k`.
#[inline(always)]
fn gate_rows(w: &[f16], bias: &[f32], xh: &[f32], gates: &mut [f32], rows: usize, k: usize) {
    let w = window(w, 0, rows * k);
    for ((gv, wr), &bv) in gates.iter_mut().zip(w.chunks_exact(k)).zip(bias) {
        *gv = dot_f16(xh, wr) + bv;
    }
}

#[inline(always)]
fn clip(v: f32, c: f32) -> f32 {
    v.max(-c).min(c)
}

/// The LSTM cell update from the gate pre-activations `[i, o, f, c]`.
fn lstm_update(
    h: &mut [f32],
    c: &mut [f32],
    gates: &[f32],
    peep: &[f32],
    input_forget: bool,
    cl: f32,
) {
    let n = h.len();
    let (gi, rest) = split(gates, n);
    let (go, rest) = split(rest, n);
    let (gf, gc) = split(rest, n);
    let (pi, pr) = split(peep, n);
    let (po, pf) = split(pr, n);
    for j in 0..n {
        let cj = c.get(j).copied().unwrap_or(0.0);
        let peep_at = |p: &[f32]| p.get(j).copied().unwrap_or(0.0);
        let i = sigmoid(clip(at(gi, j) + peep_at(pi) * cj, cl));
        let f = if input_forget {
            1.0 - i
        } else {
            sigmoid(clip(at(gf, j) + peep_at(pf) * cj, cl))
        };
        let cand = tanh(clip(at(gc, j), cl));
        let cn = f * cj + i * cand;
        let o = sigmoid(clip(at(go, j) + peep_at(po) * cn, cl));
        if let (Some(cv), Some(hv)) = (c.get_mut(j), h.get_mut(j)) {
            *cv = cn;
            *hv = o * tanh(cn);
        }
    }
}

#[inline(always)]
fn at(x: &[f32], i: usize) -> f32 {
    x.get(i).copied().unwrap_or(0.0)
}

/// One GRU step: gates `z, r` from `[x; h]`, then the candidate, then `h`.
#[allow(clippy::too_many_arguments)]
fn gru(
    s: &RnnShape,
    w: &[f16],
    bias: &[f32],
    rb_h: &[f32],
    xh: &mut [f32],
    gates: &mut [f32],
    h: &mut [f32],
    linear_before_reset: bool,
) {
    let (n, k, i_len) = (s.hidden, s.row(), s.x_width());
    gate_rows(w, bias, xh, gates, 2 * n, k);
    let (zr, cand) = split_mut(gates, 2 * n);
    for v in zr.iter_mut() {
        *v = sigmoid(clip(*v, s.clip));
    }
    let (z, r) = split(zr, n);
    let wh = window(w, 2 * n * k, n * k);
    let bh = window(bias, 2 * n, n);
    let (cx, ch) = split_mut(cand, n);
    if linear_before_reset {
        let (xpart, hpart) = split(xh, i_len);
        for ((((cv, hv), wr), &bx), &bhh) in cx
            .iter_mut()
            .zip(ch.iter_mut())
            .zip(wh.chunks_exact(k))
            .zip(bh)
            .zip(rb_h)
        {
            let (wx, wr_h) = split(wr, i_len);
            *cv = dot_f16(xpart, wx) + bx;
            *hv = dot_f16(hpart, wr_h) + bhh;
        }
        for ((cv, &hv), &rv) in cx.iter_mut().zip(ch.iter()).zip(r) {
            *cv = tanh(clip(*cv + rv * hv, s.clip));
        }
    } else {
        let (_, hpart) = split_mut(xh, i_len);
        for (hv, &rv) in hpart.iter_mut().zip(r) {
            *hv *= rv;
        }
        gate_rows(wh, bh, xh, cx, n, k);
        for cv in cx.iter_mut() {
            *cv = tanh(clip(*cv, s.clip));
        }
    }
    for ((hv, &zv), &cv) in h.iter_mut().zip(z).zip(cx.iter()) {
        *hv = (1.0 - zv) * cv + zv * *hv;
    }
}
