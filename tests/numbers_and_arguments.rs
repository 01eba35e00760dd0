//! Numbers in specs and point files, and the errors for arguments written wrong, through the
//! real binary: a literal that would silently become 0 is refused, arguments print in their
//! shortest form with the notation's minus sign, and a bad character inside parentheses is
//! pointed at with what may stand there.

mod common;

use common::{derive, stderr, stdout, temp_file};

fn refused(args: &[&str], says: &[&str]) -> String {
    let output = derive(args);
    let message = stderr(&output);
    assert_eq!(output.status.code(), Some(2), "{args:?}: {message}");
    assert!(stdout(&output).is_empty(), "{args:?}");
    for s in says {
        assert!(message.contains(s), "{args:?}: {s:?} not in\n{message}");
    }
    message
}

#[test]
fn a_literal_that_underflows_to_zero_is_refused_like_one_that_overflows() {
    refused(
        &["linear>elu(1e-400)>linear"],
        &["`1e-400` is too small", "read as 0", "(column 12)"],
    );
    refused(&["linear>elu(1e400)>linear"], &["not a finite number"]);
    let point = temp_file(
        "underflow.json",
        r#"{"x": [2e-400], "W1": [[1]], "b1": [0], "y": [0.5]}"#,
    );
    refused(
        &["linear", "--at", point.to_str().unwrap()],
        &["`x`[0] is 2e-400", "read as 0"],
    );
    // The smallest subnormal is a number like any other.
    let output = derive(&["linear>elu(5e-324)>linear", "--no-check"]);
    assert_eq!(output.status.code(), Some(0), "{}", stderr(&output));
}

#[test]
fn arguments_print_in_their_shortest_form_in_every_format() {
    for (spec, shown) in [
        // As the header writes the spec (LaTeX escapes the `_` of leaky_relu).
        ("linear>elu(1e-300)>linear", "elu(1e-300)"),
        ("linear>leaky_relu(1e308)>linear", "relu(1e308)"),
    ] {
        for format in ["text", "latex", "markdown", "json"] {
            let output = derive(&[spec, "--no-check", "--format", format]);
            assert_eq!(output.status.code(), Some(0), "{spec} {format}");
            let text = stdout(&output);
            assert!(text.contains(shown), "{spec} {format}");
            assert!(!text.contains("00000000000"), "{spec} {format}");
        }
    }
    let latex = stdout(&derive(&[
        "linear>elu(1e-300)>linear",
        "--no-check",
        "--format",
        "latex",
    ]));
    assert!(
        latex.contains(r"$\alpha$ = $1 \times 10^{-300}$"),
        "{latex}"
    );
}

#[test]
fn minus_zero_prints_as_zero_and_negatives_with_the_notations_minus() {
    let text = stdout(&derive(&["linear>leaky_relu(-0)>linear", "--no-check"]));
    assert!(!text.contains("-0.0") && !text.contains("−0"), "{text}");
    // −0 and 0 are the same function, and 0 is not LeakyReLU's default, so it is shown.
    assert!(text.contains("leaky_relu(0)"), "{text}");
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        flat.contains("α = 0.") && flat.contains("; 0 is used there"),
        "{text}"
    );
    let text = stdout(&derive(&["linear>leaky_relu(-0.5)>linear", "--no-check"]));
    // Paragraphs are wrapped to the width: compared with the line breaks taken out.
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(flat.contains("α = −0.5."), "{text}");
    assert!(flat.contains("; −0.5 is used there"), "{text}");
    // The header is the spec, which takes the ASCII `-`: it reads back as written.
    assert!(text.contains("leaky_relu(-0.5)"), "{text}");
    let latex = stdout(&derive(&[
        "linear>leaky_relu(-0.5)>linear",
        "--no-check",
        "--format",
        "latex",
    ]));
    assert!(latex.contains(r"$\alpha$ = $-0.5$"), "{latex}");
}

#[test]
fn a_key_given_twice_in_a_point_is_refused() {
    let point = temp_file(
        "twice.json",
        r#"{"x": [1], "W1": [[1]], "b1": [0], "y": [0.5], "x": [2]}"#,
    );
    refused(
        &["linear", "--at", point.to_str().unwrap()],
        &["the key `x` is given twice"],
    );
}

#[test]
fn a_bad_character_inside_parentheses_is_pointed_at() {
    for (spec, found, column, help) in [
        ("linear>leaky_relu(1/3)>linear", "/", 20, "fraction"),
        ("leaky_relu(0.2>linear", ">", 15, ""),
        ("elu(1e)", "e", 6, "exponent"),
        ("elu(0x10)", "x", 6, "decimal"),
        ("elu(1 2)", "2", 7, "separated by `,`"),
    ] {
        let message = refused(
            &[spec],
            &[
                &format!("unexpected `{found}` (column {column})"),
                "expected `,` or `)`",
                help,
            ],
        );
        assert!(!message.contains("`(` and arguments"), "{spec}: {message}");
    }
    refused(
        &["leaky_relu(x)"],
        &["unexpected `x` (column 12)", "expected a number or `)`"],
    );
}

#[test]
fn a_hyphen_for_an_underscore_gets_the_name_meant() {
    refused(
        &["linear>leaky-relu>linear"],
        &["unexpected `-` (column 13)", "did you mean `leaky_relu`?"],
    );
    refused(&["linear>log-softmax"], &["did you mean `log_softmax`?"]);
}
