    // MPU-6050 (GY-521) on TWIM0: SDA P0.26, SCL P0.27 (the DK's Arduino SDA/SCL
    // header pins), address 0x68.
    let mut config = twim::Config::default();
    config.frequency = twim::Frequency::K400;
    // GY-521 boards carry 4.7k pull-ups; the internal ones help bare breakouts.
    config.sda_pullup = true;
    config.scl_pullup = true;
    // EasyDMA cannot read flash: register writes are copied through this buffer.
    let mut tx_buf = [0u8; 16];
    let mut i2c = Twim::new(p.TWISPI0, Irqs, p.P0_26, p.P0_27, config, &mut tx_buf);
    let mut imu = loop {
        match Mpu6050::new(&mut i2c, MPU6050_ADDR) {
            Ok(imu) => break imu,
            Err(e) => {
                warn!("MPU-6050 at {=u8:#x}: {}; retrying", MPU6050_ADDR, e);
                Timer::after_secs(1).await;
            }
        }
    };
    info!("MPU-6050 ready: {}", imu.scale());

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
