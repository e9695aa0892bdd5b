//! `qemu-run ELF [ARGS...]`: boots `ELF` on QEMU `mps2-an386` (Cortex-M4F) under
//! `timeout`, with semihosting on and `ARGS` as its command line, decodes the defmt
//! frames it writes to semihosting stdout and prints them; exits with QEMU's status.
//! The cargo runner of `tools/qemu-firmware` for its default target, qemu-m4 (see its
//! `qemu-run.sh`; the other targets run through `tinymtl run/bench --target`).

use std::io::{Read, Write};
use std::process::{Command, ExitCode, Stdio};

fn main() -> ExitCode {
    let mut args = std::env::args().skip(1);
    let Some(elf) = args.next() else {
        eprintln!("usage: qemu-run ELF [ARGS...]");
        return ExitCode::from(2);
    };
    let bytes = match std::fs::read(&elf) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("qemu-run: cannot read {elf}: {e}");
            return ExitCode::from(2);
        }
    };
    let table = match defmt_decoder::Table::parse(&bytes) {
        Ok(Some(t)) => t,
        Ok(None) => {
            eprintln!("qemu-run: {elf} has no defmt table (not linked with -Tdefmt.x?)");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("qemu-run: cannot read the defmt table of {elf}: {e}");
            return ExitCode::from(2);
        }
    };
    let mut semi = String::from("enable=on,target=native,arg=firmware");
    for a in args {
        semi += &format!(",arg={}", a.replace(',', ",,"));
    }
    let secs = std::env::var("TINYMTL_QEMU_TIMEOUT").unwrap_or_else(|_| "120".into());
    let child = Command::new("timeout")
        .arg(&secs)
        .args([
            "qemu-system-arm",
            "-machine",
            "mps2-an386",
            "-cpu",
            "cortex-m4",
        ])
        .args(["-nographic", "-monitor", "none", "-serial", "none"])
        .args(["-semihosting-config", &semi, "-kernel", &elf])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .spawn();
    let mut child = match child {
        Ok(c) => c,
        Err(e) => {
            eprintln!(
                "qemu-run: cannot start `timeout qemu-system-arm`: {e}\n\
                 install QEMU: apt-get install qemu-system-arm"
            );
            return ExitCode::from(2);
        }
    };
    let mut stdout = child.stdout.take().expect("piped");
    let mut decoder = table.new_stream_decoder();
    let mut buf = [0u8; 4096];
    let out = std::io::stdout();
    loop {
        let n = match stdout.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        decoder.received(&buf[..n]);
        loop {
            match decoder.decode() {
                Ok(frame) => {
                    let _ = writeln!(out.lock(), "{}", frame.display_message());
                }
                Err(defmt_decoder::DecodeError::UnexpectedEof) => break,
                Err(defmt_decoder::DecodeError::Malformed) => {
                    eprintln!("qemu-run: malformed defmt frame");
                    break;
                }
            }
        }
    }
    let status = child.wait().map(|s| s.code().unwrap_or(1)).unwrap_or(1);
    if status == 124 {
        eprintln!("qemu-run: QEMU timed out after {secs} s (TINYMTL_QEMU_TIMEOUT)");
    }
    ExitCode::from(status.clamp(0, 255) as u8)
}
