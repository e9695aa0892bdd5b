//! Shape rules shared by the loader's inference and the passes: broadcasting,
//! convolution and pooling output sizes.
