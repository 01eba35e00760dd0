//! The forward pass: each layer's input and output.

use super::{Builder, ForwardRow, PrintedForm, Section, forward_names, layer_title};
use crate::math::prose::Prose;
use crate::math::symbol::Symbol;
use crate::render::expression::Names;
use crate::render::parts::Part;

impl Builder<'_> {
    pub(super) fn forward(&self) -> Section<ForwardRow> {
        let network = &self.derivation.network;
        let mut rows: Vec<ForwardRow> = network
            .layers
            .iter()
            .map(|layer| {
                let definition = self.definition(layer.output);
                ForwardRow {
                    layer: layer_title(layer),
                    key: match layer.linear_index {
                        Some(k) => format!("{}{k}", layer.kind.title()),
                        None => layer.kind.title().to_string(),
                    },
                    inputs: std::iter::once(layer.input).chain(layer.mask).collect(),
                    output: self.equation(
                        self.symbol_of(layer.output),
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
            })
            .collect();
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
        let mut note = Prose::new()
            .words("Input is the value a layer takes, by name: ")
            .symbol(&x)
            .words(
                " for the first, the output of the row above for the others (the loss also takes ",
            )
            .symbol(&y)
            .words("); Output is the layer's rule applied to it");
        if expanded {
            title = title
                .words(", in ")
                .symbol(&x)
                .words(", ")
                .symbol(&y)
                .words(and_the_parameters);
            note = note
                .words(", then the same value written out in ")
                .symbol(&x)
                .words(", ")
                .symbol(&y)
                .words(and_the_parameters)
                .words(".");
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
