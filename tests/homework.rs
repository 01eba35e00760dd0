//! The homework's four networks, answered end to end by the real binary in every format. Each
//! snapshot is what a student would hand in; read a changed one as a grader would.

mod common;

use common::{derive, stdout};

pub const HOMEWORK: [(&str, &str, &str); 4] = [
    (
        "regression_relu_identity_mse",
        "linear>relu>linear>identity",
        "mse",
    ),
    (
        "classification_sigmoid_sigmoid_mse",
        "linear>sigmoid>linear>sigmoid",
        "mse",
    ),
    (
        "classification_sigmoid_sigmoid_bce",
        "linear>sigmoid>linear>sigmoid",
        "bce",
    ),
    (
        "classification_relu_sigmoid_bce",
        "linear>relu>linear>sigmoid",
        "bce",
    ),
];

fn answer(name: &str, spec: &str, loss: &str, format: &str) -> String {
    let output = derive(&[spec, "--loss", loss, "--format", format]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the check must pass for {spec} {loss} ({format})"
    );
    let text = stdout(&output);
    let snapshot = if format == "text" {
        name.to_string()
    } else {
        format!("{name}_{format}")
    };
    assert_derivation_snapshot!(snapshot, text.clone());
    text
}

fn homework(index: usize) {
    let (name, spec, loss) = HOMEWORK[index];
    assert!(answer(name, spec, loss, "text").contains("6. Numeric check: PASS"));
    assert!(answer(name, spec, loss, "latex").contains("\\subsection*{6. Numeric check: PASS}"));
    assert!(answer(name, spec, loss, "markdown").contains("### 6. Numeric check: PASS"));
    assert!(answer(name, spec, loss, "json").contains("\"passed\": true"));
}

#[test]
fn regression_relu_identity_mse() {
    homework(0);
}

#[test]
fn classification_sigmoid_sigmoid_mse() {
    homework(1);
}

#[test]
fn classification_sigmoid_sigmoid_bce() {
    homework(2);
}

#[test]
fn classification_relu_sigmoid_bce() {
    homework(3);
}
