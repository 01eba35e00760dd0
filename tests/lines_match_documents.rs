//! The text renderer prints a formula as its line wherever the line fits, and lays out its
//! `pretty` document only where it does not: the two must agree. Every subexpression of
//! several derivations, in every printer (names kept, values expanded, the chain rule in full),
//! in text and LaTeX, with and without its element form, at many widths: wherever the line
//! says it fits, `pretty` prints exactly that line.

use derive::derivation::Expansion;
use derive::math::expr::ExprId;
use derive::render::expression::{Doc, lines};
use derive::render::latex_notation::Latex;
use derive::render::layout::{Layout, Line};
use derive::render::notation::{Notation, Text};
use derive::render::sections::Formulas;
use derive::{Loss, LossKind, derive_spec, parse_spec};

const SPECS: &[(&str, LossKind, bool)] = &[
    ("linear>relu>linear>identity", LossKind::Mse, false),
    ("linear>sigmoid>linear>sigmoid", LossKind::Bce, false),
    ("linear>tanh>linear>softmax", LossKind::Ce, false),
    ("linear>elu>linear>log_softmax", LossKind::Nll, false),
    (
        "linear>leaky_relu(0.1)>linear>elu>linear>softplus>linear>silu>linear>tanh>linear>identity",
        LossKind::Mse,
        false,
    ),
    ("linear>relu>linear>identity", LossKind::Mse, true),
    (
        "linear>relu>dropout(0.1)>linear>dropout>linear",
        LossKind::Mse,
        false,
    ),
    (
        "linear>tanh>dropout(0.25)>linear>softmax",
        LossKind::Ce,
        true,
    ),
];

/// A formula and what the text renderer would do with it in a table cell: the matrix form,
/// then its element form on the next line.
fn cell<N: Notation, L: Layout>(formulas: &Formulas<'_, N, L>, id: ExprId, name: L) -> L {
    name.append(L::text(" = "))
        .append(formulas.keep.doc(id).nest(2))
        .nest(2)
        .group()
        .append(L::hardline())
        .append(formulas.element(id))
}

fn agree(line: &Line, doc: &Doc, what: &str) {
    for width in (4..140).step_by(3) {
        if let Some(text) = line.fitting(width) {
            let expected: Vec<&str> = text.lines().map(str::trim_end).collect();
            assert_eq!(lines(doc, width), expected, "{what} at width {width}");
        }
    }
}

fn every_subexpression<N: Notation>(notation: &N) {
    for (spec, loss, batch) in SPECS {
        for expansion in [Expansion::Expanded, Expansion::Compact] {
            let parsed = parse_spec(spec).unwrap();
            let derivation = derive_spec(&parsed, Loss::new(*loss), expansion, *batch).unwrap();
            let arena = &derivation.network.arena;
            let line_formulas: Formulas<N, Line> = Formulas::new(arena, notation);
            let doc_formulas: Formulas<N, Doc> = Formulas::new(arena, notation);
            let mut fitted = 0;
            for index in 0..arena.len() {
                let id = ExprId(index as u32);
                let printers = [
                    (&line_formulas.keep, &doc_formulas.keep),
                    (&line_formulas.expand, &doc_formulas.expand),
                    (&line_formulas.chain, &doc_formulas.chain),
                ];
                for (line_printer, doc_printer) in printers {
                    let line = line_printer.doc(id);
                    fitted += usize::from(line.fitting(80).is_some());
                    agree(&line, &doc_printer.doc(id), spec);
                }
                let line = cell(&line_formulas, id, Line::text("v"));
                let doc = cell(&doc_formulas, id, <Doc as Layout>::text("v"));
                agree(&line, &doc, spec);
                // A hard break inside a group breaks the group's other lines; inside a nest
                // it indents the next line.
                let spaced = |l: Line| Line::text("v =").append(Line::line()).append(l).group();
                let spaced_doc = |d: Doc| {
                    <Doc as Layout>::text("v =")
                        .append(Doc::line())
                        .append(d)
                        .group()
                };
                agree(&spaced(line.clone()), &spaced_doc(doc.clone()), spec);
                // A break outside every group is always taken.
                let loose = Line::text("v =").append(Line::line()).append(line.clone());
                let loose_doc = <Doc as Layout>::text("v =")
                    .append(Doc::line())
                    .append(doc.clone());
                agree(&loose, &loose_doc, spec);
                agree(&line.nest(2), &doc.nest(2), spec);
            }
            assert!(fitted > 0, "{spec}: some formulas fit 80 columns");
        }
    }
}

#[test]
fn text_lines_are_what_pretty_prints() {
    every_subexpression(&Text);
}

#[test]
fn latex_lines_are_what_pretty_prints() {
    every_subexpression(&Latex);
}
