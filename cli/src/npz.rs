//! Sample files: `.npz` archives of `float32` arrays keyed by ONNX tensor name, each
//! holding N samples stacked on a new leading axis.

use ndarray::{ArrayD, IxDyn};
use ndarray_npy::{NpzWriter, ReadNpyExt};
use std::io::{Read, Seek};
use std::path::Path;
use tinymtl_codegen::{Error, Result};

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
    // A regular file only: a FIFO or device given as the samples would block or
    // stream forever.
    let (file, _) = tinymtl_codegen::load::open_regular(path)
        .map_err(|e| Error::new(format!("cannot open: {e}")).in_file(path))?;
    read_from(file, path, specs)
}

/// Largest array `read` accepts, in bytes of data (a guard against archives whose
/// headers or compressed entries claim more than memory holds).
pub const MAX_ARRAY_BYTES: u64 = 1 << 31;

/// [`read`] from any seekable reader (bytes in memory, for tests and fuzzing); `path`
/// only names the archive in messages.
pub fn read_from<R: Read + Seek>(reader: R, path: &Path, specs: &[Spec]) -> Result<Samples> {
    let mut zip = zip::ZipArchive::new(reader)
        .map_err(|e| Error::new(format!("not a valid npz (zip) file: {e}")).in_file(path))?;
    let names: Vec<String> = zip.file_names().map(str::to_string).collect();
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
        let bad = |e: String| {
            Error::new(format!(
                "array '{}' is not a float32 array of shape [N, {}]: {e}",
                spec.name,
                dims(&spec.shape)
            ))
            .in_file(path)
        };
        let entry = zip.by_name(&names[i]).map_err(|e| bad(e.to_string()))?;
        let bytes = read_npy_bytes(entry).map_err(bad)?;
        let arr = ArrayD::<f32>::read_npy(&bytes[..]).map_err(|e| bad(e.to_string()))?;
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

/// Reads one `.npy` entry, refusing before any large allocation a header whose shape
/// claims more data than the entry holds (or more than [`MAX_ARRAY_BYTES`]): the npy
/// decoder sizes its buffer from the header alone.
fn read_npy_bytes(entry: impl Read) -> std::result::Result<Vec<u8>, String> {
    let mut entry = entry.take(MAX_ARRAY_BYTES + (1 << 20));
    // Preamble: magic, version, header length (u16 in version 1, u32 after).
    let mut pre = [0u8; 10];
    entry
        .read_exact(&mut pre)
        .map_err(|_| "the .npy header is cut short".to_string())?;
    if &pre[..6] != b"\x93NUMPY" {
        return Err("not a .npy array (bad magic)".into());
    }
    let mut bytes = pre.to_vec();
    let header_len = match pre[6] {
        1 => u16::from_le_bytes([pre[8], pre[9]]) as usize,
        2 | 3 => {
            let mut more = [0u8; 2];
            entry
                .read_exact(&mut more)
                .map_err(|_| "the .npy header is cut short".to_string())?;
            bytes.extend_from_slice(&more);
            u32::from_le_bytes([pre[8], pre[9], more[0], more[1]]) as usize
        }
        v => return Err(format!("unsupported .npy version {v}")),
    };
    if header_len > 1 << 20 {
        return Err(format!(
            ".npy header of {header_len} bytes is implausibly long"
        ));
    }
    let start = bytes.len();
    bytes.resize(start + header_len, 0);
    entry
        .read_exact(&mut bytes[start..])
        .map_err(|_| "the .npy header is cut short".to_string())?;
    let header = String::from_utf8_lossy(&bytes[start..]).into_owned();
    let shape = npy_shape(&header).ok_or("the .npy header has no readable 'shape'")?;
    let need = shape
        .iter()
        .try_fold(4u64, |acc, &d| acc.checked_mul(d))
        .filter(|&b| b <= MAX_ARRAY_BYTES)
        .ok_or_else(|| {
            format!(
                "shape {shape:?} is too large (more than {} bytes)",
                MAX_ARRAY_BYTES
            )
        })?;
    // Read what is there (at most a little more than a float32 array of that shape
    // needs; wider types are refused by the decoder anyway).
    let before = bytes.len();
    (&mut entry)
        .take(need.saturating_mul(2))
        .read_to_end(&mut bytes)
        .map_err(|e| format!("cannot read the array data: {e}"))?;
    let got = (bytes.len() - before) as u64;
    if got < need {
        return Err(format!(
            "shape {shape:?} needs {need} bytes of data but the array holds {got}"
        ));
    }
    Ok(bytes)
}

/// The `shape` tuple of an npy header dict (`{'descr': '<f4', 'fortran_order': False,
/// 'shape': (2, 1, 4), }`).
fn npy_shape(header: &str) -> Option<Vec<u64>> {
    let at = header
        .find("'shape'")
        .or_else(|| header.find("\"shape\""))?;
    let rest = &header[at + 7..];
    let rest = rest.trim_start().strip_prefix(':')?.trim_start();
    let inner = &rest.strip_prefix('(')?[..rest[1..].find(')')?];
    inner
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.trim_end_matches('L').parse().ok())
        .collect()
}

/// The values of one array as [`read_arrays`] finds it.
#[derive(Clone, Debug, PartialEq)]
pub enum Values {
    /// float32.
    F32(Vec<f32>),
    /// int64: class labels.
    I64(Vec<i64>),
    /// numpy unicode strings (`<U`): class names.
    Text(Vec<String>),
}

/// One array of an npz, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct Array {
    /// The key (entry name without `.npy`).
    pub name: String,
    /// The full shape, leading axis included.
    pub shape: Vec<usize>,
    /// Its elements in C order.
    pub values: Values,
}

/// Every array of the npz at `path`, in archive order, checked against no model:
/// labels and class names for tools that score a model's outputs. Each array is
/// float32, int64 or unicode text, of at most [`MAX_ARRAY_BYTES`].
pub fn read_arrays(path: &Path) -> Result<Vec<Array>> {
    let (file, _) = tinymtl_codegen::load::open_regular(path)
        .map_err(|e| Error::new(format!("cannot open: {e}")).in_file(path))?;
    let mut zip = zip::ZipArchive::new(file)
        .map_err(|e| Error::new(format!("not a valid npz (zip) file: {e}")).in_file(path))?;
    let mut out = Vec::new();
    for i in 0..zip.len() {
        let mut entry = zip
            .by_index(i)
            .map_err(|e| Error::new(format!("entry {i}: {e}")).in_file(path))?;
        let name = entry.name().trim_end_matches(".npy").to_string();
        let bad = |e: String| Error::new(format!("array '{name}': {e}")).in_file(path);
        let mut bytes = Vec::new();
        (&mut entry)
            .take(MAX_ARRAY_BYTES + (1 << 20))
            .read_to_end(&mut bytes)
            .map_err(|e| bad(e.to_string()))?;
        let (shape, values) = decode_any(&bytes).map_err(bad)?;
        out.push(Array {
            name,
            shape,
            values,
        });
    }
    Ok(out)
}

/// Shape and values of one `.npy` of a dtype [`read_arrays`] takes; the data's length
/// is checked against the header before the decoder allocates.
fn decode_any(b: &[u8]) -> std::result::Result<(Vec<usize>, Values), String> {
    let (len, start) = match b.get(..10) {
        Some([0x93, b'N', b'U', b'M', b'P', b'Y', 1, _, l0, l1]) => {
            (u16::from_le_bytes([*l0, *l1]) as usize, 10)
        }
        Some([0x93, b'N', b'U', b'M', b'P', b'Y', 2 | 3, _, ..]) if b.len() >= 12 => {
            (u32::from_le_bytes([b[8], b[9], b[10], b[11]]) as usize, 12)
        }
        _ => return Err("not a .npy array".into()),
    };
    let header = b
        .get(start..start + len)
        .ok_or("the .npy header is cut short")?;
    let header = String::from_utf8_lossy(header);
    let shape: Vec<usize> = npy_shape(&header)
        .ok_or("the .npy header has no readable 'shape'")?
        .into_iter()
        .map(|d| d as usize)
        .collect();
    let at = header
        .find("'descr'")
        .ok_or("the .npy header has no 'descr'")?;
    let descr = header[at + 7..].split('\'').nth(1).unwrap_or("");
    let size = match descr.get(1..) {
        Some("f4") => 4,
        Some("i8") => 8,
        Some(u) if u.starts_with('U') => 4 * u[1..].parse::<usize>().map_err(|_| descr)?,
        _ => return Err(format!("dtype {descr} is not float32, int64 or text")),
    };
    let data = &b[start + len..];
    let need = shape
        .iter()
        .try_fold(size as u64, |a, &d| a.checked_mul(d as u64));
    if need.is_none_or(|n| n > data.len() as u64) {
        return Err(format!(
            "shape {shape:?} needs more data than the array holds"
        ));
    }
    let e = |e: ndarray_npy::ReadNpyError| e.to_string();
    let values = match descr.get(1..) {
        Some("f4") => Values::F32(ArrayD::<f32>::read_npy(b).map_err(e)?.into_iter().collect()),
        Some("i8") => Values::I64(ArrayD::<i64>::read_npy(b).map_err(e)?.into_iter().collect()),
        _ if header.contains("'fortran_order': True") && shape.len() > 1 => {
            return Err("Fortran-ordered text arrays are not supported".into())
        }
        _ => {
            let big = descr.starts_with('>');
            Values::Text(
                data.chunks_exact(size.max(1))
                    .take(shape.iter().product())
                    .map(|s| {
                        s.chunks_exact(4)
                            .map(|c| [c[0], c[1], c[2], c[3]])
                            .map(|c| {
                                if big {
                                    u32::from_be_bytes(c)
                                } else {
                                    u32::from_le_bytes(c)
                                }
                            })
                            .take_while(|&c| c != 0)
                            .filter_map(char::from_u32)
                            .collect()
                    })
                    .collect(),
            )
        }
    };
    Ok((shape, values))
}

fn dims(s: &[usize]) -> String {
    s.iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

/// Writes `samples` (shaped by `specs`) to `path` atomically
/// (`builder::write_atomic_with`, the one atomic writer).
pub fn write(path: &Path, specs: &[Spec], samples: &Samples) -> Result<()> {
    tinymtl_codegen::write_atomic_with(path, |file| {
        let mut w = NpzWriter::new(file);
        for (spec, data) in specs.iter().zip(&samples.data) {
            let mut shape = vec![samples.n];
            shape.extend(&spec.shape);
            let arr = ArrayD::from_shape_vec(IxDyn(&shape), data.clone())
                .map_err(std::io::Error::other)?;
            w.add_array(spec.name.as_str(), &arr)
                .map_err(std::io::Error::other)?;
        }
        w.finish().map_err(std::io::Error::other)?;
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::{Cursor, Write};

    fn npy(header: &str, data: &[u8]) -> Vec<u8> {
        let mut h = header.as_bytes().to_vec();
        while !(h.len() + 11).is_multiple_of(64) {
            h.push(b' ');
        }
        h.push(b'\n');
        let mut out = b"\x93NUMPY\x01\x00".to_vec();
        out.extend_from_slice(&(h.len() as u16).to_le_bytes());
        out.extend_from_slice(&h);
        out.extend_from_slice(data);
        out
    }

    fn zip_of(entries: &[(&str, Vec<u8>)]) -> Vec<u8> {
        let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
        for (name, bytes) in entries {
            w.start_file(*name, zip::write::SimpleFileOptions::default())
                .unwrap();
            w.write_all(bytes).unwrap();
        }
        w.finish().unwrap().into_inner()
    }

    fn spec() -> Vec<Spec> {
        vec![Spec {
            name: "x".into(),
            shape: vec![1, 2],
        }]
    }

    #[test]
    fn reads_little_and_big_endian_and_fortran_order() {
        let le: Vec<u8> = [1f32, 2., 3., 4.]
            .iter()
            .flat_map(|v| v.to_le_bytes())
            .collect();
        let h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2, 1, 2), }";
        let s = read_from(
            Cursor::new(zip_of(&[("x.npy", npy(h, &le))])),
            Path::new("t.npz"),
            &spec(),
        )
        .unwrap();
        assert_eq!((s.n, s.data[0].clone()), (2, vec![1., 2., 3., 4.]));
        let be: Vec<u8> = [1f32, 2., 3., 4.]
            .iter()
            .flat_map(|v| v.to_be_bytes())
            .collect();
        let h = "{'descr': '>f4', 'fortran_order': True, 'shape': (2, 1, 2), }";
        let s = read_from(
            Cursor::new(zip_of(&[("x.npy", npy(h, &be))])),
            Path::new("t.npz"),
            &spec(),
        )
        .unwrap();
        assert_eq!(s.data[0], vec![1., 3., 2., 4.]);
    }

    #[test]
    fn huge_or_overflowing_shapes_are_refused_before_allocating() {
        for shape in [
            "(999999999999, 1, 2)",
            "(4611686018427387904, 4611686018427387904, 2)",
        ] {
            for descr in ["<f4", "<f8", "|u1"] {
                let h =
                    format!("{{'descr': '{descr}', 'fortran_order': False, 'shape': {shape}, }}");
                let z = zip_of(&[("x.npy", npy(&h, &[0; 64]))]);
                let e = read_from(Cursor::new(z), Path::new("t.npz"), &spec()).unwrap_err();
                assert!(e.to_string().contains("t.npz: array 'x'"), "{e}");
            }
        }
        // Short data, cut headers, missing shape.
        let h = "{'descr': '<f4', 'fortran_order': False, 'shape': (3, 1, 2), }";
        let e = read_from(
            Cursor::new(zip_of(&[("x.npy", npy(h, &[0; 20]))])),
            Path::new("t.npz"),
            &spec(),
        )
        .unwrap_err();
        assert!(e.to_string().contains("needs 24 bytes"), "{e}");
        for bytes in [b"\x93NUMPY\x01".to_vec(), npy("{'descr': '<f4'}", &[])] {
            let e = read_from(
                Cursor::new(zip_of(&[("x.npy", bytes)])),
                Path::new("t.npz"),
                &spec(),
            )
            .unwrap_err();
            assert!(e.to_string().contains("array 'x'"), "{e}");
        }
    }

    #[test]
    fn reads_labels_and_class_names() {
        let ints: Vec<u8> = [2i64, 0].iter().flat_map(|v| v.to_le_bytes()).collect();
        let text: Vec<u8> = "ab\0cde"
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        let z = zip_of(&[
            (
                "y.npy",
                npy(
                    "{'descr': '<i8', 'fortran_order': False, 'shape': (2,), }",
                    &ints,
                ),
            ),
            (
                "names.npy",
                npy(
                    "{'descr': '<U3', 'fortran_order': False, 'shape': (2,), }",
                    &text,
                ),
            ),
        ]);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("l.npz");
        std::fs::write(&path, z).unwrap();
        let a = read_arrays(&path).unwrap();
        assert_eq!((a[0].name.as_str(), &a[0].shape[..]), ("y", &[2][..]));
        assert_eq!(a[0].values, Values::I64(vec![2, 0]));
        assert_eq!(a[1].values, Values::Text(vec!["ab".into(), "cde".into()]));
        // A header claiming more than the data holds is refused.
        let z = zip_of(&[(
            "y.npy",
            npy(
                "{'descr': '<i8', 'fortran_order': False, 'shape': (9,), }",
                &ints,
            ),
        )]);
        std::fs::write(&path, z).unwrap();
        let e = read_arrays(&path).unwrap_err().to_string();
        assert!(e.contains("array 'y'"), "{e}");
    }
}
