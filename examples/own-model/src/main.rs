// examples/own-model/src/main.rs
//! The generated module used as firmware uses it: a static model, no heap, no
//! `static mut`. It runs on the host here (`println!`); on a board the same code
//! runs under `#![no_std]` with defmt or a UART for the prints.

use static_cell::StaticCell;

#[allow(dead_code)] // the parts of the generated API this example does not use
mod har {
    include!(concat!(env!("OUT_DIR"), "/har.rs"));
}

/// The model: its arena is in `.bss`, its weights are in flash (`static`s).
static MODEL: StaticCell<har::Model> = StaticCell::new();

/// One 5 s window of 6 channels (accelerometer, gyroscope) at 10 Hz: exactly the
/// ONNX input's shape. A synthetic signal here; on a board, the IMU's samples.
fn read_window(tick: usize) -> har::InputImu {
    let mut window = [[[0.0f32; 50]; 6]; 1];
    for (c, channel) in window[0].iter_mut().enumerate() {
        for (i, x) in channel.iter_mut().enumerate() {
            let t = (tick * 50 + i) as f32 / 10.0;
            *x = (t * (1.0 + c as f32)).sin() * 0.5;
        }
    }
    window
}

/// The index of the largest value.
fn argmax(xs: &[f32]) -> usize {
    (0..xs.len()).fold(0, |best, i| if xs[i] > xs[best] { i } else { best })
}

fn main() {
    // The one `&'static mut` to the model (a second `init` would panic).
    let model: &'static mut har::Model = MODEL.init(har::Model::new());

    // One call: the trunk, then only the heads asked for.
    let window = read_window(0);
    let out = model.run(&har::Inputs { imu: &window }, har::Heads::ACTIVITY);
    if let Some(activity) = out.activity {
        println!("run: activity class {}", argmax(&activity[0]));
    }
    assert!(out.intensity.is_none()); // not asked for: it cost nothing

    // Step by step: the trunk once per window, each head at its own rate.
    for tick in 0..8 {
        let window = read_window(tick);
        let mut features = model.trunk(&har::Inputs { imu: &window });
        let activity = features.activity(); // every window
        print!("window {tick}: activity class {}", argmax(&activity[0]));
        if tick % 4 == 0 {
            // Every 4th window, from the features the trunk kept.
            if let Some(mut kept) = model.features() {
                print!(", intensity {:.3}", kept.intensity()[0][0]);
            }
        }
        println!();
    }
    println!(
        "arena {} B, weights {} B, {} parameters, {} MACs in the trunk, {} in the activity head",
        har::ARENA_BYTES,
        har::WEIGHT_BYTES,
        har::PARAMS,
        har::MACS_TRUNK,
        har::MACS_ACTIVITY
    );
}
