//! `boards/<board>/size.golden`: the one format of the size goldens, their reading,
//! writing and the comparison with measured figures.
//!
//! ```text
//! # comment lines
//! tolerance_percent 3
//! flash 29128
//! ram 9968
//! ```
//!
//! Keys are checked against their golden value: growth beyond the tolerance fails, a
//! shrink beyond it is a note (bless to lock it in), and a checked key missing on either side
//! fails. Other keys are written for the reader.

use std::collections::BTreeMap;

/// Tolerance when a golden names none.
pub const DEFAULT_TOLERANCE_PERCENT: u64 = 3;

/// The keys `cargo xtask size` and the emulated-board tests check.
pub const CHECKED: [&str; 3] = ["flash", "ram", "stack"];

/// A parsed golden.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Golden {
    /// Key → bytes (every line but comments and `tolerance_percent`).
    pub values: BTreeMap<String, u64>,
    /// Allowed growth, percent.
    pub tolerance_percent: u64,
}

/// Parses golden text; lines that are not `key number` are ignored.
pub fn parse(text: &str) -> Golden {
    let mut g = Golden {
        values: BTreeMap::new(),
        tolerance_percent: DEFAULT_TOLERANCE_PERCENT,
    };
    for line in text.lines().filter(|l| !l.trim_start().starts_with('#')) {
        let mut w = line.split_whitespace();
        if let (Some(k), Some(Ok(v))) = (w.next(), w.next().map(str::parse::<u64>)) {
            if k == "tolerance_percent" {
                g.tolerance_percent = v;
            } else {
                g.values.insert(k.to_string(), v);
            }
        }
    }
    g
}

/// The golden text of the firmware crate at `krate` (its path in the repository,
/// `boards/stm32f411`) for `measured`, with its tolerance.
pub fn render(krate: &str, measured: &BTreeMap<String, u64>, tolerance_percent: u64) -> String {
    let mut s = format!(
        "# Size golden of {krate} (cargo build --release there, default model).\n\
         # Checked by `cargo xtask test`: flash, ram and stack may not grow by more than\n\
         # tolerance_percent. Rewrite with `cargo xtask size --bless`. Bytes;\n\
         # weight_bytes and arena_bytes are the model's.\n\
         tolerance_percent {tolerance_percent}\n"
    );
    for (k, v) in measured {
        s += &format!("{k} {v}\n");
    }
    s
}

/// Outcome of checking measured figures against a golden.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Check {
    /// What fails (growth beyond the tolerance, a checked key missing).
    pub failures: Vec<String>,
    /// What shrank (not a failure).
    pub notes: Vec<String>,
}

/// Checks the `checked` keys of `measured` against `golden` (for `what`, e.g.
/// `tools/qemu-firmware`): every checked key the board measures must be in the golden, and
/// every checked key the golden names must be measured.
pub fn check(
    what: &str,
    golden: &Golden,
    measured: &BTreeMap<String, u64>,
    checked: &[&str],
) -> Check {
    let tol = golden.tolerance_percent;
    let mut c = Check::default();
    for key in checked {
        match (golden.values.get(*key), measured.get(*key)) {
            (None, None) => {}
            (Some(_), None) => c
                .failures
                .push(format!("{what}: {key} is in the golden but was not measured")),
            (None, Some(v)) => c.failures.push(format!(
                "{what}: {key} ({v} bytes) is not in the golden: run `cargo xtask size --bless`"
            )),
            (Some(&g), Some(&v)) if v * 100 > g * (100 + tol) => c.failures.push(format!(
                "{what}: {key} grew to {v} bytes (golden {g}, tolerance {tol}%); \
                 if intended, run `cargo xtask size --bless`"
            )),
            (Some(&g), Some(&v)) if v * 100 < g * (100 - tol.min(100)) => c.notes.push(format!(
                "{what}: {key} shrank to {v} bytes (golden {g}): `cargo xtask size --bless` locks it in"
            )),
            _ => {}
        }
    }
    c
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(pairs: &[(&str, u64)]) -> BTreeMap<String, u64> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn round_trip_and_tolerance() {
        let text = render("b", &m(&[("flash", 1000), ("ram", 200)]), 3);
        let g = parse(&text);
        assert_eq!(g.values, m(&[("flash", 1000), ("ram", 200)]));
        assert_eq!(g.tolerance_percent, 3);
        assert!(
            check("b", &g, &m(&[("flash", 1030), ("ram", 200)]), &CHECKED)
                .failures
                .is_empty()
        );
        let c = check("b", &g, &m(&[("flash", 1031), ("ram", 150)]), &CHECKED);
        assert_eq!(c.failures.len(), 1, "{c:?}");
        assert_eq!(c.notes.len(), 1, "{c:?}");
    }

    #[test]
    fn a_missing_key_fails_on_either_side() {
        let g = parse("flash 10\nram 10\n");
        assert_eq!(
            check("b", &g, &m(&[("flash", 10)]), &CHECKED)
                .failures
                .len(),
            1
        );
        let c = check(
            "b",
            &g,
            &m(&[("flash", 10), ("ram", 10), ("stack", 5)]),
            &CHECKED,
        );
        assert_eq!(c.failures.len(), 1, "{c:?}");
    }
}
