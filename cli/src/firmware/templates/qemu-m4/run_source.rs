    // The compiled-in sample as the Source; implement `tinymtl_pipeline::Source` for
    // your own input.
    let mut source = app::SAMPLE;
    let mut runner = app::AppRunner::new(Schedule::EVERY_WINDOW);
    let Ok(()) = runner.step(net, &mut source, &mut show);
