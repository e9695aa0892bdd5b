//! Sensor to prediction on the host: each supported sensor's I2C traffic is mocked
//! from a simulated register file (`embedded-hal-mock`), read through its adapter,
//! windowed, and run through the model generated from the IMU fixture; the results
//! are checked against the raw counts and against running the model directly.

use embedded_hal::i2c::{ErrorKind, NoAcknowledgeSource};
use embedded_hal_mock::eh1::i2c::{Mock, Transaction};
use imu_pipeline::source::{Icm42670, Icm42670Address, Lsm6dso, Mpu6050};
use imu_pipeline::{
    Head, HeadOutput, ImuError, ImuModel, ImuSource, Pipeline, Sample, Schedule, Step, Window,
    CHANNELS, STEPS,
};
use imu_pipeline_host_tests::har;

const HOP: usize = 32;

/// A sensor's register file: reads and writes update it and record the I2C
/// transactions a correct driver must make, in order.
struct Chip {
    addr: u8,
    regs: [u8; 128],
    tx: Vec<Transaction>,
}

impl Chip {
    fn new(addr: u8) -> Chip {
        Chip {
            addr,
            regs: [0; 128],
            tx: Vec::new(),
        }
    }

    /// Sets a register as the chip's own state (no traffic).
    fn poke(&mut self, reg: u8, v: u8) {
        self.regs[reg as usize] = v;
    }

    /// Host reads `n` bytes from `reg` on (register auto-increment).
    fn read(&mut self, reg: u8, n: usize) {
        let r = reg as usize;
        let data = self.regs[r..r + n].to_vec();
        self.tx
            .push(Transaction::write_read(self.addr, vec![reg], data));
    }

    /// Host writes `v` to `reg`.
    fn write(&mut self, reg: u8, v: u8) {
        self.regs[reg as usize] = v;
        self.tx.push(Transaction::write(self.addr, vec![reg, v]));
    }

    /// Host reads `reg`, replaces the bits of `mask` with `bits`, writes it back.
    fn rmw(&mut self, reg: u8, mask: u8, bits: u8) {
        self.read(reg, 1);
        let v = (self.regs[reg as usize] & !mask) | (bits & mask);
        self.write(reg, v);
    }

    fn mock(&self) -> Mock {
        Mock::new(&self.tx)
    }
}

/// Deterministic raw counts, acc xyz then gyro xyz: a slow sway, gravity on z, a
/// step-like oscillation, and noise from an LCG.
fn raw_counts(n: usize, one_g: f32, one_dps: f32) -> Vec<[i16; 6]> {
    let mut seed = 0x2545_f491_u32;
    let mut noise = move || {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        ((seed >> 16) as f32 / 65536.0 - 0.5) * 0.05
    };
    (0..n)
        .map(|i| {
            let t = i as f32 / 50.0;
            let step = (t * 2.0 * std::f32::consts::PI * 1.8).sin();
            let acc = [
                0.3 * step + noise(),
                0.1 * (t * 0.7).cos() + noise(),
                1.0 + 0.4 * step.abs() + noise(),
            ];
            let gyro = [
                40.0 * step + noise(),
                -15.0 * (t * 3.0).sin() + noise(),
                5.0 + noise(),
            ];
            let mut out = [0i16; 6];
            for c in 0..3 {
                out[c] = (acc[c] * one_g).round() as i16;
                out[c + 3] = (gyro[c] * one_dps).round() as i16;
            }
            out
        })
        .collect()
}

/// The model's units from raw counts, written independently of the crate:
/// acc / (LSB per g), gyro / (LSB per °/s) in radians.
fn expected(raw: &[[i16; 6]], lsb_per_g: f64, lsb_per_dps: f64) -> Vec<Sample> {
    raw.iter()
        .map(|r| Sample {
            acc: [0, 1, 2].map(|c| (r[c] as f64 / lsb_per_g) as f32),
            gyro: [3, 4, 5].map(|c| (r[c] as f64 / lsb_per_dps).to_radians() as f32),
        })
        .collect()
}

/// The generated model, counting trunk runs and recording which trunk run each
/// head call saw.
struct Counting {
    m: har::Model,
    trunks: usize,
    heads: Vec<(Head, usize)>,
}

impl ImuModel for Counting {
    fn trunk(&mut self, w: &Window) {
        self.trunks += 1;
        ImuModel::trunk(&mut self.m, w);
    }

    fn head(&mut self, h: Head) -> Option<HeadOutput> {
        self.heads.push((h, self.trunks));
        self.m.head(h)
    }
}

fn close(a: &Sample, b: &Sample, tol: f32) -> bool {
    let (a, b) = (a.channels(), b.channels());
    a.iter()
        .zip(b)
        .all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
}

/// Reads `want.len()` samples from `src` through a [`Pipeline`] (hop 32, default
/// schedule) into the generated model and checks everything the demos rely on.
fn check_pipeline<S: ImuSource<Error = ImuError>>(mut src: S, want: &[Sample], tol: f32) {
    let mut pipe = Pipeline::new(HOP, Schedule::DEFAULT);
    let mut model = Counting {
        m: har::Model::new(),
        trunks: 0,
        heads: Vec::new(),
    };
    let mut got = Vec::new();
    let mut steps: Vec<Step> = Vec::new();
    let mut inputs: Vec<Window> = Vec::new();
    for (i, w) in want.iter().enumerate() {
        let s = src.read().expect("mocked read");
        assert!(close(&s, w, tol), "sample {i}: {s:?} != {w:?}");
        got.push(s);
        let step = pipe.step(&mut model, s);
        if step.window.is_some() {
            inputs.push(*pipe.input());
        }
        steps.push(step);
    }

    // Windows: first when 64 samples are in, then every hop; numbered in order.
    let window_at: Vec<usize> = (0..steps.len())
        .filter(|&i| steps[i].window.is_some())
        .collect();
    let n = window_at.len();
    assert_eq!(n, (want.len() - STEPS) / HOP + 1);
    for (k, &i) in window_at.iter().enumerate() {
        assert_eq!(i, STEPS - 1 + k * HOP, "window {k} completes on sample {i}");
        assert_eq!(steps[i].window, Some(k as u32));
    }
    // The trunk ran exactly once per window.
    assert_eq!(model.trunks, n);

    // Each window holds the sensor's samples in order, channel-major.
    for (k, input) in inputs.iter().enumerate() {
        for t in 0..STEPS {
            let s = got[k * HOP + t].channels();
            for c in 0..CHANNELS {
                assert_eq!(input[0][c][t], s[c], "window {k}, channel {c}, step {t}");
            }
        }
    }

    // Heads at their rates: activity and fall with every trunk run; cadence every
    // 4th window (3, 7, ...), one sample later, from the same trunk run's features.
    for (i, st) in steps.iter().enumerate() {
        let k = window_at.iter().position(|&w| w == i);
        assert_eq!(st.activity.is_some(), k.is_some(), "activity on sample {i}");
        assert_eq!(st.fall.is_some(), k.is_some(), "fall on sample {i}");
        let deferred = window_at
            .iter()
            .position(|&w| w + 1 == i)
            .filter(|k| k % 4 == 3);
        assert_eq!(
            st.cadence.map(|c| c.window as usize),
            deferred,
            "cadence on sample {i}"
        );
    }
    for &(h, trunks) in &model.heads {
        assert!(trunks >= 1, "{h:?} before any trunk run");
    }
    let cadence_calls: Vec<usize> = model
        .heads
        .iter()
        .filter(|(h, _)| *h == Head::Cadence)
        .map(|&(_, t)| t - 1)
        .collect();
    let cadence_windows: Vec<usize> = (0..n).filter(|k| k % 4 == 3).collect();
    assert_eq!(cadence_calls, cadence_windows);

    // Predictions equal running the generated model directly on the same window.
    let mut reference = har::Model::new();
    for (k, input) in inputs.iter().enumerate() {
        let out = reference.run(&har::Inputs { imu: input }, har::Heads::ALL);
        let i = window_at[k];
        let a = steps[i].activity.expect("activity");
        assert_eq!(
            a.logits,
            out.activity.expect("ran")[0],
            "activity, window {k}"
        );
        assert_eq!(a.window, k as u32);
        let f = steps[i].fall.expect("fall");
        assert_eq!(f.logits, out.fall.expect("ran")[0], "fall, window {k}");
        assert_eq!(f.fall, f.logits[1] > f.logits[0]);
        if k % 4 == 3 {
            let c = steps[i + 1].cadence.expect("deferred cadence");
            assert_eq!(
                c.value,
                out.cadence.expect("ran")[0][0],
                "cadence, window {k}"
            );
        }
    }
    // Logits are real numbers and vary with the input.
    let first = steps[window_at[0]].activity.unwrap().logits;
    assert!(first.iter().all(|x| x.is_finite()));
    assert_ne!(first, steps[window_at[1]].activity.unwrap().logits);
}

fn mpu6050_chip(raw: &[[i16; 6]]) -> Chip {
    let mut c = Chip::new(0x68);
    c.poke(0x75, 0x68); // WHO_AM_I
    c.poke(0x6B, 0x40); // PWR_MGMT_1 after reset: SLEEP
    c.read(0x75, 1);
    c.rmw(0x6B, 0x40, 0x00); // wake
    c.rmw(0x1C, 0x18, 2 << 3); // ACCEL_CONFIG: AFS_SEL ±8 g
    c.rmw(0x1B, 0x18, 1 << 3); // GYRO_CONFIG: FS_SEL ±500 °/s
    c.rmw(0x1A, 0x07, 4); // CONFIG: DLPF 21 Hz
    c.write(0x19, 19); // SMPLRT_DIV: 1 kHz / 20
    for r in raw {
        // ACCEL_XOUT_H..GYRO_ZOUT_L, big-endian, temperature in between.
        for (j, reg) in [0x3B, 0x3D, 0x3F, 0x43, 0x45, 0x47].into_iter().enumerate() {
            let [h, l] = r[j].to_be_bytes();
            c.poke(reg, h);
            c.poke(reg + 1, l);
        }
        c.poke(0x41, 0x12);
        c.read(0x3B, 14);
    }
    c
}

#[test]
fn mpu6050_registers_to_predictions() {
    let raw = raw_counts(STEPS + 8 * HOP, 4096.0, 65.5);
    let chip = mpu6050_chip(&raw);
    let mut bus = chip.mock();
    let src = Mpu6050::new(bus.clone(), 0x68).expect("init");
    check_pipeline(src, &expected(&raw, 4096.0, 65.5), 1e-6);
    bus.done();
}

#[test]
fn lsm6dso_registers_to_predictions() {
    let raw = raw_counts(STEPS + 4 * HOP, 1000.0 / 0.244, 1000.0 / 17.5);
    let mut c = Chip::new(0x6B);
    c.poke(0x0F, 0x6C); // WHO_AM_I
    c.read(0x0F, 1);
    c.rmw(0x10, 0x0C, 0b11 << 2); // CTRL1_XL: FS_XL ±8 g
    c.rmw(0x10, 0xF0, 0b0011 << 4); // CTRL1_XL: ODR_XL 52 Hz
    c.rmw(0x11, 0x0E, 0b010 << 1); // CTRL2_G: FS_G ±500 dps
    c.rmw(0x11, 0xF0, 0b0011 << 4); // CTRL2_G: ODR_G 52 Hz
    for r in &raw {
        // OUT_TEMP_L.., then OUTX_L_G.. then OUTX_L_A.., little-endian.
        c.poke(0x20, 0x00);
        c.poke(0x21, 0x01);
        for (j, reg) in [0x28, 0x2A, 0x2C, 0x22, 0x24, 0x26].into_iter().enumerate() {
            let [l, h] = r[j].to_le_bytes();
            c.poke(reg, l);
            c.poke(reg + 1, h);
        }
        c.read(0x20, 14);
    }
    let mut bus = c.mock();
    let src = Lsm6dso::new(bus.clone(), 0x6B).expect("init");
    // The driver goes through m/s² (0.244 mg/LSB, 17.5 mdps/LSB): float rounding.
    check_pipeline(src, &expected(&raw, 1000.0 / 0.244, 1000.0 / 17.5), 1e-5);
    bus.done();
}

#[test]
fn icm42670_registers_to_predictions() {
    let raw = raw_counts(STEPS + 4 * HOP, 4096.0, 65.5);
    let mut c = Chip::new(0x68);
    c.poke(0x75, 0x67); // WHO_AM_I
    c.poke(0x20, 0x06); // GYRO_CONFIG0 reset value
    c.poke(0x21, 0x06); // ACCEL_CONFIG0 reset value
    c.read(0x75, 1); // adapter's check
    c.read(0x75, 1); // driver's check
    c.rmw(0x21, 0x60, 0); // driver: ACCEL_UI_FS_SEL default ±16 g
    c.rmw(0x20, 0x60, 0); // driver: GYRO_UI_FS_SEL default ±2000 dps
    c.rmw(0x1F, 0x0F, 0x0F); // PWR_MGMT0: accel and gyro low-noise
    c.rmw(0x21, 0x60, 1 << 5); // ±8 g
    c.rmw(0x20, 0x60, 2 << 5); // ±500 dps
    c.rmw(0x21, 0x0F, 0b1010); // ACCEL_ODR 50 Hz
    c.rmw(0x20, 0x0F, 0b1010); // GYRO_ODR 50 Hz
    for r in &raw {
        // ACCEL_DATA_X1..GYRO_DATA_Z0 (0x0B..0x16), big-endian, one register a read.
        for (j, reg) in (0x0B..=0x15).step_by(2).enumerate() {
            let [h, l] = r[j].to_be_bytes();
            c.poke(reg, h);
            c.poke(reg + 1, l);
        }
        for reg in 0x0B..=0x16 {
            c.read(reg, 1);
        }
    }
    let mut bus = c.mock();
    let src = Icm42670::new(bus.clone(), Icm42670Address::Primary).expect("init");
    check_pipeline(src, &expected(&raw, 4096.0, 65.5), 1e-6);
    bus.done();
}

#[test]
fn wrong_chip_is_refused() {
    let mut c = Chip::new(0x68);
    c.poke(0x75, 0x12);
    c.read(0x75, 1);
    let mut bus = c.mock();
    assert_eq!(
        Mpu6050::new(bus.clone(), 0x68).err(),
        Some(ImuError::WrongChip(0x12))
    );
    bus.done();

    let mut c = Chip::new(0x6A);
    c.poke(0x0F, 0x69); // an LSM6DS3, not an LSM6DSO
    c.read(0x0F, 1);
    let mut bus = c.mock();
    assert_eq!(
        Lsm6dso::new(bus.clone(), 0x6A).err(),
        Some(ImuError::WrongChip(0x69))
    );
    bus.done();
}

#[test]
fn bus_error_is_reported_and_pipeline_restarts_cleanly() {
    let raw = raw_counts(STEPS + 1, 4096.0, 65.5);
    let mut chip = mpu6050_chip(&raw[..STEPS]);
    let nack = ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address);
    chip.tx
        .push(Transaction::write_read(0x68, vec![0x3B], vec![0; 14]).with_error(nack));
    let mut bus = chip.mock();
    let mut src = Mpu6050::new(bus.clone(), 0x68).expect("init");
    let mut pipe = Pipeline::new(HOP, Schedule::DEFAULT);
    let mut model = har::Model::new();
    for i in 0..STEPS - 1 {
        let s = src.read().expect("read");
        assert!(pipe.step(&mut model, s).is_idle(), "sample {i}");
    }
    let last = src.read().expect("read");
    assert_eq!(src.read(), Err(ImuError::Bus(nack)));
    // After the gap the window starts over: no window mixes samples across it.
    pipe.reset();
    for i in 0..STEPS - 1 {
        assert!(pipe.step(&mut model, last).window.is_none(), "sample {i}");
    }
    assert_eq!(pipe.step(&mut model, last).window, Some(0));
    assert!(pipe.input()[0]
        .iter()
        .all(|ch| ch.iter().all(|&v| v == ch[0])));
    bus.done();
}
