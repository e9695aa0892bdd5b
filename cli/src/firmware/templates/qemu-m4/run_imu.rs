    // The sample, frame by frame, through the same window a sensor would fill.
    let mut pipeline = app::AppPipeline::new(app::HOP, app::LAYOUT, Schedule::EVERY_WINDOW);
    for t in 0..app::STEPS {
        pipeline.step(net, app::sample_frame(t), &mut show);
    }
