//! The command line's own pieces: the standard streams.

pub mod standard_streams;
