//! A sliding window over samples, without heap (`heapless::HistoryBuf`).

use crate::{Sample, CHANNELS};
use heapless::HistoryBuf;

/// The last `N` samples; a new window is complete when the buffer first fills and
/// then every `hop` samples (hop 32 on 64 steps: windows overlap by half).
pub struct SlidingWindow<const N: usize> {
    buf: HistoryBuf<Sample, N>,
    hop: usize,
    since: usize,
}

impl<const N: usize> SlidingWindow<N> {
    /// An empty window moving by `hop` samples (clamped to `1..=N`).
    pub const fn new(hop: usize) -> Self {
        let hop = if hop == 0 {
            1
        } else if hop > N {
            N
        } else {
            hop
        };
        SlidingWindow {
            buf: HistoryBuf::new(),
            hop,
            since: 0,
        }
    }

    /// Samples the window moves by.
    pub const fn hop(&self) -> usize {
        self.hop
    }

    /// Samples held (at most `N`).
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether no sample was pushed since the last [`SlidingWindow::clear`].
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Drops every sample (after a sensor error, so no window spans a gap).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.since = 0;
    }

    /// Adds a sample; `true` if it completes a new window.
    pub fn push(&mut self, s: Sample) -> bool {
        let was_full = self.buf.is_full();
        self.buf.write(s);
        if !was_full {
            // The first window: the buffer just filled.
            return self.buf.is_full();
        }
        self.since += 1;
        if self.since >= self.hop {
            self.since = 0;
            true
        } else {
            false
        }
    }

    /// Writes the held samples, oldest first, channel-major into `out`
    /// (`out[c][t]`); steps not yet filled stay untouched.
    pub fn fill(&self, out: &mut [[f32; N]; CHANNELS]) {
        for (t, s) in self.buf.oldest_ordered().enumerate() {
            for (row, v) in out.iter_mut().zip(s.channels()) {
                // `t < N` always (the buffer holds at most N); `get_mut` keeps the
                // loop free of panicking bounds checks.
                if let Some(x) = row.get_mut(t) {
                    *x = v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(i: usize) -> Sample {
        let v = i as f32;
        Sample {
            acc: [v, v + 0.1, v + 0.2],
            gyro: [-v, -v - 0.1, -v - 0.2],
        }
    }

    #[test]
    fn first_window_when_full_then_every_hop() {
        let mut w = SlidingWindow::<8>::new(3);
        let done: [bool; 20] = core::array::from_fn(|i| w.push(s(i)));
        let at: heapless::Vec<usize, 20> = (0..20).filter(|&i| done[i]).collect();
        assert_eq!(at.as_slice(), &[7, 10, 13, 16, 19]);
    }

    #[test]
    fn fill_is_oldest_first_channel_major() {
        let mut w = SlidingWindow::<4>::new(2);
        for i in 0..6 {
            w.push(s(i));
        }
        let mut out = [[0.0; 4]; CHANNELS];
        w.fill(&mut out);
        assert_eq!(out[0], [2.0, 3.0, 4.0, 5.0]);
        assert_eq!(out[4], [-2.1, -3.1, -4.1, -5.1]);
    }

    #[test]
    fn hop_is_clamped_and_clear_restarts() {
        let mut w = SlidingWindow::<4>::new(0);
        assert_eq!(w.hop(), 1);
        assert_eq!(SlidingWindow::<4>::new(9).hop(), 4);
        for i in 0..4 {
            w.push(s(i));
        }
        assert!(w.push(s(4)));
        w.clear();
        assert!(w.is_empty());
        assert!(!w.push(s(5)));
    }
}
