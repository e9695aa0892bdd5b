use esp_hal::delay::Delay;
use esp_hal::i2c::master::{Config, I2c};
use esp_hal::time::Rate;
use tinymtl_pipeline::ImuSource;
use tinymtl_pipeline::source::{Icm42670, Icm42670Address};
