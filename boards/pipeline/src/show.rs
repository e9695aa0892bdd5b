//! A head's output as the firmware shows it: a class with its label and confidence,
//! a probability, or raw values.
//!
//! Which one comes from the model's output shape and the user's `tinymtl.toml`
//! (`tinymtl firmware` decides at build time); softmax or sigmoid is applied here only
//! when the graph does not end in one, so a model exported with its softmax is not
//! normalised twice.

/// How one head's output is shown.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Show {
    /// The largest output wins: its index, its label and its probability.
    Class {
        /// One label per output; shorter lists (or none) show `class N`.
        labels: &'static [&'static str],
        /// Whether to apply softmax for the confidence (the outputs are logits).
        softmax: bool,
    },
    /// One output, a probability.
    Probability {
        /// Whether to apply the sigmoid (the output is a logit).
        sigmoid: bool,
    },
    /// The outputs as they are (regression).
    Values,
}

/// One head's output, shown.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Shown<'a> {
    /// See [`Show::Class`].
    Class {
        /// Index of the largest output (first on ties; NaN never wins).
        index: usize,
        /// Its label, if the list has one.
        label: Option<&'static str>,
        /// Its probability.
        confidence: f32,
    },
    /// See [`Show::Probability`].
    Probability(f32),
    /// See [`Show::Values`].
    Values(&'a [f32]),
}

impl Show {
    /// Shows `values`, a head's flat output.
    pub fn apply<'a>(&self, values: &'a [f32]) -> Shown<'a> {
        match *self {
            Show::Class { labels, softmax } => {
                let index = argmax(values);
                let x = values.get(index).copied().unwrap_or(f32::NAN);
                let confidence = if softmax {
                    softmax_at(values, index)
                } else {
                    x
                };
                Shown::Class {
                    index,
                    label: labels.get(index).copied(),
                    confidence,
                }
            }
            Show::Probability { sigmoid } => {
                let x = values.first().copied().unwrap_or(f32::NAN);
                Shown::Probability(if sigmoid { self::sigmoid(x) } else { x })
            }
            Show::Values => Shown::Values(values),
        }
    }
}

/// Index of the largest value (first on ties; NaN never wins; 0 when empty).
pub fn argmax(values: &[f32]) -> usize {
    let mut best = (0, f32::NAN);
    for (i, &x) in values.iter().enumerate() {
        if x > best.1 || best.1.is_nan() && !x.is_nan() {
            best = (i, x);
        }
    }
    best.0
}

/// Softmax probability of `values[i]`, numerically stable (max subtracted); NaN if
/// `i` is out of range or a value is NaN.
///
/// Only for what the logs show: `micromath`'s `exp` (about 2e-3 relative error, see
/// `runtime/src/math.rs`) is accurate enough for a percentage and smaller and faster
/// than `libm`'s. Decisions use the values themselves ([`argmax`]).
pub fn softmax_at(values: &[f32], i: usize) -> f32 {
    let m = values.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    // Called through the trait: on the host (tests) `f32::exp` from std would win.
    let sum: f32 = values.iter().map(|&x| micromath::F32Ext::exp(x - m)).sum();
    match values.get(i) {
        Some(&x) => micromath::F32Ext::exp(x - m) / sum,
        None => f32::NAN,
    }
}

/// `1 / (1 + exp(-x))` (micromath's `exp`, as [`softmax_at`]).
pub fn sigmoid(x: f32) -> f32 {
    1.0 / (1.0 + micromath::F32Ext::exp(-x))
}

impl core::fmt::Display for Shown<'_> {
    /// `walking (class 2, p 0.93)`, `class 2 (p 0.93)`, `p 0.12` or the values.
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match *self {
            Shown::Class {
                index,
                label: Some(l),
                confidence,
            } => write!(f, "{l} (class {index}, p {confidence})"),
            Shown::Class {
                index, confidence, ..
            } => write!(f, "class {index} (p {confidence})"),
            Shown::Probability(p) => write!(f, "p {p}"),
            Shown::Values(v) => write!(f, "{v:?}"),
        }
    }
}

#[cfg(feature = "defmt")]
impl Shown<'_> {
    /// Logs the head `name` of window `window`.
    pub fn log(&self, window: u32, name: &str) {
        match *self {
            Shown::Class {
                index,
                label: Some(l),
                confidence,
            } => defmt::info!(
                "window {=u32}: {=str} = {=str} (class {=usize}, p {=f32})",
                window,
                name,
                l,
                index,
                confidence
            ),
            Shown::Class {
                index, confidence, ..
            } => defmt::info!(
                "window {=u32}: {=str} = class {=usize} (p {=f32})",
                window,
                name,
                index,
                confidence
            ),
            Shown::Probability(p) => {
                defmt::info!("window {=u32}: {=str} = p {=f32}", window, name, p)
            }
            Shown::Values(v) => {
                defmt::info!("window {=u32}: {=str} = {=[?]}", window, name, v)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const LABELS: &[&str] = &["a", "b", "c"];

    #[test]
    fn class_from_logits_and_from_probabilities() {
        let logits = [0.0, 3.0, 0.0];
        let e3 = libm::expf(3.0);
        match (Show::Class {
            labels: LABELS,
            softmax: true,
        })
        .apply(&logits)
        {
            Shown::Class {
                index,
                label,
                confidence,
            } => {
                assert_eq!((index, label), (1, Some("b")));
                assert!((confidence - e3 / (e3 + 2.0)).abs() < 5e-3, "{confidence}");
            }
            other => panic!("{other:?}"),
        }
        // The graph has its softmax: the value is the probability, not re-normalised.
        let probs = [0.2, 0.1, 0.7];
        let shown = (Show::Class {
            labels: &["x"],
            softmax: false,
        })
        .apply(&probs);
        assert_eq!(
            shown,
            Shown::Class {
                index: 2,
                label: None,
                confidence: 0.7
            }
        );
    }

    #[test]
    fn probability_and_values() {
        let p = (Show::Probability { sigmoid: true }).apply(&[1.0]);
        let want = 1.0 / (1.0 + libm::expf(-1.0));
        assert!(matches!(p, Shown::Probability(x) if (x - want).abs() < 5e-3));
        assert_eq!(
            (Show::Probability { sigmoid: false }).apply(&[0.25]),
            Shown::Probability(0.25)
        );
        assert_eq!(Show::Values.apply(&[1.0, 2.0]), Shown::Values(&[1.0, 2.0]));
    }

    #[test]
    fn argmax_ties_nan_and_empty() {
        assert_eq!(argmax(&[1.0, 1.0]), 0);
        assert_eq!(argmax(&[f32::NAN, 1.0, 0.0]), 1);
        assert_eq!(argmax(&[]), 0);
        assert!(softmax_at(&[1.0], 3).is_nan());
        assert_eq!(softmax_at(&[1000.0, 1000.0], 0), 0.5);
    }
}
