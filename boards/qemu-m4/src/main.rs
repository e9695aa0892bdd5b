//! tinymtl firmware for model `har-mtl`: runs the model on the sample compiled into the firmware and prints
//! every head by its ONNX name, then exits (`cargo run --release`).
//!
//! Input 0, [1, 6, 50]: a window of 50 frames of 6 IMU channels (channels-first), a new one every 25 frames at 50 Hz.
//! Window, channels, layout, heads and their rates: `tinymtl.toml`.
//! The emulated board has no sensor and runs once, so every head runs on window 0
//! (a real board follows `tinymtl.toml`'s rates). Output goes over semihosting.

#![no_std]
#![no_main]

use cortex_m_rt::{ExceptionFrame, entry, exception};
use semihosting::println;
use static_cell::ConstStaticCell;
use tinymtl_pipeline::{Event, Schedule};

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

#[entry]
fn main() -> ! {
    let net = APP.take();
    println!(
        "model: {} params, {} weight bytes, arena {} bytes, {} MACs",
        model::PARAMS,
        model::WEIGHT_BYTES,
        model::ARENA_BYTES,
        model::MACS
    );
    let mut printed = 0;
    let mut show = |e: Event<'_>| {
        if let Event::Head {
            window,
            head,
            values,
        } = e
        {
            let spec = &app::HEADS[head];
            println!(
                "window {}: {} = {}",
                window,
                spec.name,
                spec.show.apply(values)
            );
            println!("head {}: {:?}", spec.name, values);
            printed += 1;
        }
    };
    // The sample, frame by frame, through the same window a sensor would fill.
    let mut pipeline = app::AppPipeline::new(app::HOP, app::LAYOUT, Schedule::EVERY_WINDOW);
    for t in 0..app::STEPS {
        pipeline.step(net, app::sample_frame(t), &mut show);
    }
    println!("done: {} heads", printed);
    semihosting::process::exit(if printed == model::HEADS { 0 } else { 1 })
}

#[panic_handler]
fn panic(info: &core::panic::PanicInfo) -> ! {
    println!("error: {}", info);
    semihosting::process::exit(101)
}

#[exception]
unsafe fn HardFault(ef: &ExceptionFrame) -> ! {
    println!("error: HardFault at pc {:#010x}", ef.pc());
    semihosting::process::exit(102)
}
