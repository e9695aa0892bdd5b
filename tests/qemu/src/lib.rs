//! Tests on the emulated targets (qemu-m4, qemu-m0, qemu-m33, qemu-rv32): see `tests/`.
//! Needs `qemu-system-arm`, `qemu-system-riscv32` and the Arm binutils (`apt-get install
//! qemu-system-arm qemu-system-misc binutils-arm-none-eabi`); `cargo xtask test`
//! installs them. Never skipped: without them the tests fail and say so.
