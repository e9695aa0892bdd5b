//! [`Pipeline::step`]: one call per sample, from reading to predictions.

use crate::labels::{Activity, Cadence, Fall};
use crate::model::{HeadOutput, ImuModel};
use crate::schedule::{HeadSet, Schedule};
use crate::window::SlidingWindow;
use crate::{Sample, Window, CHANNELS, STEPS};

/// What one [`Pipeline::step`] did.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Step {
    /// Index of the window whose trunk ran on this sample, if one did.
    pub window: Option<u32>,
    /// The `activity` head's prediction, if it ran.
    pub activity: Option<Activity>,
    /// The `fall` head's prediction, if it ran.
    pub fall: Option<Fall>,
    /// The `cadence` head's prediction, if it ran (deferred heads report the
    /// window they belong to in their own `window` field).
    pub cadence: Option<Cadence>,
}

impl Step {
    /// Whether nothing ran.
    pub fn is_idle(&self) -> bool {
        *self == Step::default()
    }
}

/// Sliding window + schedule + the model's input buffer.
pub struct Pipeline {
    window: SlidingWindow<STEPS>,
    schedule: Schedule,
    input: Window,
    windows: u32,
    pending: Option<(u32, HeadSet)>,
}

impl Pipeline {
    /// A pipeline moving by `hop` samples per window with `schedule`; `const`, so it
    /// can sit in a `static` (about 3 KiB: 64 samples and the [1, 6, 64] input).
    pub const fn new(hop: usize, schedule: Schedule) -> Self {
        Pipeline {
            window: SlidingWindow::new(hop),
            schedule,
            input: [[[0.0; STEPS]; CHANNELS]; 1],
            windows: 0,
            pending: None,
        }
    }

    /// Feeds one sample. Runs, in order: heads deferred from the previous window
    /// (from the features the model kept), then, if the sample completes a window,
    /// the trunk once and the heads due now.
    pub fn step<M: ImuModel>(&mut self, model: &mut M, sample: Sample) -> Step {
        let mut out = Step::default();
        if let Some((n, heads)) = self.pending.take() {
            run_heads(model, n, heads, &mut out);
        }
        if self.window.push(sample) {
            let n = self.windows;
            self.windows = n.wrapping_add(1);
            self.window.fill(&mut self.input[0]);
            model.trunk(&self.input);
            out.window = Some(n);
            run_heads(model, n, self.schedule.now(n), &mut out);
            let later = self.schedule.later(n);
            if !later.is_empty() {
                self.pending = Some((n, later));
            }
        }
        out
    }

    /// Forgets the samples held and any deferred head (after a sensor error, so no
    /// window spans the gap); window numbering goes on.
    pub fn reset(&mut self) {
        self.window.clear();
        self.pending = None;
    }

    /// The input of the last trunk run.
    pub fn input(&self) -> &Window {
        &self.input
    }

    /// Windows completed so far.
    pub fn windows(&self) -> u32 {
        self.windows
    }

    /// Samples per window hop.
    pub fn hop(&self) -> usize {
        self.window.hop()
    }

    /// The schedule.
    pub fn schedule(&self) -> &Schedule {
        &self.schedule
    }
}

fn run_heads<M: ImuModel>(model: &mut M, n: u32, heads: HeadSet, out: &mut Step) {
    for h in heads.iter() {
        match model.head(h) {
            Some(HeadOutput::Activity(l)) => out.activity = Some(Activity::from_logits(n, l)),
            Some(HeadOutput::Fall(l)) => out.fall = Some(Fall::from_logits(n, l)),
            Some(HeadOutput::Cadence(v)) => {
                out.cadence = Some(Cadence {
                    window: n,
                    value: v,
                })
            }
            None => {}
        }
    }
}

#[cfg(feature = "defmt")]
impl Step {
    /// Logs what ran with defmt (nothing for an idle step); `micros` is the time
    /// [`Pipeline::step`] took.
    pub fn log(&self, micros: u64) {
        if let (Some(n), Some(a), Some(f)) = (self.window, self.activity, self.fall) {
            defmt::info!(
                "window {=u32}: activity {=str} ({=f32}), fall {=bool} (p {=f32}), {=u64} us",
                n,
                a.label.name(),
                a.confidence,
                f.fall,
                f.probability,
                micros
            );
        } else if let Some(n) = self.window {
            defmt::info!("window {=u32}: trunk, {=u64} us", n, micros);
        }
        if let Some(c) = self.cadence {
            defmt::info!(
                "window {=u32}: cadence {=f32} (from kept features, {=u64} us)",
                c.window,
                c.value,
                micros
            );
        }
    }
}
