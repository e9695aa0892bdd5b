//! The IMU fixture compiled by tinymtl-codegen (see `build.rs`), with
//! [`imu_pipeline::ImuModel`] implemented for it the way the firmware crates do.

#![forbid(unsafe_code)]

/// `tests/fixtures/imu_conv1d_bn_dynamo.onnx`, generated at build time.
#[allow(missing_docs, clippy::all)]
pub mod har {
    include!(concat!(env!("OUT_DIR"), "/har.rs"));
}

imu_pipeline::impl_imu_model!(har);
