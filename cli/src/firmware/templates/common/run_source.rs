    // The model's input is not an IMU window: whole inputs come from a `Source`.
    // Until you implement `tinymtl_pipeline::Source` for yours (a microphone's
    // spectrogram, another sensor), the sample compiled into the firmware stands in.
    let _ = p;
    let mut source = app::SAMPLE;
    let mut runner = app::runner();
    let mut ticker = Ticker::every(Duration::from_millis(1000));
    loop {
        ticker.next().await;
        let t0 = Instant::now();
        if runner
            .step(net, &mut source, |e| e.log(&app::HEADS))
            .is_err()
        {
            warn!("source: no input; skipped");
        }
        defmt::debug!("step: {=u64} us", t0.elapsed().as_micros());
    }
