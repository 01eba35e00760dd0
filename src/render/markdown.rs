//! The derivation as GitHub-flavoured Markdown: the same sections as the text, tables with the
//! formulas in LaTeX notation, which GitHub renders: inline as `` $`…`$ ``, the loss in a
//! ```` ```math ```` block. Notebooks (Jupyter, VS Code, Colab) take the classic `$…$` and
//! `$$…$$` instead, and set the mathematics aside before they parse the Markdown (`Dialect`).
//!
//! GitHub parses the Markdown before its math renderer sees a formula, so a formula written in
//! plain `$…$` loses pieces: `}_{` and `)_{` pair up into italics, `\,` and `\\` lose a
//! backslash, a `|` ends a table cell. Inside a code span and a fenced block Markdown changes
//! nothing, and GitHub hands both forms to the math renderer whole. Only a `|` still splits a
//! table row there, so it is written as a command.

use crate::math::prose::{Piece, Prose};
use crate::render::latex::matrix;
use crate::render::latex_notation::Latex;
use crate::render::layout::Line;
use crate::render::notation::Notation;
use crate::render::prose::spell;
use crate::render::sections::PartWriter;
use crate::render::sections::{ClosedRow, Equation, Formulas, Heading, Sections};

/// Where the Markdown is read, which decides how its mathematics is delimited.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Dialect {
    /// GitHub, which parses the Markdown before its math renderer sees a formula.
    GitHub,
    /// A notebook, whose renderer takes `$…$` and `$$…$$` out before parsing the Markdown.
    Notebook,
}

pub fn render_markdown(sections: &Sections) -> String {
    render_markdown_for(sections, Dialect::GitHub)
}

pub fn render_markdown_for(sections: &Sections, dialect: Dialect) -> String {
    let page = Page {
        formulas: Formulas::new(&sections.derivation.network.arena, &Latex),
        dialect,
    };
    let mut out = String::new();
    if sections.parts.is_whole() {
        out.push_str(&format!("## {}\n", prose(&sections.title, dialect)));
    }
    for part in sections.printed() {
        out.push_str(&page.write(sections, part));
    }
    out
}

/// Inline mathematics, in the form the dialect's math renderer takes whole.
fn math(latex: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::GitHub => format!("$`{}`$", github(latex)),
        Dialect::Notebook => format!("${latex}$"),
    }
}

/// Displayed mathematics, in the form the dialect's math renderer takes whole.
fn math_block(latex: &str, dialect: Dialect) -> String {
    match dialect {
        Dialect::GitHub => format!("```math\n{}\n```\n", github(latex)),
        Dialect::Notebook => format!("$$\n{latex}\n$$\n"),
    }
}

/// LaTeX for GitHub's math renderer: without `|`, which
/// splits a table row even inside a code span. A backtick would end the code span early; no
/// notation writes one.
fn github(latex: &str) -> String {
    debug_assert!(!latex.contains('`'), "a formula with a backtick: {latex}");
    latex.replace('|', "\\vert ")
}

/// Words with Markdown's active characters escaped.
fn escape(words: &str) -> String {
    let mut out = String::new();
    for c in words.chars() {
        if matches!(c, '\\' | '*' | '_' | '|' | '<' | '`' | '$' | '[' | ']') {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// A sentence: words escaped, each run of mathematics one formula.
fn prose(prose: &Prose, dialect: Dialect) -> String {
    let mut out = String::new();
    let mut run: Option<String> = None;
    let pieces = &prose.0;
    for (i, piece) in pieces.iter().enumerate() {
        match piece {
            Piece::Math(m) => run
                .get_or_insert_with(String::new)
                .push_str(&spell(&Latex, m)),
            Piece::Words(w) => {
                let between = w.trim().is_empty()
                    && run.is_some()
                    && matches!(pieces.get(i + 1), Some(Piece::Math(_)));
                if between {
                    run.as_mut().expect("a run").push(' ');
                } else {
                    if let Some(m) = run.take() {
                        out.push_str(&math(&m, dialect));
                    }
                    out.push_str(&escape(w));
                }
            }
        }
    }
    if let Some(m) = run {
        out.push_str(&math(&m, dialect));
    }
    out
}

fn heading(heading: &Heading, dialect: Dialect) -> String {
    format!(
        "\n### {}\n\n",
        heading.numbered(prose(&heading.title, dialect))
    )
}

fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut out = format!("| {} |\n", headers.join(" | "));
    out.push_str(&format!(
        "|{}\n",
        headers.iter().map(|_| " --- |").collect::<String>()
    ));
    for row in rows {
        out.push_str(&format!("| {} |\n", row.join(" | ")));
    }
    out
}

struct Page<'a> {
    formulas: Formulas<'a, Latex, Line>,
    dialect: Dialect,
}

impl Page<'_> {
    fn math(&self, latex: &str) -> String {
        math(latex, self.dialect)
    }

    fn equation(&self, equation: &Equation) -> String {
        self.math(&self.formulas.equation_flat(equation))
    }

    fn closed_table(&self, t: &crate::render::sections::Section<ClosedRow>) -> String {
        let rows = t
            .rows
            .iter()
            .map(|row| {
                vec![
                    self.equation(&row.equation),
                    self.math(&Latex.shape(&row.shape)),
                ]
            })
            .collect();
        table(&t.headers, rows)
    }
}

impl PartWriter for Page<'_> {
    fn network(&self, sections: &Sections) -> String {
        let c = &sections.conventions;
        let mut out = heading(&c.heading, self.dialect);
        out.push_str(&format!("{}  \n", prose(&c.chain, self.dialect)));
        if let Some(rule) = &c.linear_rule {
            out.push_str(&format!("{}\n", prose(rule, self.dialect)));
        }
        out.push('\n');
        out.push_str(&math_block(
            &self.formulas.equation_flat(&c.loss),
            self.dialect,
        ));
        for paragraph in &c.paragraphs {
            out.push_str(&format!("\n{}\n", prose(paragraph, self.dialect)));
        }
        out
    }

    fn forward(&self, sections: &Sections) -> String {
        let t = &sections.forward;
        let rows = t
            .rows
            .iter()
            .map(|row| {
                let inputs: Vec<String> = row
                    .inputs
                    .iter()
                    .map(|id| self.formulas.keep.doc(*id).text.into_owned())
                    .collect();
                vec![
                    prose(&row.layer, self.dialect),
                    crate::render::latex_notation::inputs_cell(&inputs, |m| self.math(m)),
                    self.equation(&row.output),
                ]
            })
            .collect();
        let mut out = heading(&t.heading, self.dialect);
        if let Some(note) = &t.note {
            out.push_str(&format!("{}\n\n", prose(note, self.dialect)));
        }
        out.push_str(&table(&t.headers, rows));
        out
    }

    fn gradients(&self, sections: &Sections) -> String {
        let t = &sections.chain_rule;
        let rows = t
            .rows
            .iter()
            .map(|row| {
                vec![
                    self.math(&Latex.symbol(&row.parameter)),
                    self.equation(&row.gradient),
                    self.math(&Latex.shape(&row.shape)),
                ]
            })
            .collect();
        let mut out = heading(&t.heading, self.dialect);
        out.push_str(&table(&t.headers, rows));
        if let Some(recursion) = &sections.recursion {
            out.push('\n');
            if let Some(note) = &recursion.note {
                out.push_str(&format!("{}\n\n", prose(note, self.dialect)));
            }
            out.push_str(&self.closed_table(recursion));
        }
        out
    }

    fn jacobians(&self, sections: &Sections) -> String {
        let t = &sections.jacobians;
        let rows = t
            .rows
            .iter()
            .map(|row| {
                let mut cell = format!(
                    "{}<br>{}",
                    self.equation(&row.matrix),
                    self.math(&self.formulas.element_flat(&row.symbol, row.element))
                );
                if let Some(note) = &row.note {
                    cell.push_str(&format!("<br>{}", prose(note, self.dialect)));
                }
                vec![
                    self.math(&Latex.symbol(&row.symbol)),
                    self.math(&Latex.shape(&row.shape)),
                    cell,
                ]
            })
            .collect();
        let mut out = heading(&t.heading, self.dialect);
        if let Some(note) = &t.note {
            out.push_str(&format!("{}\n\n", prose(note, self.dialect)));
        }
        if !t.rows.is_empty() {
            out.push_str(&table(&t.headers, rows));
        }
        out
    }

    fn closed(&self, sections: &Sections) -> String {
        let t = &sections.closed_forms;
        let mut out = heading(&t.heading, self.dialect);
        if let Some(note) = &t.note {
            out.push_str(&format!("{}\n\n", prose(note, self.dialect)));
        }
        out.push_str(&self.closed_table(t));
        out
    }

    fn values(&self, sections: &Sections) -> String {
        let evaluation = sections.evaluation.as_ref().expect("printed at a point");
        let mut out = String::new();
        out.push_str(&heading(&evaluation.heading, self.dialect));
        if let Some(note) = &evaluation.note {
            out.push_str(&format!("{}\n\n", prose(note, self.dialect)));
        }
        let rows = evaluation
            .rows
            .iter()
            .map(|row| {
                vec![
                    self.math(&Latex.symbol(&row.symbol)),
                    self.math(&matrix(row)),
                ]
            })
            .collect();
        out.push_str(&table(&evaluation.headers, rows));
        out
    }

    fn check(&self, sections: &Sections) -> String {
        let check = sections
            .check
            .as_ref()
            .expect("printed once the check has run");
        let mut out = String::new();
        let t = &check.table;
        out.push_str(&heading(&t.heading, self.dialect));
        if let Some(note) = &t.note {
            out.push_str(&format!("{}\n\n", prose(note, self.dialect)));
        }
        let rows = t
            .rows
            .iter()
            .map(|row| {
                vec![
                    self.math(&Latex.symbol(&row.symbol)),
                    escape(row.form),
                    escape(&row.how),
                    escape(&row.error_text),
                    match row.result {
                        "FAIL" => "**FAIL**".to_string(),
                        other => other.to_string(),
                    },
                ]
            })
            .collect();
        out.push_str(&table(&t.headers, rows));
        out.push_str(&format!("\n{}\n", prose(&check.summary, self.dialect)));
        out
    }
}
