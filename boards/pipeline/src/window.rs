//! A sliding window over frames, without heap (`heapless::HistoryBuf`).

use heapless::HistoryBuf;

/// Where time and channels sit in the model's input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Layout {
    /// `[1, C, T]` (PyTorch's Conv1d): element `c * T + t`.
    ChannelsFirst,
    /// `[1, T, C]` (Keras' Conv1D): element `t * C + c`.
    ChannelsLast,
}

/// The last `T` frames of `C` channels; a new window is complete when the buffer
/// first fills and then every `hop` frames (hop 25 on 50 steps: windows overlap by
/// half).
pub struct SlidingWindow<const T: usize, const C: usize> {
    buf: HistoryBuf<[f32; C], T>,
    hop: usize,
    since: usize,
}

impl<const T: usize, const C: usize> SlidingWindow<T, C> {
    /// An empty window moving by `hop` frames (clamped to `1..=T`).
    pub const fn new(hop: usize) -> Self {
        let hop = if hop == 0 {
            1
        } else if hop > T {
            T
        } else {
            hop
        };
        SlidingWindow {
            buf: HistoryBuf::new(),
            hop,
            since: 0,
        }
    }

    /// Frames the window moves by.
    pub const fn hop(&self) -> usize {
        self.hop
    }

    /// Frames held (at most `T`).
    pub fn len(&self) -> usize {
        self.buf.len()
    }

    /// Whether no frame was pushed since the last [`SlidingWindow::clear`].
    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    /// Drops every frame (after a sensor error, so no window spans a gap).
    pub fn clear(&mut self) {
        self.buf.clear();
        self.since = 0;
    }

    /// Adds a frame; `true` if it completes a new window.
    pub fn push(&mut self, frame: [f32; C]) -> bool {
        let was_full = self.buf.is_full();
        self.buf.write(frame);
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

    /// Writes the held frames, oldest first, into `out` (`T * C` values) in
    /// `layout`; positions not yet filled and values past `T * C` stay untouched.
    pub fn fill(&self, out: &mut [f32], layout: Layout) {
        for (t, frame) in self.buf.oldest_ordered().enumerate() {
            for (c, &v) in frame.iter().enumerate() {
                let at = match layout {
                    Layout::ChannelsFirst => c * T + t,
                    Layout::ChannelsLast => t * C + c,
                };
                // `at < T * C` always; `get_mut` keeps the loop free of panics.
                if let Some(x) = out.get_mut(at) {
                    *x = v;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(i: usize) -> [f32; 3] {
        let v = i as f32;
        [v, v + 0.1, -v]
    }

    #[test]
    fn first_window_when_full_then_every_hop() {
        let mut w = SlidingWindow::<8, 3>::new(3);
        let done: [bool; 20] = core::array::from_fn(|i| w.push(f(i)));
        let at: heapless::Vec<usize, 20> = (0..20).filter(|&i| done[i]).collect();
        assert_eq!(at.as_slice(), &[7, 10, 13, 16, 19]);
    }

    #[test]
    fn fill_in_both_layouts() {
        let mut w = SlidingWindow::<4, 3>::new(2);
        for i in 0..6 {
            w.push(f(i));
        }
        let mut first = [0.0; 12];
        w.fill(&mut first, Layout::ChannelsFirst);
        assert_eq!(&first[..4], &[2.0, 3.0, 4.0, 5.0]);
        assert_eq!(&first[8..], &[-2.0, -3.0, -4.0, -5.0]);
        let mut last = [0.0; 12];
        w.fill(&mut last, Layout::ChannelsLast);
        assert_eq!(&last[..3], &[2.0, 2.1, -2.0]);
        assert_eq!(&last[9..], &[5.0, 5.1, -5.0]);
        for c in 0..3 {
            for t in 0..4 {
                assert_eq!(first[c * 4 + t], last[t * 3 + c]);
            }
        }
    }

    #[test]
    fn hop_is_clamped_and_clear_restarts() {
        let mut w = SlidingWindow::<4, 1>::new(0);
        assert_eq!(w.hop(), 1);
        assert_eq!(SlidingWindow::<4, 1>::new(9).hop(), 4);
        for i in 0..4 {
            w.push([i as f32]);
        }
        assert!(w.push([4.0]));
        w.clear();
        assert!(w.is_empty());
        assert!(!w.push([5.0]));
    }
}
