//! Lowering convolutions and pools (1-D as 2-D with height 1).

use super::Lowerer;
use crate::ir::program::*;
use crate::ir::{self, PoolKind};
use crate::{Error, Result};

impl Lowerer<'_, '_> {
    pub(super) fn conv(&mut self, node: &ir::Node, a: &ir::ConvAttrs) -> Result<()> {
        let ins = &node.inputs;
        if !self.is_const(ins[1]) {
            return Err(Error::new(
                "computed (non-constant) filters are not supported",
            ));
        }
        let x = self.value(ins[0], node)?;
        let (xs, ys) = (
            self.shape(ins[0]).to_vec(),
            self.shape(node.outputs[0]).to_vec(),
        );
        let two = a.kernel.len() == 2;
        let sp = |v: &[usize], i: usize| spatial(v, i, two);
        let pad = |i: usize| {
            if two {
                a.pads[i]
            } else if i == 0 {
                0
            } else {
                a.pads[0]
            }
        };
        let geom = ConvShape {
            n: xs[0],
            c_in: xs[1],
            h: if two { xs[2] } else { 1 },
            w: *xs.last().unwrap(),
            c_out: ys[1],
            kh: sp(&a.kernel, 0),
            kw: sp(&a.kernel, 1),
            oh: if two { ys[2] } else { 1 },
            ow: *ys.last().unwrap(),
            stride: (sp(&a.strides, 0), sp(&a.strides, 1)),
            pad: (pad(0), pad(1)),
            dilation: (sp(&a.dilations, 0), sp(&a.dilations, 1)),
            groups: a.group,
        };
        let kind = ConvKind::choose(&geom);
        let w = if kind.packed() {
            use tinymtl_runtime::kernels::conv::{pack_into, packed_len, tile::MR};
            let k = geom.c_in * geom.kh * geom.kw;
            let len = packed_len(geom.c_out, k);
            // Blocks of MR output channels, each k rows of MR weights.
            let shape = vec![geom.c_out.div_ceil(MR), k, MR];
            self.f16_const(ins[1], shape, |d| {
                let mut out = vec![0.0; len];
                pack_into(d, geom.c_out, k, &mut out);
                out
            })?
        } else {
            let ws = self.shape(ins[1]).to_vec();
            self.f16_const(ins[1], ws, |d| d.to_vec())?
        };
        let mut post = Post::default();
        if let Some(&b) = ins.get(2) {
            let v = self.channel_vector(b, geom.c_out, 1.0)?;
            post.shift = Some(self.f32_const(self.tensor(b).name.clone(), v)?);
        }
        let kernel = Kernel::Conv {
            shape: geom,
            kind,
            w,
            post,
        };
        self.push_one(node, kernel, x);
        Ok(())
    }

    pub(super) fn pool(&mut self, node: &ir::Node, a: &ir::PoolAttrs) -> Result<()> {
        let x = self.value(node.inputs[0], node)?;
        let (xs, ys) = (
            self.shape(node.inputs[0]).to_vec(),
            self.shape(node.outputs[0]).to_vec(),
        );
        // Spatial axes right-aligned to (depth, height, width); missing ones are 1 wide.
        let n = a.kernel.len();
        let axis =
            |v: &[usize], i: usize, none: usize| (i + n).checked_sub(3).map_or(none, |j| v[j]);
        let (pb, pe) = (&a.pads[..n], &a.pads[n..]);
        let (input, output) = (&xs[2..], &ys[2..]);
        let geom = PoolShape {
            planes: xs[0] * xs[1],
            h: axis(input, 1, 1),
            w: axis(input, 2, 1),
            kh: axis(&a.kernel, 1, 1),
            kw: axis(&a.kernel, 2, 1),
            oh: axis(output, 1, 1),
            ow: axis(output, 2, 1),
            stride: (axis(&a.strides, 1, 1), axis(&a.strides, 2, 1)),
            pad: (
                axis(pb, 1, 0),
                axis(pb, 2, 0),
                axis(pe, 1, 0),
                axis(pe, 2, 0),
            ),
            dilation: (axis(&a.dilations, 1, 1), axis(&a.dilations, 2, 1)),
            d: axis(input, 0, 1),
            kd: axis(&a.kernel, 0, 1),
            od: axis(output, 0, 1),
            stride_d: axis(&a.strides, 0, 1),
            pad_d: (axis(pb, 0, 0), axis(pe, 0, 0)),
            dilation_d: axis(&a.dilations, 0, 1),
        };
        let kernel = Kernel::Pool {
            max: a.kind == PoolKind::Max,
            shape: geom,
            count_include_pad: a.count_include_pad,
        };
        self.push_one(node, kernel, x);
        Ok(())
    }
}

/// Attribute `v` of spatial dim `i` (0: height, 1: width) as a 2-D kernel sees it; a
/// 1-D op has height 1.
fn spatial(v: &[usize], i: usize, two: bool) -> usize {
    match (two, i) {
        (true, _) => v[i],
        (false, 0) => 1,
        (false, _) => v[0],
    }
}
