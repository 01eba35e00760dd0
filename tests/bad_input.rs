//! Bad input of every kind gets exit code 2 and a message on standard error that says what is
//! wrong and where; nothing panics, hangs or overflows the stack.

mod common;

use std::time::{Duration, Instant};

use common::{derive, derive_with_stdin, stderr, stdout};
use derive::spec::MAX_LAYERS;

/// Runs a spec and asserts exit code 2, an empty standard output, and each of `says` on
/// standard error.
fn refused(args: &[&str], says: &[&str]) -> String {
    let output = derive(args);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{args:?}: {}",
        stderr(&output)
    );
    assert!(stdout(&output).is_empty(), "{args:?}");
    let message = stderr(&output);
    for s in says {
        assert!(message.contains(s), "{args:?}: {s:?} not in\n{message}");
    }
    assert!(!message.contains("panicked"), "{message}");
    message
}

#[test]
fn empty_and_blank_specs() {
    refused(&[""], &["the spec is empty", "expected a layer name"]);
    refused(&["   \t "], &["the spec is empty"]);
}

#[test]
fn stray_arrows() {
    refused(&[">"], &["unexpected `>` (column 1)", "a layer name"]);
    refused(&[">relu"], &["(column 1)", "a layer name"]);
    refused(&["relu>"], &["end of the spec (column 6)", "a layer name"]);
    refused(&["relu>>linear"], &["unexpected `>` (column 6)"]);
    refused(&[">>"], &["(column 1)"]);
}

#[test]
fn unknown_names_get_a_suggestion() {
    refused(
        &["linear>rleu>linear"],
        &["unknown layer `rleu` (column 8)", "did you mean `relu`?"],
    );
    refused(&["linaer>relu"], &["did you mean `linear`?"]);
    refused(&["linear>conv2d"], &["unknown layer `conv2d`", "relu"]);
    refused(&["linear>mse"], &["--loss mse"]);
}

#[test]
fn arguments_where_none_are_taken_and_bad_arguments() {
    refused(&["relu(0.1)"], &["`relu` takes no arguments (column 5)"]);
    refused(&["linear(3)"], &["`linear` takes no arguments"]);
    refused(&["leaky_relu()"], &["empty parentheses (column 11)"]);
    refused(
        &["leaky_relu(x)"],
        &["unexpected `x` (column 12)", "a number"],
    );
    refused(&["leaky_relu(1,2)"], &["takes one argument (column 14)"]);
    refused(&["elu(nan)"], &["(column 5)", "finite number"]);
    refused(&["leaky_relu(inf)"], &["(column 12)", "finite number"]);
    refused(
        &["elu(1e999)"],
        &["`1e999` is not a finite number (column 5)"],
    );
}

#[test]
fn non_ascii_look_alikes_are_explained() {
    let message = refused(&["ｒｅｌｕ"], &["full-width", "`relu`", "(column 1)"]);
    // The underline covers the four wide letters, eight columns on screen.
    assert!(message.contains("────┬───"), "{message}");
    let message = refused(&["relu→linear"], &["unexpected `→` (column 5)", "`>`"]);
    let lines: Vec<&str> = message.lines().collect();
    let at = lines
        .iter()
        .position(|l| l.ends_with("relu→linear"))
        .unwrap();
    let column = |line: &str, c: char| line.chars().position(|x| x == c).unwrap();
    assert_eq!(
        column(lines[at], '→'),
        column(lines[at + 1], '┬'),
        "{message}"
    );
}

#[test]
fn a_megabyte_spec_and_a_chain_of_100000_layers_end_quickly() {
    let start = Instant::now();
    let chain = vec!["linear>tanh"; 50_000].join(">");
    let output = derive_with_stdin(&["-", "--loss", "mse"], chain.as_bytes());
    assert_eq!(output.status.code(), Some(2));
    let message = stderr(&output);
    assert!(message.contains("100000 layers"), "{message}");
    assert!(
        message.contains(&format!("at most {MAX_LAYERS}")),
        "{message}"
    );
    assert!(message.len() < 4_000);

    let mega = format!("linear>{}", "relu".repeat(1 << 18));
    let output = derive_with_stdin(&["-"], mega.as_bytes());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unknown layer"));
    assert!(stderr(&output).len() < 4_000);
    assert!(start.elapsed() < Duration::from_secs(30));
}

#[test]
fn expanding_a_deep_chain_is_refused_before_anything_is_printed() {
    let chain = format!("{}linear>identity", "linear>tanh>".repeat(2_500));
    let output = derive_with_stdin(&["-", "--expand", "--no-check"], chain.as_bytes());
    assert_eq!(output.status.code(), Some(2), "{}", stderr(&output));
    assert!(stdout(&output).is_empty());
    let message = stderr(&output);
    assert!(
        message.contains("--expand would write out about") && message.contains("5002-layer"),
        "{message}"
    );
    // Compact, the default for a chain this deep, it is printed.
    let output = derive_with_stdin(&["-", "--no-check"], chain.as_bytes());
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn deeply_nested_parentheses_are_a_parse_error() {
    let deep = format!("relu{}1{}", "(".repeat(100_000), ")".repeat(100_000));
    let output = derive_with_stdin(&["-"], deep.as_bytes());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("unexpected `(` (column 6)"));
}

#[test]
fn a_spec_on_standard_input() {
    let output = derive_with_stdin(
        &["-", "--no-check"],
        b"linear > relu >\nlinear > identity\n",
    );
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    assert!(stdout(&output).contains("linear > relu > linear > identity"));
    let output = derive_with_stdin(&["-"], b"linear >\n rlu");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("line 2, column 2"));
    let output = derive_with_stdin(&["-"], b"linear\xff");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("not UTF-8"));
    let output = derive_with_stdin(&["-"], b"");
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("the spec is empty"));
    let output = derive_with_stdin(&["-"], "linear>relu".repeat(500_000).as_bytes());
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("larger than 4 MiB"));
}

#[test]
fn the_longest_chains_derive_render_and_check() {
    // At the limit, read from standard input (too long for one argument), with the default
    // sizes; the depth of every tree, which is what could overflow a stack, does not depend on
    // the sizes.
    for (unit, loss) in [
        ("linear>tanh", "mse"),
        ("linear", "mse"),
        ("linear>softmax", "bce"),
        ("linear>sigmoid", "bce"),
    ] {
        let per_unit = unit.split('>').count();
        let spec = vec![unit; MAX_LAYERS / per_unit].join(">");
        let output = derive_with_stdin(&["-", "--loss", loss], spec.as_bytes());
        assert_eq!(output.status.code(), Some(0), "{unit}: {}", stderr(&output));
        assert!(stdout(&output).contains("Numeric check: PASS"), "{unit}");
    }
    let too_long = format!("{}>identity", vec!["tanh"; MAX_LAYERS].join(">"));
    refused(&[&too_long], &[&format!("{} layers", MAX_LAYERS + 1)]);
}

#[test]
fn bad_dims() {
    let spec = "linear>relu>linear>identity";
    for (dims, says) in [
        ("n=0", "at least 1"),
        ("n=-3", "whole number"),
        ("n=three", "whole number"),
        ("q=3", "no dimension `q`"),
        ("k=3", "did you mean `K`?"),
        ("n=99999999999999999999999", "too large"),
        ("d=100000", "too large for the numeric check"),
        (
            "n=3000000000,d=3000000000",
            "too large for the numeric check",
        ),
    ] {
        refused(&[spec, "--dims", dims], &[says]);
    }
    // Sizes only matter to the check.
    let output = derive(&[spec, "--dims", "d=100000", "--no-check"]);
    assert_eq!(output.status.code(), Some(0));
}

/// The check runs while the derivation is written, but a point it cannot be run at is found
/// out before: log-softmax of one unit is always 0, so the ReLU after it sits on its kink.
#[test]
fn a_point_that_cannot_be_placed_is_refused_before_any_output() {
    let spec = "linear>log_softmax>relu>linear>identity";
    for format in ["text", "json"] {
        refused(
            &[spec, "--dims", "n=2,d=1,K=1", "--format", format],
            &["no point found", "--no-check"],
        );
    }
}

#[test]
fn unknown_loss_and_options_are_usage_errors() {
    refused(&["linear", "--loss", "triplet"], &["mse", "bce"]);
    refused(&["linear", "--frobnicate"], &["--frobnicate"]);
    refused(&[], &["SPEC"]);
}

#[test]
fn a_weight_decay_that_is_not_a_finite_number_of_zero_or_more_is_refused() {
    for lambda in ["-0.1", "inf", "NaN"] {
        refused(
            &["linear", "--weight-decay", lambda],
            &["--weight-decay", "finite number, 0 or more"],
        );
    }
    refused(
        &["linear", "--weight-decay", "lots"],
        &["--weight-decay", "lots"],
    );
}

#[test]
fn bce_on_an_output_outside_the_unit_interval_warns() {
    let output = derive(&["linear>relu>linear>identity", "--loss", "bce", "--no-check"]);
    assert_eq!(output.status.code(), Some(0));
    assert!(stderr(&output).contains("warning: bce on the output of Identity: ŷ may leave (0, 1)"));
    let output = derive(&["linear>relu>linear>sigmoid", "--loss", "bce", "--no-check"]);
    assert!(stderr(&output).is_empty());
}

#[test]
fn help_documents_stdin_the_limit_and_exit_codes() {
    let help = stdout(&derive(&["--help"]));
    assert!(help.contains("derive - --loss mse < deep.txt"), "{help}");
    // The help text is a doc comment, so it spells the limit out; keep the two in step.
    assert_eq!(MAX_LAYERS, 25_000);
    assert!(help.contains("at most 25,000 layers"), "{help}");
    assert!(help.contains("2 bad input or usage"), "{help}");
}

/// A loss's argument is one positive, finite number, given only to a loss that takes one.
#[test]
fn bad_loss_arguments_are_usage_errors() {
    for (loss, says) in [
        ("hinge(0)", "the margin must be positive, and 0 is not"),
        ("hinge(-2)", "the margin must be positive"),
        ("huber(0)", "the δ must be positive"),
        ("smooth_l1(-1)", "the β must be positive"),
        ("huber(inf)", "inf is not a finite number"),
        ("hinge(nan)", "nan is not a finite number"),
        ("huber(1e-400)", "too small for a double-precision number"),
        ("hinge(two)", "`two` is not a number"),
        ("hinge()", "no argument between the parentheses"),
        ("huber(1,2)", "more than one argument"),
        ("huber(0.5", "expected one argument in parentheses"),
        ("mse(2)", "mse takes no argument"),
        ("l1(1)", "l1 takes no argument"),
    ] {
        let message = refused(&["linear", "--loss", loss], &["--loss", says]);
        assert!(!message.contains("did you mean"), "{loss}: {message}");
    }
}

/// hinge takes a one-hot target: `--at` refuses any other y, naming the key.
#[test]
fn a_hinge_target_that_is_not_one_hot_is_refused() {
    let point = |y: &str| {
        format!(
            r#"{{"x": [1.0, 2.0], "W1": [[0.1, 0.2], [0.3, -0.4], [0.5, 0.6]], "b1": [0, 0, 0], "y": {y}}}"#
        )
    };
    for (name, y, says) in [
        ("hinge_soft.json", "[0.5, 0.5, 0]", "one-hot"),
        ("hinge_two.json", "[1, 1, 0]", "2 entries equal to 1"),
        ("hinge_none.json", "[0, 0, 0]", "0 entries equal to 1"),
    ] {
        let file = common::temp_file(name, &point(y));
        let path = file.to_str().unwrap();
        refused(&["linear", "--loss", "hinge", "--at", path], &["`y`", says]);
    }
    let file = common::temp_file("hinge_ok.json", &point("[0, 1, 0]"));
    let output = derive(&["linear", "--loss", "hinge", "--at", file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
    // bce_logits takes targets in [0, 1] and any logits.
    let file = common::temp_file("bce_logits_y.json", &point("[0.5, 1.5, 0]"));
    refused(
        &[
            "linear",
            "--loss",
            "bce_logits",
            "--at",
            file.to_str().unwrap(),
        ],
        &["`y`[1] is 1.5", "targets in [0, 1]"],
    );
}

#[test]
fn dropout_takes_a_probability_below_one() {
    refused(
        &["linear>dropout(1)>linear"],
        &[
            "p = 1 drops every unit, and the scale 1/(1 − p) divides by zero (column 16)",
            "0 ≤ p < 1",
        ],
    );
    refused(
        &["dropout(1.5)"],
        &["p = 1.5 is not a probability", "(column 9)"],
    );
    refused(
        &["Dropout(-0.1)"],
        &["p = -0.1 is not a probability", "(column 9)"],
    );
    refused(
        &["dropout(0.1234567891)"],
        &["more than 9 decimals", "(column 9)"],
    );
    refused(&["dropout()"], &["empty parentheses (column 8)"]);
    refused(&["dropout(0.1,0.2)"], &["takes one argument (column 13)"]);
    refused(&["dropout(inf)"], &["(column 9)", "finite number"]);
}
