//! Protobuf level: decoding the model, the default-domain opset, initializer data
//! (inline or external) and declared value types.

use std::io::{Read, Seek, SeekFrom};
use std::path::{Component, Path, PathBuf};

use prost::Message;

use super::file::open_regular;
use super::onnx::tensor_proto::{DataLocation, DataType};
use super::onnx::type_proto;
use super::onnx::{tensor_shape_proto::dimension, ModelProto, TensorProto, ValueInfoProto};
use super::value::{Const, DType, Data};
use crate::error::{Error, Result};
use crate::ir::shape;

/// Lowest default-domain opset accepted.
pub(crate) const MIN_OPSET: i64 = 11;

/// Largest constant (in elements) the loader will materialize.
const MAX_CONST_ELEMS: usize = 1 << 28;

/// Decodes `bytes` as an ONNX `ModelProto`.
pub(crate) fn decode(bytes: &[u8]) -> Result<ModelProto> {
    if bytes.is_empty() {
        return Err(Error::new("empty file (expected an ONNX model)"));
    }
    let model = ModelProto::decode(bytes).map_err(|e| {
        Error::new(format!(
            "not a valid ONNX model (protobuf decoding failed: {e}); the file may be truncated or corrupt"
        ))
    })?;
    if model.graph.is_none() {
        if model.ir_version.is_none() && model.opset_import.is_empty() {
            return Err(Error::new(
                "not an ONNX model (no ir_version, opset_import or graph found)",
            ));
        }
        return Err(Error::new("the ONNX model has no graph"));
    }
    Ok(model)
}

/// Whether `domain` is the default ONNX operator domain.
pub(crate) fn is_default_domain(domain: &str) -> bool {
    domain.is_empty() || domain == "ai.onnx"
}

/// The default-domain opset version of `imports`, checked against [`MIN_OPSET`].
pub(crate) fn default_opset(imports: &[super::onnx::OperatorSetIdProto]) -> Result<Option<i64>> {
    let found = imports
        .iter()
        .filter(|o| is_default_domain(o.domain()))
        .map(|o| o.version())
        .max();
    if let Some(v) = found {
        if v < MIN_OPSET {
            return Err(Error::new(format!(
                "default-domain opset {v} is too old: opset {MIN_OPSET} or newer is required \
                 (re-export the model with a newer opset, e.g. opset_version=17)"
            )));
        }
    }
    Ok(found)
}

/// Size in bytes of one element of a fixed-size type, with its type class.
fn elem_size(dt: DataType) -> Option<usize> {
    Some(match dt {
        DataType::Float | DataType::Int32 | DataType::Uint32 => 4,
        DataType::Double | DataType::Int64 | DataType::Uint64 => 8,
        DataType::Float16 | DataType::Bfloat16 | DataType::Int16 | DataType::Uint16 => 2,
        DataType::Int8 | DataType::Uint8 | DataType::Bool => 1,
        _ => return None,
    })
}

/// Converts dims of a `TensorProto` to a static shape.
fn tensor_dims(t: &TensorProto) -> Result<Vec<usize>> {
    let shape = t
        .dims
        .iter()
        .map(|&d| usize::try_from(d).map_err(|_| Error::new(format!("negative dimension {d}"))))
        .collect::<Result<Vec<_>>>()?;
    shape::numel(&shape)
        .ok_or_else(|| Error::new(format!("element count of shape {shape:?} overflows usize")))?;
    Ok(shape)
}

/// Converts a `TensorProto` (initializer or attribute) into a constant named `name`.
/// `model_path` locates external data. Errors carry the tensor name.
pub(crate) fn tensor_to_const(t: &TensorProto, name: &str, model_path: &Path) -> Result<Const> {
    convert_tensor(t, name, model_path).map_err(|e| e.on_tensor(name))
}

fn convert_tensor(t: &TensorProto, name: &str, model_path: &Path) -> Result<Const> {
    let shape = tensor_dims(t)?;
    let n = shape::numel(&shape).unwrap_or(usize::MAX);
    if n > MAX_CONST_ELEMS {
        crate::bail!("{n} elements is more than this tool handles ({MAX_CONST_ELEMS})");
    }
    let code = t.data_type();
    let dt =
        DataType::try_from(code).map_err(|_| Error::new(format!("unknown data type {code}")))?;
    let dtype = DType(code);
    let size = match elem_size(dt) {
        Some(s) if dtype.is_float() || dtype.is_int() => s,
        _ => crate::bail!(
            "data type {} is not supported (supported: FLOAT, DOUBLE, FLOAT16, BFLOAT16, \
             and integer/bool constants for shape arithmetic)",
            dt.as_str_name()
        ),
    };
    if t.segment.is_some() {
        crate::bail!("segmented tensors are not supported");
    }
    let external = t.data_location == Some(DataLocation::External as i32);
    let raw_owned;
    let raw: Option<&[u8]> = if external {
        raw_owned = read_external(t, n * size, model_path)?;
        Some(&raw_owned)
    } else {
        t.raw_data.as_deref()
    };
    let data = match raw {
        Some(raw) => {
            if raw.len() != n * size {
                crate::bail!(
                    "raw data has {} bytes, but shape {shape:?} of {} needs {}",
                    raw.len(),
                    dt.as_str_name(),
                    n * size
                );
            }
            decode_raw(dt, raw)
        }
        None => decode_typed(t, dt, n, &shape)?,
    };
    Ok(Const {
        name: name.to_string(),
        dtype,
        shape,
        data,
    })
}

fn decode_raw(dt: DataType, raw: &[u8]) -> Data {
    fn chunks<const N: usize>(raw: &[u8]) -> impl Iterator<Item = [u8; N]> + '_ {
        raw.chunks_exact(N).map(|c| {
            let mut a = [0u8; N];
            a.copy_from_slice(c);
            a
        })
    }
    match dt {
        DataType::Float => Data::F(chunks::<4>(raw).map(f32::from_le_bytes).collect()),
        DataType::Double => Data::F(
            chunks::<8>(raw)
                .map(|b| f64::from_le_bytes(b) as f32)
                .collect(),
        ),
        DataType::Float16 => Data::F(
            chunks::<2>(raw)
                .map(|b| half::f16::from_le_bytes(b).to_f32())
                .collect(),
        ),
        DataType::Bfloat16 => Data::F(
            chunks::<2>(raw)
                .map(|b| half::bf16::from_le_bytes(b).to_f32())
                .collect(),
        ),
        DataType::Int64 => Data::I(chunks::<8>(raw).map(i64::from_le_bytes).collect()),
        DataType::Uint64 => Data::I(
            chunks::<8>(raw)
                .map(|b| u64::from_le_bytes(b) as i64)
                .collect(),
        ),
        DataType::Int32 => Data::I(
            chunks::<4>(raw)
                .map(|b| i64::from(i32::from_le_bytes(b)))
                .collect(),
        ),
        DataType::Uint32 => Data::I(
            chunks::<4>(raw)
                .map(|b| i64::from(u32::from_le_bytes(b)))
                .collect(),
        ),
        DataType::Int16 => Data::I(
            chunks::<2>(raw)
                .map(|b| i64::from(i16::from_le_bytes(b)))
                .collect(),
        ),
        DataType::Uint16 => Data::I(
            chunks::<2>(raw)
                .map(|b| i64::from(u16::from_le_bytes(b)))
                .collect(),
        ),
        DataType::Int8 => Data::I(raw.iter().map(|&b| i64::from(b as i8)).collect()),
        DataType::Uint8 => Data::I(raw.iter().map(|&b| i64::from(b)).collect()),
        DataType::Bool => Data::I(raw.iter().map(|&b| i64::from(b != 0)).collect()),
        _ => unreachable!("checked by elem_size"),
    }
}

fn decode_typed(t: &TensorProto, dt: DataType, n: usize, shape: &[usize]) -> Result<Data> {
    let (data, field) = match dt {
        DataType::Float => (Data::F(t.float_data.clone()), "float_data"),
        DataType::Double => (
            Data::F(t.double_data.iter().map(|&x| x as f32).collect()),
            "double_data",
        ),
        DataType::Float16 => (
            Data::F(
                t.int32_data
                    .iter()
                    .map(|&x| half::f16::from_bits(x as u16).to_f32())
                    .collect(),
            ),
            "int32_data",
        ),
        DataType::Bfloat16 => (
            Data::F(
                t.int32_data
                    .iter()
                    .map(|&x| half::bf16::from_bits(x as u16).to_f32())
                    .collect(),
            ),
            "int32_data",
        ),
        DataType::Int64 => (Data::I(t.int64_data.clone()), "int64_data"),
        DataType::Uint32 | DataType::Uint64 => (
            Data::I(t.uint64_data.iter().map(|&x| x as i64).collect()),
            "uint64_data",
        ),
        DataType::Bool => (
            Data::I(t.int32_data.iter().map(|&x| i64::from(x != 0)).collect()),
            "int32_data",
        ),
        _ => (
            Data::I(t.int32_data.iter().map(|&x| i64::from(x)).collect()),
            "int32_data",
        ),
    };
    if data.len() != n {
        if data.len() == 0 {
            crate::bail!(
                "no data: shape {shape:?} needs {n} elements but neither raw_data nor {field} is set"
            );
        }
        crate::bail!(
            "{field} has {} elements, but shape {shape:?} needs {n}",
            data.len()
        );
    }
    Ok(data)
}

/// Reads the bytes of an externally stored tensor (`data_location = EXTERNAL`),
/// relative to the model's folder, refusing locations outside it.
fn read_external(t: &TensorProto, expected: usize, model_path: &Path) -> Result<Vec<u8>> {
    let mut location = None;
    let mut offset = 0u64;
    let mut length = None;
    let mut keys = std::collections::HashSet::new();
    for kv in &t.external_data {
        if !keys.insert(kv.key()) {
            crate::bail!(
                "external data key '{}' appears more than once; each key may be given once",
                kv.key()
            );
        }
        let value = kv.value();
        let parse = |what: &str| {
            value.parse::<u64>().map_err(|_| {
                Error::new(format!(
                    "external data {what} '{value}' is not a non-negative integer"
                ))
            })
        };
        match kv.key() {
            "location" => location = Some(value.to_string()),
            "offset" => offset = parse("offset")?,
            "length" => length = Some(parse("length")?),
            _ => {} // checksum, basepath...: not needed
        }
    }
    let Some(location) = location else {
        crate::bail!("external data without a 'location' key");
    };
    let rel = Path::new(&location);
    if rel.is_absolute()
        || rel.has_root()
        || location.starts_with('/')
        || location.starts_with('\\')
    {
        crate::bail!(
            "external data location '{location}' is absolute; only paths relative to the \
             model's folder are accepted"
        );
    }
    if rel
        .components()
        .any(|c| !matches!(c, Component::Normal(_) | Component::CurDir))
    {
        crate::bail!(
            "external data location '{location}' leaves the model's folder; only paths inside \
             it are accepted"
        );
    }
    let dir = match model_path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    };
    let file_path = dir.join(rel);
    let shown = file_path.display();
    let real = file_path.canonicalize().map_err(|e| {
        Error::new(format!(
            "external data file '{shown}' cannot be opened: {e}"
        ))
    })?;
    let real_dir = dir.canonicalize().map_err(|e| {
        Error::new(format!(
            "the model's folder '{}' cannot be resolved: {e}",
            dir.display()
        ))
    })?;
    if !real.starts_with(&real_dir) {
        crate::bail!(
            "external data location '{location}' resolves to '{}', outside the model's folder \
             '{}' (symbolic link?); refused",
            real.display(),
            real_dir.display()
        );
    }
    let (mut f, file_len) = open_regular(&real).map_err(|e| {
        Error::new(format!(
            "external data file '{shown}' cannot be opened: {e}"
        ))
    })?;
    if let Some(length) = length {
        if length != expected as u64 {
            crate::bail!(
                "external data length {length} bytes (file '{shown}', offset {offset}) does not \
                 match the {expected} bytes its shape and type need"
            );
        }
    }
    let end = offset.saturating_add(expected as u64);
    if end > file_len {
        crate::bail!(
            "external data file '{shown}' is too short: {file_len} bytes, but the tensor \
             needs bytes {offset}..{end}"
        );
    }
    let mut buf = vec![0u8; expected];
    f.seek(SeekFrom::Start(offset))
        .and_then(|_| f.read_exact(&mut buf))
        .map_err(|e| Error::new(format!("external data file '{shown}': read failed: {e}")))?;
    Ok(buf)
}

/// A declared dimension: a fixed size, or symbolic/unknown.
pub(crate) type DeclDim = Option<usize>;

/// The element type and shape a `ValueInfoProto` declares (shape `None` if unknown
/// rank; dims `None` where symbolic, missing or non-positive). `None` if it declares
/// no tensor type at all.
pub(crate) fn declared_type(vi: &ValueInfoProto) -> Option<(DType, Option<Vec<DeclDim>>)> {
    let Some(type_proto::Value::TensorType(tt)) = vi.r#type.as_ref().and_then(|t| t.value.as_ref())
    else {
        return None;
    };
    let dims = tt.shape.as_ref().map(|s| {
        s.dim
            .iter()
            .map(|d| match d.value {
                Some(dimension::Value::DimValue(v)) if v > 0 => Some(v as usize),
                _ => None,
            })
            .collect()
    });
    Some((DType(tt.elem_type()), dims))
}

/// The name of each declared dimension: its `dim_param` (empty where the dim is fixed
/// or unnamed).
pub(crate) fn dim_names(vi: &ValueInfoProto) -> Vec<String> {
    let Some(type_proto::Value::TensorType(tt)) = vi.r#type.as_ref().and_then(|t| t.value.as_ref())
    else {
        return Vec::new();
    };
    tt.shape
        .as_ref()
        .map(|s| {
            s.dim
                .iter()
                .map(|d| match &d.value {
                    Some(dimension::Value::DimParam(p)) => p.clone(),
                    _ => String::new(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Whether the value info declares a non-tensor type (sequence, map, ...).
pub(crate) fn declares_non_tensor(vi: &ValueInfoProto) -> bool {
    matches!(
        vi.r#type.as_ref().and_then(|t| t.value.as_ref()),
        Some(v) if !matches!(v, type_proto::Value::TensorType(_))
    )
}
