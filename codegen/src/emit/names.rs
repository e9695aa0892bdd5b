//! ONNX names made into valid, unique Rust identifiers: the one place identifiers of
//! the generated module are chosen ([`names`]).

use std::collections::HashSet;

use crate::passes::partition::Kind;
use crate::passes::Compiled;

/// Rust names chosen for a model's inputs, heads and constants.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Names {
    /// Per graph input: field name in `Inputs`.
    pub inputs: Vec<String>,
    /// Per head: method and field name.
    pub heads: Vec<String>,
    /// Per constant: static name.
    pub consts: Vec<String>,
    /// Per segment: function name.
    pub segments: Vec<String>,
}

/// Chooses every identifier of the generated module.
pub fn names(c: &Compiled) -> Names {
    let p = &c.program;
    // Every module-level item (and `Heads` const) the names turn into, so derived
    // identifiers (`Input<Camel>`, `MACS_<HEAD>_ALONE`, ...) never collide either.
    let mut items = Namer::reserving(&[
        "ARENA_LEN",
        "ARENA_BYTES",
        "PARAMS",
        "WEIGHT_BYTES",
        "MACS",
        "MACS_TRUNK",
        "PARTS",
        "HEADS",
        "HEAD_NAMES",
        "NONE",
        "ALL",
    ]);
    let mut fields = Namer::reserving(&["new", "run", "trunk", "features"]);
    let inputs = p
        .inputs
        .iter()
        .map(|&v| {
            fields.snake_with(&p.values[v].name, &mut items, |s| {
                vec![derived::input_type(s), derived::input_shape(s)]
            })
        })
        .collect();
    // Heads are also methods of `Features` (beside `run_part`).
    let mut heads_namer = Namer::reserving(&["run_part"]);
    let heads: Vec<String> = p
        .outputs
        .iter()
        .map(|&v| {
            heads_namer.snake_with(&p.values[v].name, &mut items, |s| {
                vec![
                    derived::head_const(s),
                    derived::macs(s),
                    derived::macs_alone(s),
                    derived::output_type(s),
                    derived::output_shape(s),
                ]
            })
        })
        .collect();
    let mut statics =
        Namer::reserving(&["ARENA_LEN", "ARENA_BYTES", "PARAMS", "WEIGHT_BYTES", "MACS"]);
    let consts = p
        .consts
        .iter()
        .map(|k| statics.screaming(&k.name))
        .collect();
    let mut fns = Namer::reserving(&["trunk"]);
    let segments = c
        .parts
        .segments
        .iter()
        .map(|s| match s.kind {
            Kind::Trunk => "trunk".to_string(),
            // A branch's `MACS_<BRANCH>` must not be a head's `MACS_<HEAD>`.
            Kind::Branch => fns.snake_with(
                &format!("branch_{}", heads_in(s.heads, &heads).join("_")),
                &mut items,
                |s| vec![derived::macs(s)],
            ),
            Kind::Head(h) => fns.snake(&format!("head_{}", heads[h])),
        })
        .collect();
    Names {
        inputs,
        heads,
        consts,
        segments,
    }
}

impl Names {
    /// Type of input `k`'s array (`Input<Camel>`).
    pub fn input_type(&self, k: usize) -> String {
        derived::input_type(&self.inputs[k])
    }
    /// Const holding input `k`'s shape.
    pub fn input_shape(&self, k: usize) -> String {
        derived::input_shape(&self.inputs[k])
    }
    /// Type of head `h`'s array (`Output<Camel>`).
    pub fn output_type(&self, h: usize) -> String {
        derived::output_type(&self.heads[h])
    }
    /// Const holding head `h`'s shape.
    pub fn output_shape(&self, h: usize) -> String {
        derived::output_shape(&self.heads[h])
    }
    /// Head `h`'s bit in `Heads`.
    pub fn head_const(&self, h: usize) -> String {
        derived::head_const(&self.heads[h])
    }
    /// Const of the multiply-accumulates of part `name` (a head or a branch).
    pub fn macs(name: &str) -> String {
        derived::macs(name)
    }
    /// Const of the multiply-accumulates of head `h` computed alone.
    pub fn macs_alone(&self, h: usize) -> String {
        derived::macs_alone(&self.heads[h])
    }
}

/// The identifiers derived from a chosen name: one rule each, used both to reserve
/// them (so they never collide) and to emit them.
mod derived {
    use super::camel;

    pub fn input_type(s: &str) -> String {
        format!("Input{}", camel(s))
    }
    pub fn input_shape(s: &str) -> String {
        format!("INPUT_{}_SHAPE", s.to_ascii_uppercase())
    }
    pub fn output_type(s: &str) -> String {
        format!("Output{}", camel(s))
    }
    pub fn output_shape(s: &str) -> String {
        format!("OUTPUT_{}_SHAPE", s.to_ascii_uppercase())
    }
    pub fn head_const(s: &str) -> String {
        s.to_ascii_uppercase()
    }
    pub fn macs(s: &str) -> String {
        format!("MACS_{}", s.to_ascii_uppercase())
    }
    pub fn macs_alone(s: &str) -> String {
        format!("MACS_{}_ALONE", s.to_ascii_uppercase())
    }
}

pub(super) fn heads_in(mask: u64, heads: &[String]) -> Vec<String> {
    (0..heads.len())
        .filter(|h| mask & (1 << h) != 0)
        .map(|h| heads[h].clone())
        .collect()
}

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
    let out = if out.is_empty() {
        "t".to_string()
    } else if out.starts_with(|c: char| c.is_ascii_digit()) {
        format!("t_{out}")
    } else {
        out
    };
    shorten(out, name)
}

/// Longest identifier derived from one name, in characters (derived ones add a prefix
/// such as `MACS_` or `Output`).
pub const MAX_IDENT: usize = 96;

/// `ident` cut to [`MAX_IDENT`] characters with 8 hex digits of the SHA-256 of the
/// whole `name`, so long names that differ only at the end stay distinct.
fn shorten(ident: String, name: &str) -> String {
    if ident.len() <= MAX_IDENT {
        return ident;
    }
    let hash = &crate::escape::sha256_hex(name.as_bytes())[..8];
    let keep = ident[..MAX_IDENT - 9].trim_end_matches('_');
    format!("{keep}_{hash}")
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
        let (a, b) = ("x".repeat(5000) + "a", "x".repeat(5000) + "b");
        let (sa, sb) = (snake(&a), snake(&b));
        assert!(sa.len() <= MAX_IDENT && sb.len() <= MAX_IDENT, "{sa}");
        assert_ne!(sa, sb);
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
