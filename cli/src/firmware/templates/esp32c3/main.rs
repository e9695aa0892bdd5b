//! {{title}} on the ESP32-C3-DevKit-RUST-1, logs with defmt through esp-println
//! (`cargo run --release`; `espflash --log-format defmt` decodes them).
//!
//! {{input_doc}}

#![no_std]
#![no_main]

use defmt::{info, warn};
use esp_hal::clock::CpuClock;
use esp_hal::main;
use esp_hal::time::{Duration, Instant};
use static_cell::ConstStaticCell;
use {esp_backtrace as _, esp_println as _};
{{uses}}
// The application descriptor the ESP-IDF second-stage bootloader checks.
esp_bootloader_esp_idf::esp_app_desc!();

{{modules}}
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
{{run}}
}
