    // The on-board ICM-42670-P: I2C0, SDA GPIO10, SCL GPIO8, address 0x68 (the
    // board's SHTC3 shares the bus at 0x70).
    let mut i2c = I2c::new(
        peripherals.I2C0,
        Config::default().with_frequency(Rate::from_khz(400)),
    )
    .expect("400 kHz is a valid I2C configuration")
    .with_sda(peripherals.GPIO10)
    .with_scl(peripherals.GPIO8);
    let delay = Delay::new();
    let mut imu = loop {
        match Icm42670::new(&mut i2c, Icm42670Address::Primary) {
            Ok(imu) => break imu,
            Err(e) => {
                warn!("ICM-42670-P at 0x68: {}; retrying", e);
                delay.delay_millis(1000);
            }
        }
    };
    info!("ICM-42670-P ready");

    let mut pipeline = app::pipeline();
    let period = Duration::from_micros(1_000_000 / app::SAMPLE_HZ as u64);
    let mut next = Instant::now();
    loop {
        next += period;
        while Instant::now() < next {}
        match imu.read() {
            Ok(sample) => {
                let t0 = Instant::now();
                pipeline.step(net, app::frame(&sample), |e| e.log(&app::HEADS));
                defmt::debug!("step: {=u64} us", t0.elapsed().as_micros());
            }
            Err(e) => {
                warn!("IMU read: {}; window restarted", e);
                pipeline.reset();
            }
        }
    }
