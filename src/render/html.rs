//! The derivation as one self-contained HTML page: the sections as headings, paragraphs and
//! tables, every formula in MathML Core, which browsers lay out without JavaScript or fonts
//! from the network; the stylesheet inline, for light and dark mode and for print.
//!
//! The formulas are the LaTeX output's, converted to MathML by the `math-core` crate, so that
//! there is one LaTeX notation to keep rather than a third notation. MathML does not break
//! lines: each equation is broken where the LaTeX output breaks it (`latex::equation_lines`,
//! decided by derive at a width in ems) and set as an aligned table of its lines.

use math_core::{LatexToMathML, MathCoreConfig, MathDisplay};

use crate::math::prose::{Piece, Prose};
use crate::render::expression::flat;
use crate::render::latex::{ALIGN_WIDTH, TABLE_WIDTH, equation_lines, matrix, value_groups};
use crate::render::latex_notation::Latex;
use crate::render::notation::{Notation, Text};
use crate::render::prose::{Spell, spell};
use crate::render::sections::PartWriter;
use crate::render::sections::{ClosedRow, Equation, Formulas, Heading, Section, Sections};

/// Light and dark, a column a reader can follow, tables that keep formulas apart, and print
/// without the page's colours.
const STYLE: &str = "\
:root { color-scheme: light dark; --rule: #8884; --muted: #6a6a6a; }
body { margin: 0 auto; padding: 1.5rem; max-width: 1000px; line-height: 1.5;
  font-family: 'Latin Modern Roman', 'STIX Two Text', Georgia, serif; font-size: 17px;
  background: #fff; color: #1a1a1a; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.25rem; margin-top: 2rem; }
math { font-family: 'Latin Modern Math', 'STIX Two Math', math; }
math[display=block] { margin: 0.4rem 0; }
table { border-collapse: collapse; margin: 0.8rem 0; }
th, td { text-align: left; vertical-align: top; padding: 0.35rem 0.9rem 0.35rem 0; }
thead th { border-bottom: 1px solid var(--rule); }
tbody tr + tr td { border-top: 1px solid var(--rule); }
td math[display=block] { display: inline math; math-style: normal; margin: 0; }
td > div + div { margin-top: 0.3rem; }
.note { color: var(--muted); font-size: 0.95em; }
.fail { font-weight: bold; color: #b00020; }
@media (prefers-color-scheme: dark) {
  body { background: #16181c; color: #e4e4e4; } :root { --muted: #a8a8a8; }
  .fail { color: #ff6b7f; }
}
@media print { body { max-width: none; padding: 0; font-size: 11pt; } h2 { break-after: avoid; }
  tr { break-inside: avoid; } }
";

pub fn render_html(sections: &Sections) -> String {
    let page = Page {
        formulas: Formulas::new(&sections.derivation.network.arena, &Latex),
        converter: LatexToMathML::new(MathCoreConfig::default())
            .expect("the default configuration is valid"),
    };
    let title = escape(&sections.title.plain(&Text));
    let mut out = format!(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{title}</title>\n<style>\n{STYLE}</style>\n</head>\n<body>\n<main>\n"
    );
    if sections.parts.is_whole() {
        out.push_str(&format!("<h1>{}</h1>\n", page.prose(&sections.title)));
    }
    for part in sections.printed() {
        out.push_str(&page.write(sections, part));
    }
    out.push_str("</main>\n</body>\n</html>\n");
    out
}

/// A browser stretches an operator to the size `\biggr)` asks for (`minsize`) only against
/// the other children of its row, and a sized fence that is the base of a script, `)ᵀ`, has
/// none: a strut beside it, too small to be seen, gives it a row to stretch in.
fn stretch_sized_fences(mathml: &str) -> String {
    let mut out = String::with_capacity(mathml.len());
    let mut rest = mathml;
    while let Some(start) = rest.find("<mo minsize=") {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        let end = from.find("</mo>").map_or(from.len(), |e| e + "</mo>".len());
        let (fence, after) = from.split_at(end);
        let is_base = ["<msup>", "<msub>", "<msubsup>"]
            .iter()
            .any(|script| before.ends_with(script));
        if is_base {
            out.push_str(&format!("<mrow>{fence}<mspace height=\"0.1em\"/></mrow>"));
        } else {
            out.push_str(fence);
        }
        rest = after;
    }
    out.push_str(rest);
    out
}

/// Text with HTML's active characters escaped.
fn escape(words: &str) -> String {
    let mut out = String::with_capacity(words.len());
    for c in words.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            _ => out.push(c),
        }
    }
    out
}

fn table(headers: &[&str], rows: Vec<Vec<String>>) -> String {
    let mut out = String::from("<table>\n<thead><tr>");
    for header in headers {
        out.push_str(&format!("<th>{}</th>", escape(header)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        out.push_str("<tr>");
        for cell in row {
            out.push_str(&format!("<td>{cell}</td>"));
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

struct Page<'a> {
    formulas: Formulas<'a, Latex>,
    converter: LatexToMathML,
}

impl Page<'_> {
    /// LaTeX mathematics as a `<math>` element. Every command the LaTeX notation writes is one
    /// math-core converts; a formula it refused would be shown as its LaTeX source, and is a
    /// defect the tests catch.
    fn math(&self, latex: &str, display: MathDisplay) -> String {
        match self.converter.convert_with_local_state(latex, display) {
            Ok(converted) => stretch_sized_fences(&converted.mathml),
            Err(error) => {
                debug_assert!(false, "math-core refused {latex}: {error:?}");
                format!("<code>{}</code>", escape(latex))
            }
        }
    }

    fn inline(&self, latex: &str) -> String {
        self.math(latex, MathDisplay::Inline)
    }

    /// A sentence: words escaped, each run of mathematics one inline formula. Unlike TeX, a
    /// browser breaks no line inside a formula, so a space between two pieces of mathematics
    /// (`x → Linear₁ → ReLU`) stays a space of the text, where the line may break.
    fn prose(&self, prose: &Prose) -> String {
        let mut out = String::new();
        let mut run: Option<String> = None;
        for piece in &prose.0 {
            match piece {
                Piece::Math(m) => run
                    .get_or_insert_with(String::new)
                    .push_str(&spell(&Latex, m)),
                Piece::Words(w) => {
                    if let Some(m) = run.take() {
                        out.push_str(&self.inline(&m));
                    }
                    out.push_str(&escape(w));
                }
            }
        }
        if let Some(m) = run {
            out.push_str(&self.inline(&m));
        }
        out
    }

    fn paragraph(&self, prose: &Prose) -> String {
        format!("<p>{}</p>\n", self.prose(prose))
    }

    fn note(&self, note: &Option<Prose>) -> String {
        note.as_ref()
            .map(|n| format!("<p class=\"note\">{}</p>\n", self.prose(n)))
            .unwrap_or_default()
    }

    fn heading(&self, heading: &Heading) -> String {
        format!(
            "<h2>{}</h2>\n",
            heading.numbered(self.prose(&heading.title))
        )
    }

    /// Lines of an aligned block, `=` under `=`, as one displayed formula.
    fn aligned(&self, lines: &[String]) -> String {
        let latex = format!("\\begin{{aligned}}{}\\end{{aligned}}", lines.join(" \\\\ "));
        self.math(&latex, MathDisplay::Block)
    }

    /// An equation broken at `width` (in the LaTeX output's half-ems) where the LaTeX output
    /// breaks it.
    fn equation(&self, equation: &Equation, width: usize) -> String {
        let (name, lines) = equation_lines(&self.formulas, equation, width);
        let lines: Vec<String> = lines.iter().map(|l| l.aligned(&name)).collect();
        self.aligned(&lines)
    }

    fn closed_table(&self, t: &Section<ClosedRow>) -> String {
        let rows = t
            .rows
            .iter()
            .map(|row| {
                vec![
                    self.equation(&row.equation, ALIGN_WIDTH),
                    self.inline(&Latex.shape(&row.shape)),
                ]
            })
            .collect();
        table(&t.headers, rows)
    }
}

impl PartWriter for Page<'_> {
    fn network(&self, sections: &Sections) -> String {
        let c = &sections.conventions;
        let mut out = self.heading(&c.heading);
        out.push_str(&self.paragraph(&c.chain));
        if let Some(rule) = &c.linear_rule {
            out.push_str(&self.paragraph(rule));
        }
        out.push_str(&self.equation(&c.loss, ALIGN_WIDTH));
        for paragraph in &c.paragraphs {
            out.push_str(&self.paragraph(paragraph));
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
                    .map(|id| flat(&self.formulas.keep.doc(*id)))
                    .collect();
                vec![
                    self.prose(&row.layer),
                    self.inline(&inputs.join(", ")),
                    self.equation(&row.output, TABLE_WIDTH),
                ]
            })
            .collect();
        let mut out = self.heading(&t.heading);
        out.push_str(&self.note(&t.note));
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
                    self.inline(&Latex.symbol(&row.parameter)),
                    self.equation(&row.gradient, TABLE_WIDTH),
                    self.inline(&Latex.shape(&row.shape)),
                ]
            })
            .collect();
        let mut out = self.heading(&t.heading);
        out.push_str(&self.note(&t.note));
        out.push_str(&table(&t.headers, rows));
        if let Some(recursion) = &sections.recursion {
            out.push_str(&self.note(&recursion.note));
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
                let element = format!(
                    "{} = {}",
                    flat(&self.formulas.element_name(&row.symbol, row.element)),
                    flat(&self.formulas.element(row.element))
                );
                let mut cell = format!("<div>{}</div>", self.equation(&row.matrix, TABLE_WIDTH));
                cell.push_str(&format!(
                    "<div>{}</div>",
                    self.math(&element, MathDisplay::Block)
                ));
                if let Some(note) = &row.note {
                    cell.push_str(&format!("<div class=\"note\">{}</div>", self.prose(note)));
                }
                vec![
                    self.inline(&Latex.symbol(&row.symbol)),
                    self.inline(&Latex.shape(&row.shape)),
                    cell,
                ]
            })
            .collect();
        let mut out = self.heading(&t.heading);
        out.push_str(&self.note(&t.note));
        if !t.rows.is_empty() {
            out.push_str(&table(&t.headers, rows));
        }
        out
    }

    fn closed(&self, sections: &Sections) -> String {
        let t = &sections.closed_forms;
        let mut out = self.heading(&t.heading);
        out.push_str(&self.note(&t.note));
        out.push_str(&self.closed_table(t));
        out
    }

    fn values(&self, sections: &Sections) -> String {
        let evaluation = sections.evaluation.as_ref().expect("printed at a point");
        let mut out = self.heading(&evaluation.heading);
        out.push_str(&self.note(&evaluation.note));
        let rows = evaluation
            .rows
            .iter()
            .map(|row| {
                // A value too wide or too tall for one matrix is written entry by entry.
                let groups = value_groups(row);
                let value = if groups.len() == 1 {
                    self.inline(&matrix(row))
                } else {
                    self.aligned(&groups.concat())
                };
                vec![self.inline(&Latex.symbol(&row.symbol)), value]
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
        let t = &check.table;
        let mut out = self.heading(&t.heading);
        out.push_str(&self.note(&t.note));
        let rows = t
            .rows
            .iter()
            .map(|row| {
                vec![
                    self.inline(&Latex.inline_symbol(&row.symbol)),
                    escape(row.form),
                    escape(&row.how),
                    escape(&row.error_text),
                    match row.result {
                        "FAIL" => "<span class=\"fail\">FAIL</span>".to_string(),
                        other => escape(other),
                    },
                ]
            })
            .collect();
        out.push_str(&table(&t.headers, rows));
        out.push_str(&self.paragraph(&check.summary));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sized_fence_under_a_script_gets_a_row_to_stretch_in() {
        let fence = "<mo minsize=\"2.047em\" maxsize=\"2.047em\">)</mo>";
        assert_eq!(
            stretch_sized_fences(&format!("<msup>{fence}<mi>⊤</mi></msup>{fence}")),
            format!("<msup><mrow>{fence}<mspace height=\"0.1em\"/></mrow><mi>⊤</mi></msup>{fence}")
        );
    }

    #[test]
    fn words_are_escaped() {
        assert_eq!(
            escape("a < b & \"c\" > d"),
            "a &lt; b &amp; &quot;c&quot; &gt; d"
        );
    }
}
