//! ONNX backend conformance: see `tests/`. Needs Python 3 with `onnx` (`pip install -r
//! tests/fixtures/requirements-check.txt`); never skipped.
