//! The derivation as Unicode text, laid out to a width.

use pretty::RcDoc;

use crate::calculus::Derivation;
use crate::check::CheckReport;
use crate::expr::ExprId;
use crate::render::elements::ElementPrinter;
use crate::render::expression::{Doc, Names, Printer, lines};
use crate::render::notation::{Notation, Text};
use crate::render::table::Table;
use crate::symbol::Symbol;

pub fn render_text(derivation: &Derivation, report: Option<&CheckReport>, width: usize) -> String {
    let page = Page {
        derivation,
        width,
        keep: Printer::new(&derivation.network.arena, &Text, Names::Keep),
        expand: Printer::new(&derivation.network.arena, &Text, Names::ExpandValues),
    };
    let mut out = String::new();
    out.push_str(&page.title());
    out.push_str(&page.conventions());
    out.push_str(&page.forward());
    out.push_str(&page.chain_rule());
    out.push_str(&page.jacobians());
    out.push_str(&page.closed_forms());
    if let Some(report) = report {
        out.push_str(&page.check(report));
    }
    out
}

struct Page<'a> {
    derivation: &'a Derivation,
    width: usize,
    keep: Printer<'a, Text>,
    expand: Printer<'a, Text>,
}

fn text(s: impl Into<String>) -> Doc {
    RcDoc::text(s.into())
}

/// Words that wrap at the width, each line indented.
fn paragraph(words: &str, width: usize) -> String {
    lines(&self::words(words), width.saturating_sub(2))
        .into_iter()
        .map(|l| format!("  {l}\n"))
        .collect()
}

fn heading(title: &str) -> String {
    format!("\n{title}\n\n")
}

/// `name = a = b`: the first form beside the name, later ones on lines of their own when the
/// whole does not fit; a form that reads the same as an earlier one is dropped.
fn equation(name: Doc, forms: Vec<Doc>) -> Doc {
    let mut seen: Vec<String> = Vec::new();
    let mut doc = name;
    for form in forms {
        let flat = lines(&form, usize::MAX / 2).join(" ");
        if seen.contains(&flat) {
            continue;
        }
        let separator = if seen.is_empty() {
            text(" ")
        } else {
            RcDoc::line()
        };
        seen.push(flat);
        doc = doc
            .append(separator)
            .append(text("= "))
            .append(form.nest(2));
    }
    doc.nest(2).group()
}

/// Words as a document that wraps at any width.
fn words(sentence: &str) -> Doc {
    RcDoc::intersperse(
        sentence.split_whitespace().map(|w| text(w.to_string())),
        RcDoc::softline(),
    )
}

impl Page<'_> {
    fn arena(&self) -> &crate::expr::Arena {
        &self.derivation.network.arena
    }

    fn symbol_of(&self, id: ExprId) -> Symbol {
        self.arena()
            .named(id)
            .expect("a named value")
            .symbol
            .clone()
    }

    fn title(&self) -> String {
        let network = &self.derivation.network;
        format!(
            "derive: {}, loss {}\n",
            network.spec.normalized(),
            network.loss.name()
        )
    }

    fn conventions(&self) -> String {
        let network = &self.derivation.network;
        let arena = self.arena();
        let mut out = heading("1. Network and conventions");
        let mut chain = vec!["x".to_string()];
        chain.extend(network.layers.iter().map(|l| l.title()));
        chain.push("ŷ".into());
        out.push_str(&format!("  {}\n", chain.join(" → ")));
        if network.layers.iter().any(|l| l.linear_index.is_some()) {
            out.push_str("  Linearₖ(h) = W⁽ᵏ⁾h + b⁽ᵏ⁾\n");
        }
        let loss_definition = arena
            .named(network.loss_value)
            .expect("ℓ is named")
            .definition;
        let loss = lines(
            &equation(text("ℓ"), vec![self.keep.doc(loss_definition)]),
            self.width,
        )
        .join(" ");
        out.push_str(&format!("  {loss}\n"));
        out.push_str(&paragraph(
            &format!("ℓ is the {}.", network.loss.description()),
            self.width,
        ));

        let mut symbols = vec![network.x, network.y];
        symbols.extend(network.parameters.iter().map(|p| p.leaf));
        let mut shapes: Vec<String> = symbols
            .iter()
            .map(|id| {
                let name = match arena.node(*id) {
                    crate::expr::Node::Leaf(s) => s.text(),
                    _ => unreachable!("inputs and parameters are leaves"),
                };
                let shape = arena.shape(*id);
                format!("{name} ∈ {}", Text.space(&shape.rows, &shape.cols))
            })
            .collect();
        shapes.extend(network.layers.iter().map(|l| {
            let shape = arena.shape(l.output);
            format!(
                "{} ∈ {}",
                self.symbol_of(l.output).text(),
                Text.space(&shape.rows, &shape.cols)
            )
        }));
        out.push_str(&paragraph(
            &format!("Symbols: {}.", shapes.join(", ")),
            self.width,
        ));
        let outputs: Vec<String> = network
            .layers
            .iter()
            .map(|l| {
                format!(
                    "{} is the output of {}",
                    self.symbol_of(l.output).text(),
                    l.title()
                )
            })
            .collect();
        out.push_str(&paragraph(&format!("{}.", outputs.join(", ")), self.width));
        out.push_str(&paragraph(
            "Vectors are columns. Jacobians are in numerator layout: ∂u/∂v has dim(u) rows and dim(v) \
             columns, so ∂ℓ/∂ŷ is a 1×K row. The gradient of ℓ with respect to a parameter has that \
             parameter's shape. ⊙ is the elementwise product, ⊘ the elementwise quotient, 1 a vector \
             of ones, 𝟙[·] the indicator, diag(v) the diagonal matrix with v on its diagonal, δᵢⱼ the \
             Kronecker delta; max(0, ·), σ, tanh and log act elementwise.",
            self.width,
        ));
        out
    }

    fn forward(&self) -> String {
        let network = &self.derivation.network;
        let arena = self.arena();
        let mut rows = Vec::new();
        for layer in &network.layers {
            let input = self.keep.doc(layer.input);
            let definition = arena.named(layer.output).unwrap().definition;
            let output = equation(
                text(self.symbol_of(layer.output).text()),
                vec![self.keep.doc(definition), self.expand.doc(definition)],
            );
            rows.push(vec![text(layer.title()), input, output]);
        }
        let loss_definition = arena.named(network.loss_value).unwrap().definition;
        rows.push(vec![
            text(format!("Loss ({})", network.loss.name())),
            text("ŷ, y"),
            equation(
                text("ℓ"),
                vec![
                    self.keep.doc(loss_definition),
                    self.expand.doc(loss_definition),
                ],
            ),
        ]);
        let table = Table {
            headers: vec!["Layer".into(), "Input".into(), "Output".into()],
            rows,
            wide: 2,
        };
        let mut out =
            heading("2. Forward pass: every layer's input and output, in x, y and the parameters");
        out.push_str(&table.render(self.width));
        out
    }

    fn chain_rule(&self) -> String {
        let arena = self.arena();
        let rows = self
            .derivation
            .gradients
            .iter()
            .map(|g| {
                vec![
                    text(g.parameter.text()),
                    equation(text(g.symbol.text()), vec![self.expand.doc(g.chain_rule)]),
                    text(arena.shape(g.chain_rule).to_string()),
                ]
            })
            .collect();
        let table = Table {
            headers: vec![
                "Parameter".into(),
                "Gradient (chain rule)".into(),
                "Shape".into(),
            ],
            rows,
            wide: 1,
        };
        let mut out = heading("3. Gradients by the chain rule");
        out.push_str(&table.render(self.width));
        out
    }

    fn jacobians(&self) -> String {
        let arena = self.arena();
        let elements = ElementPrinter::new(arena, &Text);
        let rows = self
            .derivation
            .jacobians
            .iter()
            .map(|j| {
                let matrix = equation(
                    text(j.symbol.text()),
                    vec![self.keep.doc(j.definition), self.keep.doc(j.simplified)],
                );
                let element = text(elements.name_with_indices(j.symbol.text(), j.simplified))
                    .append(text(" = "))
                    .append(elements.element(j.simplified));
                let mut cell = matrix.append(RcDoc::hardline()).append(element);
                let note =
                    j.layer
                        .and_then(|index| match self.derivation.network.layers[index].kind {
                            crate::layer::LayerKind::Activation(a) => a.kink_note(),
                            crate::layer::LayerKind::Linear => None,
                        });
                if let Some(note) = note {
                    cell = cell.append(RcDoc::hardline()).append(words(note));
                }
                vec![
                    text(j.symbol.text()),
                    text(arena.shape(j.definition).to_string()),
                    cell,
                ]
            })
            .collect();
        let table = Table {
            headers: vec![
                "Jacobian".into(),
                "Shape".into(),
                "Matrix and elements".into(),
            ],
            rows,
            wide: 2,
        };
        let mut out = heading("4. Jacobians and their elements");
        out.push_str(&table.render(self.width));
        out
    }

    fn closed_forms(&self) -> String {
        let arena = self.arena();
        let mut rows: Vec<Vec<Doc>> = self
            .derivation
            .signals
            .iter()
            .map(|s| {
                vec![
                    equation(text(s.symbol.text()), vec![self.keep.doc(s.closed_form)]),
                    text(arena.shape(s.closed_form).to_string()),
                ]
            })
            .collect();
        rows.extend(self.derivation.gradients.iter().map(|g| {
            vec![
                equation(text(g.symbol.text()), vec![self.keep.doc(g.closed_form)]),
                text(arena.shape(g.closed_form).to_string()),
            ]
        }));
        let table = Table {
            headers: vec!["Closed form".into(), "Shape".into()],
            rows,
            wide: 0,
        };
        let mut out = heading("5. Closed forms: the Jacobians substituted and simplified");
        out.push_str(&paragraph(
            "Written with the forward pass's values zᵢ and ŷ (section 2); the rows ∂ℓ/∂zᵢ are the \
             signals backpropagation carries.",
            self.width,
        ));
        out.push('\n');
        out.push_str(&table.render(self.width));
        out
    }

    fn check(&self, report: &CheckReport) -> String {
        let verdict = if report.passed() { "PASS" } else { "FAIL" };
        let mut out = heading(&format!("6. Numeric check: {verdict}"));
        let sizes: Vec<String> = report
            .sizes
            .0
            .iter()
            .map(|(name, size)| format!("{} = {size}", crate::symbol::dim_text(name)))
            .collect();
        let y_range = if self.derivation.network.loss.needs_probabilities() {
            "y uniform in [0, 1)"
        } else {
            "y uniform in [−1, 1)"
        };
        out.push_str(&paragraph(
            &format!(
                "At a random point (seed {}; sizes {}; x and the parameters uniform in [−1, 1), {y_range}; \
                 ReLU inputs on both sides of 0 and none within 1e-3 of it), every printed form is evaluated and compared with central \
                 differences of the forward pass (step {:e}). Error = max |analytic − numeric| / \
                 max(‖analytic‖∞, ‖numeric‖∞, 1e-3); tolerance {:e}.",
                report.seed,
                sizes.join(", "),
                report.step,
                report.tolerance
            ),
            self.width,
        ));
        out.push('\n');
        let rows = report
            .items
            .iter()
            .map(|item| {
                vec![
                    text(item.symbol.text()),
                    text(item.form.label()),
                    text(item.error_text()),
                    text(if item.passed { "pass" } else { "FAIL" }),
                ]
            })
            .collect();
        let table = Table {
            headers: vec![
                "Quantity".into(),
                "Form".into(),
                "Error".into(),
                "Result".into(),
            ],
            rows,
            wide: 3,
        };
        out.push_str(&table.render(self.width));
        for item in &report.items {
            if let Some(why) = &item.non_finite {
                out.push_str(&format!(
                    "\n  {} ({}): {why}.",
                    item.symbol.text(),
                    item.form.label()
                ));
            }
        }
        let failed = report.items.iter().filter(|i| !i.passed).count();
        out.push_str(&format!(
            "\n  {verdict}: {} of {} within tolerance.\n",
            report.items.len() - failed,
            report.items.len()
        ));
        out
    }
}
