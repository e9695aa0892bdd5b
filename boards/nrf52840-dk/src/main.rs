//! tinymtl firmware for model `har-mtl` on the nRF52840-DK, logs with defmt over RTT (`cargo run --release`).
//!
//! Input 0, [1, 6, 50]: a window of 50 frames of 6 IMU channels (channels-first), a new one every 25 frames at 50 Hz.
//! Window, channels, layout, heads and their rates: `tinymtl.toml`.

#![no_std]
#![no_main]

use defmt::{info, warn};
use embassy_executor::Spawner;
use embassy_time::{Duration, Instant, Ticker};
use static_cell::ConstStaticCell;
use {defmt_rtt as _, panic_probe as _};

use embassy_nrf::twim::{self, Twim};
use embassy_nrf::{bind_interrupts, peripherals};
use embassy_time::Timer;
use tinymtl_pipeline::ImuSource;
use tinymtl_pipeline::source::Mpu6050;

const MPU6050_ADDR: u8 = 0x68;

bind_interrupts!(struct Irqs {
    TWISPI0 => twim::InterruptHandler<peripherals::TWISPI0>;
});

#[allow(dead_code, clippy::all)]
mod model {
    include!(concat!(env!("OUT_DIR"), "/model.rs"));
}
#[allow(dead_code, clippy::all)]
mod glue {
    use super::model;
    include!(concat!(env!("OUT_DIR"), "/glue.rs"));
}
#[allow(dead_code, clippy::all)]
mod app {
    use super::{glue, model};
    include!(concat!(env!("OUT_DIR"), "/app.rs"));
}

// The model (its arena) in .bss, not on the stack.
static APP: ConstStaticCell<app::App> = ConstStaticCell::new(app::App::new());

#[embassy_executor::main]
async fn main(_spawner: Spawner) {
    let p = embassy_nrf::init(Default::default());
    info!(
        "tinymtl: {=usize} params, {=usize} weight bytes, arena {=usize} bytes, {=u64} MACs",
        model::PARAMS,
        model::WEIGHT_BYTES,
        model::ARENA_BYTES,
        model::MACS
    );
    let net = APP.take();
    // MPU-6050 (GY-521) on TWIM0: SDA P0.26, SCL P0.27 (the DK's Arduino SDA/SCL
    // header pins), address 0x68.
    let mut config = twim::Config::default();
    config.frequency = twim::Frequency::K400;
    // GY-521 boards carry 4.7k pull-ups; the internal ones help bare breakouts.
    config.sda_pullup = true;
    config.scl_pullup = true;
    // EasyDMA cannot read flash: register writes are copied through this buffer.
    let mut tx_buf = [0u8; 16];
    let mut i2c = Twim::new(p.TWISPI0, Irqs, p.P0_26, p.P0_27, config, &mut tx_buf);
    let mut imu = loop {
        match Mpu6050::new(&mut i2c, MPU6050_ADDR) {
            Ok(imu) => break imu,
            Err(e) => {
                warn!("MPU-6050 at {=u8:#x}: {}; retrying", MPU6050_ADDR, e);
                Timer::after_secs(1).await;
            }
        }
    };
    info!("MPU-6050 ready: {}", imu.scale());

    // Lives in the main task's future, which embassy keeps in a static.
    let mut pipeline = app::pipeline();
    let mut ticker = Ticker::every(Duration::from_hz(app::SAMPLE_HZ as u64));
    loop {
        ticker.next().await;
        match imu.read() {
            Ok(sample) => {
                let t0 = Instant::now();
                pipeline.step(net, app::frame(&sample), |e| e.log(&app::HEADS));
                defmt::debug!("step: {=u64} us", t0.elapsed().as_micros());
            }
            Err(e) => {
                warn!("IMU read: {}; window restarted", e);
                pipeline.reset();
            }
        }
    }
}
