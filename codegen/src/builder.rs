//! [`Builder`]: model file in, generated module out. Used by `build.rs` scripts and
//! by the `tinymtl` CLI alike.

use crate::emit::{self, EmitOptions, SourceInfo};
use crate::escape::sha256_hex;
use crate::passes::{self, Compiled, Options};
use crate::{Error, Result};
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
    emit: EmitOptions,
    input_shapes: Vec<(String, Vec<usize>)>,
}

/// What a successful generation produced.
#[derive(Clone, Debug)]
pub struct Generated {
    /// The module's source text.
    pub code: String,
    /// The weight blob the module includes (file name, bytes), when some tensor is
    /// too large for an array literal; it must be written beside the module
    /// ([`Generated::write`] does).
    pub weights: Option<(String, Vec<u8>)>,
    /// The identifiers the module uses (for the glue of [`crate::emit::glue`]).
    pub names: crate::emit::Names,
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
            emit: EmitOptions::default(),
            input_shapes: Vec::new(),
        }
    }

    /// File name of the generated module (`<name>.rs`; its weight blob, if any, is
    /// `<name>.weights.bin`); defaults to the model's file stem made an identifier.
    pub fn module_name(mut self, name: impl Into<String>) -> Self {
        self.module_name = Some(name.into());
        self
    }

    /// Folder [`Builder::generate`] writes into.
    pub fn out_dir(mut self, dir: impl AsRef<Path>) -> Self {
        self.out_dir = Some(dir.as_ref().to_path_buf());
        self
    }

    /// The shape of graph input `name`, fixing its symbolic dims (a dynamic time axis:
    /// `input_shape("imu", &[1, 6, 100])`); dims the file fixes must agree. Without it
    /// only a leading symbolic dim (the batch) defaults to 1; any other symbolic dim
    /// is an error. Given again for the same input, the last one counts.
    pub fn input_shape(mut self, name: impl Into<String>, shape: &[usize]) -> Self {
        let name = name.into();
        self.input_shapes.retain(|(n, _)| *n != name);
        self.input_shapes.push((name, shape.to_vec()));
        self
    }

    /// Clamp weights beyond f16's range (±65504) instead of refusing the model.
    pub fn saturate(mut self, yes: bool) -> Self {
        self.options.saturate = yes;
        self
    }

    /// Put a call of `tinymtl_runtime::profile::step()` after every kernel step (off by
    /// default), so a tool watching the program counter can count each step: what
    /// `tinymtl bench --target qemu-* --steps` builds its profiling firmware with.
    pub fn profile_steps(mut self, yes: bool) -> Self {
        self.emit.profile_steps = yes;
        self
    }

    /// The model file.
    pub fn model_path(&self) -> &Path {
        &self.model
    }

    /// The module's file stem: [`Builder::module_name`], or the model's file stem.
    pub fn module_stem(&self) -> String {
        match &self.module_name {
            Some(n) => n.clone(),
            None => self
                .model
                .file_stem()
                .map(|s| crate::emit::names::snake(&s.to_string_lossy()))
                .unwrap_or_else(|| "model".into()),
        }
    }

    /// Loads, compiles and emits, without writing anything.
    pub fn build(&self) -> Result<Generated> {
        let bytes = crate::load::read_model_file(&self.model)?;
        let graph = crate::load::load_bytes_with(&bytes, &self.model, &self.input_shapes)?;
        let compiled =
            passes::compile(&graph, &self.options).map_err(|e| e.in_file(&self.model))?;
        let src = SourceInfo {
            file_name: self
                .model
                .file_name()
                .map(|f| f.to_string_lossy().into_owned())
                .unwrap_or_default(),
            sha256: sha256_hex(&bytes),
            module_name: self.module_stem(),
        };
        let module =
            emit::emit_with(&compiled, &src, &self.emit).map_err(|e| e.in_file(&self.model))?;
        Ok(Generated {
            warnings: compiled.warnings.clone(),
            code: module.code,
            weights: module.weights,
            names: module.names,
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
        let path = dir.join(format!("{}.rs", self.module_stem()));
        let mut g = self.build()?;
        g.write(&path)?;
        g.path = Some(path);
        Ok(g)
    }
}

impl Generated {
    /// The module's glue (`glue.rs`, see [`crate::emit::glue::firmware_glue`]).
    pub fn glue(&self) -> String {
        crate::emit::glue::firmware_glue(&self.compiled, &self.names)
    }

    /// The `app.rs` of a `tinymtl firmware` crate for this model, shown as `spec`
    /// says (see [`crate::emit::app`]).
    pub fn app(&self, spec: &crate::emit::app::AppSpec) -> String {
        crate::emit::app::firmware_app(&self.compiled, &self.names, spec)
    }

    /// The files of the module, each as (file name, bytes): `rs_name` with the source,
    /// then the weight blob if there is one. They belong in one folder.
    pub fn files<'a>(&'a self, rs_name: &'a str) -> Vec<(&'a str, &'a [u8])> {
        let mut f = vec![(rs_name, self.code.as_bytes())];
        if let Some((name, bytes)) = &self.weights {
            f.push((name.as_str(), bytes.as_slice()));
        }
        f
    }

    /// Writes the module to `path` and its weight blob (if any) beside it, each
    /// atomically; the blob first, so the module never names a missing file. On an
    /// error nothing new is left behind.
    pub fn write(&self, path: &Path) -> Result<()> {
        let blob = match &self.weights {
            Some((name, bytes)) => {
                let p = path.with_file_name(name);
                if p == path {
                    return Err(Error::new(format!(
                        "the module and its weight blob would both be {name}"
                    ))
                    .in_file(path));
                }
                write_atomic(&p, bytes)?;
                Some(p)
            }
            None => None,
        };
        write_atomic(path, self.code.as_bytes()).inspect_err(|_| {
            if let Some(p) = &blob {
                let _ = std::fs::remove_file(p);
            }
        })
    }
}

/// Writes `bytes` to `path` through a temporary file in the same folder, renamed
/// into place only when complete (see `write_atomic_with`).
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<()> {
    use std::io::Write;
    write_atomic_with(path, |f| f.write_all(bytes))
}

/// The one way output files are written: `fill` writes a temporary file in `path`'s
/// folder, which is renamed into place only when complete; on any error it is
/// removed and `path` is untouched. The file gets the mode a plain create would give
/// (`0o666` less the process umask), not the temporary file's private `0o600`.
pub fn write_atomic_with(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> Result<()> {
    write_atomic_io(path, fill).map_err(|e| Error::new(format!("cannot write: {e}")).in_file(path))
}

/// [`write_atomic_with`] with the bare I/O error, for callers that say themselves
/// what was being written (the runners' cache crates).
pub fn write_atomic_io(
    path: &Path,
    fill: impl FnOnce(&mut std::fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let mut builder = tempfile::Builder::new();
    // open(2) applies the umask to this mode, as for any newly created file.
    #[cfg(unix)]
    builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
    let mut tmp = builder.tempfile_in(dir)?;
    fill(tmp.as_file_mut())?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}
