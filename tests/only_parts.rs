//! `--only`: the parts a homework asks for, printed alone in every format, without the title and
//! section numbers, each exactly as it reads in the whole derivation.

mod common;

use common::{derive, derive_ok as run, stderr, stdout, temp_file};

const SPEC: &str = "linear>relu>linear>identity";

/// The lines of the whole text output from the heading titled `title` up to the next heading.
fn section_of(whole: &str, title: &str) -> String {
    let mut lines = whole.lines().skip_while(|l| !l.contains(title));
    let heading = lines.next().expect("the section is there");
    let body: Vec<&str> = lines
        .take_while(|l| !l.chars().next().is_some_and(|c| c.is_ascii_digit()))
        .collect();
    let title_only = heading.split_once(". ").map(|(_, t)| t).unwrap_or(heading);
    format!("{title_only}\n{}", body.join("\n"))
}

#[test]
fn a_part_alone_reads_as_in_the_whole_derivation_without_its_number() {
    let whole = run(&[SPEC, "--loss", "mse"]);
    for (part, title) in [
        ("network", "Network and conventions"),
        ("forward", "Forward pass"),
        ("gradients", "Gradients by the chain rule"),
        ("jacobians", "Jacobians and their elements"),
        ("closed", "Closed forms"),
    ] {
        let alone = run(&[SPEC, "--loss", "mse", "--only", part]);
        assert!(!alone.contains("derive: "), "{part}: no title");
        assert!(
            !alone
                .lines()
                .any(|l| l.starts_with(|c: char| c.is_ascii_digit())),
            "{part}: no numbered heading:\n{alone}"
        );
        assert!(
            !alone.contains("Numeric check"),
            "{part}: the check does not run"
        );
        // The same words, wrapped anew where a reference to a section number is dropped.
        let words = |text: &str| text.split_whitespace().collect::<Vec<_>>().join(" ");
        let expected = section_of(&whole, title).replace(" (section 2)", "");
        assert_eq!(
            words(&alone),
            words(&expected),
            "--only {part} is the whole output's section"
        );
    }
}

#[test]
fn parts_come_in_the_derivation_s_order_and_the_check_only_when_asked() {
    let alone = run(&[SPEC, "--loss", "mse", "--only", "jacobians,gradients"]);
    let gradients = alone.find("Gradients by the chain rule").unwrap();
    let jacobians = alone.find("Jacobians and their elements").unwrap();
    assert!(gradients < jacobians);
    assert!(!alone.contains("Forward pass") && !alone.contains("Numeric check"));
    let check = run(&[SPEC, "--loss", "mse", "--only", "check"]);
    assert!(check.starts_with("\nNumeric check: PASS"), "{check}");
    assert!(!check.contains("Closed forms"));
    // Cross-references name the part rather than a number no longer printed.
    let words = check.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        words.contains("The element forms of the Jacobians"),
        "{check}"
    );
}

#[test]
fn values_alone_need_a_point_and_refer_to_the_closed_forms_by_name() {
    let at = temp_file(
        "only-point.json",
        r#"{"x": [1], "W1": [[2]], "b1": [0], "W2": [[3]], "b2": [0], "y": [1]}"#,
    );
    let output = derive(&[
        SPEC,
        "--loss",
        "mse",
        "--at",
        at.to_str().unwrap(),
        "--only",
        "values",
    ]);
    assert_eq!(output.status.code(), Some(0));
    let values = stdout(&output);
    assert!(values.contains("Values at the given point"), "{values}");
    assert!(values.contains("the closed forms"), "{values}");
}

#[test]
fn markdown_and_json_leave_the_other_parts_out() {
    let markdown = run(&[
        SPEC, "--loss", "mse", "--format", "markdown", "--only", "forward",
    ]);
    assert!(markdown.contains("### Forward pass"), "{markdown}");
    assert!(!markdown.contains("## derive") && !markdown.contains("### 2."));
    assert!(!markdown.contains("Jacobians"));

    let json: serde_json::Value = serde_json::from_str(&run(&[
        SPEC,
        "--loss",
        "mse",
        "--format",
        "json",
        "--only",
        "gradients",
    ]))
    .unwrap();
    // serde_json's map is sorted.
    let keys: Vec<&str> = json
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(keys, ["gradients", "schema", "spec"]);
    let gradient = &json["gradients"][0];
    assert!(gradient.get("chain_rule").is_some() && gradient.get("closed_form").is_none());

    let whole: serde_json::Value =
        serde_json::from_str(&run(&[SPEC, "--loss", "mse", "--format", "json"])).unwrap();
    assert_eq!(
        json["gradients"][0]["chain_rule"],
        whole["gradients"][0]["chain_rule"]
    );
}

#[test]
fn unknown_repeated_or_impossible_parts_are_refused() {
    for (only, message) in [
        ("foward", "did you mean `forward`"),
        ("Forward", "is not a part"),
        ("forward,,closed", "an empty name"),
        ("closed,closed", "given twice"),
        ("values", "--at"),
    ] {
        let output = derive(&[SPEC, "--only", only]);
        assert_eq!(output.status.code(), Some(2), "{only}");
        assert!(
            stderr(&output).contains(message),
            "{only}: {}",
            stderr(&output)
        );
    }
    let output = derive(&[SPEC, "--only", "check", "--no-check"]);
    assert_eq!(output.status.code(), Some(2));
}
