    // The model's input is not an IMU window: whole inputs come from a `Source`.
    // Until you implement `tinymtl_pipeline::Source` for yours, the sample compiled
    // into the firmware stands in.
    let _ = peripherals;
    let mut source = app::SAMPLE;
    let mut runner = app::runner();
    let mut next = Instant::now();
    loop {
        next += Duration::from_millis(1000);
        while Instant::now() < next {}
        let t0 = Instant::now();
        if runner
            .step(net, &mut source, |e| e.log(&app::HEADS))
            .is_err()
        {
            warn!("source: no input; skipped");
        }
        defmt::debug!("step: {=u64} us", t0.elapsed().as_micros());
    }
