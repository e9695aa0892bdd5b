//! Tests on the emulated Cortex-M4F: see `tests/`. Needs `qemu-system-arm` and the Arm
//! binutils (`apt-get install qemu-system-arm binutils-arm-none-eabi`); `cargo xtask
//! test` installs them. Never skipped: without them the tests fail and say so.
