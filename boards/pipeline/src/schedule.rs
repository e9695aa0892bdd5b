//! Which head runs on which window.
//!
//! The trunk runs once per window. Each head has its own rate (every `every`-th
//! window, at `phase`); a deferred head is computed on the next sample instead,
//! from the trunk features the model kept (`Model::features()`), which spreads the
//! work over two sample periods. Heads are numbered as the generated module's
//! `HEAD_NAMES` (at most 64).

/// A set of heads, by number.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HeadSet(u64);

impl HeadSet {
    /// No head.
    pub const EMPTY: HeadSet = HeadSet(0);

    /// Only head `h` (empty for `h >= 64`).
    pub const fn of(h: usize) -> HeadSet {
        HeadSet::EMPTY.with(h)
    }

    /// With head `h` added (unchanged for `h >= 64`).
    pub const fn with(self, h: usize) -> HeadSet {
        if h < 64 {
            HeadSet(self.0 | 1 << h)
        } else {
            self
        }
    }

    /// Whether head `h` is in the set.
    pub const fn contains(self, h: usize) -> bool {
        h < 64 && self.0 & (1 << h) != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The bit mask (bit `h` for head `h`).
    pub const fn bits(self) -> u64 {
        self.0
    }

    /// The heads in the set, in ascending order.
    pub fn iter(self) -> impl Iterator<Item = usize> {
        (0..64).filter(move |&h| self.contains(h))
    }
}

/// How often one head runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Rate {
    /// Runs on windows `n` with `n % every == phase % every`; `0` never runs.
    pub every: u32,
    /// Offset within `every` (so slow heads can be spread over different windows).
    pub phase: u32,
    /// Computed on the sample after the window, from the kept trunk features.
    pub deferred: bool,
}

impl Rate {
    /// Every window, right after the trunk.
    pub const EVERY_WINDOW: Rate = Rate {
        every: 1,
        phase: 0,
        deferred: false,
    };

    /// Never.
    pub const NEVER: Rate = Rate {
        every: 0,
        phase: 0,
        deferred: false,
    };

    /// Whether the head runs for window `n`.
    pub const fn due(&self, n: u32) -> bool {
        self.every != 0 && n % self.every == self.phase % self.every
    }
}

/// One [`Rate`] per head.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Schedule<const H: usize> {
    /// Indexed by head number.
    pub rates: [Rate; H],
}

impl<const H: usize> Schedule<H> {
    /// Every head on every window.
    pub const EVERY_WINDOW: Schedule<H> = Schedule {
        rates: [Rate::EVERY_WINDOW; H],
    };

    /// Heads to compute for window `n` right after its trunk run.
    pub fn now(&self, n: u32) -> HeadSet {
        self.select(n, false)
    }

    /// Heads to compute for window `n` on the next sample, from the kept features.
    pub fn later(&self, n: u32) -> HeadSet {
        self.select(n, true)
    }

    fn select(&self, n: u32, deferred: bool) -> HeadSet {
        self.rates
            .iter()
            .enumerate()
            .filter(|(_, r)| r.deferred == deferred && r.due(n))
            .fold(HeadSet::EMPTY, |s, (h, _)| s.with(h))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn now_and_later() {
        let s = Schedule {
            rates: [
                Rate::EVERY_WINDOW,
                Rate {
                    every: 4,
                    phase: 3,
                    deferred: true,
                },
                Rate::NEVER,
            ],
        };
        for n in 0..12 {
            assert_eq!(s.now(n), HeadSet::of(0), "window {n}");
            let later = if n % 4 == 3 {
                HeadSet::of(1)
            } else {
                HeadSet::EMPTY
            };
            assert_eq!(s.later(n), later, "window {n}");
        }
        assert_eq!(Schedule::<5>::EVERY_WINDOW.now(7).iter().count(), 5);
    }

    #[test]
    fn never_and_phase() {
        assert!(!Rate::NEVER.due(0));
        let r = Rate {
            every: 3,
            phase: 4,
            deferred: false,
        };
        assert!(r.due(1) && r.due(4) && !r.due(3));
    }

    #[test]
    fn head_set() {
        let s = HeadSet::EMPTY.with(40).with(2);
        let v: heapless::Vec<usize, 3> = s.iter().collect();
        assert_eq!(v.as_slice(), &[2, 40]);
        assert!(s.contains(40) && !s.contains(3) && HeadSet::EMPTY.is_empty());
        assert_eq!(HeadSet::of(64), HeadSet::EMPTY);
        assert_eq!(HeadSet::of(63).bits(), 1 << 63);
    }
}
