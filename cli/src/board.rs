//! The boards tinymtl writes firmware for (`tinymtl firmware --board`, `tinymtl inspect
//! --board`): one table, the single owner of each board's target, memory and tools.
//!
//! Memory is what the application may use: flash after any boot block the HAL keeps,
//! RAM after what the vendor's stack reserves (no SoftDevice on the nRF52840, no Wi-Fi
//! on the ESP32-C3).

use tinymtl_codegen::{Error, Result};

/// The IMU driver a board's firmware uses (a cargo feature of `tinymtl-pipeline`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sensor {
    /// No sensor (emulated board): the firmware replays a compiled-in sample.
    None,
    /// InvenSense MPU-6050 (GY-521 breakout), `mpu6050-dmp`.
    Mpu6050,
    /// ST LSM6DSO (X-NUCLEO-IKS01A3), `lsm6dso`.
    Lsm6dso,
    /// TDK ICM-42670-P (on the ESP32-C3-DevKit-RUST-1), `icm42670`.
    Icm42670,
}

impl Sensor {
    /// The `tinymtl-pipeline` cargo feature of the driver, if any.
    pub const fn feature(self) -> Option<&'static str> {
        match self {
            Sensor::None => None,
            Sensor::Mpu6050 => Some("mpu6050"),
            Sensor::Lsm6dso => Some("lsm6dso"),
            Sensor::Icm42670 => Some("icm42670"),
        }
    }
}

/// One board.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Board {
    /// Name on the command line and folder under `boards/`.
    pub name: &'static str,
    /// The board as its vendor names it.
    pub title: &'static str,
    /// Rust target.
    pub target: &'static str,
    /// Flash the application may use, in bytes.
    pub flash: usize,
    /// RAM the application may use (statics and stack), in bytes.
    pub ram: usize,
    /// The IMU the firmware reads.
    pub sensor: Sensor,
    /// What `cargo run --release` uses to flash (or run) the firmware.
    pub runner: &'static str,
    /// How to install that tool.
    pub runner_install: &'static str,
}

const K: usize = 1024;

/// Every board, in the order help texts list them.
pub const BOARDS: [Board; 5] = [
    Board {
        name: "qemu-m4",
        title: "QEMU mps2-an386 (Cortex-M4F, emulated)",
        target: "thumbv7em-none-eabihf",
        flash: 4 * K * K,
        ram: 4 * K * K,
        sensor: Sensor::None,
        runner: "qemu-system-arm",
        runner_install: "apt-get install qemu-system-arm",
    },
    Board {
        name: "nrf52840-dk",
        title: "Nordic nRF52840-DK",
        target: "thumbv7em-none-eabihf",
        flash: 1024 * K,
        ram: 256 * K,
        sensor: Sensor::Mpu6050,
        runner: "probe-rs",
        runner_install: "cargo install probe-rs-tools --locked",
    },
    Board {
        name: "stm32f411",
        title: "ST Nucleo-F411RE",
        target: "thumbv7em-none-eabihf",
        flash: 512 * K,
        ram: 128 * K,
        sensor: Sensor::Lsm6dso,
        runner: "probe-rs",
        runner_install: "cargo install probe-rs-tools --locked",
    },
    Board {
        name: "rp2350",
        title: "Raspberry Pi Pico 2 (RP2350A)",
        target: "thumbv8m.main-none-eabihf",
        // The first 4 KiB hold the boot block; SRAM8/9 are kept for core 1's stacks.
        flash: 4092 * K,
        ram: 512 * K,
        sensor: Sensor::Mpu6050,
        runner: "probe-rs",
        runner_install: "cargo install probe-rs-tools --locked",
    },
    Board {
        name: "esp32c3",
        title: "Espressif ESP32-C3-DevKit-RUST-1",
        target: "riscv32imc-unknown-none-elf",
        // 4 MiB flash minus the bootloader and partition table (64 KiB); 320 KiB of
        // the SRAM is data RAM for the application (the rest is cache and ROM data).
        flash: 4032 * K,
        ram: 320 * K,
        sensor: Sensor::Icm42670,
        runner: "espflash",
        runner_install: "cargo install espflash --locked",
    },
];

/// The board named `name`, or an error listing the boards.
pub fn board(name: &str) -> Result<&'static Board> {
    BOARDS.iter().find(|b| b.name == name).ok_or_else(|| {
        let names: Vec<&str> = BOARDS.iter().map(|b| b.name).collect();
        Error::new(format!(
            "unknown board '{}' (boards: {})",
            tinymtl_codegen::escape::line(name),
            names.join(", ")
        ))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_found() {
        for b in &BOARDS {
            assert_eq!(board(b.name).unwrap(), b);
            assert_eq!(BOARDS.iter().filter(|o| o.name == b.name).count(), 1);
        }
        let e = board("nrf\u{1b}[2J").unwrap_err().to_string();
        assert!(!e.contains('\u{1b}') && e.contains("nrf52840-dk"), "{e}");
    }
}
