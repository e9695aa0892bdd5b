use embassy_stm32::i2c::{self, I2c};
use embassy_stm32::time::Hertz;
use embassy_time::Timer;
use tinymtl_pipeline::ImuSource;
use tinymtl_pipeline::source::Lsm6dso;

/// 0x6A if the breakout's SA0 is tied low.
const LSM6DSO_ADDR: u8 = 0x6B;
