//! `tinymtl inspect --html`: a self-contained page picturing the model.

use crate::passes::Compiled;

/// The page for a compiled model read from `file`.
pub fn html(c: &Compiled, file: &str) -> String {
    let _ = c;
    format!("<!doctype html><title>{file}</title><p>not yet</p>")
}
