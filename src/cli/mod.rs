//! The command line: the arguments (the only part of derive that knows clap), reading the spec
//! and the point, the standard streams, and where the output goes.

pub mod arguments;
pub mod output;
pub mod reading;
pub mod standard_streams;
