//! The generated `weights` module: small tensors as array literals (through the
//! data markers of [`super::markers`]), large ones in the weight blob written beside
//! the module and viewed through `tinymtl_runtime::{F16Data, F32Data}`.

use super::markers::Markers;
use super::{code_span, ident, lit, Names, SourceInfo, INLINE_MAX};
use crate::ir::program::Storage;
use crate::passes::Compiled;
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// The generated `weights` module.
pub(super) struct WeightsModule {
    /// Its items.
    pub tokens: TokenStream,
    /// The weight blob (file name, bytes) when some tensor is larger than
    /// [`INLINE_MAX`] values.
    pub blob: Option<(String, Vec<u8>)>,
    /// How many weight-data markers the items hold (one per array literal).
    pub data_markers: usize,
}

/// The `weights` module: small tensors as array literals, large ones in the blob.
pub(super) fn weights_module(
    c: &Compiled,
    n: &Names,
    mk: &Markers,
    src: &SourceInfo,
) -> crate::Result<WeightsModule> {
    let p = &c.program;
    let used = c.used_consts();
    // Every literal must compile: the passes never store a non-finite constant
    // (refused or left unfused), and this keeps it so.
    if let Some(k) = p
        .consts
        .iter()
        .enumerate()
        .find(|&(i, k)| used[i] && k.data.iter().any(|v| !v.is_finite()))
        .map(|(_, k)| k)
    {
        return Err(crate::Error::new(
            "internal error: a constant is not finite in f32 after folding",
        )
        .on_tensor(&k.name));
    }

    let data_macro = format_ident!("{}", mk.data);
    let mut blob: Vec<u8> = Vec::new();
    let mut items = Vec::new();
    let mut tensors_in_blob = 0;
    for (i, k) in p.consts.iter().enumerate().filter(|&(i, _)| used[i]) {
        let name = ident(&n.consts[i]);
        let len = lit(k.data.len());
        let doc = format!(" {}, shape {:?}.", code_span(&k.name), k.shape);
        if k.data.len() <= INLINE_MAX {
            let marker = Literal::usize_unsuffixed(i);
            items.push(match k.storage {
                Storage::F16 => quote!(#[doc = #doc] pub static #name: Weights<#len> = Weights::from_bits(#data_macro!(#marker));),
                Storage::F32 => quote!(#[doc = #doc] pub static #name: [f32; #len] = #data_macro!(#marker);),
            });
            continue;
        }
        tensors_in_blob += 1;
        blob.resize(blob.len().next_multiple_of(BLOB_ALIGN), 0);
        let off = lit(blob.len());
        items.push(match k.storage {
            Storage::F16 => {
                for &v in &k.data {
                    blob.extend_from_slice(&crate::passes::consts::f16_bits(v).to_le_bytes());
                }
                quote!(#[doc = #doc] pub static #name: F16Data = BLOB.f16s(#off, #len);)
            }
            Storage::F32 => {
                for &v in &k.data {
                    blob.extend_from_slice(&v.to_le_bytes());
                }
                quote!(#[doc = #doc] pub static #name: F32Data = BLOB.f32s(#off, #len);)
            }
        });
    }
    let data_markers = items.len() - tensors_in_blob;
    if blob.is_empty() {
        return Ok(WeightsModule {
            tokens: quote!(use tinymtl_runtime::Weights; #(#items)*),
            blob: None,
            data_markers,
        });
    }
    blob.resize(blob.len().next_multiple_of(BLOB_ALIGN), 0);
    let file = format!("{}.weights.bin", src.module_name);
    let blob_len = lit(blob.len());
    let tokens = quote! {
        #[allow(unused_imports)]
        use tinymtl_runtime::{Blob, F16Data, F32Data, Weights};
        #[cfg(target_endian = "big")]
        compile_error!("the weight blob is little-endian");
        /// Tensors too large for array literals, as written beside this module.
        static BLOB: Blob<#blob_len> = Blob(*include_bytes!(#file));
        #(#items)*
    };
    Ok(WeightsModule {
        tokens,
        blob: Some((file, blob)),
        data_markers,
    })
}

/// Byte alignment of every tensor in the blob (`tinymtl_runtime::weights::BLOB_ALIGN`).
const BLOB_ALIGN: usize = 16;
