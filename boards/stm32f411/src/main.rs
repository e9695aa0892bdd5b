//! tinymtl firmware for model `har-mtl` on the Nucleo-F411RE, logs with defmt over RTT (`cargo run --release`).
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

use embassy_stm32::i2c::{self, I2c};
use embassy_stm32::time::Hertz;
use embassy_time::Timer;
use tinymtl_pipeline::ImuSource;
use tinymtl_pipeline::source::Lsm6dso;

/// 0x6A if the breakout's SA0 is tied low.
const LSM6DSO_ADDR: u8 = 0x6B;

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

/// 100 MHz from the internal 16 MHz oscillator (no HSE needed: the Nucleo's 8 MHz
/// MCO and a Black Pill's 25 MHz crystal both work without changes).
fn clocks() -> embassy_stm32::Config {
    use embassy_stm32::rcc::*;
    let mut config = embassy_stm32::Config::default();
    config.rcc.hsi = true;
    config.rcc.pll_src = PllSource::HSI;
    config.rcc.pll = Some(Pll {
        prediv: PllPreDiv::DIV16,
        mul: PllMul::MUL200,
        divp: Some(PllPDiv::DIV2),
        divq: None,
        divr: None,
    });
    config.rcc.sys = Sysclk::PLL1_P;
    config.rcc.ahb_pre = AHBPrescaler::DIV1;
    config.rcc.apb1_pre = APBPrescaler::DIV2;
    config.rcc.apb2_pre = APBPrescaler::DIV1;
    config
}

#[embassy_executor::main]
async fn main(_spawner: Spawner) {
    let p = embassy_stm32::init(clocks());
    info!(
        "tinymtl: {=usize} params, {=usize} weight bytes, arena {=usize} bytes, {=u64} MACs",
        model::PARAMS,
        model::WEIGHT_BYTES,
        model::ARENA_BYTES,
        model::MACS
    );
    let net = APP.take();
    // LSM6DSO (X-NUCLEO-IKS01A3, address 0x6B) on I2C1: SCL PB8, SDA PB9 (Arduino
    // D15/D14).
    let mut config = i2c::Config::default();
    config.frequency = Hertz::khz(400);
    let mut i2c = I2c::new_blocking(p.I2C1, p.PB8, p.PB9, config);
    let mut imu = loop {
        match Lsm6dso::new(&mut i2c, LSM6DSO_ADDR) {
            Ok(imu) => break imu,
            Err(e) => {
                warn!("LSM6DSO at {=u8:#x}: {}; retrying", LSM6DSO_ADDR, e);
                Timer::after_secs(1).await;
            }
        }
    };
    info!("LSM6DSO ready");

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
