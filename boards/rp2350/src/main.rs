//! tinymtl firmware for model `har-mtl` on the Raspberry Pi Pico 2, logs with defmt over RTT (`cargo run --release`).
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

use embassy_rp::i2c::{self, I2c};
use embassy_time::Timer;
use tinymtl_pipeline::ImuSource;
use tinymtl_pipeline::source::Mpu6050;

const MPU6050_ADDR: u8 = 0x68;

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
    let p = embassy_rp::init(Default::default());
    info!(
        "tinymtl: {=usize} params, {=usize} weight bytes, arena {=usize} bytes, {=u64} MACs",
        model::PARAMS,
        model::WEIGHT_BYTES,
        model::ARENA_BYTES,
        model::MACS
    );
    let net = APP.take();
    // MPU-6050 (GY-521) on I2C0: SDA GP4 (pin 6), SCL GP5 (pin 7), address 0x68
    // (AD0 low); the breakout's VCC to 3V3 (pin 36), GND to pin 38.
    let mut config = i2c::Config::default();
    config.frequency = 400_000;
    // GY-521 boards carry 4.7k pull-ups; the internal ones help bare breakouts.
    config.sda_pullup = true;
    config.scl_pullup = true;
    let mut i2c = I2c::new_blocking(p.I2C0, p.PIN_5, p.PIN_4, config);
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
