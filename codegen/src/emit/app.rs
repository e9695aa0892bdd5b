//! `app.rs` of a firmware crate written by `tinymtl firmware`: the model's side of the
//! board pipeline (`tinymtl-pipeline`), from the generated module's shapes and the
//! user's `tinymtl.toml` (resolved by the `tinymtl` crate into an [`AppSpec`]).
//!
//! It holds the window length, channel count, layout, hop and channel map of an IMU
//! input (or, for any other input, nothing but the compiled-in sample), one
//! `HeadSpec` per head (how it is shown, how often it runs), and `App`: the model,
//! its input buffers and a scratch buffer for one head's output, implementing
//! `tinymtl_pipeline::Net`. Included inside a module that sees the generated module as
//! `model` and its glue ([`super::glue::firmware_glue`]) as `glue`.

use super::names::Names;
use super::{flatten, ident, lit};
use crate::passes::Compiled;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// How the firmware reads and shows a model.
#[derive(Clone, Debug, PartialEq)]
pub struct AppSpec {
    /// `Some` when input 0 is a window the board's IMU fills frame by frame.
    pub window: Option<WindowSpec>,
    /// One per head, in graph order.
    pub heads: Vec<HeadShow>,
}

/// An IMU window: input 0 of shape `[1, C, T]` or `[1, T, C]`.
#[derive(Clone, Debug, PartialEq)]
pub struct WindowSpec {
    /// Frames per window (`T`).
    pub steps: usize,
    /// The sensor channel behind each model channel, as `tinymtl_pipeline::Channel`
    /// variant names (`AccX`, ..., `GyroZ`).
    pub channels: Vec<String>,
    /// `[1, T, C]` (else `[1, C, T]`).
    pub channels_last: bool,
    /// Frames between windows.
    pub hop: usize,
    /// Frames per second the sensor is read at.
    pub sample_hz: u32,
}

/// How one head is shown and scheduled.
#[derive(Clone, Debug, PartialEq)]
pub struct HeadShow {
    /// How its output is shown.
    pub show: ShowSpec,
    /// Runs on windows `n % every == phase` (0: never).
    pub every: u32,
    /// See `every`.
    pub phase: u32,
    /// Computed on the next sample from the kept features.
    pub deferred: bool,
}

/// `tinymtl_pipeline::Show`.
#[derive(Clone, Debug, PartialEq)]
pub enum ShowSpec {
    /// The largest output, its label and probability.
    Class {
        /// Labels, in output order.
        labels: Vec<String>,
        /// Whether the firmware applies softmax (the graph gives logits).
        softmax: bool,
    },
    /// One output, a probability.
    Probability {
        /// Whether the firmware applies the sigmoid (the graph gives a logit).
        sigmoid: bool,
    },
    /// The values as they are.
    Values,
}

/// The text of `app.rs` for model `c` shown as `spec` says (one entry of `spec.heads`
/// per head).
pub fn firmware_app(c: &Compiled, n: &Names, spec: &AppSpec) -> String {
    let p = &c.program;
    let lens: Vec<_> = p.inputs.iter().map(|&v| lit(p.values[v].numel())).collect();
    let n_heads = p.outputs.len();
    let out_max = lit(p
        .outputs
        .iter()
        .map(|&v| p.values[v].numel())
        .max()
        .unwrap_or(0)
        .max(1));
    let specs = (0..n_heads).map(|h| {
        let hs = &spec.heads[h];
        let hl = lit(h);
        let show = match &hs.show {
            ShowSpec::Class { labels, softmax } => {
                quote!(Show::Class { labels: &[#(#labels),*], softmax: #softmax })
            }
            ShowSpec::Probability { sigmoid } => quote!(Show::Probability { sigmoid: #sigmoid }),
            ShowSpec::Values => quote!(Show::Values),
        };
        let (every, phase) = (
            Literal::u32_unsuffixed(hs.every),
            Literal::u32_unsuffixed(hs.phase),
        );
        let deferred = hs.deferred;
        quote! {
            HeadSpec {
                name: model::HEAD_NAMES[#hl],
                show: #show,
                rate: Rate { every: #every, phase: #phase, deferred: #deferred },
            }
        }
    });
    let arms = p.outputs.iter().enumerate().map(|(h, &v)| {
        let hl = lit(h);
        let name = ident(&n.heads[h]);
        let numel = lit(p.values[v].numel());
        let rank = p.values[v].shape.len();
        let flat = flatten(quote!(&v), rank, false);
        let copy = if rank == 0 {
            quote!(self.out[0] = v;)
        } else {
            quote!(self.out[..#numel].copy_from_slice(#flat);)
        };
        quote!(#hl => { let v = f.#name(); #copy #numel })
    });
    let window = spec.window.as_ref().map(window_items);
    let kind = if spec.window.is_some() {
        "an IMU window"
    } else {
        "inputs from a `Source`"
    };
    let runner = spec.window.is_none().then(|| {
        quote! {
            /// The runner of the model's heads, whole inputs from a `Source` per window.
            pub type AppRunner = tinymtl_pipeline::Runner<{ model::HEADS }>;
            /// A runner with [`SCHEDULE`].
            pub const fn runner() -> AppRunner {
                tinymtl_pipeline::Runner::new(SCHEDULE)
            }
        }
    });
    let rates = (0..n_heads).map(|h| {
        let hl = lit(h);
        quote!(HEADS[#hl].rate)
    });
    super::glue::file(
        &format!("the firmware app (model input read as {kind}; edit tinymtl.toml, not this file)"),
        quote! {
            use tinymtl_pipeline::{HeadSpec, Net, Rate, Replay, Schedule, Show};

            /// Each head: its ONNX name, how it is shown, how often it runs.
            pub const HEADS: [HeadSpec; model::HEADS] = [#(#specs),*];

            /// The heads' rates.
            pub const SCHEDULE: Schedule<{ model::HEADS }> = Schedule { rates: [#(#rates),*] };

            /// One sample of every input compiled in (`sample.bin` beside this file, raw
            /// little-endian f32).
            pub static SAMPLE: Replay = Replay::new(
                include_bytes!("sample.bin"),
                &[#(#lens),*],
            );

            #window
            #runner

            /// The model, its input buffers and room for one head's output.
            pub struct App {
                model: model::Model,
                x: glue::InBufs,
                out: [f32; #out_max],
            }

            impl App {
                /// `const`, so it can sit in a `static` (the arena in `.bss`).
                pub const fn new() -> Self {
                    App { model: model::Model::new(), x: glue::IN_ZERO, out: [0.0; #out_max] }
                }

                /// The model itself, for its typed API.
                pub fn model(&mut self) -> &mut model::Model {
                    &mut self.model
                }
            }

            impl Default for App {
                fn default() -> Self {
                    Self::new()
                }
            }

            impl Net for App {
                const INPUTS: usize = glue::N_INPUTS;

                fn input(&mut self, k: usize) -> &mut [f32] {
                    glue::slot(&mut self.x, k)
                }

                fn trunk(&mut self) {
                    let _ = self.model.trunk(&glue::inputs(&self.x));
                }

                fn head(&mut self, h: usize) -> Option<&[f32]> {
                    let mut f = self.model.features()?;
                    let len = match h {
                        #(#arms)*
                        _ => return None,
                    };
                    Some(&self.out[..len])
                }
            }
        },
    )
}

fn window_items(w: &WindowSpec) -> TokenStream {
    let steps = lit(w.steps);
    let n_ch = lit(w.channels.len());
    let chans = w.channels.iter().map(|c| format_ident!("{c}"));
    let layout = if w.channels_last {
        quote!(Layout::ChannelsLast)
    } else {
        quote!(Layout::ChannelsFirst)
    };
    let hop = lit(w.hop);
    let hz = Literal::u32_unsuffixed(w.sample_hz);
    quote! {
        use tinymtl_pipeline::{Channel, Layout, Pipeline, Sample};

        /// Frames per window (the input's time axis).
        pub const STEPS: usize = #steps;
        /// Channels per frame.
        pub const CHANNELS: usize = #n_ch;
        /// Where time and channels sit in input 0.
        pub const LAYOUT: Layout = #layout;
        /// Frames between windows.
        pub const HOP: usize = #hop;
        /// Frames per second the sensor is read at.
        pub const SAMPLE_HZ: u32 = #hz;
        /// The sensor channel behind each model channel.
        pub const CHANNEL_MAP: [Channel; CHANNELS] = [#(Channel::#chans),*];

        /// The pipeline of this model: window, layout, schedule.
        pub type AppPipeline = Pipeline<STEPS, CHANNELS, { model::HEADS }>;

        /// A pipeline with [`HOP`], [`LAYOUT`] and [`SCHEDULE`].
        pub const fn pipeline() -> AppPipeline {
            Pipeline::new(HOP, LAYOUT, SCHEDULE)
        }

        /// The model's frame from one IMU reading.
        pub fn frame(s: &Sample) -> [f32; CHANNELS] {
            s.frame(&CHANNEL_MAP)
        }

        /// Frame `t` of the compiled-in sample: what the sensor would have read.
        pub fn sample_frame(t: usize) -> [f32; CHANNELS] {
            SAMPLE.frame(0, t, STEPS, LAYOUT)
        }
    }
}
