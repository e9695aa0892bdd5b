//! Multi-node patterns that the IR has as a single op, recognised before translation
//! (the matched nodes are then not translated one by one). One so far: GELU written
//! out with `Erf` (how exporters write `F.gelu` below opset 20:
//! `0.5 * x * (1 + erf(x / sqrt(2)))`), which becomes one unary op.

use std::collections::HashMap;

use super::inline::FlatNode;

/// A matched erf-GELU: `out = gelu(x)`, the nodes after the Erf that it replaces.
pub(crate) struct ErfGelu {
    pub x: String,
    pub out: String,
    /// Indices of the Add/Mul nodes absorbed (they are not converted).
    pub absorbed: Vec<usize>,
}

/// The graph around the nodes, for matching.
pub(crate) struct Wiring<'a> {
    pub nodes: &'a [FlatNode],
    pub producer: &'a HashMap<&'a str, usize>,
    /// Live consumers of each tensor name.
    pub consumers: &'a HashMap<&'a str, Vec<usize>>,
    /// Whether a name is a graph output.
    pub is_output: &'a dyn Fn(&str) -> bool,
    /// The value of a scalar constant, if the name is one.
    pub scalar: &'a dyn Fn(&str) -> Option<f64>,
}

impl Wiring<'_> {
    /// The node consuming `name`, if it is the only consumer and not a graph output.
    fn sole_consumer(&self, name: &str) -> Option<usize> {
        if (self.is_output)(name) {
            return None;
        }
        match self.consumers.get(name).map(Vec::as_slice) {
            Some([c]) => Some(*c),
            _ => None,
        }
    }

    /// For a binary node `i` of type `op` with `name` as one operand, the other operand.
    fn other_operand(&self, i: usize, op: &str, name: &str) -> Option<&str> {
        let n = &self.nodes[i].proto;
        if n.op_type() != op || n.input.len() != 2 || n.output.len() != 1 {
            return None;
        }
        match (n.input[0].as_str(), n.input[1].as_str()) {
            (a, b) if a == name => Some(b),
            (a, b) if b == name => Some(a),
            _ => None,
        }
    }

    fn is_scalar(&self, name: &str, want: f64) -> bool {
        (self.scalar)(name).is_some_and(|v| (v - want).abs() <= 1e-3 * want.abs())
    }

    fn out(&self, i: usize) -> &str {
        &self.nodes[i].proto.output[0]
    }
}

/// Matches the erf-GELU pattern around the Erf node `erf`.
pub(crate) fn match_erf_gelu(w: &Wiring, erf: usize) -> Option<ErfGelu> {
    let e = &w.nodes[erf].proto;
    if e.input.len() != 1 || e.output.len() != 1 {
        return None;
    }
    // d = x / sqrt(2)  or  x * (1 / sqrt(2))
    let d = e.input[0].as_str();
    if w.sole_consumer(d)? != erf {
        return None;
    }
    let dn = &w.nodes[*w.producer.get(d)?].proto;
    let x = match dn.op_type() {
        "Div" if dn.input.len() == 2 && w.is_scalar(&dn.input[1], std::f64::consts::SQRT_2) => {
            dn.input[0].as_str()
        }
        "Mul" if dn.input.len() == 2 => {
            let inv = std::f64::consts::FRAC_1_SQRT_2;
            if w.is_scalar(&dn.input[1], inv) {
                dn.input[0].as_str()
            } else if w.is_scalar(&dn.input[0], inv) {
                dn.input[1].as_str()
            } else {
                return None;
            }
        }
        _ => return None,
    };
    // a = erf(..) + 1
    let add = w.sole_consumer(&e.output[0])?;
    if !w.is_scalar(w.other_operand(add, "Add", &e.output[0])?, 1.0) {
        return None;
    }
    let a = w.out(add);
    let m1 = w.sole_consumer(a)?;
    let other = w.other_operand(m1, "Mul", a)?;
    if other == x {
        // (x * a) * 0.5
        let m2 = w.sole_consumer(w.out(m1))?;
        if !w.is_scalar(w.other_operand(m2, "Mul", w.out(m1))?, 0.5) {
            return None;
        }
        return Some(ErfGelu {
            x: x.to_string(),
            out: w.out(m2).to_string(),
            absorbed: vec![add, m1, m2],
        });
    }
    if w.is_scalar(other, 0.5) {
        // x * (a * 0.5)
        let m2 = w.sole_consumer(w.out(m1))?;
        if w.other_operand(m2, "Mul", w.out(m1))? != x {
            return None;
        }
        return Some(ErfGelu {
            x: x.to_string(),
            out: w.out(m2).to_string(),
            absorbed: vec![add, m1, m2],
        });
    }
    // (x * 0.5) * a
    let h = &w.nodes[*w.producer.get(other)?].proto;
    let half_of_x = h.op_type() == "Mul"
        && h.input.len() == 2
        && ((h.input[0] == x && w.is_scalar(&h.input[1], 0.5))
            || (h.input[1] == x && w.is_scalar(&h.input[0], 0.5)));
    half_of_x.then(|| ErfGelu {
        x: x.to_string(),
        out: w.out(m1).to_string(),
        absorbed: vec![add, m1],
    })
}
