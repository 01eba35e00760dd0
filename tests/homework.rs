//! The homework's four networks, answered end to end by the real binary. Each snapshot is
//! what a student would hand in; read a changed one as a grader would.

mod common;

use common::{derive, stdout};

fn answer(name: &str, spec: &str, loss: &str) {
    let output = derive(&[spec, "--loss", loss]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the check must pass for {spec} {loss}"
    );
    let text = stdout(&output);
    assert!(text.contains("6. Numeric check: PASS"));
    assert_derivation_snapshot!(name, text);
}

#[test]
fn regression_relu_identity_mse() {
    answer(
        "regression_relu_identity_mse",
        "linear>relu>linear>identity",
        "mse",
    );
}

#[test]
fn classification_sigmoid_sigmoid_mse() {
    answer(
        "classification_sigmoid_sigmoid_mse",
        "linear>sigmoid>linear>sigmoid",
        "mse",
    );
}

#[test]
fn classification_sigmoid_sigmoid_bce() {
    answer(
        "classification_sigmoid_sigmoid_bce",
        "linear>sigmoid>linear>sigmoid",
        "bce",
    );
}

#[test]
fn classification_relu_sigmoid_bce() {
    answer(
        "classification_relu_sigmoid_bce",
        "linear>relu>linear>sigmoid",
        "bce",
    );
}
