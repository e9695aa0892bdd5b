//! The dynamo exporter's linear 1-D `F.interpolate`, recognised as one Resize.
//!
//! torch's decomposition of `upsample_linear1d` exports as
//!
//! ```text
//! t  = Transpose(x, perm P)          the resized (last) axis first
//! g0 = Transpose(GatherND(t, I0), Q) Q the inverse of P; I0 constant [K, 1]
//! g1 = Transpose(GatherND(t, I1), Q)
//! y  = Add(g0, Mul(Sub(g1, g0), W))  W constant, K weights along the last axis
//! ```
//!
//! that is `y[.., o] = (1 - W[o]) x[.., I0[o]] + W[o] x[.., I1[o]]`. Matched at the Add,
//! this is checked against the taps of a linear Resize of the last axis for each
//! coordinate mode torch uses (half_pixel with scale `K / L`, align_corners), per output
//! position, each tap's coefficient within 1e-5; when one mode reproduces every
//! position, the Add's output becomes that Resize of `x` (no index or weight tables in
//! flash), and the Transposes and GatherNDs, then unused, are dropped with the dead
//! code. When none does, the nodes run as they are (GatherND as row copies).

use std::collections::BTreeMap;

use super::patterns::Wiring;
use super::value::{Const, Value};
use crate::ir::Coord;
use tinymtl_runtime::kernels::resize::ResizeAxis;

/// A matched interpolation: `out = resize(x)` along its last axis.
pub(crate) struct Lerp {
    pub x: String,
    pub out: String,
    pub axis: ResizeAxis,
}

/// The node producing `name`, if it has op type `op` and one output.
fn producer<'a>(w: &'a Wiring, name: &str, op: &str) -> Option<&'a super::onnx::NodeProto> {
    let n = &w.nodes[*w.producer.get(name)?].proto;
    (n.op_type() == op && n.output.len() == 1).then_some(n)
}

fn perm(n: &super::onnx::NodeProto) -> Option<Vec<i64>> {
    let a = n.attribute.iter().find(|a| a.name() == "perm")?;
    Some(a.ints.clone())
}

/// `(data, indices)` of `g = Transpose(GatherND(data, indices), perm)`, with the perm.
fn gathered<'a>(w: &'a Wiring, g: &str) -> Option<(&'a str, &'a str, Vec<i64>)> {
    let t = producer(w, g, "Transpose")?;
    let gn = producer(w, &t.input[0], "GatherND")?;
    let batch = gn.attribute.iter().find(|a| a.name() == "batch_dims");
    if batch.is_some_and(|a| a.i() != 0) || gn.input.len() != 2 {
        return None;
    }
    Some((gn.input[0].as_str(), gn.input[1].as_str(), perm(t)?))
}

/// Matches the pattern ending at the Add node `add`; `value` gives the converted value
/// of a name, `act_shape` the shape of an activation (`None` for anything else).
pub(crate) fn match_lerp(
    w: &Wiring,
    add: usize,
    value: &dyn Fn(&str) -> Option<Value>,
    act_shape: &dyn Fn(&str) -> Option<Vec<usize>>,
) -> Option<Lerp> {
    let a = &w.nodes[add].proto;
    if a.input.len() != 2 || a.output.len() != 1 {
        return None;
    }
    // Add(g0, m) or Add(m, g0), m = Mul(d, W) or Mul(W, d), d = Sub(g1, g0).
    let (m, g0) = [(0, 1), (1, 0)]
        .into_iter()
        .find_map(|(i, j)| producer(w, &a.input[i], "Mul").map(|m| (m, a.input[j].as_str())))?;
    let (d, wname) = [(0, 1), (1, 0)]
        .into_iter()
        .find_map(|(i, j)| producer(w, &m.input[i], "Sub").map(|d| (d, m.input[j].as_str())))?;
    if d.input.len() != 2 || d.input[1] != g0 {
        return None;
    }
    let g1 = d.input[0].as_str();
    let (t0, i0, q0) = gathered(w, g0)?;
    let (t1, i1, q1) = gathered(w, g1)?;
    if t0 != t1 || q0 != q1 {
        return None;
    }
    let tp = producer(w, t0, "Transpose")?;
    let p = perm(tp)?;
    let r = p.len();
    // P brings the last axis first; Q puts it back, the others in order.
    let want_p: Vec<i64> = std::iter::once(r as i64 - 1)
        .chain(0..r as i64 - 1)
        .collect();
    let want_q: Vec<i64> = (1..r as i64).chain(std::iter::once(0)).collect();
    if r < 2 || p != want_p || q0 != want_q {
        return None;
    }
    let consts = |n: &str| match value(n)? {
        Value::Const(c) => Some(c),
        _ => None,
    };
    let (c0, c1, cw) = (consts(i0)?, consts(i1)?, consts(wname)?);
    let x = tp.input[0].as_str();
    let len = *act_shape(x)?.last()?;
    let k = c0.data.len();
    let index_shape = |c: &Const| c.shape == [k, 1];
    let weights_ok = cw.data.len() == k && cw.shape.last() == Some(&k);
    if !(index_shape(&c0) && index_shape(&c1) && weights_ok) {
        return None;
    }
    let idx = |c: &Const| c.to_i64();
    let (i0v, i1v, wv) = (idx(&c0), idx(&c1), cw.to_f32());
    let candidates = [
        (Coord::HalfPixel, k as f32 / len as f32),
        (Coord::AlignCorners, k as f32 / len as f32),
        (Coord::PytorchHalfPixel, k as f32 / len as f32),
        (Coord::Asymmetric, k as f32 / len as f32),
    ];
    let axis = candidates.into_iter().find_map(|(coord, scale)| {
        let axis = ResizeAxis {
            input: len,
            output: k,
            scale,
            coord,
        };
        (0..k)
            .all(|o| same_taps(&axis, o, (i0v[o], i1v[o], wv[o]), len))
            .then_some(axis)
    })?;
    Some(Lerp {
        x: x.to_string(),
        out: a.output[0].clone(),
        axis,
    })
}

/// Whether output `o` of `axis` has the taps `(1 - w) x[i0] + w x[i1]`.
fn same_taps(axis: &ResizeAxis, o: usize, (i0, i1, w): (i64, i64, f32), len: usize) -> bool {
    let n = len as i64;
    if !(0..n).contains(&i0) || !(0..n).contains(&i1) {
        return false;
    }
    let mut want: BTreeMap<usize, f64> = BTreeMap::new();
    *want.entry(i0 as usize).or_default() += 1.0 - f64::from(w);
    *want.entry(i1 as usize).or_default() += f64::from(w);
    let (j0, j1, w0, w1) = axis.linear(o);
    let mut got: BTreeMap<usize, f64> = BTreeMap::new();
    *got.entry(j0).or_default() += f64::from(w0);
    *got.entry(j1).or_default() += f64::from(w1);
    let keys: std::collections::BTreeSet<usize> = want.keys().chain(got.keys()).copied().collect();
    keys.into_iter().all(|i| {
        let (a, b) = (
            want.get(&i).copied().unwrap_or(0.0),
            got.get(&i).copied().unwrap_or(0.0),
        );
        (a - b).abs() <= 1e-5
    })
}
