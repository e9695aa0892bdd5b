    // LSM6DSO (X-NUCLEO-IKS01A3, address 0x6B) on I2C1: SCL PB8, SDA PB9 (Arduino
    // D15/D14).
    let mut config = i2c::Config::default();
    config.frequency = Hertz::khz(400);
    let mut i2c = I2c::new_blocking(p.I2C1, p.PB8, p.PB9, config);
    let mut imu = loop {
        match Lsm6dso::new(&mut i2c, LSM6DSO_ADDR) {
            Ok(imu) => break imu,
            Err(e) => {
                warn!("LSM6DSO at {=u8:#x}: {}; retrying", LSM6DSO_ADDR, e);
                Timer::after_secs(1).await;
            }
        }
    };
    info!("LSM6DSO ready");

    // Lives in the main task's future, which embassy keeps in a static.
    let mut pipeline = app::pipeline();
    let mut ticker = Ticker::every(Duration::from_hz(app::SAMPLE_HZ as u64));
    loop {
        ticker.next().await;
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
