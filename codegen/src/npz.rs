//! Sample files: `.npz` archives of `float32` arrays keyed by ONNX tensor name, each
//! holding N samples stacked on a new leading axis.

use crate::{Error, Result};
use ndarray::{ArrayD, IxDyn};
use ndarray_npy::{NpzReader, NpzWriter};
use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

/// A tensor's name and per-sample shape.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Spec {
    /// ONNX name (the npz key).
    pub name: String,
    /// Shape of one sample.
    pub shape: Vec<usize>,
}

/// N samples of several tensors, each flattened sample after sample.
#[derive(Clone, Debug, PartialEq)]
pub struct Samples {
    /// Number of samples.
    pub n: usize,
    /// Per tensor (in the order asked for): `n * numel` values.
    pub data: Vec<Vec<f32>>,
}

/// Reads `path` and checks it holds exactly the arrays of `specs`: float32, shaped
/// `[N, *spec.shape]` with the same N for all.
pub fn read(path: &Path, specs: &[Spec]) -> Result<Samples> {
    let file =
        File::open(path).map_err(|e| Error::new(format!("cannot open: {e}")).in_file(path))?;
    read_from(file, path, specs)
}

/// [`read`] from any seekable reader (bytes in memory, for tests and fuzzing); `path`
/// only names the archive in messages.
pub fn read_from<R: Read + Seek>(reader: R, path: &Path, specs: &[Spec]) -> Result<Samples> {
    let mut npz = NpzReader::new(reader)
        .map_err(|e| Error::new(format!("not a valid npz (zip) file: {e}")).in_file(path))?;
    let names: Vec<String> = npz
        .names()
        .map_err(|e| Error::new(format!("cannot list arrays: {e}")).in_file(path))?;
    let keys: Vec<String> = names
        .iter()
        .map(|n| n.strip_suffix(".npy").unwrap_or(n).to_string())
        .collect();
    let expected: Vec<&str> = specs.iter().map(|s| s.name.as_str()).collect();
    if let Some(extra) = keys.iter().find(|k| !expected.contains(&k.as_str())) {
        return Err(Error::new(format!(
            "unexpected array '{extra}' (the model's inputs are: {})",
            expected.join(", ")
        ))
        .in_file(path));
    }
    let mut n = None;
    let mut data = Vec::new();
    for spec in specs {
        let Some(i) = keys.iter().position(|k| *k == spec.name) else {
            return Err(Error::new(format!(
                "missing array '{}' (found: {})",
                spec.name,
                if keys.is_empty() {
                    "none".into()
                } else {
                    keys.join(", ")
                }
            ))
            .in_file(path));
        };
        let arr: ArrayD<f32> = npz.by_name(&names[i]).map_err(|e| {
            Error::new(format!(
                "array '{}' is not a float32 array of shape [N, {}]: {e}",
                spec.name,
                dims(&spec.shape)
            ))
            .in_file(path)
        })?;
        let shape = arr.shape();
        if shape.len() != spec.shape.len() + 1 || shape[1..] != spec.shape[..] {
            return Err(Error::new(format!(
                "array '{}' has shape {:?}; expected [N, {}] (N samples of the input's shape)",
                spec.name,
                shape,
                dims(&spec.shape)
            ))
            .in_file(path));
        }
        match n {
            None => n = Some(shape[0]),
            Some(n0) if n0 != shape[0] => {
                return Err(Error::new(format!(
                    "array '{}' has {} samples but an earlier array has {n0}",
                    spec.name, shape[0]
                ))
                .in_file(path));
            }
            _ => {}
        }
        data.push(arr.iter().copied().collect());
    }
    let n = n.unwrap_or(0);
    if n == 0 {
        return Err(Error::new("no samples").in_file(path));
    }
    Ok(Samples { n, data })
}

fn dims(s: &[usize]) -> String {
    s.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes `samples` (shaped by `specs`) to `path` atomically.
pub fn write(path: &Path, specs: &[Spec], samples: &Samples) -> Result<()> {
    let dir = path
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let err = |e: String| Error::new(format!("cannot write: {e}")).in_file(path);
    let tmp = tempfile::NamedTempFile::new_in(dir).map_err(|e| err(e.to_string()))?;
    let mut w = NpzWriter::new(tmp.reopen().map_err(|e| err(e.to_string()))?);
    for (spec, data) in specs.iter().zip(&samples.data) {
        let mut shape = vec![samples.n];
        shape.extend(&spec.shape);
        let arr =
            ArrayD::from_shape_vec(IxDyn(&shape), data.clone()).map_err(|e| err(e.to_string()))?;
        w.add_array(spec.name.as_str(), &arr)
            .map_err(|e| err(e.to_string()))?;
    }
    w.finish().map_err(|e| err(e.to_string()))?;
    tmp.persist(path).map_err(|e| err(e.error.to_string()))?;
    Ok(())
}
