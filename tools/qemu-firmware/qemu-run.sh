#!/bin/sh
# Cargo runner for the firmware (see .cargo/config.toml): boots the ELF on QEMU's
# mps2-an386 (Cortex-M4F) under `timeout` and decodes the defmt frames the firmware
# writes to semihosting stdout with tools/qemu-run (built on first use). Extra
# arguments after the ELF reach the firmware's semihosting command line
# (`cargo run -- bench`).
set -e
here="$(cd "$(dirname "$0")" && pwd)"
tool="$here/../qemu-run"
# Build the host tool from its own folder so this crate's embedded target does not apply.
(cd "$tool" && env -u RUSTFLAGS -u CARGO_ENCODED_RUSTFLAGS -u CARGO_BUILD_TARGET \
    CARGO_TARGET_DIR="$tool/target" cargo build --quiet --release)
exec "$tool/target/release/qemu-run" "$@"
