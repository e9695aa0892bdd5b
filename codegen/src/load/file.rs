//! Reading untrusted files (the model, external data): only regular files, checked
//! before they are opened and again on the open handle, so a FIFO, a device such as
//! `/dev/zero` or a directory is refused at once instead of blocking or streaming
//! forever; the model is read with a bounded reader.

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::Path;

use crate::error::{Error, Result};

/// Largest model file read: 2 GiB. A protobuf message cannot be larger (its sizes are
/// 32-bit signed); bigger weights must be stored as external data.
pub const MAX_MODEL_BYTES: u64 = 1 << 31;

/// What `meta` is, if it is not a regular file.
fn not_regular(meta: &Metadata) -> Option<&'static str> {
    let ft = meta.file_type();
    if ft.is_file() {
        return None;
    }
    if ft.is_dir() {
        return Some("a directory");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if ft.is_char_device() {
            return Some("a character device");
        }
        if ft.is_block_device() {
            return Some("a block device");
        }
        if ft.is_socket() {
            return Some("a socket");
        }
    }
    Some("a special file")
}

/// Opens `path` if it is a regular file, with its length. The error is the reason
/// alone (callers say which file and what for).
pub fn open_regular(path: &Path) -> std::result::Result<(File, u64), String> {
    let check = |meta: &Metadata| match not_regular(meta) {
        Some(what) => Err(format!("it is {what}, not a regular file")),
        None => Ok(()),
    };
    // Before opening: opening a FIFO blocks until someone writes to it.
    check(&std::fs::metadata(path).map_err(|e| e.to_string())?)?;
    let f = File::open(path).map_err(|e| e.to_string())?;
    let meta = f.metadata().map_err(|e| e.to_string())?;
    check(&meta)?;
    Ok((f, meta.len()))
}

/// Reads the model file at `path`: a regular file of at most [`MAX_MODEL_BYTES`],
/// checked before reading. Errors name the file.
pub fn read_model_file(path: &Path) -> Result<Vec<u8>> {
    let err = |m: String| Error::new(format!("cannot read the model: {m}")).in_file(path);
    let (f, len) = open_regular(path).map_err(err)?;
    let too_big = |n: u64| {
        err(format!(
            "the file has {n} bytes, more than the {MAX_MODEL_BYTES} (2 GiB) a protobuf \
             model can hold; store large weights as external data"
        ))
    };
    if len > MAX_MODEL_BYTES {
        return Err(too_big(len));
    }
    let mut bytes = Vec::with_capacity(len as usize);
    f.take(MAX_MODEL_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| err(e.to_string()))?;
    if bytes.len() as u64 > MAX_MODEL_BYTES {
        return Err(too_big(bytes.len() as u64)); // grew while being read
    }
    Ok(bytes)
}
