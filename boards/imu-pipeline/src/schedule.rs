//! Which head runs on which window.
//!
//! The trunk runs once per window. Each head has its own rate (every `every`-th
//! window, at `phase`); a deferred head is computed on the next sample instead,
//! from the trunk features the model kept (`Model::features()`), which spreads the
//! work over two sample periods.

/// The model's heads, in the generated `HEAD_NAMES` order.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub enum Head {
    /// `activity`: 6-class logits.
    Activity,
    /// `fall`: 2-class logits.
    Fall,
    /// `cadence`: 1 regression output.
    Cadence,
}

impl Head {
    /// Every head, in order.
    pub const ALL: [Head; 3] = [Head::Activity, Head::Fall, Head::Cadence];

    /// Position in [`Head::ALL`].
    pub const fn index(self) -> usize {
        self as usize
    }

    /// The head's ONNX output name.
    pub const fn name(self) -> &'static str {
        match self {
            Head::Activity => "activity",
            Head::Fall => "fall",
            Head::Cadence => "cadence",
        }
    }
}

/// A set of heads.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct HeadSet(u8);

impl HeadSet {
    /// No head.
    pub const EMPTY: HeadSet = HeadSet(0);

    /// Every head.
    pub const ALL: HeadSet = HeadSet(0b111);

    /// Only `h`.
    pub const fn of(h: Head) -> HeadSet {
        HeadSet(1 << h as u8)
    }

    /// With `h` added.
    pub const fn with(self, h: Head) -> HeadSet {
        HeadSet(self.0 | 1 << h as u8)
    }

    /// Whether `h` is in the set.
    pub const fn contains(self, h: Head) -> bool {
        self.0 & (1 << h as u8) != 0
    }

    /// Whether the set is empty.
    pub const fn is_empty(self) -> bool {
        self.0 == 0
    }

    /// The heads in the set, in [`Head::ALL`] order.
    pub fn iter(self) -> impl Iterator<Item = Head> {
        Head::ALL.into_iter().filter(move |h| self.contains(*h))
    }
}

/// How often one head runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Rate {
    /// Runs on windows `n` with `n % every == phase`; `0` never runs.
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
#[cfg_attr(feature = "defmt", derive(defmt::Format))]
pub struct Schedule {
    /// Indexed by [`Head::index`].
    pub rates: [Rate; 3],
}

impl Schedule {
    /// The demos' schedule: activity and fall every window, cadence every 4th
    /// window (windows 3, 7, 11, …), deferred to the next sample.
    pub const DEFAULT: Schedule = Schedule {
        rates: [
            Rate::EVERY_WINDOW,
            Rate::EVERY_WINDOW,
            Rate {
                every: 4,
                phase: 3,
                deferred: true,
            },
        ],
    };

    /// The rate of head `h`.
    pub const fn rate(&self, h: Head) -> Rate {
        self.rates[h.index()]
    }

    /// Heads to compute for window `n` right after its trunk run.
    pub fn now(&self, n: u32) -> HeadSet {
        self.select(n, false)
    }

    /// Heads to compute for window `n` on the next sample, from the kept features.
    pub fn later(&self, n: u32) -> HeadSet {
        self.select(n, true)
    }

    fn select(&self, n: u32, deferred: bool) -> HeadSet {
        Head::ALL
            .into_iter()
            .filter(|h| {
                let r = self.rate(*h);
                r.deferred == deferred && r.due(n)
            })
            .fold(HeadSet::EMPTY, HeadSet::with)
    }
}

impl Default for Schedule {
    fn default() -> Self {
        Schedule::DEFAULT
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_schedule() {
        let s = Schedule::DEFAULT;
        for n in 0..12 {
            let now = s.now(n);
            assert!(now.contains(Head::Activity) && now.contains(Head::Fall));
            assert!(!now.contains(Head::Cadence));
            assert_eq!(s.later(n).contains(Head::Cadence), n % 4 == 3, "window {n}");
        }
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
        let s = HeadSet::EMPTY.with(Head::Cadence).with(Head::Activity);
        let v: heapless::Vec<Head, 3> = s.iter().collect();
        assert_eq!(v.as_slice(), &[Head::Activity, Head::Cadence]);
        assert!(HeadSet::ALL.contains(Head::Fall) && HeadSet::EMPTY.is_empty());
        assert_eq!(HeadSet::of(Head::Fall), HeadSet::EMPTY.with(Head::Fall));
    }
}
