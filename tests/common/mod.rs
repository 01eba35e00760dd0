//! Helpers shared by the integration tests: run the real binary, snapshot its output.

#![allow(dead_code)]

use std::io::Write;
use std::process::{Command, Output, Stdio};

/// Runs `derive` with the given arguments.
pub fn derive(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_derive"))
        .args(args)
        .output()
        .expect("the derive binary runs")
}

/// Runs `derive` with the given arguments and standard input.
pub fn derive_with_stdin(args: &[&str], input: &[u8]) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_derive"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the derive binary runs");
    let mut stdin = child.stdin.take().expect("stdin is piped");
    let input = input.to_vec();
    // Written from another thread so that a large input cannot deadlock against the output.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(&input);
    });
    let output = child.wait_with_output().expect("derive finishes");
    writer.join().expect("the writer finishes");
    output
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// Snapshots a derivation into snapshots/. The numeric check's error figures (rounding noise
/// of order 1e-11) depend on the processor's floating-point kernels, so they are masked; the
/// verdicts, PASS or FAIL per item, are kept.
#[macro_export]
macro_rules! assert_derivation_snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            filters => vec![(r"\b\d\.\de[-+]?\d+\b", "x.xe-xx")],
        }, {
            insta::assert_snapshot!($name, $text);
        });
    };
}
