//! The emitted modules of the homework's nets, written by the real binary: NumPy for one sample
//! (the homework's part (b) and (c) as code) and PyTorch for a batch (with the five steps of
//! part (a)). Read a changed snapshot as a grader would: every line of backward must be the
//! formula above it, and every gradient shaped as its parameter.

mod common;

use common::{derive, stdout};

const NETS: [(&str, &str, &str); 3] = [
    (
        "regression_relu_identity_mse",
        "linear>relu>linear>identity",
        "mse",
    ),
    (
        "classification_relu_sigmoid_bce",
        "linear>relu>linear>sigmoid",
        "bce",
    ),
    (
        "classification_sigmoid_sigmoid_bce",
        "linear>sigmoid>linear>sigmoid",
        "bce",
    ),
];

fn module(name: &str, arguments: &[&str]) {
    let output = derive(arguments);
    assert_eq!(output.status.code(), Some(0), "{arguments:?}");
    insta::with_settings!({
        snapshot_path => "../snapshots",
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, stdout(&output));
    });
}

#[test]
fn numpy_modules_for_one_sample() {
    for (name, spec, loss) in NETS {
        module(
            &format!("emit_numpy_{name}"),
            &[spec, "--loss", loss, "--emit", "numpy"],
        );
    }
}

#[test]
fn pytorch_modules_for_a_batch() {
    for (name, spec, loss) in NETS {
        module(
            &format!("emit_pytorch_batch_{name}"),
            &[spec, "--loss", loss, "--batch", "--emit", "pytorch"],
        );
    }
}

#[test]
fn a_module_is_written_to_the_file_of_dash_o() {
    let path = std::env::temp_dir().join(format!("derive-emit-o-{}.py", std::process::id()));
    let file = path.to_str().expect("a UTF-8 path");
    let output = derive(&["linear>relu>linear>identity", "--emit", "jax", "-o", file]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).is_empty());
    let written = std::fs::read_to_string(&path).expect("the module");
    let _ = std::fs::remove_file(&path);
    assert!(written.contains("import jax.numpy as jnp"));
    assert!(written.contains("    # Δ₁ = Δ₂ ⊙ [Z₁ > 0]\n    delta1 = delta2 * step(z1)\n"));
}

#[test]
fn options_for_the_derivation_are_refused_with_emit() {
    for option in [
        &["--at", "p.json"][..],
        &["--only", "closed"],
        &["--expand"],
        &["--format", "json"],
    ] {
        let mut arguments = vec!["linear>relu", "--emit", "numpy"];
        arguments.extend_from_slice(option);
        let output = derive(&arguments);
        assert_eq!(output.status.code(), Some(2), "{option:?}");
        let error = String::from_utf8_lossy(&output.stderr);
        assert!(error.contains("--emit writes a Python module"), "{error}");
    }
    let output = derive(&["linear>batchnorm>linear", "--emit", "numpy"]);
    assert_eq!(output.status.code(), Some(2), "batchnorm needs --batch");
    let output = derive(&["relu>softmax", "--emit", "pytorch"]);
    assert_eq!(output.status.code(), Some(2), "no parameters, no gradient");
    assert!(String::from_utf8_lossy(&output.stderr).contains("no parameters"));
    let output = derive(&["linear", "-o", "x.py"]);
    assert_eq!(output.status.code(), Some(2), "-o goes with --emit");
}
