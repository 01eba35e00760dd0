//! The derivation as one displayed formula that MathJax and KaTeX render, as a notebook shows
//! a `_repr_latex_`: `$$\begin{aligned} … \end{aligned}$$`, each printed section's title a
//! line of `\text{…}`, then its equations, `=` under `=`, broken where the LaTeX output breaks
//! them. No tables and no packages: only what both renderers know. The sentences of the other
//! formats are left to them (HTML and Markdown in a notebook).

use crate::math::prose::{Piece, Prose};
use crate::render::expression::flat;
use crate::render::latex::{ALIGN_WIDTH, equation_lines, value_groups};
use crate::render::latex_notation::Latex;
use crate::render::parts::Part;
use crate::render::prose::spell;
use crate::render::sections::{Equation, Formulas, Heading, Sections};

pub fn render_mathjax(sections: &Sections) -> String {
    let formulas = Formulas::new(&sections.derivation.network.arena, &Latex);
    let equation = |lines: &mut Vec<String>, equation: &Equation| {
        let (name, broken) = equation_lines(&formulas, equation, ALIGN_WIDTH);
        lines.extend(broken.iter().map(|l| l.aligned(&name)));
    };
    let mut lines: Vec<String> = Vec::new();
    if sections.parts.is_whole() {
        lines.push(title(&in_text(&sections.title)));
    }
    for part in sections.printed() {
        match part {
            Part::Network => {
                lines.push(heading(&sections.conventions.heading));
                equation(&mut lines, &sections.conventions.loss);
            }
            Part::Forward => {
                lines.push(heading(&sections.forward.heading));
                for row in &sections.forward.rows {
                    equation(&mut lines, &row.output);
                }
            }
            Part::Gradients => {
                lines.push(heading(&sections.chain_rule.heading));
                for row in &sections.chain_rule.rows {
                    equation(&mut lines, &row.gradient);
                }
                for row in sections.recursion.iter().flat_map(|r| &r.rows) {
                    equation(&mut lines, &row.equation);
                }
            }
            Part::Jacobians => {
                lines.push(heading(&sections.jacobians.heading));
                for row in &sections.jacobians.rows {
                    equation(&mut lines, &row.matrix);
                    lines.push(format!(
                        "{} &= {}",
                        flat(&formulas.element_name(&row.symbol, row.element)),
                        flat(&formulas.element(row.element))
                    ));
                }
            }
            Part::Closed => {
                lines.push(heading(&sections.closed_forms.heading));
                for row in &sections.closed_forms.rows {
                    equation(&mut lines, &row.equation);
                }
            }
            Part::Values => {
                let evaluation = sections.evaluation.as_ref().expect("printed at a point");
                lines.push(heading(&evaluation.heading));
                lines.extend(evaluation.rows.iter().flat_map(value_groups).flatten());
            }
            Part::Check => {
                let check = sections
                    .check
                    .as_ref()
                    .expect("printed once the check has run");
                lines.push(heading(&check.table.heading));
                lines.push(format!("&\\text{{{}}}", in_text(&check.summary)));
            }
        }
    }
    format!(
        "$$\\begin{{aligned}}\n{}\n\\end{{aligned}}$$",
        lines.join(" \\\\\n")
    )
}

fn title(text: &str) -> String {
    format!("&\\textbf{{{text}}}")
}

fn heading(heading: &Heading) -> String {
    title(&heading.numbered(in_text(&heading.title)))
}

/// A sentence for `\text{…}`: words with the characters text mode treats specially escaped,
/// each piece of mathematics in `$…$`, which is mathematics again inside `\text`.
fn in_text(prose: &Prose) -> String {
    let mut out = String::new();
    for piece in &prose.0 {
        match piece {
            Piece::Words(words) => {
                for c in words.chars() {
                    if matches!(c, '{' | '}' | '%' | '&' | '#' | '_' | '$') {
                        out.push('\\');
                    }
                    out.push(c);
                }
            }
            Piece::Math(math) => {
                out.push('$');
                out.push_str(&spell(&Latex, math));
                out.push('$');
            }
        }
    }
    out
}
