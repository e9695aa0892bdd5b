//! Scoring the generated code's outputs: accuracy (class labels) or MAE, RMSE and R²
//! (regression labels), and the comparison with onnxruntime's checked-in outputs.

use std::collections::BTreeMap;
use tinymtl::npz::{Array, Samples, Spec, Values};

/// Largest |generated - onnxruntime| accepted on a regression output (f16 weights).
const REG_TOL: f32 = 0.05;

/// One head's outputs on the held-out windows: `per` values a window.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Output {
    pub per: usize,
    pub values: Vec<f32>,
}

/// A label array as numbers, and whether it holds class indices (integers).
pub(super) fn label_values(a: &Array) -> (Vec<f32>, bool) {
    match &a.values {
        Values::F32(v) => (v.clone(), false),
        Values::I64(v) => (v.iter().map(|&x| x as f32).collect(), true),
        Values::Text(_) => (Vec::new(), false),
    }
}

/// Metrics of one task on the held-out windows.
#[derive(Clone, Debug)]
pub(super) enum Score {
    Class { correct: usize, n: usize },
    Reg { mae: f64, rmse: f64, r2: f64 },
}

impl Score {
    pub fn short(&self) -> String {
        match self {
            Score::Class { correct, n } => format!(
                "accuracy {correct}/{n} = {:.1} %",
                100.0 * *correct as f64 / (*n).max(1) as f64
            ),
            Score::Reg { mae, rmse, r2 } => {
                format!("MAE {mae:.3}, RMSE {rmse:.3}, R² {r2:.3}")
            }
        }
    }
}

pub(super) fn argmax(v: &[f32]) -> usize {
    v.iter()
        .enumerate()
        .fold((0, f32::NEG_INFINITY), |(bi, bv), (i, &x)| {
            if x > bv {
                (i, x)
            } else {
                (bi, bv)
            }
        })
        .0
}

pub(super) fn score(pred: &Output, label: &Array) -> Result<Score, String> {
    let (p, k) = (&pred.values, pred.per);
    let (y, is_int) = label_values(label);
    if p.len() != y.len() * if is_int { k } else { 1 } {
        return Err(format!(
            "{} predictions for {} labels",
            p.len() / k.max(1),
            y.len()
        ));
    }
    if is_int {
        let correct = p
            .chunks_exact(k)
            .zip(&y)
            .filter(|(c, &l)| argmax(c) == l as usize)
            .count();
        Ok(Score::Class {
            correct,
            n: y.len(),
        })
    } else {
        let n = y.len() as f64;
        let e: Vec<f64> = p.iter().zip(&y).map(|(a, b)| (a - b) as f64).collect();
        let mean = y.iter().map(|&v| v as f64).sum::<f64>() / n;
        let ss = y.iter().map(|&v| (v as f64 - mean).powi(2)).sum::<f64>();
        Ok(Score::Reg {
            mae: e.iter().map(|x| x.abs()).sum::<f64>() / n,
            rmse: (e.iter().map(|x| x * x).sum::<f64>() / n).sqrt(),
            r2: 1.0 - e.iter().map(|x| x * x).sum::<f64>() / ss.max(f64::MIN_POSITIVE),
        })
    }
}

/// Checks the generated code's outputs against onnxruntime's (`reference`, read with
/// the model's output `specs`): the same class on every window for class labels,
/// within [`REG_TOL`] otherwise. Returns a note per output.
pub(super) fn against_reference(
    outputs: &BTreeMap<String, Output>,
    specs: &[Spec],
    reference: &Samples,
    labels: &BTreeMap<String, Array>,
) -> Result<String, String> {
    let mut notes = Vec::new();
    for (spec, rv) in specs.iter().zip(&reference.data) {
        let name = &spec.name;
        let g = outputs
            .get(name)
            .ok_or(format!("the generated code wrote no output {name}"))?;
        let gv = &g.values;
        if gv.len() != rv.len() {
            return Err(format!(
                "{name}: {} values, onnxruntime {}",
                gv.len(),
                rv.len()
            ));
        }
        let diff = gv
            .iter()
            .zip(rv)
            .map(|(a, b)| (a - b).abs())
            .fold(0f32, f32::max);
        if !gv.iter().all(|x| x.is_finite()) {
            return Err(format!("{name}: non-finite outputs"));
        }
        if labels.get(name).is_some_and(|a| label_values(a).1) {
            let k = g.per;
            let same = gv
                .chunks_exact(k)
                .zip(rv.chunks_exact(k))
                .filter(|(a, b)| argmax(a) == argmax(b))
                .count();
            let n = gv.len() / k;
            if same != n {
                return Err(format!(
                    "{name}: the generated code's class differs from onnxruntime's on {} of {n} windows",
                    n - same
                ));
            }
            notes.push(format!("{name}: same class on {n}/{n}, max |Δ| {diff:.1e}"));
        } else {
            if diff > REG_TOL {
                return Err(format!(
                    "{name}: the generated code differs from onnxruntime by {diff} (> {REG_TOL})"
                ));
            }
            notes.push(format!("{name}: max |Δ| {diff:.1e}"));
        }
    }
    Ok(notes.join("; "))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::root;

    #[test]
    fn reads_the_checked_in_labels() {
        let dir = root().join(super::super::DIR);
        let l = super::super::read_labels(&dir.join("heldout.labels.npz")).unwrap();
        let n = l["activity"].shape[0];
        assert!(label_values(&l["activity"]).1);
        assert_eq!(l["intensity"].shape, [n]);
        assert!(!label_values(&l["intensity"]).1);
        match &l["activity_classes"].values {
            Values::Text(c) => assert_eq!(c, &["badminton", "running", "standing", "walking"]),
            d => panic!("{d:?}"),
        }
    }

    #[test]
    fn scores() {
        let pred = Output {
            per: 2,
            values: vec![0.9, 0.1, 0.2, 0.8],
        };
        let lab = Array {
            name: "a".into(),
            shape: vec![2],
            values: Values::I64(vec![0, 0]),
        };
        match score(&pred, &lab).unwrap() {
            Score::Class { correct, n } => assert_eq!((correct, n), (1, 2)),
            s => panic!("{s:?}"),
        }
        let reg = Array {
            name: "r".into(),
            shape: vec![2],
            values: Values::F32(vec![1.0, 3.0]),
        };
        let pred = Output {
            per: 1,
            values: vec![1.5, 2.5],
        };
        match score(&pred, &reg).unwrap() {
            Score::Reg { mae, r2, .. } => assert_eq!((mae, r2), (0.5, 0.75)),
            s => panic!("{s:?}"),
        }
    }
}
