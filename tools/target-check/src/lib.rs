//! Generated fixture models compiled with the runtime for an embedded target: `cargo
//! xtask build-targets` builds this crate for every target tinymtl claims
//! (thumbv6m-none-eabi, thumbv7em-none-eabihf, thumbv8m.main-none-eabihf,
//! riscv32imc-unknown-none-elf). Each model gets a `run` function so its whole
//! inference path is compiled, not only type-checked.
#![no_std]

macro_rules! model {
    ($name:ident) => {
        /// A generated fixture model.
        pub mod $name {
            #[allow(clippy::all, dead_code, missing_docs)]
            pub mod model {
                include!(concat!(
                    env!("OUT_DIR"),
                    "/",
                    stringify!($name),
                    "/model.rs"
                ));
            }
            #[allow(clippy::all, dead_code, missing_docs)]
            pub mod glue {
                use super::model;
                include!(concat!(env!("OUT_DIR"), "/", stringify!($name), "/glue.rs"));
            }

            /// Every head of the model on `x`.
            #[inline(never)]
            pub fn run(m: &mut model::Model, x: &glue::InBufs) -> model::Outputs {
                m.run(&glue::inputs(x), model::Heads::ALL)
            }
        }
    };
}

model!(dense_two_softmax);
model!(imu_conv1d_bn_dynamo);
model!(residual_layernorm_three_heads);
