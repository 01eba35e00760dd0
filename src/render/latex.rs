//! The derivation as a LaTeX fragment (or, with `standalone`, a whole document) for pdflatex:
//! longtables for the forward pass, the chain rule and the check; align* for the Jacobians,
//! the closed forms and the values at a point.
//!
//! derive, not TeX, decides where a formula breaks: `pretty` lays it out at a width measured in
//! what the page shows, and each line of it is a row of its table (so that tables break across
//! pages between rows, with fixed column widths, in one pdflatex run) or a line of its aligned
//! block. Pages may break between two formulas but never inside one, after a table's first row
//! or before its last, so that nothing is left alone on a page.

use crate::math::prose::{Piece, Prose};
use crate::render::expression::flat;
use crate::render::expression::lines;
use crate::render::latex_notation::{Latex, inputs_cell, shown_width};
use crate::render::notation::Notation;
use crate::render::prose::spell;
use crate::render::sections::PartWriter;
use crate::render::sections::{ClosedRow, Equation, Formulas, Heading, Sections, ValueRow};

/// Widths, in the half-ems of `latex_notation::shown_width`, of a whole line of an align*
/// block (its name, `=` and right-hand side) and of a formula in a table's formula column. The
/// page is taken as the narrowest of article's three sizes in ems (11pt: 360pt, about 32.9 em;
/// the formula column of a table leaves about 21.7 em).
pub(crate) const ALIGN_WIDTH: usize = 60;
pub(crate) const TABLE_WIDTH: usize = 43;
/// A matrix value with more rows than this is written entry by entry.
const MATRIX_ROWS: usize = 8;
/// A formula longer than this many lines may break across pages, every `BREAK_EVERY` lines.
const UNBROKEN_LINES: usize = 12;
const BREAK_EVERY: usize = 10;

pub const PACKAGES: &str = "amsmath,amssymb,booktabs,longtable";

/// Column types of the tables: fixed widths (so that longtable needs one run), the formula
/// column taking what the others leave of the line.
const FORWARD_COLUMNS: &str =
    "@{}p{5.5em}p{3.5em}p{\\dimexpr\\linewidth-9em-4\\tabcolsep\\relax}@{}";
const CHAIN_COLUMNS: &str = "@{}p{5em}p{\\dimexpr\\linewidth-9em-4\\tabcolsep\\relax}p{4em}@{}";
/// The last column takes the rest of the line, so that the verdict below spans it exactly.
const CHECK_COLUMNS: &str =
    "@{}p{7em}p{5em}p{6em}p{4em}p{\\dimexpr\\linewidth-22em-8\\tabcolsep\\relax}@{}";

pub fn render_latex(sections: &Sections, standalone: bool) -> String {
    let page = Page {
        formulas: Formulas::new(&sections.derivation.network.arena, &Latex),
    };
    let mut out = String::new();
    if standalone {
        out.push_str(&format!(
            "\\documentclass{{article}}\n\\usepackage{{{PACKAGES}}}\n\\begin{{document}}\n\n"
        ));
    } else {
        out.push_str(&format!(
            "% Needs \\usepackage{{{PACKAGES}}} in the preamble.\n"
        ));
    }
    // No paragraph leaves a single line alone at the top or bottom of a page, and the words
    // after a display (a Jacobian's \intertext note) stay with it.
    out.push_str(
        "\\begingroup\\clubpenalty=10000 \\widowpenalty=10000 \\postdisplaypenalty=10000\n",
    );
    if sections.parts.is_whole() {
        // A model's title is its bindings, long words of code that a justified heading cannot
        // break well; it is set ragged right. A chain's title is short.
        let ragged = if sections.derivation.network.spec.model.is_some() {
            "\\raggedright "
        } else {
            ""
        };
        out.push_str(&format!(
            "\n\\section*{{{ragged}{}}}\n",
            prose(&sections.title)
        ));
    }
    for part in sections.printed() {
        out.push_str(&page.write(sections, part));
    }
    out.push_str("\n\\endgroup\n");
    if standalone {
        out.push_str("\n\\end{document}\n");
    }
    out
}

/// `name &= value` as one line when the matrix fits the width and is not too tall, else one
/// line per entry, `(∂ℓ/∂W⁽¹⁾)_{1,2} &= …`, counted from 1: each a group of its own.
pub(crate) fn value_groups(row: &ValueRow) -> Vec<Vec<String>> {
    let name = Latex.symbol(&row.symbol);
    let whole = matrix(row);
    let m = &row.value;
    if shown_width(&whole) + shown_width(&name) <= ALIGN_WIDTH && m.rows <= MATRIX_ROWS {
        return vec![vec![format!("{name} &= {whole}")]];
    }
    let mut groups = Vec::new();
    for r in 0..m.rows {
        for c in 0..m.cols {
            let index = if row.shape.is_column() {
                format!("{}", r + 1)
            } else {
                format!("{},{}", r + 1, c + 1)
            };
            groups.push(vec![format!(
                "{}_{{{index}}} &= {}",
                Latex.enclose(name.clone()),
                Latex.number(m.data[r * m.cols + c])
            )]);
        }
    }
    groups
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
    // A heading never ends a page: the table or display after it follows on the same one.
    format!(
        "\n\\subsection*{{{}}}\n\\nopagebreak\n\n",
        heading.numbered(prose(&heading.title))
    )
}

fn is_operator(piece: &str) -> bool {
    ["+", "-", "\\odot", "\\oslash", "\\cdot", "="].contains(&piece)
}

/// A continuation line that starts with a binary operator gets `{}` before it so that it keeps
/// its binary spacing; one that ends with an operator gets `{}` after it. The indentation
/// `pretty` gives a nested continuation (in the half-ems a line is measured in) is kept as
/// space, so that a deeply nested formula shows its structure, as far as the line's `width`
/// leaves room for it.
fn mend(line: &str, width: usize) -> String {
    let line_start = line.trim_start();
    // A half-em to spare: the width of a line's own pieces is an estimate.
    let indent =
        (line.len() - line_start.len()).min(width.saturating_sub(shown_width(line_start) + 1));
    let line = line.trim();
    let first = line.split(' ').next().unwrap_or("");
    let last = line.rsplit(' ').next().unwrap_or("");
    let mut out = String::new();
    if indent > 0 {
        out.push_str(&format!("\\hspace{{{}em}}", indent as f64 / 2.0));
    }
    if is_operator(first) {
        out.push_str("{}");
    }
    out.push_str(line);
    if is_operator(last) {
        out.push_str("{}");
    }
    out
}

/// One line of `name = form = form` as derive breaks it.
pub(crate) enum EquationLine {
    /// `name = …`, the first line.
    First(String),
    /// `= …`, the first line of a further form, under the first `=`.
    NextForm(String),
    /// The continuation of a form, under the form's first line, indented as `pretty` nests it.
    Continued(String),
}

impl EquationLine {
    /// As a line of an aligned block, the `=` at the alignment point.
    pub(crate) fn aligned(&self, name: &str) -> String {
        match self {
            EquationLine::First(rest) => format!("{name} &= {rest}"),
            EquationLine::NextForm(rest) => format!("&= {rest}"),
            EquationLine::Continued(rest) => format!("&\\hphantom{{{{}} = {{}}}}{rest}"),
        }
    }

    /// As the formula of a table row, in display style, indented by an invisible copy of the
    /// name (and `=`) so that its `=` and its continuations line up as in an aligned block.
    fn in_cell(&self, name: &str) -> String {
        match self {
            EquationLine::First(rest) => format!("$\\displaystyle {name} = {rest}$"),
            EquationLine::NextForm(rest) => {
                format!("$\\displaystyle \\hphantom{{{name}}} = {rest}$")
            }
            EquationLine::Continued(rest) => {
                format!("$\\displaystyle \\hphantom{{{name} = {{}}}}{rest}$")
            }
        }
    }
}

/// The name of `name = form = form` and its lines: all on one line when it fits `width` (the
/// whole line's), else each form on lines of its own, as wide as the name and the `=` leave.
/// Every format that shows LaTeX's mathematics breaks its formulas here.
pub(crate) fn equation_lines(
    formulas: &Formulas<'_, Latex>,
    equation: &Equation,
    width: usize,
) -> (String, Vec<EquationLine>) {
    let name = flat(&formulas.name(&equation.name));
    let forms: Vec<_> = equation.forms.iter().map(|f| formulas.form(f)).collect();
    let one_line: String = forms.iter().map(flat).collect::<Vec<_>>().join(" = ");
    if shown_width(&name) + shown_width(&one_line) + 2 <= width {
        return (name, vec![EquationLine::First(one_line)]);
    }
    let mut out = Vec::new();
    let rest = width.saturating_sub(shown_width(&name) + 2);
    for (i, form) in forms.iter().enumerate() {
        for (j, line) in lines(form, rest).iter().enumerate() {
            let line = mend(line, rest);
            out.push(match (i, j) {
                (0, 0) => EquationLine::First(line),
                (_, 0) => EquationLine::NextForm(line),
                _ => EquationLine::Continued(line),
            });
        }
    }
    (name, out)
}

impl Page<'_> {
    fn equation_lines(&self, equation: &Equation, width: usize) -> (String, Vec<EquationLine>) {
        equation_lines(&self.formulas, equation, width)
    }

    /// The lines of an equation in an aligned block.
    fn aligned_lines(&self, equation: &Equation, width: usize) -> Vec<String> {
        let (name, lines) = self.equation_lines(equation, width);
        lines.iter().map(|l| l.aligned(&name)).collect()
    }

    /// The lines of an equation in an aligned block, its shape beside the first: the formula
    /// is broken narrower by the shape's width.
    fn with_shape(&self, equation: &Equation, of: &crate::math::shape::Shape) -> Vec<String> {
        let shape = shape(of);
        let width = ALIGN_WIDTH.saturating_sub(shown_width(&shape) + 4);
        let mut lines = self.aligned_lines(equation, width);
        lines[0].push_str(&format!(" && {shape}"));
        lines
    }

    /// The lines of an equation as the formula column of table rows.
    fn cell_lines(&self, equation: &Equation) -> Vec<String> {
        let (name, lines) = self.equation_lines(equation, TABLE_WIDTH);
        lines.iter().map(|l| l.in_cell(&name)).collect()
    }

    /// A Jacobian's generic element, `(∂ℓ/∂ŷ)ⱼ &= …`: on one line where it fits, else broken
    /// as an equation is (hinge's element holds its indicator twice).
    fn element_lines(&self, row: &crate::render::sections::JacobianRow) -> Vec<String> {
        let name = flat(&self.formulas.element_name(&row.symbol, row.element));
        let element = self.formulas.element(row.element);
        let one_line = flat(&element);
        if shown_width(&name) + shown_width(&one_line) + 2 <= ALIGN_WIDTH {
            return vec![format!("{name} &= {one_line}")];
        }
        let rest = ALIGN_WIDTH.saturating_sub(shown_width(&name) + 2);
        lines(&element, rest)
            .iter()
            .enumerate()
            .map(|(j, line)| {
                let line = mend(line, rest);
                match j {
                    0 => EquationLine::First(line),
                    _ => EquationLine::Continued(line),
                }
                .aligned(&name)
            })
            .collect()
    }

    /// Equations with their shapes, one align* block.
    fn closed_align(&self, table: &crate::render::sections::Section<ClosedRow>) -> String {
        let groups: Vec<Vec<String>> = table
            .rows
            .iter()
            .map(|row| self.with_shape(&row.equation, &row.shape))
            .collect();
        align(&groups)
    }
}

/// A section's note before its display: flush left like the other paragraphs, and in the
/// display's paragraph, so that it stays on the display's page (no page breaks right before a
/// display) without the space a paragraph of its own would leave above it.
fn note_paragraph(note: &Prose) -> String {
    format!("\\noindent {}\n", prose(note))
}

fn shape(shape: &crate::math::shape::Shape) -> String {
    Latex.shape(shape)
}

/// The rows of a table for one entry: the cells `before` and `after` the formula on its first
/// line, the formula's further lines alone in its column.
fn with_formula(before: Vec<String>, formula: Vec<String>, after: Vec<String>) -> Vec<Vec<String>> {
    let columns = before.len() + 1 + after.len();
    let formula_column = before.len();
    let mut lines = Vec::with_capacity(formula.len());
    for (i, line) in formula.into_iter().enumerate() {
        let mut cells = if i == 0 {
            before.clone()
        } else {
            vec![String::new(); formula_column]
        };
        cells.push(line);
        if i == 0 {
            cells.extend(after.iter().cloned());
        } else {
            cells.resize(columns, String::new());
        }
        lines.push(cells);
    }
    lines
}

/// Where a page may break after line `i` of a formula of `count` lines: never inside a short
/// one, and inside a long one only every `BREAK_EVERY` lines, away from its ends.
fn breaks_inside(i: usize, count: usize) -> bool {
    count > UNBROKEN_LINES && (i + 1).is_multiple_of(BREAK_EVERY) && i >= 2 && i + 3 < count
}

/// Where a page may break after entry `i` of `count`: never after the first or before the
/// last, so that no entry is left alone on a page.
fn breaks_between(i: usize, count: usize) -> bool {
    i >= 1 && i + 2 < count
}

/// An align* block of groups of lines (an equation and its continuations, a Jacobian and its
/// element form); a page may break between groups (`\displaybreak[0]`, whatever the document's
/// `\allowdisplaybreaks`), not inside one. `\intertext` lines start their own line.
fn align(groups: &[Vec<String>]) -> String {
    let lines: Vec<(&String, bool)> = groups
        .iter()
        .enumerate()
        .flat_map(|(g, group)| {
            let count = group.len();
            group.iter().enumerate().map(move |(i, line)| {
                let last_of_group = i + 1 == count;
                let may_break = if last_of_group {
                    breaks_between(g, groups.len())
                } else {
                    breaks_inside(i, count)
                };
                (line, may_break)
            })
        })
        .collect();
    let mut out = String::from("\\begin{align*}\n");
    for (i, (line, may_break)) in lines.iter().enumerate() {
        out.push_str(line);
        if i + 1 < lines.len() {
            out.push_str(if *may_break {
                " \\displaybreak[0]\\\\"
            } else {
                " \\\\*"
            });
        }
        out.push('\n');
    }
    out.push_str("\\end{align*}\n");
    out
}

/// A booktabs longtable with fixed column widths, which breaks across pages in one pdflatex
/// run. Each entry is one or more rows (a formula's lines); a page may break between entries,
/// never inside one, after the first or before the last.
/// Entries are `spaced` apart where formulas stand tall. A section `heading` (and the note
/// under it) is set in the table's first head: longtable allows a page break where it begins, which would leave a
/// heading before it alone at the foot of a page.
fn longtable(
    columns: &str,
    headers: &[&str],
    entries: Vec<Vec<Vec<String>>>,
    spaced: bool,
    heading: Option<(&Heading, Option<&Prose>)>,
) -> String {
    let mut out = format!("\\begin{{longtable}}[l]{{{columns}}}\n");
    let headers: Vec<String> = headers.iter().map(|h| escape(h)).collect();
    let head = format!("\\toprule\n{} \\\\\n\\midrule\n", headers.join(" & "));
    if let Some((heading, note)) = heading {
        out.push_str(&format!(
            "\\multicolumn{{{}}}{{@{{}}p{{\\linewidth}}@{{}}}}{{\\normalfont\\large\\bfseries {}}} \\\\[1ex]\n",
            headers.len(),
            heading.numbered(prose(&heading.title))
        ));
        if let Some(note) = note {
            out.push_str(&format!(
                "\\multicolumn{{{}}}{{@{{}}p{{\\linewidth}}@{{}}}}{{\\raggedright {}}} \\\\[1ex]\n",
                headers.len(),
                prose(note)
            ));
        }
        out.push_str(&head);
        out.push_str("\\endfirsthead\n");
    }
    out.push_str(&head);
    // Repeated at the top of every page the table continues on.
    out.push_str("\\endhead\n");
    let count = entries.len();
    for (e, entry) in entries.into_iter().enumerate() {
        let lines = entry.len();
        for (i, cells) in entry.into_iter().enumerate() {
            out.push_str(&cells.join(" & "));
            // The lines of one formula a little apart, so that a fraction's denominator and a
            // transpose on the line below never touch.
            let end = if i + 1 < lines {
                if breaks_inside(i, lines) {
                    "\\\\[3pt]"
                } else {
                    "\\\\*[3pt]"
                }
            } else if e + 1 == count || breaks_between(e, count) {
                "\\\\"
            } else {
                "\\\\*"
            };
            let space = if spaced && i + 1 == lines && e + 1 < count {
                "\\addlinespace"
            } else {
                ""
            };
            out.push_str(&format!(" {end}{space}\n"));
        }
    }
    out.push_str("\\bottomrule\n\\end{longtable}\n");
    out
}

impl PartWriter for Page<'_> {
    fn network(&self, sections: &Sections) -> String {
        let c = &sections.conventions;
        let mut out = heading(&c.heading);
        let mut first = vec![prose(&c.chain)];
        first.extend(c.linear_rule.as_ref().map(prose));
        // Ragged right, so that a long chain breaks after an arrow rather than overflowing.
        out.push_str(&format!(
            "{{\\raggedright\\noindent {}\\par}}\n",
            first.join(" \\\\\n")
        ));
        out.push_str(&align(&[self.aligned_lines(&c.loss, ALIGN_WIDTH)]));
        // Ragged right: a list of formulas has few places to break, and justified lines would
        // run into the margin.
        for (i, paragraph) in c.paragraphs.iter().enumerate() {
            // The last paragraph stays with the one before: a short definition would otherwise
            // be left alone at the top of a page.
            if i + 1 == c.paragraphs.len() && i > 0 {
                out.push_str("\\nopagebreak\n");
            }
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
                // Names too wide for the column together (a normalization's ẑ takes z, μ and
                // var) are formulas of their own, so that the cell wraps between them.
                with_formula(
                    vec![
                        prose(&row.layer),
                        inputs_cell(&inputs, |f| format!("${f}$")),
                    ],
                    self.cell_lines(&row.output),
                    Vec::new(),
                )
            })
            .collect();
        format!(
            "\n{}",
            longtable(
                FORWARD_COLUMNS,
                &table.headers,
                rows,
                true,
                Some((&table.heading, table.note.as_ref()))
            )
        )
    }

    fn gradients(&self, sections: &Sections) -> String {
        let table = &sections.chain_rule;
        let rows = table
            .rows
            .iter()
            .map(|row| {
                with_formula(
                    vec![format!("${}$", Latex.symbol(&row.parameter))],
                    self.cell_lines(&row.gradient),
                    vec![format!("${}$", shape(&row.shape))],
                )
            })
            .collect();
        let mut out = format!(
            "\n{}",
            longtable(
                CHAIN_COLUMNS,
                &table.headers,
                rows,
                true,
                Some((&table.heading, table.note.as_ref()))
            )
        );
        if let Some(recursion) = &sections.recursion {
            if let Some(note) = &recursion.note {
                out.push_str(&note_paragraph(note));
            }
            out.push_str(&self.closed_align(recursion));
        }
        out
    }

    fn jacobians(&self, sections: &Sections) -> String {
        let table = &sections.jacobians;
        let mut groups = Vec::new();
        for row in &table.rows {
            let mut lines = self.with_shape(&row.matrix, &row.shape);
            lines.extend(self.element_lines(row));
            if let Some(note) = &row.note {
                lines.push(format!("\\intertext{{{}}}", prose(note)));
            }
            groups.push(lines);
        }
        let mut out = heading(&table.heading);
        if let Some(note) = &table.note {
            out.push_str(&note_paragraph(note));
        }
        if !groups.is_empty() {
            out.push_str("Each Jacobian with its shape, then its generic element.\n");
            out.push_str(&align(&groups));
        }
        out
    }

    fn closed(&self, sections: &Sections) -> String {
        let table = &sections.closed_forms;
        let mut out = heading(&table.heading);
        if let Some(note) = &table.note {
            out.push_str(&note_paragraph(note));
        }
        out.push_str(&self.closed_align(table));
        out
    }

    fn values(&self, sections: &Sections) -> String {
        let evaluation = sections.evaluation.as_ref().expect("printed at a point");
        let mut out = String::new();
        out.push_str(&heading(&evaluation.heading));
        if let Some(note) = &evaluation.note {
            out.push_str(&note_paragraph(note));
        }
        let groups: Vec<Vec<String>> = evaluation.rows.iter().flat_map(value_groups).collect();
        out.push_str(&align(&groups));
        out
    }

    fn check(&self, sections: &Sections) -> String {
        let check = sections
            .check
            .as_ref()
            .expect("printed once the check has run");
        let mut out = String::new();
        let table = &check.table;
        out.push_str(&heading(&table.heading));
        if let Some(note) = &table.note {
            // Ragged right: the error formula is long and cannot break.
            out.push_str(&format!("{{\\raggedright {}\\par}}\n\n", prose(note)));
        }
        let mut rows: Vec<Vec<String>> = table
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
        // The verdict is the table's last row, so that it stays with the table.
        rows.push(vec![format!(
            "\\addlinespace\n\\multicolumn{{5}}{{@{{}}p{{\\linewidth}}@{{}}}}{{{}}}",
            prose(&check.summary)
        )]);
        let rows = rows.into_iter().map(|cells| vec![cells]).collect();
        out.push_str(&longtable(CHECK_COLUMNS, &table.headers, rows, false, None));
        out
    }
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
