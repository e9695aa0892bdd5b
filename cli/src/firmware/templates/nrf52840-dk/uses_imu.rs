use embassy_nrf::twim::{self, Twim};
use embassy_nrf::{bind_interrupts, peripherals};
use embassy_time::Timer;
use tinymtl_pipeline::ImuSource;
use tinymtl_pipeline::source::Mpu6050;

const MPU6050_ADDR: u8 = 0x68;

bind_interrupts!(struct Irqs {
    TWISPI0 => twim::InterruptHandler<peripherals::TWISPI0>;
});
