//! Lowering Resize (one `resize` call over `outer x h x w`), Pad (one `pad` call) and
//! GatherND rows (one `gather_rows` call with its offsets in flash).

use super::{here, prod, Lowerer};
use crate::ir::program::*;
use crate::ir::{self, PadMode, ResizeAttrs};
use crate::{Error, Result};
use tinymtl_runtime::kernels::resize::Coord;

impl Lowerer<'_, '_> {
    pub(super) fn resize(&mut self, node: &ir::Node, a: &ResizeAttrs) -> Result<()> {
        let x = self.value(node.inputs[0], node)?;
        let xs = self.shape(node.inputs[0]).to_vec();
        let ys = self.shape(node.outputs[0]).to_vec();
        let r = xs.len();
        let coord = |d: usize| match (a.coord, a.roi.get(d)) {
            (Coord::TfCropAndResize { extrapolation, .. }, Some(&(start, end))) => {
                Coord::TfCropAndResize {
                    start,
                    end,
                    extrapolation,
                }
            }
            (c, _) => c,
        };
        let axis = |d: usize| ResizeAxis {
            input: xs[d],
            output: ys[d],
            scale: a.scales[d],
            coord: coord(d),
        };
        // An unchanged axis reads itself (scale 1 maps every coordinate to itself in
        // every mode but tf_half_pixel_for_nn, which shifts it by half a value, and a
        // crop of part of the axis), so it joins the outer ones.
        let unchanged =
            |d: usize| xs[d] == ys[d] && a.scales[d] == 1.0 && a.coord != Coord::TfHalfPixelForNn;
        let shape = if r >= 2 && !unchanged(r - 2) {
            ResizeShape {
                outer: prod(&xs[..r - 2]),
                h: axis(r - 2),
                w: axis(r - 1),
            }
        } else if r >= 1 {
            ResizeShape {
                outer: prod(&xs[..r - 1]),
                h: ResizeAxis::UNIT,
                w: axis(r - 1),
            }
        } else {
            return Err(Error::new("Resize of a scalar is not supported"));
        };
        let kernel = Kernel::Resize {
            shape,
            mode: a.mode,
        };
        self.push_one(node, kernel, x);
        Ok(())
    }

    pub(super) fn pad(
        &mut self,
        node: &ir::Node,
        mode: PadMode,
        begin: &[i64],
        end: &[i64],
    ) -> Result<()> {
        let x = self.value(node.inputs[0], node)?;
        let xs = self.shape(node.inputs[0]).to_vec();
        let ys = self.shape(node.outputs[0]).to_vec();
        let r = xs.len();
        if r > MAX_RANK || begin.len() != r || end.len() != r {
            return Err(Error::new(format!(
                "Pad of rank {r} is not supported (at most {MAX_RANK})"
            )));
        }
        let off = MAX_RANK - r;
        let mut shape = PadShape {
            input: [1; MAX_RANK],
            output: [1; MAX_RANK],
            begin: [0; MAX_RANK],
        };
        shape.input[off..].copy_from_slice(&xs);
        shape.output[off..].copy_from_slice(&ys);
        shape.begin[off..].copy_from_slice(begin);
        self.push_one(node, Kernel::Pad { shape, mode }, x);
        Ok(())
    }

    pub(super) fn gather_rows(
        &mut self,
        node: &ir::Node,
        offsets: &[usize],
        row: usize,
    ) -> Result<()> {
        let x = self.value(node.inputs[0], node)?;
        let name = format!("{}:offsets", node.name);
        let offsets = self.f32_const(name, offsets.iter().map(|&o| o as f64).collect())?;
        let y = self.out_value(node);
        self.push(
            here(node),
            Kernel::GatherRows { offsets, row },
            vec![Arg::Value(x)],
            y,
        );
        Ok(())
    }
}
