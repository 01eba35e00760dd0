//! The derivation as a LaTeX fragment (or, with `standalone`, a whole document) for pdflatex:
//! booktabs tables for the forward pass, the chain rule and the check; align* for the
//! Jacobians, the closed forms and the values at a point.
//!
//! Long formulas are broken by `pretty` at a width measured in what the page shows, each break
//! a `\\` continuation line of an aligned block, so that nothing runs into the margin.

use crate::render::expression::lines;
use crate::render::latex_notation::{Latex, MACROS, shown_width};
use crate::render::notation::Notation;
use crate::render::prose::{Piece, Prose, spell};
use crate::render::sections::{ClosedRow, Equation, Formulas, Heading, Sections, ValueRow, flat};

/// Widths, in the half-ems of `latex_notation::shown_width`, of the right-hand side of an
/// align* line and of a formula in a table's wide column, on the 345pt text width of a default
/// article.
const ALIGN_WIDTH: usize = 54;
const TABLE_WIDTH: usize = 44;

pub const PACKAGES: &str = "amsmath,amssymb,booktabs,tabularx,longtable";

pub fn render_latex(sections: &Sections, standalone: bool) -> String {
    let page = Page {
        formulas: Formulas::new(&sections.derivation.network.arena, &Latex),
    };
    let mut out = String::new();
    if standalone {
        out.push_str(&format!(
            "\\documentclass{{article}}\n\\usepackage{{{PACKAGES}}}\n\\allowdisplaybreaks\n\\begin{{document}}\n\n"
        ));
    } else {
        out.push_str(&format!(
            "% Needs \\usepackage{{{PACKAGES}}} in the preamble (and \\allowdisplaybreaks for long\n% derivations, so that an align* block may break across pages).\n"
        ));
    }
    out.push_str(MACROS);
    out.push_str(&format!("\n\\section*{{{}}}\n", prose(&sections.title)));
    out.push_str(&page.conventions(sections));
    out.push_str(&page.forward(sections));
    out.push_str(&page.chain_rule(sections));
    out.push_str(&page.jacobians(sections));
    out.push_str(&page.closed_forms(sections));
    if let Some(evaluation) = &sections.evaluation {
        out.push_str(&heading(&evaluation.heading));
        if let Some(note) = &evaluation.note {
            out.push_str(&format!("{}\n", prose(note)));
        }
        let rows: Vec<String> = evaluation.rows.iter().flat_map(value_lines).collect();
        out.push_str(&align(&rows));
    }
    if let Some(check) = &sections.check {
        let table = &check.table;
        out.push_str(&heading(&table.heading));
        if let Some(note) = &table.note {
            // Ragged right: the error formula is long and cannot break.
            out.push_str(&format!("{{\\raggedright {}\\par}}\n\n", prose(note)));
        }
        let rows = table
            .rows
            .iter()
            .map(|row| {
                vec![
                    format!("${}$", Latex.inline_symbol(&row.symbol)),
                    row.form.to_string(),
                    escape(&row.how),
                    match row.error_text.as_str() {
                        "∞" => "$\\infty$".to_string(),
                        other => other.to_string(),
                    },
                    row.result.to_string(),
                ]
            })
            .collect();
        out.push_str(&tabular("lllll", &table.headers, rows, false));
        out.push_str(&format!("\n{}\n", prose(&check.summary)));
    }
    if standalone {
        out.push_str("\n\\end{document}\n");
    }
    out
}

/// `name &= value` as one line when the matrix fits the width, else one line per entry,
/// `(∂ℓ/∂W⁽¹⁾)_{1,2} &= …`, counted from 1.
fn value_lines(row: &ValueRow) -> Vec<String> {
    let name = Latex.symbol(&row.symbol);
    let whole = matrix(row);
    if shown_width(&whole) + shown_width(&name) <= ALIGN_WIDTH {
        return vec![format!("{name} &= {whole}")];
    }
    let m = &row.value;
    let mut lines = Vec::new();
    for r in 0..m.rows {
        for c in 0..m.cols {
            let index = if row.shape.is_column() {
                format!("{}", r + 1)
            } else {
                format!("{},{}", r + 1, c + 1)
            };
            lines.push(format!(
                "{}_{{{index}}} &= {}",
                Latex.enclose(name.clone()),
                Latex.number(m.data[r * m.cols + c])
            ));
        }
    }
    lines
}

/// A value as a bmatrix (a column for a vector), or a number.
pub fn matrix(row: &ValueRow) -> String {
    let m = &row.value;
    if row.shape.is_scalar() {
        return Latex.number(m.data[0]);
    }
    let rows: Vec<String> = (0..m.rows)
        .map(|r| {
            (0..m.cols)
                .map(|c| Latex.number(m.data[r * m.cols + c]))
                .collect::<Vec<_>>()
                .join(" & ")
        })
        .collect();
    format!(
        "\\begin{{bmatrix}} {} \\end{{bmatrix}}",
        rows.join(" \\\\ ")
    )
}

struct Page<'a> {
    formulas: Formulas<'a, Latex>,
}

/// Words escaped for LaTeX's text mode.
pub fn escape(words: &str) -> String {
    debug_assert!(words.is_ascii(), "prose words are ASCII: {words}");
    let mut out = String::new();
    let mut chars = words.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => out.push_str("\\textbackslash{}"),
            '{' | '}' | '$' | '&' | '%' | '#' | '_' => {
                out.push('\\');
                out.push(c);
            }
            '^' => out.push_str("\\^{}"),
            '~' => out.push_str("\\~{}"),
            '<' => out.push_str("\\textless{}"),
            '>' => out.push_str("\\textgreater{}"),
            '|' => out.push_str("\\textbar{}"),
            // -- would print as a dash.
            '-' if chars.peek() == Some(&'-') => out.push_str("-{}"),
            _ => out.push(c),
        }
    }
    out
}

/// A sentence: words escaped, each run of mathematics (with the spaces inside it) in one $…$.
pub fn prose(prose: &Prose) -> String {
    let mut out = String::new();
    let mut math: Option<String> = None;
    let pieces = &prose.0;
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Math(m) => {
                let spelled = spell(&Latex, m);
                match &mut math {
                    Some(run) => run.push_str(&spelled),
                    None => math = Some(spelled),
                }
            }
            Piece::Words(w) => {
                let between_math = w.trim().is_empty()
                    && math.is_some()
                    && matches!(pieces.get(i + 1), Some(Piece::Math(_)));
                if between_math {
                    math.as_mut().expect("a run").push(' ');
                } else {
                    if let Some(run) = math.take() {
                        out.push_str(&format!("${run}$"));
                    }
                    out.push_str(&escape(w));
                }
            }
        }
    }
    if let Some(run) = math {
        out.push_str(&format!("${run}$"));
    }
    out
}

fn heading(heading: &Heading) -> String {
    format!(
        "\n\\subsection*{{{}. {}}}\n\n",
        heading.number,
        prose(&heading.title)
    )
}

fn is_operator(piece: &str) -> bool {
    ["+", "-", "\\odot", "\\oslash", "\\cdot", "="].contains(&piece)
}

/// A continuation line that starts with a binary operator gets `{}` before it so that it keeps
/// its binary spacing; one that ends with an operator gets `{}` after it.
fn mend(line: &str) -> String {
    let line = line.trim();
    let first = line.split(' ').next().unwrap_or("");
    let last = line.rsplit(' ').next().unwrap_or("");
    let mut out = String::new();
    if is_operator(first) {
        out.push_str("{}");
    }
    out.push_str(line);
    if is_operator(last) {
        out.push_str("{}");
    }
    out
}

impl Page<'_> {
    /// The lines of `name = form = form` for an aligned block: `name &= …` first, then
    /// `&= …` for each further form and `&\qquad …` where a form is broken. All on one line when
    /// it fits.
    fn equation_lines(&self, equation: &Equation, width: usize) -> Vec<String> {
        let name = self.formulas.name(&equation.name);
        let forms: Vec<_> = equation
            .forms
            .iter()
            .map(|f| self.formulas.form(f))
            .collect();
        let one_line: String = forms
            .iter()
            .map(|f| format!("= {}", flat(f)))
            .collect::<Vec<_>>()
            .join(" ");
        let name = flat(&name);
        if shown_width(&name) + shown_width(&one_line) <= width {
            return vec![format!("{name} &{one_line}")];
        }
        let mut out = Vec::new();
        for (i, form) in forms.iter().enumerate() {
            let left = if i == 0 { name.as_str() } else { "" };
            for (j, line) in lines(form, width.saturating_sub(2)).iter().enumerate() {
                if j == 0 {
                    out.push(format!("{left} &= {}", mend(line)));
                } else {
                    out.push(format!("&\\qquad {}", mend(line)));
                }
            }
        }
        out
    }

    /// An equation in a table cell.
    fn aligned(&self, equation: &Equation) -> String {
        let lines = self.equation_lines(equation, TABLE_WIDTH);
        format!(
            "$\\begin{{aligned}}[t] {} \\end{{aligned}}$",
            lines.join(" \\\\ ")
        )
    }

    fn conventions(&self, sections: &Sections) -> String {
        let c = &sections.conventions;
        let mut out = heading(&c.heading);
        let mut first = vec![prose(&c.chain)];
        first.extend(c.linear_rule.as_ref().map(prose));
        out.push_str(&format!("\\noindent {}\n", first.join(" \\\\\n")));
        out.push_str(&align(&self.equation_lines(&c.loss, ALIGN_WIDTH)));
        // Ragged right: a list of formulas has few places to break, and justified lines would
        // run into the margin.
        for paragraph in &c.paragraphs {
            out.push_str(&format!("\n{{\\raggedright {}\\par}}\n", prose(paragraph)));
        }
        out
    }

    fn forward(&self, sections: &Sections) -> String {
        let table = &sections.forward;
        let rows = table
            .rows
            .iter()
            .map(|row| {
                let inputs: Vec<String> = row
                    .inputs
                    .iter()
                    .map(|id| flat(&self.formulas.keep.doc(*id)))
                    .collect();
                vec![
                    prose(&row.layer),
                    format!("${}$", inputs.join(", ")),
                    self.aligned(&row.output),
                ]
            })
            .collect();
        let mut out = heading(&table.heading);
        out.push_str(&tabular("llX", &table.headers, rows, true));
        out
    }

    fn chain_rule(&self, sections: &Sections) -> String {
        let table = &sections.chain_rule;
        let rows = table
            .rows
            .iter()
            .map(|row| {
                vec![
                    format!("${}$", Latex.symbol(&row.parameter)),
                    self.aligned(&row.gradient),
                    format!("${}$", shape(&row.shape)),
                ]
            })
            .collect();
        let mut out = heading(&table.heading);
        out.push_str(&tabular("lXl", &table.headers, rows, true));
        if let Some(recursion) = &sections.recursion {
            if let Some(note) = &recursion.note {
                out.push_str(&format!("{}\n", prose(note)));
            }
            out.push_str(&self.closed_align(recursion));
        }
        out
    }

    /// Equations with their shapes, one align* block.
    fn closed_align(&self, table: &crate::render::sections::Table<ClosedRow>) -> String {
        let mut lines = Vec::new();
        for row in &table.rows {
            let mut equation = self.equation_lines(&row.equation, ALIGN_WIDTH);
            equation[0].push_str(&format!(" && {}", shape(&row.shape)));
            lines.extend(equation);
        }
        align(&lines)
    }

    fn jacobians(&self, sections: &Sections) -> String {
        let table = &sections.jacobians;
        let mut lines = Vec::new();
        for row in &table.rows {
            let mut matrix = self.equation_lines(&row.matrix, ALIGN_WIDTH);
            matrix[0].push_str(&format!(" && {}", shape(&row.shape)));
            lines.extend(matrix);
            lines.push(format!(
                "{} &= {}",
                flat(&self.formulas.element_name(&row.symbol, row.element)),
                flat(&self.formulas.element(row.element))
            ));
            if let Some(note) = &row.note {
                lines.push(format!("\\intertext{{{}}}", prose(note)));
            }
        }
        let mut out = heading(&table.heading);
        if let Some(note) = &table.note {
            out.push_str(&format!("{}\n", prose(note)));
        }
        if !lines.is_empty() {
            out.push_str("Each Jacobian with its shape, then its generic element.\n");
            out.push_str(&align(&lines));
        }
        out
    }

    fn closed_forms(&self, sections: &Sections) -> String {
        let table = &sections.closed_forms;
        let mut out = heading(&table.heading);
        if let Some(note) = &table.note {
            out.push_str(&format!("{}\n", prose(note)));
        }
        out.push_str(&self.closed_align(table));
        out
    }
}

fn shape(shape: &crate::shape::Shape) -> String {
    Latex.shape(shape)
}

/// An align* block, one entry per line; `\intertext` lines carry no `\\` of their own.
fn align(lines: &[String]) -> String {
    let mut out = String::from("\\begin{align*}\n");
    for (i, line) in lines.iter().enumerate() {
        out.push_str(line);
        let next_is_text = lines
            .get(i + 1)
            .is_some_and(|l| l.starts_with("\\intertext"));
        if i + 1 < lines.len() && !line.starts_with("\\intertext") && !next_is_text {
            out.push_str(" \\\\");
        }
        out.push('\n');
    }
    out.push_str("\\end{align*}\n");
    out
}

/// A booktabs table; `wide` tables fill the line with tabularx's X column.
/// A booktabs table. A wide one stretches its `X` column to the line (tabularx); a table too
/// long for a page (or a narrow one) is a longtable, which breaks across pages, its `X` column
/// then a paragraph column of fixed width.
fn tabular(columns: &str, headers: &[&str], rows: Vec<Vec<String>>, wide: bool) -> String {
    const ROWS_ON_A_PAGE: usize = 24;
    let long = !wide || rows.len() > ROWS_ON_A_PAGE;
    let mut out = String::from("\\noindent\n");
    let (begin, end) = if long {
        let columns = columns.replace('X', "p{0.55\\linewidth}");
        (
            format!("\\begin{{longtable}}[l]{{@{{}}{columns}@{{}}}}\n"),
            "\\end{longtable}\n",
        )
    } else {
        (
            format!("\\begin{{tabularx}}{{\\linewidth}}{{@{{}}{columns}@{{}}}}\n"),
            "\\end{tabularx}\n",
        )
    };
    out.push_str(&begin);
    out.push_str("\\toprule\n");
    let headers: Vec<String> = headers.iter().map(|h| escape(h)).collect();
    out.push_str(&format!("{} \\\\\n\\midrule\n", headers.join(" & ")));
    if long {
        // Repeated at the top of every page the table continues on.
        out.push_str("\\endhead\n");
    }
    let count = rows.len();
    for (i, row) in rows.into_iter().enumerate() {
        // Room between rows whose fractions stand tall.
        let space = if wide && i + 1 < count {
            "\\addlinespace"
        } else {
            ""
        };
        out.push_str(&format!("{} \\\\{space}\n", row.join(" & ")));
    }
    out.push_str("\\bottomrule\n");
    out.push_str(end);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes() {
        assert_eq!(
            escape("a > b --reduction 50% x_1"),
            "a \\textgreater{} b -{}-reduction 50\\% x\\_1"
        );
    }
}
