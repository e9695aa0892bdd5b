//! Constants on their way to flash: validated once, rounded to f16 once.
//!
//! Rules (the same for every constant a kernel reads):
//! - NaN or infinite values are refused, naming the tensor;
//! - values beyond f16's range (±65504) are refused, or clamped with a warning when
//!   [`super::Options::saturate`] is set;
//! - non-zero values that f16 flushes to zero (|x| < 2^-25) are reported.
//!
//! Derived per-channel vectors (folded BatchNorm, Gemm bias) are computed in f64 from
//! the f16-rounded source values, as a model whose weights were rounded to f16 would
//! compute them, and stored as f32.

use crate::{Error, Result};
use half::f16;

/// Largest finite f16.
pub const F16_MAX: f32 = 65504.0;

/// Checks `data` (named `name`) and returns it rounded to the nearest f16.
pub fn round_f16(
    name: &str,
    data: &[f32],
    saturate: bool,
    warnings: &mut Vec<String>,
) -> Result<Vec<f32>> {
    check_finite(name, data)?;
    let over = data
        .iter()
        .filter(|v| v.abs() > F16_MAX && f16::from_f32(**v).is_infinite())
        .count();
    if over > 0 {
        if !saturate {
            return Err(Error::new(format!(
                "{over} value(s) beyond f16's range (±65504, largest |x| = {}); pass --saturate to clamp them",
                data.iter().fold(0f32, |m, v| m.max(v.abs()))
            ))
            .on_tensor(name));
        }
        warnings.push(format!(
            "tensor '{name}': {over} value(s) beyond ±65504 clamped to f16's range"
        ));
    }
    let flushed = data
        .iter()
        .filter(|v| **v != 0.0 && f16::from_f32(**v).to_f32() == 0.0)
        .count();
    if flushed > 0 {
        warnings.push(format!("tensor '{name}': {flushed} non-zero value(s) below f16's smallest subnormal flushed to zero"));
    }
    Ok(data
        .iter()
        .map(|&v| f16::from_f32(v.clamp(-F16_MAX, F16_MAX)).to_f32())
        .collect())
}

/// Refuses NaN and infinities, naming the tensor and the first bad index.
pub fn check_finite(name: &str, data: &[f32]) -> Result<()> {
    if let Some((i, v)) = data.iter().enumerate().find(|(_, v)| !v.is_finite()) {
        let n = data.iter().filter(|v| !v.is_finite()).count();
        return Err(Error::new(format!(
            "{n} non-finite value(s) (first: {v} at index {i}); weights must be finite"
        ))
        .on_tensor(name));
    }
    Ok(())
}

/// The f16 bit pattern of an already rounded value.
pub fn f16_bits(v: f32) -> u16 {
    f16::from_f32(v).to_bits()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rounds_refuses_and_warns() {
        let mut w = Vec::new();
        assert_eq!(
            round_f16("t", &[1.0, 0.1], false, &mut w).unwrap(),
            vec![1.0, f16::from_f32(0.1).to_f32()]
        );
        let e = round_f16("big", &[1.0, 70000.0], false, &mut w).unwrap_err();
        assert!(
            e.to_string().contains("tensor 'big'") && e.to_string().contains("--saturate"),
            "{e}"
        );
        assert_eq!(
            round_f16("big", &[70000.0], true, &mut w).unwrap(),
            vec![65504.0]
        );
        assert!(w.last().unwrap().contains("1 value(s) beyond"));
        let e = round_f16("nan", &[f32::NAN], true, &mut w).unwrap_err();
        assert!(e.to_string().contains("tensor 'nan'"), "{e}");
        round_f16("tiny", &[1e-9, 0.0], false, &mut w).unwrap();
        assert!(w.last().unwrap().contains("'tiny': 1 non-zero"));
        // 65519 still rounds to 65504, so it is in range
        assert_eq!(
            round_f16("edge", &[65519.0], false, &mut w).unwrap(),
            vec![65504.0]
        );
    }
}
