//! Lowering LSTM / GRU / RNN: ONNX's `W` and `R` side by side as one f16 matrix per
//! direction (row `j` is `[W_j, 0.., R_j, 0..]`, each part zero-padded to whole blocks
//! of the dot product, so each gate is one dot product over `[x; h]`), the two biases pre-added in f64 into one f32 vector; the outputs are
//! views into the kernel's one output span: `Y` an alias of its start, `Y_h` and `Y_c`
//! small copies out of it.

use super::{pad_rank, strides, Lowerer};
use crate::ir::program::*;
use crate::ir::{self, Cell, RnnAttrs};
use crate::{Error, Result};

impl Lowerer<'_, '_> {
    pub(super) fn rnn(&mut self, node: &ir::Node, a: &RnnAttrs) -> Result<()> {
        let mut ins = node.inputs.iter().copied();
        let (xt, wt, rt) = match (ins.next(), ins.next(), ins.next()) {
            (Some(x), Some(w), Some(r)) => (x, w, r),
            _ => return Err(Error::new("expected inputs X, W and R")),
        };
        let [has_b, has_h0, has_c0, has_p] = a.has;
        let mut next = |present: bool| if present { ins.next() } else { None };
        let (bt, h0t, c0t, pt) = (next(has_b), next(has_h0), next(has_c0), next(has_p));
        let xs = self.shape(xt).to_vec();
        let (steps, batch) = if a.batch_first {
            (xs[1], xs[0])
        } else {
            (xs[0], xs[1])
        };
        // Output tensors in slot order.
        let mut outs = node.outputs.iter().copied();
        let slots: Vec<Option<ir::TensorId>> = a
            .outputs
            .iter()
            .map(|&o| if o { outs.next() } else { None })
            .collect();
        let y_used = slots[0].is_some_and(|t| self.is_read(t));
        let shape = RnnShape {
            cell: a.cell,
            steps,
            batch,
            inputs: xs[2],
            hidden: a.hidden,
            directions: a.directions,
            reverse: a.reverse,
            batch_first: a.batch_first,
            write_y: y_used,
            clip: a.clip,
        };
        let (n, g, k) = (a.hidden, a.cell.gates() * a.hidden, shape.row());
        let lbr = matches!(
            a.cell,
            Cell::Gru {
                linear_before_reset: true
            }
        );

        let (w, r) = (self.rounded(wt)?, self.rounded(rt)?);
        let mut fused = Vec::with_capacity(a.directions * g * k);
        for j in 0..a.directions * g {
            fused.extend_from_slice(&w[j * shape.inputs..(j + 1) * shape.inputs]);
            fused.resize(j * k + shape.x_width(), 0.0);
            fused.extend_from_slice(&r[j * n..(j + 1) * n]);
            fused.resize((j + 1) * k, 0.0);
        }
        let name = format!("{}+{}", self.tensor(wt).name, self.tensor(rt).name);
        self.prog.consts.push(Const {
            name,
            shape: vec![a.directions * g, k],
            data: fused,
            storage: Storage::F16,
        });
        let wc = self.prog.consts.len() - 1;

        let b = match bt {
            Some(t) => self.rounded(t)?,
            None => vec![0.0; a.directions * 2 * g],
        };
        let mut bias = Vec::with_capacity(a.directions * g);
        let mut rb_h = Vec::new();
        for d in 0..a.directions {
            let (wb, rb) = (
                &b[d * 2 * g..d * 2 * g + g],
                &b[d * 2 * g + g..(d + 1) * 2 * g],
            );
            for j in 0..g {
                let keep_apart = lbr && j >= 2 * n;
                let sum = wb[j] as f64 + if keep_apart { 0.0 } else { rb[j] as f64 };
                bias.push(sum);
                if keep_apart {
                    rb_h.push(rb[j] as f64);
                }
            }
        }
        let bias = self.f32_const(format!("{}:bias", node.name), bias)?;
        let rb_h = if lbr {
            Some(self.f32_const(format!("{}:rb_h", node.name), rb_h)?)
        } else {
            None
        };
        let peephole = match pt {
            Some(t) => {
                let p = self.rounded(t)?.iter().map(|&v| v as f64).collect();
                Some(self.f32_const(format!("{}:peephole", node.name), p)?)
            }
            None => None,
        };

        let mut args = vec![Arg::Value(self.value(xt, node)?)];
        for t in [h0t, c0t].into_iter().flatten() {
            args.push(Arg::Value(self.value(t, node)?));
        }
        let packed = self.temp(node, "state", vec![shape.out_len()]);
        self.push(
            super::here(node),
            Kernel::Rnn {
                shape,
                w: wc,
                bias,
                rb_h,
                peephole,
                h0: h0t.is_some(),
                c0: c0t.is_some(),
            },
            args,
            packed,
        );
        for (slot, t) in slots.into_iter().enumerate() {
            let Some(t) = t else { continue };
            let tshape = self.shape(t).to_vec();
            let name = self.tensor(t).name.clone();
            let v = match slot {
                0 if !y_used => continue,
                // `Y` starts the span: the same storage.
                0 => self.new_value(&name, tshape, Source::Alias(packed)),
                _ => {
                    let offset = if slot == 1 {
                        shape.h_offset()
                    } else {
                        shape.c_offset()
                    };
                    let view = pad_rank(&tshape, &strides(&tshape))?;
                    let v = self.new_value(&name, tshape, Source::Step);
                    self.push(
                        super::here(node),
                        Kernel::Slice { offset, view },
                        vec![Arg::Value(packed)],
                        v,
                    );
                    v
                }
            };
            self.value_of.insert(t, v);
        }
        Ok(())
    }

    /// Whether a node or the graph's outputs read tensor `t`.
    fn is_read(&self, t: ir::TensorId) -> bool {
        self.g.outputs.contains(&t) || self.g.nodes.iter().any(|n| n.inputs.contains(&t))
    }
}
