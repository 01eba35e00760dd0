//! The forward pass: each layer's input and output.

use super::{Builder, ForwardRow, PrintedForm, Section, forward_names, layer_title};
use crate::math::expr::ExprId;
use crate::math::prose::Prose;
use crate::math::symbol::Symbol;
use crate::render::expression::Names;
use crate::render::parts::Part;

impl Builder<'_> {
    pub(super) fn forward(&self) -> Section<ForwardRow> {
        let network = &self.derivation.network;
        let row = |layer: &crate::network::Layer, named: ExprId, inputs: Vec<ExprId>| {
            let definition = self.definition(named);
            ForwardRow {
                layer: layer_title(layer),
                key: layer_key(layer),
                inputs,
                output: self.equation(
                    self.symbol_of(named),
                    vec![
                        PrintedForm {
                            id: definition,
                            names: Names::Keep,
                        },
                        PrintedForm {
                            id: definition,
                            names: forward_names(self.derivation),
                        },
                    ],
                ),
            }
        };
        let mut rows: Vec<ForwardRow> = Vec::with_capacity(network.layers.len() + 1);
        for layer in &network.layers {
            let Some(normalization) = &layer.normalization else {
                // A dropout layer's mask is an input too.
                let mut inputs = layer.inputs.clone();
                // x + x takes one value twice: it is listed once.
                inputs.dedup();
                inputs.extend(layer.mask);
                rows.push(row(layer, layer.output, inputs));
                continue;
            };
            // The statistics a course names on the way, each a row: μ, var, ẑ, then the output.
            let s = normalization.statistics;
            rows.push(row(layer, s.mean, vec![layer.input]));
            rows.push(row(layer, s.variance, vec![layer.input, s.mean]));
            rows.push(row(
                layer,
                s.normalized,
                vec![layer.input, s.mean, s.variance],
            ));
            rows.push(row(layer, layer.output, vec![s.normalized]));
        }
        let loss_definition = self.definition(network.loss_value);
        rows.push(ForwardRow {
            layer: Prose::new().words(format!("Loss ({})", network.loss.name())),
            key: "Loss".into(),
            inputs: vec![network.yhat, network.y],
            output: self.equation(
                Symbol::Loss,
                vec![
                    PrintedForm {
                        id: loss_definition,
                        names: Names::Keep,
                    },
                    PrintedForm {
                        id: loss_definition,
                        names: forward_names(self.derivation),
                    },
                ],
            ),
        });
        let (x, y) = (self.symbol_of(network.x), self.symbol_of(network.y));
        let expanded = forward_names(self.derivation) != Names::Keep;
        // The dropout masks are inputs too, written out with the rest.
        let and_the_parameters = match network.masks().count() {
            0 => " and the parameters",
            1 => ", the mask and the parameters",
            _ => ", the masks and the parameters",
        };
        let mut title = Prose::new().words("Forward pass: every layer's input and output");
        let mut note = if network.spec.model.is_some() {
            Prose::new()
                .words("Input is what a node takes, by name (a sum, difference or product takes two values; the loss also takes ")
                .symbol(&y)
                .words("); Output is the node's rule applied to it")
        } else {
            Prose::new()
                .words("Input is the value a layer takes, by name: ")
                .symbol(&x)
                .words(
                    " for the first, the output of the row above for the others (the loss also takes ",
                )
                .symbol(&y)
                .words("); Output is the layer's rule applied to it")
        };
        if expanded {
            title = title
                .words(", in ")
                .then(super::inputs_prose(network))
                .words(", ")
                .symbol(&y)
                .words(and_the_parameters);
            note = note
                .words(", then the same value written out in ")
                .then(super::inputs_prose(network))
                .words(", ")
                .symbol(&y)
                .words(and_the_parameters);
            note = if network.layers.iter().any(|l| l.normalization.is_some()) {
                note.words(" (with a normalization's ")
                    .fixed("μ⁽ᵏ⁾", "\\mu^{(k)}")
                    .words(", ")
                    .fixed("var⁽ᵏ⁾", "\\operatorname{var}^{(k)}")
                    .words(" and ")
                    .fixed("ẑ⁽ᵏ⁾", "\\hat{z}^{(k)}")
                    .words(" by name, each written out in its own row).")
            } else {
                note.words(".")
            };
        } else {
            note = note.words(
                " (written out in full, a chain this long grows with the square of its depth; \
                 --expand writes it so).",
            );
        }
        Section {
            heading: self.heading(Part::Forward, title),
            note: Some(note),
            headers: vec!["Layer", "Input", "Output"],
            rows,
        }
    }
}

/// The key of a layer's rows in JSON: `Linear2`, `LayerNorm1`, `ReLU`.
fn layer_key(layer: &crate::network::Layer) -> String {
    match layer.linear_index.or(layer.normalization.map(|n| n.index)) {
        Some(k) => format!("{}{k}", layer.kind.title()),
        None => layer.kind.title().to_string(),
    }
}
