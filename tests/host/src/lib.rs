//! Host test crate; the tests are under `tests/`.
