//! Head outputs to predictions: labels and confidences from logits.

/// The `activity` head's classes, in logit order (the UCI-HAR classes).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum ActivityLabel {
    /// Class 0.
    Walking,
    /// Class 1.
    WalkingUpstairs,
    /// Class 2.
    WalkingDownstairs,
    /// Class 3.
    Sitting,
    /// Class 4.
    Standing,
    /// Class 5.
    Lying,
}

impl ActivityLabel {
    /// Every class, in logit order.
    pub const ALL: [ActivityLabel; 6] = [
        ActivityLabel::Walking,
        ActivityLabel::WalkingUpstairs,
        ActivityLabel::WalkingDownstairs,
        ActivityLabel::Sitting,
        ActivityLabel::Standing,
        ActivityLabel::Lying,
    ];

    /// Short name for logs.
    pub const fn name(self) -> &'static str {
        match self {
            ActivityLabel::Walking => "walking",
            ActivityLabel::WalkingUpstairs => "upstairs",
            ActivityLabel::WalkingDownstairs => "downstairs",
            ActivityLabel::Sitting => "sitting",
            ActivityLabel::Standing => "standing",
            ActivityLabel::Lying => "lying",
        }
    }
}

/// A prediction of the `activity` head.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Activity {
    /// Window the prediction is about.
    pub window: u32,
    /// Most likely class.
    pub label: ActivityLabel,
    /// Its softmax probability.
    pub confidence: f32,
    /// The head's logits.
    pub logits: [f32; 6],
}

impl Activity {
    /// Label and confidence from the head's logits.
    pub fn from_logits(window: u32, logits: [f32; 6]) -> Activity {
        let (i, p) = top(&logits);
        Activity {
            window,
            label: ActivityLabel::ALL
                .get(i)
                .copied()
                .unwrap_or(ActivityLabel::Walking),
            confidence: p,
            logits,
        }
    }
}

/// A prediction of the `fall` head (class 1 = fall).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Fall {
    /// Window the prediction is about.
    pub window: u32,
    /// Whether class 1 (fall) wins.
    pub fall: bool,
    /// Softmax probability of a fall.
    pub probability: f32,
    /// The head's logits.
    pub logits: [f32; 2],
}

impl Fall {
    /// Decision and probability from the head's logits.
    pub fn from_logits(window: u32, logits: [f32; 2]) -> Fall {
        let p = softmax(&logits);
        Fall {
            window,
            fall: logits[1] > logits[0],
            probability: p[1],
            logits,
        }
    }
}

/// A prediction of the `cadence` head (regression, in the units the model was
/// trained with: steps per minute for a real pedometer model).
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Cadence {
    /// Window the prediction is about.
    pub window: u32,
    /// The head's output.
    pub value: f32,
}

/// Softmax, numerically stable (max subtracted). NaN logits give NaN probabilities.
///
/// Only for the confidence shown in logs: `micromath`'s `exp` (about 2e-3 relative
/// error, see `runtime/src/math.rs`) is accurate enough for a percentage and smaller
/// and faster than `libm`'s. Decisions use the logits themselves ([`top`]'s index).
pub fn softmax<const N: usize>(logits: &[f32; N]) -> [f32; N] {
    let m = logits.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    // Called through the trait: on the host (tests) `f32::exp` from std would win.
    let mut p = logits.map(|x| micromath::F32Ext::exp(x - m));
    let sum: f32 = p.iter().sum();
    for v in &mut p {
        *v /= sum;
    }
    p
}

/// Index of the largest logit (first on ties; NaN never wins) and its softmax
/// probability.
pub fn top<const N: usize>(logits: &[f32; N]) -> (usize, f32) {
    let mut best = (0, f32::NAN);
    for (i, &x) in logits.iter().enumerate() {
        if x > best.1 || best.1.is_nan() {
            best = (i, x);
        }
    }
    let p = softmax(logits).get(best.0).copied().unwrap_or(f32::NAN);
    (best.0, p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn activity_label_and_confidence() {
        let a = Activity::from_logits(7, [0.0, 0.0, 0.0, 3.0, 0.0, 0.0]);
        assert_eq!(a.label, ActivityLabel::Sitting);
        let e3 = libm::expf(3.0);
        assert!(
            (a.confidence - e3 / (e3 + 5.0)).abs() < 5e-3,
            "{}",
            a.confidence
        );
        assert_eq!(a.window, 7);
    }

    #[test]
    fn fall_decision() {
        let f = Fall::from_logits(0, [1.0, 2.0]);
        assert!(f.fall);
        assert!((f.probability - 1.0 / (1.0 + libm::expf(-1.0))).abs() < 5e-3);
        assert!(!Fall::from_logits(0, [2.0, 1.0]).fall);
    }

    #[test]
    fn top_ties_and_nan() {
        assert_eq!(top(&[1.0, 1.0]).0, 0);
        assert_eq!(top(&[f32::NAN, 1.0, 0.0]).0, 1);
        let p = softmax(&[1000.0, 1000.0]);
        assert_eq!(p, [0.5, 0.5]);
    }
}
