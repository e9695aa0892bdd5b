//! Scalar transcendental functions for kernels, chosen per function for accuracy
//! against the numerics contract (see the README).
