//! Every homework answer as a standalone LaTeX document compiles with pdflatex, with no error
//! and no overfull box. CI (CI set) must have pdflatex; elsewhere the test says it skipped.

mod common;

use std::process::Command;

use common::{derive, stdout, temp_dir, temp_file};

const HOMEWORK: [(&str, &str); 4] = [
    ("linear>relu>linear>identity", "mse"),
    ("linear>sigmoid>linear>sigmoid", "mse"),
    ("linear>sigmoid>linear>sigmoid", "bce"),
    ("linear>relu>linear>sigmoid", "bce"),
];

fn pdflatex_present() -> bool {
    let present = Command::new("pdflatex").arg("--version").output().is_ok();
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "pdflatex is missing; .ci/run installs texlive-latex-base and texlive-latex-recommended"
        );
        eprintln!("note: pdflatex is not installed; the LaTeX compile test is skipped");
    }
    present
}

/// Compiles the document and returns the problems its log reports.
fn compile(name: &str, document: &str) -> Vec<String> {
    let dir = temp_dir(name);
    std::fs::write(dir.join("answer.tex"), document).unwrap();
    let output = Command::new("pdflatex")
        .args(["-interaction=nonstopmode", "-halt-on-error", "answer.tex"])
        .current_dir(&dir)
        .output()
        .expect("pdflatex runs");
    let log = std::fs::read_to_string(dir.join("answer.log")).unwrap_or_default();
    let mut problems: Vec<String> = log
        .lines()
        .filter(|l| l.starts_with('!') || l.starts_with("Overfull") || l.contains("Error"))
        .map(str::to_string)
        .collect();
    if !output.status.success() {
        problems.push(format!("pdflatex exited with {}", output.status));
    }
    if problems.is_empty() {
        std::fs::remove_dir_all(&dir).ok();
    } else {
        problems.push(format!("(kept in {})", dir.display()));
    }
    problems
}

#[test]
fn every_homework_document_compiles_without_overfull_boxes() {
    if !pdflatex_present() {
        return;
    }
    for (spec, loss) in HOMEWORK {
        let output = derive(&[spec, "--loss", loss, "--format", "latex", "--standalone"]);
        assert_eq!(output.status.code(), Some(0));
        let problems = compile(
            &format!("{loss}-{}", spec.replace('>', "-")),
            &stdout(&output),
        );
        assert!(problems.is_empty(), "{spec} {loss}: {problems:#?}");
    }
}

/// Beyond the homework: every activation, the fused losses, a compact deep chain, mini-batches.
const BREADTH: [&[&str]; 6] = [
    &[
        "linear>tanh>linear>tanh>linear>tanh>linear>identity",
        "--loss",
        "mse",
    ],
    &["linear>relu>linear>softmax", "--loss", "ce", "--batch"],
    &["linear>tanh>linear>log_softmax", "--loss", "nll"],
    &["linear>leaky_relu(0.1)>linear>sigmoid", "--loss", "bce"],
    &[
        "linear>elu>linear>softplus>linear>silu",
        "--loss",
        "mse",
        "--reduction",
        "mean",
    ],
    &["linear>relu>linear>identity", "--loss", "mse", "--batch"],
];

#[test]
fn documents_beyond_the_homework_compile_without_overfull_boxes() {
    if !pdflatex_present() {
        return;
    }
    for (i, args) in BREADTH.iter().enumerate() {
        let mut args = args.to_vec();
        args.extend(["--format", "latex", "--standalone"]);
        let output = derive(&args);
        assert_eq!(output.status.code(), Some(0), "{args:?}");
        let problems = compile(&format!("breadth-{i}"), &stdout(&output));
        assert!(problems.is_empty(), "{args:?}: {problems:#?}");
    }
}

#[test]
fn a_document_with_values_at_a_point_compiles() {
    if !pdflatex_present() {
        return;
    }
    let point = temp_file(
        "point.json",
        r#"{"x": [0.1, -2.5, 3], "W1": [[1, 2, 3], [4, 5, 6]], "b1": [0.5, -1e-20],
            "W2": [[0.25, -0.75]], "b2": [0.3], "y": [1]}"#,
    );
    let output = derive(&[
        "linear>tanh>linear>sigmoid",
        "--loss",
        "bce",
        "--format",
        "latex",
        "--standalone",
        "--at",
        point.to_str().unwrap(),
    ]);
    let problems = compile("at-point", &stdout(&output));
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn a_document_whose_check_could_not_check_every_item_compiles() {
    if !pdflatex_present() {
        return;
    }
    // Softmax saturated (exit code 3), and bce beside 0 with one-sided differences.
    for (name, spec, loss, point) in [
        (
            "saturated",
            "linear>softmax",
            "ce",
            r#"{"x":[1],"W1":[[1000],[0]],"b1":[0,0],"y":[0.5,0.5]}"#,
        ),
        (
            "one-sided",
            "linear>sigmoid",
            "bce",
            r#"{"x":[1],"W1":[[-30]],"b1":[0],"y":[0]}"#,
        ),
    ] {
        let point = temp_file(&format!("{name}.json"), point);
        let output = derive(&[
            spec,
            "--loss",
            loss,
            "--format",
            "latex",
            "--standalone",
            "--at",
            point.to_str().unwrap(),
        ]);
        let problems = compile(name, &stdout(&output));
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
}
