//! Property tests: every fast kernel against its scalar reference in
//! `tinymtl_runtime::kernels::reference`, on random shapes including degenerate ones,
//! and with NaN / infinite inputs (which must never panic).

mod support;

mod act;
mod conv;
mod conv_blocked;
mod degenerate;
mod dense;
mod dot;
mod elementwise;
mod movement;
mod norm;
mod pointwise;
mod pool;
mod reduce;
mod resize;
mod rnn;
mod select;
mod tile;
