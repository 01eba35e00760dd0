//! The derivation as Unicode text, laid out to a width.
//!
//! Each table row is built as lines of text; a wide cell whose line does not fit the page is
//! built again as a `pretty` document and laid out at the width left for it. Both come from the
//! same generic code (`Row::cells`), so a cell reads the same either way.

use std::io::{self, Write};

use crate::math::prose::Prose;
use crate::render::expression::{Doc, lines};
use crate::render::layout::{Layout, Line};
use crate::render::notation::{Notation, Text};
use crate::render::parts::Part;
use crate::render::prose::Spell;
use crate::render::sections::{
    ChainRow, CheckRow, ClosedRow, Equation, Formulas, ForwardRow, Heading, JacobianRow, Section,
    Sections, ValueRow,
};
use crate::render::sink::Sink;
use crate::render::table::TextTable;
use crate::render::words::{filled, words};

pub fn render_text(sections: &Sections, width: usize) -> String {
    let mut out = Sink::memory();
    write_derivation(sections, width, &mut out);
    write_check(sections, width, &mut out);
    out.into_string()
}

/// Text written to a writer as it is laid out, in two parts: the derivation, then the check's
/// section. Between the two, the check may still be running (`Sections::add_check`).
pub struct TextWriter<'w> {
    out: Sink<'w>,
    width: usize,
}

impl<'w> TextWriter<'w> {
    pub fn new(width: usize, writer: &'w mut dyn Write) -> Self {
        TextWriter {
            out: Sink::writer(writer),
            width,
        }
    }

    /// Every section but the check's, all written out before this returns.
    pub fn derivation(&mut self, sections: &Sections) {
        write_derivation(sections, self.width, &mut self.out);
        self.out.write_out();
    }

    /// The check's section, if `sections` has one.
    pub fn check(&mut self, sections: &Sections) {
        write_check(sections, self.width, &mut self.out);
    }

    /// Writes what is left; the writer's first error, if any.
    pub fn finish(self) -> io::Result<()> {
        self.out.finish()
    }
}

fn write_derivation(sections: &Sections, width: usize, out: &mut Sink) {
    let page = Page::new(sections, width);
    if sections.parts.is_whole() {
        // The title wraps like a paragraph, without its indent: a long chain names many layers.
        for line in filled(&sections.title.plain(&Text), width) {
            out.push_str(&line);
            out.push('\n');
        }
    }
    for part in sections.printed() {
        match part {
            Part::Network => page.conventions(sections, out),
            Part::Forward => page.spaced_section(&sections.forward, 2, out),
            Part::Gradients => {
                let chain_rule = &sections.chain_rule;
                out.push_str(&page.heading(&chain_rule.heading));
                page.table(chain_rule, 1, out);
                if let Some(recursion) = &sections.recursion {
                    out.push('\n');
                    if let Some(note) = &recursion.note {
                        out.push_str(&page.paragraph(note));
                        out.push('\n');
                    }
                    page.table(recursion, 0, out);
                }
            }
            Part::Jacobians => page.section(&sections.jacobians, 2, out),
            Part::Closed => page.spaced_section(&sections.closed_forms, 0, out),
            Part::Values => {
                let evaluation = sections.evaluation.as_ref().expect("printed at a point");
                page.spaced_section(evaluation, 1, out);
            }
            // Written by `write_check`, once the check has run.
            Part::Check => {}
        }
    }
}

fn write_check(sections: &Sections, width: usize, out: &mut Sink) {
    if let Some(check) = &sections.check {
        let page = Page::new(sections, width);
        page.spaced_section(&check.table, 4, out);
        out.push('\n');
        out.push_str(&page.paragraph(&check.summary));
    }
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
    docs: Formulas<'a, Text, Doc>,
    lines: &'a Formulas<'a, Text, Line>,
    width: usize,
}

/// `name = a = b`: the first form beside the name, later ones on lines of their own when
/// the whole does not fit.
fn equation<L: Layout>(formulas: &Formulas<'_, Text, L>, equation: &Equation) -> L {
    let mut out = formulas.name(&equation.name);
    for (i, form) in equation.forms.iter().enumerate() {
        let before = if i == 0 {
            out.append(L::text(" = "))
        } else {
            out.append(L::line()).append(L::text("= "))
        };
        out = formulas.after_form(before, form, 2);
    }
    out.nest(2).group()
}

/// A table row's cells, as lines or as documents.
trait Row {
    /// Appends the row's cells to `out`, one for each column.
    fn cells<L: Layout>(&self, formulas: &Formulas<'_, Text, L>, out: &mut Vec<L>);
}

impl Row for ForwardRow {
    fn cells<L: Layout>(&self, f: &Formulas<'_, Text, L>, out: &mut Vec<L>) {
        let mut inputs = L::nil();
        for (i, id) in self.inputs.iter().enumerate() {
            if i > 0 {
                inputs = inputs.append(L::text(", "));
            }
            inputs = f.keep.after(inputs, *id, 0);
        }
        out.extend([
            Text.atom(self.layer.plain(&Text)),
            inputs,
            equation(f, &self.output),
        ]);
    }
}

impl Row for ChainRow {
    fn cells<L: Layout>(&self, f: &Formulas<'_, Text, L>, out: &mut Vec<L>) {
        out.extend([
            f.name(&self.parameter),
            equation(f, &self.gradient),
            Text.atom(Text.shape(&self.shape)),
        ]);
    }
}

impl Row for ClosedRow {
    fn cells<L: Layout>(&self, f: &Formulas<'_, Text, L>, out: &mut Vec<L>) {
        out.extend([
            equation(f, &self.equation),
            Text.atom(Text.shape(&self.shape)),
        ]);
    }
}

impl Row for JacobianRow {
    fn cells<L: Layout>(&self, f: &Formulas<'_, Text, L>, out: &mut Vec<L>) {
        let element = f
            .element_name(&self.symbol, self.element)
            .append(L::text(" = "))
            .append(f.element(self.element));
        let mut cell = equation(f, &self.matrix)
            .append(L::hardline())
            .append(element);
        if let Some(note) = &self.note {
            cell = cell.append(L::hardline()).append(words(&note.plain(&Text)));
        }
        out.extend([
            f.name(&self.symbol),
            Text.atom(Text.shape(&self.shape)),
            cell,
        ]);
    }
}

impl Row for ValueRow {
    fn cells<L: Layout>(&self, f: &Formulas<'_, Text, L>, out: &mut Vec<L>) {
        out.extend([f.name(&self.symbol), words(&value_text(&Text, self))]);
    }
}

impl Row for CheckRow {
    fn cells<L: Layout>(&self, f: &Formulas<'_, Text, L>, out: &mut Vec<L>) {
        out.extend([
            f.name(&self.symbol),
            L::text(self.form),
            L::text(self.how.clone()),
            L::text(self.error_text.clone()),
            L::text(self.result),
        ]);
    }
}

impl<'a> Page<'a> {
    fn new(sections: &'a Sections, width: usize) -> Self {
        Page {
            docs: Formulas::new(&sections.derivation.network.arena, &Text),
            lines: &sections.text_lines,
            width,
        }
    }

    /// Words that wrap at the width, each line indented.
    fn paragraph(&self, prose: &Prose) -> String {
        filled(&prose.plain(&Text), self.width.saturating_sub(2))
            .into_iter()
            .map(|l| format!("  {l}\n"))
            .collect()
    }

    /// A heading, wrapped at the width like the title.
    fn heading(&self, heading: &Heading) -> String {
        let lines = filled(&heading.numbered(heading.title.plain(&Text)), self.width);
        format!("\n{}\n\n", lines.join("\n"))
    }

    /// The rows as a table whose column `wide` wraps.
    fn table<R: Row>(&self, section: &Section<R>, wide: usize, out: &mut Sink) {
        let headers: Vec<String> = section.headers.iter().map(|h| h.to_string()).collect();
        let mut cells = Vec::with_capacity(section.rows.len() * headers.len());
        for row in &section.rows {
            row.cells(self.lines, &mut cells);
            debug_assert_eq!(cells.len() % headers.len(), 0, "a cell for every column");
        }
        TextTable {
            headers,
            cells,
            wide,
        }
        .render(self.width, out, |r| {
            let mut cells = Vec::new();
            section.rows[r].cells(&self.docs, &mut cells);
            cells.swap_remove(wide)
        });
    }

    /// A section's heading, its note, and its table (none when it has no rows).
    fn section<R: Row>(&self, section: &Section<R>, wide: usize, out: &mut Sink) {
        out.push_str(&self.heading(&section.heading));
        if let Some(note) = &section.note {
            out.push_str(&self.paragraph(note));
        }
        if !section.rows.is_empty() {
            self.table(section, wide, out);
        }
    }

    /// A section's heading, its note set off by a blank line, and its table.
    fn spaced_section<R: Row>(&self, section: &Section<R>, wide: usize, out: &mut Sink) {
        out.push_str(&self.heading(&section.heading));
        if let Some(note) = &section.note {
            out.push_str(&self.paragraph(note));
            out.push('\n');
        }
        self.table(section, wide, out);
    }

    fn conventions(&self, sections: &Sections, out: &mut Sink) {
        let c = &sections.conventions;
        out.push_str(&self.heading(&c.heading));
        out.push_str(&self.paragraph(&c.chain));
        if let Some(rule) = &c.linear_rule {
            out.push_str(&format!("  {}\n", rule.plain(&Text)));
        }
        // A definition too long for the width is broken where `pretty` breaks it, at its
        // operators, each continuation line indented under it; joined back into one line it
        // would hold the continuation's indentation as a run of spaces.
        for line in lines(&equation(&self.docs, &c.loss), self.width.saturating_sub(2)) {
            out.push_str(&format!("  {line}\n"));
        }
        for paragraph in &c.paragraphs {
            out.push_str(&self.paragraph(paragraph));
        }
    }
}
