//! ONNX names made into valid, unique Rust identifiers.

use std::collections::HashSet;

const KEYWORDS: &[&str] = &[
    "as", "async", "await", "break", "const", "continue", "crate", "dyn", "else", "enum", "extern",
    "false", "fn", "for", "gen", "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut",
    "pub", "ref", "return", "self", "static", "struct", "super", "trait", "true", "type", "unsafe",
    "use", "where", "while", "abstract", "become", "box", "do", "final", "macro", "override",
    "priv", "try", "typeof", "unsized", "virtual", "yield",
];

/// `snake_case` from any string: non-alphanumerics become `_`, camel humps split.
pub fn snake(name: &str) -> String {
    let mut out = String::new();
    let mut prev_lower = false;
    for ch in name.chars() {
        if ch.is_ascii_alphanumeric() {
            if ch.is_ascii_uppercase() && prev_lower {
                out.push('_');
            }
            out.push(ch.to_ascii_lowercase());
            prev_lower = ch.is_ascii_lowercase() || ch.is_ascii_digit();
        } else {
            if !out.ends_with('_') {
                out.push('_');
            }
            prev_lower = false;
        }
    }
    let out = out.trim_matches('_').to_string();
    if out.is_empty() {
        "t".to_string()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("t_{out}")
    } else {
        out
    }
}

/// `CamelCase` from a snake identifier.
pub fn camel(snake: &str) -> String {
    snake
        .split('_')
        .filter(|p| !p.is_empty())
        .map(|p| p[..1].to_ascii_uppercase() + &p[1..])
        .collect()
}

/// Hands out identifiers that are valid and distinct from each other and from `reserved`.
#[derive(Debug, Default)]
pub struct Namer {
    used: HashSet<String>,
}

impl Namer {
    /// A namer that never returns the given names.
    pub fn reserving(reserved: &[&str]) -> Self {
        Namer {
            used: reserved.iter().map(|s| s.to_string()).collect(),
        }
    }

    /// A unique snake-case identifier for `name`.
    pub fn snake(&mut self, name: &str) -> String {
        let mut base = snake(name);
        if KEYWORDS.contains(&base.as_str()) {
            base.push('_');
        }
        self.unique(base)
    }

    /// A unique snake-case identifier for `name` whose derived identifiers (`derive`
    /// makes them: type names, consts) are also unused in `items`; all are then taken.
    /// Distinct snake names can map to one derived name (`a_1` and `a1` both give
    /// `InputA1`), and derived names can hit fixed ones (`MACS_TRUNK`), so the suffix
    /// is bumped until nothing collides.
    pub fn snake_with(
        &mut self,
        name: &str,
        items: &mut Namer,
        derive: impl Fn(&str) -> Vec<String>,
    ) -> String {
        let mut base = snake(name);
        if KEYWORDS.contains(&base.as_str()) {
            base.push('_');
        }
        let mut cand = base.clone();
        let mut i = 2;
        loop {
            let derived = derive(&cand);
            let distinct = derived
                .iter()
                .enumerate()
                .all(|(k, d)| !derived[..k].contains(d));
            if distinct
                && !self.used.contains(&cand)
                && !derived.iter().any(|d| items.used.contains(d))
            {
                self.used.insert(cand.clone());
                items.used.extend(derived);
                return cand;
            }
            cand = format!("{base}_{i}");
            i += 1;
        }
    }

    /// A unique SCREAMING_SNAKE identifier for `name`.
    pub fn screaming(&mut self, name: &str) -> String {
        self.unique(snake(name).to_ascii_uppercase())
    }

    fn unique(&mut self, base: String) -> String {
        let mut cand = base.clone();
        let mut i = 2;
        while !self.used.insert(cand.clone()) {
            cand = format!("{base}_{i}");
            i += 1;
        }
        cand
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn identifiers_are_valid_and_unique() {
        let mut n = Namer::default();
        assert_eq!(n.snake("Identity:0"), "identity_0");
        assert_eq!(n.snake("identity_0"), "identity_0_2");
        assert_eq!(n.snake("activityLogits"), "activity_logits");
        assert_eq!(n.snake("type"), "type_");
        assert_eq!(n.snake("0out"), "t_0out");
        assert_eq!(n.snake("::"), "t");
        assert_eq!(n.screaming("onnx::Conv_12"), "ONNX_CONV_12");
        assert_eq!(camel("fall_risk_2"), "FallRisk2");
    }

    #[test]
    fn derived_identifiers_stay_unique() {
        let mut items = Namer::reserving(&["MACS_TRUNK", "NONE"]);
        let mut heads = Namer::default();
        let derive = |s: &str| {
            vec![
                s.to_ascii_uppercase(),
                format!("MACS_{}", s.to_ascii_uppercase()),
                format!("Output{}", camel(s)),
            ]
        };
        assert_eq!(heads.snake_with("a_1", &mut items, derive), "a_1");
        // `a1` gives `OutputA1` again.
        assert_eq!(heads.snake_with("a1", &mut items, derive), "a1_2");
        assert_eq!(heads.snake_with("none", &mut items, derive), "none_2");
        // `trunk` would be `MACS_TRUNK`.
        assert_eq!(heads.snake_with("Trunk", &mut items, derive), "trunk_2");
        assert_eq!(heads.snake_with("fn", &mut items, derive), "fn_");
    }
}
