//! Any text through the whole pipeline (see ../pipeline.rs).

#![no_main]

use libfuzzer_sys::fuzz_target;

#[path = "../pipeline.rs"]
mod pipeline;

// Inputs up to the size of a spec on standard input (`-max_len=4194305`, see the README) go
// through the same bounded read as the command's.
fuzz_target!(|data: &[u8]| pipeline::run_bytes(data));
