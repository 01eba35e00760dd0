//! The Markdown output survives GitHub's pipeline. GitHub parses Markdown (CommonMark with the
//! GFM extensions) before its math renderer sees a formula, so each output is parsed here as
//! that first stage does, with a real parser and its math extension off, and must arrive whole:
//! every formula one unbroken piece whose text is the LaTeX meant (the JSON output's formulas
//! and the LaTeX output's inline ones), no emphasis made of a formula's `_` or `*`, no table
//! row with more cells than its header.

mod common;

use std::collections::BTreeSet;

use comrak::nodes::{AstNode, NodeValue};
use comrak::{Arena, Options, parse_document};
use serde_json::Value;

use common::{derive, stdout, temp_file};

/// GitHub's Markdown stage: CommonMark with the GFM extensions, and no math, which GitHub
/// leaves to a later stage. (With `$` math parsed here, `_` inside `$…$` would never become
/// emphasis and nothing could fail.)
fn github_options() -> Options<'static> {
    let mut options = Options::default();
    options.extension.table = true;
    options.extension.strikethrough = true;
    options.extension.autolink = true;
    options.extension.tasklist = true;
    options.extension.footnotes = true;
    options.extension.math_dollars = false;
    options.extension.math_code = false;
    options
}

/// What GitHub's math renderer receives from one document: its formulas, in order, and
/// whatever the Markdown stage broke.
#[derive(Debug, Default)]
struct Received {
    formulas: Vec<String>,
    problems: Vec<String>,
}

/// The text of a node's inline descendants, to name it in a problem.
fn text_of<'a>(node: &'a AstNode<'a>) -> String {
    node.descendants()
        .filter_map(|n| match &n.data().value {
            NodeValue::Text(t) => Some(t.to_string()),
            NodeValue::Code(c) => Some(format!("`{}`", c.literal)),
            _ => None,
        })
        .collect()
}

fn ends_with_dollar(node: Option<&AstNode>) -> bool {
    node.is_some_and(|n| matches!(&n.data().value, NodeValue::Text(t) if t.ends_with('$')))
}

fn starts_with_dollar(node: Option<&AstNode>) -> bool {
    node.is_some_and(|n| matches!(&n.data().value, NodeValue::Text(t) if t.starts_with('$')))
}

/// Parses `markdown` as GitHub's Markdown stage does and collects the formulas it hands on: a
/// code span between two `$` (GitHub's `` $`…`$ ``) and a fenced block whose info string is
/// `math`. A `$` anywhere else is a formula the parser broke or never saw whole.
fn received(markdown: &str) -> Received {
    let arena = Arena::new();
    let root = parse_document(&arena, markdown, &github_options());
    let mut out = Received::default();
    for node in root.descendants() {
        let value = node.data().value.clone();
        match value {
            NodeValue::Code(code) => {
                if ends_with_dollar(node.previous_sibling())
                    && starts_with_dollar(node.next_sibling())
                {
                    out.formulas.push(code.literal);
                } else {
                    out.problems
                        .push(format!("a code span outside $`…`$: `{}`", code.literal));
                }
            }
            NodeValue::CodeBlock(block) => {
                if block.info == "math" && block.fenced && block.closed {
                    out.formulas
                        .push(block.literal.trim_end_matches('\n').to_string());
                } else {
                    out.problems.push(format!(
                        "a code block that is not a closed ```math block: {:?}",
                        block.literal
                    ));
                }
            }
            NodeValue::Text(text) => {
                // The `$` that open and close $`…`$ are allowed; any other is a formula's.
                let mut dollars = text.matches('$').count();
                let code = |n: Option<&AstNode>| {
                    n.is_some_and(|n| matches!(n.data().value, NodeValue::Code(_)))
                };
                if text.ends_with('$') && code(node.next_sibling()) {
                    dollars -= 1;
                }
                if text.starts_with('$') && code(node.previous_sibling()) && dollars > 0 {
                    dollars -= 1;
                }
                if dollars > 0 {
                    out.problems.push(format!(
                        "a formula broken apart or left to Markdown, `$` in the text {text:?}"
                    ));
                }
            }
            NodeValue::Emph | NodeValue::Strikethrough => out.problems.push(format!(
                "emphasis Markdown made of a formula: {:?}",
                text_of(node)
            )),
            // The check's verdict is the one thing written in bold.
            NodeValue::Strong if text_of(node) != "FAIL" => out.problems.push(format!(
                "strong emphasis Markdown made of a formula: {:?}",
                text_of(node)
            )),
            NodeValue::HtmlInline(html) if html != "<br>" => out
                .problems
                .push(format!("HTML Markdown made of a formula: {html}")),
            NodeValue::HtmlBlock(html) => out
                .problems
                .push(format!("HTML Markdown made of a formula: {}", html.literal)),
            NodeValue::Link(_) | NodeValue::Image(_) | NodeValue::FootnoteReference(_) => {
                out.problems.push(format!(
                    "a link Markdown made of a formula: {}",
                    text_of(node)
                ))
            }
            NodeValue::Table(table) => {
                for row in node.children() {
                    // GFM drops the cells past the header's columns, so a row that had more
                    // shows as source left over after its last cell's closing `|`.
                    let last_cell = row.last_child().map(|c| c.data().sourcepos.end.column);
                    let row_end = row.data().sourcepos.end.column;
                    if last_cell.is_some_and(|end| row_end > end + 1) {
                        out.problems.push(format!(
                            "a table row with more cells than its header's {}: {}",
                            table.num_columns,
                            text_of(row)
                        ));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

/// The LaTeX of every formula the JSON output holds, as it reads in the Markdown output: each
/// equation with its left side, the loss's definition after `\ell =`.
fn json_formulas(json: &Value) -> Vec<String> {
    let latex = |v: &Value| v["latex"].as_str().expect("a formula's latex").to_string();
    let equation = |name: String, forms: Vec<String>| format!("{name} = {}", forms.join(" = "));
    let array = |v: &Value| v.as_array().cloned().unwrap_or_default();
    let names: Vec<(String, String)> = array(&json["symbols"])
        .iter()
        .map(|s| (s["key"].as_str().unwrap().to_string(), latex(&s["name"])))
        .collect();
    let name_of = |key: &str| {
        names
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, n)| n.clone())
            .unwrap_or_else(|| panic!("no symbol {key}"))
    };
    let mut out = vec![format!("\\ell = {}", latex(&json["loss"]["definition"]))];
    for row in array(&json["forward"]) {
        let output = row["output"].as_str().unwrap();
        let name = if output == "loss" {
            "\\ell".to_string()
        } else {
            name_of(output)
        };
        out.push(equation(
            name,
            array(&row["forms"]).iter().map(latex).collect(),
        ));
    }
    for row in array(&json["jacobians"]) {
        let forms = array(&row["matrix"]).iter().map(latex).collect();
        out.push(equation(latex(&row["name"]), forms));
        out.push(latex(&row["element"]));
    }
    for row in array(&json["signals"]) {
        out.push(equation(
            latex(&row["name"]),
            vec![latex(&row["closed_form"])],
        ));
    }
    for row in array(&json["gradients"]) {
        for form in ["chain_rule", "closed_form"] {
            out.push(equation(latex(&row["name"]), vec![latex(&row[form])]));
        }
    }
    out
}

/// The values at a point in the JSON output (`--at`), as matrices in LaTeX: ℓ, then each
/// gradient, a weight's rows and a bias as a column.
fn json_values(json: &Value) -> Vec<String> {
    let evaluation = &json["evaluation"];
    if evaluation.is_null() {
        return Vec::new();
    }
    let mut out = vec![evaluation["loss"].to_string()];
    for value in evaluation["gradients"]
        .as_object()
        .expect("gradients")
        .values()
    {
        let rows: Vec<String> = value
            .as_array()
            .expect("a gradient is a list")
            .iter()
            .map(|row| match row.as_array() {
                Some(entries) => entries
                    .iter()
                    .map(Value::to_string)
                    .collect::<Vec<_>>()
                    .join(" & "),
                None => row.to_string(),
            })
            .collect();
        out.push(format!(
            "\\begin{{bmatrix}} {} \\end{{bmatrix}}",
            rows.join(" \\\\ ")
        ));
    }
    out
}

/// What the JSON output holds that the Markdown may show or not: ℓ and the names of every
/// symbol, Jacobian, backpropagated row and gradient, their shapes, and each row's recursion
/// through the next (shown in compact form).
fn json_names_shapes_and_recursions(json: &Value) -> Vec<String> {
    let latex = |v: &Value| v["latex"].as_str().expect("a formula's latex").to_string();
    let items: Vec<Value> = ["symbols", "jacobians", "signals", "gradients"]
        .iter()
        .flat_map(|list| json[list].as_array().cloned().unwrap_or_default())
        .collect();
    let mut out = vec!["\\ell".to_string()];
    for item in &items {
        out.push(latex(&item["name"]));
        out.push(shape(&item["shape"]));
    }
    for row in json["signals"].as_array().cloned().unwrap_or_default() {
        out.push(format!(
            "{} = {}",
            latex(&row["name"]),
            latex(&row["recursion"])
        ));
    }
    out
}

/// A shape `["d1", "n"]` in LaTeX: `d_{1} \times n`.
fn shape(shape: &Value) -> String {
    let dim = |d: &Value| {
        let name = d.as_str().expect("a dimension's name");
        match name.find(|c: char| c.is_ascii_digit()) {
            Some(at) if at > 0 => format!("{}_{{{}}}", &name[..at], &name[at..]),
            _ => name.to_string(),
        }
    };
    format!("{} \\times {}", dim(&shape[0]), dim(&shape[1]))
}

/// The LaTeX output's inline formulas, `$…$`, other than the lines of its tables' equations
/// (which it breaks into lines, each in display style) and the check's table (whose quantities
/// it writes as ∂ℓ / ∂W, where the Markdown writes them as fractions).
fn latex_inline_formulas(latex: &str) -> Vec<String> {
    let mut in_check_table = false;
    let mut kept = String::new();
    for line in latex.lines() {
        in_check_table = (in_check_table || line.starts_with("Quantity & Form & "))
            && !line.starts_with("\\bottomrule");
        if !in_check_table {
            kept.push_str(line);
            kept.push('\n');
        }
    }
    let mut out = Vec::new();
    let mut rest = kept.as_str();
    while let Some(start) = find_dollar(rest) {
        let after = &rest[start + 1..];
        let end = find_dollar(after).expect("every `$` in the LaTeX output is closed");
        let formula = &after[..end];
        if !formula.starts_with("\\displaystyle") {
            out.push(formula.to_string());
        }
        rest = &after[end + 1..];
    }
    out
}

/// The first `$` that is not LaTeX's escaped `\$`.
fn find_dollar(text: &str) -> Option<usize> {
    text.char_indices()
        .find(|&(i, c)| c == '$' && !text[..i].ends_with('\\'))
        .map(|(i, _)| i)
}

/// A formula as the Markdown output spells it: `|` written as `\vert`, which cannot split a
/// table row.
fn as_markdown_spells(latex: &str) -> String {
    latex.replace('|', "\\vert ")
}

/// Everything wrong with `markdown` on GitHub: what its Markdown stage breaks, a formula that
/// GitHub cannot render whole, each formula `meant` that does not arrive as one piece, and each
/// formula that arrives but is neither meant nor one of the `also` expected.
fn problems(markdown: &str, meant: &[String], also: &[String]) -> Vec<String> {
    let got = received(markdown);
    let mut problems = got.problems;
    for formula in &got.formulas {
        if formula.contains('|') || formula.contains('`') || formula.contains("\\indicator") {
            problems.push(format!("a formula GitHub cannot render whole: {formula}"));
        }
    }
    let received: BTreeSet<&str> = got.formulas.iter().map(String::as_str).collect();
    for formula in meant {
        if !received.contains(formula.as_str()) {
            problems.push(format!(
                "a formula that does not arrive as one piece: {formula}"
            ));
        }
    }
    for formula in &got.formulas {
        if !meant.contains(formula) && !also.contains(formula) {
            problems.push(format!("a formula that was not meant: {formula}"));
        }
    }
    problems
}

/// Runs `derive` in Markdown, JSON and LaTeX and checks that every formula the renderer meant
/// reaches GitHub's math renderer whole.
fn survives_github(args: &[&str]) {
    let run = |format: &str| {
        let mut all = args.to_vec();
        all.extend(["--format", format]);
        let output = derive(&all);
        assert_eq!(output.status.code(), Some(0), "derive {all:?}");
        stdout(&output)
    };
    let markdown = run("markdown");
    let json: Value = serde_json::from_str(&run("json")).expect("the JSON output parses");
    let latex = run("latex");
    let meant: Vec<String> = json_formulas(&json)
        .into_iter()
        .chain(json_values(&json))
        .chain(latex_inline_formulas(&latex))
        .map(|f| as_markdown_spells(&f))
        .collect();
    let also: Vec<String> = json_names_shapes_and_recursions(&json)
        .into_iter()
        .map(|f| as_markdown_spells(&f))
        .collect();
    let problems = problems(&markdown, &meant, &also);
    assert!(
        problems.is_empty(),
        "{args:?} on GitHub:\n{}\n\nThe Markdown:\n{markdown}",
        problems.join("\n")
    );
}

#[test]
fn the_homework_answers() {
    for spec in [
        "linear>relu>linear>identity",
        "linear>sigmoid>linear>sigmoid",
        "linear>relu>linear>sigmoid",
    ] {
        for loss in ["mse", "bce"] {
            survives_github(&[spec, "--loss", loss]);
        }
    }
}

#[test]
fn every_activation_and_loss() {
    for (spec, loss) in [
        ("linear>leaky_relu(0.1)>linear>sigmoid", "bce"),
        ("linear>elu(0.5)>linear>softplus>linear>silu", "mse"),
        ("linear>tanh>linear>softmax", "ce"),
        ("linear>relu>linear>log_softmax", "nll"),
        ("linear>softmax", "mse"),
        ("linear>log_softmax", "mse"),
        ("linear>sigmoid", "ce"),
        ("linear>identity", "nll"),
    ] {
        survives_github(&[spec, "--loss", loss]);
    }
    survives_github(&["linear>softplus>linear", "--reduction", "mean"]);
    survives_github(&["linear>tanh>linear>sigmoid", "--loss", "bce", "--expand"]);
}

#[test]
fn a_mini_batch() {
    survives_github(&["linear>relu>linear>softmax", "--loss", "ce", "--batch"]);
    survives_github(&["linear>tanh>linear>identity", "--batch"]);
}

#[test]
fn a_compact_deep_chain() {
    let spec = ["linear>tanh"; 8].join(">") + ">linear>sigmoid";
    survives_github(&[&spec, "--loss", "bce"]);
    survives_github(&[&spec, "--loss", "bce", "--batch"]);
}

#[test]
fn values_at_a_point() {
    let point = temp_file(
        "markdown-point.json",
        r#"{"x": [2, -1], "W1": [[1, 0.5], [0.5, -1]], "b1": [0.25, 0.1], "W2": [[3, 1]], "b2": [1], "y": [2]}"#,
    );
    survives_github(&[
        "linear>relu>linear>identity",
        "--at",
        point.to_str().unwrap(),
    ]);
    let batch = temp_file(
        "markdown-batch.json",
        r#"{"x": [[2], [3]], "W1": [[0.5]], "b1": [-0.5], "W2": [[3]], "b2": [1], "y": [[2], [0]]}"#,
    );
    survives_github(&[
        "linear>relu>linear>identity",
        "--batch",
        "--at",
        batch.to_str().unwrap(),
    ]);
}

/// The old spelling, `$…$`, is what GitHub breaks: the `_` of `}_{` pair up into italics
/// across two formulas, and the checker must say so.
#[test]
fn the_checker_rejects_formulas_in_plain_dollars() {
    let meant = ["a}_{b".to_string(), "c}_{d".to_string()];
    let old = problems("$a}_{b$ and $c}_{d$\n", &meant, &[]);
    for problem in [
        "emphasis",
        "broken apart",
        "does not arrive as one piece: a}_{b",
    ] {
        assert!(old.iter().any(|p| p.contains(problem)), "{old:?}");
    }
    assert_eq!(
        problems("$`a}_{b`$ and $`c}_{d`$\n", &meant, &[]),
        Vec::<String>::new()
    );
}

/// A `|` splits a table row even inside a code span; the checker sees the extra cell.
#[test]
fn the_checker_rejects_a_bar_in_a_table() {
    let meant = ["\\lvert x \\vert y".to_string()];
    let bar = problems(
        "| a | b |\n| --- | --- |\n| $`\\lvert x | y`$ | c |\n",
        &meant,
        &[],
    );
    assert!(
        bar.iter()
            .any(|p| p.contains("more cells than its header's 2")),
        "{bar:?}"
    );
    let vert = "| a | b |\n| --- | --- |\n| $`\\lvert x \\vert y`$ | c |\n";
    assert_eq!(problems(vert, &meant, &[]), Vec::<String>::new());
}

/// A prose formula written as two pieces is not the formula meant.
#[test]
fn the_checker_rejects_a_formula_split_in_two() {
    let meant = ["\\max \\lvert a - n \\rvert".to_string()];
    let split = problems(
        "Error = $`\\max \\lvert a`$ $`- n \\rvert`$.\n",
        &meant,
        &[],
    );
    assert!(split.iter().any(|p| p.contains("one piece")), "{split:?}");
    let whole = problems("Error = $`\\max \\lvert a - n \\rvert`$.\n", &meant, &[]);
    assert_eq!(whole, Vec::<String>::new());
}

#[test]
fn dropout() {
    let spec = "linear>relu>dropout(0.1)>linear>dropout";
    survives_github(&[spec, "--loss", "mse"]);
    survives_github(&[spec, "--loss", "mse", "--batch"]);
}
