//! `tinymtl.toml`: what a firmware crate's user edits (the model file, how its input
//! is read, how each head is shown and how often it runs), and [`resolve`], which
//! fills what is left out from the model's own shapes into an [`AppSpec`].
//!
//! Every key is optional but `model`; unknown keys are refused (a typo does not
//! silently fall back to a default).

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;
use std::path::Path;
use tinymtl_codegen::emit::app::{AppSpec, HeadShow, ShowSpec, WindowSpec};
use tinymtl_codegen::escape::line;
use tinymtl_codegen::ir::program::Ending;
use tinymtl_codegen::passes::Compiled;
use tinymtl_codegen::{Error, Result};

/// The file, as written.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Config {
    /// The ONNX model, relative to `tinymtl.toml` (required by the build script).
    #[serde(default)]
    pub model: String,
    /// One sample of every input (npz, keyed by input name, `[N, *shape]`; the first
    /// is used), relative to `tinymtl.toml`: the firmware's compiled-in sample.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample: Option<String>,
    /// How input 0 is read.
    #[serde(default)]
    pub input: InputConfig,
    /// Sizes of graph inputs with symbolic dims (a dynamic time axis), by input
    /// name: `[input_shape] imu = [1, 6, 100]`.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub input_shape: BTreeMap<String, Vec<usize>>,
    /// Per head, by ONNX output name.
    #[serde(default)]
    pub heads: BTreeMap<String, HeadConfig>,
}

/// `[input]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct InputConfig {
    /// `"imu"`: a window the board's IMU fills frame by frame; `"sample"`: whole
    /// inputs from a `Source` (the compiled-in sample until you write yours).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The sensor channel of each model channel: `acc_x`, `acc_y`, `acc_z`, `gyro_x`,
    /// `gyro_y`, `gyro_z`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub channels: Option<Vec<String>>,
    /// `"channels_first"` (`[1, C, T]`) or `"channels_last"` (`[1, T, C]`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub layout: Option<String>,
    /// Frames between windows.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hop: Option<usize>,
    /// Frames per second.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sample_hz: Option<u32>,
}

/// `[heads.NAME]`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct HeadConfig {
    /// `"class"`, `"probability"` or `"values"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub show: Option<String>,
    /// Class labels, in output order (`show = "class"`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub labels: Option<Vec<String>>,
    /// Runs every `every`-th window (0: never).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub every: Option<u32>,
    /// On windows `n % every == phase`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phase: Option<u32>,
    /// Computed one sample later from the kept features.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deferred: Option<bool>,
}

/// The sensor channels, as written in the file and as `tinymtl_pipeline::Channel`.
const CHANNELS: [(&str, &str); 6] = [
    ("acc_x", "AccX"),
    ("acc_y", "AccY"),
    ("acc_z", "AccZ"),
    ("gyro_x", "GyroX"),
    ("gyro_y", "GyroY"),
    ("gyro_z", "GyroZ"),
];

impl Config {
    /// The builder of `model` with this file's `[input_shape]` sizes.
    pub fn builder(&self, model: &Path) -> tinymtl_codegen::Builder {
        self.input_shape
            .iter()
            .fold(tinymtl_codegen::Builder::new(model), |b, (n, d)| {
                b.input_shape(n, d)
            })
    }

    /// Reads `path` (one error line naming it on any problem).
    pub fn read(path: &Path) -> Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| Error::new(format!("cannot read: {e}")).in_file(path))?;
        toml::from_str(&text).map_err(|e| {
            let msg = e.message().to_string();
            let at = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!(" (line {line})")
                })
                .unwrap_or_default();
            Error::new(format!("{}{at}", line(&msg))).in_file(path)
        })
    }

    /// The file's text, with a comment header.
    pub fn to_toml(&self) -> String {
        let body = toml::to_string(self).expect("the config serializes");
        format!("{HEADER}{body}")
    }
}

const HEADER: &str = "\
# tinymtl.toml: what this firmware runs and how it shows it. Every key but `model` is
# optional; left out, it is derived from the model (`tinymtl firmware` wrote them all).
#
# model     the ONNX file (relative to this file); sample: an npz whose first sample is
#           compiled in (the emulated board runs it; real boards use it for Source models)
# [input]   source = \"imu\" | \"sample\"; channels: sensor channel of each model channel
#           (acc_x acc_y acc_z gyro_x gyro_y gyro_z); layout = \"channels_first\" ([1, C, T])
#           | \"channels_last\" ([1, T, C]); hop: frames between windows; sample_hz
# [input_shape] NAME = [d0, d1, ...]: sizes of an input's symbolic dims (a dynamic time axis)
# [heads.X] show = \"class\" (argmax + labels) | \"probability\" | \"values\"; labels;
#           every / phase: runs on windows n % every == phase; deferred: one sample later
#
";

/// Resolves `cfg` against the compiled model into what `app.rs` is generated from;
/// `file` is blamed in errors.
pub fn resolve(c: &Compiled, cfg: &Config, file: &Path) -> Result<AppSpec> {
    let p = &c.program;
    let err = |m: String| Error::new(m).in_file(file);
    for name in cfg.heads.keys() {
        if !p.outputs.iter().any(|&v| &p.values[v].name == name) {
            let names: Vec<String> = p.outputs.iter().map(|&v| line(&p.values[v].name)).collect();
            return Err(err(format!(
                "[heads.{}]: the model has no head of that name (heads: {})",
                line(name),
                names.join(", ")
            )));
        }
    }
    let window = window(c, &cfg.input).map_err(err)?;
    let mut heads = Vec::new();
    for &v in &p.outputs {
        let val = &p.values[v];
        let hc = cfg.heads.get(&val.name).cloned().unwrap_or_default();
        let what = |m: &str| err(format!("[heads.{}]: {m}", line(&val.name)));
        let n = val.numel();
        let ending = p.ending(v);
        // Many sigmoids are independent yes/no outputs (multi-label): shown as values.
        let default = match (n, ending) {
            (1, Some(Ending::Sigmoid)) => "probability",
            (1, _) | (_, Some(Ending::Sigmoid)) => "values",
            _ => "class",
        };
        let show = match hc.show.as_deref().unwrap_or(default) {
            "class" => {
                let labels = hc.labels.clone().unwrap_or_default();
                if labels.len() > n {
                    return Err(what(&format!("{} labels for {n} outputs", labels.len())));
                }
                // Logits (or log-probabilities) get softmax; probabilities do not.
                ShowSpec::Class {
                    labels,
                    softmax: ending.is_none(),
                }
            }
            "probability" if n == 1 => ShowSpec::Probability {
                sigmoid: ending != Some(Ending::Sigmoid),
            },
            "probability" => {
                return Err(what(&format!(
                    "show = \"probability\" needs one output, the head has {n} (use \"class\")"
                )))
            }
            "values" => ShowSpec::Values,
            other => {
                return Err(what(&format!(
                    "show = \"{}\": expected \"class\", \"probability\" or \"values\"",
                    line(other)
                )))
            }
        };
        if hc.labels.is_some() && !matches!(show, ShowSpec::Class { .. }) {
            return Err(what("labels are only shown with show = \"class\""));
        }
        heads.push(HeadShow {
            show,
            every: hc.every.unwrap_or(1),
            phase: hc.phase.unwrap_or(0),
            deferred: hc.deferred.unwrap_or(false),
        });
    }
    Ok(AppSpec { window, heads })
}

/// The IMU window of input 0, when the input is read from the IMU.
fn window(c: &Compiled, cfg: &InputConfig) -> std::result::Result<Option<WindowSpec>, String> {
    let p = &c.program;
    let input = p.inputs.first().map(|&v| &p.values[v]);
    let window_dims = match input {
        Some(v) if p.inputs.len() == 1 && v.shape.len() == 3 && v.shape[0] == 1 => {
            Some((v.shape[1], v.shape[2]))
        }
        _ => None,
    };
    let wanted_c = cfg.channels.as_ref().map(|c| c.len());
    let imu_like = |(a, b): (usize, usize)| {
        let fits = |c: usize| wanted_c.map_or(c == 3 || c == 6, |w| w == c);
        fits(a) || fits(b)
    };
    let source = match cfg.source.as_deref() {
        Some("imu") => true,
        Some("sample") => false,
        Some(other) => {
            return Err(format!(
                "[input] source = \"{}\": expected \"imu\" or \"sample\"",
                line(other)
            ))
        }
        // Channels named: the user means the IMU (a wrong count is an error below).
        None => window_dims.is_some_and(|d| imu_like(d) || cfg.channels.is_some()),
    };
    if !source {
        return Ok(None);
    }
    let shape = input.map(|v| format!("`{}` {:?}", line(&v.name), v.shape));
    let Some((a, b)) = window_dims else {
        return Err(format!(
            "[input] source = \"imu\" needs one input of shape [1, C, T] or [1, T, C]; the model has {} input(s){}",
            p.inputs.len(),
            shape.map(|s| format!(", the first {s}")).unwrap_or_default()
        ));
    };
    let shape = shape.unwrap_or_default();
    let channels_last = match cfg.layout.as_deref() {
        Some("channels_first") => false,
        Some("channels_last") => true,
        Some(other) => {
            return Err(format!(
                "[input] layout = \"{}\": expected \"channels_first\" or \"channels_last\"",
                line(other)
            ))
        }
        // The axis that matches the channel count; channels-first when both do.
        None => match wanted_c {
            Some(w) => a != w && b == w,
            None => !(a == 3 || a == 6) && (b == 3 || b == 6),
        },
    };
    let (steps, n_ch) = if channels_last { (a, b) } else { (b, a) };
    let names: Vec<String> = match &cfg.channels {
        Some(list) => list.clone(),
        None => match n_ch {
            6 => CHANNELS.iter().map(|c| c.0.to_string()).collect(),
            3 => CHANNELS[..3].iter().map(|c| c.0.to_string()).collect(),
            _ => {
                return Err(format!(
                    "input {shape} has {n_ch} channels: list in [input] channels which sensor channel each is, or set source = \"sample\""
                ))
            }
        },
    };
    if names.len() != n_ch {
        return Err(format!(
            "[input] channels lists {} channels, input {shape} has {n_ch} ({})",
            names.len(),
            if channels_last {
                "channels_last"
            } else {
                "channels_first"
            }
        ));
    }
    let mut channels = Vec::new();
    for name in &names {
        match CHANNELS.iter().find(|c| c.0 == name) {
            Some(c) => channels.push(c.1.to_string()),
            None => {
                return Err(format!(
                    "[input] channels: unknown channel \"{}\" (expected acc_x, acc_y, acc_z, gyro_x, gyro_y, gyro_z)",
                    line(name)
                ))
            }
        }
    }
    let hop = cfg.hop.unwrap_or((steps / 2).max(1));
    if hop == 0 || hop > steps {
        return Err(format!(
            "[input] hop = {hop}: expected 1 to {steps} (the window's frames)"
        ));
    }
    Ok(Some(WindowSpec {
        steps,
        channels,
        channels_last,
        hop,
        sample_hz: cfg.sample_hz.unwrap_or(50).max(1),
    }))
}

/// `cfg` with every key `resolve` derived written out, for the user to edit.
pub fn explicit(c: &Compiled, cfg: &Config, spec: &AppSpec) -> Config {
    let mut out = cfg.clone();
    match &spec.window {
        Some(w) => {
            let by_variant = |v: &String| {
                CHANNELS
                    .iter()
                    .find(|c| c.1 == v)
                    .map(|c| c.0.to_string())
                    .unwrap_or_default()
            };
            out.input = InputConfig {
                source: Some("imu".into()),
                channels: Some(w.channels.iter().map(by_variant).collect()),
                layout: Some(
                    if w.channels_last {
                        "channels_last"
                    } else {
                        "channels_first"
                    }
                    .into(),
                ),
                hop: Some(w.hop),
                sample_hz: Some(w.sample_hz),
            };
        }
        None => {
            out.input = InputConfig {
                source: Some("sample".into()),
                ..InputConfig::default()
            }
        }
    }
    let p = &c.program;
    for (&v, h) in p.outputs.iter().zip(&spec.heads) {
        let (show, labels) = match &h.show {
            // An empty list shows where the labels go (`class N` is shown meanwhile).
            ShowSpec::Class { labels, .. } => ("class", Some(labels.clone())),
            ShowSpec::Probability { .. } => ("probability", None),
            ShowSpec::Values => ("values", None),
        };
        out.heads.insert(
            p.values[v].name.clone(),
            HeadConfig {
                show: Some(show.into()),
                labels,
                every: Some(h.every),
                phase: Some(h.phase),
                deferred: Some(h.deferred),
            },
        );
    }
    out
}
