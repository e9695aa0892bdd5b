//! {{title}} on the Nucleo-F411RE, logs with defmt over RTT (`cargo run --release`).
//!
//! {{input_doc}}

#![no_std]
#![no_main]

use defmt::{info, warn};
use embassy_executor::Spawner;
use embassy_time::{Duration, Instant, Ticker};
use static_cell::ConstStaticCell;
use {defmt_rtt as _, panic_probe as _};
{{uses}}
{{modules}}
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
{{run}}
}
