//! Sensor units to the model's units: acceleration in g, angular rate in rad/s.

use crate::Sample;

/// Standard gravity, m/s² per g.
pub const STANDARD_GRAVITY: f32 = 9.80665;

/// Radians per degree.
pub const RAD_PER_DEG: f32 = core::f32::consts::PI / 180.0;

/// Sensitivities of a sensor's raw 16-bit outputs at its configured full scale.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct RawScale {
    /// Counts per g of the accelerometer (16384 at ±2 g, 4096 at ±8 g).
    pub acc_lsb_per_g: f32,
    /// Counts per °/s of the gyroscope (131 at ±250 °/s, 65.5 at ±500 °/s).
    pub gyro_lsb_per_dps: f32,
}

impl RawScale {
    /// Scales raw counts (acc xyz, gyro xyz) to a [`Sample`] in g and rad/s.
    pub fn sample(&self, acc: [i16; 3], gyro: [i16; 3]) -> Sample {
        let a = 1.0 / self.acc_lsb_per_g;
        let g = RAD_PER_DEG / self.gyro_lsb_per_dps;
        Sample {
            acc: [acc[0] as f32 * a, acc[1] as f32 * a, acc[2] as f32 * a],
            gyro: [gyro[0] as f32 * g, gyro[1] as f32 * g, gyro[2] as f32 * g],
        }
    }
}

/// A [`Sample`] from SI units: acceleration in m/s², angular rate in rad/s.
pub fn from_si(acc_m_s2: [f32; 3], gyro_rad_s: [f32; 3]) -> Sample {
    let k = 1.0 / STANDARD_GRAVITY;
    Sample {
        acc: [acc_m_s2[0] * k, acc_m_s2[1] * k, acc_m_s2[2] * k],
        gyro: gyro_rad_s,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn raw_counts_to_g_and_rad_s() {
        let s = RawScale {
            acc_lsb_per_g: 4096.0,
            gyro_lsb_per_dps: 65.5,
        };
        let x = s.sample([4096, -2048, 0], [655, 0, -131]);
        assert_eq!(x.acc, [1.0, -0.5, 0.0]);
        assert!((x.gyro[0] - 10.0 * RAD_PER_DEG).abs() < 1e-6);
        assert!((x.gyro[2] + 2.0 * RAD_PER_DEG).abs() < 1e-6);
    }

    #[test]
    fn si_to_g() {
        let x = from_si([0.0, 0.0, STANDARD_GRAVITY], [0.5, 0.0, 0.0]);
        assert!((x.acc[2] - 1.0).abs() < 1e-6);
        assert_eq!(x.gyro, [0.5, 0.0, 0.0]);
    }
}
