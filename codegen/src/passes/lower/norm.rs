//! Lowering normalizations: BatchNormalization (a per-channel affine map),
//! LayerNormalization and Softmax.

use super::{prod, Lowerer};
use crate::ir;
use crate::ir::program::*;
use crate::{Error, Result};

impl Lowerer<'_, '_> {
    /// BatchNormalization folded to `y = x * scale[c] + shift[c]` (computed in f64).
    pub(super) fn batch_norm(&mut self, node: &ir::Node, epsilon: f32) -> Result<()> {
        let ins = &node.inputs;
        let x = self.value(ins[0], node)?;
        let shape = self.shape(ins[0]).to_vec();
        if shape.len() < 2 {
            return Err(Error::new(format!(
                "input of rank {} (expected N x C x ...)",
                shape.len()
            )));
        }
        let c = shape[1];
        let gamma = self.channel_vector(ins[1], c, 1.0)?;
        let beta = self.channel_vector(ins[2], c, 1.0)?;
        let mean = self.channel_vector(ins[3], c, 1.0)?;
        let var = self.channel_vector(ins[4], c, 1.0)?;
        let eps = epsilon as f64;
        let s: Vec<f64> = (0..c).map(|i| gamma[i] / (var[i] + eps).sqrt()).collect();
        let t: Vec<f64> = (0..c).map(|i| beta[i] - mean[i] * s[i]).collect();
        let scale = self.f32_const(format!("{}:scale", node.name), s)?;
        let shift = self.f32_const(format!("{}:shift", node.name), t)?;
        let kernel = Kernel::ChannelAffine {
            shape: ChannelShape {
                outer: shape[0],
                channels: c,
                inner: prod(&shape[2..]),
            },
            scale,
            shift,
            act: None,
        };
        self.push_one(node, kernel, x);
        Ok(())
    }

    pub(super) fn softmax(&mut self, node: &ir::Node, axis: usize, log: bool) -> Result<()> {
        let x = self.value(node.inputs[0], node)?;
        let s = self.shape(node.inputs[0]).to_vec();
        let kernel = Kernel::Softmax {
            shape: SoftmaxShape {
                outer: prod(&s[..axis]),
                axis: s[axis],
                inner: prod(&s[axis + 1..]),
            },
            log,
        };
        self.push_one(node, kernel, x);
        Ok(())
    }

    pub(super) fn layer_norm(&mut self, node: &ir::Node, axis: usize, epsilon: f32) -> Result<()> {
        let ins = &node.inputs;
        let x = self.value(ins[0], node)?;
        let s = self.shape(ins[0]).to_vec();
        let n = prod(&s[axis..]);
        let scale = self.channel_vector(ins[1], n, 1.0)?;
        let scale = self.f32_const(self.tensor(ins[1]).name.clone(), scale)?;
        let bias = match ins.get(2) {
            Some(&b) => {
                let v = self.channel_vector(b, n, 1.0)?;
                Some(self.f32_const(self.tensor(b).name.clone(), v)?)
            }
            None => None,
        };
        let kernel = Kernel::LayerNorm {
            shape: LayerNormShape {
                rows: prod(&s[..axis]),
                features: n,
            },
            scale,
            bias,
            eps: epsilon,
        };
        self.push_one(node, kernel, x);
        Ok(())
    }
}
