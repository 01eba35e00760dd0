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

/// Runs `derive`, requires exit code 0 (else fails with its standard error), and gives its
/// standard output.
pub fn derive_ok(args: &[&str]) -> String {
    let output = derive(args);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{args:?}: {}",
        stderr(&output)
    );
    stdout(&output)
}

pub fn stdout(output: &Output) -> String {
    String::from_utf8(output.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(output: &Output) -> String {
    String::from_utf8(output.stderr.clone()).expect("stderr is UTF-8")
}

/// Snapshots a derivation into snapshots/. The numeric check's error figures (rounding noise
/// of order 1e-11) depend on the processor's floating-point kernels, so they are masked, as
/// printed (`8.4e-11`, `1.1e-9`) and in JSON (`"error": 8.4e-11`); the verdicts, PASS or FAIL
/// per item, are kept.
#[macro_export]
macro_rules! assert_derivation_snapshot {
    ($name:expr, $text:expr) => {
        insta::with_settings!({
            snapshot_path => "../snapshots",
            prepend_module_to_snapshot => false,
            filters => vec![
                (r"\b\d\.\de[-+]?\d+\b", "x.xe-xx"),
                (r#""error": [-+.e0-9]+"#, r#""error": "masked""#),
            ],
        }, {
            insta::assert_snapshot!($name, $text);
        });
    };
}

/// Writes `contents` to a fresh file in the system's temporary directory and returns its path.
pub fn temp_file(name: &str, contents: &str) -> std::path::PathBuf {
    let dir = temp_dir(name);
    let path = dir.join(name);
    std::fs::write(&path, contents).expect("the temporary file is written");
    path
}

/// A fresh directory of its own under the system's temporary directory.
pub fn temp_dir(name: &str) -> std::path::PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static COUNTER: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "derive-test-{}-{}-{name}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("the temporary directory is made");
    dir
}

/// Whether random points of sizes 1 to 6 can check `kind` on a chain ending in `last`: the
/// library says the loss takes that output (`network::fit::fits`), and it is not bce after
/// softmax, which a one-unit softmax saturates at exactly 1, where bce is −∞.
pub fn checkable(kind: derive::LossKind, last: Option<derive::network::layer::LayerKind>) -> bool {
    use derive::network::layer::{Activation, LayerKind};
    let softmax_bce =
        kind == derive::LossKind::Bce && last == Some(LayerKind::Activation(Activation::Softmax));
    derive::network::fit::fits(derive::Loss::new(kind), last) && !softmax_bce
}
