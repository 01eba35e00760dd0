//! The LaTeX output on the page: every document is compiled with pdflatex, once (one run must
//! suffice), in article at 10, 11 and 12 pt, and fails on an error, an overfull box, a "Rerun"
//! warning, or a page that leaves a line alone (read back from the PDF with pdftotext). CI (CI
//! set) must have pdflatex and pdftotext; elsewhere the test says it skipped.

mod common;

use std::path::Path;
use std::process::Command;

use common::{derive, stdout, temp_dir, temp_file};

const SIZES: [&str; 3] = ["10pt", "11pt", "12pt"];

fn tools_present() -> bool {
    let present = ["pdflatex", "pdftotext"]
        .iter()
        .all(|tool| Command::new(tool).arg("-v").output().is_ok());
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "pdflatex or pdftotext is missing; .ci/run installs texlive-latex-base, \
             texlive-latex-recommended and poppler-utils"
        );
        eprintln!("note: pdflatex or pdftotext is not installed; the LaTeX tests are skipped");
    }
    present
}

/// The document at a font size: the output's own `\documentclass{article}` with the size.
fn at_size(document: &str, size: &str) -> String {
    assert!(document.starts_with("\\documentclass{article}\n"));
    document.replacen(
        "\\documentclass{article}",
        &format!("\\documentclass[{size}]{{article}}"),
        1,
    )
}

/// Compiles the document with one pdflatex run and returns the problems found: in the log, and
/// on the pages.
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
        .filter(|l| {
            l.starts_with('!')
                || l.starts_with("Overfull")
                || l.contains("Error")
                || l.contains("Rerun")
                || l.contains("have changed")
        })
        .map(str::to_string)
        .collect();
    if !output.status.success() {
        problems.push(format!("pdflatex exited with {}", output.status));
    } else {
        problems.extend(lone_lines(&dir.join("answer.pdf")));
    }
    if problems.is_empty() {
        std::fs::remove_dir_all(&dir).ok();
    } else {
        problems.push(format!("(kept in {})", dir.display()));
    }
    problems
}

/// The lines of each page as pdftotext lays them out, without blank lines and the page number.
fn pages(pdf: &Path) -> Vec<Vec<String>> {
    let output = Command::new("pdftotext")
        .args(["-layout", pdf.to_str().unwrap(), "-"])
        .output()
        .expect("pdftotext runs");
    let text = String::from_utf8_lossy(&output.stdout).into_owned();
    let mut pages: Vec<Vec<String>> = text
        .split('\u{c}')
        .map(|page| {
            let mut lines: Vec<String> = page
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect();
            if lines
                .last()
                .is_some_and(|l| l.chars().all(|c| c.is_ascii_digit()))
            {
                lines.pop();
            }
            lines
        })
        .collect();
    // The text ends with a form feed: nothing follows the last page.
    while pages.last().is_some_and(Vec::is_empty) {
        pages.pop();
    }
    pages
}

/// A section heading as pdftotext shows it: `3. Gradients by the chain rule`.
fn is_heading(line: &str) -> bool {
    let digits = line.chars().take_while(|c| c.is_ascii_digit()).count();
    digits > 0
        && line[digits..].starts_with(". ")
        && line[digits + 2..].starts_with(char::is_uppercase)
}

/// Pages that leave a line alone: a page of one line, a heading in the last two lines of a page
/// (its section starts on the next), or a page that starts with one line and then a heading
/// (the end of a section left behind).
fn lone_lines(pdf: &Path) -> Vec<String> {
    let pages = pages(pdf);
    let mut problems = Vec::new();
    for (p, lines) in pages.iter().enumerate() {
        let number = p + 1;
        if lines.len() == 1 {
            problems.push(format!("page {number} holds one line: {}", lines[0]));
        }
        let last_two = &lines[lines.len().saturating_sub(2)..];
        if p + 1 < pages.len()
            && let Some(heading) = last_two.iter().find(|l| is_heading(l))
        {
            problems.push(format!("page {number} ends with a heading: {heading}"));
        }
        if p > 0 && lines.len() > 1 && is_heading(&lines[1]) {
            problems.push(format!(
                "page {number} starts with a line left alone: {}",
                lines[0]
            ));
        }
    }
    problems
}

fn latex_document(args: &[&str]) -> String {
    let mut args = args.to_vec();
    args.extend(["--format", "latex", "--standalone"]);
    let output = derive(&args);
    assert_eq!(output.status.code(), Some(0), "{args:?}");
    stdout(&output)
}

/// Compiles `args`' document at every size and fails with every problem found.
fn assert_compiles(name: &str, args: &[&str]) {
    let document = latex_document(args);
    for size in SIZES {
        let problems = compile(&format!("{name}-{size}"), &at_size(&document, size));
        assert!(problems.is_empty(), "{args:?} at {size}: {problems:#?}");
    }
}

fn chain(block: &str, times: usize, last: &str) -> String {
    let mut layers = vec![block; times];
    layers.push(last);
    layers.join(">")
}

#[test]
fn every_homework_document_compiles_at_every_size() {
    if !tools_present() {
        return;
    }
    for (spec, loss) in [
        ("linear>relu>linear>identity", "mse"),
        ("linear>sigmoid>linear>sigmoid", "mse"),
        ("linear>sigmoid>linear>sigmoid", "bce"),
        ("linear>relu>linear>sigmoid", "bce"),
    ] {
        assert_compiles(
            &format!("{loss}-{}", spec.replace('>', "-")),
            &[spec, "--loss", loss],
        );
    }
}

#[test]
fn expanded_chains_up_to_twelve_layers_fit_the_page() {
    if !tools_present() {
        return;
    }
    assert_compiles(
        "expanded-tanh",
        &[
            "linear>tanh>linear>tanh>linear>tanh>linear>identity",
            "--loss",
            "mse",
            "--expand",
        ],
    );
    // 12 layers written out in full, with a loss whose forms are long.
    let twelve = chain("linear>relu", 5, "linear>sigmoid");
    assert_compiles("expanded-12", &[&twelve, "--loss", "bce", "--expand"]);
    let every =
        "linear>leaky_relu(0.1)>linear>elu>linear>softplus>linear>silu>linear>tanh>linear>sigmoid";
    assert_compiles("expanded-every", &[every, "--loss", "bce", "--expand"]);
}

#[test]
fn compact_chains_up_to_two_hundred_layers_fit_the_page() {
    if !tools_present() {
        return;
    }
    assert_compiles(
        "compact-softmax",
        &["linear>relu>linear>relu>linear>softmax", "--loss", "ce"],
    );
    let twelve = chain("linear>relu", 5, "linear>identity");
    assert_compiles("compact-12", &[&twelve, "--loss", "mse", "--compact"]);
    let two_hundred = chain("linear>sigmoid", 99, "linear>sigmoid");
    assert_compiles("compact-200", &[&two_hundred, "--loss", "bce"]);
}

#[test]
fn batches_and_every_loss_fit_the_page() {
    if !tools_present() {
        return;
    }
    assert_compiles(
        "batch-ce",
        &["linear>relu>linear>softmax", "--loss", "ce", "--batch"],
    );
    assert_compiles(
        "batch-nll",
        &[
            "linear>tanh>linear>log_softmax",
            "--loss",
            "nll",
            "--batch",
            "--expand",
        ],
    );
    assert_compiles(
        "mean-mse",
        &[
            "linear>elu>linear>softplus>linear>silu",
            "--loss",
            "mse",
            "--reduction",
            "mean",
        ],
    );
}

/// Arguments at the ends of the doubles' range, in the header and in the definitions.
#[test]
fn extreme_arguments_fit_the_page() {
    if !tools_present() {
        return;
    }
    assert_compiles(
        "tiny-alpha",
        &["linear>elu(1e-300)>linear", "--loss", "mse", "--no-check"],
    );
    assert_compiles(
        "huge-alpha",
        &[
            "linear>leaky_relu(-1e308)>linear",
            "--loss",
            "mse",
            "--no-check",
        ],
    );
}

#[test]
fn a_document_with_values_at_a_point_compiles() {
    if !tools_present() {
        return;
    }
    let point = temp_file(
        "point.json",
        r#"{"x": [0.1, -2.5, 3], "W1": [[1, 2, 3], [4, 5, 6]], "b1": [0.5, -1e-20],
            "W2": [[0.25, -0.75]], "b2": [0.3], "y": [1]}"#,
    );
    assert_compiles(
        "at-point",
        &[
            "linear>tanh>linear>sigmoid",
            "--loss",
            "bce",
            "--at",
            point.to_str().unwrap(),
        ],
    );
}

/// A part printed alone is pasted under the reader's own heading, in a document that states
/// only the packages the fragment's first line names (no \allowdisplaybreaks).
#[test]
fn parts_alone_compile_in_a_document_of_their_own() {
    if !tools_present() {
        return;
    }
    let spec = chain("linear>relu", 3, "linear>softmax");
    for parts in [
        "forward",
        "gradients,jacobians",
        "closed",
        "check",
        "network",
    ] {
        let output = derive(&[&spec, "--loss", "ce", "--format", "latex", "--only", parts]);
        assert_eq!(output.status.code(), Some(0), "{parts}");
        let fragment = stdout(&output);
        let needs = fragment.lines().next().unwrap();
        let packages = needs
            .strip_prefix("% Needs \\usepackage{")
            .and_then(|rest| rest.split('}').next())
            .unwrap_or_else(|| panic!("the first line states the packages: {needs}"));
        assert!(!fragment.contains("\\section*{derive"), "{parts}: no title");
        assert!(
            !fragment.contains("\\subsection*{1.") && !fragment.contains("\\subsection*{2."),
            "{parts}: no numbers"
        );
        let document = format!(
            "\\documentclass{{article}}\n\\usepackage{{{packages}}}\n\\begin{{document}}\n\
             \\section*{{Problem 1 (b)}}\n{fragment}\n\\end{{document}}\n"
        );
        for size in SIZES {
            let problems = compile(&format!("only-{parts}-{size}"), &at_size(&document, size));
            assert!(
                problems.is_empty(),
                "--only {parts} at {size}: {problems:#?}"
            );
        }
    }
}

/// Every LaTeX string of the JSON output compiles with the LaTeX output's packages: they use
/// its macros and nothing else.
#[test]
fn every_latex_string_of_the_json_compiles() {
    if !tools_present() {
        return;
    }
    for (spec, loss) in [
        ("linear>relu>linear>identity", "mse"),
        ("linear>sigmoid>linear>sigmoid", "bce"),
        ("linear>relu>linear>softmax", "ce"),
    ] {
        let json: serde_json::Value = serde_json::from_str(&stdout(&derive(&[
            spec, "--loss", loss, "--format", "json",
        ])))
        .unwrap();
        let mut strings = Vec::new();
        collect_latex(&json, &mut strings);
        assert!(strings.len() > 10, "{spec}: {} strings", strings.len());
        let body: String = strings
            .iter()
            .map(|s| format!("\\begin{{multline*}}\n{s}\n\\end{{multline*}}\n"))
            .collect();
        let document = format!(
            "\\documentclass{{article}}\n\\usepackage{{{}}}\n\\begin{{document}}\n{body}\\end{{document}}\n",
            derive::render::latex::PACKAGES
        );
        let problems: Vec<String> = compile(&format!("json-{loss}"), &document)
            .into_iter()
            .filter(|p| !p.starts_with("Overfull"))
            .collect();
        let errors: Vec<&String> = problems
            .iter()
            .filter(|p| !p.starts_with("(kept"))
            .collect();
        assert!(errors.is_empty(), "{spec}: {problems:#?}");
    }
}

fn collect_latex(value: &serde_json::Value, out: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (key, v) in map {
                match v {
                    serde_json::Value::String(s) if key == "latex" => out.push(s.clone()),
                    _ => collect_latex(v, out),
                }
            }
        }
        serde_json::Value::Array(items) => items.iter().for_each(|v| collect_latex(v, out)),
        _ => {}
    }
}

/// The page check itself: a heading left at the bottom of a page, and a line left at the top
/// of one, are found.
#[test]
fn the_page_check_finds_a_line_left_alone() {
    if !tools_present() {
        return;
    }
    let filler = "\\vspace*{\\dimexpr\\textheight-4\\baselineskip\\relax}\n";
    let document = format!(
        "\\documentclass{{article}}\n\\begin{{document}}\n{filler}Text of section one.\\par\n\
         Its second line.\\par\n3. A heading left behind\\par\n\\newpage\nOne line left over.\\par\n\
         4. The next heading\\par\nAnd its text.\\par\nMore of it.\\par\n\\end{{document}}\n"
    );
    let problems = compile("lone-lines", &document);
    assert!(
        problems.iter().any(|p| p.contains("ends with a heading")),
        "{problems:#?}"
    );
    assert!(
        problems
            .iter()
            .any(|p| p.contains("starts with a line left alone")),
        "{problems:#?}"
    );
    let overfull = "\\documentclass{article}\n\\begin{document}\n\\noindent\\rule{1.2\\textwidth}{1pt}\n\\end{document}\n";
    assert!(
        compile("overfull", overfull)
            .iter()
            .any(|p| p.starts_with("Overfull")),
        "an overfull box is found"
    );
}

#[test]
fn a_document_whose_check_could_not_check_every_item_compiles() {
    if !tools_present() {
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
        let document = stdout(&derive(&[
            spec,
            "--loss",
            loss,
            "--format",
            "latex",
            "--standalone",
            "--at",
            point.to_str().unwrap(),
        ]));
        for size in SIZES {
            let problems = compile(&format!("{name}-{size}"), &at_size(&document, size));
            assert!(problems.is_empty(), "{name} at {size}: {problems:#?}");
        }
    }
}

#[test]
fn dropout_compiles_for_one_sample_and_a_mini_batch() {
    if !tools_present() {
        return;
    }
    let spec = "linear>relu>dropout(0.1)>linear>dropout";
    assert_compiles("dropout", &[spec, "--loss", "mse"]);
    assert_compiles("dropout-batch", &[spec, "--loss", "mse", "--batch"]);
}
