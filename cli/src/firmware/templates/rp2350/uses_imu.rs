use embassy_rp::i2c::{self, I2c};
use embassy_time::Timer;
use tinymtl_pipeline::ImuSource;
use tinymtl_pipeline::source::Mpu6050;

const MPU6050_ADDR: u8 = 0x68;
