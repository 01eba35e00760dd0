//! The derivation as Unicode text, laid out to a width.

use pretty::RcDoc;

use crate::render::expression::{Doc, lines};
use crate::render::notation::{Notation, Text};
use crate::render::prose::Prose;
use crate::render::sections::{ClosedRow, Equation, Formulas, Heading, Sections, ValueRow};
use crate::render::table::Table;

pub fn render_text(sections: &Sections, width: usize) -> String {
    let page = Page {
        formulas: Formulas::new(&sections.derivation.network.arena, &Text),
        width,
    };
    // The title wraps like a paragraph, without its indent: a long chain names many layers.
    let mut out: String = lines(&words(&sections.title.plain(&Text)), width)
        .into_iter()
        .map(|l| format!("{l}\n"))
        .collect();
    out.push_str(&page.conventions(sections));
    out.push_str(&page.forward(sections));
    out.push_str(&page.chain_rule(sections));
    out.push_str(&page.jacobians(sections));
    out.push_str(&page.closed_forms(sections));
    if let Some(evaluation) = &sections.evaluation {
        out.push_str(&page.heading(&evaluation.heading));
        if let Some(note) = &evaluation.note {
            out.push_str(&page.paragraph(note));
            out.push('\n');
        }
        let rows = evaluation
            .rows
            .iter()
            .map(|row| {
                vec![
                    page.formulas.name(&row.symbol),
                    words(&value_text(&Text, row)),
                ]
            })
            .collect();
        out.push_str(&page.table(&evaluation.headers, rows, 1));
    }
    if let Some(check) = &sections.check {
        let table = &check.table;
        out.push_str(&page.heading(&table.heading));
        if let Some(note) = &table.note {
            out.push_str(&page.paragraph(note));
            out.push('\n');
        }
        let rows = table
            .rows
            .iter()
            .map(|row| {
                vec![
                    page.formulas.name(&row.symbol),
                    text(row.form),
                    text(row.how.clone()),
                    text(row.error_text.clone()),
                    text(if row.passed { "pass" } else { "FAIL" }),
                ]
            })
            .collect();
        out.push_str(&page.table(&table.headers, rows, 4));
        out.push_str(&format!("\n  {}\n", check.summary.plain(&Text)));
    }
    out
}

/// A value as the point file writes it: a number, a list for a vector, a list of rows for a
/// matrix.
pub fn value_text<N: Notation>(notation: &N, row: &ValueRow) -> String {
    let m = &row.value;
    let entry = |r: usize, c: usize| notation.number(m.data[r * m.cols + c]);
    if row.shape.is_scalar() {
        entry(0, 0)
    } else if row.shape.is_column() {
        let entries: Vec<String> = (0..m.rows).map(|r| entry(r, 0)).collect();
        format!("[{}]", entries.join(", "))
    } else {
        let rows: Vec<String> = (0..m.rows)
            .map(|r| {
                let entries: Vec<String> = (0..m.cols).map(|c| entry(r, c)).collect();
                format!("[{}]", entries.join(", "))
            })
            .collect();
        format!("[{}]", rows.join(", "))
    }
}

struct Page<'a> {
    formulas: Formulas<'a, Text>,
    width: usize,
}

fn text(s: impl Into<String>) -> Doc {
    RcDoc::text(s.into())
}

/// Words as a document that wraps at any width.
fn words(sentence: &str) -> Doc {
    RcDoc::intersperse(
        sentence.split_whitespace().map(|w| text(w.to_string())),
        RcDoc::softline(),
    )
}

impl Page<'_> {
    /// Words that wrap at the width, each line indented.
    fn paragraph(&self, prose: &Prose) -> String {
        lines(&words(&prose.plain(&Text)), self.width.saturating_sub(2))
            .into_iter()
            .map(|l| format!("  {l}\n"))
            .collect()
    }

    fn heading(&self, heading: &Heading) -> String {
        format!("\n{}. {}\n\n", heading.number, heading.title.plain(&Text))
    }

    /// `name = a = b`: the first form beside the name, later ones on lines of their own when
    /// the whole does not fit.
    fn equation(&self, equation: &Equation) -> Doc {
        let mut doc = self.formulas.name(&equation.name);
        for (i, form) in equation.forms.iter().enumerate() {
            let separator = if i == 0 { text(" ") } else { RcDoc::line() };
            doc = doc
                .append(separator)
                .append(text("= "))
                .append(self.formulas.form(form).nest(2));
        }
        doc.nest(2).group()
    }

    fn table(&self, headers: &[&str], rows: Vec<Vec<Doc>>, wide: usize) -> String {
        Table {
            headers: headers.iter().map(|h| h.to_string()).collect(),
            rows,
            wide,
        }
        .render(self.width)
    }

    fn conventions(&self, sections: &Sections) -> String {
        let c = &sections.conventions;
        let mut out = self.heading(&c.heading);
        out.push_str(&self.paragraph(&c.chain));
        if let Some(rule) = &c.linear_rule {
            out.push_str(&format!("  {}\n", rule.plain(&Text)));
        }
        let loss = lines(&self.equation(&c.loss), self.width).join(" ");
        out.push_str(&format!("  {loss}\n"));
        for paragraph in &c.paragraphs {
            out.push_str(&self.paragraph(paragraph));
        }
        out
    }

    fn forward(&self, sections: &Sections) -> String {
        let table = &sections.forward;
        let rows = table
            .rows
            .iter()
            .map(|row| {
                let inputs = RcDoc::intersperse(
                    row.inputs.iter().map(|id| self.formulas.keep.doc(*id)),
                    text(", "),
                );
                vec![
                    text(row.layer.plain(&Text)),
                    inputs,
                    self.equation(&row.output),
                ]
            })
            .collect();
        self.section(table, rows, 2)
    }

    /// A section's heading, its note, and its table (none when it has no rows).
    fn section<R>(
        &self,
        table: &crate::render::sections::Table<R>,
        rows: Vec<Vec<Doc>>,
        wide: usize,
    ) -> String {
        let mut out = self.heading(&table.heading);
        if let Some(note) = &table.note {
            out.push_str(&self.paragraph(note));
        }
        if !table.rows.is_empty() {
            out.push_str(&self.table(&table.headers, rows, wide));
        }
        out
    }

    fn chain_rule(&self, sections: &Sections) -> String {
        let table = &sections.chain_rule;
        let rows = table
            .rows
            .iter()
            .map(|row| {
                vec![
                    self.formulas.name(&row.parameter),
                    self.equation(&row.gradient),
                    text(Text.shape(&row.shape)),
                ]
            })
            .collect();
        let mut out = self.heading(&table.heading);
        out.push_str(&self.table(&table.headers, rows, 1));
        if let Some(recursion) = &sections.recursion {
            out.push('\n');
            if let Some(note) = &recursion.note {
                out.push_str(&self.paragraph(note));
                out.push('\n');
            }
            out.push_str(&self.closed_table(recursion));
        }
        out
    }

    fn closed_table(&self, table: &crate::render::sections::Table<ClosedRow>) -> String {
        let rows = table
            .rows
            .iter()
            .map(|row| vec![self.equation(&row.equation), text(Text.shape(&row.shape))])
            .collect();
        self.table(&table.headers, rows, 0)
    }

    fn jacobians(&self, sections: &Sections) -> String {
        let table = &sections.jacobians;
        let rows = table
            .rows
            .iter()
            .map(|row| {
                let element = self
                    .formulas
                    .element_name(&row.symbol, row.element)
                    .append(text(" = "))
                    .append(self.formulas.element(row.element));
                let mut cell = self
                    .equation(&row.matrix)
                    .append(RcDoc::hardline())
                    .append(element);
                if let Some(note) = &row.note {
                    cell = cell
                        .append(RcDoc::hardline())
                        .append(words(&note.plain(&Text)));
                }
                vec![
                    self.formulas.name(&row.symbol),
                    text(Text.shape(&row.shape)),
                    cell,
                ]
            })
            .collect();
        self.section(table, rows, 2)
    }

    fn closed_forms(&self, sections: &Sections) -> String {
        let table = &sections.closed_forms;
        let mut out = self.heading(&table.heading);
        if let Some(note) = &table.note {
            out.push_str(&self.paragraph(note));
            out.push('\n');
        }
        out.push_str(&self.closed_table(table));
        out
    }
}
