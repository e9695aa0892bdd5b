//! Two fixture models compiled by tinymtl with their firmware app (see `build.rs`),
//! laid out as a firmware crate includes them.

#![forbid(unsafe_code)]

macro_rules! generated {
    ($name:ident, $dir:literal) => {
        /// A fixture model, its glue and its firmware app.
        #[allow(missing_docs, dead_code, clippy::all)]
        pub mod $name {
            pub mod model {
                include!(concat!(env!("OUT_DIR"), "/", $dir, "/model.rs"));
            }
            pub mod glue {
                use super::model;
                include!(concat!(env!("OUT_DIR"), "/", $dir, "/glue.rs"));
            }
            pub mod app {
                use super::{glue, model};
                include!(concat!(env!("OUT_DIR"), "/", $dir, "/app.rs"));
            }
        }
    };
}

generated!(har, "har");
generated!(keras, "keras");
