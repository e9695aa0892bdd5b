//! tinymtl firmware for model `har-mtl` on the ESP32-C3-DevKit-RUST-1, logs with defmt through esp-println
//! (`cargo run --release`; `espflash --log-format defmt` decodes them).
//!
//! Input 0, [1, 6, 50]: a window of 50 frames of 6 IMU channels (channels-first), a new one every 25 frames at 50 Hz.
//! Window, channels, layout, heads and their rates: `tinymtl.toml`.

#![no_std]
#![no_main]

use defmt::{info, warn};
use esp_hal::clock::CpuClock;
use esp_hal::main;
use esp_hal::time::{Duration, Instant};
use static_cell::ConstStaticCell;
use {esp_backtrace as _, esp_println as _};

use esp_hal::delay::Delay;
use esp_hal::i2c::master::{Config, I2c};
use esp_hal::time::Rate;
use tinymtl_pipeline::ImuSource;
use tinymtl_pipeline::source::{Icm42670, Icm42670Address};

// The application descriptor the ESP-IDF second-stage bootloader checks.
esp_bootloader_esp_idf::esp_app_desc!();

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

#[main]
fn main() -> ! {
    let peripherals = esp_hal::init(esp_hal::Config::default().with_cpu_clock(CpuClock::max()));
    info!(
        "tinymtl: {=usize} params, {=usize} weight bytes, arena {=usize} bytes, {=u64} MACs",
        model::PARAMS,
        model::WEIGHT_BYTES,
        model::ARENA_BYTES,
        model::MACS
    );
    let net = APP.take();
    // The on-board ICM-42670-P: I2C0, SDA GPIO10, SCL GPIO8, address 0x68 (the
    // board's SHTC3 shares the bus at 0x70).
    let mut i2c = I2c::new(
        peripherals.I2C0,
        Config::default().with_frequency(Rate::from_khz(400)),
    )
    .expect("400 kHz is a valid I2C configuration")
    .with_sda(peripherals.GPIO10)
    .with_scl(peripherals.GPIO8);
    let delay = Delay::new();
    let mut imu = loop {
        match Icm42670::new(&mut i2c, Icm42670Address::Primary) {
            Ok(imu) => break imu,
            Err(e) => {
                warn!("ICM-42670-P at 0x68: {}; retrying", e);
                delay.delay_millis(1000);
            }
        }
    };
    info!("ICM-42670-P ready");

    let mut pipeline = app::pipeline();
    let period = Duration::from_micros(1_000_000 / app::SAMPLE_HZ as u64);
    let mut next = Instant::now();
    loop {
        next += period;
        while Instant::now() < next {}
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
