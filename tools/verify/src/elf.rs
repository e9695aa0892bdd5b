//! Facts read from a firmware ELF without running it: the flash and RAM its
//! sections take, and symbol addresses.

use crate::{io_err, Error, Result};
use std::path::Path;

/// Flash and RAM taken by an ELF, from its section headers.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ElfSizes {
    /// Code (`.text`, vector table).
    pub text: u64,
    /// Read-only data (`.rodata`: weights live here).
    pub rodata: u64,
    /// Initialized statics (in RAM, with their initial values in flash).
    pub data: u64,
    /// Zeroed and uninitialized statics (`.bss`, `.uninit`: the model's arena).
    pub bss: u64,
}

impl ElfSizes {
    /// Flash: code, read-only data and the initial values of `.data`.
    pub fn flash(&self) -> u64 {
        self.text + self.rodata + self.data
    }

    /// Static RAM: `.data` and `.bss` (the stack comes on top).
    pub fn ram(&self) -> u64 {
        self.data + self.bss
    }
}

/// Sizes of the allocated sections of `elf` (as `arm-none-eabi-size -A` lists
/// them): executable ones count as text, other read-only ones as rodata, writable
/// ones with contents as data, writable ones without (NOBITS) as bss; read-only
/// NOBITS sections are address-space reservations and count nowhere.
pub fn elf_sizes(elf: &Path) -> Result<ElfSizes> {
    use object::elf::{SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_NOBITS};
    use object::read::elf::{ElfFile32, SectionHeader};
    let bytes = std::fs::read(elf).map_err(io_err("cannot read", elf))?;
    let file = ElfFile32::<object::Endianness>::parse(&*bytes)
        .map_err(|e| Error::new(format!("{}: not a 32-bit ELF: {e}", elf.display())))?;
    let e = file.endian();
    let mut s = ElfSizes::default();
    for h in file.elf_section_table().iter() {
        let flags = h.sh_flags(e) as u64;
        if flags & u64::from(SHF_ALLOC) == 0 {
            continue;
        }
        let size = u64::from(h.sh_size(e));
        let write = flags & u64::from(SHF_WRITE) != 0;
        if h.sh_type(e) == SHT_NOBITS {
            // Read-only NOBITS sections reserve address space (esp-hal's `.stack`).
            if write {
                s.bss += size;
            }
        } else if write {
            s.data += size;
        } else if flags & u64::from(SHF_EXECINSTR) != 0 {
            s.text += size;
        } else {
            s.rodata += size;
        }
    }
    Ok(s)
}

/// Address of symbol `name` in `elf`.
pub fn symbol_address(elf: &[u8], name: &str) -> Result<u64> {
    use object::{Object, ObjectSymbol};
    let file = object::File::parse(elf).map_err(|e| Error::new(format!("not an ELF file: {e}")))?;
    file.symbols()
        .find(|s| s.name() == Ok(name))
        .map(|s| s.address())
        .ok_or_else(|| Error::new(format!("symbol `{name}` not found in the firmware")))
}

/// Address of the function whose demangled path, without its hash, is `path`
/// (`tinymtl_runtime::profile::step`): for Rust functions that have no `#[no_mangle]`
/// name.
pub fn function_address(elf: &[u8], path: &str) -> Result<u64> {
    use object::{Object, ObjectSymbol, SymbolKind};
    let file = object::File::parse(elf).map_err(|e| Error::new(format!("not an ELF file: {e}")))?;
    file.symbols()
        .filter(|s| s.kind() == SymbolKind::Text)
        .find(|s| {
            s.name()
                .is_ok_and(|n| format!("{:#}", rustc_demangle::demangle(n)) == path)
        })
        .map(|s| s.address())
        .ok_or_else(|| Error::new(format!("function `{path}` not found in the firmware")))
}

/// Size of every function symbol of `elf`, by (mangled) name.
pub fn symbol_sizes(elf: &Path) -> Result<std::collections::HashMap<String, u64>> {
    use object::{Object, ObjectSymbol, SymbolKind};
    let bytes = std::fs::read(elf).map_err(io_err("cannot read", elf))?;
    let file = object::File::parse(&*bytes)
        .map_err(|e| Error::new(format!("{}: not an ELF file: {e}", elf.display())))?;
    Ok(file
        .symbols()
        .filter(|s| s.kind() == SymbolKind::Text)
        .filter_map(|s| Some((s.name().ok()?.to_string(), s.size())))
        .collect())
}
