//! Where inputs come from: [`ImuSource`] and adapters for maintained embedded-hal
//! 1.0 drivers, one feature each; [`Source`] for models whose input is not an IMU
//! window, and [`Replay`], a sample compiled into the firmware.
//!
//! | feature | sensor | driver crate | default address | configured |
//! |---|---|---|---|---|
//! | `mpu6050` | MPU-6050 (GY-521) | `mpu6050-dmp` | 0x68 (AD0 low) | ±8 g, ±500 °/s, DLPF 21 Hz, 50 Hz |
//! | `lsm6dso` | LSM6DSO (X-NUCLEO-IKS01A3) | `lsm6dso` | 0x6B (SA0 high) | ±8 g, ±500 °/s, 52 Hz |
//! | `icm42670` | ICM-42670-P (ESP32-C3-DevKit-RUST-1) | `icm42670` | 0x68 (AD0 low) | ±8 g, ±500 °/s, 50 Hz |

use crate::window::Layout;
use crate::Sample;
use embedded_hal::i2c::ErrorKind;

/// A sensor giving one [`Sample`] per call, in the model's units.
pub trait ImuSource {
    /// Why a read failed.
    type Error;

    /// Reads the latest acceleration and angular rate.
    fn read(&mut self) -> Result<Sample, Self::Error>;
}

/// Whole model inputs from anywhere (a microphone's spectrogram, another sensor,
/// a radio): implement it for your own input and hand it to [`crate::Runner`].
pub trait Source {
    /// Why an input could not be read.
    type Error;

    /// Writes model input `k` (graph order), flat in its ONNX layout, into `out`
    /// (exactly its length).
    fn fill(&mut self, k: usize, out: &mut [f32]) -> Result<(), Self::Error>;
}

/// One sample compiled into the firmware: every model input in graph order, as raw
/// little-endian f32 (what `tinymtl firmware` writes as `sample.bin`).
#[derive(Clone, Copy, Debug)]
pub struct Replay {
    bytes: &'static [u8],
    lens: &'static [usize],
}

impl Replay {
    /// The sample in `bytes`, whose inputs have `lens` values each.
    pub const fn new(bytes: &'static [u8], lens: &'static [usize]) -> Self {
        Replay { bytes, lens }
    }

    /// Value `i` of input `k` (0 past the end).
    pub fn value(&self, k: usize, i: usize) -> f32 {
        let start: usize = self.lens.iter().take(k).sum();
        let at = (start + i) * 4;
        match self.bytes.get(at..at + 4) {
            Some(&[a, b, c, d]) => f32::from_le_bytes([a, b, c, d]),
            _ => 0.0,
        }
    }

    /// Frame `t` of input `k`, a window of `steps` frames of `C` channels in
    /// `layout`: what a sensor would have given at step `t`.
    pub fn frame<const C: usize>(
        &self,
        k: usize,
        t: usize,
        steps: usize,
        layout: Layout,
    ) -> [f32; C] {
        core::array::from_fn(|c| {
            let i = match layout {
                Layout::ChannelsFirst => c * steps + t,
                Layout::ChannelsLast => t * C + c,
            };
            self.value(k, i)
        })
    }
}

impl Source for Replay {
    type Error = core::convert::Infallible;

    fn fill(&mut self, k: usize, out: &mut [f32]) -> Result<(), Self::Error> {
        for (i, x) in out.iter_mut().enumerate() {
            *x = self.value(k, i);
        }
        Ok(())
    }
}

/// Errors of the adapters in this module.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ImuError {
    /// The I2C transfer failed.
    Bus(ErrorKind),
    /// The chip's ID register read this value: another chip, or none, answers.
    WrongChip(u8),
    /// The driver reported an error that is not a bus error.
    Driver,
}

#[cfg(feature = "defmt")]
impl defmt::Format for ImuError {
    fn format(&self, f: defmt::Formatter<'_>) {
        use embedded_hal::i2c::NoAcknowledgeSource as Nack;
        match self {
            ImuError::Bus(k) => {
                let kind = match k {
                    ErrorKind::Bus => "bus error",
                    ErrorKind::ArbitrationLoss => "arbitration loss",
                    ErrorKind::NoAcknowledge(Nack::Address) => "no ack (address)",
                    ErrorKind::NoAcknowledge(Nack::Data) => "no ack (data)",
                    ErrorKind::NoAcknowledge(_) => "no ack",
                    ErrorKind::Overrun => "overrun",
                    _ => "other",
                };
                defmt::write!(f, "I2C {=str}", kind)
            }
            ImuError::WrongChip(id) => defmt::write!(f, "wrong chip (id {=u8:#x})", id),
            ImuError::Driver => defmt::write!(f, "driver error"),
        }
    }
}

#[cfg(any(feature = "mpu6050", feature = "lsm6dso", feature = "icm42670"))]
impl ImuError {
    fn bus<E: embedded_hal::i2c::Error>(e: E) -> ImuError {
        ImuError::Bus(e.kind())
    }
}

#[cfg(feature = "mpu6050")]
pub use self::mpu6050::Mpu6050;

#[cfg(feature = "mpu6050")]
mod mpu6050 {
    use super::{ImuError, ImuSource};
    use crate::{RawScale, Sample};
    use embedded_hal::i2c::I2c;
    use mpu6050_dmp::{
        accel::AccelFullScale, address::Address, config::DigitalLowPassFilter,
        error::Error as DrvError, gyro::GyroFullScale, sensor::Mpu6050 as Driver,
    };

    /// `WHO_AM_I` (0x75) values accepted: MPU-6050, and the MPU-6500/9250 family
    /// that GY-521 clones often carry (same accel/gyro registers).
    pub const WHO_AM_I: [u8; 4] = [0x68, 0x70, 0x71, 0x73];

    const ACC: AccelFullScale = AccelFullScale::G8;
    const GYRO: GyroFullScale = GyroFullScale::Deg500;

    /// MPU-6050 through `mpu6050-dmp`: one 14-byte burst per sample (0x3B..0x48).
    pub struct Mpu6050<I: I2c> {
        dev: Driver<I>,
        scale: RawScale,
    }

    fn err<I: I2c>(e: DrvError<I>) -> ImuError {
        match e {
            DrvError::WriteError(e) | DrvError::WriteReadError(e) => ImuError::bus(e),
            DrvError::WrongDevice => ImuError::Driver,
        }
    }

    impl<I: I2c> Mpu6050<I> {
        /// Checks `WHO_AM_I`, wakes the chip, sets ±8 g, ±500 °/s, the 21 Hz low-pass
        /// filter and a 50 Hz sample rate (1 kHz / (1 + 19)).
        pub fn new(mut i2c: I, address: u8) -> Result<Self, ImuError> {
            let mut id = [0];
            i2c.write_read(address, &[0x75], &mut id)
                .map_err(ImuError::bus)?;
            if !WHO_AM_I.contains(&id[0]) {
                return Err(ImuError::WrongChip(id[0]));
            }
            let mut dev = Driver::new(i2c, Address(address)).map_err(|e| err(e.error))?;
            dev.set_accel_full_scale(ACC).map_err(err)?;
            dev.set_gyro_full_scale(GYRO).map_err(err)?;
            dev.set_digital_lowpass_filter(DigitalLowPassFilter::Filter4)
                .map_err(err)?;
            dev.set_sample_rate_divider(19).map_err(err)?;
            Ok(Mpu6050 {
                dev,
                scale: RawScale {
                    acc_lsb_per_g: ACC.scale(),
                    gyro_lsb_per_dps: GYRO.scale(),
                },
            })
        }

        /// The sensitivities in use.
        pub fn scale(&self) -> RawScale {
            self.scale
        }

        /// The driver, for anything else the chip can do.
        pub fn driver(&mut self) -> &mut Driver<I> {
            &mut self.dev
        }
    }

    impl<I: I2c> ImuSource for Mpu6050<I> {
        type Error = ImuError;

        fn read(&mut self) -> Result<Sample, ImuError> {
            let (a, g) = self.dev.motion6().map_err(err)?;
            Ok(self
                .scale
                .sample([a.x(), a.y(), a.z()], [g.x(), g.y(), g.z()]))
        }
    }
}

#[cfg(feature = "lsm6dso")]
pub use self::lsm6dso::Lsm6dso;

#[cfg(feature = "lsm6dso")]
mod lsm6dso {
    use super::{ImuError, ImuSource};
    use crate::{scale, Sample};
    use embedded_hal::i2c::I2c;
    use lsm6dso::{
        AccelerometerOutput, AccelerometerScale, Error as DrvError, GyroscopeFullScale,
        GyroscopeOutput, Lsm6dso as Driver,
    };

    /// `WHO_AM_I` (0x0F) of the LSM6DSO.
    pub const WHO_AM_I: u8 = 0x6C;

    /// LSM6DSO through `lsm6dso`: one 14-byte burst per sample (0x20..0x2D:
    /// temperature, gyro, accel), converted from m/s² to g.
    pub struct Lsm6dso<I: I2c> {
        dev: Driver<I>,
    }

    fn err<E: embedded_hal::i2c::Error>(e: DrvError<E>) -> ImuError {
        match e {
            DrvError::CommunicationError(e) => ImuError::bus(e),
            DrvError::ChipDetectFailed | DrvError::RegisterReadFailed => ImuError::Driver,
        }
    }

    impl<I: I2c> Lsm6dso<I> {
        /// Checks `WHO_AM_I`, sets ±8 g and ±500 °/s at 52 Hz.
        pub fn new(mut i2c: I, address: u8) -> Result<Self, ImuError> {
            let mut id = [0];
            i2c.write_read(address, &[0x0F], &mut id)
                .map_err(ImuError::bus)?;
            if id[0] != WHO_AM_I {
                return Err(ImuError::WrongChip(id[0]));
            }
            let mut dev = Driver::new(i2c, address);
            dev.set_accelerometer_scale(AccelerometerScale::G08)
                .map_err(err)?;
            dev.set_accelerometer_output(AccelerometerOutput::Rate52)
                .map_err(err)?;
            dev.set_gyroscope_scale(GyroscopeFullScale::Dps500)
                .map_err(err)?;
            dev.set_gyroscope_output(GyroscopeOutput::Rate52)
                .map_err(err)?;
            Ok(Lsm6dso { dev })
        }

        /// The driver, for anything else the chip can do.
        pub fn driver(&mut self) -> &mut Driver<I> {
            &mut self.dev
        }
    }

    impl<I: I2c> ImuSource for Lsm6dso<I> {
        type Error = ImuError;

        fn read(&mut self) -> Result<Sample, ImuError> {
            let d = self.dev.read_all().map_err(err)?;
            Ok(scale::from_si(
                [d.accel_x, d.accel_y, d.accel_z],
                [d.gyro_x, d.gyro_y, d.gyro_z],
            ))
        }
    }
}

#[cfg(feature = "icm42670")]
pub use self::icm42670::{Icm42670, Icm42670Address};

#[cfg(feature = "icm42670")]
mod icm42670 {
    use super::{ImuError, ImuSource};
    use crate::{RawScale, Sample};
    use core::fmt::Debug;
    use embedded_hal::i2c::I2c;
    use icm42670::{
        accelerometer::RawAccelerometer, AccelOdr, AccelRange, Address, Error as DrvError, GyroOdr,
        GyroRange, Icm42670 as Driver,
    };

    /// `WHO_AM_I` (0x75) values accepted: ICM-42670-P and ICM-42607.
    pub const WHO_AM_I: [u8; 2] = [0x67, 0x60];

    /// The ICM-42670's I2C address: `Primary` 0x68 (AD0 low), `Secondary` 0x69.
    pub use icm42670::Address as Icm42670Address;

    const ACC: AccelRange = AccelRange::G8;
    const GYRO: GyroRange = GyroRange::Deg500;

    /// ICM-42670-P through `icm42670`: twelve 1-byte register reads per sample
    /// (0x0B..0x16, as the driver reads them).
    pub struct Icm42670<I> {
        dev: Driver<I>,
        scale: RawScale,
    }

    fn err<E: embedded_hal::i2c::Error>(e: DrvError<E>) -> ImuError {
        match e {
            DrvError::BusError(e) => ImuError::bus(e),
            DrvError::SensorError(_) => ImuError::Driver,
        }
    }

    impl<I, E> Icm42670<I>
    where
        I: I2c<Error = E>,
        E: embedded_hal::i2c::Error + Debug,
    {
        /// Checks the device ID, sets ±8 g and ±500 °/s at 50 Hz, both sensors in
        /// low-noise mode. `address`: 0x68 ([`Address::Primary`]) or 0x69.
        pub fn new(mut i2c: I, address: Address) -> Result<Self, ImuError> {
            let mut id = [0];
            i2c.write_read(address as u8, &[0x75], &mut id)
                .map_err(ImuError::bus)?;
            if !WHO_AM_I.contains(&id[0]) {
                return Err(ImuError::WrongChip(id[0]));
            }
            let mut dev = Driver::new(i2c, address).map_err(err)?;
            dev.set_accel_range(ACC).map_err(err)?;
            dev.set_gyro_range(GYRO).map_err(err)?;
            dev.set_accel_odr(AccelOdr::Hz50).map_err(err)?;
            dev.set_gyro_odr(GyroOdr::Hz50).map_err(err)?;
            Ok(Icm42670 {
                dev,
                scale: RawScale {
                    acc_lsb_per_g: ACC.scale_factor(),
                    gyro_lsb_per_dps: GYRO.scale_factor(),
                },
            })
        }

        /// The driver, for anything else the chip can do.
        pub fn driver(&mut self) -> &mut Driver<I> {
            &mut self.dev
        }
    }

    impl<I, E> ImuSource for Icm42670<I>
    where
        I: I2c<Error = E>,
        E: embedded_hal::i2c::Error + Debug,
    {
        type Error = ImuError;

        fn read(&mut self) -> Result<Sample, ImuError> {
            // The accelerometer crate's error keeps the bus error as an optional cause.
            let a = self.dev.accel_raw().map_err(|e| match e.cause() {
                Some(DrvError::BusError(b)) => ImuError::Bus(b.kind()),
                _ => ImuError::Driver,
            })?;
            let g = self.dev.gyro_raw().map_err(err)?;
            Ok(self.scale.sample([a.x, a.y, a.z], [g.x, g.y, g.z]))
        }
    }
}
