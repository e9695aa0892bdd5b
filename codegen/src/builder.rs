//! [`Builder`]: model file in, generated module out. Used by `build.rs` scripts and
//! by the `tinymtl` CLI alike.

use crate::emit::{self, SourceInfo};
use crate::passes::{self, Compiled, Options};
use crate::{Error, Result};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// Compiles one ONNX model into a Rust module.
///
/// In `build.rs`:
/// ```no_run
/// tinymtl_codegen::Builder::new("models/har.onnx")
///     .module_name("har")
///     .out_dir(std::env::var("OUT_DIR").unwrap())
///     .generate()
///     .expect("model compiles");
/// // then in the crate: mod har { include!(concat!(env!("OUT_DIR"), "/har.rs")); }
/// ```
#[derive(Clone, Debug)]
pub struct Builder {
    model: PathBuf,
    module_name: Option<String>,
    out_dir: Option<PathBuf>,
    options: Options,
}

/// What a successful generation produced.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The module's source text.
    pub code: String,
    /// The compiled model (plan, partition, costs) for reports.
    pub compiled: Compiled,
    /// Warnings for the user (saturated or flushed weights).
    pub warnings: Vec<String>,
    /// Where the module was written, if it was.
    pub path: Option<PathBuf>,
}

impl Builder {
    /// A builder for the ONNX model at `model` (external data resolved beside it).
    pub fn new(model: impl AsRef<Path>) -> Self {
        Builder {
            model: model.as_ref().to_path_buf(),
            module_name: None,
            out_dir: None,
            options: Options::default(),
        }
    }

    /// File name of the generated module (`<name>.rs`); defaults to the model's file stem.
    pub fn module_name(mut self, name: impl Into<String>) -> Self {
        self.module_name = Some(name.into());
        self
    }

    /// Folder [`Builder::generate`] writes into.
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// Clamp weights beyond f16's range (±65504) instead of refusing the model.
    pub fn saturate(mut self, yes: bool) -> Self {
        self.options.saturate = yes;
        self
    }

    /// The model file.
    pub fn model_path(&self) -> &Path {
        &self.model
    }

    /// Loads, compiles and emits, without writing anything.
    pub fn build(&self) -> Result<Generated> {
        let bytes = crate::load::read_model_file(&self.model)?;
        let graph = crate::load::load_bytes(&bytes, &self.model)?;
        let compiled =
            passes::compile(&graph, &self.options).map_err(|e| e.in_file(&self.model))?;
        let src = SourceInfo {
            file_name: self
                .model
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sha256: Sha256::digest(&bytes)
                .iter()
                .map(|b| format!("{b:02x}"))
                .collect(),
        };
        let code = emit::emit(&compiled, &src);
        Ok(Generated {
            warnings: compiled.warnings.clone(),
            code,
            compiled,
            path: None,
        })
    }

    /// Builds and writes `<out_dir>/<module_name>.rs` (atomically: a temporary file in
    /// the same folder renamed into place, so a failed run leaves nothing behind).
    pub fn generate(&self) -> Result<Generated> {
        let dir = self
            .out_dir
            .clone()
            .ok_or_else(|| Error::new("no output folder: call Builder::out_dir"))?;
        let name = match &self.module_name {
            Some(n) => n.clone(),
            None => self
                .model
                .file_stem()
                .map(|s| crate::emit::names::snake(&s.to_string_lossy()))
                .unwrap_or_else(|| "model".into()),
        };
        let path = dir.join(format!("{name}.rs"));
        let mut g = self.build()?;
        write_atomic(&path, g.code.as_bytes())?;
        g.path = Some(path);
        Ok(g)
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder, renamed
/// into place only when complete.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let err = |e: std::io::Error| Error::new(format!("cannot write: {e}")).in_file(path);
    let mut tmp = tempfile::NamedTempFile::new_in(dir).map_err(err)?;
    tmp.write_all(bytes).map_err(err)?;
    tmp.persist(path).map_err(|e| err(e.error))?;
    Ok(())
}
