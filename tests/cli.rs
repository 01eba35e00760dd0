//! The command line: exit codes and error messages, run on the real binary.

mod common;

use common::{derive, stderr, stdout};

#[test]
fn help_exits_zero_and_names_the_exit_codes() {
    let output = derive(&["--help"]);
    assert_eq!(output.status.code(), Some(0));
    let help = stdout(&output);
    assert!(help.contains("--loss"));
    assert!(help.contains("Exit codes"));
}

#[test]
fn no_check_skips_the_check_section() {
    let output = derive(&["linear>relu>linear>identity", "--no-check"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(!stdout(&output).contains("Numeric check"));
}

#[test]
fn bad_specs_exit_two_with_the_position_and_what_was_expected() {
    for (spec, column, expected) in [
        ("linear>rleu>linear", 8, "a layer name"),
        ("", 1, "a layer name"),
        ("linear>", 8, "a layer name"),
        (">relu", 1, "a layer name"),
        ("linear>>relu", 8, "a layer name"),
        ("linear relu", 8, "`>` between layers"),
    ] {
        let output = derive(&[spec]);
        assert_eq!(output.status.code(), Some(2), "{spec:?}");
        let message = stderr(&output);
        assert!(
            message.contains(&format!("(column {column})")),
            "{spec:?}: {message}"
        );
        assert!(message.contains(expected), "{spec:?}: {message}");
        assert!(stdout(&output).is_empty());
    }
}

#[test]
fn an_unknown_loss_exits_two() {
    let output = derive(&["linear", "--loss", "hinge"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("mse"));
}

#[test]
fn malformed_dims_exit_two() {
    for (dims, says) in [
        ("n=0", "at least 1"),
        ("n=three", "whole number"),
        ("q=3", "no dimension `q`"),
        ("n3", "name=size"),
        ("n=-1", "whole number"),
    ] {
        let output = derive(&["linear>relu>linear>identity", "--dims", dims]);
        assert_eq!(output.status.code(), Some(2), "{dims}");
        assert!(
            stderr(&output).contains(says),
            "{dims}: {}",
            stderr(&output)
        );
    }
}

#[test]
fn dims_change_the_sizes_of_the_check() {
    let output = derive(&["linear>tanh>linear>identity", "--dims", "n=5,d=2,K=3"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stdout(&output).contains("n = 5, d = 2, K = 3"));
}
