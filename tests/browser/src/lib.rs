//! The HTML report in headless Chromium: see `tests/`. Needs `chromium`
//! (`apt-get install chromium`); never skipped.
