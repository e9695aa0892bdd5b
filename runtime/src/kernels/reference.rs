//! Scalar reference implementations: the oracle every fast kernel is tested against.
//! Written for obviousness, not speed; never called by generated code.
