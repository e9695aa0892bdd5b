//! [`Pipeline::step`]: one call per IMU sample, from a frame to head outputs;
//! [`Runner::step`]: the same for inputs that come whole from a [`Source`].
//!
//! Both report what ran through a callback, in order: [`Event::Trunk`] when the trunk
//! ran on a new window, then one [`Event::Head`] per head computed, with the head's
//! flat output borrowed from the model (shown with [`crate::Show`], logged with
//! [`Event::log`]). Nothing is stored between calls but the window and the schedule.

#[cfg(feature = "defmt")]
use crate::net::HeadSpec;
use crate::net::Net;
use crate::schedule::{HeadSet, Schedule};
use crate::source::Source;
use crate::window::{Layout, SlidingWindow};

/// What ran.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Event<'a> {
    /// The trunk ran on window `window`.
    Trunk {
        /// Window number, from 0.
        window: u32,
    },
    /// Head `head` was computed for window `window`.
    Head {
        /// The window the features came from (a deferred head reports its window,
        /// not the one being filled).
        window: u32,
        /// Head number (the generated module's `HEAD_NAMES` order).
        head: usize,
        /// Its output, flat.
        values: &'a [f32],
    },
}

#[cfg(feature = "defmt")]
impl Event<'_> {
    /// Logs the event with defmt: the trunk at debug level, each head shown as its
    /// [`HeadSpec`] says, at info level.
    pub fn log(&self, heads: &[HeadSpec]) {
        match *self {
            Event::Trunk { window } => defmt::debug!("window {=u32}: trunk", window),
            Event::Head {
                window,
                head,
                values,
            } => match heads.get(head) {
                Some(spec) => spec.show.apply(values).log(window, spec.name),
                None => defmt::info!(
                    "window {=u32}: head {=usize} = {=[?]}",
                    window,
                    head,
                    values
                ),
            },
        }
    }
}

/// Window numbering, the schedule and the heads deferred to the next call.
struct Scheduler<const H: usize> {
    schedule: Schedule<H>,
    windows: u32,
    pending: Option<(u32, HeadSet)>,
}

impl<const H: usize> Scheduler<H> {
    const fn new(schedule: Schedule<H>) -> Self {
        Scheduler {
            schedule,
            windows: 0,
            pending: None,
        }
    }

    /// Heads deferred from the previous window.
    fn deferred<N: Net>(&mut self, net: &mut N, on: &mut impl FnMut(Event<'_>)) {
        if let Some((n, heads)) = self.pending.take() {
            run_heads(net, n, heads, on);
        }
    }

    /// The trunk on the inputs now in `net`, then the heads due now.
    fn window<N: Net>(&mut self, net: &mut N, on: &mut impl FnMut(Event<'_>)) {
        let n = self.windows;
        self.windows = n.wrapping_add(1);
        net.trunk();
        on(Event::Trunk { window: n });
        run_heads(net, n, self.schedule.now(n), on);
        let later = self.schedule.later(n);
        if !later.is_empty() {
            self.pending = Some((n, later));
        }
    }
}

fn run_heads<N: Net>(net: &mut N, n: u32, heads: HeadSet, on: &mut impl FnMut(Event<'_>)) {
    for head in heads.iter() {
        if let Some(values) = net.head(head) {
            on(Event::Head {
                window: n,
                head,
                values,
            });
        }
    }
}

/// A sliding window of `T` frames of `C` channels feeding input 0 of a model with
/// `H` heads.
pub struct Pipeline<const T: usize, const C: usize, const H: usize> {
    window: SlidingWindow<T, C>,
    layout: Layout,
    sched: Scheduler<H>,
}

impl<const T: usize, const C: usize, const H: usize> Pipeline<T, C, H> {
    /// A pipeline moving by `hop` frames per window, writing the model's input in
    /// `layout`, running heads by `schedule`; `const`, so it can sit in a `static`.
    pub const fn new(hop: usize, layout: Layout, schedule: Schedule<H>) -> Self {
        Pipeline {
            window: SlidingWindow::new(hop),
            layout,
            sched: Scheduler::new(schedule),
        }
    }

    /// Feeds one frame (the model's channels, in its order). Runs, in order: heads
    /// deferred from the previous window (from the features the model kept), then,
    /// if the frame completes a window, the trunk once and the heads due now.
    pub fn step<N: Net>(&mut self, net: &mut N, frame: [f32; C], mut on: impl FnMut(Event<'_>)) {
        self.sched.deferred(net, &mut on);
        if self.window.push(frame) {
            self.window.fill(net.input(0), self.layout);
            self.sched.window(net, &mut on);
        }
    }

    /// Forgets the frames held and any deferred head (after a sensor error, so no
    /// window spans the gap); window numbering goes on.
    pub fn reset(&mut self) {
        self.window.clear();
        self.sched.pending = None;
    }

    /// Windows completed so far.
    pub fn windows(&self) -> u32 {
        self.sched.windows
    }

    /// Frames per window hop.
    pub fn hop(&self) -> usize {
        self.window.hop()
    }

    /// The schedule.
    pub fn schedule(&self) -> &Schedule<H> {
        &self.sched.schedule
    }
}

/// Whole inputs from a [`Source`] into a model with `H` heads: one window per call.
pub struct Runner<const H: usize> {
    sched: Scheduler<H>,
}

impl<const H: usize> Runner<H> {
    /// A runner with `schedule`; `const`, so it can sit in a `static`.
    pub const fn new(schedule: Schedule<H>) -> Self {
        Runner {
            sched: Scheduler::new(schedule),
        }
    }

    /// Runs heads deferred from the previous call, then fills every input of `net`
    /// from `source`, runs the trunk once and the heads due now. On a source error
    /// the trunk does not run (the deferred heads did).
    pub fn step<N: Net, S: Source>(
        &mut self,
        net: &mut N,
        source: &mut S,
        mut on: impl FnMut(Event<'_>),
    ) -> Result<(), S::Error> {
        self.sched.deferred(net, &mut on);
        for k in 0..N::INPUTS {
            source.fill(k, net.input(k))?;
        }
        self.sched.window(net, &mut on);
        Ok(())
    }

    /// Windows run so far.
    pub fn windows(&self) -> u32 {
        self.sched.windows
    }
}
