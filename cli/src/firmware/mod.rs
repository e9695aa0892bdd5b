//! `tinymtl firmware MODEL --board BOARD -o DIR`: a standalone firmware crate for a
//! model, and the build script every such crate runs.
//!
//! The crate ([`write_crate`]) is what a person keeps and edits: `Cargo.toml` (the
//! tinymtl crates by path or git), `.cargo/config.toml` (target and runner),
//! `memory.x` where the board needs one, `build.rs`, `src/main.rs` (board set-up, the
//! sensor, the loop), `tinymtl.toml` (the model and how it is shown, every derived
//! key written out) and `model/` (a copy of the ONNX file and its external data).
//! Nothing in them is written for one model: the window, layout, channels, heads and
//! rates live in the `app.rs` the build script generates ([`build_script`]).
//!
//! Templates are in `templates/<board>/` beside this file, with `{{key}}` holes
//! filled here; `main.rs` is assembled from the board's `main.rs` and either its IMU
//! variant (`uses_imu.rs`, `run_imu.rs`) or the `Source` variant.

pub mod config;
mod templates;

use crate::board::Board;
use config::Config;
use std::path::{Path, PathBuf};
use tinymtl_codegen::escape::line;
use tinymtl_codegen::{Error, Generated, Result};

/// Where the firmware crate takes the tinymtl crates from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A checkout of this repository, written as given (absolute, or relative to the
    /// crate's folder).
    Path(PathBuf),
    /// A git repository, optionally at a revision.
    Git {
        /// The repository URL.
        url: String,
        /// Commit, tag or branch (`rev = ...`).
        rev: Option<String>,
    },
}

impl Source {
    /// This checkout, by absolute path.
    pub fn this_checkout() -> Source {
        let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        Source::Path(here.canonicalize().unwrap_or(here))
    }

    /// The dependency table of crate `package` at `folder` inside the repository.
    fn dep(&self, folder: &str, extra: &str) -> Result<String> {
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(", {extra}")
        };
        match self {
            Source::Path(root) => {
                let p = root.join(folder);
                let s = p.to_str().ok_or_else(|| {
                    Error::new(format!(
                        "the tinymtl path {} is not UTF-8",
                        line(&p.display().to_string())
                    ))
                })?;
                Ok(format!("{{ path = {}{extra} }}", toml_str(s)))
            }
            Source::Git { url, rev } => {
                let rev = rev
                    .as_ref()
                    .map(|r| format!(", rev = {}", toml_str(r)))
                    .unwrap_or_default();
                Ok(format!("{{ git = {}{rev}{extra} }}", toml_str(url)))
            }
        }
    }
}

/// A TOML basic string (the one rule for values written into a template).
fn toml_str(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// What `tinymtl firmware` writes.
#[derive(Clone, Debug)]
pub struct CrateOptions {
    /// The ONNX model (copied into `model/`, with its `.onnx.data` if any).
    pub model: PathBuf,
    /// The board.
    pub board: &'static Board,
    /// The crate's folder: created, or (with `force`) overwritten file by file.
    pub dir: PathBuf,
    /// Where the tinymtl crates come from.
    pub tinymtl: Source,
    /// An npz whose first sample is compiled in (default: `<model>.inputs.npz`
    /// beside the model when there is one, else zeros).
    pub sample: Option<PathBuf>,
    /// A `tinymtl.toml` to start from (its `[input]` and `[heads]`: labels, rates);
    /// what it leaves out is derived from the model. Its `model` and `sample` are
    /// ignored: the model and sample given here are used.
    pub config: Option<PathBuf>,
    /// Reference the model and sample where they are (by a path relative to `dir`)
    /// instead of copying them into `model/`.
    pub no_copy: bool,
    /// Write into a folder that is not empty.
    pub force: bool,
    /// Clamp weights beyond f16's range.
    pub saturate: bool,
    /// Sizes of graph inputs with symbolic dims (`--input-shape`), written into
    /// `tinymtl.toml`'s `[input_shape]` for the build script.
    pub input_shapes: Vec<(String, Vec<usize>)>,
}

/// Writes the firmware crate; returns the files written (relative to `dir`). The
/// model is compiled and the configuration resolved first: on any error nothing is
/// written.
pub fn write_crate(o: &CrateOptions) -> Result<Vec<PathBuf>> {
    let files = render_crate(o)?;
    write_all(&o.dir, &files, o.force)?;
    Ok(files.into_iter().map(|(p, _)| p).collect())
}

/// The files of the firmware crate, as (path in the crate, bytes), without writing
/// anything (what `cargo xtask gen-boards --check` compares with `boards/`).
pub fn render_crate(o: &CrateOptions) -> Result<Vec<(PathBuf, Vec<u8>)>> {
    let mut cfg = match &o.config {
        Some(p) => Config::read(p)?,
        None => Config::default(),
    };
    cfg.input_shape.extend(o.input_shapes.iter().cloned());
    let g = cfg.builder(&o.model).saturate(o.saturate).build()?;
    let stem = o
        .model
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "model".into());
    // The model keeps its file name: its external data is found by the name the
    // model records (`<name>.onnx.data`, as torch writes it), copied beside it.
    let name = o
        .model
        .file_name()
        .ok_or_else(|| Error::new("the model path has no file name").in_file(&o.model))?;
    let in_crate = Path::new("model").join(name);
    let sample = o
        .sample
        .clone()
        .or_else(|| Some(o.model.with_extension("inputs.npz")).filter(|p| p.is_file()));
    if let Some(s) = &sample {
        // Checked now, so a bad sample fails here and not in the first build.
        let (ins, _) = crate::contract::specs(&g.compiled);
        crate::npz::read(s, &ins)?;
    }
    let mut copies = Vec::new();
    if o.no_copy {
        cfg.model = relative_to(&o.model, &o.dir)?;
        cfg.sample = sample
            .as_deref()
            .map(|s| relative_to(s, &o.dir))
            .transpose()?;
    } else {
        cfg.model = in_crate.to_string_lossy().into_owned();
        copies.push((o.model.clone(), in_crate.clone()));
        let data = o.model.with_extension("onnx.data");
        if data.is_file() {
            copies.push((data, in_crate.with_extension("onnx.data")));
        }
        cfg.sample = None;
        if let Some(s) = &sample {
            cfg.sample = Some("model/sample.npz".into());
            copies.push((s.clone(), "model/sample.npz".into()));
        }
    }
    let toml_path = o.dir.join("tinymtl.toml");
    let spec = config::resolve(&g.compiled, &cfg, &toml_path)?;
    let cfg = config::explicit(&g.compiled, &cfg, &spec);
    let mut files = templates::render(o, &g, &spec, &crate_safe(&stem), &cfg)?;
    for (from, to) in copies {
        let bytes = std::fs::read(&from)
            .map_err(|e| Error::new(format!("cannot read: {e}")).in_file(&from))?;
        files.push((to, bytes));
    }
    Ok(files)
}

/// `path` relative to the folder `dir` (which need not exist yet), with `/`.
fn relative_to(path: &Path, dir: &Path) -> Result<String> {
    let abs = |p: &Path| -> Result<PathBuf> {
        let p = if p.is_absolute() {
            p.to_path_buf()
        } else {
            std::env::current_dir()
                .map_err(|e| Error::new(format!("cannot read the current folder: {e}")))?
                .join(p)
        };
        // Lexically: `..` and `.` resolved without touching the file system.
        let mut out = PathBuf::new();
        for c in p.components() {
            match c {
                std::path::Component::ParentDir => {
                    out.pop();
                }
                std::path::Component::CurDir => {}
                c => out.push(c),
            }
        }
        Ok(out)
    };
    let (p, d) = (abs(path)?, abs(dir)?);
    let common = p
        .components()
        .zip(d.components())
        .take_while(|(a, b)| a == b)
        .count();
    let mut parts: Vec<String> = vec!["..".into(); d.components().count() - common];
    parts.extend(
        p.components()
            .skip(common)
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    Ok(parts.join("/"))
}

/// A crate-name part made of `[a-z0-9-]` (others become `-`), at most 40 long.
fn crate_safe(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '-'
            }
        })
        .take(40)
        .collect();
    let t = t.trim_matches('-');
    if t.is_empty() {
        "model".into()
    } else {
        t.to_string()
    }
}

/// Writes `files` under `dir`: into a fresh folder renamed into place, or (`force`)
/// each file atomically over what is there (but an existing `Cargo.lock`).
fn write_all(dir: &Path, files: &[(PathBuf, Vec<u8>)], force: bool) -> Result<()> {
    let io = |what: &str, p: &Path| {
        let (what, p) = (what.to_string(), p.to_path_buf());
        move |e: std::io::Error| Error::new(format!("cannot {what}: {e}")).in_file(&p)
    };
    let exists = dir.exists();
    if exists {
        let empty = std::fs::read_dir(dir)
            .map_err(io("read the folder", dir))?
            .next()
            .is_none();
        if !empty && !force {
            return Err(Error::new(
                "the folder exists and is not empty (pass --force to overwrite the files tinymtl writes)",
            )
            .in_file(dir));
        }
        for (rel, bytes) in files {
            let p = dir.join(rel);
            if rel == Path::new("Cargo.lock") && p.exists() {
                // The crate's own lock file, kept as cargo maintains it.
                continue;
            }
            if let Some(parent) = p.parent() {
                std::fs::create_dir_all(parent).map_err(io("create", parent))?;
            }
            crate::cache::put_file(&p, bytes).map_err(io("write", &p))?;
        }
        return Ok(());
    }
    let parent = dir
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(parent).map_err(io("create", parent))?;
    let tmp = tempdir_in(parent).map_err(io("create a folder in", parent))?;
    for (rel, bytes) in files {
        let p = tmp.join(rel);
        if let Some(d) = p.parent() {
            std::fs::create_dir_all(d).map_err(io("create", d))?;
        }
        std::fs::write(&p, bytes).map_err(io("write", &p))?;
    }
    std::fs::rename(&tmp, dir).map_err(|e| {
        let _ = std::fs::remove_dir_all(&tmp);
        Error::new(format!("cannot create: {e}")).in_file(dir)
    })
}

/// An empty folder `.tinymtl-<pid>-<n>` in `parent`.
fn tempdir_in(parent: &Path) -> std::io::Result<PathBuf> {
    for n in 0..1000 {
        let p = parent.join(format!(".tinymtl-firmware-{}-{n}", std::process::id()));
        match std::fs::create_dir(&p) {
            Ok(()) => return Ok(p),
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    Err(std::io::Error::other("no free temporary folder name"))
}

/// The build script of a firmware crate: [`generate`] from `tinymtl.toml` in
/// `$CARGO_MANIFEST_DIR` (`$TINYMTL_MODEL` overrides its model) into `$OUT_DIR`, and
/// `memory.x` copied there (on the linker's path) if the crate has one.
pub fn build_script() -> Result<Generated> {
    let var = |k: &str| {
        std::env::var_os(k)
            .map(PathBuf::from)
            .ok_or_else(|| Error::new(format!("{k} is not set (run from a build script)")))
    };
    let here = var("CARGO_MANIFEST_DIR")?;
    let out = var("OUT_DIR")?;
    println!("cargo:rerun-if-env-changed=TINYMTL_MODEL");
    let model = std::env::var_os("TINYMTL_MODEL").map(|m| here.join(m));
    let g = generate(&here.join("tinymtl.toml"), model.as_deref(), &out)?;
    let memory = here.join("memory.x");
    if memory.is_file() {
        println!("cargo:rerun-if-changed={}", memory.display());
        let bytes = std::fs::read(&memory)
            .map_err(|e| Error::new(format!("cannot read: {e}")).in_file(&memory))?;
        put(&out.join("memory.x"), &bytes)?;
        println!("cargo:rustc-link-search={}", out.display());
    }
    Ok(g)
}

/// Generates what a firmware crate includes into `out`: `model.rs` (and its weight
/// blob), `glue.rs`, `app.rs` and `sample.bin`, from the configuration `toml` (its
/// model, or `model` instead). Prints `cargo:rerun-if-changed` for the configuration,
/// the model, its external data and the sample, and the compiler's warnings as
/// `cargo:warning`.
pub fn generate(toml: &Path, model: Option<&Path>, out: &Path) -> Result<Generated> {
    println!("cargo:rerun-if-changed={}", toml.display());
    let cfg = Config::read(toml)?;
    let base = toml.parent().unwrap_or(Path::new("."));
    let model = match model {
        Some(m) => m.to_path_buf(),
        None if cfg.model.is_empty() => {
            return Err(
                Error::new("no `model = \"...\"` (the ONNX file, relative to this file)")
                    .in_file(toml),
            )
        }
        None => base.join(&cfg.model),
    };
    println!("cargo:rerun-if-changed={}", model.display());
    let data = model.with_extension("onnx.data");
    if data.is_file() {
        println!("cargo:rerun-if-changed={}", data.display());
    }
    let g = cfg.builder(&model).build()?;
    for w in &g.warnings {
        println!("cargo:warning={}", line(w));
    }
    let spec = config::resolve(&g.compiled, &cfg, toml)?;
    let (ins, _) = crate::contract::specs(&g.compiled);
    let sample = match &cfg.sample {
        Some(s) => {
            let p = base.join(s);
            println!("cargo:rerun-if-changed={}", p.display());
            let samples = crate::npz::read(&p, &ins)?;
            let mut bytes = Vec::new();
            for (k, spec) in ins.iter().enumerate() {
                let n: usize = spec.shape.iter().product();
                for x in &samples.data[k][..n] {
                    bytes.extend_from_slice(&x.to_le_bytes());
                }
            }
            bytes
        }
        None => crate::contract::demo_sample(&model, &ins),
    };
    std::fs::create_dir_all(out)
        .map_err(|e| Error::new(format!("cannot create: {e}")).in_file(out))?;
    for (name, bytes) in g.files("model.rs") {
        put(&out.join(name), bytes)?;
    }
    put(&out.join("glue.rs"), g.glue().as_bytes())?;
    put(&out.join("app.rs"), g.app(&spec).as_bytes())?;
    put(&out.join("sample.bin"), &sample)?;
    Ok(g)
}

/// Writes `bytes` to `p` atomically if they differ from what is there.
fn put(p: &Path, bytes: &[u8]) -> Result<()> {
    crate::cache::put_file(p, bytes)
        .map_err(|e| Error::new(format!("cannot write: {e}")).in_file(p))
}
