//! The command line: exit codes and error messages, run on the real binary.

mod common;

use common::{derive, derive_ok, stderr, stdout};

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
    let output = derive(&["linear", "--loss", "triplet"]);
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

#[test]
fn help_lists_the_layers_with_their_arguments_and_the_losses_with_their_reductions() {
    let help = stdout(&derive(&["--help"]));
    for item in [
        "linear",
        "relu",
        "leaky_relu(α) (α = 0.01 if omitted)",
        "elu(α) (α = 1 if omitted)",
        "log_softmax",
        "LeakyReLU",
        "mse (sum by default)",
        "bce (mean by default)",
        "ce (sum by default)",
        "nll (sum by default)",
        "MSELoss (mse with mean)",
        "NLLLoss (nll with sum)",
    ] {
        // clap wraps the help to the terminal's width: compare with the breaks removed.
        let flat = help.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(flat.contains(item), "{item:?} not in\n{help}");
    }
}

#[test]
fn losses_take_any_case_and_pytorch_spellings_with_pytorchs_reduction() {
    let spec = "linear>relu>linear>softmax";
    let run = |args: &[&str]| derive_ok(&[&[spec, "--no-check"], args].concat());
    assert_eq!(run(&["--loss", "CE"]), run(&["--loss", "ce"]));
    assert_eq!(
        run(&["--loss", "MSELoss"]),
        run(&["--loss", "mse", "--reduction", "mean"])
    );
    assert_ne!(run(&["--loss", "MSELoss"]), run(&["--loss", "mse"]));
    // --reduction overrides the spelling's.
    assert_eq!(
        run(&["--loss", "MSELoss", "--reduction", "sum"]),
        run(&["--loss", "mse"])
    );
    assert_eq!(run(&["--loss", "BCELoss"]), run(&["--loss", "bce"]));
    assert_eq!(
        run(&["--loss", "CrossEntropyLoss"]),
        run(&["--loss", "ce_logits"])
    );
    assert_eq!(
        run(&["--loss", "BCEWithLogitsLoss"]),
        run(&["--loss", "bce_logits"])
    );
    assert_eq!(run(&["--loss", "L1Loss"]), run(&["--loss", "l1"]));
    assert_eq!(run(&["--loss", "HuberLoss"]), run(&["--loss", "huber"]));
    assert_eq!(
        run(&["--loss", "SmoothL1Loss(0.5)"]),
        run(&["--loss", "smooth_l1(0.5)"])
    );
    // MultiMarginLoss divides by the number of classes.
    assert_eq!(
        run(&["--loss", "MultiMarginLoss"]),
        run(&["--loss", "hinge", "--reduction", "mean"])
    );
    let output = derive(&[spec, "--loss", "KLDivLoss"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("mse, bce, ce, nll"));
}

#[test]
fn dims_name_the_hidden_widths_and_refuse_a_name_given_twice() {
    let output = derive(&["linear>relu>linear>relu>linear", "--dims", "d=5"]);
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(
        message.contains("its hidden widths are d1, d2"),
        "{message}"
    );
    assert!(!message.contains("did you mean `n`"), "{message}");
    let output = derive(&["linear>relu>linear", "--dims", "d3=5"]);
    assert!(
        stderr(&output).contains("its hidden width is d"),
        "{}",
        stderr(&output)
    );
    let output = derive(&["linear>relu>linear", "--dims", "n=3,n=4"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(
        stderr(&output).contains("`n` is given twice (n=3 and n=4)"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn widths_below_forty_are_refused() {
    for width in ["0", "39"] {
        let output = derive(&["linear>relu>linear", "--width", width]);
        assert_eq!(output.status.code(), Some(2), "{width}");
        assert!(stderr(&output).contains("at least 40 columns"), "{width}");
        assert!(stdout(&output).is_empty());
    }
    let output = derive(&["linear>relu>linear", "--width", "40", "--no-check"]);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn at_the_narrowest_width_the_loss_breaks_at_an_operator_without_padding_inside() {
    for (spec, loss) in [("linear>sigmoid", "bce"), ("linear>softmax", "ce")] {
        let output = derive(&[spec, "--loss", loss, "--width", "40", "--no-check"]);
        assert_eq!(output.status.code(), Some(0));
        let text = stdout(&output);
        // Section 1, the network and conventions: every line within the width, and no run of
        // spaces inside a line once its indentation is past.
        let conventions = text
            .split("\n1. ")
            .nth(1)
            .and_then(|rest| rest.split("\n2. ").next())
            .expect("section 1");
        for line in conventions.lines() {
            assert!(line.chars().count() <= 40, "{spec}: {line:?}");
            assert!(!line.trim_start().contains("  "), "{spec}: {line:?}");
        }
        let broken = conventions
            .lines()
            .skip_while(|l| !l.starts_with("  ℓ = "))
            .nth(1)
            .expect("a line after the loss");
        if loss == "bce" {
            // The definition continues on a line of its own, from an operator.
            assert!(broken.trim_start().starts_with("+ "), "{conventions}");
        }
    }
}
