//! The gradients by the chain rule, and the δ recursion it is written through.

use super::{
    Builder, ChainRow, ClosedRow, PrintedForm, Section, chain_rule_names, orientation,
    shows_recursion,
};
use crate::convention::Layout;
use crate::math::prose::Prose;
use crate::render::expression::Names;
use crate::render::parts::Part;

impl Builder<'_> {
    pub(super) fn chain_rule(&self) -> Section<ChainRow> {
        let rows = self
            .derivation
            .gradients
            .iter()
            .map(|g| ChainRow {
                parameter: g.parameter.clone(),
                gradient: self.equation(
                    g.symbol.clone(),
                    vec![PrintedForm {
                        id: g.chain_rule,
                        names: chain_rule_names(self.derivation),
                    }],
                ),
                shape: self.arena().shape(g.chain_rule).clone(),
            })
            .collect();
        Section {
            heading: self.heading(
                Part::Gradients,
                Prose::new().words("Gradients by the chain rule"),
            ),
            note: None,
            headers: vec!["Parameter", "Gradient (chain rule)", "Shape"],
            rows,
        }
    }

    /// The rows ∂ℓ/∂zᵢ (a mini-batch's Δᵢ), each defined through the one after it: shown
    /// when the chain rule is written through them.
    pub(super) fn recursion(&self) -> Option<Section<ClosedRow>> {
        if !shows_recursion(self.derivation) {
            return None;
        }
        let rows = self
            .derivation
            .signals
            .iter()
            .map(|s| ClosedRow {
                equation: self.equation(
                    s.symbol.clone(),
                    vec![PrintedForm {
                        id: s.chain_rule,
                        names: Names::Keep,
                    }],
                ),
                shape: self.arena().shape(s.chain_rule).clone(),
                parameter: None,
            })
            .collect();
        let network = &self.derivation.network;
        let convention = network.convention;
        let side = orientation::sample_side(convention);
        let graph = network.spec.model.is_some();
        let through = if graph {
            "each is written through the matrices of the nodes that take its value, summed where \
             there are several, from the output back."
        } else {
            "each is written through the one after it, from the output back."
        };
        let what = if network.samples.is_some() && network.couples_samples() {
            Prose::new()
                .words("For a mini-batch ")
                .fixed(
                    "Δᵢ := N ∂ℓ/∂Zᵢ",
                    "\\Delta_{i} := N\\,\\partial \\ell / \\partial Z_{i}",
                )
                .words(format!(
                    "; after the last batchnorm its s-th {side} is sample s's row "
                ))
                .then(orientation::sample_signal(convention))
                .words(format!(
                    " (not before it, where every sample's loss depends on every {side}); {through}"
                ))
        } else if network.samples.is_some() {
            Prose::new()
                .words(format!("For a mini-batch the s-th {side} of "))
                .fixed("Δᵢ", "\\Delta_{i}")
                .words(" is sample s's row ")
                .then(orientation::sample_signal(convention))
                .words(", so that ")
                .fixed(
                    "∂ℓ/∂Zᵢ = (1/N)Δᵢ",
                    "\\partial \\ell / \\partial Z_{i} = \\tfrac{1}{N}\\Delta_{i}",
                )
                .words(format!("; {through}"))
        } else {
            Prose::new()
                .words(format!("Each {} ", orientation::signal_kind(convention)))
                .fixed("∂ℓ/∂zᵢ", "\\partial \\ell / \\partial z_{i}")
                .words(if graph {
                    " is written through the rows of the nodes that take its value, summed where \
                         there are several, from the output back."
                } else {
                    " is written through the one after it, from the output back."
                })
        };
        Some(Section {
            heading: self.heading(Part::Gradients, Prose::new().words("Backpropagation")),
            note: Some(what),
            headers: vec![
                match (self.derivation.network.samples.is_some(), convention.layout) {
                    (true, _) => "Backpropagated matrix",
                    (false, Layout::Numerator) => "Backpropagated row",
                    (false, Layout::Denominator) => "Backpropagated column",
                },
                "Shape",
            ],
            rows,
        })
    }
}
