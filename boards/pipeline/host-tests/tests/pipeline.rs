//! Sensor to prediction on the host: each supported sensor's I2C traffic is mocked
//! from a simulated register file (`embedded-hal-mock`), read through its adapter,
//! windowed in the model's layout, and run through two generated models with their
//! firmware app: the channels-first IMU fixture (three heads, one deferred) and the
//! channels-last Keras fixture (two heads at different rates). The results are checked
//! against the raw counts, the rates in `models/*.toml` and running each model
//! directly.

use embedded_hal::i2c::{ErrorKind, NoAcknowledgeSource};
use embedded_hal_mock::eh1::i2c::{Mock, Transaction};
use tinymtl_pipeline::source::{Icm42670, Icm42670Address, Lsm6dso, Mpu6050};
use tinymtl_pipeline::{
    Event, HeadSpec, ImuError, ImuSource, Layout, Net, Pipeline, Rate, Sample, Show, Shown,
};
use tinymtl_pipeline_host_tests::{har, keras};

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

/// A model wrapped to record the input of each trunk run and which trunk run each
/// head call saw.
struct Recording<N> {
    net: N,
    inputs: Vec<Vec<f32>>,
    heads: Vec<(usize, usize)>,
}

impl<N> Recording<N> {
    fn new(net: N) -> Self {
        Recording {
            net,
            inputs: Vec::new(),
            heads: Vec::new(),
        }
    }
}

impl<N: Net> Net for Recording<N> {
    const INPUTS: usize = N::INPUTS;

    fn input(&mut self, k: usize) -> &mut [f32] {
        self.net.input(k)
    }

    fn trunk(&mut self) {
        self.inputs.push(self.net.input(0).to_vec());
        self.net.trunk();
    }

    fn head(&mut self, h: usize) -> Option<&[f32]> {
        self.heads.push((h, self.inputs.len()));
        self.net.head(h)
    }
}

/// What the checks need of one generated model and its app.
struct Fixture<N, const T: usize, const C: usize, const H: usize> {
    app: fn() -> N,
    pipeline: fn() -> Pipeline<T, C, H>,
    frame: fn(&Sample) -> [f32; C],
    layout: Layout,
    hop: usize,
    heads: &'static [HeadSpec; H],
    /// Every head of the model run directly on one flat input 0.
    reference: fn(&[f32]) -> Vec<Vec<f32>>,
}

fn har() -> Fixture<har::app::App, 64, 6, 3> {
    Fixture {
        app: har::app::App::new,
        pipeline: har::app::pipeline,
        frame: har::app::frame,
        layout: har::app::LAYOUT,
        hop: har::app::HOP,
        heads: &har::app::HEADS,
        reference: |x| {
            use har::{glue, model};
            let mut b = Box::new(glue::IN_ZERO);
            glue::slot(&mut b, 0).copy_from_slice(x);
            let mut m = Box::new(model::Model::new());
            let o = m.run(&glue::inputs(&b), model::Heads::ALL);
            (0..model::HEADS)
                .map(|h| glue::head(&o, h).to_vec())
                .collect()
        },
    }
}

fn keras() -> Fixture<keras::app::App, 64, 6, 2> {
    Fixture {
        app: keras::app::App::new,
        pipeline: keras::app::pipeline,
        frame: keras::app::frame,
        layout: keras::app::LAYOUT,
        hop: keras::app::HOP,
        heads: &keras::app::HEADS,
        reference: |x| {
            use keras::{glue, model};
            let mut b = Box::new(glue::IN_ZERO);
            glue::slot(&mut b, 0).copy_from_slice(x);
            let mut m = Box::new(model::Model::new());
            let o = m.run(&glue::inputs(&b), model::Heads::ALL);
            (0..model::HEADS)
                .map(|h| glue::head(&o, h).to_vec())
                .collect()
        },
    }
}

#[test]
fn apps_follow_the_model_shapes_and_the_toml() {
    // Shapes come from the models, layouts from where the channel axis is.
    assert_eq!(
        har::model::INPUT_IMU_SHAPE,
        [1, har::app::CHANNELS, har::app::STEPS]
    );
    assert_eq!(har::app::LAYOUT, Layout::ChannelsFirst);
    assert_eq!(
        keras::model::INPUT_IMU_SHAPE,
        [1, keras::app::STEPS, keras::app::CHANNELS]
    );
    assert_eq!(keras::app::LAYOUT, Layout::ChannelsLast);
    // Hops and rates from models/*.toml; heads left out run every window.
    assert_eq!((har::app::HOP, keras::app::HOP), (32, 16));
    let cadence = Rate {
        every: 4,
        phase: 3,
        deferred: true,
    };
    let rates: Vec<Rate> = har::app::HEADS.iter().map(|h| h.rate).collect();
    assert_eq!(rates, [Rate::EVERY_WINDOW, Rate::EVERY_WINDOW, cadence]);
    assert_eq!(
        keras::app::HEADS[1].rate,
        Rate {
            every: 2,
            phase: 1,
            deferred: false
        }
    );
    let names: Vec<&str> = har::app::HEADS.iter().map(|h| h.name).collect();
    assert_eq!(names, har::model::HEAD_NAMES);
    match har::app::HEADS[0].show {
        Show::Class { labels, .. } => assert_eq!(labels[3], "sitting"),
        other => panic!("activity shown as {other:?}"),
    }
    // A one-output head without a sigmoid in the graph is a value.
    assert_eq!(har::app::HEADS[2].show, Show::Values);
}

#[test]
fn the_compiled_in_sample_replays_through_the_window_unchanged() {
    fn check<N: Net, const T: usize, const C: usize, const H: usize>(
        f: &Fixture<N, T, C, H>,
        frame: fn(usize) -> [f32; C],
        value: fn(usize) -> f32,
    ) {
        let mut net = Recording::new((f.app)());
        let mut pipe = (f.pipeline)();
        for t in 0..T {
            pipe.step(&mut net, frame(t), |_| {});
        }
        assert_eq!(net.inputs.len(), 1);
        let want: Vec<f32> = (0..T * C).map(value).collect();
        assert_eq!(net.inputs[0], want);
        assert!(
            want.iter().any(|&x| x != 0.0),
            "the fixture's sample is compiled in"
        );
    }
    check(&har(), har::app::sample_frame, |i| {
        har::app::SAMPLE.value(0, i)
    });
    check(&keras(), keras::app::sample_frame, |i| {
        keras::app::SAMPLE.value(0, i)
    });
}

fn close(a: &Sample, b: &Sample, tol: f32) -> bool {
    let (a, b) = (a.acc.iter().chain(&a.gyro), b.acc.iter().chain(&b.gyro));
    a.zip(b)
        .all(|(x, y)| (x - y).abs() <= tol * (1.0 + y.abs()))
}

/// Element `(c, t)` of a window in `layout`, written out here, not taken from the crate.
fn at(layout: Layout, steps: usize, channels: usize, c: usize, t: usize) -> usize {
    match layout {
        Layout::ChannelsFirst => c * steps + t,
        Layout::ChannelsLast => t * channels + c,
    }
}

/// Reads `want.len()` samples from `src` through the fixture's pipeline into its
/// model and checks everything the firmware relies on.
fn check_pipeline<S, N, const T: usize, const C: usize, const H: usize>(
    f: &Fixture<N, T, C, H>,
    mut src: S,
    want: &[Sample],
    tol: f32,
) where
    S: ImuSource<Error = ImuError>,
    N: Net,
{
    let mut pipe = (f.pipeline)();
    let mut net = Recording::new((f.app)());
    let mut got = Vec::new();
    // Per sample: the trunk's window, and (window, head, values) of each head run.
    let mut trunk_at: Vec<Option<u32>> = Vec::new();
    let mut heads_at: Vec<Vec<(u32, usize, Vec<f32>)>> = Vec::new();
    for (i, w) in want.iter().enumerate() {
        let s = src.read().expect("mocked read");
        assert!(close(&s, w, tol), "sample {i}: {s:?} != {w:?}");
        got.push(s);
        let (mut trunk, mut heads) = (None, Vec::new());
        pipe.step(&mut net, (f.frame)(&s), |e| match e {
            Event::Trunk { window } => trunk = Some(window),
            Event::Head {
                window,
                head,
                values,
            } => heads.push((window, head, values.to_vec())),
        });
        trunk_at.push(trunk);
        heads_at.push(heads);
    }

    // Windows: first when T samples are in, then every hop; numbered in order.
    let window_at: Vec<usize> = (0..want.len()).filter(|&i| trunk_at[i].is_some()).collect();
    let n = window_at.len();
    assert_eq!(n, (want.len() - T) / f.hop + 1);
    for (k, &i) in window_at.iter().enumerate() {
        assert_eq!(i, T - 1 + k * f.hop, "window {k} completes on sample {i}");
        assert_eq!(trunk_at[i], Some(k as u32));
    }
    // The trunk ran exactly once per window, and each window holds the sensor's
    // samples in order, in the model's layout.
    assert_eq!(net.inputs.len(), n);
    for (k, input) in net.inputs.iter().enumerate() {
        for t in 0..T {
            let s = (f.frame)(&got[k * f.hop + t]);
            for (c, &v) in s.iter().enumerate() {
                assert_eq!(
                    input[at(f.layout, T, C, c, t)],
                    v,
                    "window {k}, channel {c}, step {t}"
                );
            }
        }
    }

    // Heads at their rates: due-now heads on the window's sample, deferred ones on
    // the next, each from its own window's trunk run, in head order.
    for i in 0..want.len() {
        let mut expect: Vec<(u32, usize)> = Vec::new();
        if i > 0 {
            if let Some(k) = trunk_at[i - 1] {
                for (h, spec) in f.heads.iter().enumerate() {
                    if spec.rate.deferred && spec.rate.due(k) {
                        expect.push((k, h));
                    }
                }
            }
        }
        if let Some(k) = trunk_at[i] {
            for (h, spec) in f.heads.iter().enumerate() {
                if !spec.rate.deferred && spec.rate.due(k) {
                    expect.push((k, h));
                }
            }
        }
        let ran: Vec<(u32, usize)> = heads_at[i].iter().map(|(k, h, _)| (*k, *h)).collect();
        assert_eq!(ran, expect, "heads on sample {i}");
        for (k, h, values) in &heads_at[i] {
            // Values equal running the generated model directly on that window.
            let direct = (f.reference)(&net.inputs[*k as usize]);
            assert_eq!(values, &direct[*h], "head {h}, window {k}");
            assert!(values.iter().all(|x| x.is_finite()));
            if let (Show::Class { labels, .. }, Shown::Class { index, label, .. }) =
                (f.heads[*h].show, f.heads[*h].show.apply(values))
            {
                let best = values.iter().cloned().fold(f32::NEG_INFINITY, f32::max);
                assert_eq!(values[index], best);
                assert_eq!(label, labels.get(index).copied());
            }
        }
    }
    for &(h, trunks) in &net.heads {
        assert!(trunks >= 1, "head {h} before any trunk run");
    }
    // Every head ran at least once, and outputs vary with the input.
    for h in 0..H {
        assert!(net.heads.iter().any(|&(x, _)| x == h), "head {h} never ran");
    }
    let first = &heads_at[window_at[0]][0].2;
    assert_ne!(first, &heads_at[window_at[1]][0].2);
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
    for fixture in ["har", "keras"] {
        let raw = raw_counts(64 + 8 * 32, 4096.0, 65.5);
        let chip = mpu6050_chip(&raw);
        let mut bus = chip.mock();
        let src = Mpu6050::new(bus.clone(), 0x68).expect("init");
        let want = expected(&raw, 4096.0, 65.5);
        match fixture {
            "har" => check_pipeline(&har(), src, &want, 1e-6),
            _ => check_pipeline(&keras(), src, &want, 1e-6),
        }
        bus.done();
    }
}

#[test]
fn lsm6dso_registers_to_predictions() {
    let raw = raw_counts(64 + 4 * 32, 1000.0 / 0.244, 1000.0 / 17.5);
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
    check_pipeline(
        &har(),
        src,
        &expected(&raw, 1000.0 / 0.244, 1000.0 / 17.5),
        1e-5,
    );
    bus.done();
}

#[test]
fn icm42670_registers_to_predictions() {
    let raw = raw_counts(64 + 4 * 16, 4096.0, 65.5);
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
    check_pipeline(&keras(), src, &expected(&raw, 4096.0, 65.5), 1e-6);
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
    const T: usize = har::app::STEPS;
    let raw = raw_counts(T + 1, 4096.0, 65.5);
    let mut chip = mpu6050_chip(&raw[..T]);
    let nack = ErrorKind::NoAcknowledge(NoAcknowledgeSource::Address);
    chip.tx
        .push(Transaction::write_read(0x68, vec![0x3B], vec![0; 14]).with_error(nack));
    let mut bus = chip.mock();
    let mut src = Mpu6050::new(bus.clone(), 0x68).expect("init");
    let mut pipe = har::app::pipeline();
    let mut net = Recording::new(har::app::App::new());
    let mut events = 0;
    for _ in 0..T - 1 {
        let s = src.read().expect("read");
        pipe.step(&mut net, har::app::frame(&s), |_| events += 1);
    }
    assert_eq!(events, 0, "nothing runs before the window is full");
    let last = src.read().expect("read");
    assert_eq!(src.read(), Err(ImuError::Bus(nack)));
    // After the gap the window starts over: no window mixes samples across it.
    pipe.reset();
    for _ in 0..T - 1 {
        pipe.step(&mut net, har::app::frame(&last), |_| events += 1);
    }
    assert_eq!(events, 0);
    let mut window = None;
    pipe.step(&mut net, har::app::frame(&last), |e| {
        if let Event::Trunk { window: w } = e {
            window = Some(w);
        }
    });
    assert_eq!(window, Some(0));
    let input = &net.inputs[0];
    let f = har::app::frame(&last);
    for t in 0..T {
        for c in 0..har::app::CHANNELS {
            assert_eq!(input[at(Layout::ChannelsFirst, T, 6, c, t)], f[c]);
        }
    }
    bus.done();
}
